package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/server"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var signIn signInFlags
	signIn.register(fs)
	addr := fs.String("addr", envOr("SIGNET_ADDR", "127.0.0.1:8080"), "listen address (env SIGNET_ADDR)")
	issuer := fs.String("issuer", os.Getenv("SIGNET_ISSUER"), "public base URL, no trailing slash (env SIGNET_ISSUER; default http://<addr>)")
	keyTTL := keyCacheTTLFlag(fs)
	mtlsAddr := fs.String("mtls-addr", os.Getenv("SIGNET_MTLS_ADDR"),
		"mutual-TLS listen address for tls_client_auth and certificate-bound tokens, RFC 8705 (env SIGNET_MTLS_ADDR; off when empty)")
	mtlsIssuer := fs.String("mtls-issuer", os.Getenv("SIGNET_MTLS_ISSUER"),
		"public base URL of the mutual-TLS listener (env SIGNET_MTLS_ISSUER; default https://<mtls-addr>)")
	tlsCert := fs.String("tls-cert", os.Getenv("SIGNET_TLS_CERT"), "PEM server certificate of the mutual-TLS listener (env SIGNET_TLS_CERT)")
	tlsKey := fs.String("tls-key", os.Getenv("SIGNET_TLS_KEY"), "PEM private key of --tls-cert (env SIGNET_TLS_KEY)")
	storeTimeoutDef, err1 := envDuration("SIGNET_STORE_TIMEOUT", defaultStoreTimeout)
	dbWaitDef, err2 := envDuration("SIGNET_DB_WAIT", defaultDBWait)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	storeTimeout := fs.Duration("store-timeout", storeTimeoutDef,
		"deadline of each database operation of a request; past it the request answers 503 (env SIGNET_STORE_TIMEOUT)")
	dbWait := fs.Duration("db-wait", dbWaitDef,
		"how long to keep retrying, with backoff, a database that cannot be reached at start-up; 0 tries once (env SIGNET_DB_WAIT)")
	errorURLBase := fs.String("error-url-base", os.Getenv("SIGNET_ERROR_URL_BASE"),
		"URL of the error reference that every error_url points into, as <base>#<error_type> (env SIGNET_ERROR_URL_BASE; default <issuer>/docs/errors, served by Signet)")
	dev := fs.Bool("dev", false, "local demo: generate a master key, create a demo project, start the sandbox bank and the demo app, print what to open")
	bankAddr := fs.String("sandbox-bank-addr", "127.0.0.1:9001", "with --dev: the sandbox bank's listen address (\"\" disables the bank)")
	bankMTLSAddr := fs.String("sandbox-bank-mtls-addr", "127.0.0.1:9443", "with --dev: the sandbox bank's mutual-TLS listen address (\"\" for none)")
	demoAddr := fs.String("demo-app-addr", "127.0.0.1:3000", "with --dev: the demo app's listen address (\"\" disables the app)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *storeTimeout <= 0 || *dbWait < 0 {
		return errors.New("--store-timeout must be positive and --db-wait not negative")
	}
	if err := checkErrorURLBase(*errorURLBase); err != nil {
		return err
	}
	trustedProxies, throttle, err := signIn.config()
	if err != nil {
		return err
	}
	ttl, err := keyTTL()
	if err != nil {
		return err
	}
	mk, err := c.loadMasterKey(*dev)
	if err != nil {
		return err
	}
	st, err := openServing(ctx, c.db, *dbWait, *storeTimeout)
	if err != nil {
		return err
	}
	defer closeInto(&err, st.Close)

	nc := netConfig{Addr: *addr, Issuer: *issuer, MTLSAddr: *mtlsAddr, MTLSIssuer: *mtlsIssuer, TLSCert: *tlsCert, TLSKey: *tlsKey}
	if *dev {
		nc.DevCert = filepath.Join(c.dataDir(), "signet-mtls")
	}
	ln, err := nc.listen(ctx)
	if err != nil {
		return err
	}
	pepper := pepperFrom(mk)
	km := keys.NewManager(st, mk, keys.Options{CacheTTL: ttl})
	// Projects made before every project got all its keys at creation get
	// the missing ones now; they sign once every node serves them.
	if err := projects.EnsureKeys(ctx, st, km); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	srv := server.New(server.Config{
		Issuer: ln.issuer,
		Store:  st,
		Keys:   km,
		Pepper: pepper,
		Logger: slog.Default(),
		// The bank registry's credentials key, derived here so the master
		// key itself never reaches the server.
		BankSealer: banks.NewSealer(mk),
		// Empty unless --mtls-addr: no aliases are published then.
		MTLSBaseURL:    ln.mtlsBase,
		TrustedProxies: trustedProxies,
		SignInThrottle: throttle,
		ErrorURLBase:   *errorURLBase,
	})
	signet := &instance{name: "signet", st: st, handler: srv, net: ln}
	if !*dev {
		return signet.serve(ctx)
	}
	return serveDev(ctx, signet, km, pepper, mk, devOptions{
		Dir: c.dataDir(), BankAddr: *bankAddr, BankMTLSAddr: *bankMTLSAddr, DemoAddr: *demoAddr,
	}, stdout)
}

// checkErrorURLBase accepts "" (the default) or an absolute http(s) URL
// without fragment: error_url appends "#<error_type>" to it.
func checkErrorURLBase(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Fragment != "" || strings.HasSuffix(s, "#") {
		return fmt.Errorf("--error-url-base (SIGNET_ERROR_URL_BASE) must be an absolute http or https URL without fragment, not %q", s)
	}
	return nil
}
