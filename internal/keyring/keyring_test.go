package keyring_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

// legacyPepper is the pepper of a database made before the check value:
// derived from the master key.
func legacyPepper(mk keys.MasterKey) secrets.Pepper {
	return secrets.NewPepper(mk.Derive("signet/pepper/v1"))
}

// project makes a project as an older Signet did (or a newer one, with
// the ring's pepper) and returns its ID and secret.
func project(t *testing.T, st store.Store, mk keys.MasterKey, pepper secrets.Pepper) (string, string) {
	t.Helper()
	p, secret, err := projects.Create(t.Context(), st, keys.NewManager(st, mk, keys.Options{}), pepper, "P", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p.ID, secret
}

func wantMismatch(t *testing.T, err error, database, given keys.MasterKey) {
	t.Helper()
	var me *keyring.MismatchError
	if !errors.As(err, &me) || me.Database != keyring.ID(database) || me.Given != keyring.ID(given) {
		t.Fatalf("got %v, want a mismatch naming %s and %s", err, keyring.ID(database), keyring.ID(given))
	}
}

// A new database records the first key and refuses any other; its pepper
// is random, not derived from the key.
func TestOpenNewDatabase(t *testing.T) {
	ctx := t.Context()
	st := testdb.Open(t)
	mk, other := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	ring, err := keyring.Open(ctx, st, mk)
	if err != nil {
		t.Fatal(err)
	}
	if ring.KeyID != keyring.ID(mk) || !strings.HasPrefix(ring.KeyID, "mk-") || len(ring.KeyID) != 15 {
		t.Errorf("KeyID = %q, want %q", ring.KeyID, keyring.ID(mk))
	}
	id, secret := project(t, st, mk, ring.Pepper)
	again, err := keyring.Open(ctx, st, mk)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Project(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Pepper.Equal(p.SecretHash, secret) {
		t.Error("the pepper changed between two opens")
	}
	if legacyPepper(mk).Equal(p.SecretHash, secret) {
		t.Error("a new database's pepper is the master key's derivation")
	}
	_, err = keyring.Open(ctx, st, other)
	wantMismatch(t, err, mk, other)
	if strings.Contains(err.Error(), mk.Encode()) || strings.Contains(err.Error(), other.Encode()) {
		t.Errorf("the error shows a key: %v", err)
	}
}

// A database made before the check value records it with the key that
// opens its oldest signing key, keeping the pepper its secrets were
// hashed with; another key is refused and records nothing.
func TestOpenLegacyDatabase(t *testing.T) {
	ctx := t.Context()
	st := testdb.Open(t)
	mk, other := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	id, secret := project(t, st, mk, legacyPepper(mk))
	// The README's old tour: a second project sealed under another key
	// in the same database. The first one's key is the database's.
	project(t, st, other, legacyPepper(other))

	_, err := keyring.Open(ctx, st, other)
	var ne *keyring.NotOpenedError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), "of project "+id) {
		t.Fatalf("the other key: %v, want a NotOpenedError naming the oldest project", err)
	}
	if _, err := st.MasterKeyCheck(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused key recorded a check: %v", err)
	}
	ring, err := keyring.Open(ctx, st, mk)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := st.Project(ctx, id)
	if !ring.Pepper.Equal(p.SecretHash, secret) {
		t.Error("the project's secret no longer verifies: the pepper changed")
	}
	_, err = keyring.Open(ctx, st, other)
	wantMismatch(t, err, mk, other)
}

// Rotation re-seals every key and bank credential under the new key in
// one step: the old key is refused afterwards, the new one opens all of
// it, and secrets hashed before still verify (the pepper is the same).
func TestRotate(t *testing.T) {
	ctx := t.Context()
	st := testdb.Open(t)
	old, next := keys.GenerateMasterKey(), keys.GenerateMasterKey()
	ring, err := keyring.Open(ctx, st, old)
	if err != nil {
		t.Fatal(err)
	}
	id1, secret := project(t, st, old, ring.Pepper)
	id2, _ := project(t, st, old, ring.Pepper)
	km := keys.NewManager(st, old, keys.Options{})
	if _, err := km.Rotate(ctx, id2, keys.ES256, km.MinPublishDelay(), time.Hour); err != nil {
		t.Fatal(err)
	}
	reg := &banks.Registry{Store: st, Sealer: banks.NewSealer(old)}
	b, err := reg.Create(ctx, id1, banks.Input{Issuer: "https://bank.example", DisplayName: "Bank", ClientID: "rp",
		AuthMethod: banks.ClientSecretBasic, Credentials: banks.Credentials{ClientSecret: "bank-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	kidsBefore := map[string][]string{id1: kids(t, km, id1), id2: kids(t, km, id2)}

	if _, err := keyring.Rotate(ctx, st, old, old, time.Now()); !errors.Is(err, keyring.ErrSameKey) {
		t.Errorf("rotate to the same key: %v", err)
	}
	r, err := keyring.Rotate(ctx, st, old, next, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Each project has its RS256, PS256 and ES256 keys, and the second a
	// rotation's new ES256 key besides.
	if r.From != keyring.ID(old) || r.To != keyring.ID(next) || r.Resealed != 8 {
		t.Errorf("Rotate = %+v, want 7 keys and 1 bank re-sealed", r)
	}
	_, err = keyring.Open(ctx, st, old)
	wantMismatch(t, err, next, old)
	if err := ring.Verify(ctx, st); err == nil || !strings.Contains(err.Error(), "rotated") {
		t.Errorf("a server on the old key: Verify = %v", err)
	}
	newRing, err := keyring.Open(ctx, st, next)
	if err != nil {
		t.Fatal(err)
	}
	if err := newRing.Verify(ctx, st); err != nil {
		t.Error(err)
	}
	p, _ := st.Project(ctx, id1)
	if !newRing.Pepper.Equal(p.SecretHash, secret) {
		t.Error("the project's secret no longer verifies after rotation")
	}
	km2 := keys.NewManager(st, next, keys.Options{})
	for id, want := range kidsBefore {
		if got := kids(t, km2, id); !slices.Equal(got, want) {
			t.Errorf("project %s keys after rotation: %v, want %v", id, got, want)
		}
		if _, err := km2.Signer(ctx, id, keys.RS256); err != nil {
			t.Error(err)
		}
	}
	if err := km2.Unreadable(ctx); err != nil {
		t.Error(err)
	}
	creds, err := (&banks.Registry{Store: st, Sealer: banks.NewSealer(next)}).Credentials(ctx, id1, b.ID)
	if err != nil || creds.ClientSecret != "bank-secret" {
		t.Errorf("bank credentials after rotation: %v", err)
	}
}

// A value the old key does not open aborts the rotation: nothing changes.
func TestRotateAbortsOnUnreadable(t *testing.T) {
	ctx := t.Context()
	st := testdb.Open(t)
	old, next, stray := keys.GenerateMasterKey(), keys.GenerateMasterKey(), keys.GenerateMasterKey()
	ring, err := keyring.Open(ctx, st, old)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := project(t, st, old, ring.Pepper)
	// An EdDSA key (the project has the other algorithms' keys already)
	// sealed under a stray key.
	if err := keys.NewManager(st, stray, keys.Options{}).EnsureKey(ctx, id, keys.EdDSA); err != nil {
		t.Fatal(err)
	}
	_, err = keyring.Rotate(ctx, st, old, next, time.Now())
	var ne *keyring.NotOpenedError
	if !errors.As(err, &ne) {
		t.Fatalf("Rotate = %v, want a NotOpenedError", err)
	}
	if _, err := keyring.Open(ctx, st, old); err != nil {
		t.Errorf("the old key after an aborted rotation: %v", err)
	}
	if _, err := keys.NewManager(st, old, keys.Options{}).Signer(ctx, id, keys.RS256); err != nil {
		t.Errorf("the old key's signing key after an aborted rotation: %v", err)
	}
}

func kids(t *testing.T, km *keys.Manager, projectID string) []string {
	t.Helper()
	set, err := km.PublicKeys(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}
