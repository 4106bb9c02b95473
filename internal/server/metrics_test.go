package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/users"
)

// scrape returns the metrics h serves at /metrics.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

// The domain counters follow what happens: sign-ins by method and
// outcome, lockouts, tokens by grant type and signing algorithm; and
// signet_build_info names the build.
func TestDomainMetrics(t *testing.T) {
	var s *Server
	ts := newTestServer(t, func(c *Config) {
		c.SignInThrottle = users.Throttle{AccountLimit: 1, AccountWindow: time.Hour}
		c.Build = Build{Version: "v1.2.3", Revision: "abc123"}
	}, func(c *Config) { s = New(*c) })
	ts.Config.Handler = s
	const pw = "v8#Lq2!mZr@9wTe4"
	if resp, out := ts.do(t, "POST", "/v1/passwords", "application/json", `{"email":"ada@example.com","password":"`+pw+`"}`, true); resp.StatusCode != 200 {
		t.Fatalf("create user: %d %v", resp.StatusCode, out)
	}
	for _, tt := range []struct {
		password string
		status   int
	}{{pw, 200}, {"wrong", 401}, {pw, 429}} {
		if resp, out := ts.do(t, "POST", "/v1/passwords/authenticate", "application/json",
			`{"email":"ada@example.com","password":"`+tt.password+`"}`, true); resp.StatusCode != tt.status {
			t.Fatalf("sign-in: %d %v, want %d", resp.StatusCode, out, tt.status)
		}
	}
	resp, out := ts.do(t, "POST", "/v1/m2m/clients", "application/json", `{"client_name":"svc","scopes":[]}`, true)
	if resp.StatusCode != 200 {
		t.Fatalf("create m2m client: %d %v", resp.StatusCode, out)
	}
	m2m := out["m2m_client"].(map[string]any)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {m2m["client_id"].(string)},
		"client_secret": {m2m["client_secret"].(string)}}.Encode()
	for range 2 {
		if resp, out := ts.do(t, "POST", "/v1/oauth2/token", "application/x-www-form-urlencoded", form, false); resp.StatusCode != 200 {
			t.Fatalf("token: %d %v", resp.StatusCode, out)
		}
	}

	m := scrape(t, s)
	for _, want := range []string{
		`signet_sign_ins_total{method="password",outcome="success"} 1`,
		`signet_sign_ins_total{method="password",outcome="failure"} 2`,
		`signet_lockouts_total 1`,
		`signet_tokens_issued_total{alg="RS256",grant_type="client_credentials"} 2`,
		`signet_build_info{goversion="` + runtime.Version() + `",revision="abc123",version="v1.2.3"} 1`,
		`signet_audit_write_failures_total 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(m, "signet_"))
	}
}

func grepLines(s, substr string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// With SeparateAdmin, /metrics is on the admin handler only; health and
// readiness are on both.
func TestSeparateAdmin(t *testing.T) {
	var s *Server
	ts := newTestServer(t, func(c *Config) { c.SeparateAdmin = true }, func(c *Config) { s = New(*c) })
	ts.Config.Handler = s
	if resp, _ := ts.do(t, "GET", "/metrics", "", "", false); resp.StatusCode != 404 {
		t.Errorf("/metrics on the public listener = %d, want 404", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, _ := ts.do(t, "GET", path, "", "", false); resp.StatusCode != 200 {
			t.Errorf("%s on the public listener = %d", path, resp.StatusCode)
		}
		rec := httptest.NewRecorder()
		s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Errorf("%s on the admin listener = %d", path, rec.Code)
		}
	}
	if m := scrape(t, s.AdminHandler()); !strings.Contains(m, `signet_http_requests_total{code="404",method="GET",route="unmatched"} 1`) ||
		!strings.Contains(m, "signet_build_info{") {
		t.Errorf("the admin listener's metrics lack the public listener's requests or the build:\n%s", grepLines(m, "signet_"))
	}
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/users/x", nil))
	if rec.Code != 404 {
		t.Errorf("the admin listener serves the API: %d", rec.Code)
	}
}

// BenchmarkAccessLine is the middleware's cost on the cheapest route,
// with the access line logged (JSON, to a discarding writer) and without
// (--log-level warn).
func BenchmarkAccessLine(b *testing.B) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelWarn} {
		b.Run(level.String(), func(b *testing.B) {
			var s *Server
			newTestServer(b, func(c *Config) {
				c.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: level}))
			}, func(c *Config) { s = New(*c) })
			req := httptest.NewRequest("GET", "/healthz", nil)
			b.ReportAllocs()
			for b.Loop() {
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
