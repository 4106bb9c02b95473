package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/internal/testdb"
)

// Two Signet nodes in one test process: two Servers, each with its own
// caches and key manager, on one store (SQLite here, or one Postgres
// schema under SIGNET_TEST_POSTGRES). The e2e tests run two processes.

type twoNodes struct {
	st                store.Store
	mk                keys.MasterKey
	clock             *testclock.Clock
	a, b              http.Handler
	kmA, kmB          *keys.Manager
	projectID, secret string
	pepper            secrets.Pepper
}

// deaf is a store whose change notifications never arrive: what a node
// sees when its listener is down, so that only its caches' TTLs bound how
// stale it is.
type deaf struct{ store.Store }

func (deaf) Subscribe(string, func(string)) func() { return func() {} }

// newTwoNodes starts nodes A and B; B is deaf to change notifications if
// deafB.
func newTwoNodes(t *testing.T, deafB bool) *twoNodes {
	t.Helper()
	st := testdb.Open(t)
	mk := keys.GenerateMasterKey()
	pepper := secrets.NewPepper(mk.Derive("test pepper"))
	n := &twoNodes{st: st, mk: mk, pepper: pepper, clock: testclock.New(time.Now())}
	n.kmA = keys.NewManager(st, mk, keys.Options{Now: n.clock.Now})
	n.kmB = keys.NewManager(st, mk, keys.Options{Now: n.clock.Now})
	p, secret, err := projects.Create(context.Background(), st, n.kmA, pepper, "Test", n.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	n.projectID, n.secret = p.ID, secret
	const issuer = "https://id.example"
	n.a = New(Config{Issuer: issuer, Store: st, Keys: n.kmA, Pepper: pepper, Now: n.clock.Now})
	stB := st
	if deafB {
		stB = deaf{st}
	}
	n.b = New(Config{Issuer: issuer, Store: stB, Keys: n.kmB, Pepper: pepper, Now: n.clock.Now})
	return n
}

// call sends a request to node h; form bodies are url.Values, others JSON.
func (n *twoNodes) call(t *testing.T, h http.Handler, method, path string, body any, basic ...string) (int, map[string]any) {
	t.Helper()
	var req *http.Request
	switch b := body.(type) {
	case nil:
		req = httptest.NewRequest(method, path, nil)
	case url.Values:
		req = httptest.NewRequest(method, path, strings.NewReader(b.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		j, _ := json.Marshal(b)
		req = httptest.NewRequest(method, path, strings.NewReader(string(j)))
		req.Header.Set("Content-Type", "application/json")
	}
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	} else {
		req.SetBasicAuth(n.projectID, n.secret)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

// eventually polls cond until it holds, for 30 s at most. The nodes'
// clocks stand still, so no cache TTL runs out meanwhile: only the
// store's change notification can make cond hold.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen by the other node", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A change made through one node reaches the other node's caches when it
// commits, not when their TTLs run out: M2M and Connected App clients,
// a project's keys, its access-token algorithm and its API secret.
func TestChangesReachOtherNode(t *testing.T) {
	n := newTwoNodes(t, false)

	// M2M: B caches the client, A deletes it.
	_, out := n.call(t, n.a, "POST", "/v1/m2m/clients", map[string]any{"scopes": []string{"read"}})
	m2m := out["m2m_client"].(map[string]any)
	id, secret := m2m["client_id"].(string), m2m["client_secret"].(string)
	token := func(h http.Handler) (int, map[string]any) {
		return n.call(t, h, "POST", "/v1/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
	}
	if code, out := token(n.b); code != 200 {
		t.Fatalf("token on B = %d %v", code, out)
	}
	if code, _ := n.call(t, n.a, "DELETE", "/v1/m2m/clients/"+id, nil); code != 200 {
		t.Fatalf("delete on A = %d", code)
	}
	eventually(t, "deleted M2M client", func() bool { code, _ := token(n.b); return code == 401 })

	// Connected App: B caches it (introspection authenticates it), A
	// deletes it.
	_, out = n.call(t, n.a, "POST", "/v1/connected_apps/clients", map[string]any{
		"client_type": "third_party", "client_name": "RS", "redirect_urls": []string{"https://rs.example/cb"}})
	app := out["connected_app"].(map[string]any)
	appID, appSecret := app["client_id"].(string), app["client_secret"].(string)
	introspect := func() int {
		code, _ := n.call(t, n.b, "POST", "/v1/oauth2/introspect", url.Values{"token": {"x"}}, appID, appSecret)
		return code
	}
	if code := introspect(); code != 200 {
		t.Fatalf("introspection on B = %d", code)
	}
	if code, _ := n.call(t, n.a, "DELETE", "/v1/connected_apps/clients/"+appID, nil); code != 200 {
		t.Fatalf("delete on A = %d", code)
	}
	eventually(t, "deleted Connected App", func() bool { return introspect() == 401 })

	// Keys: B has viewed them; another process (the CLI) rotates.
	jwks := func() []string {
		_, out := n.call(t, n.b, "GET", "/.well-known/jwks.json", nil)
		var kids []string
		for _, k := range out["keys"].([]any) {
			kids = append(kids, k.(map[string]any)["kid"].(string))
		}
		return kids
	}
	jwks()
	cli := keys.NewManager(n.st, n.mk, keys.Options{Now: n.clock.Now})
	nk, err := cli.Rotate(context.Background(), n.projectID, keys.RS256, cli.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "rotated key", func() bool { return slices.Contains(jwks(), nk.ID) })

	// Project settings: B has cached the access-token algorithm.
	c2 := struct{ id, secret string }{}
	_, out = n.call(t, n.a, "POST", "/v1/m2m/clients", map[string]any{"scopes": []string{"read"}})
	m2m = out["m2m_client"].(map[string]any)
	c2.id, c2.secret = m2m["client_id"].(string), m2m["client_secret"].(string)
	alg := func() string {
		code, out := n.call(t, n.b, "POST", "/v1/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, c2.id, c2.secret)
		if code != 200 {
			t.Fatalf("token on B = %d %v", code, out)
		}
		h, err := jose.ParseSignedCompact(out["access_token"].(string), []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		return h.Signatures[0].Header.Algorithm
	}
	if got := alg(); got != keys.RS256 {
		t.Fatalf("alg %s", got)
	}
	if err := n.st.SetProjectTokenAlg(context.Background(), n.projectID, keys.ES256); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new access-token algorithm", func() bool { return alg() == keys.ES256 })

	// Project secret: B has cached the project (its secret hashes);
	// another process (signet project secret rotate) rotates the secret.
	// The project-auth cache runs on the real clock with a 30 s TTL, so
	// B must drop the old secret well within it: only the notification
	// can have told it.
	mgmt := func(secret string) int {
		code, _ := n.call(t, n.b, "GET", "/v1/m2m/clients/"+c2.id, nil, n.projectID, secret)
		return code
	}
	if code := mgmt(n.secret); code != 200 {
		t.Fatalf("management call on B = %d", code)
	}
	next, err := projects.StartSecretRotation(context.Background(), n.st, n.pepper, n.projectID)
	if err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "next project secret", func() bool { return mgmt(next) == 200 })
	if err := projects.CompleteSecretRotation(context.Background(), n.st, n.projectID); err != nil {
		t.Fatal(err)
	}
	within(t, 10*time.Second, "completed project secret rotation", func() bool { return mgmt(n.secret) == 401 })
	if code := mgmt(next); code != 200 {
		t.Fatalf("the new secret on B = %d", code)
	}
}

// within is eventually with a shorter bound, for a cache whose TTL runs
// on the real clock: d must stay below it, so that cond cannot come to
// hold by the TTL running out.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen by the other node within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The root JWKS (the discovery jwks_uri) of every node serves a key
// before any node signs with it, even a node that never hears of the
// rotation. B looks at it just before `signet keys rotate` (with the
// shortest publish delay it accepts), again just before its view of the
// keys would be re-read, and then every second while the new key takes
// over on A. It used to cache the union of the projects' keys for 10 s on
// top of their own cache, so for a few seconds after the new key began to
// sign B's root JWKS still lacked it.
func TestRootJWKSServesKeyBeforeItSigns(t *testing.T) {
	n := newTwoNodes(t, true)
	t0 := n.clock.Now()
	rootKids := func(h http.Handler) []string {
		code, out := n.call(t, h, "GET", "/.well-known/jwks.json", nil)
		if code != 200 {
			t.Fatalf("root JWKS = %d %v", code, out)
		}
		var kids []string
		for _, k := range out["keys"].([]any) {
			kids = append(kids, k.(map[string]any)["kid"].(string))
		}
		return kids
	}
	rootKids(n.b)
	cli := keys.NewManager(n.st, n.mk, keys.Options{Now: n.clock.Now})
	n.clock.Set(t0.Add(time.Second))
	nk, err := cli.Rotate(context.Background(), n.projectID, keys.RS256, cli.MinPublishDelay(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	n.clock.Set(t0.Add(keys.DefaultCacheTTL - time.Second))
	rootKids(n.b)
	for at := nk.ActivatesAt.Add(-2 * time.Second); at.Before(nk.ActivatesAt.Add(15 * time.Second)); at = at.Add(time.Second) {
		n.clock.Set(at)
		s, err := n.kmA.Signer(context.Background(), n.projectID, keys.RS256)
		if err != nil {
			t.Fatal(err)
		}
		for name, h := range map[string]http.Handler{"A": n.a, "B": n.b} {
			if kids := rootKids(h); !slices.Contains(kids, s.KeyID()) {
				t.Fatalf("at +%v A signs with %s, which %s's root JWKS %v lacks", at.Sub(t0), s.KeyID(), name, kids)
			}
		}
	}
}
