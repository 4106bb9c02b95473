package web

import (
	"encoding/base64"
	"net/http"

	"github.com/signet-id/signet/internal/secrets"
)

// CSRF is the anti-CSRF token of a set of hosted forms: double submit of
// a random cookie, bound to the server pepper so that a cookie alone
// cannot make a token. A cross-site page can make the browser send the
// cookie but can neither read it nor compute the token. Each set of forms
// has its own cookie (scoped by Path) and Label, so one set's token
// passes for no other.
type CSRF struct {
	Cookie string // the cookie's name
	Path   string // its Path: the forms' URL prefix
	Label  string // hashed before the cookie's value
	Pepper secrets.Pepper
	Issuer string // the cookie is Secure under an https issuer (SetCookie)
}

// Token returns the token for this browser's forms, setting the cookie it
// derives from when there is none yet.
func (c CSRF) Token(w http.ResponseWriter, r *http.Request) string {
	value := ""
	if ck, err := r.Cookie(c.Cookie); err == nil && len(ck.Value) == 43 {
		value = ck.Value
	} else {
		value = secrets.New("")
		SetCookie(w, r, c.Issuer, &http.Cookie{Name: c.Cookie, Value: value, Path: c.Path})
	}
	return base64.RawURLEncoding.EncodeToString(c.Pepper.Hash(c.Label + value))
}

// OK checks the posted form's csrf_token against the browser's cookie in
// constant time. r.ParseForm must have run.
func (c CSRF) OK(r *http.Request) bool {
	ck, err := r.Cookie(c.Cookie)
	if err != nil || ck.Value == "" {
		return false
	}
	tok, err := base64.RawURLEncoding.DecodeString(r.PostForm.Get("csrf_token"))
	return err == nil && c.Pepper.Equal(tok, c.Label+ck.Value)
}
