package web

import (
	"net/http"
	"strings"
	"time"
)

// SetCookie sets c as every cookie of the hosted pages is set, the one
// place Signet decides their attributes: HttpOnly (no script reads them),
// SameSite=Lax (they ride along on the top-level navigations that bring a
// person here from an application or a bank, not on cross-site POSTs), and
// Secure whenever the response travels over TLS, so a cookie set over TLS
// is never sent back in clear text. A response travels over TLS when a TLS
// listener serves it (r.TLS: the mutual-TLS listener, whatever the issuer)
// or when the issuer is https (TLS ending at a proxy in front of Signet).
func SetCookie(w http.ResponseWriter, r *http.Request, issuer string, c *http.Cookie) {
	c.HttpOnly = true
	c.SameSite = http.SameSiteLaxMode
	c.Secure = r.TLS != nil || strings.HasPrefix(issuer, "https://")
	http.SetCookie(w, c)
}

// SignedOutCookie marks a browser whose person signed out of Signet
// (OpenID Connect RP-Initiated Logout at internal/authorize): until a
// bank verification in it has asked the bank for a fresh sign-in
// (internal/banks), a bank session that outlived the sign-out must not
// verify the next person on a shared browser as the previous one. Its
// presence only ever asks for more, so it needs no MAC.
const SignedOutCookie = "signet_signed_out"

// signedOutFor is how long the mark lasts: longer than any bank session
// is likely to.
const signedOutFor = 30 * 24 * time.Hour

// MarkSignedOut sets SignedOutCookie.
func MarkSignedOut(w http.ResponseWriter, r *http.Request, issuer string) {
	SetCookie(w, r, issuer, &http.Cookie{Name: SignedOutCookie, Value: "1", Path: "/", MaxAge: int(signedOutFor.Seconds())})
}

// IsSignedOut reports whether r carries SignedOutCookie.
func IsSignedOut(r *http.Request) bool {
	c, err := r.Cookie(SignedOutCookie)
	return err == nil && c.Value != ""
}

// ClearSignedOut removes SignedOutCookie once a bank has authenticated
// the person afresh.
func ClearSignedOut(w http.ResponseWriter, r *http.Request, issuer string) {
	SetCookie(w, r, issuer, &http.Cookie{Name: SignedOutCookie, Value: "", Path: "/", MaxAge: -1})
}
