package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/testdb"
)

type testServer struct {
	*httptest.Server
	st                store.Store
	dsn               string // the database, for testdb.Rows
	projectID, secret string
}

// newTestServer serves a whole Signet (bank registry and flows included)
// with one project, on SQLite or, under SIGNET_TEST_POSTGRES, Postgres.
// Its issuer has a trailing slash, which the server must trim. opts
// adjust the configuration before the server is built.
func newTestServer(t testing.TB, opts ...func(*Config)) testServer {
	t.Helper()
	ctx := context.Background()
	dsn := testdb.DSN(t)
	st := testdb.OpenDSN(t, dsn)
	mk := keys.GenerateMasterKey()
	km := keys.NewManager(st, mk, keys.Options{})
	pepper := secrets.NewPepper(mk.Derive("test pepper"))
	p, secret, err := projects.Create(ctx, st, km, pepper, "Test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Start()
	t.Cleanup(hs.Close)
	cfg := Config{Issuer: hs.URL + "/", Store: st, Keys: km, Pepper: pepper, BankSealer: banks.NewSealer(mk)}
	for _, o := range opts {
		o(&cfg)
	}
	srv := New(cfg)
	hs.Config.Handler = srv
	// Its background work (back-channel logout deliveries) until the test
	// ends.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); srv.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	return testServer{Server: hs, st: st, dsn: dsn, projectID: p.ID, secret: secret}
}

func (ts testServer) do(t testing.TB, method, path, contentType, body string, auth bool) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth {
		req.SetBasicAuth(ts.projectID, ts.secret)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, path, buf.String())
	}
	return resp, out
}

// Errors from every layer arrive in the Stytch envelope with a request_id.
func TestErrorEnvelopes(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		auth        bool
		wantStatus  int
		wantType    string
		wantAllow   string
	}{
		{name: "unknown route", method: "GET", path: "/v1/nope", wantStatus: 404, wantType: "route_not_found"},
		{name: "root", method: "GET", path: "/", wantStatus: 404, wantType: "route_not_found"},
		{name: "wrong method", method: "DELETE", path: "/.well-known/jwks.json", wantStatus: 405, wantType: "method_not_allowed", wantAllow: "GET, HEAD"},
		{name: "no credentials", method: "POST", path: "/v1/users", contentType: "application/json", body: `{}`, wantStatus: 401, wantType: "unauthorized_credentials"},
		{name: "bad JSON", method: "POST", path: "/v1/users", contentType: "application/json", body: `{"email":`, auth: true, wantStatus: 400, wantType: "invalid_json"},
		{name: "not JSON", method: "POST", path: "/v1/users", contentType: "text/plain", body: `email=x`, auth: true, wantStatus: 415, wantType: "invalid_content_type"},
		{name: "unknown project JWKS", method: "GET", path: "/v1/sessions/jwks/project-test-missing", wantStatus: 404, wantType: "project_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := ts.do(t, tt.method, tt.path, tt.contentType, tt.body, tt.auth)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %v", resp.StatusCode, tt.wantStatus, body)
			}
			if body["error_type"] != tt.wantType {
				t.Errorf("error_type = %v, want %s", body["error_type"], tt.wantType)
			}
			if body["status_code"] != float64(tt.wantStatus) || body["request_id"] == "" || body["error_message"] == "" || body["error_url"] == "" {
				t.Errorf("incomplete envelope: %v", body)
			}
			if got := resp.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func TestDiscovery(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/v1/public/" + ts.projectID + "/.well-known/openid-configuration"} {
		t.Run(path, func(t *testing.T) {
			resp, md := ts.do(t, "GET", path, "", "", false)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			// The issuer is the configured base URL without the trailing slash.
			if md["issuer"] != ts.URL {
				t.Errorf("issuer = %v, want %s", md["issuer"], ts.URL)
			}
			for _, field := range []string{"jwks_uri", "response_types_supported", "subject_types_supported", "id_token_signing_alg_values_supported"} {
				if _, ok := md[field]; !ok {
					t.Errorf("metadata lacks required %s", field)
				}
			}
		})
	}
}

func TestHealthAndMetrics(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, _ := ts.do(t, "GET", path, "", "", false)
		if resp.StatusCode != 200 {
			t.Errorf("%s = %d", path, resp.StatusCode)
		}
	}
	resp, err := ts.Client().Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(buf.String(), `signet_http_requests_total{code="200",method="GET",route="GET /healthz"}`) {
		t.Errorf("metrics lack the healthz request count:\n%.2000s", buf.String())
	}
}

// Every response carries x-fapi-interaction-id: the client's UUID echoed,
// or a fresh one (FAPI 1.0 Baseline §6.2.1).
func TestFAPIInteractionID(t *testing.T) {
	ts := newTestServer(t)
	const sent = "c770aef3-6784-41f7-8e0e-ff5f97bddb3a"
	tests := []struct {
		name   string
		header string
		path   string
		echo   bool
	}{
		{name: "echoed", header: sent, path: "/.well-known/openid-configuration", echo: true},
		{name: "echoed on an error", header: sent, path: "/v1/nope", echo: true},
		{name: "generated when absent", path: "/healthz"},
		{name: "not a UUID is replaced", header: "not-a-uuid <b>", path: "/healthz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+tt.path, nil)
			if tt.header != "" {
				req.Header.Set("X-Fapi-Interaction-Id", tt.header)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("X-Fapi-Interaction-Id")
			if tt.echo && got != sent {
				t.Fatalf("x-fapi-interaction-id = %q, want %q", got, sent)
			}
			if _, err := uuid.Parse(got); err != nil || len(got) != 36 || (!tt.echo && got == tt.header) {
				t.Fatalf("x-fapi-interaction-id = %q, want a fresh UUID", got)
			}
		})
	}
}

// /readyz is not ready, and says why, when Config.Ready reports a fault.
func TestReadyzReason(t *testing.T) {
	fault := errors.New("1 signing key(s) of 1 project(s) do not open with this master key")
	var ready error
	ts := newTestServer(t, func(c *Config) { c.Ready = func(context.Context) error { return ready } })
	for _, tc := range []struct {
		err  error
		code int
		want map[string]any
	}{
		{nil, 200, map[string]any{"status": "ready"}},
		{fault, 503, map[string]any{"status": "unavailable", "reason": fault.Error()}},
	} {
		ready = tc.err
		resp, body := ts.do(t, http.MethodGet, "/readyz", "", "", false)
		if resp.StatusCode != tc.code || !reflect.DeepEqual(body, tc.want) {
			t.Errorf("Ready %v: /readyz = %d %v, want %d %v", tc.err, resp.StatusCode, body, tc.code, tc.want)
		}
	}
}
