package e2e

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	formAction  = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// walkForms plays a person at an OP's pages from authURL: it follows
// redirects and submits each page's form (its hidden inputs, plus what
// fill adds for that page) until a redirect goes where isCallback says,
// and returns that URL without following it. hc must not follow
// redirects and should carry a cookie jar.
func walkForms(t *testing.T, hc *http.Client, authURL string, isCallback func(string) bool, fill func(page []byte, form url.Values)) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, authURL, nil)
	for range 20 {
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := req.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatalf("bad Location %q", resp.Header.Get("Location"))
			}
			if isCallback(loc.String()) {
				return loc.String()
			}
			req, _ = http.NewRequest(http.MethodGet, loc.String(), nil)
		case resp.StatusCode == http.StatusOK:
			m := formAction.FindSubmatch(body)
			if m == nil {
				t.Fatalf("%s: no form in page:\n%s", req.URL, body)
			}
			action, err := req.URL.Parse(html.UnescapeString(string(m[1])))
			if err != nil {
				t.Fatalf("bad form action %q", m[1])
			}
			form := url.Values{}
			for _, h := range hiddenInput.FindAllSubmatch(body, -1) {
				form.Set(string(h[1]), html.UnescapeString(string(h[2])))
			}
			fill(body, form)
			req, _ = http.NewRequest(http.MethodPost, action.String(), strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		default:
			t.Fatalf("%s %s: %d\n%s", req.Method, req.URL, resp.StatusCode, body)
		}
	}
	t.Fatal("too many steps before the redirect to the client")
	return ""
}
