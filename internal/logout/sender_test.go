package logout_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/logout"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/internal/testdb"
)

const issuer = "https://signet.example"

// receiver is a client's backchannel_logout_uri: it answers each POST
// with the next status of its script (the last one repeats) and keeps
// the logout tokens.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	tokens []string
}

func newReceiver(t *testing.T, script ...int) *receiver {
	rc := &receiver{script: script}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("got %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		rc.tokens = append(rc.tokens, r.PostFormValue("logout_token"))
		status := rc.script[min(len(rc.tokens), len(rc.script))-1]
		if status == http.StatusFound {
			w.Header().Set("Location", "https://elsewhere.example/")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.tokens)
}

// clients finds Connected Apps in the store, as apps.ConnectedClients
// does (without its cache).
type clients struct{ st store.Store }

func (c clients) Lookup(ctx context.Context, id string) (store.ConnectedApp, error) {
	return c.st.ConnectedApp(ctx, "", id)
}

type env struct {
	t         *testing.T
	st        store.Store
	km        *keys.Manager
	clock     *testclock.Clock
	projectID string
	user      store.User
	outcomes  []string
	mu        sync.Mutex
	sender    *logout.Sender
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testdb.Open(t)
	mk := keys.GenerateMasterKey()
	km := keys.NewManager(st, mk, keys.Options{})
	p, _, err := projects.Create(t.Context(), st, km, secrets.NewPepper(mk.Derive("test pepper")), "Test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := store.Now(nil)
	u := store.User{ID: "user-test-logout", ProjectID: p.ID, Status: "active", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, km: km, clock: testclock.New(now), projectID: p.ID, user: u}
	e.sender = logout.New(logout.Config{
		Issuer: issuer, Store: st, Clients: clients{st}, Keys: km, Now: e.clock.Now, MaxAttempts: 3,
		Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute },
		Observe: func(o string) { e.mu.Lock(); e.outcomes = append(e.outcomes, o); e.mu.Unlock() },
	})
	return e
}

// app registers a client whose backchannel_logout_uri is uri.
func (e *env) app(id, uri string, sessionRequired bool, alg string) store.ConnectedApp {
	e.t.Helper()
	now := store.Now(nil)
	c := store.ConnectedApp{ClientID: id, ProjectID: e.projectID, Name: id, Type: "third_party", Status: "active",
		RedirectURLs: []string{"https://rp.example/cb"}, CreatedAt: now, UpdatedAt: now,
		ClientMetadata: store.ClientMetadata{BackchannelLogoutURI: uri, BackchannelLogoutSessionRequired: sessionRequired,
			IDTokenSignedResponseAlg: alg}}
	if err := e.st.CreateConnectedApp(e.t.Context(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// session starts a session of the user in which each of apps got a grant.
func (e *env) session(apps ...store.ConnectedApp) store.Session {
	e.t.Helper()
	now := store.Now(nil)
	s := store.Session{ID: "session-test-" + secrets.New("")[:12], ProjectID: e.projectID, UserID: e.user.ID,
		TokenHash: []byte(secrets.New("")), StartedAt: now, LastAccessedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := e.st.CreateSession(e.t.Context(), s); err != nil {
		e.t.Fatal(err)
	}
	for _, a := range apps {
		e.grant(a, s.ID)
	}
	return s
}

func (e *env) grant(a store.ConnectedApp, sessionID string) {
	e.t.Helper()
	now := store.Now(nil)
	hash := []byte(secrets.New(""))
	c := store.AuthCode{Hash: hash, ProjectID: e.projectID, ClientID: a.ClientID, UserID: e.user.ID, SessionID: sessionID,
		RedirectURI: a.RedirectURLs[0], Scopes: []string{"openid"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := e.st.CreateAuthCode(e.t.Context(), c, nil); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.RedeemAuthCode(e.t.Context(), hash, now, func(c store.AuthCode) (store.Grant, error) {
		return store.Grant{ID: "grant-test-" + secrets.New("")[:12], ProjectID: c.ProjectID, ClientID: c.ClientID, UserID: c.UserID,
			Scopes: c.Scopes, SessionID: c.SessionID, AuthTime: c.AuthTime, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, nil
	}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) deliver() int {
	e.t.Helper()
	n, err := e.sender.DeliverDue(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.outcomes)
}

// verify checks a logout token against the project's JWKS and returns
// its header and claims.
func (e *env) verify(tok string) (jose.Header, map[string]any) {
	e.t.Helper()
	raw, err := e.km.JWKS(e.t.Context(), e.projectID)
	if err != nil {
		e.t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		e.t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256})
	if err != nil {
		e.t.Fatal(err)
	}
	h := jws.Signatures[0].Protected
	ks := set.Key(h.KeyID)
	if len(ks) != 1 {
		e.t.Fatalf("kid %q is not in the JWKS", h.KeyID)
	}
	payload, err := jws.Verify(ks[0])
	if err != nil {
		e.t.Fatalf("signature: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		e.t.Fatal(err)
	}
	return h, c
}

// TestLogoutToken: the token is signed by the project's published key of
// the client's ID token algorithm, typed logout+jwt, and holds exactly
// the claims of Back-Channel Logout 1.0 §2.4 (no nonce).
func TestLogoutToken(t *testing.T) {
	for _, alg := range []string{"", "PS256", "ES256"} {
		t.Run("alg "+alg, func(t *testing.T) {
			e := newEnv(t)
			rc := newReceiver(t, http.StatusOK)
			app := e.app("rp-"+strings.ToLower(alg), rc.URL+"/backchannel", false, alg)
			sess := e.session(app)
			if err := e.st.RevokeSession(t.Context(), e.projectID, sess.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if n := e.deliver(); n != 1 {
				t.Fatalf("claimed %d", n)
			}
			toks := rc.received()
			if len(toks) != 1 {
				t.Fatalf("received %d tokens", len(toks))
			}
			h, c := e.verify(toks[0])
			wantAlg := alg
			if wantAlg == "" {
				wantAlg = "RS256"
			}
			if h.Algorithm != wantAlg || h.ExtraHeaders["typ"] != "logout+jwt" {
				t.Errorf("header = %+v", h)
			}
			now := e.clock.Now().Unix()
			events, _ := c["events"].(map[string]any)
			ev, ok := events[logout.EventType].(map[string]any)
			if c["iss"] != issuer || c["aud"] != app.ClientID || c["sub"] != e.user.ID || c["sid"] != sess.ID ||
				c["iat"] != float64(now) || c["exp"] != float64(now+120) || c["jti"] == "" || !ok || len(ev) != 0 || len(events) != 1 {
				t.Errorf("claims = %v", c)
			}
			if _, has := c["nonce"]; has || len(c) != 8 {
				t.Errorf("claims = %v, want exactly iss aud iat exp jti sub sid events", c)
			}
			if got := e.seen(); !slices.Equal(got, []string{logout.Delivered}) {
				t.Errorf("outcomes = %v", got)
			}
			if n := e.deliver(); n != 0 {
				t.Errorf("%d left after delivery", n)
			}
		})
	}
}

// TestDeliveryOutcomes: what each answer of the client leads to, with the
// clock moved to each retry's time (MaxAttempts 3, backoff n minutes).
func TestDeliveryOutcomes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		script   []int
		attempts int
		outcomes []string
	}{
		{"200", []int{200}, 1, []string{logout.Delivered}},
		{"204", []int{204}, 1, []string{logout.Delivered}},
		{"400 is final", []int{400}, 1, []string{logout.Failed}},
		{"a redirect is not followed", []int{302}, 1, []string{logout.Failed}},
		{"503 then 200", []int{503, 200}, 2, []string{logout.Retried, logout.Delivered}},
		{"429, 500, then 200", []int{429, 500, 200}, 3, []string{logout.Retried, logout.Retried, logout.Delivered}},
		{"failing receiver: given up after MaxAttempts", []int{503}, 3, []string{logout.Retried, logout.Retried, logout.Failed}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rc := newReceiver(t, tt.script...)
			sess := e.session(e.app("rp", rc.URL, false, ""))
			if err := e.st.RevokeSession(t.Context(), e.projectID, sess.ID, e.clock.Now()); err != nil {
				t.Fatal(err)
			}
			for i := 1; ; i++ {
				if n := e.deliver(); n != 1 {
					t.Fatalf("round %d claimed %d", i, n)
				}
				if len(e.seen()) == len(tt.outcomes) {
					break
				}
				// Not due again before its backoff.
				if n := e.deliver(); n != 0 {
					t.Fatalf("round %d: claimed %d before the backoff", i, n)
				}
				e.clock.Advance(time.Duration(i) * time.Minute)
			}
			if got := e.seen(); !slices.Equal(got, tt.outcomes) {
				t.Errorf("outcomes = %v, want %v", got, tt.outcomes)
			}
			toks := rc.received()
			if len(toks) != tt.attempts {
				t.Fatalf("received %d, want %d", len(toks), tt.attempts)
			}
			// Every attempt carries the same jti (§2.4), so a client can
			// drop a replay.
			_, first := e.verify(toks[0])
			for _, tok := range toks[1:] {
				if _, c := e.verify(tok); c["jti"] != first["jti"] {
					t.Errorf("jti %v, then %v", first["jti"], c["jti"])
				}
			}
			e.clock.Advance(time.Hour)
			if n := e.deliver(); n != 0 {
				t.Errorf("%d left after the outcome", n)
			}
		})
	}
}

// TestDeliveryGivenUp: deliveries that cannot be made end at once.
func TestDeliveryGivenUp(t *testing.T) {
	t.Run("client deleted", func(t *testing.T) {
		e := newEnv(t)
		rc := newReceiver(t, 200)
		app := e.app("rp", rc.URL, false, "")
		sess := e.session(app)
		if err := e.st.RevokeSession(t.Context(), e.projectID, sess.ID, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.st.DeleteConnectedApp(t.Context(), e.projectID, app.ClientID); err != nil {
			t.Fatal(err)
		}
		e.deliver()
		if got := e.seen(); !slices.Equal(got, []string{logout.Failed}) || len(rc.received()) != 0 {
			t.Errorf("outcomes %v, received %d", got, len(rc.received()))
		}
	})
	t.Run("sid required, the grant had no session", func(t *testing.T) {
		e := newEnv(t)
		rc := newReceiver(t, 200)
		strict, lax := e.app("rp-strict", rc.URL, true, ""), e.app("rp-lax", rc.URL, false, "")
		e.grant(strict, "")
		e.grant(lax, "")
		// Deleting the user owes both clients a logout; only one can
		// take a token without sid.
		if err := e.st.DeleteUser(t.Context(), e.projectID, e.user.ID, e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if n := e.deliver(); n != 2 {
			t.Fatalf("claimed %d", n)
		}
		got := e.seen()
		slices.Sort(got)
		if !slices.Equal(got, []string{logout.Delivered, logout.Failed}) {
			t.Errorf("outcomes = %v", got)
		}
		toks := rc.received()
		if len(toks) != 1 {
			t.Fatalf("received %d", len(toks))
		}
		if _, c := e.verify(toks[0]); c["aud"] != "rp-lax" || c["sub"] != e.user.ID || c["sid"] != nil {
			t.Errorf("claims = %v", c)
		}
	})
}

// TestDeliveryAfterCrash: a node that claimed a delivery and died does
// not lose it: it is claimed again once the lease ends.
func TestDeliveryAfterCrash(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t, 200)
	sess := e.session(e.app("rp", rc.URL, false, ""))
	if err := e.st.RevokeSession(t.Context(), e.projectID, sess.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// The node that "dies": it claims and never reports.
	if ds, err := e.st.ClaimLogoutDeliveries(t.Context(), e.clock.Now(), logout.DefaultLease, 10); err != nil || len(ds) != 1 {
		t.Fatalf("claimed %v, %v", ds, err)
	}
	if n := e.deliver(); n != 0 {
		t.Fatalf("claimed %d during the lease", n)
	}
	e.clock.Advance(logout.DefaultLease)
	if n := e.deliver(); n != 1 || len(rc.received()) != 1 {
		t.Fatalf("after the lease: claimed %d, received %d", n, len(rc.received()))
	}
}

// TestRunDeliversWhenTold: Run delivers as soon as a commit announces
// queued logouts, without waiting for its poll.
func TestRunDeliversWhenTold(t *testing.T) {
	e := newEnv(t)
	e.sender = logout.New(logout.Config{Issuer: issuer, Store: e.st, Clients: clients{e.st}, Keys: e.km, Poll: time.Hour})
	rc := newReceiver(t, 200)
	sess := e.session(e.app("rp", rc.URL, false, ""))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); e.sender.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// Run's first round finds nothing; the revoke's announcement wakes it.
	if err := e.st.RevokeSession(t.Context(), e.projectID, sess.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(rc.received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no logout token within 30 s of the announcement")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
