package server

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
)

// auditEvents pages through GET /v1/audit_events?query (limit 2) and
// returns every event.
func auditEvents(t *testing.T, ts testServer, query string) []map[string]any {
	t.Helper()
	var all []map[string]any
	cursor := ""
	for range 100 {
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		q.Set("limit", "2")
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp, out := ts.do(t, "GET", "/v1/audit_events?"+q.Encode(), "", "", true)
		if resp.StatusCode != 200 {
			t.Fatalf("audit events: %d %v", resp.StatusCode, out)
		}
		for _, e := range out["audit_events"].([]any) {
			all = append(all, e.(map[string]any))
		}
		next, _ := out["results_metadata"].(map[string]any)["next_cursor"].(string)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("pages never end")
	return nil
}

// summary is "type outcome subject-kind detail..." of an event, to compare
// a sequence of events at a glance.
func summary(e map[string]any) string {
	d, _ := e["details"].(map[string]any)
	s := e["type"].(string) + " " + e["outcome"].(string)
	for _, k := range []string{"method", "reason", "step"} {
		if v, ok := d[k]; ok {
			s += " " + k + "=" + v.(string)
		}
	}
	return s
}

// What a project's backend and its users do is in the project's audit log,
// in order, with who did it, to what, from where and in which request; the
// log also gets each event. GET /v1/audit_events filters by type and time
// and pages with a cursor.
func TestAuditEvents(t *testing.T) {
	var logs syncBuffer
	var km *keys.Manager
	var pepper secrets.Pepper
	ts := newTestServer(t, withLogger(&logs, slog.LevelInfo), func(c *Config) {
		c.SignInThrottle = users.Throttle{AccountLimit: 2, AccountWindow: time.Hour}
		km, pepper = c.Keys, c.Pepper
	})
	const pw = "v8#Lq2!mZr@9wTe4"
	start := time.Now().UTC().Add(-time.Second)
	resp, out := ts.do(t, "POST", "/v1/passwords", "application/json", `{"email":"ada@example.com","password":"`+pw+`"}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create user: %d %v", resp.StatusCode, out)
	}
	userID, token := out["user_id"].(string), out["session_token"].(string)
	signIn := func(password string, want int) {
		t.Helper()
		if resp, out := ts.do(t, "POST", "/v1/passwords/authenticate", "application/json",
			`{"email":"ada@example.com","password":"`+password+`"}`, true); resp.StatusCode != want {
			t.Fatalf("sign-in: %d %v, want %d", resp.StatusCode, out, want)
		}
	}
	signIn(pw, 200)
	if resp, out := ts.do(t, "POST", "/v1/sessions/revoke", "application/json", `{"session_token":"`+token+`"}`, true); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %v", resp.StatusCode, out)
	}
	// Two failures lock the account (AccountLimit 2; no address is known
	// to it, KnownFor 0): the next attempt, right or wrong, is refused.
	signIn("wrong", 401)
	signIn("wrong", 401)
	signIn(pw, 429)

	resp, out = ts.do(t, "POST", "/v1/m2m/clients", "application/json", `{"client_name":"svc","scopes":[]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create m2m client: %d %v", resp.StatusCode, out)
	}
	m2m := "/v1/m2m/clients/" + out["m2m_client"].(map[string]any)["client_id"].(string)
	for _, step := range []string{"/secrets/rotate/start", "/secrets/rotate"} {
		if resp, out := ts.do(t, "POST", m2m+step, "", "", true); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", step, resp.StatusCode, out)
		}
	}
	if resp, _ := ts.do(t, "POST", m2m+"/secrets/rotate", "", "", true); resp.StatusCode != 400 {
		t.Fatalf("a rotation with none started = %d, want 400", resp.StatusCode)
	}
	if resp, _ := ts.do(t, "DELETE", m2m, "", "", true); resp.StatusCode != 200 {
		t.Fatal("delete m2m client")
	}
	resp, out = ts.do(t, "POST", "/v1/connected_apps/clients", "application/json",
		`{"client_type":"first_party","client_name":"App","redirect_urls":["https://app.example/cb"]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create connected app: %d %v", resp.StatusCode, out)
	}
	app := "/v1/connected_apps/clients/" + out["connected_app"].(map[string]any)["client_id"].(string)
	if resp, _ := ts.do(t, "POST", app+"/secrets/rotate/start", "", "", true); resp.StatusCode != 200 {
		t.Fatal("rotate start")
	}
	if resp, _ := ts.do(t, "POST", app+"/secrets/rotate/cancel", "", "", true); resp.StatusCode != 200 {
		t.Fatal("rotate cancel")
	}
	if resp, _ := ts.do(t, "DELETE", app, "", "", true); resp.StatusCode != 200 {
		t.Fatal("delete connected app")
	}

	events := auditEvents(t, ts, "")
	var got []string
	for _, e := range events {
		got = append(got, summary(e))
	}
	want := []string{
		"sign_in success method=password",
		"session_revoke success",
		"sign_in failure method=password reason=bad_credentials",
		"sign_in failure method=password reason=bad_credentials",
		"lockout failure",
		"sign_in failure method=password reason=locked",
		"m2m_client_create success",
		"m2m_client_secret_rotate success step=start",
		"m2m_client_secret_rotate success step=complete",
		"m2m_client_delete success",
		"connected_app_create success",
		"connected_app_secret_rotate success step=start",
		"connected_app_secret_rotate success step=cancel",
		"connected_app_delete success",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	first := events[0]
	for k, v := range map[string]any{"actor": "project:" + ts.projectID, "subject": userID, "client_ip": "127.0.0.1"} {
		if first[k] != v {
			t.Errorf("sign-in event %s = %v, want %v", k, first[k], v)
		}
	}
	if id, _ := first["request_id"].(string); !strings.HasPrefix(id, "request-id-") {
		t.Errorf("sign-in event request_id = %q", id)
	}
	if at, err := time.Parse(time.RFC3339Nano, first["created_at"].(string)); err != nil || at.Before(start) {
		t.Errorf("sign-in event created_at = %v (%v)", first["created_at"], err)
	}
	if d := events[2]["details"].(map[string]any); d["email"] != "ada@example.com" || events[2]["subject"] != "" {
		t.Errorf("a failed sign-in names the email typed and no user: %v", events[2])
	}
	if strings.Count(logs.String(), `msg=audit`) != len(want) {
		t.Errorf("the log has %d audit lines, want %d:\n%s", strings.Count(logs.String(), `msg=audit`), len(want), logs.String())
	}

	// Filters.
	if got := auditEvents(t, ts, "type=sign_in&type=session_revoke"); len(got) != 5 {
		t.Errorf("sign_in and session_revoke events: %d, want 5", len(got))
	}
	since := events[6]["created_at"].(string)
	if got := auditEvents(t, ts, "since="+url.QueryEscape(since)); len(got) == 0 || len(got) > 8 || got[0]["created_at"].(string) < since {
		t.Errorf("events since %s: %d", since, len(got))
	}
	if got := auditEvents(t, ts, "since=2999-01-01T00:00:00Z"); len(got) != 0 {
		t.Errorf("events in the future: %v", got)
	}
	for _, q := range []string{"type=nope", "since=yesterday", "limit=0", "limit=1001", "cursor=bad!"} {
		resp, out := ts.do(t, "GET", "/v1/audit_events?"+q, "", "", true)
		if resp.StatusCode != 400 {
			t.Errorf("?%s = %d %v, want 400", q, resp.StatusCode, out)
		}
	}
	// The route serves B2B projects too, each its own events only.
	p, secret, err := projects.CreateVertical(t.Context(), ts.st, km, pepper, "B2B", store.VerticalB2B, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b2b := ts
	b2b.projectID, b2b.secret = p.ID, secret
	if got := auditEvents(t, b2b, ""); len(got) != 0 {
		t.Errorf("another project sees %d events", len(got))
	}
	// A B2B organization's policy changes; its name is no policy.
	resp, out = b2b.do(t, "POST", "/v1/b2b/organizations", "application/json", `{"organization_name":"Acme","organization_slug":"acme"}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create organization: %d %v", resp.StatusCode, out)
	}
	for _, body := range []string{`{"organization_name":"Acme Ltd"}`, `{"mfa_policy":"REQUIRED_FOR_ALL","email_invites":"NOT_ALLOWED"}`} {
		if resp, out := b2b.do(t, "PUT", "/v1/b2b/organizations/acme", "application/json", body, true); resp.StatusCode != 200 {
			t.Fatalf("update organization: %d %v", resp.StatusCode, out)
		}
	}
	if got := auditEvents(t, b2b, ""); len(got) != 1 || got[0]["type"] != "organization_policy_update" ||
		got[0]["details"].(map[string]any)["fields"] != "email_invites,mfa_policy" {
		t.Errorf("B2B events: %v", got)
	}
}
