package authorize

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/web"
)

// Cookies of the hosted pages. Both are HttpOnly and SameSite=Lax: Lax
// lets the session ride along on the top-level GET that brings the user
// here from the application (so prompt=none works) but not on cross-site
// POSTs; and Secure over TLS (web.SetCookie).
const (
	// sessionCookiePrefix + a short hash of the project ID names the
	// session cookie: one per project, since a project is a tenant with
	// its own users.
	sessionCookiePrefix = "signet_session_"
	// csrfCookie holds a random value the forms' tokens are derived from
	// (double submit, bound to the server pepper so a cookie alone cannot
	// make a token).
	csrfCookie = "signet_csrf"
)

// SessionCookieName is the name of the cookie holding a project's Signet
// session token on the hosted pages.
func SessionCookieName(projectID string) string {
	sum := sha256.Sum256([]byte(projectID))
	return sessionCookiePrefix + hex.EncodeToString(sum[:6])
}

// setSession stores a new session token in the project's cookie, expiring
// with the session.
func (h *Hosted) setSession(w http.ResponseWriter, r *http.Request, projectID, token string, expires time.Time) {
	web.SetCookie(w, r, h.Core.Issuer, &http.Cookie{
		Name:    SessionCookieName(projectID),
		Value:   token,
		Path:    "/",
		Expires: expires,
		MaxAge:  max(1, int(expires.Sub(store.Now(h.Core.Now)).Seconds())),
	})
}

// csrf is the sign-in and consent forms' anti-CSRF token (web.CSRF).
func (h *Hosted) csrf() web.CSRF {
	return web.CSRF{Cookie: csrfCookie, Path: "/oauth2/", Label: "signet-csrf\x00", Pepper: h.Pepper, Issuer: h.Core.Issuer}
}

// pageHeaders are the security headers of every page. The
// Content-Security-Policy allows no script, styles and images from here
// (logos from any https origin), no framing, and form submissions only to
// this server and to formTarget: after a form posts here, the answer may
// be a 303 to the client's redirect_uri, and browsers (Chromium) apply
// form-action to the redirects that follow a submission too.
func pageHeaders(w http.ResponseWriter, formTarget string) {
	csp := web.CSP{HTTPSImages: true}
	if formTarget != "" {
		csp.FormAction = []string{"'self'", formTarget}
	}
	web.SetPageHeaders(w, csp)
}

// formPostHeaders are pageHeaders for the form_post page: script from
// this server only (the external form_post.js, no inline script), and
// form submissions only to the redirect_uri's origin.
func formPostHeaders(w http.ResponseWriter, formTarget string) {
	web.SetPageHeaders(w, web.CSP{Script: true, FormAction: []string{formTarget}})
}

// form is the hidden state a page's form carries back.
func (h *Hosted) form(w http.ResponseWriter, r *http.Request, action string, req *authzRequest) web.Form {
	return web.Form{Action: action, CSRF: h.csrf().Token(w, r), Request: req.carried.Encode()}
}

// client is how the pages show the requesting client: its registered
// name, after the application it acts for when it named one
// (oidc.ParamRequesterName; the registered name is always shown, so a
// client cannot pass itself off as another).
func client(req *authzRequest) web.Client {
	name := req.Client.Name
	if name == "" {
		name = "an application"
	}
	if req.RequesterName != "" {
		name = req.RequesterName + " via " + name
	}
	return web.Client{Name: name, LogoURL: req.Client.LogoURL}
}

// loginPage shows the sign-in form, with message above it if set.
func (h *Hosted) loginPage(w http.ResponseWriter, r *http.Request, req *authzRequest, status int, email, message string) {
	if email == "" {
		email = req.LoginHint
	}
	page := web.LoginPage{Brand: h.Branding, Client: client(req), Form: h.form(w, r, loginPath, req), Email: email, Error: message}
	if h.Banks != nil && h.Banks.Offered(r.Context(), req.Client.ProjectID) {
		page.Bank = &web.Form{Action: bankPath, CSRF: page.Form.CSRF, Request: page.Form.Request}
	}
	h.render(w, r, status, web.CSPSource(req.RedirectURI), func(b *bytes.Buffer) error { return web.Login(b, page) })
}

// consentPage asks the user to allow the client the request's scopes.
func (h *Hosted) consentPage(w http.ResponseWriter, r *http.Request, req *authzRequest, g grantor) {
	page := web.ConsentPage{
		Brand:   h.Branding,
		Client:  client(req),
		Form:    h.form(w, r, consentPath, req),
		Session: g.Session.ID,
		Scopes:  make([]web.Scope, len(req.Scopes)),
		// "You can remove this access at any time": there.
		AccountURL: web.AccountURL(req.Client.ProjectID),
	}
	if g.User.Email != nil {
		page.UserEmail = g.User.Email.Address
	}
	for i, s := range req.Scopes {
		page.Scopes[i] = web.Scope{Name: s, Description: req.describe(s)}
	}
	// Claims asked for by name (OpenID Connect Core §5.5) are released
	// too, so the person sees what they reveal, as the scope that would.
	for _, s := range claimScopes(req.Claims, req.Scopes) {
		page.Scopes = append(page.Scopes, web.Scope{Name: s, Description: scopeDescriptions[s]})
	}
	// "Use another account": the same request, forcing the login form.
	switchParams := url.Values{}
	for k, v := range req.carried {
		switchParams[k] = v
	}
	prompt := "login"
	if req.Prompt.Consent {
		prompt = "login consent"
	}
	switchParams.Set("prompt", prompt)
	page.SwitchURL = authorizePath + "?" + switchParams.Encode()
	h.render(w, r, http.StatusOK, web.CSPSource(req.RedirectURI), func(b *bytes.Buffer) error { return web.Consent(b, page) })
}

// errorPage shows p with the brand and the request's support code.
func (h *Hosted) errorPage(w http.ResponseWriter, r *http.Request, status int, p web.ErrorPage) {
	p.Brand, p.SupportCode = h.Branding, api.RequestID(r)
	h.render(w, r, status, "", func(b *bytes.Buffer) error { return web.Error(b, p) })
}

// formPostPage answers with the page that posts resp to the redirect_uri
// (OAuth 2.0 Form Post Response Mode; JARM §2.3.3).
func (h *Hosted) formPostPage(w http.ResponseWriter, r *http.Request, resp authzResponse) {
	page := web.FormPostPage{Brand: h.Branding, Action: resp.Action}
	for i := 0; i+1 < len(resp.Fields); i += 2 {
		page.Fields = append(page.Fields, web.Field{Name: resp.Fields[i], Value: resp.Fields[i+1]})
	}
	target := web.CSPSource(resp.Action)
	if target == "" {
		target = "'none'"
	}
	var b bytes.Buffer
	if err := web.FormPost(&b, page); err != nil {
		h.logError(r, err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	formPostHeaders(w, target)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

func (h *Hosted) render(w http.ResponseWriter, r *http.Request, status int, formTarget string, fn func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		h.logError(r, err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	pageHeaders(w, formTarget)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
