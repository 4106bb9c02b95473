package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/secrets"
)

func TestCSRF(t *testing.T) {
	pepper := secrets.NewPepper(bytes.Repeat([]byte{1}, 32))
	a := CSRF{Cookie: "a_csrf", Path: "/a/", Label: "a\x00", Pepper: pepper}
	b := CSRF{Cookie: "a_csrf", Path: "/a/", Label: "b\x00", Pepper: pepper}

	rec := httptest.NewRecorder()
	tok := a.Token(rec, httptest.NewRequest("GET", "/a/", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Path != "/a/" || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie = %+v", cookies)
	}
	post := func(token string, withCookie bool) *http.Request {
		r := httptest.NewRequest("POST", "/a/", strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			r.AddCookie(cookies[0])
		}
		r.ParseForm()
		return r
	}
	if !a.OK(post(tok, true)) {
		t.Error("the issued token is refused")
	}
	if a.OK(post(tok, false)) {
		t.Error("accepted without the cookie")
	}
	if b.OK(post(tok, true)) {
		t.Error("another form set's label accepted the token")
	}
	if a.OK(post(tok[:len(tok)-2]+"AA", true)) || a.OK(post("%%%", true)) {
		t.Error("accepted a wrong token")
	}
	// With the cookie present, the same token again, no new cookie.
	rec = httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/a/", nil)
	r.AddCookie(cookies[0])
	if a.Token(rec, r) != tok || len(rec.Result().Cookies()) != 0 {
		t.Error("the token changed for the same cookie")
	}
}
