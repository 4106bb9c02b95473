package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/internal/testdb"
	"github.com/signet-id/signet/internal/token"
	"github.com/signet-id/signet/oidc"
)

// newFreezableServer is newTestServer on a database the test can freeze
// (testdb.Freezer), through store.WithDeadline as `signet serve` runs it,
// with a clock the test moves.
func newFreezableServer(t *testing.T) (testServer, *testdb.Freezer, *testclock.Clock) {
	t.Helper()
	raw, freezer := testdb.OpenFreezable(t)
	st := store.WithDeadline(raw, freezer.Deadline)
	clock := testclock.New(time.Now())
	mk := keys.GenerateMasterKey()
	km := keys.NewManager(st, mk, keys.Options{})
	pepper := secrets.NewPepper(mk.Derive("test pepper"))
	p, secret, err := projects.Create(context.Background(), st, km, pepper, "Test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(nil)
	t.Cleanup(hs.Close)
	hs.Config.Handler = New(Config{Issuer: hs.URL, Store: st, Keys: km, Pepper: pepper, Now: clock.Now, BankSealer: banks.NewSealer(mk)})
	return testServer{Server: hs, st: st, projectID: p.ID, secret: secret}, freezer, clock
}

// With the database frozen, every kind of route answers at once (within
// the store deadline) with a 503 in its own wire format, and readiness says
// not ready; once the database answers again, the same requests succeed
// with nothing restarted. On SQLite the freeze is a write lock held by
// another connection, so the requests here are ones that write.
func TestStoreUnavailable(t *testing.T) {
	ts, freezer, clock := newFreezableServer(t)
	_, app := ts.do(t, "POST", "/v1/connected_apps/clients", "application/json",
		`{"client_type":"first_party","client_name":"Demo","redirect_urls":["https://app.example/cb"]}`, true)
	clientID := app["connected_app"].(map[string]any)["client_id"].(string)
	clientSecret := app["connected_app"].(map[string]any)["client_secret"].(string)
	const password = "v8#Lq2!mZr@9wTe4"
	if resp, out := ts.do(t, "POST", "/v1/passwords", "application/json",
		`{"email":"ada@example.com","password":"`+password+`"}`, true); resp.StatusCode != 200 {
		t.Fatalf("create user: %d %v", resp.StatusCode, out)
	}

	// The sign-in page, fetched while the database answers: its form
	// carries the request (and its client is now cached).
	b := newBrowser(t)
	q := url.Values{"client_id": {clientID}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"app-state"},
		"code_challenge": {oidc.S256Challenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	_, login := b.get(ts.URL+"/oauth2/authorize?"+q.Encode()).form(t, "/oauth2/authorize/login")
	login.Set("email", "ada@example.com")
	login.Set("password", password)
	bank := url.Values{"csrf_token": {login.Get("csrf_token")}, "authorization_request": {login.Get("authorization_request")}}

	redeem := func() (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+token.TokenPath, strings.NewReader(url.Values{
			"grant_type": {"authorization_code"}, "code": {"no-such-code"}, "redirect_uri": {"https://app.example/cb"},
			"code_verifier": {strings.Repeat("v", 43)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(clientID, clientSecret)
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	ready := func() (int, map[string]any) {
		t.Helper()
		resp, out := ts.do(t, "GET", "/readyz", "", "", false)
		return resp.StatusCode, out
	}

	freezer.Freeze()
	// The hosted sign-in, with a valid request: the error goes back to
	// the application (RFC 6749 §4.1.2.1), as temporarily_unavailable.
	if p := b.send("POST", ts.URL+"/oauth2/authorize/login", login); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.location, "https://app.example/cb?error=temporarily_unavailable") || !strings.Contains(p.location, "state=app-state") {
		t.Errorf("frozen: sign-in = %d %q, want a redirect with error=temporarily_unavailable", p.status, p.location)
	}
	// A hosted page with nowhere to send the error: an HTML page.
	if p := b.send("POST", ts.URL+"/oauth2/authorize/bank", bank); p.status != http.StatusServiceUnavailable ||
		!strings.Contains(p.body, "Temporarily unavailable") || !strings.Contains(p.body, "<html") {
		t.Errorf("frozen: bank sign-in = %d, want the 503 page:\n%s", p.status, p.body)
	}
	// The management API: the Stytch envelope.
	resp, out := ts.do(t, "POST", "/v1/users", "application/json", `{"email":"grace@example.com"}`, true)
	if resp.StatusCode != http.StatusServiceUnavailable || out["status_code"] != 503.0 ||
		out["error_type"] != "server_unavailable" || out["request_id"] == "" || out["error_message"] == "" {
		t.Errorf("frozen: users create = %d %v, want the 503 envelope", resp.StatusCode, out)
	}
	// The OAuth endpoints: RFC 6749 §5.2's shape.
	if resp, out := redeem(); resp.StatusCode != http.StatusServiceUnavailable || out["error"] != "temporarily_unavailable" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("frozen: token = %d %v, want 503 temporarily_unavailable", resp.StatusCode, out)
	}
	wantReason := "database_unreachable"
	if freezer.ReadsGoOn {
		wantReason = "database_not_writable"
	}
	if code, out := ready(); code != http.StatusServiceUnavailable || out["status"] != "unavailable" || out["reason"] != wantReason {
		t.Errorf("frozen: readyz = %d %v, want 503 %s", code, out, wantReason)
	}

	freezer.Thaw()
	clock.Advance(writeProbeEvery) // the failed write probe is not kept longer
	if code, out := ready(); code != http.StatusOK || out["status"] != "ready" {
		t.Errorf("thawed: readyz = %d %v", code, out)
	}
	if resp, out := ts.do(t, "POST", "/v1/users", "application/json", `{"email":"grace@example.com"}`, true); resp.StatusCode != http.StatusOK {
		t.Errorf("thawed: users create = %d %v", resp.StatusCode, out)
	}
	if resp, out := redeem(); resp.StatusCode != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("thawed: token with an unknown code = %d %v, want invalid_grant", resp.StatusCode, out)
	}
	if p := b.send("POST", ts.URL+"/oauth2/authorize/login", login); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.location, "https://app.example/cb?code=") {
		t.Errorf("thawed: sign-in = %d %q, want the code", p.status, p.location)
	}
	if p := b.send("POST", ts.URL+"/oauth2/authorize/bank", bank); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.location, "/select-bank?") {
		t.Errorf("thawed: bank sign-in = %d %q, want the account selector", p.status, p.location)
	}
}

// Readiness needs a database that takes writes, not only one that answers
// Ping: with the write lock (SQLite) or the write probe's row (Postgres)
// held elsewhere, reads go on but /readyz says database_not_writable, and
// ready again once writes pass.
func TestReadyzNotWritable(t *testing.T) {
	dsn := testdb.DSN(t)
	var (
		st           store.Store
		err          error
		hold, unhold func()
	)
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		st, err = sqlite.OpenAndMigrate(t.Context(), path)
		var release func()
		hold, unhold = func() { release = testdb.HoldSQLiteWriteLock(t, path) }, func() { release() }
	} else {
		st, err = postgres.OpenAndMigrate(t.Context(), dsn)
		var tx pgx.Tx
		hold = func() {
			conn, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close(context.Background()) })
			if tx, err = conn.Begin(t.Context()); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(t.Context(), "LOCK TABLE schema_migrations IN EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
		}
		unhold = func() { tx.Rollback(context.Background()) }
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := testclock.New(time.Now())
	s := New(Config{Issuer: "http://127.0.0.1", Store: store.WithDeadline(st, 5*time.Second), Now: clock.Now})
	ready := func() (int, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}

	hold()
	if code, body := ready(); code != http.StatusServiceUnavailable || body != `{"status":"unavailable","reason":"database_not_writable"}` {
		t.Errorf("writes blocked: readyz = %d %s", code, body)
	}
	if err := st.Ping(t.Context()); err != nil {
		t.Fatalf("reads should go on: %v", err)
	}
	unhold()
	if code, body := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("within %v of the failed probe: readyz = %d %s, want the kept result", writeProbeEvery, code, body)
	}
	clock.Advance(writeProbeEvery)
	if code, body := ready(); code != http.StatusOK || body != `{"status":"ready"}` {
		t.Errorf("writes pass again: readyz = %d %s", code, body)
	}
}
