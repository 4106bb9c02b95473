package banks

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
)

// FlowStore is what the verification flow keeps: its runs and the
// account selector's memory; and the users an API run links to.
type FlowStore interface {
	store.BankVerifications
	User(ctx context.Context, projectID, idOrExternalID string) (store.User, error)
}

// Apps finds the Connected App that calls the selector, by client ID in
// any project (*apps.ConnectedClients, the OAuth endpoints' cache).
type Apps interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
}

// Keys signs the account selector's answer with the project's key and
// checks it when it comes back (*keys.Manager).
type Keys interface {
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
	Verify(ctx context.Context, projectID, token string, allowed []jose.SignatureAlgorithm) ([]byte, jose.Header, error)
}

// Accounts turns what a bank asserted into a user and a session
// (*users.Service), with the users package's domain errors
// (accountFailure).
type Accounts interface {
	RecordBankVerification(ctx context.Context, projectID string, id users.BankIdentity) (users.BankResult, error)
	StartBankSession(ctx context.Context, projectID string, res users.BankResult, d time.Duration) (users.Issued, error)
}

// Login is the hosted sign-in page's side of a verification started there
// (*authorize.Hosted): it gets the browser back when the bank has
// answered.
type Login interface {
	// SignedIn puts the session a verification started into the
	// project's session cookie.
	SignedIn(w http.ResponseWriter, r *http.Request, s users.Issued)
	// ResumeAfterBank continues the carried authorization request with
	// the browser's session; the sign-in counts as fresh (prompt=login,
	// max_age) only if that session is freshUserID's ("" for none).
	ResumeAfterBank(w http.ResponseWriter, r *http.Request, authorizationRequest, freshUserID string)
	// LoginFailed shows the sign-in page of the carried request again
	// with message.
	LoginFailed(w http.ResponseWriter, r *http.Request, authorizationRequest string, status int, message string)
}

// Flow runs bank verifications, the relying-party flow of package rp from
// Signet to a project's banks (PAR, a signed request object when the bank
// has keys for us, JARM, PKCE S256, state and nonce), and serves the
// account selector. Routes:
//
//	GET  /select-bank                     the account selector (public)
//	POST /select-bank                     a choice in it
//	GET  /verify/selected                 the selector's answer for Signet's own flows
//	GET  /verify/begin                    an API flow's start URL
//	GET  /verify/search                   the search box of its selector
//	POST /verify/select                   a choice in an API flow's selector
//	GET  /verify/callback                 the banks' redirect URI
//	GET  /verify/resume                   back into the authorization request
//	POST /v1/bank_verifications/start         (project auth)
//	POST /v1/bank_verifications/authenticate  (project auth)
//	GET  /v1/bank_verifications/{id}          (project auth)
type Flow struct {
	Issuer   string // Signet's public base URL
	Auth     *projects.Auth
	Registry *Registry
	Store    FlowStore
	Apps     Apps
	Keys     Keys
	Pepper   secrets.Pepper
	Accounts Accounts
	Login    Login
	Branding web.Branding
	// SessionDuration is how long a session started by a verification on
	// the hosted pages lasts (default 12 hours, as a password sign-in).
	SessionDuration time.Duration
	// Timeout bounds each request to a bank (default rp.DefaultTimeout).
	Timeout time.Duration
	// HTTPClient talks to the banks (default: the rp package's own, which
	// never follows redirects).
	HTTPClient *http.Client
	// Observe, when set, is told how each run ended: "verified" or the
	// failure's error code (for a Prometheus counter).
	Observe func(outcome string)
	// Audit records each run's outcome in the audit log (nil: none).
	Audit *audit.Log
	// Limits bound what visitors without credentials can make Signet
	// write (zero: the defaults; see Limits).
	Limits Limits
	// ClientIP finds the client address the limits count against.
	ClientIP clientip.Resolver
	Now      func() time.Time

	clients rpClients
}

// Lifetimes.
const (
	// flowTTL bounds a run from its start to the authenticate call: long
	// enough to find a bank card reader, short enough that a forgotten tab
	// is no standing credential.
	flowTTL = 15 * time.Minute
	// choiceTTL is how long the selector remembers a visitor's bank.
	choiceTTL = 90 * 24 * time.Hour
	// visitorTTL is the life of Signet's own visitor cookie.
	visitorTTL = 400 * 24 * time.Hour
)

const (
	selectPath   = "/select-bank"
	selectedPath = "/verify/selected"
	beginPath    = "/verify/begin"
	choosePath   = "/verify/select"
	resumePath   = "/verify/resume"
	// flowCookie binds a run to the browser that started it:
	// "<id>.<secret>", of which the store keeps only a hash.
	flowCookie = "signet_verify"
	// visitorCookie is Signet's visitor ID for this browser,
	// "<id>.<mac>": the selector remembers a bank only for it.
	visitorCookie = "signet_visitor"
	maxForm       = 16 << 10
)

// Mount fills defaults and registers the routes on mux.
func (f *Flow) Mount(mux api.Router) {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.SessionDuration == 0 {
		f.SessionDuration = 12 * time.Hour
	}
	f.Limits.fill(f.Now)
	f.Issuer = strings.TrimRight(f.Issuer, "/")
	mux.HandleFunc("GET "+selectPath, f.text(f.selector))
	mux.HandleFunc("POST "+selectPath, f.text(f.choose))
	mux.HandleFunc("GET "+selectedPath, f.text(f.selected))
	mux.HandleFunc("GET "+beginPath, f.text(f.begin))
	mux.HandleFunc("GET "+beginSearchPath, f.text(f.search))
	mux.HandleFunc("POST "+choosePath, f.text(f.chooseInFlow))
	mux.HandleFunc("GET "+CallbackPath, f.text(f.callback))
	mux.HandleFunc("GET "+resumePath, f.text(f.resume))
	mux.Handle("POST /v1/bank_verifications/start", f.Auth.Wrap(f.start))
	mux.Handle("POST /v1/bank_verifications/authenticate", f.Auth.Wrap(f.authenticate))
	mux.Handle("GET /v1/bank_verifications/{bank_verification_id}", f.Auth.Wrap(f.get))
}

// text is the edge of these pages (api.ReadForm): a query or form with
// text that is not valid UTF-8, or a NUL, gets an error page before
// anything looks it up or stores it.
func (f *Flow) text(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := api.ReadForm(w, r, maxForm); err != nil {
			f.errorPage(w, r, http.StatusBadRequest, "Invalid request", "The request could not be read.")
			return
		}
		next(w, r)
	}
}

// observe tells the metrics and the audit log how run v ended.
func (f *Flow) observe(ctx context.Context, v store.BankVerification, outcome string) {
	if f.Observe != nil {
		f.Observe(outcome)
	}
	e := audit.Event{ProjectID: v.ProjectID, Type: audit.BankVerification, Subject: v.ID,
		Outcome: audit.Success, Details: map[string]string{"kind": v.Kind, "bank_id": v.BankID}}
	if outcome != "verified" {
		e.Outcome, e.Details["error"] = audit.Failure, outcome
	}
	f.Audit.Record(ctx, e)
}

// Offered reports whether the project has a bank to verify with (the
// sign-in page shows its button only then).
func (f *Flow) Offered(ctx context.Context, projectID string) bool {
	bs, err := f.Registry.Store.Banks(ctx, projectID)
	return err == nil && len(bs) > 0
}

// bankScopes are the scopes Signet may ask a bank for; a flow asks for
// openid, profile and email always and for the rest when its caller wants
// them.
var bankScopes = []string{"openid", "profile", "email", "phone", "address", "payment_details"}

func scopesFor(wanted []string) []string {
	out := []string{"openid", "profile", "email"}
	for _, s := range wanted {
		if slices.Contains(bankScopes, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// StartLogin begins a verification from the hosted sign-in page for the
// carried authorization request of clientID, and sends the browser to the
// account selector. scopes are the request's (the bank is asked for the
// identity ones among them).
//
// Anyone can press the button, so the runs it writes are bounded per
// client address (Limits): beyond the bounds the sign-in page shows
// again with 429.
func (f *Flow) StartLogin(w http.ResponseWriter, r *http.Request, projectID, clientID, authorizationRequest string, scopes []string) {
	source := f.clientSource(r)
	if !f.Limits.Limiter.Allow(r.Context(), source) {
		f.Login.LoginFailed(w, r, authorizationRequest, http.StatusTooManyRequests, tooManyStarts)
		return
	}
	visitor, _ := f.visitor(w, r)
	now := store.Now(f.Now)
	v := store.BankVerification{
		ID: newFlowID(), ProjectID: projectID, Kind: store.VerificationKindLogin, Status: store.VerificationPending,
		ClientID: clientID, AuthorizationRequest: authorizationRequest, VisitorID: visitor,
		Scopes: scopesFor(scopes), SourceHash: f.sourceHash(source), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(flowTTL),
	}
	secret := secrets.New("")
	v.BindingHash = f.Pepper.Hash(bindingLabel + secret)
	switch err := f.Store.CreateBankVerification(r.Context(), v, f.Limits.RunsPerSource); {
	case errors.Is(err, store.ErrLimitReached):
		f.Login.LoginFailed(w, r, authorizationRequest, http.StatusTooManyRequests, tooManyStarts)
		return
	case err != nil:
		f.internal(w, r, err)
		return
	}
	f.bind(w, r, v.ID, secret, v.ExpiresAt)
	// No visitor_id: the selector knows this browser by its cookie, and
	// the ID stays out of addresses and logs.
	q := selectorQuery{ClientID: clientID, Scope: strings.Join(v.Scopes, " "),
		OriginURL: f.Issuer + selectedPath, State: v.ID}
	seeOther(w, selectPath+"?"+q.encode())
}

func newFlowID() string { return "bank-verification-test-" + uuid.NewString() }

// Labels keep the flow's three secrets from standing in for each other.
const (
	bindingLabel = "signet-verify-binding\x00"
	beginLabel   = "signet-verify-begin\x00"
	resultLabel  = "signet-verify-result\x00"
)

// bind sets the cookie that ties run id to this browser.
// The cookie is SameSite=Lax (web.SetCookie): the bank's redirect back is
// a top-level GET from another site, which Lax lets the cookie ride on.
func (f *Flow) bind(w http.ResponseWriter, r *http.Request, id, secret string, expires time.Time) {
	web.SetCookie(w, r, f.Issuer, &http.Cookie{
		Name: flowCookie, Value: id + "." + secret, Path: "/verify/", Expires: expires,
		MaxAge: int(flowTTL.Seconds()),
	})
}

func (f *Flow) unbind(w http.ResponseWriter, r *http.Request) {
	web.SetCookie(w, r, f.Issuer, &http.Cookie{Name: flowCookie, Value: "", Path: "/verify/", MaxAge: -1})
}

// errUnbound: the browser holds no live run, or not the one it claims.
var errUnbound = errors.New("banks: no verification bound to this browser")

// bound returns the unexpired run this browser's cookie names, checking
// the cookie's secret against the stored hash in constant time.
func (f *Flow) bound(r *http.Request) (store.BankVerification, string, error) {
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return store.BankVerification{}, "", errUnbound
	}
	id, secret, ok := strings.Cut(c.Value, ".")
	if !ok || id == "" || secret == "" {
		return store.BankVerification{}, "", errUnbound
	}
	v, err := f.Store.BankVerification(r.Context(), id, store.Now(f.Now))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return v, "", errUnbound
	case err != nil:
		return v, "", err
	}
	if len(v.BindingHash) == 0 || !f.Pepper.Equal(v.BindingHash, bindingLabel+secret) {
		return store.BankVerification{}, "", errUnbound
	}
	return v, secret, nil
}

// visitor returns Signet's visitor ID for this browser, and whether the
// browser is established: it brought the ID in a cookie Signet set on an
// earlier response (the MAC, under the pepper, shows Signet made it). A
// browser without one gets a new ID, set in the cookie of this response.
// The selector remembers choices only for established visitors, so a
// client cannot mint a visitor per request.
func (f *Flow) visitor(w http.ResponseWriter, r *http.Request) (id string, established bool) {
	if c, err := r.Cookie(visitorCookie); err == nil {
		id, mac, _ := strings.Cut(c.Value, ".")
		m, err := base64.RawURLEncoding.DecodeString(mac)
		if err == nil && len(id) == 43 && f.Pepper.Equal(m, visitorLabel+id) {
			return id, true
		}
	}
	id = secrets.New("")
	mac := base64.RawURLEncoding.EncodeToString(f.Pepper.Hash(visitorLabel + id))
	web.SetCookie(w, r, f.Issuer, &http.Cookie{Name: visitorCookie, Value: id + "." + mac, Path: "/", MaxAge: int(visitorTTL.Seconds())})
	return id, false
}

// visitorLabel keeps the visitor cookie's MAC from standing in for any
// other peppered value.
const visitorLabel = "signet-visitor-cookie\x00"

// transition moves run id from one status to another exactly once,
// applying set to it on the way; errStale when it is no longer in from.
func (f *Flow) transition(ctx context.Context, id, from, to string, set func(*store.BankVerification)) (store.BankVerification, error) {
	return f.Store.UpdateBankVerification(ctx, id, store.Now(f.Now), func(v *store.BankVerification) error {
		if v.Status != from {
			return errStale
		}
		v.Status = to
		v.UpdatedAt = store.Now(f.Now)
		if set != nil {
			set(v)
		}
		return nil
	})
}

var errStale = errors.New("banks: verification is not in the expected state")

func seeOther(w http.ResponseWriter, to string) {
	h := w.Header()
	h.Set("Location", to)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusSeeOther)
}

// internal answers a fault of the server's: 503 when the store did not
// answer in time (store.ErrUnavailable: retrying soon may work), 500
// otherwise. The cause is logged, never shown.
func (f *Flow) internal(w http.ResponseWriter, r *http.Request, err error) {
	api.Logger(r.Context()).ErrorContext(r.Context(), "bank verification failed", "request_id", api.RequestID(r), "path", r.URL.Path, "err", err)
	var again *web.Link
	if r.Method == http.MethodGet {
		again = &web.Link{Label: "Try again", URL: r.URL.RequestURI()}
	}
	if errors.Is(err, store.ErrUnavailable) {
		f.page(w, r, http.StatusServiceUnavailable, web.ErrorPage{Title: "Temporarily unavailable",
			Message: "This service is busy or briefly down. This is temporary: wait a moment, then try again.", Action: again,
			Detail: "temporarily_unavailable"})
		return
	}
	f.page(w, r, http.StatusInternalServerError, web.ErrorPage{Title: "Something went wrong",
		Message: "The verification could not be completed because of an error on our side.", Action: again,
		Fine: "Nothing was changed in your account.", Detail: "server_error"})
}
