package demo

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/coreos/go-oidc/v3/oidc"
)

// login is GET /login: a fresh state, nonce and PKCE verifier, kept on the
// server under a random cookie, and the browser goes to Signet.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	p, err := a.oidcProvider(r.Context())
	if err != nil {
		a.cfg.Logger.ErrorContext(r.Context(), "demo: discovery failed", "issuer", a.cfg.Issuer, "err", err)
		a.errorPage(w, http.StatusBadGateway, "Signet is not reachable", "The app could not read Signet's discovery document. Is Signet running?")
		return
	}
	pl := pendingLogin{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier()}
	key, err := a.logins.put(pl, loginTTL)
	if err != nil {
		a.errorPage(w, http.StatusServiceUnavailable, "Too many sign-ins in progress", "Try again in a few minutes.")
		return
	}
	a.setCookie(w, loginCookie, key, CallbackPath, loginTTL)
	to := a.oauth2Config(p).AuthCodeURL(pl.State,
		oauth2.S256ChallengeOption(pl.Verifier), // RFC 7636 §4.3
		oidc.Nonce(pl.Nonce),
		// Always show Signet's sign-in page, so "Verify with your bank"
		// can be tried again after signing out here (Core §3.1.2.1).
		oauth2.SetAuthURLParam("prompt", "login"))
	seeOther(w, to)
}

// callback is GET /callback, the redirect URI. The pending sign-in is used
// once, whatever the outcome. Nothing here redirects anywhere but to the
// app's own home page: a request that does not check out gets a page.
func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var pl pendingLogin
	ok := false
	if c, err := r.Cookie(loginCookie); err == nil {
		pl, ok = a.logins.take(c.Value)
	}
	a.clearCookie(w, loginCookie, CallbackPath)
	if !ok {
		a.errorPage(w, http.StatusBadRequest, "No sign-in in progress",
			"This sign-in has expired or was started in another browser. Start again from the home page.")
		return
	}
	q := r.URL.Query()
	// RFC 6749 §10.12: the state must be the one this browser was given,
	// before anything else in the response is believed. RFC 9207 §2.4:
	// an iss, when sent, must be Signet's (mix-up defence).
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pl.State)) != 1 ||
		(q.Has("iss") && q.Get("iss") != a.cfg.Issuer) {
		a.cfg.Logger.WarnContext(ctx, "demo: authorization response refused: state or iss mismatch")
		a.errorPage(w, http.StatusBadRequest, "Sign-in could not be verified",
			"The answer from Signet does not belong to the sign-in this browser started. Start again from the home page.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := q.Get("error_description")
		if msg == "" {
			msg = "Signet answered " + e + "."
		}
		a.errorPage(w, http.StatusForbidden, "You were not signed in", msg)
		return
	}
	p, err := a.oidcProvider(ctx)
	if err != nil {
		a.errorPage(w, http.StatusBadGateway, "Signet is not reachable", "Try again in a moment.")
		return
	}
	hctx := a.httpContext(ctx)
	tok, err := a.oauth2Config(p).Exchange(hctx, q.Get("code"), oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "demo: code exchange failed", "err", err)
		a.errorPage(w, http.StatusBadGateway, "Sign-in failed", "Signet did not accept the authorization code. Start again from the home page.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.VerifierContext(hctx, &oidc.Config{ClientID: a.cfg.ClientID}).Verify(hctx, raw)
	if err == nil && subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pl.Nonce)) != 1 {
		err = errors.New("nonce mismatch") // OpenID Connect Core §3.1.3.7 step 11
	}
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "demo: ID token refused", "err", err)
		a.errorPage(w, http.StatusBadGateway, "Sign-in failed", "Signet's ID token could not be verified.")
		return
	}
	info, err := p.UserInfo(hctx, oauth2.StaticTokenSource(tok))
	if err != nil || info.Subject != idt.Subject { // Core §5.3.2
		a.cfg.Logger.WarnContext(ctx, "demo: userinfo failed", "err", err)
		a.errorPage(w, http.StatusBadGateway, "Sign-in failed", "Signet's userinfo endpoint did not answer for this user.")
		return
	}
	var claims map[string]any
	if err := info.Claims(&claims); err != nil {
		a.errorPage(w, http.StatusBadGateway, "Sign-in failed", "Signet's userinfo answer could not be read.")
		return
	}
	u, err := a.fetchUser(ctx, idt.Subject)
	if err != nil {
		a.cfg.Logger.WarnContext(ctx, "demo: user lookup failed", "user_id", idt.Subject, "err", err)
		a.errorPage(w, http.StatusBadGateway, "Sign-in failed", "The user could not be read from Signet's management API.")
		return
	}
	prof := newProfile(u, claims, a.cfg.Now())
	prof.idToken = raw
	key, err := a.sessions.put(prof, sessionTTL)
	if err != nil {
		a.errorPage(w, http.StatusServiceUnavailable, "Too many sessions", "Try again later.")
		return
	}
	a.setCookie(w, sessionCookie, key, "/", sessionTTL)
	a.cfg.Logger.InfoContext(ctx, "demo: signed in", "user_id", prof.UserID, "bank_verified", prof.Verification != nil)
	// The code is spent: a redirect keeps a reload from replaying it.
	seeOther(w, "/")
}
