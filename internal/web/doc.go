// Package web holds the server-rendered pages of the hosted authorization
// endpoint (login, consent, error), of the person's account page
// (account.go, for internal/account) and their static assets, embedded in
// the binary.
//
// Routes:
//
//	GET /assets/{file}   stylesheet and images, cacheable for an hour
//	GET /assets/brand.css  the colours of a Branding (MountBranding), if any
//
// Pages are html/template, so everything interpolated is escaped for its
// context. They use no script and no inline style, so the pages can be
// served under a Content-Security-Policy without 'unsafe-inline' (the
// caller, internal/authorize, sets the headers). The package knows nothing
// about OAuth: it renders the view models it is given. A Branding (a bank's
// name, logo and colours) puts a header on every page; its colours come
// from the generated brand.css, never from inline style.
//
// SetCookie is where every cookie of the hosted pages is set (a test keeps
// it so): HttpOnly, SameSite=Lax, and Secure whenever the response travels
// over TLS (a TLS listener, or an https issuer).
package web
