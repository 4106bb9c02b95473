package apps

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// readerFunc is a hand-written ClientReader.
type readerFunc func(ctx context.Context, projectID, clientID string) (store.M2MClient, error)

func (f readerFunc) M2MClient(ctx context.Context, projectID, clientID string) (store.M2MClient, error) {
	return f(ctx, projectID, clientID)
}

var _ ClientReader = readerFunc(nil)

func TestCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reads := 0
	status := "active"
	var during func() // runs inside a store read, to model a racing write
	st := readerFunc(func(_ context.Context, projectID, id string) (store.M2MClient, error) {
		reads++
		if projectID != "" {
			t.Errorf("cache read with project %q; want by ID alone", projectID)
		}
		if id != "c1" {
			return store.M2MClient{}, store.ErrNotFound
		}
		c := store.M2MClient{ClientID: id, ProjectID: "p1", Status: status}
		if during != nil {
			during()
			during = nil
		}
		return c, nil
	})
	c := NewCache(st, 5*time.Second, func() time.Time { return now })
	ctx := context.Background()
	get := func(project string) (store.M2MClient, error) { return c.M2MClient(ctx, project, "c1") }

	steps := []struct {
		name       string
		do         func()
		project    string
		wantStatus string
		wantErr    error
		wantReads  int
	}{
		{name: "first read goes to the store", wantStatus: "active", wantReads: 1},
		{name: "then from memory", project: "p1", wantStatus: "active", wantReads: 1},
		{name: "another project's path does not see it", project: "p2", wantErr: store.ErrNotFound, wantReads: 1},
		{name: "a change elsewhere is seen after the TTL", do: func() { status = "inactive"; now = now.Add(5 * time.Second) }, wantStatus: "inactive", wantReads: 2},
		{name: "while one request re-reads an expired entry, others use it", do: func() {
			now = now.Add(5 * time.Second)
			during = func() {
				if got, _ := get(""); got.Status != "inactive" || reads != 3 {
					t.Errorf("concurrent lookup during a re-read: %+v after %d reads; want the expired copy, no read", got, reads)
				}
			}
		}, wantStatus: "inactive", wantReads: 3},
		{name: "Forget makes the next read fresh", do: func() { status = "active"; c.Forget("c1") }, wantStatus: "active", wantReads: 4},
		{name: "a write racing a read is not cached stale", do: func() {
			c.Forget("c1")
			during = func() { status = "inactive"; c.Forget("c1") } // committed and forgotten mid-read
		}, wantStatus: "active", wantReads: 5},
		{name: "so the next read goes to the store again", wantStatus: "inactive", wantReads: 6},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		got, err := get(s.project)
		if !errors.Is(err, s.wantErr) || (err == nil && got.Status != s.wantStatus) || reads != s.wantReads {
			t.Fatalf("%s: got %+v, %v after %d reads; want status %q, err %v, %d reads",
				s.name, got, err, reads, s.wantStatus, s.wantErr, s.wantReads)
		}
	}
	// Unknown clients are never cached: one created a moment later works.
	for range 2 {
		if _, err := c.M2MClient(ctx, "", "c2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown client: %v", err)
		}
	}
	if reads != 8 {
		t.Errorf("unknown client read %d times, want every time", reads-6)
	}
}
