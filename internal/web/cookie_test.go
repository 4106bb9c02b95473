package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSetCookieSecureOverTLS(t *testing.T) {
	for _, tt := range []struct {
		issuer, target string
		secure         bool
	}{
		{"https://id.example", "http://10.0.0.1/", true},           // TLS ends at a proxy
		{"http://127.0.0.1:8080", "https://127.0.0.1:8443/", true}, // the mutual-TLS listener
		{"https://id.example", "https://id.example/", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", false},
	} {
		rec := httptest.NewRecorder()
		SetCookie(rec, httptest.NewRequest("GET", tt.target, nil), tt.issuer, &http.Cookie{Name: "c", Value: "v", Path: "/"})
		c := rec.Result().Cookies()
		if len(c) != 1 || c[0].Secure != tt.secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode {
			t.Errorf("issuer %s, request %s: cookies %+v: want one, Secure=%v, HttpOnly, SameSite=Lax", tt.issuer, tt.target, c, tt.secure)
		}
	}
}

// TestOneCookieWriter keeps SetCookie the one place the server sets
// cookies, so none misses the Secure rule: no server code outside this
// package calls http.SetCookie or writes a Set-Cookie header. The demo app
// (a client of Signet's, on its own listener) is not the server.
func TestOneCookieWriter(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"internal/web", "internal/demo", "examples"}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || slices.Contains(allowed, rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if s := string(b); strings.Contains(s, "http.SetCookie(") || strings.Contains(s, `"Set-Cookie"`) {
			t.Errorf("%s sets a cookie: use web.SetCookie", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
