package keys

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/sqlite"
)

// TestSQLiteRotation walks a key through its lifecycle on the real SQLite
// store, with the rotation made by a second Manager as `signet keys
// rotate` would: sealed keys survive the round trip through BLOB columns,
// times survive microsecond storage, and the server sees the rotation
// within CacheTTL.
func TestSQLiteRotation(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenAndMigrate(ctx, filepath.Join(t.TempDir(), "signet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := newClock()
	t0 := c.Now()
	const p = "project-test-sqlite"
	if err := db.CreateProject(ctx, store.Project{ID: p, Name: "keys test", TokenAlg: RS256, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	server := NewManager(db, testMK, Options{Now: c.Now, CacheTTL: 10 * time.Second})
	cli := NewManager(db, testMK, Options{Now: c.Now})

	if err := server.EnsureKey(ctx, p, RS256); err != nil {
		t.Fatal(err)
	}
	oldS, err := server.Signer(ctx, p, RS256)
	if err != nil {
		t.Fatal(err)
	}
	before, err := oldS.SignJWT(map[string]string{"sub": "user-test-1"}, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	const delay, retain = time.Minute, time.Hour
	c.Set(t0.Add(time.Second)) // a later created_at: the store lists keys oldest first
	nk, err := cli.Rotate(ctx, p, RS256, delay, retain)
	if err != nil {
		t.Fatal(err)
	}
	old := oldS.KeyID()
	activates, removeAt := t0.Add(time.Second+delay), t0.Add(time.Second+delay+retain)

	steps := []struct {
		name       string
		at         time.Time
		wantSigner string
		wantJWKS   []string
	}{
		{"server cache not yet stale", t0.Add(9 * time.Second), old, []string{old}},
		{"cache re-read: published, not signing", t0.Add(10 * time.Second), old, []string{old, nk.ID}},
		{"activated", activates, nk.ID, []string{old, nk.ID}},
		{"old key removed", removeAt, nk.ID, []string{nk.ID}},
	}
	for _, st := range steps {
		c.Set(st.at)
		s, err := server.Signer(ctx, p, RS256)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if s.KeyID() != st.wantSigner {
			t.Errorf("%s: signs with %s, want %s", st.name, s.KeyID(), st.wantSigner)
		}
		if got := jwksKids(t, server, p); !slices.Equal(got, st.wantJWKS) {
			t.Errorf("%s: JWKS %v, want %v", st.name, got, st.wantJWKS)
		}
		_, _, err = server.Verify(ctx, p, before, []jose.SignatureAlgorithm{jose.RS256})
		if wantOK := slices.Contains(st.wantJWKS, old); wantOK != (err == nil) {
			t.Errorf("%s: Verify(token of old key) = %v", st.name, err)
		} else if !wantOK && !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Verify err %v, want ErrInvalidToken", st.name, err)
		}
	}
}
