package home

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/signet-id/signet/docs"
)

func newMux(t *testing.T) *http.ServeMux {
	t.Helper()
	mux := http.NewServeMux()
	(&Handler{Issuer: "https://id.example.com"}).Mount(mux)
	return mux
}

func get(t *testing.T, mux http.Handler, method, path string, accept ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for _, a := range accept {
		req.Header.Add("Accept", a)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Result(), string(b)
}

// TestRootNegotiation: a browser gets the page at /, every API client the
// 404 envelope any unknown route answers.
func TestRootNegotiation(t *testing.T) {
	mux := newMux(t)
	const chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	const firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	tests := []struct {
		name   string
		method string
		accept []string
		page   bool
	}{
		{"Chromium", "GET", []string{chrome}, true},
		{"Firefox", "GET", []string{firefox}, true},
		{"HEAD from a browser", "HEAD", []string{firefox}, true},
		{"text/html alone", "GET", []string{"text/html"}, true},
		{"text/*", "GET", []string{"text/*"}, true},
		{"HTML over JSON by q", "GET", []string{"application/json;q=0.5, text/html"}, true},
		{"two Accept fields", "GET", []string{"application/json;q=0.1", "text/html"}, true},
		{"no Accept", "GET", nil, false},
		{"curl", "GET", []string{"*/*"}, false},
		{"JSON", "GET", []string{"application/json"}, false},
		{"JSON over HTML by q", "GET", []string{"text/html;q=0.5, application/json"}, false},
		{"a tie", "GET", []string{"text/html, application/json"}, false},
		{"HTML refused", "GET", []string{"text/html;q=0, */*"}, false},
		{"bad q", "GET", []string{"text/html;q=2"}, false},
		{"POST from a browser", "POST", []string{firefox}, false},
		{"DELETE", "DELETE", []string{firefox}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, mux, tt.method, "/", tt.accept...)
			if got := resp.Header.Get("Vary"); got != "Accept" {
				t.Errorf("Vary = %q, want Accept", got)
			}
			if !tt.page {
				var env map[string]any
				if resp.StatusCode != 404 || json.Unmarshal([]byte(body), &env) != nil || env["error_type"] != "route_not_found" {
					t.Fatalf("want the 404 route_not_found envelope, got %d %s", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("want the page, got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP = %q", csp)
			}
			if tt.method == "HEAD" {
				return
			}
			for _, want := range []string{`href="/.well-known/openid-configuration"`, `href="/.well-known/jwks.json"`,
				`href="/docs/errors"`, `href="/docs/openapi.json"`, "https://id.example.com"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		})
	}
}

// TestErrorsPage: every code of errors.md has its row anchor, so every
// error_url lands on its row, and the page keeps the hosted pages' CSP.
func TestErrorsPage(t *testing.T) {
	mux := newMux(t)
	resp, body := get(t, mux, "GET", "/docs/errors")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	codes := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(docs.Errors, -1)
	if len(codes) < 100 {
		t.Fatalf("found %d codes in errors.md", len(codes))
	}
	for _, c := range codes {
		if !strings.Contains(body, `<tr id="`+c[1]+`">`) {
			t.Errorf("no row anchored #%s", c[1])
		}
	}
	// Links between sections work: each fragment names an id.
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `id="`+m[1]+`"`) {
			t.Errorf("link to #%s, which no element has", m[1])
		}
	}
}

// TestOpenAPIServer: the served description names this server.
func TestOpenAPIServer(t *testing.T) {
	resp, body := get(t, newMux(t), "GET", "/docs/openapi.json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://id.example.com" {
		t.Fatalf("openapi %q, servers %+v", doc.OpenAPI, doc.Servers)
	}
}
