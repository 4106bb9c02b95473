package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/web"
)

// The sandbox bank's files, all in its directory.
const (
	bankDBFile        = "sandbox-bank.db"
	bankMasterKeyFile = "sandbox-bank-master.key"
	bankStateFile     = "sandbox-bank.json"    // what seeding made (0600)
	bankRPFile        = "sandbox-bank-rp.json" // what an RP needs (0600)
	bankCertPrefix    = "sandbox-bank-mtls"    // .crt / .key of the mTLS listener
)

// bankBranding is the sandbox bank's look on its login and consent pages.
var bankBranding = web.Branding{
	Name:            "Signet Sandbox Bank",
	Tagline:         "Test bank: no real accounts or money",
	PrimaryColor:    "#0b6e4f",
	BackgroundColor: "#e8f3ee",
}

// defaultRPRedirects are the callbacks of IDPartner's example RP apps
// (reference/idpartner-protocol.md §6.1).
var defaultRPRedirects = []string{
	"http://localhost:3001/button/oauth/callback",
	"http://127.0.0.1:3001/button/oauth/callback",
	// Signet itself on its default address (serve's --addr), so that
	// "signet banks add --from sandbox-bank-rp.json" works as the README
	// writes it.
	"http://127.0.0.1:8080" + banks.CallbackPath,
	"http://localhost:8080" + banks.CallbackPath,
}

// bankConfig configures a sandbox bank. Only Dir and Net.Addr are needed.
type bankConfig struct {
	Dir       string // where its files live
	DB        string // default sqlite:<Dir>/sandbox-bank.db
	MasterKey string // base64; default the key file in Dir (made once)
	// Net: a "" Net.DevCert means the self-signed certificate in Dir.
	Net         netConfig
	RPRedirects []string // default defaultRPRedirects
}

// sandboxBank is a seeded bank OP, bound and ready to serve: tests and
// serve --dev call openSandboxBank, then instance.serve.
type sandboxBank struct {
	instance
	RPFile string // path of sandbox-bank-rp.json
	RP     rpFile // its content
}

// openSandboxBank opens the bank's store, binds its listeners, builds the
// server, seeds the bank on first start (idempotently) and writes the RP
// file. The caller serves it and closes it.
func openSandboxBank(ctx context.Context, cfg bankConfig) (_ *sandboxBank, err error) {
	if cfg.Dir == "" {
		cfg.Dir = "."
	}
	if cfg.DB == "" {
		cfg.DB = "sqlite:" + filepath.Join(cfg.Dir, bankDBFile)
	}
	if cfg.Net.MTLSAddr != "" && cfg.Net.DevCert == "" && cfg.Net.TLSCert == "" {
		cfg.Net.DevCert = filepath.Join(cfg.Dir, bankCertPrefix)
	}
	if len(cfg.RPRedirects) == 0 {
		cfg.RPRedirects = defaultRPRedirects
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox bank directory: %w", err)
	}
	mk, err := bankMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	st, err := openServing(ctx, cfg.DB, 0, defaultStoreTimeout)
	if err != nil {
		return nil, fmt.Errorf("sandbox bank store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = st.Close() // the failure is the error to report
		}
	}()
	ring, err := keyring.Open(ctx, st, mk)
	if err != nil {
		return nil, fmt.Errorf("sandbox bank: %w; give it its own --dir (or the key it was made with)", err)
	}
	ln, err := cfg.Net.listen(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ln.close()
		}
	}()
	pepper := ring.Pepper
	km := keys.NewManager(st, mk, keys.Options{})
	srv := server.New(server.Config{
		Issuer:      ln.issuer,
		Store:       st,
		Keys:        km,
		Pepper:      pepper,
		Logger:      slog.Default(),
		MTLSBaseURL: ln.mtlsBase,
		Branding:    bankBranding,
	})
	if err := projects.EnsureKeys(ctx, st, km); err != nil {
		return nil, fmt.Errorf("sandbox bank signing keys: %w", err)
	}
	s := seeder{st: st, keys: km, pepper: pepper, api: srv, redirects: cfg.RPRedirects}
	state, err := s.seed(ctx, filepath.Join(cfg.Dir, bankStateFile))
	if err != nil {
		return nil, fmt.Errorf("seed sandbox bank: %w", err)
	}
	rp, err := newRPFile(ln, state)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, bankRPFile)
	if err := writeJSON0600(path, rp); err != nil {
		return nil, err
	}
	return &sandboxBank{
		instance: instance{name: "sandbox-bank", st: st, handler: srv, net: ln, background: srv.Run},
		RPFile:   path,
		RP:       rp,
	}, nil
}

// bankMasterKey is cfg.MasterKey, or the bank's own key file (never the
// main instance's: the two stores are separate worlds).
func bankMasterKey(cfg bankConfig) (keys.MasterKey, error) {
	if cfg.MasterKey != "" {
		return keys.ParseMasterKey(cfg.MasterKey)
	}
	mk, err := keys.LoadOrCreateMasterKeyFile(filepath.Join(cfg.Dir, bankMasterKeyFile))
	if err != nil {
		return keys.MasterKey{}, fmt.Errorf("sandbox bank master key: %w", err)
	}
	return mk, nil
}

// newRPFile is the RP file for this run: the state's clients and the
// addresses bound now (a port 0 changes between runs).
func newRPFile(ln *listeners, state bankState) (rpFile, error) {
	rp := rpFile{Issuer: ln.issuer, MTLSBaseURL: ln.mtlsBase, Clients: state.Clients, TestUsers: testUserLogins()}
	if ln.serverCert != "" {
		b, err := os.ReadFile(ln.serverCert)
		if err != nil {
			return rpFile{}, fmt.Errorf("mTLS server certificate: %w", err)
		}
		rp.TLSServerCA = string(b)
	}
	return rp, nil
}

// close releases the store (and listeners never served).
func (b *sandboxBank) close() {
	b.net.close()
	logClose(b.st, "sandbox bank database")
}

// printSummary tells a person what to point an RP at.
func (b *sandboxBank) printSummary(w io.Writer) {
	fmt.Fprintf(w, "\nSignet Sandbox Bank\n\n  Issuer:     %s\n  Discovery:  %s/.well-known/openid-configuration\n", b.RP.Issuer, b.RP.Issuer)
	if b.RP.MTLSBaseURL != "" {
		fmt.Fprintf(w, "  mTLS:       %s\n", b.RP.MTLSBaseURL)
	}
	fmt.Fprintf(w, "  RP file:    %s (client credentials, private JWKS, client certificate)\n\n  Test logins (the password is the email's local part):\n", b.RPFile)
	for _, u := range b.RP.TestUsers {
		fmt.Fprintf(w, "    %-28s %-12s %s\n", u.Email, u.Password, u.Name)
	}
	fmt.Fprintf(w, "\n  Clients:\n")
	for _, name := range clientNames {
		if c, ok := b.RP.Clients[name]; ok {
			fmt.Fprintf(w, "    %-16s %s (%s)\n", name, c.ClientID, c.TokenEndpointAuthMethod)
		}
	}
	fmt.Fprintln(w)
}

// sandboxBankCmd is `signet sandbox-bank`: a bank OP with seeded
// customers and RP clients, for running the bank flow with no outside
// service.
func sandboxBankCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox-bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bankConfig
	var redirects stringList
	fs.StringVar(&cfg.Dir, "dir", ".", "directory of the bank's files ("+bankDBFile+", "+bankStateFile+", "+bankRPFile+", ...)")
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL (default sqlite:<dir>/"+bankDBFile+")")
	fs.StringVar(&cfg.MasterKey, "master-key", "", "base64 32-byte master key (default: <dir>/"+bankMasterKeyFile+", made once)")
	fs.StringVar(&cfg.Net.Addr, "addr", "127.0.0.1:9001", "listen address")
	fs.StringVar(&cfg.Net.Issuer, "issuer", "", "public base URL (default http://<addr>)")
	fs.StringVar(&cfg.Net.MTLSAddr, "mtls-addr", "127.0.0.1:9443", `mutual-TLS listen address ("" for none)`)
	fs.StringVar(&cfg.Net.MTLSIssuer, "mtls-issuer", "", "public base URL of the mutual-TLS listener (default https://<mtls-addr>)")
	fs.StringVar(&cfg.Net.TLSCert, "tls-cert", "", "PEM server certificate of the mTLS listener (default: a self-signed one in <dir>)")
	fs.StringVar(&cfg.Net.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.Var(&redirects, "rp-redirect", "redirect URI of the seeded RP clients; repeat for several (default "+strings.Join(defaultRPRedirects, " and ")+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.RPRedirects = redirects
	bank, err := openSandboxBank(ctx, cfg)
	if err != nil {
		return err
	}
	defer bank.close()
	bank.printSummary(stdout)
	return bank.serve(ctx)
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}
