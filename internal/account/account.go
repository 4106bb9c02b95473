package account

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
)

// Accounts is the users domain the page acts through (*users.Service),
// with its domain errors.
type Accounts interface {
	SignInFrom(ctx context.Context, projectID, email, password string, client netip.Addr, d time.Duration, userAgent string) (store.User, users.Issued, error)
	UseSession(ctx context.Context, projectID, token string) (store.Session, error)
	User(ctx context.Context, projectID, idOrExternalID string) (store.User, error)
	UserSessions(ctx context.Context, projectID, userID string) ([]store.Session, error)
	EndUserSession(ctx context.Context, projectID, userID, sessionID string) error
	EndOtherSessions(ctx context.Context, projectID, userID, keep string) (int, error)
	ChangePassword(ctx context.Context, projectID, userID, current, next string, client netip.Addr, keep string) error
}

// Store is what the page reads beside the users domain: the project, the
// apps and the consents, and the revocation of a consent with its grants.
type Store interface {
	Project(ctx context.Context, id string) (store.Project, error)
	ConnectedApp(ctx context.Context, projectID, clientID string) (store.ConnectedApp, error)
	UserConsents(ctx context.Context, projectID, userID string) ([]store.Consent, error)
	RevokeConsent(ctx context.Context, projectID, userID, clientID string, now time.Time) error
}

// Policies gives a project's RBAC policy, whose scopes it describes
// (*rbac.Service).
type Policies interface {
	Policy(ctx context.Context, p store.Project) (*rbac.Compiled, error)
}

// Handler serves the account page (package doc).
type Handler struct {
	Issuer   string // Signet's public base URL (Secure cookies under https)
	Accounts Accounts
	Store    Store
	// Policies describes the scopes of a project's RBAC policy (optional).
	Policies Policies
	Pepper   secrets.Pepper // derives the anti-CSRF tokens
	Branding web.Branding
	// ClientIP finds the person's address, which the sign-in throttles
	// count per.
	ClientIP clientip.Resolver
	// SessionDuration is how long a session started here lasts (default
	// authorize.DefaultSessionDuration, as on the hosted sign-in).
	SessionDuration time.Duration
	Now             func() time.Time
}

// The routes.
const (
	pagePath          = web.AccountPath
	signInPath        = pagePath + "/sign-in"
	revokeAppPath     = pagePath + "/apps/revoke"
	signOutPath       = pagePath + "/sessions/sign-out"
	signOutOthersPath = pagePath + "/sessions/sign-out-others"
	passwordPath      = pagePath + "/password"
	maxForm           = 16 << 10
)

// Mount fills defaults and registers the routes on mux.
func (h *Handler) Mount(mux api.Router) {
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.SessionDuration == 0 {
		h.SessionDuration = authorize.DefaultSessionDuration
	}
	mux.HandleFunc("GET "+pagePath, h.text(h.page))
	mux.HandleFunc("GET "+signInPath, h.text(h.signInPage))
	mux.HandleFunc("POST "+signInPath, h.text(h.signIn))
	mux.HandleFunc("POST "+revokeAppPath, h.text(h.form(h.revokeApp)))
	mux.HandleFunc("POST "+signOutPath, h.text(h.form(h.signOut)))
	mux.HandleFunc("POST "+signOutOthersPath, h.text(h.form(h.signOutOthers)))
	mux.HandleFunc("POST "+passwordPath, h.text(h.form(h.password)))
}

// text is the edge of these pages (api.ReadForm): a query or form that is
// not text gets an error page before anything looks it up.
func (h *Handler) text(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := api.ReadForm(w, r, maxForm); err != nil {
			h.errorPage(w, r, http.StatusBadRequest, "Invalid request", "The page could not read what your browser sent.")
			return
		}
		next(w, r)
	}
}

// csrf is the account forms' anti-CSRF token: the hosted pages' kind
// (web.CSRF) with a cookie and label of its own, so no other form's token
// passes here.
func (h *Handler) csrf() web.CSRF {
	return web.CSRF{Cookie: "signet_account_csrf", Path: pagePath, Label: "signet-account-csrf\x00", Pepper: h.Pepper, Issuer: h.Issuer}
}

// signedIn is the person behind a request: the project, their live
// session (marked used) and their user.
type signedIn struct {
	project store.Project
	session store.Session
	user    store.User
}

// project reads the project a request names. On failure it has answered.
func (h *Handler) project(w http.ResponseWriter, r *http.Request, id string) (store.Project, bool) {
	if id == "" {
		h.errorPage(w, r, http.StatusNotFound, "Page not found",
			"This address is incomplete. Open your account from the app you use, or from the page where you allowed it.")
		return store.Project{}, false
	}
	p, err := h.Store.Project(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound), err == nil && p.Vertical == store.VerticalB2B:
		h.errorPage(w, r, http.StatusNotFound, "Page not found",
			"There is no account page at this address. Open your account from the app you use, or from the page where you allowed it.")
		return store.Project{}, false
	case err != nil:
		h.fault(w, r, err)
		return store.Project{}, false
	}
	return p, true
}

// person finds who is signed in to p in this browser; ok false (and no
// answer written) when nobody is, err for a fault.
func (h *Handler) person(r *http.Request, p store.Project) (signedIn, bool, error) {
	c, err := r.Cookie(authorize.SessionCookieName(p.ID))
	if err != nil || c.Value == "" {
		return signedIn{}, false, nil
	}
	sess, err := h.Accounts.UseSession(r.Context(), p.ID, c.Value)
	if errors.Is(err, users.ErrSessionNotFound) {
		return signedIn{}, false, nil
	} else if err != nil {
		return signedIn{}, false, err
	}
	u, err := h.Accounts.User(r.Context(), p.ID, sess.UserID)
	if errors.Is(err, users.ErrUserNotFound) {
		return signedIn{}, false, nil
	} else if err != nil {
		return signedIn{}, false, err
	}
	return signedIn{project: p, session: sess, user: u}, true, nil
}

// page is the account page, or the way to the sign-in form.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, ok := h.project(w, r, q.Get("project_id"))
	if !ok {
		return
	}
	me, ok, err := h.person(r, p)
	switch {
	case err != nil:
		h.fault(w, r, err)
	case !ok:
		h.toSignIn(w, r, p.ID, false)
	default:
		h.render(w, r, me, http.StatusOK, notices[q.Get("done")], "")
	}
}

// notices are what the page says after an action (the done parameter):
// fixed sentences, so the query cannot put words on the page.
var notices = map[string]string{
	"app_removed":       "Access removed. The app can no longer use your account.",
	"signed_out":        "That browser is signed out.",
	"signed_out_others": "You are signed out everywhere else.",
	"password_changed":  "Your password is changed, and you are signed out everywhere else.",
}

// form wraps the account page's POST forms: the anti-CSRF token first,
// then the project and the person signed in (else the sign-in form).
func (h *Handler) form(next func(http.ResponseWriter, *http.Request, signedIn)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.csrf().OK(r) {
			h.errorPage(w, r, http.StatusForbidden, "This page has expired",
				"The form was not sent from your account page in this browser, or its cookies were cleared. Nothing was changed. Open your account page again.")
			return
		}
		p, ok := h.project(w, r, r.PostForm.Get("project_id"))
		if !ok {
			return
		}
		me, ok, err := h.person(r, p)
		switch {
		case err != nil:
			h.fault(w, r, err)
		case !ok:
			h.toSignIn(w, r, p.ID, true)
		default:
			next(w, r, me)
		}
	}
}

// revokeApp removes an app's access: the consent and every grant of the
// user to it, with their tokens (store.RevokeConsent, as users.revoke).
// Access that is already gone is no error: the end state is the same.
func (h *Handler) revokeApp(w http.ResponseWriter, r *http.Request, me signedIn) {
	clientID := r.PostForm.Get("client_id")
	if clientID == "" {
		h.errorPage(w, r, http.StatusBadRequest, "Invalid request", "The form did not say which app to remove.")
		return
	}
	err := h.Store.RevokeConsent(r.Context(), me.project.ID, me.user.ID, clientID, store.Now(h.Now))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.fault(w, r, err)
		return
	}
	h.back(w, r, me.project.ID, "app_removed")
}

// signOut ends one of the person's sessions; ending this browser's own
// clears its cookie and shows the sign-in form.
func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, me signedIn) {
	id := r.PostForm.Get("session_id")
	err := h.Accounts.EndUserSession(r.Context(), me.project.ID, me.user.ID, id)
	if err != nil && !errors.Is(err, users.ErrSessionNotFound) {
		h.fault(w, r, err)
		return
	}
	if id == me.session.ID {
		h.clearSession(w, r, me.project.ID)
		seeOther(w, signInPath+"?"+url.Values{"project_id": {me.project.ID}, "done": {"signed_out"}}.Encode())
		return
	}
	h.back(w, r, me.project.ID, "signed_out")
}

// signOutOthers ends every session of the person but this browser's.
func (h *Handler) signOutOthers(w http.ResponseWriter, r *http.Request, me signedIn) {
	if _, err := h.Accounts.EndOtherSessions(r.Context(), me.project.ID, me.user.ID, me.session.ID); err != nil {
		h.fault(w, r, err)
		return
	}
	h.back(w, r, me.project.ID, "signed_out_others")
}

// password changes the password: the current one is checked under the
// sign-in throttles (users.Service.ChangePassword). A refusal shows the
// page again with the reason above the form.
func (h *Handler) password(w http.ResponseWriter, r *http.Request, me signedIn) {
	current, next := r.PostForm.Get("current_password"), r.PostForm.Get("new_password")
	if current == "" || next == "" {
		h.render(w, r, me, http.StatusBadRequest, "", "Enter your current password and a new one.")
		return
	}
	err := h.Accounts.ChangePassword(r.Context(), me.project.ID, me.user.ID, current, next, h.ClientIP.Addr(r), me.session.ID)
	var inv *users.InvalidError
	switch {
	case err == nil:
		h.back(w, r, me.project.ID, "password_changed")
	case errors.Is(err, users.ErrThrottled):
		h.render(w, r, me, http.StatusTooManyRequests, "", "Too many attempts. Wait a few minutes, then try again.")
	case errors.Is(err, users.ErrBadCredentials):
		h.render(w, r, me, http.StatusUnauthorized, "", "Your current password is not right.")
	case errors.As(err, &inv) && inv.Code == "weak_password":
		h.render(w, r, me, http.StatusBadRequest, "", "The new password is too easy to guess. "+inv.Message)
	case errors.Is(err, users.ErrNoPassword):
		h.render(w, r, me, http.StatusBadRequest, "", "Your account has no password to change.")
	default:
		h.fault(w, r, err)
	}
}

// back sends the browser to the account page after an action (303, so a
// reload does not post again), with what the action did.
func (h *Handler) back(w http.ResponseWriter, _ *http.Request, projectID, done string) {
	seeOther(w, pagePath+"?"+url.Values{"project_id": {projectID}, "done": {done}}.Encode())
}

// seeOther answers a redirect to a path of this server: 303, so a form's
// POST is followed by a GET.
func seeOther(w http.ResponseWriter, to string) {
	redirect(w, http.StatusSeeOther, to)
}

func redirect(w http.ResponseWriter, status int, to string) {
	hd := w.Header()
	hd.Set("Location", to)
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
}

// safeReturn is where the sign-in form may send the browser back to: a
// path under /account on this server, with its query ("" for anything
// else). It refuses other origins and whatever a browser could read as
// one (scheme-relative //host, backslashes, control characters), paths
// that climb out of /account, and the sign-in form itself.
func safeReturn(raw string) string {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		return ""
	}
	for _, c := range raw {
		if c == '\\' || c < 0x20 || c == 0x7f {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || u.Fragment != "" {
		return ""
	}
	p := u.EscapedPath()
	if strings.Contains(p, "%") || path.Clean(p) != p {
		return "" // no encoded or dot segments to hide a climb
	}
	if p != pagePath && !strings.HasPrefix(p, pagePath+"/") || p == signInPath {
		return ""
	}
	return raw
}

// toSignIn sends a person who is not signed in to the sign-in form, and
// back to the account page after.
// expired says the session ended while a form was open.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request, projectID string, expired bool) {
	q := url.Values{"project_id": {projectID}, "return_to": {web.AccountURL(projectID)}}
	if expired {
		q.Set("done", "expired")
	}
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	redirect(w, status, signInPath+"?"+q.Encode())
}

// signInNotices are what the sign-in form says on arrival (done).
var signInNotices = map[string]string{
	"signed_out": "You are signed out.",
	"expired":    "Your session has ended. Sign in again, then try once more.",
}

// signInPage is the sign-in form; a person already signed in goes
// straight on.
func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p, ok := h.project(w, r, q.Get("project_id"))
	if !ok {
		return
	}
	to := safeReturn(q.Get("return_to"))
	if to == "" {
		to = web.AccountURL(p.ID)
	}
	_, in, err := h.person(r, p)
	switch {
	case err != nil:
		h.fault(w, r, err)
	case in:
		redirect(w, http.StatusFound, to)
	default:
		h.signInForm(w, r, p, http.StatusOK, to, "", "", signInNotices[q.Get("done")])
	}
}

// signIn is the sign-in form's POST: the hosted sign-in's password check
// and throttles, the session in the project's cookie, then return_to. As
// there, a wrong password and an unknown email get the same sentence.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	if !h.csrf().OK(r) {
		h.errorPage(w, r, http.StatusForbidden, "This page has expired",
			"The form was not sent from the sign-in page in this browser, or its cookies were cleared. Open your account page again.")
		return
	}
	f := r.PostForm
	p, ok := h.project(w, r, f.Get("project_id"))
	if !ok {
		return
	}
	to := safeReturn(f.Get("return_to"))
	if to == "" {
		to = web.AccountURL(p.ID)
	}
	email, pw := strings.TrimSpace(f.Get("email")), f.Get("password")
	if email == "" || pw == "" {
		h.signInForm(w, r, p, http.StatusBadRequest, to, email, "Enter your email address and password.", "")
		return
	}
	_, in, err := h.Accounts.SignInFrom(r.Context(), p.ID, email, pw, h.ClientIP.Addr(r), h.SessionDuration, r.UserAgent())
	switch {
	case err == nil:
		h.setSession(w, r, p.ID, in.Token, in.Session.ExpiresAt)
		seeOther(w, to)
	case errors.Is(err, users.ErrThrottled):
		h.signInForm(w, r, p, http.StatusTooManyRequests, to, email, "Too many sign-in attempts. Wait a few minutes, then try again.", "")
	case errors.Is(err, users.ErrBadCredentials), errors.Is(err, users.ErrUserNotFound):
		h.signInForm(w, r, p, http.StatusUnauthorized, to, email, "The email address or password is incorrect.", "")
	default:
		h.fault(w, r, err)
	}
}

// setSession puts a session token in the project's session cookie, as the
// hosted sign-in does (authorize.Hosted.setSession), expiring with it.
func (h *Handler) setSession(w http.ResponseWriter, r *http.Request, projectID, token string, expires time.Time) {
	web.SetCookie(w, r, h.Issuer, &http.Cookie{
		Name: authorize.SessionCookieName(projectID), Value: token, Path: "/",
		Expires: expires, MaxAge: max(1, int(expires.Sub(store.Now(h.Now)).Seconds())),
	})
}

// clearSession removes the project's session cookie.
func (h *Handler) clearSession(w http.ResponseWriter, r *http.Request, projectID string) {
	web.SetCookie(w, r, h.Issuer, &http.Cookie{Name: authorize.SessionCookieName(projectID), Value: "", Path: "/", MaxAge: -1})
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request, p store.Project, status int, returnTo, email, message, notice string) {
	page := web.AccountSignInPage{Brand: h.Branding, ProjectName: p.Name, Action: signInPath, CSRF: h.csrf().Token(w, r),
		ProjectID: p.ID, ReturnTo: returnTo, Email: email, Error: message, Notice: notice}
	h.write(w, r, status, func(b *bytes.Buffer) error { return web.AccountSignIn(b, page) })
}

// render shows the account page of me, with notice (what the last action
// did) or message (why the password form was refused).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, me signedIn, status int, notice, message string) {
	page, err := h.view(r.Context(), me)
	if err != nil {
		h.fault(w, r, err)
		return
	}
	page.Brand, page.Notice, page.Error, page.CSRF = h.Branding, notice, message, h.csrf().Token(w, r)
	h.write(w, r, status, func(b *bytes.Buffer) error { return web.Account(b, page) })
}

// errorPage explains a request that cannot be served, with the request ID
// to quote.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	h.write(w, r, status, func(b *bytes.Buffer) error {
		return web.Error(b, web.ErrorPage{Brand: h.Branding, Title: title, Message: message,
			Fine: "If this keeps happening, contact the support of the app you use.", SupportCode: api.RequestID(r)})
	})
}

// fault answers an unexpected error: a 503 page when the store did not
// answer in time, else a 500 page; the cause is logged, never shown.
func (h *Handler) fault(w http.ResponseWriter, r *http.Request, err error) {
	api.Logger(r.Context()).ErrorContext(r.Context(), "account page failed", "request_id", api.RequestID(r),
		"method", r.Method, "path", r.URL.Path, "err", err)
	if errors.Is(err, store.ErrUnavailable) {
		h.errorPage(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", "The service is busy or down for a moment. Try again shortly.")
		return
	}
	h.errorPage(w, r, http.StatusInternalServerError, "Something went wrong", "Your account page could not be shown. Try again later.")
}

// write sends a page with the hosted pages' headers: no script, forms to
// this server only, no framing, nothing cached (web.SetPageHeaders).
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, fn func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		api.Logger(r.Context()).ErrorContext(r.Context(), "account page failed", "request_id", api.RequestID(r), "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	web.SetPageHeaders(w, web.CSP{HTTPSImages: true, FormAction: []string{"'self'"}})
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
