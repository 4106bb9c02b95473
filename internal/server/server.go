package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/signet-id/signet/internal/account"
	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/apps"
	"github.com/signet-id/signet/internal/audit"
	"github.com/signet-id/signet/internal/authorize"
	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/discovery"
	"github.com/signet-id/signet/internal/dpop"
	"github.com/signet-id/signet/internal/home"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/logout"
	"github.com/signet-id/signet/internal/memberauth"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/rbac"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/token"
	"github.com/signet-id/signet/internal/users"
	"github.com/signet-id/signet/internal/web"
	"github.com/signet-id/signet/oidc"
)

// Config holds the server's dependencies. All fields are required unless
// noted.
type Config struct {
	// Issuer is the public base URL, e.g. "https://id.example.com"; a
	// trailing slash is removed.
	Issuer string
	Store  store.Store
	Keys   *keys.Manager
	Pepper secrets.Pepper
	Logger *slog.Logger
	// MTLSBaseURL is the base URL of the mutual-TLS listener, e.g.
	// "https://mtls.id.example.com" (optional): when set, discovery
	// publishes its endpoint aliases and certificate-bound access tokens
	// (RFC 8705 §5, §3.3), and client assertions may name its endpoints.
	MTLSBaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Branding is the look of the hosted login and consent pages
	// (optional; zero is Signet's own), e.g. the sandbox bank's.
	Branding web.Branding
	// BankSealer encrypts bank client credentials at rest (optional:
	// without it the bank registry API, /v1/banks, is not mounted). The
	// composition root makes it from the master key, which stays there.
	BankSealer *banks.Sealer
	// BankLimits bound what visitors without credentials can make the
	// bank flow write (optional; zero fields take banks' defaults).
	BankLimits banks.Limits
	// LogoutHTTP posts back-channel logout tokens (optional: a client
	// with internal/logout's timeout, traced when tracing is on).
	LogoutHTTP *http.Client
	// TrustedProxies are the proxies whose X-Forwarded-For is believed
	// about the client's address (internal/clientip; optional: none).
	TrustedProxies []netip.Prefix
	// SignInThrottle slows password guessing on the API and the sign-in
	// page (optional: users.DefaultThrottle).
	SignInThrottle users.Throttle
	// Ready reports what else makes the instance unfit to serve, beyond a
	// database that does not answer (optional): the composition root
	// checks that the master key is still the database's and that every
	// signing key opens. Its error is /readyz's reason.
	Ready func(ctx context.Context) error
	// Build names the running build in signet_build_info (optional:
	// "unknown"; the Go version is the runtime's).
	Build Build
	// Tracing makes a span of every request, continuing the caller's
	// trace when the request carries a W3C traceparent (optional: none;
	// serve --otlp-endpoint exports them).
	Tracing trace.TracerProvider
	// SeparateAdmin serves /metrics on AdminHandler only (serve
	// --admin-addr), not on the public listener, so metrics need not be
	// exposed to the internet. /healthz and /readyz stay on both: load
	// balancers and the container's healthcheck probe the public port.
	SeparateAdmin bool
	// ErrorURLBase is the URL of the error reference (docs/errors.md)
	// that the error_url of every Stytch envelope points into, as
	// <base>#<error_type> (optional: the page this server serves,
	// Issuer + api.ErrorDocsPath).
	ErrorURLBase string
}

// Build is what signet_build_info reports.
type Build struct {
	Version  string // module version, or the release's
	Revision string // VCS revision
}

// clientCacheTTL bounds how long another node keeps accepting a client
// that was deactivated, deleted or rotated away when the change
// notification does not reach it (store.Changes; this node forgets at
// once, and other nodes as soon as they hear of the change).
const clientCacheTTL = 5 * time.Second

// Server is a built Signet HTTP server.
type Server struct {
	cfg         Config
	errorDocs   string // error_url's base (Config.ErrorURLBase)
	handler     http.Handler
	admin       http.Handler // AdminHandler
	metrics     *metrics
	httpsIssuer bool              // HSTS on every response (transportHeaders)
	clientIP    clientip.Resolver // the client address the audit log records
	tracer      trace.Tracer      // nil without Config.Tracing
	writeProbe  writeProbe        // readiness (ready.go)
	routes      []string          // every pattern mounted, in order (routes.go)
	logouts     *logout.Sender    // back-channel logout deliveries (Run)
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	cfg.MTLSBaseURL = strings.TrimRight(cfg.MTLSBaseURL, "/")
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo(cfg.Build))
	s := &Server{cfg: cfg, metrics: newMetrics(reg), httpsIssuer: strings.HasPrefix(cfg.Issuer, "https://")}
	if cfg.Tracing != nil {
		s.tracer = cfg.Tracing.Tracer("github.com/signet-id/signet/internal/server")
	}
	s.errorDocs = cfg.ErrorURLBase
	if s.errorDocs == "" {
		s.errorDocs = cfg.Issuer + api.ErrorDocsPath
	}

	mux := &recorder{ServeMux: http.NewServeMux(), patterns: &s.routes}
	projectAuth := projects.NewAuth(cfg.Store, cfg.Pepper, 30*time.Second)

	// Management API (HTTP Basic project_id:secret), one Mount per domain.
	clientIP := clientip.New(cfg.TrustedProxies)
	s.clientIP = clientIP
	// The audit log: security events, written by the services that do
	// them, paged through by the project's backend.
	auditLog := audit.New(cfg.Store, audit.Options{Now: cfg.Now, Observe: s.metrics.observeAudit, Failed: s.metrics.auditFailures.Inc})
	(&audit.Handler{Auth: projectAuth, Store: cfg.Store}).Mount(mux)
	// RBAC: each project's policy, which session authentication's
	// authorization_check (consumer and B2B), role assignments and the
	// policy routes share.
	policies := rbac.NewService(cfg.Store, cfg.Now)
	// Users: the service the other packages call, and its routes.
	accounts := users.NewService(users.Config{
		Store:    cfg.Store,
		Keys:     cfg.Keys,
		Pepper:   cfg.Pepper,
		Issuer:   cfg.Issuer,
		Throttle: cfg.SignInThrottle,
		Now:      cfg.Now,
		Audit:    auditLog,
		Policies: policies,
	})
	(&users.Handler{Auth: projectAuth, Service: accounts, ClientIP: clientIP, Policies: policies}).Mount(mux)
	// M2M clients: the token endpoint reads them through clientCache, which
	// the management API tells about every change it makes.
	clientCache := apps.NewCache(cfg.Store, clientCacheTTL, cfg.Now)
	(&apps.M2M{Auth: projectAuth, Store: cfg.Store, Cache: clientCache, Pepper: cfg.Pepper, Now: cfg.Now, Audit: auditLog}).Mount(mux)

	// Connected Apps clients: the OAuth endpoints read them through
	// connectedClients, which the management API tells about every change.
	connectedClients := apps.NewConnectedClients(cfg.Store, cfg.Pepper, clientCacheTTL, cfg.Now)
	(&apps.Connected{Auth: projectAuth, Store: cfg.Store, Cache: connectedClients, Pepper: cfg.Pepper, Now: cfg.Now, Keys: cfg.Keys,
		Audit: auditLog}).Mount(mux)
	(&apps.UserApps{Auth: projectAuth, Store: cfg.Store, Now: cfg.Now}).Mount(mux)
	// Dynamic client registration (RFC 7591, RFC 7592) of Connected Apps,
	// and the initial access tokens it takes.
	(&apps.Registration{Issuer: cfg.Issuer, Store: cfg.Store, Cache: connectedClients, Pepper: cfg.Pepper, Keys: cfg.Keys,
		Scopes: authorize.Scopes(), Audit: auditLog, Now: cfg.Now,
		// Open registration writes for anyone: per address, the bank
		// flow's bound on anonymous writes.
		OpenLimit: banks.NewMemoryLimiter(banks.DefaultRate, banks.DefaultBurst, cfg.Now), ClientIP: clientIP}).Mount(mux)
	(&apps.RegistrationTokens{Auth: projectAuth, Store: cfg.Store, Pepper: cfg.Pepper, Now: cfg.Now}).Mount(mux)
	// B2B organizations and members (B2B projects only; project
	// authentication refuses each vertical the other's routes).
	organizations := &orgs.Service{Store: cfg.Store, Now: cfg.Now, Audit: auditLog, Policies: policies}
	(&orgs.Handler{Auth: projectAuth, Orgs: organizations}).Mount(mux)
	(&rbac.Handler{Auth: projectAuth, Policies: policies, Orgs: organizations, OrgError: orgs.APIError}).Mount(mux)
	// B2B sign-in: member passwords (under the users service's sign-in
	// throttles) and member sessions.
	members := memberauth.NewService(memberauth.Config{
		Store: cfg.Store, Orgs: organizations, Guard: accounts, Keys: cfg.Keys, Pepper: cfg.Pepper, Issuer: cfg.Issuer, Now: cfg.Now,
	})
	(&memberauth.Handler{Auth: projectAuth, Service: members, ClientIP: clientIP, Policies: policies}).Mount(mux)
	// B2B discovery: intermediate sessions, the organizations an email
	// can enter, the exchange into one of them.
	(&memberauth.DiscoveryHandler{Auth: projectAuth, Discovery: memberauth.NewDiscovery(members, organizations, cfg.Store),
		ClientIP: clientIP}).Mount(mux)
	jwksHTTP, banksHTTP := s.outboundClients()
	var bankRegistry *banks.Registry
	if cfg.BankSealer != nil {
		bankRegistry = &banks.Registry{Store: cfg.Store, Sealer: cfg.BankSealer, Now: cfg.Now}
		(&banks.Handler{Auth: projectAuth, Registry: bankRegistry, CallbackURL: cfg.Issuer + banks.CallbackPath, HTTPClient: banksHTTP}).Mount(mux)
	}

	// Client authentication (package clientauth): the keys Connected Apps
	// register (request objects, private_key_jwt, JWE to the client), and
	// the authenticator PAR and the token side share.
	clientKeys := &clientauth.KeySets{Now: cfg.Now, HTTP: jwksHTTP}
	trustAnchors := &clientauth.TrustAnchors{Projects: cfg.Store, Now: cfg.Now}
	clientAuth := &clientauth.Authenticator{Clients: connectedClients, JTIs: cfg.Store, Keys: clientKeys, Anchors: trustAnchors, Now: cfg.Now}
	// DPoP (RFC 9449): proofs' JWT IDs are used once through the store;
	// nonces are an HMAC under a key derived from the pepper, so every
	// node makes and accepts the same.
	dpopChecker := &dpop.Checker{JTIs: cfg.Store, Now: cfg.Now}
	if cfg.Pepper != (secrets.Pepper{}) { // some tests run without one
		dpopChecker.NonceKey = []byte(cfg.Pepper.Derive(dpopNonceLabel, ""))
	}

	// Authorization: one core, three front ends (the consent API, the
	// hosted pages, whose sign-in is the users service's, and PAR).
	authorizer := &authorize.Authorizer{
		Issuer:       cfg.Issuer,
		Clients:      connectedClients,
		Store:        cfg.Store,
		Keys:         cfg.Keys,
		Pepper:       cfg.Pepper,
		Pushed:       cfg.Store,
		ClientKeys:   clientKeys,
		JTIs:         cfg.Store,
		ResponseKeys: cfg.Keys,
		Policies:     policies,
		Now:          cfg.Now,
	}
	(&authorize.API{Auth: projectAuth, Core: authorizer, Sessions: accounts}).Mount(mux)
	(&authorize.B2BAPI{Auth: projectAuth, Core: authorizer, Members: organizations, Sessions: members}).Mount(mux)
	hosted := &authorize.Hosted{Core: authorizer, Accounts: accounts, Pepper: cfg.Pepper, Branding: cfg.Branding, ClientIP: clientIP}
	if bankRegistry != nil {
		// Bank verification: the account selector, the relying-party flow
		// to the project's banks, and its API. The sign-in page starts it
		// and gets the browser back when the bank has answered.
		flow := &banks.Flow{
			Issuer:   cfg.Issuer,
			Auth:     projectAuth,
			Registry: bankRegistry,
			Store:    cfg.Store,
			Apps:     connectedClients,
			Keys:     cfg.Keys,
			Pepper:   cfg.Pepper,
			Accounts: accounts,
			Login:    hosted,
			Branding: cfg.Branding,
			Observe:  func(outcome string) { s.metrics.verifications.WithLabelValues(outcome).Inc() },
			Audit:    auditLog,
			// Traced (tracedTransport), or nil for rp's own client.
			HTTPClient: banksHTTP,
			Limits:     cfg.BankLimits,
			ClientIP:   clientIP,
			Now:        cfg.Now,
		}
		flow.Mount(mux)
		// The one tie made after construction: the sign-in page and the
		// bank flow hand the browser to each other (StartLogin one way;
		// SignedIn, ResumeAfterBank and LoginFailed the other), so each
		// needs the other and one of them must be told second.
		hosted.Banks = flow
	}
	hosted.Mount(mux)
	web.Mount(mux)
	(&authorize.PAR{Core: authorizer, ClientAuth: clientAuth, DPoP: dpopChecker, MTLSBaseURL: cfg.MTLSBaseURL}).Mount(mux)

	// OAuth / OpenID endpoints: the token endpoint, and the three where
	// its tokens come back, which recognise them through one Checker.
	tokens := &token.Handler{
		DPoP:         dpopChecker,
		Issuer:       cfg.Issuer,
		Clients:      clientCache,
		Projects:     cfg.Store,
		Keys:         cfg.Keys,
		Pepper:       cfg.Pepper,
		ClientAuth:   clientAuth,
		Grants:       cfg.Store,
		Users:        cfg.Store,
		Members:      cfg.Store,
		PolicyScopes: authorizer,
		ClientKeys:   clientKeys,
		Now:          cfg.Now,
		Issued:       func(grant, alg string) { s.metrics.tokens.WithLabelValues(grant, alg).Inc() },
	}
	tokens.Mount(mux)
	checker := &token.Checker{
		DPoP:        dpopChecker,
		MTLSBaseURL: cfg.MTLSBaseURL,
		Issuer:      cfg.Issuer,
		Keys:        cfg.Keys,
		Apps:        connectedClients,
		Grants:      cfg.Store,
		Pepper:      cfg.Pepper,
		Now:         cfg.Now,
	}
	(&token.UserInfo{Tokens: checker, Users: cfg.Store, Members: cfg.Store}).Mount(mux)
	(&token.PaymentDetails{Tokens: checker, Users: cfg.Store}).Mount(mux)
	(&token.Introspection{Clients: clientCache, ClientAuth: clientAuth, Pepper: cfg.Pepper, Tokens: checker,
		MTLSBaseURL: cfg.MTLSBaseURL, Members: cfg.Store}).Mount(mux)
	(&token.Revocation{Clients: clientCache, ClientAuth: clientAuth, Pepper: cfg.Pepper, Tokens: checker,
		MTLSBaseURL: cfg.MTLSBaseURL,
		Grants:      cfg.Store, Now: cfg.Now}).Mount(mux)

	// Back-channel logout: the store queues a delivery when a session
	// ends; Run delivers them in the background.
	if cfg.Keys != nil {
		logoutHTTP := cfg.LogoutHTTP
		if logoutHTTP == nil && s.tracer != nil {
			logoutHTTP = &http.Client{Transport: tracedTransport{base: http.DefaultTransport, tracer: s.tracer}, Timeout: logout.DefaultTimeout}
		}
		s.logouts = logout.New(logout.Config{
			Issuer: cfg.Issuer, Store: cfg.Store, Clients: connectedClients, Keys: cfg.Keys, HTTP: logoutHTTP,
			Now: cfg.Now, Logger: cfg.Logger, Observe: func(outcome string) { s.metrics.logouts.WithLabelValues(outcome).Inc() },
		})
	}

	disc := &discovery.Handler{
		Metadata: s.metadata(),
		Keys:     cfg.Keys,
		Projects: cfg.Store,
		ProjectRegistrationEndpoint: func(projectID string) string {
			return cfg.Issuer + apps.ProjectRegistrationPath(projectID)
		},
	}
	disc.Mount(mux)

	// Every cache of records another process may change hears of the
	// change when it commits (store.Changes: LISTEN/NOTIFY on Postgres),
	// so nodes sharing a database agree at once; each cache's TTL bounds
	// the rest (a notification lost while a listener reconnects).
	forgetters := map[string]func(string){
		store.TopicM2MClient:    clientCache.Forget,
		store.TopicConnectedApp: connectedClients.Forget,
		store.TopicRBACPolicy:   policies.Forget,
		store.TopicSession:      accounts.ForgetSession,
		store.TopicUser:         accounts.ForgetUser,
		store.TopicProject: func(id string) {
			projectAuth.Forget(id)
			tokens.ForgetProject(id)
			trustAnchors.Forget(id)
		},
	}
	if cfg.Keys != nil { // a server without signing keys (some tests) has no key cache
		forgetters[store.TopicKeys] = cfg.Keys.Invalidate
	}
	for topic, forget := range forgetters {
		cfg.Store.Subscribe(topic, forget)
	}

	// The person's own account page: the apps they allowed, their
	// sessions and banks, their password; signed in as on the hosted pages.
	(&account.Handler{Issuer: cfg.Issuer, Accounts: accounts, Store: cfg.Store, Policies: policies, Pepper: cfg.Pepper,
		Branding: cfg.Branding, ClientIP: clientIP, Now: cfg.Now}).Mount(mux)

	// What this server is, for a browser at /, and its documents (the
	// error reference error_url points into, the OpenAPI description).
	(&home.Handler{Issuer: cfg.Issuer, Branding: cfg.Branding}).Mount(mux)

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if !cfg.SeparateAdmin {
		mux.Handle("GET /metrics", metrics)
	}
	admin := http.NewServeMux()
	admin.HandleFunc("GET /healthz", s.healthz)
	admin.HandleFunc("GET /readyz", s.readyz)
	admin.Handle("GET /metrics", metrics)
	s.admin = admin

	s.handler = s.middleware(mux.ServeMux)
	return s
}

// Run does the server's background work until ctx ends: delivering
// back-channel logout tokens (internal/logout). Every node runs it.
func (s *Server) Run(ctx context.Context) {
	if s.logouts != nil {
		s.logouts.Run(ctx)
	}
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// AdminHandler serves the operator's routes for an admin listener
// (serve --admin-addr): /metrics, /healthz and /readyz, and nothing else.
// Its requests are not counted in the HTTP metrics or logged: scrapes and
// probes every few seconds would drown the rest.
func (s *Server) AdminHandler() http.Handler { return s.admin }

// buildInfo is signet_build_info: constant 1, the build in its labels
// (the Prometheus convention for version information).
func buildInfo(b Build) prometheus.Collector {
	unknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "signet_build_info",
		Help: "The running build: version, VCS revision and Go version (value always 1).",
		ConstLabels: prometheus.Labels{"version": unknown(b.Version), "revision": unknown(b.Revision),
			"goversion": runtime.Version()},
	})
	g.Set(1)
	return g
}

// dpopNonceLabel names the key DPoP nonces are made with
// (secrets.Pepper.Derive); the NUL keeps it apart from every credential.
const dpopNonceLabel = "signet/dpop-nonce/v1\x00"

// metadata is the discovery document: only what this server really serves.
func (s *Server) metadata() oidc.Metadata {
	iss := s.cfg.Issuer
	// JWE algorithms of JARM and ID tokens: the client registration
	// allowlist (internal/apps).
	encryptionAlgs := []string{"RSA-OAEP", "RSA-OAEP-256"}
	encryptionEncs := []string{"A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"}
	// private_key_jwt assertions (package clientauth), at every endpoint
	// that authenticates clients.
	clientAssertionAlgs := []string{"PS256", "ES256"}
	md := oidc.Metadata{
		Issuer:                            iss,
		AuthorizationEndpoint:             iss + authorize.AuthorizationPath,
		TokenEndpoint:                     iss + token.TokenPath,
		UserinfoEndpoint:                  iss + token.UserInfoPath,
		IntrospectionEndpoint:             iss + token.IntrospectionPath,
		RevocationEndpoint:                iss + token.RevocationPath,
		RegistrationEndpoint:              iss + apps.RegistrationPath, // RFC 7591 §3
		JWKSURI:                           iss + "/.well-known/jwks.json",
		ScopesSupported:                   authorize.Scopes(),
		GrantTypesSupported:               token.GrantTypes(),
		TokenEndpointAuthMethodsSupported: token.AuthMethods(),
		// private_key_jwt (package clientauth)
		TokenEndpointAuthSigningAlgValuesSupported: clientAssertionAlgs,
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     authorize.ResponseModes(true),
		SubjectTypesSupported:                      []string{"public"},
		// ID tokens: RS256 by default (OIDC Core §15.1), or what a client
		// registers as id_token_signed_response_alg (internal/apps), and
		// encrypted as the registration allowlist allows.
		IDTokenSigningAlgValuesSupported:    token.IDTokenSigningAlgs(),
		IDTokenEncryptionAlgValuesSupported: encryptionAlgs,
		IDTokenEncryptionEncValuesSupported: encryptionEncs,
		ClaimsSupported:                     token.Claims(),
		ClaimsParameterSupported:            true, // OIDC Core §5.5
		ACRValuesSupported:                  authorize.ACRValues(),
		DPoPSigningAlgValuesSupported:       dpop.AlgNames(), // RFC 9449 §5.1
		// The bank network's endpoint (reference/idpartner-protocol.md §3.9).
		PaymentDetailsInfoEndpoint:    iss + token.PaymentDetailsPath,
		CodeChallengeMethodsSupported: []string{"S256"},
		// RFC 8414 §2: introspection takes confidential clients only,
		// revocation public ones too.
		IntrospectionEndpointAuthMethodsSupported: token.IntrospectionAuthMethods(),
		RevocationEndpointAuthMethodsSupported:    token.AuthMethods(),
		// RFC 8414 §2: required with private_key_jwt among the methods
		// (openid-client refuses a private_key_jwt client without them).
		IntrospectionEndpointAuthSigningAlgValuesSupported: clientAssertionAlgs,
		RevocationEndpointAuthSigningAlgValuesSupported:    clientAssertionAlgs,
		PushedAuthorizationRequestEndpoint:                 iss + authorize.PARPath,
		RequirePushedAuthorizationRequests:                 new(bool), // per client (require_pushed_authorization_requests)
		RequestParameterSupported:                          true,
		RequestURIParameterSupported:                       new(bool), // PAR request_uris only
		RequestObjectSigningAlgValuesSupported:             authorize.RequestObjectAlgs(),
		// JARM: signing algs a client may register; encryption as the
		// client registration allowlist (internal/apps) allows.
		AuthorizationSigningAlgValuesSupported:    []string{"PS256", "ES256"},
		AuthorizationEncryptionAlgValuesSupported: encryptionAlgs,
		AuthorizationEncryptionEncValuesSupported: encryptionEncs,
		// RFC 9207: iss is in every authorization response.
		AuthorizationResponseIssParameterSupported: true,
		// OpenID Connect RP-Initiated Logout 1.0 (the hosted pages) and
		// Back-Channel Logout 1.0 (internal/logout), with sid in ID and
		// logout tokens.
		EndSessionEndpoint:                iss + authorize.EndSessionPath,
		BackchannelLogoutSupported:        true,
		BackchannelLogoutSessionSupported: true,
	}
	if m := s.cfg.MTLSBaseURL; m != "" {
		// RFC 8705 §5: the endpoints a client authenticates at (or
		// presents a bound token to) with its certificate.
		md.MTLSEndpointAliases = &oidc.MTLSEndpointAliases{
			TokenEndpoint:                      m + token.TokenPath,
			UserinfoEndpoint:                   m + token.UserInfoPath,
			IntrospectionEndpoint:              m + token.IntrospectionPath,
			RevocationEndpoint:                 m + token.RevocationPath,
			PushedAuthorizationRequestEndpoint: m + authorize.PARPath,
			PaymentDetailsInfoEndpoint:         m + token.PaymentDetailsPath,
		}
		md.TLSClientCertificateBoundAccessTokens = true
	}
	return md
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}`))
}
