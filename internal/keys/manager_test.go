package keys

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
)

// memKeys is an in-memory KeyStore with the semantics store.Keys
// documents. The real backends are exercised in sqlite_test.go.
type memKeys struct {
	mu    sync.Mutex
	keys  []store.Key // insertion order = creation order
	reads int         // ProjectKeys calls
}

func (s *memKeys) ProjectKeys(_ context.Context, projectID string, now time.Time) ([]store.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	var out []store.Key
	for _, k := range s.keys {
		if k.ProjectID == projectID && (k.RemoveAt == nil || k.RemoveAt.After(now)) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (s *memKeys) RotateKey(_ context.Context, k store.Key, removeAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.keys {
		if o.ID == k.ID {
			return &store.DuplicateError{Field: "id"}
		}
		if o.ProjectID == k.ProjectID && o.Alg == k.Alg && o.RetiresAt == nil {
			retires, remove := k.ActivatesAt, removeAt
			s.keys[i].RetiresAt, s.keys[i].RemoveAt = &retires, &remove
		}
	}
	s.keys = append(s.keys, k)
	return nil
}

func (s *memKeys) AddKeys(_ context.Context, ks []store.Key) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, k := range ks {
		current := false
		for _, o := range s.keys {
			current = current || (o.ProjectID == k.ProjectID && o.Alg == k.Alg && o.RetiresAt == nil)
		}
		if !current {
			s.keys = append(s.keys, k)
			n++
		}
	}
	return n, nil
}

func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) }

var testMK = GenerateMasterKey()

func newTestManager(st KeyStore, c *testclock.Clock) *Manager {
	return NewManager(st, testMK, Options{Now: c.Now})
}

// jwksKids lists the kids of m's JWKS for the project, parsed from JSON
// the way a relying party sees it.
func jwksKids(t *testing.T, m *Manager, projectID string) []string {
	t.Helper()
	set := parseJWKS(t, m, projectID)
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

func parseJWKS(t *testing.T, m *Manager, projectID string) jose.JSONWebKeySet {
	t.Helper()
	b, err := m.JWKS(context.Background(), projectID)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("JWKS %s: %v", b, err)
	}
	return set
}

// verifyWithJWKS checks token the way an outside verifier would: with
// go-jose against the published JWKS JSON.
func verifyWithJWKS(t *testing.T, m *Manager, projectID, token string) error {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return err
	}
	set := parseJWKS(t, m, projectID)
	ks := set.Key(jws.Signatures[0].Protected.KeyID)
	if len(ks) != 1 {
		return errors.New("kid not in JWKS")
	}
	_, err = jws.Verify(ks[0])
	return err
}

func TestRotationLifecycle(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	t0 := c.Now()
	m := newTestManager(&memKeys{}, c)
	const p = "project-test-rotation"
	if err := m.EnsureKey(ctx, p, RS256); err != nil {
		t.Fatal(err)
	}
	oldS, err := m.Signer(ctx, p, RS256)
	if err != nil {
		t.Fatal(err)
	}
	old := oldS.KeyID()
	before, err := oldS.SignJWT(map[string]any{"sub": "user-1"}, "JWT")
	if err != nil {
		t.Fatal(err)
	}

	const delay, retain = time.Hour, 2 * time.Hour
	c.Set(t0.Add(time.Minute))
	nk, err := m.Rotate(ctx, p, RS256, delay, retain)
	if err != nil {
		t.Fatal(err)
	}
	activates := t0.Add(time.Minute + delay)
	if !nk.ActivatesAt.Equal(activates) {
		t.Fatalf("ActivatesAt = %v, want %v", nk.ActivatesAt, activates)
	}
	removeAt := activates.Add(retain)

	tests := []struct {
		name       string
		at         time.Time
		wantSigner string
		wantJWKS   []string
		oldTokenOK bool
	}{
		{"right after rotate", t0.Add(time.Minute), old, []string{old, nk.ID}, true},
		{"just before activation", activates.Add(-time.Microsecond), old, []string{old, nk.ID}, true},
		{"at activation", activates, nk.ID, []string{old, nk.ID}, true},
		{"retained", removeAt.Add(-time.Microsecond), nk.ID, []string{old, nk.ID}, true},
		{"at RemoveAt", removeAt, nk.ID, []string{nk.ID}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Set(tt.at)
			s, err := m.Signer(ctx, p, RS256)
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyID() != tt.wantSigner {
				t.Errorf("signer %s, want %s (old %s, new %s)", s.KeyID(), tt.wantSigner, old, nk.ID)
			}
			if got := jwksKids(t, m, p); !slices.Equal(got, tt.wantJWKS) {
				t.Errorf("JWKS kids %v, want %v", got, tt.wantJWKS)
			}
			pub, err := m.PublicKeys(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(pub.Keys) != len(tt.wantJWKS) {
				t.Errorf("PublicKeys has %d keys, want %d", len(pub.Keys), len(tt.wantJWKS))
			}
			_, _, verr := m.Verify(ctx, p, before, []jose.SignatureAlgorithm{jose.RS256})
			jerr := verifyWithJWKS(t, m, p, before)
			if tt.oldTokenOK && (verr != nil || jerr != nil) {
				t.Errorf("token signed before rotation: Verify %v, go-jose %v", verr, jerr)
			}
			if !tt.oldTokenOK && (!errors.Is(verr, ErrInvalidToken) || jerr == nil) {
				t.Errorf("token of a removed key: Verify %v, go-jose %v; want both to fail", verr, jerr)
			}
			// Whatever signs now verifies now.
			tok, err := s.SignJWT(map[string]any{"sub": "user-2"}, "JWT")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := m.Verify(ctx, p, tok, []jose.SignatureAlgorithm{jose.RS256}); err != nil {
				t.Errorf("fresh token: %v", err)
			}
			if err := verifyWithJWKS(t, m, p, tok); err != nil {
				t.Errorf("fresh token against JWKS: %v", err)
			}
		})
	}
}

// A rotation made by another process (here a second Manager on the same
// store, as the CLI would be) reaches a running Manager within CacheTTL.
func TestCacheTTLSeesOtherRotation(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	t0 := c.Now()
	st := &memKeys{}
	server := newTestManager(st, c)
	cli := newTestManager(st, c)
	const p = "project-test-ttl"
	if err := server.EnsureKey(ctx, p, ES256); err != nil {
		t.Fatal(err)
	}
	first := jwksKids(t, server, p)
	nk, err := cli.Rotate(ctx, p, ES256, cli.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		at        time.Time
		wantKids  int
		wantSigns string
	}{
		{t0.Add(DefaultCacheTTL - time.Microsecond), 1, first[0]}, // still cached
		{t0.Add(DefaultCacheTTL), 2, first[0]},                    // re-read: published, not signing
		{nk.ActivatesAt, 2, nk.ID},                                // activated
	}
	for _, tt := range tests {
		c.Set(tt.at)
		if got := jwksKids(t, server, p); len(got) != tt.wantKids {
			t.Errorf("at +%v: JWKS %v, want %d keys", tt.at.Sub(t0), got, tt.wantKids)
		}
		s, err := server.Signer(ctx, p, ES256)
		if err != nil {
			t.Fatal(err)
		}
		if s.KeyID() != tt.wantSigns {
			t.Errorf("at +%v: signs with %s, want %s", tt.at.Sub(t0), s.KeyID(), tt.wantSigns)
		}
	}
}

func TestInvalidate(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := &memKeys{}
	a, b := newTestManager(st, c), newTestManager(st, c)
	const p = "project-test-invalidate"
	if err := a.EnsureKey(ctx, p, EdDSA); err != nil {
		t.Fatal(err)
	}
	if got := jwksKids(t, b, p); len(got) != 1 {
		t.Fatalf("JWKS %v", got)
	}
	if _, err := a.Rotate(ctx, p, EdDSA, time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	b.Invalidate(p)
	if got := jwksKids(t, b, p); len(got) != 2 {
		t.Errorf("after Invalidate: JWKS %v, want 2 keys", got)
	}
}

func TestEnsureKeys(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := &memKeys{}
	m := newTestManager(st, c)
	const p = "project-live-ensure"
	// A new project's keys: made together, signing at once.
	if err := m.EnsureKeys(ctx, p, RS256, RS256, ES256); err != nil {
		t.Fatal(err)
	}
	if err := m.EnsureKeys(ctx, p, ES256, RS256); err != nil {
		t.Fatal(err)
	}
	recs, _ := st.ProjectKeys(ctx, p, c.Now())
	if len(recs) != 2 {
		t.Fatalf("%d keys, want one per algorithm", len(recs))
	}
	for _, r := range recs {
		if r.ID[:9] != "jwk-live-" {
			t.Errorf("kid %s: want the project's environment, jwk-live-", r.ID)
		}
		if r.RetiresAt != nil || r.RemoveAt != nil || !r.ActivatesAt.Equal(c.Now()) {
			t.Errorf("first key %+v: want current, signing now", r)
		}
	}
	// A key added to a project that has keys waits MinPublishDelay, as a
	// rotation's does: other nodes may hold a view without it.
	if err := m.EnsureKey(ctx, p, PS256); err != nil {
		t.Fatal(err)
	}
	recs, _ = st.ProjectKeys(ctx, p, c.Now())
	if ps := recs[len(recs)-1]; ps.Alg != PS256 || !ps.ActivatesAt.Equal(c.Now().Add(m.MinPublishDelay())) {
		t.Errorf("PS256 key %+v: want signing from now+%v", ps, m.MinPublishDelay())
	}
	if from, err := m.SignsFrom(ctx, p, PS256); err != nil || !from.Equal(c.Now().Add(m.MinPublishDelay())) {
		t.Errorf("SignsFrom(PS256) = %v, %v", from, err)
	}
	if from, err := m.SignsFrom(ctx, p, RS256); err != nil || !from.Equal(c.Now()) {
		t.Errorf("SignsFrom(RS256) = %v, %v", from, err)
	}
	if _, err := m.SignsFrom(ctx, p, EdDSA); !errors.Is(err, ErrNoKey) {
		t.Errorf("SignsFrom(EdDSA) = %v, want ErrNoKey", err)
	}
	if err := m.EnsureKey(ctx, p, "HS256"); err == nil {
		t.Error("EnsureKey(HS256) succeeded")
	}
}

func TestSignerErrors(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	m := newTestManager(&memKeys{}, c)
	if err := m.EnsureKey(ctx, "project-test-a", RS256); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(ctx, "project-test-b", ES256, time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, project, alg string
	}{
		{"no keys at all", "project-test-none", RS256},
		{"no key of that alg", "project-test-a", ES256},
		{"only key not yet active", "project-test-b", ES256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Signer(ctx, tt.project, tt.alg); !errors.Is(err, ErrNoKey) {
				t.Errorf("err = %v, want ErrNoKey", err)
			}
		})
	}
}

func TestRotateRejects(t *testing.T) {
	m := newTestManager(&memKeys{}, newClock())
	tests := []struct {
		name          string
		alg           string
		delay, retain time.Duration
	}{
		{"HS256", "HS256", 0, time.Hour},
		{"none", "none", 0, time.Hour},
		{"negative delay", RS256, -time.Second, time.Hour},
		{"negative retain", RS256, time.Hour, -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := m.Rotate(context.Background(), "project-test-x", tt.alg, tt.delay, tt.retain); err == nil {
				t.Error("Rotate succeeded")
			}
		})
	}
}

// A sealed key moved to another row does not open, so nobody with only
// database access can make one project trust another's key: it is left
// out of the victim's JWKS and never signs, while the victim's own key
// goes on working, and Unreadable names it.
func TestMovedKeyRefused(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	tests := []struct {
		name   string
		mutate func(k *store.Key)
	}{
		{"other project", func(k *store.Key) { k.ProjectID = "project-test-victim" }},
		{"other kid", func(k *store.Key) { k.ID = "jwk-test-forged"; k.ProjectID = "project-test-victim" }},
		{"other alg", func(k *store.Key) { k.Alg = PS256; k.ProjectID = "project-test-victim" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &memKeys{}
			m := newTestManager(st, c)
			if err := m.EnsureKey(ctx, "project-test-attacker", RS256); err != nil {
				t.Fatal(err)
			}
			if err := m.EnsureKey(ctx, "project-test-victim", ES256); err != nil {
				t.Fatal(err)
			}
			own := st.keys[1].ID
			k := st.keys[0]
			tt.mutate(&k)
			st.keys = append(st.keys, k)
			m.Invalidate("project-test-victim")
			if got := jwksKids(t, m, "project-test-victim"); !slices.Equal(got, []string{own}) {
				t.Errorf("victim's JWKS = %v, want only its own key %s", got, own)
			}
			if _, err := m.Signer(ctx, "project-test-victim", k.Alg); !errors.Is(err, ErrNoKey) {
				t.Errorf("Signer(%s): %v, want ErrNoKey", k.Alg, err)
			}
			if _, err := m.Signer(ctx, "project-test-victim", ES256); err != nil {
				t.Errorf("the victim's own key: %v", err)
			}
			var ue *UnreadableError
			if err := m.Unreadable(ctx); !errors.As(err, &ue) || !slices.Equal(ue.Keys["project-test-victim"], []string{k.ID}) || len(ue.Keys) != 1 {
				t.Errorf("Unreadable = %v, want key %s of the victim", err, k.ID)
			}
		})
	}
}

// A key that does not open breaks neither its project's other keys nor
// any other project; once it is gone, Unreadable clears at the next read.
func TestUnreadableKeyIsolated(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := &memKeys{}
	m := newTestManager(st, c)
	for _, p := range []string{"project-test-a", "project-test-b"} {
		if err := m.EnsureKey(ctx, p, RS256); err != nil {
			t.Fatal(err)
		}
	}
	// A key of project b sealed under another master key, as an older
	// Signet run with another key would have written it.
	other := NewManager(st, GenerateMasterKey(), Options{Now: c.Now})
	if err := other.EnsureKey(ctx, "project-test-b", ES256); err != nil {
		t.Fatal(err)
	}
	bad := st.keys[2].ID
	if err := m.Warm(ctx, []string{"project-test-a", "project-test-b"}); err != nil {
		t.Fatal(err)
	}
	if got := jwksKids(t, m, "project-test-a"); len(got) != 1 {
		t.Errorf("project a's JWKS = %v", got)
	}
	if got := jwksKids(t, m, "project-test-b"); len(got) != 1 || got[0] == bad {
		t.Errorf("project b's JWKS = %v, want its RS256 key only", got)
	}
	if _, err := m.Signer(ctx, "project-test-b", RS256); err != nil {
		t.Errorf("project b's readable key: %v", err)
	}
	err := m.Unreadable(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 signing key(s) of 1 project(s)") {
		t.Fatalf("Unreadable = %v", err)
	}
	st.mu.Lock()
	st.keys = st.keys[:2]
	st.mu.Unlock()
	if err := m.Unreadable(ctx); err == nil {
		t.Error("Unreadable cleared before the cached view expired")
	}
	c.Set(c.Now().Add(DefaultCacheTTL + time.Second))
	if err := m.Unreadable(ctx); err != nil {
		t.Errorf("Unreadable after the key went and the view expired: %v", err)
	}
}

// A project whose every key does not open has a view with no key, which
// is kept like any other (the store holds keys for it, so EnsureKeys does
// not take it for a new project): it is not read again, and logged again,
// on every request.
func TestUnreadableOnlyKeyCached(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := &memKeys{}
	other := NewManager(st, GenerateMasterKey(), Options{Now: c.Now})
	if err := other.EnsureKey(ctx, "project-test-a", RS256); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.reads = 0
	st.mu.Unlock()
	m := newTestManager(st, c)
	for range 3 {
		if got := jwksKids(t, m, "project-test-a"); len(got) != 0 {
			t.Fatalf("JWKS = %v, want no key", got)
		}
	}
	st.mu.Lock()
	reads := st.reads
	st.mu.Unlock()
	if reads != 1 {
		t.Errorf("the keys were read %d times within the TTL, want 1", reads)
	}
	if err := m.Unreadable(ctx); err == nil {
		t.Error("Unreadable = nil")
	}
}

// The hot path shares Signers across goroutines while keys rotate; run
// with -race.
func TestConcurrentSignAndRotate(t *testing.T) {
	ctx := context.Background()
	m := NewManager(&memKeys{}, testMK, Options{CacheTTL: time.Millisecond})
	const p = "project-test-concurrent"
	if err := m.EnsureKey(ctx, p, ES256); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				s, err := m.Signer(ctx, p, ES256)
				if err != nil {
					t.Error(err)
					return
				}
				tok, err := s.SignJWTBytes([]byte(`{"sub":"x"}`), "JWT")
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := m.Verify(ctx, p, tok, []jose.SignatureAlgorithm{jose.ES256}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 5 {
		if _, err := m.Rotate(ctx, p, ES256, m.MinPublishDelay(), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
