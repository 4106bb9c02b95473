package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Paths the app serves that Signet must know about: the Connected App's
// redirect URL and Origin URL are the app's base URL plus these.
const (
	CallbackPath = "/callback"
	SelectedPath = "/bank/selected"
)

// Scopes are what the app asks Signet for: the identity a bank
// verification can fill (OpenID Connect Core §5.4).
var Scopes = []string{oidc.ScopeOpenID, "email", "profile", "phone", "address"}

// Secret is a credential the app holds. It never prints.
type Secret string

// String returns "[redacted]".
func (Secret) String() string { return "[redacted]" }

// GoString keeps the secret out of %#v output.
func (Secret) GoString() string { return `demo.Secret("[redacted]")` }

// Config describes the app and the Signet project it signs in with. All
// fields but Hint, HTTPClient, Logger and Now are required.
type Config struct {
	// Issuer is Signet's issuer URL (no trailing slash); the management
	// API is served at the same base URL.
	Issuer string
	// ClientID and ClientSecret are the app's Connected App credentials
	// (a confidential first_party client, client_secret_basic).
	ClientID     string
	ClientSecret Secret
	// BaseURL is where the app is reached, e.g. http://127.0.0.1:3000; the
	// redirect URL is BaseURL + CallbackPath.
	BaseURL string
	// ProjectID and ProjectSecret authenticate to the management API.
	ProjectID     string
	ProjectSecret Secret
	// HTTPClient talks to Signet (default: a client with a 10 s timeout).
	// Hint is a sentence for the home page, e.g. the sandbox bank's test
	// login (optional).
	Hint string

	HTTPClient *http.Client
	Logger     *slog.Logger // default slog.Default()
	Now        func() time.Time
}

// Lifetimes of the app's server-side state.
const (
	loginTTL   = 10 * time.Minute // from /login to /callback
	sessionTTL = 8 * time.Hour    // a signed-in visitor
	visitorTTL = 365 * 24 * time.Hour
	// maxEntries bounds each in-memory table: /login is unauthenticated,
	// so its table must not grow without limit.
	maxEntries = 10000
)

// Cookie names. Browsers share cookies between ports of one host, so they
// must not collide with Signet's own (signet_*), which run on 127.0.0.1
// too.
const (
	loginCookie   = "demo_login"
	sessionCookie = "demo_session"
	visitorCookie = "demo_visitor"
)

// App is the demo relying party. It is an http.Handler.
type App struct {
	cfg    Config
	secure bool // cookies get Secure when the app is served over https
	mux    *http.ServeMux

	logins   *table[pendingLogin]
	sessions *table[profile]

	mu       sync.Mutex // guards the lazily discovered provider
	provider *oidc.Provider
	selKeys  *oidc.RemoteKeySet
}

// pendingLogin is what /login leaves for /callback.
type pendingLogin struct {
	State, Nonce, Verifier string
}

// New checks cfg and builds the app. It talks to Signet only when the
// first visitor signs in, so it can be built before Signet serves.
func New(cfg Config) (*App, error) {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	var errs []error
	for _, f := range []struct{ name, v string }{
		{"Issuer", cfg.Issuer}, {"ClientID", cfg.ClientID}, {"ClientSecret", string(cfg.ClientSecret)},
		{"BaseURL", cfg.BaseURL}, {"ProjectID", cfg.ProjectID}, {"ProjectSecret", string(cfg.ProjectSecret)},
	} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("%s is required", f.name))
			continue
		}
		if f.name != "Issuer" && f.name != "BaseURL" {
			continue
		}
		if u, err := url.Parse(f.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s must be an http(s) URL", f.name))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(append([]error{errors.New("demo: invalid Config")}, errs...)...)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &App{
		cfg:      cfg,
		secure:   strings.HasPrefix(cfg.BaseURL, "https://"),
		logins:   newTable[pendingLogin](cfg.Now),
		sessions: newTable[profile](cfg.Now),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.HandleFunc("GET "+CallbackPath, a.callback)
	mux.HandleFunc("GET "+SelectedPath, a.selected)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /logout", a.logout)
	mux.HandleFunc("GET /demo.css", asset("text/css; charset=utf-8", css))
	mux.HandleFunc("GET /favicon.svg", asset("image/svg+xml", favicon))
	a.mux = mux
	return a, nil
}

// RedirectURL is the app's redirect URI at Signet.
func (a *App) RedirectURL() string { return a.cfg.BaseURL + CallbackPath }

// ServeHTTP serves the app's routes.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// oidcProvider discovers Signet once (OpenID Connect Discovery §4; go-oidc
// requires the discovered issuer to equal Config.Issuer exactly). A failed
// discovery is retried on the next request.
func (a *App) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return a.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, a.cfg.HTTPClient), a.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	a.provider = p
	return p, nil
}

// oauth2Config is the code flow client for provider p.
func (a *App) oauth2Config(p *oidc.Provider) *oauth2.Config {
	ep := p.Endpoint()
	// The client is registered for client_secret_basic; no guessing.
	ep.AuthStyle = oauth2.AuthStyleInHeader
	return &oauth2.Config{
		ClientID:     a.cfg.ClientID,
		ClientSecret: string(a.cfg.ClientSecret),
		Endpoint:     ep,
		RedirectURL:  a.RedirectURL(),
		Scopes:       Scopes,
	}
}

// httpContext makes golang.org/x/oauth2 and go-oidc use the app's client.
func (a *App) httpContext(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, a.cfg.HTTPClient), a.cfg.HTTPClient)
}

// home is GET /: the signed-in user, or the way to sign in.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if p, ok := a.signedIn(r); ok {
		a.render(w, http.StatusOK, page{Profile: &p})
		return
	}
	a.render(w, http.StatusOK, page{SelectorURL: a.selectorURL(w, r)})
}

// logout forgets the signed-in user here, then ends the Signet session
// too (OpenID Connect RP-Initiated Logout 1.0): the browser goes to
// Signet's end_session_endpoint with the sign-in's ID token as
// id_token_hint, and comes back to the home page (a registered
// post_logout_redirect_uri). Without a sign-in here, or when Signet
// cannot be reached, it just goes home.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	var idToken string
	if c, err := r.Cookie(sessionCookie); err == nil {
		if p, ok := a.sessions.take(c.Value); ok {
			idToken = p.idToken
		}
	}
	a.clearCookie(w, sessionCookie, "/")
	if to := a.endSessionURL(r.Context(), idToken); to != "" {
		seeOther(w, to)
		return
	}
	seeOther(w, "/")
}

// PostLogoutPath is where Signet sends the browser back after a sign-out
// (the app's post_logout_redirect_uri is BaseURL + PostLogoutPath).
const PostLogoutPath = "/"

// endSessionURL is Signet's end_session_endpoint for idToken, or "".
func (a *App) endSessionURL(ctx context.Context, idToken string) string {
	if idToken == "" {
		return ""
	}
	p, err := a.oidcProvider(ctx)
	if err != nil {
		return ""
	}
	var md struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&md); err != nil || md.EndSession == "" {
		return ""
	}
	q := url.Values{"id_token_hint": {idToken}, "client_id": {a.cfg.ClientID},
		"post_logout_redirect_uri": {a.cfg.BaseURL + PostLogoutPath}}
	return md.EndSession + "?" + q.Encode()
}

func (a *App) signedIn(r *http.Request) (profile, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return profile{}, false
	}
	return a.sessions.get(c.Value)
}

func (a *App) setCookie(w http.ResponseWriter, name, value, path string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: a.secure,
		// Lax: Signet's redirect back to /callback is a top-level GET,
		// which Lax lets the cookie ride on.
		SameSite: http.SameSiteLaxMode})
}

func (a *App) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode})
}

func seeOther(w http.ResponseWriter, to string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusSeeOther)
}
