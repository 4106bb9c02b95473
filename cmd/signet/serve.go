package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/server"
)

// serveOpts are serve's settings.
type serveOpts struct {
	common
	signIn                       signInFlags
	addr, issuer, adminAddr      string
	otlpEndpoint                 string
	keyTTL                       func() (time.Duration, error)
	storeTimeout, dbWait         time.Duration
	errorURLBase                 string
	mtlsAddr, mtlsIssuer         string
	tlsCert, tlsKey              string
	logLevel, logFormat          string
	auditRetention               time.Duration
	dev                          bool
	dataDir                      string
	bankAddr, bankMTLSAddr, demo string
}

// devDataDir is where serve --dev keeps everything it writes (in
// .gitignore).
const devDataDir = ".signet-dev"

// registerServe defines serve's flags; every one is a setting.
func registerServe(fs *flagSet) *serveOpts {
	o := &serveOpts{}
	o.register(fs)
	o.signIn.register(fs)
	fs.stringSetting(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.stringSetting(&o.issuer, "issuer", "", "public base URL, no trailing slash (default http://<addr>)")
	fs.stringSetting(&o.adminAddr, "admin-addr", "",
		"listen address of the admin listener serving /metrics, /healthz and /readyz; when set, /metrics is served there only, not on --addr (off when empty)")
	o.keyTTL = keyCacheTTLFlag(fs)
	fs.durationSetting(&o.storeTimeout, "store-timeout", defaultStoreTimeout,
		"deadline of each database operation of a request; past it the request answers 503")
	fs.durationSetting(&o.dbWait, "db-wait", defaultDBWait,
		"how long to keep retrying, with backoff, a database that cannot be reached at start-up; 0 tries once")
	fs.stringSetting(&o.errorURLBase, "error-url-base", "",
		"URL of the error reference that every error_url points into, as <base>#<error_type> (default <issuer>/docs/errors, served by Signet)")
	fs.stringSetting(&o.mtlsAddr, "mtls-addr", "",
		"mutual-TLS listen address for tls_client_auth and certificate-bound tokens, RFC 8705 (off when empty)")
	fs.stringSetting(&o.mtlsIssuer, "mtls-issuer", "", "public base URL of the mutual-TLS listener (default https://<mtls-addr>)")
	fs.stringSetting(&o.tlsCert, "tls-cert", "", "PEM server certificate of the mutual-TLS listener")
	fs.stringSetting(&o.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	fs.stringSetting(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.stringSetting(&o.otlpEndpoint, "otlp-endpoint", "",
		"OTLP/HTTP URL to send a trace span of every request to, e.g. http://collector:4318/v1/traces; W3C traceparent is followed (off when empty)")
	fs.durationSetting(&o.auditRetention, "audit-retention", defaultAuditRetention,
		"how long audit events are kept (GET /v1/audit_events); older ones are purged every minute")
	fs.stringSetting(&o.logFormat, "log-format", "text",
		"text (key=value) or json (one object per line); every request logs one info-level access line")
	fs.boolSetting(&o.dev, "dev", false,
		"local demo: a master key, demo projects (consumer and B2B), the sandbox bank and the demo app, everything kept in --data-dir; prints what to open")
	fs.stringSetting(&o.dataDir, "data-dir", devDataDir,
		"with --dev: the directory of everything dev mode writes (database, master key, demo credentials, sandbox bank files)")
	fs.stringSetting(&o.bankAddr, "sandbox-bank-addr", "127.0.0.1:9001", "with --dev: the sandbox bank's listen address (\"\" disables the bank)")
	fs.stringSetting(&o.bankMTLSAddr, "sandbox-bank-mtls-addr", "127.0.0.1:9443", "with --dev: the sandbox bank's mutual-TLS listen address (\"\" for none)")
	fs.stringSetting(&o.demo, "demo-app-addr", "127.0.0.1:3000", "with --dev: the demo app's listen address (\"\" disables the app)")
	return o
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	o := registerServe(fs)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := o.check(stderr); err != nil {
		return err
	}
	trustedProxies, throttle, err := o.signIn.config()
	if err != nil {
		return err
	}
	ttl, err := o.keyTTL()
	if err != nil {
		return err
	}
	if o.dev {
		o.devDir = o.dataDir
	}
	st, ring, err := o.openServing(ctx, o.dbWait, o.storeTimeout)
	if err != nil {
		return err
	}
	defer logClose(st, "database")
	slog.Info("signet serve", "db", fs.shown("db"), "master_key", ring.KeyID, "addr", o.addr, "issuer", o.issuer,
		"config", fs.config, "dev", o.dev)

	nc := netConfig{Addr: o.addr, Issuer: o.issuer, MTLSAddr: o.mtlsAddr, MTLSIssuer: o.mtlsIssuer, TLSCert: o.tlsCert, TLSKey: o.tlsKey}
	if o.dev {
		nc.DevCert = filepath.Join(o.dataDir, "signet-mtls")
	}
	km := keys.NewManager(st, ring.Master, keys.Options{CacheTTL: ttl})
	// Projects made before every project got all its keys at creation get
	// the missing ones now; they sign once every node serves them.
	if err := projects.EnsureKeys(ctx, st, km); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	// Every project's keys are opened now: the first requests find them
	// parsed, and a key that does not open is logged and makes /readyz
	// say so from the start.
	ps, err := st.ListProjects(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	if err := km.Warm(ctx, ids); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	ln, err := nc.listen(ctx)
	if err != nil {
		return err
	}
	v, rev := buildVersion()
	tp, stopTracing, err := newTracing(ctx, o.otlpEndpoint, v)
	if err != nil {
		ln.close()
		return err
	}
	defer stopTracing()
	var tracing trace.TracerProvider // nil interface without a provider
	if tp != nil {
		tracing = tp
	}
	srv := server.New(server.Config{
		Issuer:        ln.issuer,
		Store:         st,
		Keys:          km,
		Pepper:        ring.Pepper,
		Logger:        slog.Default(),
		Build:         server.Build{Version: v, Revision: rev},
		SeparateAdmin: o.adminAddr != "",
		Tracing:       tracing,
		// The bank registry's credentials key, derived here so the master
		// key itself never reaches the server.
		BankSealer: banks.NewSealer(ring.Master),
		// Empty unless --mtls-addr: no aliases are published then.
		MTLSBaseURL:    ln.mtlsBase,
		TrustedProxies: trustedProxies,
		SignInThrottle: throttle,
		ErrorURLBase:   o.errorURLBase,
		// Not ready while the database's master key is another (rotated
		// since start) or a signing key does not open.
		Ready: func(ctx context.Context) error {
			return errors.Join(ring.Verify(ctx, st), km.Unreadable(ctx))
		},
	})
	signet := &instance{name: "signet", st: st, handler: srv, net: ln, auditRetention: o.auditRetention, background: srv.Run}
	if o.adminAddr != "" {
		if signet.admin, err = listenAdmin(ctx, o.adminAddr); err != nil {
			ln.close()
			return err
		}
		signet.adminHandler = srv.AdminHandler()
	}
	if !o.dev {
		return signet.serve(ctx)
	}
	return serveDev(ctx, signet, km, ring, devOptions{
		Dir: o.dataDir, BankAddr: o.bankAddr, BankMTLSAddr: o.bankMTLSAddr, DemoAddr: o.demo,
	}, stdout)
}

// check refuses settings out of range, and sets the default logger.
func (o *serveOpts) check(stderr io.Writer) error {
	if err := o.setLogger(stderr); err != nil {
		return err
	}
	if o.auditRetention <= 0 {
		return errors.New("--audit-retention must be positive (e.g. 2160h for 90 days)")
	}
	if o.storeTimeout <= 0 || o.dbWait < 0 {
		return errors.New("--store-timeout must be positive and --db-wait not negative")
	}
	return checkErrorURLBase(o.errorURLBase)
}

// setLogger makes the default logger of --log-level and --log-format.
func (o *serveOpts) setLogger(stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return fmt.Errorf("--log-format %q: want text or json", o.logFormat)
	}
	slog.SetDefault(newLogger(stderr, level, o.logFormat))
	return nil
}

// listenAdmin binds --admin-addr.
func listenAdmin(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--admin-addr: listen %s: %w", addr, err)
	}
	return ln, nil
}

// checkErrorURLBase accepts "" (the default) or an absolute http(s) URL
// without fragment: error_url appends "#<error_type>" to it.
func checkErrorURLBase(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" || strings.HasSuffix(s, "#") {
		return fmt.Errorf("--error-url-base (SIGNET_ERROR_URL_BASE, or error-url-base in the config file) must be an absolute http or https URL without fragment, not %q", s)
	}
	return nil
}
