package authorize

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
)

// OpenID Connect RP-Initiated Logout 1.0: an application sends the
// browser here to end the person's Signet session.
const (
	endSessionPath = "/oauth2/logout"
	// endSessionConfirmPath is the confirmation form (under /oauth2/, where
	// the CSRF cookie is sent).
	endSessionConfirmPath = "/oauth2/logout/confirm"
)

// EndSessionPath is the path of the end_session_endpoint, for the
// discovery document.
const EndSessionPath = endSessionPath

// logoutRequest is a validated logout request.
type logoutRequest struct {
	Client store.ConnectedApp
	// RedirectURI is a post_logout_redirect_uri the client registered, or
	// "" for none: then the person sees a page.
	RedirectURI string
	State       string
	// HintSID and HintSub are the sid and sub of a verified
	// id_token_hint (both "" without one).
	HintSID, HintSub string
	// carried is what the confirmation form brings back: everything but
	// the hint, which only decides whether to ask.
	carried url.Values
}

// idTokenAlgs are the algorithms Signet signs ID tokens with.
var idTokenAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256}

// parseLogout validates a logout request (RP-Initiated Logout 1.0 §2).
// Every refusal is a *clientError: an error page, never a redirect, since
// only a validated request has a post_logout_redirect_uri to go to (§3).
func (h *Hosted) parseLogout(r *http.Request, params url.Values) (*logoutRequest, error) {
	ctx := r.Context()
	req := &logoutRequest{State: params.Get("state")}
	clientID := params.Get("client_id")
	// ui_locales and logout_hint are accepted and not used (§2: OPTIONAL).
	if hint := params.Get("id_token_hint"); hint != "" {
		aud, err := hintAudience(hint)
		if err != nil {
			return nil, badHint()
		}
		// §2: with both, client_id must be the one the ID token was issued to.
		if clientID != "" && clientID != aud {
			return nil, &clientError{"invalid_request", "client_id is not the application id_token_hint was issued to."}
		}
		clientID = aud
	}
	if clientID == "" {
		return nil, &clientError{"invalid_request",
			"The application did not say who it is (client_id or id_token_hint), so there is no session to end."}
	}
	c, err := h.Core.Clients.Lookup(ctx, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if params.Get("id_token_hint") != "" {
			return nil, badHint()
		}
		return nil, &clientError{"invalid_client_id", "No application with that client_id exists."}
	case err != nil:
		return nil, err
	}
	req.Client = c
	if hint := params.Get("id_token_hint"); hint != "" {
		// §2: the OP MUST validate it was the issuer; it SHOULD accept its
		// own ID tokens after exp (the person may have been away), so exp
		// is not checked: the hint only decides whether to ask.
		payload, _, err := h.Core.Keys.Verify(ctx, c.ProjectID, hint, idTokenAlgs)
		if errors.Is(err, keys.ErrInvalidToken) {
			return nil, badHint()
		} else if err != nil {
			return nil, err
		}
		var claims struct {
			Iss string `json:"iss"`
			Sub string `json:"sub"`
			Sid string `json:"sid"`
		}
		if json.Unmarshal(payload, &claims) != nil || claims.Iss != h.Core.Issuer || claims.Sub == "" {
			return nil, badHint()
		}
		req.HintSub, req.HintSID = claims.Sub, claims.Sid
	}
	req.carried = url.Values{"client_id": {c.ClientID}}
	if u := params.Get("post_logout_redirect_uri"); u != "" {
		// §3: exact match with a registered value, or no redirect at all.
		if !slices.Contains(c.PostLogoutRedirectURLs, u) {
			return nil, &clientError{"invalid_redirect_uri",
				"The address the application asked to return to after signing out is not one it registered."}
		}
		req.RedirectURI = u
		req.carried.Set("post_logout_redirect_uri", u)
	}
	if req.State != "" {
		req.carried.Set("state", req.State)
	}
	return req, nil
}

func badHint() error {
	return &clientError{"invalid_request", "id_token_hint is not an ID token issued by this server."}
}

// hintAudience reads the client an ID token was issued to from its
// unverified payload (azp, or its one aud), to find the project whose keys
// then verify it.
func hintAudience(hint string) (string, error) {
	jws, err := jose.ParseSignedCompact(hint, idTokenAlgs)
	if err != nil {
		return "", err
	}
	var c struct {
		Azp string          `json:"azp"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c); err != nil {
		return "", err
	}
	if c.Azp != "" {
		return c.Azp, nil
	}
	var one string
	if json.Unmarshal(c.Aud, &one) == nil && one != "" {
		return one, nil
	}
	var many []string
	if json.Unmarshal(c.Aud, &many) == nil && len(many) == 1 && many[0] != "" {
		return many[0], nil
	}
	return "", errors.New("authorize: id_token_hint names no single client")
}

// endSession is GET and POST /oauth2/logout (RP-Initiated Logout 1.0 §2:
// both must be supported). The session ends without a question when the
// hint is an ID token of this very session (its sid, or without one its
// sub); otherwise the person is asked (§2: the OP MUST ask when there is
// no hint or it does not belong to the current session).
//
// A POST comes back as a GET of the same request (303): the session cookie
// is SameSite=Lax, which browsers send on a top-level GET from another
// site but not on its cross-site POST, so only the GET finds the session
// to end.
func (h *Hosted) endSession(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		params = r.PostForm
	}
	req, err := h.parseLogout(r, params)
	if err != nil {
		h.logoutFail(w, r, err)
		return
	}
	if r.Method == http.MethodPost {
		q := url.Values{}
		for _, k := range []string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state", "ui_locales", "logout_hint"} {
			if v := params.Get(k); v != "" {
				q.Set(k, v)
			}
		}
		redirect(w, r, endSessionPath+"?"+q.Encode())
		return
	}
	sess, err := h.session(r, req.Client.ProjectID)
	switch {
	case err != nil:
		h.logoutFail(w, r, err)
	case sess == nil:
		// Nothing to end here; the application is told it is done.
		h.clearSession(w, r, req.Client.ProjectID)
		h.loggedOut(w, r, req)
	case req.HintSub != "" && req.HintSub == sess.UserID && (req.HintSID == "" || req.HintSID == sess.ID):
		h.logout(w, r, req, sess)
	default:
		h.logoutPage(w, r, req, sess)
	}
}

// confirmLogout is the confirmation form: CSRF-checked, the carried
// request validated again, the decision bound to the session it was asked
// about.
func (h *Hosted) confirmLogout(w http.ResponseWriter, r *http.Request) {
	if !h.csrf().OK(r) {
		h.errorPage(w, r, http.StatusForbidden, web.ErrorPage{Title: "This page has expired", Message: "The form was not issued to this browser, or its cookies were cleared. Go back to the application and sign out again."})
		return
	}
	carried, err := url.ParseQuery(r.PostForm.Get("logout_request"))
	if err != nil {
		h.errorPage(w, r, http.StatusBadRequest, web.ErrorPage{Title: "Invalid request", Message: "The sign-out request could not be read."})
		return
	}
	carried.Del("id_token_hint")
	req, err := h.parseLogout(r, carried)
	if err != nil {
		h.logoutFail(w, r, err)
		return
	}
	sess, err := h.session(r, req.Client.ProjectID)
	switch {
	case err != nil:
		h.logoutFail(w, r, err)
	case sess == nil:
		// Signed out meanwhile (another tab, expiry): done.
		h.clearSession(w, r, req.Client.ProjectID)
		h.loggedOut(w, r, req)
	case r.PostForm.Get("session") != sess.ID:
		// Another session since the question: ask about this one.
		h.logoutPage(w, r, req, sess)
	case r.PostForm.Get("decision") == "logout":
		h.logout(w, r, req, sess)
	case r.PostForm.Get("decision") == "stay":
		h.renderSignedOut(w, r, web.SignedOutPage{Title: "You are still signed in",
			Message: "Your session was not ended. You can go on using your applications."})
	default:
		h.logoutPage(w, r, req, sess)
	}
}

// logout ends the session: revoked in the store, which queues the
// back-channel logout tokens its clients are owed (internal/logout
// delivers them in the background), the cookie cleared, and the browser
// marked as signed out so that the next bank verification in it asks the
// bank for a fresh sign-in (web.SignedOutCookie).
func (h *Hosted) logout(w http.ResponseWriter, r *http.Request, req *logoutRequest, sess *store.Session) {
	err := h.Accounts.RevokeSession(r.Context(), req.Client.ProjectID, users.Credentials{SessionID: sess.ID})
	if err != nil && !errors.Is(err, users.ErrSessionNotFound) { // not found: ended concurrently
		h.logoutFail(w, r, err)
		return
	}
	h.clearSession(w, r, req.Client.ProjectID)
	web.MarkSignedOut(w, r, h.Core.Issuer)
	h.loggedOut(w, r, req)
}

// loggedOut sends the browser to the post_logout_redirect_uri with state
// (§3), or shows that the person is signed out.
func (h *Hosted) loggedOut(w http.ResponseWriter, r *http.Request, req *logoutRequest) {
	if req.RedirectURI == "" {
		h.renderSignedOut(w, r, web.SignedOutPage{Title: "You are signed out",
			Message: "Your session has ended. To use your applications again, sign in again."})
		return
	}
	to := req.RedirectURI
	if req.State != "" {
		u, err := url.Parse(to)
		if err != nil { // registered, so validated as a URL
			h.logoutFail(w, r, err)
			return
		}
		q := u.Query()
		q.Set("state", req.State)
		u.RawQuery = q.Encode()
		to = u.String()
	}
	redirect(w, r, to)
}

// clearSession removes the project's session cookie, if the browser sent
// one.
func (h *Hosted) clearSession(w http.ResponseWriter, r *http.Request, projectID string) {
	if _, err := r.Cookie(SessionCookieName(projectID)); err != nil {
		return
	}
	web.SetCookie(w, r, h.Core.Issuer, &http.Cookie{Name: SessionCookieName(projectID), Value: "", Path: "/", MaxAge: -1})
}

// logoutPage asks the person whether to sign out. Its form may be answered
// with a 303 to the post_logout_redirect_uri, which the page's form-action
// must allow.
func (h *Hosted) logoutPage(w http.ResponseWriter, r *http.Request, req *logoutRequest, sess *store.Session) {
	name := req.Client.Name
	if name == "" {
		name = "An application"
	}
	page := web.LogoutPage{
		Brand:   h.Branding,
		Client:  web.Client{Name: name, LogoURL: req.Client.LogoURL},
		Form:    web.Form{Action: endSessionConfirmPath, CSRF: h.csrf().Token(w, r), Request: req.carried.Encode()},
		Session: sess.ID,
	}
	if u, err := h.Core.Store.User(r.Context(), req.Client.ProjectID, sess.UserID); err == nil && u.Email != nil {
		page.UserEmail = u.Email.Address
	}
	h.render(w, r, http.StatusOK, web.CSPSource(req.RedirectURI), func(b *bytes.Buffer) error { return web.Logout(b, page) })
}

func (h *Hosted) renderSignedOut(w http.ResponseWriter, r *http.Request, page web.SignedOutPage) {
	page.Brand = h.Branding
	h.render(w, r, http.StatusOK, "", func(b *bytes.Buffer) error { return web.SignedOut(b, page) })
}

// logoutFail answers a logout request that cannot go on: an error page,
// never a redirect (§3: only to a registered, validated URI, and a
// request that failed has none).
func (h *Hosted) logoutFail(w http.ResponseWriter, r *http.Request, err error) {
	var ce *clientError
	switch {
	case errors.As(err, &ce):
		title := "Invalid sign-out request"
		switch ce.Type {
		case "invalid_client_id":
			title = "Unknown application"
		case "invalid_redirect_uri":
			title = "Invalid return address"
		}
		h.render(w, r, http.StatusBadRequest, "", func(b *bytes.Buffer) error {
			// The person gets one sentence without protocol words; the
			// protocol error is for developers (failpages.go's rule).
			return web.Error(b, web.ErrorPage{Brand: h.Branding, Title: title,
				Message:     "The application sent a sign-out request that cannot be completed, so it is misconfigured.",
				Detail:      ce.Type + ": " + ce.Message,
				SupportCode: api.RequestID(r),
				Fine:        "You can close this window and contact the application's support."})
		})
	case errors.Is(err, store.ErrUnavailable):
		h.logError(r, err)
		h.errorPage(w, r, http.StatusServiceUnavailable, web.ErrorPage{Title: "Temporarily unavailable", Message: "The service is busy or down for a moment. Try again shortly."})
	default:
		h.logError(r, err)
		h.errorPage(w, r, http.StatusInternalServerError, web.ErrorPage{Title: "Something went wrong", Message: "You could not be signed out. Try again later."})
	}
}
