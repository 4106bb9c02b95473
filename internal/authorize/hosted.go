package authorize

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/oidc"
)

// Accounts signs users in with a password, finds their sessions and ends
// them (*users.Service). A refused sign-in is users.ErrBadCredentials or
// users.ErrThrottled; an unknown session users.ErrSessionNotFound.
type Accounts interface {
	SignIn(ctx context.Context, projectID, email, password string, client netip.Addr, d time.Duration) (store.User, users.Issued, error)
	SessionFromToken(ctx context.Context, projectID, token string) (store.Session, error)
	RevokeSession(ctx context.Context, projectID string, c users.Credentials) error
}

// Banks lets a person sign in by verifying with their bank
// (*banks.Flow): Offered says whether the project has a bank, and
// StartLogin takes the browser from the sign-in page into the bank
// verification for the carried request. The flow comes back through
// ResumeAfterBank or LoginFailed.
type Banks interface {
	Offered(ctx context.Context, projectID string) bool
	StartLogin(w http.ResponseWriter, r *http.Request, projectID, clientID, authorizationRequest string, scopes []string)
}

// Hosted serves Signet's own authorization endpoint, the browser front end
// of the Authorizer:
//
//	GET  /oauth2/authorize           authorization request (RFC 6749 §4.1.1)
//	POST /oauth2/authorize           the same, form-encoded (OpenID Connect Core §3.1.2.1)
//	POST /oauth2/authorize/login     the sign-in form
//	POST /oauth2/authorize/consent   the consent form (Allow / Deny)
//	POST /oauth2/authorize/bank      "Verify with your bank" on the sign-in page
//	GET  /oauth2/logout              end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0)
//	POST /oauth2/logout              the same, form-encoded
//	POST /oauth2/logout/confirm      the sign-out confirmation form
//
// Forms carry the pending request in a hidden field and it is validated in
// full again when they come back, so editing it can change nothing the
// user could not have asked for in a fresh request. Every form has an
// anti-CSRF token; a bad one gets a 403 page.
type Hosted struct {
	Core     *Authorizer
	Accounts Accounts
	// Banks offers "Verify with your bank" on the sign-in page (optional).
	Banks  Banks
	Pepper secrets.Pepper // derives anti-CSRF tokens
	// SessionDuration is how long a session started on the sign-in page
	// lasts (default DefaultSessionDuration).
	SessionDuration time.Duration
	// Branding is the look of every page (zero: Signet's own), e.g. the
	// sandbox bank's.
	Branding web.Branding
	// ClientIP finds the address of the person signing in, which sign-in
	// throttles count per (zero: the connection's peer).
	ClientIP clientip.Resolver
}

// DefaultSessionDuration is Hosted.SessionDuration when unset: a working
// day, so an application sending prompt=none in the afternoon finds the
// morning's sign-in.
const DefaultSessionDuration = 12 * time.Hour

const (
	authorizePath = "/oauth2/authorize"
	loginPath     = "/oauth2/authorize/login"
	consentPath   = "/oauth2/authorize/consent"
	bankPath      = "/oauth2/authorize/bank"
	// maxForm bounds the body of every form here (authorization requests
	// included).
	maxForm = 64 << 10
)

// AuthorizationPath is the path of the authorization endpoint, for the
// discovery document.
const AuthorizationPath = authorizePath

// Mount fills defaults and registers the routes on mux.
func (h *Hosted) Mount(mux api.Router) {
	if h.SessionDuration == 0 {
		h.SessionDuration = DefaultSessionDuration
	}
	mux.HandleFunc("GET "+authorizePath, h.text(h.authorize))
	mux.HandleFunc("POST "+authorizePath, h.text(h.authorize))
	mux.HandleFunc("POST "+loginPath, h.text(h.login))
	mux.HandleFunc("POST "+consentPath, h.text(h.consent))
	if h.Banks != nil {
		mux.HandleFunc("POST "+bankPath, h.text(h.bank))
	}
	mux.HandleFunc("GET "+endSessionPath, h.text(h.endSession))
	mux.HandleFunc("POST "+endSessionPath, h.text(h.endSession))
	mux.HandleFunc("POST "+endSessionConfirmPath, h.text(h.confirmLogout))
	web.MountBranding(mux, h.Branding)
}

// text is the edge of these pages (api.ReadForm): a query or form with
// text that is not valid UTF-8, or a NUL, gets an error page. It is never
// looked up, shown, or sent back to a redirect_uri.
func (h *Hosted) text(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := api.ReadForm(w, r, maxForm); err != nil {
			h.unreadablePage(w, r, "The request holds text that is not valid UTF-8, or a NUL, or is too large.")
			return
		}
		next(w, r)
	}
}

func (h *Hosted) authorize(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			h.unreadablePage(w, r, "The authorization request could not be read.")
			return
		}
		params = r.PostForm
	}
	req, err := h.request(r.Context(), params)
	if err != nil {
		h.fail(w, r, req, err)
		return
	}
	if b2b, err := h.b2b(r.Context(), req.Client.ProjectID); err != nil {
		h.fail(w, r, req, err)
		return
	} else if b2b {
		// The hosted pages sign in users; a B2B project's members sign in
		// on the application's own authorization page, which calls the
		// B2B consent API (B2BAPI). Not a redirect: the client set this
		// page up, not the person.
		h.errorPage(w, r, http.StatusBadRequest, web.ErrorPage{Title: "Sign-in not available here", Message: "This application's accounts are members of organizations, who sign in on the application's own authorization page. Signet's hosted sign-in serves consumer projects only."})
		return
	}
	sess, err := h.session(r, req.Client.ProjectID)
	if err != nil {
		h.fail(w, r, req, err)
		return
	}
	h.proceed(w, r, req, sess, false)
}

// b2b reports whether the project is a B2B one.
func (h *Hosted) b2b(ctx context.Context, projectID string) (bool, error) {
	p, err := h.Core.Store.Project(ctx, projectID)
	if err != nil {
		return false, err
	}
	return p.Vertical == store.VerticalB2B, nil
}

// proceed takes a valid request on from the browser's session (nil: none):
// sign in, then consent, then the code. fresh means the user has just
// signed in in this very request, so prompt=login and max_age are
// satisfied.
func (h *Hosted) proceed(w http.ResponseWriter, r *http.Request, req *authzRequest, sess *store.Session, fresh bool) {
	if !fresh && h.Core.needsLogin(req, sess) {
		if req.Prompt.None {
			// OpenID Connect Core §3.1.2.6: with prompt=none, an error
			// redirect, never a page.
			h.fail(w, r, req, oidc.NewError(oidc.LoginRequired, "The user must sign in, which prompt=none does not allow."))
			return
		}
		h.loginPage(w, r, req, http.StatusOK, "", "")
		return
	}
	if fresh && req.HintSubject != "" && req.HintSubject != sess.UserID {
		h.fail(w, r, req, oidc.NewError(oidc.LoginRequired, "The user who signed in is not the one id_token_hint names."))
		return
	}
	u, err := h.Core.Store.User(r.Context(), req.Client.ProjectID, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		// Deleted since the session was read (deletion ends sessions).
		h.proceed(w, r, req, nil, false)
		return
	} else if err != nil {
		h.fail(w, r, req, err)
		return
	}
	g := grantor{User: u, Session: sess}
	// Policy scopes the user's roles do not hold are neither asked for
	// nor remembered as consented.
	if err := req.narrow(u); err != nil {
		h.fail(w, r, req, err)
		return
	}
	need, err := h.Core.needsConsent(r.Context(), req, g)
	switch {
	case err != nil:
		h.fail(w, r, req, err)
	case need && req.Prompt.None:
		h.fail(w, r, req, oidc.NewError(oidc.ConsentRequired, "The user must consent, which prompt=none does not allow."))
	case need:
		h.consentPage(w, r, req, g)
	default:
		h.finish(w, r, req, g)
	}
}

// request resolves (a pushed request is opened) and validates an
// authorization request. A pushed one is carried by its request_uri
// alone: the forms re-open it, so its parameters cannot be edited on the
// way and a client that must use PAR is never asked without it.
func (h *Hosted) request(ctx context.Context, params url.Values) (*authzRequest, error) {
	params, uri, err := h.Core.resolve(ctx, params)
	if err != nil {
		return nil, err
	}
	req, err := h.Core.parse(ctx, params)
	if req != nil && uri != "" {
		req.pushed = uri
		req.carried = url.Values{"client_id": {req.Client.ClientID}, "request_uri": {uri}}
	}
	return req, err
}

// finish issues the code and sends the browser back to the client, once:
// the pushed request's use is spent first (RFC 9126 §4).
func (h *Hosted) finish(w http.ResponseWriter, r *http.Request, req *authzRequest, g grantor) {
	if !h.complete(w, r, req) {
		return
	}
	_, resp, err := h.Core.issue(r.Context(), req, g)
	if err != nil {
		h.respondError(w, r, req, err)
		return
	}
	h.send(w, r, resp)
}

// complete spends a pushed request's one use as its authorization
// completes (RFC 9126 §4: a code issued or an error sent to the client).
// false: spent already, expired, or the store failed; a page has
// answered, and nothing goes to the client.
func (h *Hosted) complete(w http.ResponseWriter, r *http.Request, req *authzRequest) bool {
	if req.pushed == "" {
		return true
	}
	err := h.Core.Pushed.CompletePushedRequest(r.Context(), requestURIHash(req.pushed), store.Now(h.Core.Now))
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrAlreadyUsed):
		h.finishedPage(w, r, &req.Client)
	case errors.Is(err, store.ErrNotFound):
		h.clientErrorPage(w, r, &clientError{string(oidc.InvalidRequestURI), "The request_uri has expired."}, &req.Client)
	default:
		h.logError(r, err)
		h.faultPage(w, r, err, &req.Client)
	}
	return false
}

// login is the sign-in form: the same password check and throttles as the
// API, then a session in the project's cookie. As there, a wrong password
// and an unknown email get the same page, and so do a throttled real
// account and a throttled unknown one.
func (h *Hosted) login(w http.ResponseWriter, r *http.Request) {
	req, ok := h.formRequest(w, r)
	if !ok {
		return
	}
	email, password := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("password")
	if email == "" || password == "" {
		h.loginPage(w, r, req, http.StatusBadRequest, email, "Enter your email address and password.")
		return
	}
	_, in, err := h.Accounts.SignIn(r.Context(), req.Client.ProjectID, email, password, h.ClientIP.Addr(r), h.SessionDuration)
	if err != nil {
		const incorrect = "The email address or password is incorrect."
		switch {
		case errors.Is(err, users.ErrThrottled):
			h.loginPage(w, r, req, http.StatusTooManyRequests, email, "Too many sign-in attempts. Wait a few minutes, then try again.")
		case errors.Is(err, users.ErrBadCredentials):
			h.loginPage(w, r, req, http.StatusUnauthorized, email, incorrect)
		case errors.Is(err, users.ErrUserNotFound): // deleted while signing in
			h.loginPage(w, r, req, http.StatusNotFound, email, incorrect)
		default:
			h.fail(w, r, req, err)
		}
		return
	}
	h.setSession(w, r, req.Client.ProjectID, in.Token, in.Session.ExpiresAt)
	h.proceed(w, r, req, &in.Session, true)
}

// bank is the sign-in page's "Verify with your bank": the carried request
// goes with the browser into the bank verification.
func (h *Hosted) bank(w http.ResponseWriter, r *http.Request) {
	req, ok := h.formRequest(w, r)
	if !ok {
		return
	}
	h.Banks.StartLogin(w, r, req.Client.ProjectID, req.Client.ClientID, req.carried.Encode(), req.Scopes)
}

// SignedIn puts the session a bank verification started on the sign-in
// page into the project's session cookie.
func (h *Hosted) SignedIn(w http.ResponseWriter, r *http.Request, s users.Issued) {
	h.setSession(w, r, s.Session.ProjectID, s.Token, s.Session.ExpiresAt)
}

// ResumeAfterBank continues the carried authorization request once a bank
// verification started on the sign-in page has signed the person in. It
// proceeds as after a password sign-in (the user has just authenticated:
// prompt=login and max_age are satisfied) when the browser's session is
// freshUserID's; otherwise as any visit with that session.
func (h *Hosted) ResumeAfterBank(w http.ResponseWriter, r *http.Request, authorizationRequest, freshUserID string) {
	req, ok := h.carriedRequest(w, r, authorizationRequest)
	if !ok {
		return
	}
	sess, err := h.session(r, req.Client.ProjectID)
	switch {
	case err != nil:
		h.fail(w, r, req, err)
	case sess == nil:
		h.loginPage(w, r, req, http.StatusOK, "", "Your session has ended. Sign in again to continue.")
	default:
		h.proceed(w, r, req, sess, freshUserID != "" && sess.UserID == freshUserID)
	}
}

// LoginFailed shows the sign-in page of the carried request again with
// message: a bank verification started there did not sign anyone in.
func (h *Hosted) LoginFailed(w http.ResponseWriter, r *http.Request, authorizationRequest string, status int, message string) {
	req, ok := h.carriedRequest(w, r, authorizationRequest)
	if !ok {
		return
	}
	h.loginPage(w, r, req, status, "", message)
}

// carriedRequest validates a carried request again, from scratch.
func (h *Hosted) carriedRequest(w http.ResponseWriter, r *http.Request, carried string) (*authzRequest, bool) {
	params, err := url.ParseQuery(carried)
	if err != nil {
		h.unreadablePage(w, r, "The carried authorization request could not be read.")
		return nil, false
	}
	req, err := h.request(r.Context(), params)
	if err != nil {
		h.fail(w, r, req, err)
		return nil, false
	}
	return req, true
}

// consent is the consent form. The decision is bound to the session the
// page was shown to: if the browser's session changed meanwhile, the user
// is asked again.
func (h *Hosted) consent(w http.ResponseWriter, r *http.Request) {
	req, ok := h.formRequest(w, r)
	if !ok {
		return
	}
	sess, err := h.session(r, req.Client.ProjectID)
	switch {
	case err != nil:
		h.fail(w, r, req, err)
		return
	case sess == nil:
		h.loginPage(w, r, req, http.StatusOK, "", "Your session has ended. Sign in again to continue.")
		return
	case r.PostForm.Get("session") != sess.ID:
		h.proceed(w, r, req, sess, false)
		return
	}
	u, err := h.Core.Store.User(r.Context(), req.Client.ProjectID, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		h.proceed(w, r, req, nil, false)
		return
	} else if err != nil {
		h.fail(w, r, req, err)
		return
	}
	g := grantor{User: u, Session: sess}
	if err := req.narrow(u); err != nil {
		h.fail(w, r, req, err)
		return
	}
	switch r.PostForm.Get("decision") {
	case "allow":
		h.finish(w, r, req, g)
	case "deny":
		h.respondError(w, r, req, oidc.NewError(oidc.AccessDenied, "The user denied the request."))
	default:
		h.consentPage(w, r, req, g)
	}
}

// formRequest reads a form of the hosted pages: size limit, CSRF check,
// then the carried authorization request, validated again from scratch.
// On failure it has answered.
func (h *Hosted) formRequest(w http.ResponseWriter, r *http.Request) (*authzRequest, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		h.unreadablePage(w, r, "The form could not be read.")
		return nil, false
	}
	if !h.csrf().OK(r) {
		h.expiredFormPage(w, r)
		return nil, false
	}
	return h.carriedRequest(w, r, r.PostForm.Get("authorization_request"))
}

// session returns the browser's live session in the project, or nil.
func (h *Hosted) session(r *http.Request, projectID string) (*store.Session, error) {
	c, err := r.Cookie(SessionCookieName(projectID))
	if err != nil || c.Value == "" {
		return nil, nil
	}
	s, err := h.Accounts.SessionFromToken(r.Context(), projectID, c.Value)
	if errors.Is(err, users.ErrSessionNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &s, nil
}

// fail answers an error: a *clientError with an error page (never a
// redirect), a *finishedError with the page of a finished authorization,
// anything else at the redirect_uri (server_error for internal causes,
// which are logged, not sent; temporarily_unavailable when the store did
// not answer in time). Without a valid request there is no redirect_uri,
// so a page says it: 503 or 500.
func (h *Hosted) fail(w http.ResponseWriter, r *http.Request, req *authzRequest, err error) {
	var (
		ce *clientError
		fe *finishedError
		oe *oidc.Error
	)
	switch {
	case errors.As(err, &ce):
		h.clientErrorPage(w, r, ce, h.requestClient(r))
		return
	case errors.As(err, &fe):
		h.finishedPage(w, r, fe.Client)
		return
	case !errors.As(err, &oe):
		h.logError(r, err)
	}
	if req == nil {
		h.faultPage(w, r, err, nil)
		return
	}
	h.respondError(w, r, req, err)
}

// respondError sends err to the client at its redirect_uri, which
// completes the authorization.
func (h *Hosted) respondError(w http.ResponseWriter, r *http.Request, req *authzRequest, err error) {
	if !h.complete(w, r, req) {
		return
	}
	h.send(w, r, h.Core.errorResponse(r.Context(), req, err))
}

// send delivers a response to the client: a redirect, or in the
// form_post modes a page whose form the browser posts to the
// redirect_uri (formPostPage).
func (h *Hosted) send(w http.ResponseWriter, r *http.Request, resp authzResponse) {
	if resp.Action != "" {
		h.formPostPage(w, r, resp)
		return
	}
	redirect(w, r, resp.Location)
}

// redirect sends the browser to the client: 302 after a GET (RFC 6749
// §4.1.2), 303 after a POST so the browser follows with a GET.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	h := w.Header()
	h.Set("Location", to)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
}

func (h *Hosted) logError(r *http.Request, err error) {
	api.Logger(r.Context()).ErrorContext(r.Context(), "authorization failed", "request_id", api.RequestID(r),
		"method", r.Method, "path", r.URL.Path, "err", err)
}
