package keys

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
)

// node is one Signet process: its Manager and its clock.
type node struct {
	m *Manager
	c *testclock.Clock
}

// The publish rule across nodes (OpenID Connect Core §10.1.1): whatever
// key a node signs with, every node's JWKS already serves. Nodes A and B
// share a store; `signet keys rotate` (C) rotates with the shortest delay
// it accepts, just after B cached its view, while A's clock runs
// MaxClockSkew ahead of C's (A starts signing as early as it can) and B
// never hears of the rotation but by its TTL. Time then moves in small
// steps until the new key signs everywhere.
func TestPublishRuleTwoNodes(t *testing.T) {
	ctx := context.Background()
	st := &memKeys{}
	base := newClock()
	t0 := base.Now()
	a := node{c: newClock()}
	b := node{c: newClock()}
	a.m = NewManager(st, testMK, Options{Now: a.c.Now})
	b.m = NewManager(st, testMK, Options{Now: b.c.Now})
	cli := NewManager(st, testMK, Options{Now: base.Now})
	set := func(at time.Time) {
		base.Set(at)
		a.c.Set(at.Add(MaxClockSkew))
		b.c.Set(at)
	}
	set(t0)
	const p = "project-test-publish-rule"
	if err := cli.EnsureKeys(ctx, p, RS256); err != nil {
		t.Fatal(err)
	}
	old := signerKid(t, a.m, p)

	set(t0.Add(time.Minute))
	jwksKids(t, b.m, p) // B's view, taken just before the rotation
	nk, err := cli.Rotate(ctx, p, RS256, cli.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	end := nk.ActivatesAt.Add(MaxClockSkew + time.Second)
	switched := false
	for at := t0.Add(time.Minute); !at.After(end); at = at.Add(100 * time.Millisecond) {
		set(at)
		for _, signer := range []node{a, b} {
			kid := signerKid(t, signer.m, p)
			switched = switched || kid == nk.ID
			for name, n := range map[string]node{"A": a, "B": b} {
				if kids := jwksKids(t, n.m, p); !slices.Contains(kids, kid) {
					t.Fatalf("at +%v a node signs with %s, which %s's JWKS %v lacks", at.Sub(t0), kid, name, kids)
				}
			}
		}
	}
	if !switched || signerKid(t, b.m, p) != nk.ID || old == nk.ID {
		t.Fatal("the new key never took over")
	}
}

func signerKid(t *testing.T, m *Manager, projectID string) string {
	t.Helper()
	s, err := m.Signer(context.Background(), projectID, RS256)
	if err != nil {
		t.Fatal(err)
	}
	return s.KeyID()
}

// A rotation whose publish delay cannot keep the publish rule is refused.
func TestRotateRefusesShortPublishDelay(t *testing.T) {
	ctx := context.Background()
	for _, ttl := range []time.Duration{0, time.Second, 5 * time.Minute} {
		m := NewManager(&memKeys{}, testMK, Options{Now: newClock().Now, CacheTTL: ttl})
		least := m.MinPublishDelay()
		if least < m.ttl+MaxClockSkew {
			t.Fatalf("TTL %v: MinPublishDelay %v leaves no room for clock skew", ttl, least)
		}
		if _, err := m.Rotate(ctx, "project-test-short", ES256, least-time.Microsecond, time.Hour); !errors.Is(err, ErrPublishDelay) {
			t.Errorf("TTL %v: Rotate(%v) = %v, want ErrPublishDelay", ttl, least-time.Microsecond, err)
		}
		if _, err := m.Rotate(ctx, "project-test-short", ES256, least, time.Hour); err != nil {
			t.Errorf("TTL %v: Rotate(%v) = %v", ttl, least, err)
		}
	}
}

// A key added to a project that already has keys (a first PS256 key for
// JARM, say) must not sign before every node's JWKS shows it: B viewed
// the project's keys just before A added one.
func TestEnsureKeyOfExistingProjectWaits(t *testing.T) {
	ctx := context.Background()
	st := &memKeys{}
	c := newClock()
	t0 := c.Now()
	a, b := newTestManager(st, c), newTestManager(st, c)
	const p = "project-test-first-use"
	if err := a.EnsureKeys(ctx, p, RS256); err != nil {
		t.Fatal(err)
	}
	jwksKids(t, b, p)
	if err := a.EnsureKey(ctx, p, PS256); err != nil {
		t.Fatal(err)
	}
	for at := t0; !at.After(t0.Add(2 * a.MinPublishDelay())); at = at.Add(500 * time.Millisecond) {
		c.Set(at)
		s, err := a.Signer(ctx, p, PS256)
		if errors.Is(err, ErrNoKey) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		if kids := jwksKids(t, b, p); !slices.Contains(kids, s.KeyID()) {
			t.Fatalf("at +%v A signs with %s, which B's JWKS %v lacks", at.Sub(t0), s.KeyID(), kids)
		}
	}
	if _, err := a.Signer(ctx, p, PS256); err != nil {
		t.Fatalf("the PS256 key never signed: %v", err)
	}
}

// A view with no keys is not kept: a new project's first keys sign at
// once, so a node that looked a moment before they existed must see them
// at its next look.
func TestEmptyViewNotCached(t *testing.T) {
	ctx := context.Background()
	st := &memKeys{}
	c := newClock()
	a, b := newTestManager(st, c), newTestManager(st, c)
	const p = "project-test-new"
	if kids := jwksKids(t, b, p); len(kids) != 0 {
		t.Fatalf("JWKS %v before any key", kids)
	}
	if err := a.EnsureKeys(ctx, p, RS256, ES256); err != nil {
		t.Fatal(err)
	}
	if kids := jwksKids(t, b, p); len(kids) != 2 {
		t.Fatalf("B's JWKS %v right after the first keys, want both", kids)
	}
}

// blockingKeys is a store whose ProjectKeys, once armed, blocks until
// released.
type blockingKeys struct {
	*memKeys
	armed   chan struct{} // closed: block the next read
	entered chan struct{}
	release chan struct{}
}

func (s *blockingKeys) ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]store.Key, error) {
	select {
	case <-s.armed:
		s.armed = make(chan struct{}) // only once
		close(s.entered)
		<-s.release
	default:
	}
	return s.memKeys.ProjectKeys(ctx, projectID, now)
}

// While one request re-reads a stale view, others are served the stale
// view for staleGrace at most; later ones wait for the re-read. Without
// the bound, a slow database would keep an old JWKS on a node for as long
// as it is slow, and a key could sign that the node does not serve.
func TestStaleViewBounded(t *testing.T) {
	ctx := context.Background()
	st := &blockingKeys{memKeys: &memKeys{}, armed: make(chan struct{}), entered: make(chan struct{}), release: make(chan struct{})}
	c := newClock()
	t0 := c.Now()
	m := newTestManager(st, c)
	cli := newTestManager(st, c)
	const p = "project-test-stale"
	if err := m.EnsureKeys(ctx, p, RS256); err != nil {
		t.Fatal(err)
	}
	jwksKids(t, m, p)
	nk, err := cli.Rotate(ctx, p, RS256, cli.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	c.Set(t0.Add(DefaultCacheTTL)) // the view is stale
	close(st.armed)
	loaded := make(chan error, 1)
	go func() { _, err := m.JWKS(ctx, p); loaded <- err }()
	<-st.entered // that request is re-reading, slowly

	if kids := jwksKids(t, m, p); len(kids) != 1 {
		t.Errorf("within staleGrace: JWKS %v, want the stale view", kids)
	}
	c.Set(t0.Add(DefaultCacheTTL + staleGrace))
	go func() {
		time.Sleep(50 * time.Millisecond) // let the next read start waiting
		close(st.release)
	}()
	if kids := jwksKids(t, m, p); !slices.Contains(kids, nk.ID) {
		t.Errorf("past staleGrace: JWKS %v, want the re-read view with %s", kids, nk.ID)
	}
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
}

// The root JWKS is the union of the projects' views, and changes with them.
func TestUnionJWKS(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	m := newTestManager(&memKeys{}, c)
	projects := []string{"project-test-u1", "project-test-u2"}
	for _, p := range projects {
		if err := m.EnsureKeys(ctx, p, RS256, ES256); err != nil {
			t.Fatal(err)
		}
	}
	u1, err := m.UnionJWKS(ctx, projects)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range projects {
		want = append(want, jwksKids(t, m, p)...)
	}
	if got := kidsOf(t, u1); !slices.Equal(got, want) {
		t.Fatalf("union %v, want %v", got, want)
	}
	if u2, _ := m.UnionJWKS(ctx, projects); &u2[0] != &u1[0] {
		t.Error("unchanged views: the union was rebuilt")
	}
	nk, err := m.Rotate(ctx, projects[1], ES256, m.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	u3, _ := m.UnionJWKS(ctx, projects)
	if got := kidsOf(t, u3); !slices.Contains(got, nk.ID) || len(got) != len(want)+1 {
		t.Errorf("after a rotation: union %v, want %v and %s", got, want, nk.ID)
	}
}

// Invalidate("") drops every project's view (a change listener that
// reconnected may have missed anything).
func TestInvalidateAll(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	st := &memKeys{}
	a, b := newTestManager(st, c), newTestManager(st, c)
	for _, p := range []string{"project-test-i1", "project-test-i2"} {
		if err := a.EnsureKeys(ctx, p, RS256); err != nil {
			t.Fatal(err)
		}
		jwksKids(t, b, p)
		if _, err := a.Rotate(ctx, p, RS256, a.MinPublishDelay(), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	b.Invalidate("")
	for _, p := range []string{"project-test-i1", "project-test-i2"} {
		if kids := jwksKids(t, b, p); len(kids) != 2 {
			t.Errorf("%s after Invalidate(\"\"): JWKS %v, want 2 keys", p, kids)
		}
	}
}

func kidsOf(t *testing.T, jwks []byte) []string {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatalf("JWKS %s: %v", jwks, err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}
