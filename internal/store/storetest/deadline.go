package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var probeWriteTest = test{"ProbeWrite", func(t *testing.T, s store.Store) {
	// Twice: the probe leaves the database as it found it.
	must(t, s.ProbeWrite(ctx(t)))
	must(t, s.ProbeWrite(ctx(t)))
}}

// A store under WithDeadline reports an operation whose deadline has
// passed as ErrUnavailable, reads, writes and the write probe alike, and
// passes every other outcome through unchanged.
var deadlineTest = test{"WithDeadline", func(t *testing.T, s store.Store) {
	d := store.WithDeadline(s, time.Minute)
	p := newProject(t, d)
	late, cancel := context.WithDeadline(ctx(t), time.Now().Add(-time.Second))
	defer cancel()
	_, err := d.Project(late, p.ID)
	wantErr(t, err, store.ErrUnavailable)
	wantErr(t, d.SetProjectTokenAlg(late, p.ID, "ES256"), store.ErrUnavailable)
	wantErr(t, d.ProbeWrite(late), store.ErrUnavailable)
	wantErr(t, d.Ping(late), store.ErrUnavailable)

	// The same store, in time: results and sentinels as without the wrapper.
	got, err := d.Project(ctx(t), p.ID)
	must(t, err)
	equal(t, got, p)
	_, err = d.Project(ctx(t), newID("project"))
	wantErr(t, err, store.ErrNotFound)
	wantDup(t, d.CreateProject(ctx(t), p), "project_id")
	if errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("not found reported as unavailable: %v", err)
	}
	must(t, d.ProbeWrite(ctx(t)))
}}
