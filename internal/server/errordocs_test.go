package server

import (
	"io"
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
