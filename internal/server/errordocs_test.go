package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestErrorURL: error_url points at the error's row of the reference
// Signet serves (by default), or under the configured base.
func TestErrorURL(t *testing.T) {
	ts := newTestServer(t)
	_, body := ts.do(t, "GET", "/v1/nope", "", "", false)
	want := ts.URL + "/docs/errors#route_not_found"
	if body["error_url"] != want {
		t.Fatalf("error_url = %v, want %s", body["error_url"], want)
	}
	page, _, _ := strings.Cut(want, "#")
	resp, err := ts.Client().Get(page)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `<tr id="route_not_found">`) {
		t.Fatalf("%s: %d, row #route_not_found found: %v", page, resp.StatusCode, strings.Contains(string(b), `id="route_not_found"`))
	}

	custom := newTestServer(t, func(c *Config) { c.ErrorURLBase = "https://docs.example.com/signet/errors" })
	_, body = custom.do(t, "POST", "/v1/users", "application/json", `{}`, false)
	if want := "https://docs.example.com/signet/errors#unauthorized_credentials"; body["error_url"] != want {
		t.Fatalf("error_url = %v, want %s", body["error_url"], want)
	}
}

// TestRootPage: through the whole server, a browser gets the page at /,
// an API client the envelope (TestErrorEnvelopes' "root" case).
func TestRootPage(t *testing.T) {
	ts := newTestServer(t)
	req, _ := http.NewRequest("GET", ts.URL+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		resp.Header.Get("Content-Security-Policy") == "" || !strings.Contains(string(b), ts.URL) {
		t.Fatalf("GET / from a browser: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	resp, body := ts.do(t, "POST", "/", "text/plain", "x", false)
	if resp.StatusCode != 404 || body["error_type"] != "route_not_found" {
		t.Fatalf("POST /: %d %v", resp.StatusCode, body)
	}
}
