package web

import (
	"net/http"
	"strings"
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
