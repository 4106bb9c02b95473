package projects_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// algs lists the algorithms of the project's current keys and when each
// starts signing.
func algs(t *testing.T, st store.Store, projectID string) map[string]time.Time {
	t.Helper()
	recs, err := st.ProjectKeys(context.Background(), projectID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, r := range recs {
		if _, dup := out[r.Alg]; dup {
			t.Fatalf("two current %s keys", r.Alg)
		}
		out[r.Alg] = r.ActivatesAt
	}
	return out
}

// A new project has a key of every algorithm a client may register, each
// signing from the start: no key is ever made on first use, when it
// would sign before relying parties could have fetched it (OpenID Connect
// Core §10.1.1).
func TestCreateMakesEveryKey(t *testing.T) {
	st := testdb.Open(t)
	km := keys.NewManager(st, keys.GenerateMasterKey(), keys.Options{})
	now := time.Now()
	p, _, err := projects.Create(t.Context(), st, km, secrets.NewPepper(bytes.Repeat([]byte{1}, 32)), "p", now)
	if err != nil {
		t.Fatal(err)
	}
	got := algs(t, st, p.ID)
	if len(got) != len(projects.KeyAlgs) {
		t.Fatalf("keys %v, want %v", got, projects.KeyAlgs)
	}
	for _, alg := range projects.KeyAlgs {
		if _, err := km.Signer(t.Context(), p.ID, alg); err != nil {
			t.Errorf("%s: %v", alg, err)
		}
	}
}

// At start-up, a project made before that (an RS256 key only, access tokens
// in EdDSA) gets the keys it lacks, published now and signing once every
// node's JWKS serves them; a second start adds nothing.
func TestEnsureKeysBackfills(t *testing.T) {
	ctx := context.Background()
	st := testdb.Open(t)
	km := keys.NewManager(st, keys.GenerateMasterKey(), keys.Options{})
	old := store.Project{ID: "project-test-old", Name: "old", SecretHash: []byte{1}, TokenAlg: "EdDSA", CreatedAt: store.Now(nil)}
	if err := st.CreateProject(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := km.EnsureKeys(ctx, old.ID, keys.RS256); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := projects.EnsureKeys(ctx, st, km); err != nil {
		t.Fatal(err)
	}
	got := algs(t, st, old.ID)
	for _, alg := range append(slices.Clone(projects.KeyAlgs), "EdDSA") {
		from, ok := got[alg]
		if !ok {
			t.Errorf("no %s key after start-up (keys %v)", alg, got)
			continue
		}
		if alg != keys.RS256 && from.Before(before.Add(km.MinPublishDelay()).Add(-time.Second)) {
			t.Errorf("%s key signs from %v, before every node can serve it", alg, from)
		}
	}
	if err := projects.EnsureKeys(ctx, st, km); err != nil {
		t.Fatal(err)
	}
	if again := algs(t, st, old.ID); len(again) != len(got) {
		t.Errorf("second start-up: keys %v, want %v", again, got)
	}
}
