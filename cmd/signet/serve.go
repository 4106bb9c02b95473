package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/store"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	addr := fs.String("addr", envOr("SIGNET_ADDR", "127.0.0.1:8080"), "listen address (env SIGNET_ADDR)")
	issuer := fs.String("issuer", os.Getenv("SIGNET_ISSUER"), "public base URL, no trailing slash (env SIGNET_ISSUER; default http://<addr>)")
	keyTTL := fs.Duration("key-cache-ttl", keys.DefaultCacheTTL,
		"how long parsed signing keys are trusted before re-reading them; bounds how late a rotation by another process is seen (keep it below keys rotate --publish-delay)")
	mtlsAddr := fs.String("mtls-addr", os.Getenv("SIGNET_MTLS_ADDR"),
		"mutual-TLS listen address for tls_client_auth and certificate-bound tokens, RFC 8705 (env SIGNET_MTLS_ADDR; off when empty)")
	mtlsIssuer := fs.String("mtls-issuer", os.Getenv("SIGNET_MTLS_ISSUER"),
		"public base URL of the mutual-TLS listener (env SIGNET_MTLS_ISSUER; default https://<mtls-addr>)")
	tlsCert := fs.String("tls-cert", os.Getenv("SIGNET_TLS_CERT"), "PEM server certificate of the mutual-TLS listener (env SIGNET_TLS_CERT)")
	tlsKey := fs.String("tls-key", os.Getenv("SIGNET_TLS_KEY"), "PEM private key of --tls-cert (env SIGNET_TLS_KEY)")
	dev := fs.Bool("dev", false, "local demo: generate a master key, create a demo project, start the sandbox bank, print what to open")
	bankAddr := fs.String("sandbox-bank-addr", "127.0.0.1:9001", "with --dev: the sandbox bank's listen address (\"\" disables the bank)")
	bankMTLSAddr := fs.String("sandbox-bank-mtls-addr", "127.0.0.1:9443", "with --dev: the sandbox bank's mutual-TLS listen address (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	mk, err := c.loadMasterKey(*dev)
	if err != nil {
		return err
	}
	st, err := openMigrated(ctx, c.db)
	if err != nil {
		return err
	}
	defer st.Close()

	nc := netConfig{Addr: *addr, Issuer: *issuer, MTLSAddr: *mtlsAddr, MTLSIssuer: *mtlsIssuer, TLSCert: *tlsCert, TLSKey: *tlsKey}
	if *dev {
		nc.DevCert = filepath.Join(c.dataDir(), "signet-mtls")
	}
	ln, err := nc.listen()
	if err != nil {
		return err
	}
	pepper := pepperFrom(mk)
	km := keys.NewManager(st, mk, keys.Options{CacheTTL: *keyTTL})
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
		MTLSBaseURL: ln.mtlsBase,
	})
	signet := &instance{name: "signet", st: st, handler: srv, net: ln}
	if !*dev {
		return signet.serve(ctx)
	}
	if err := devBootstrap(ctx, st, km, pepper, c.dataDir(), ln.issuer, stdout); err != nil {
		ln.close()
		return err
	}
	if *bankAddr == "" {
		return signet.serve(ctx)
	}
	// The sandbox bank: a second OP in this process, with its own store,
	// master key and addresses, so the bank-verification flow runs with
	// no outside service.
	bank, err := openSandboxBank(ctx, bankConfig{
		Dir: c.dataDir(),
		Net: netConfig{Addr: *bankAddr, MTLSAddr: *bankMTLSAddr},
	})
	if err != nil {
		ln.close()
		return fmt.Errorf("sandbox bank: %w", err)
	}
	defer bank.close()
	bank.printSummary(stdout)
	return serveAll(ctx, signet, &bank.instance)
}

// devCredentials is what --dev keeps between runs (0600, beside the
// database), so the demo project survives restarts with the same secret.
type devCredentials struct {
	ProjectID string `json:"project_id"`
	Secret    string `json:"secret"`
}

func devBootstrap(ctx context.Context, st store.Store, km *keys.Manager, pepper secrets.Pepper, dir, issuer string, stdout io.Writer) error {
	path := filepath.Join(dir, "signet-dev.json")
	var creds devCredentials
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &creds); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if _, err := st.Project(ctx, creds.ProjectID); err != nil {
			return fmt.Errorf("%s names project %s, which the database lacks (%v); delete the file to start afresh", path, creds.ProjectID, err)
		}
	case errors.Is(err, os.ErrNotExist):
		p, secret, err := projects.Create(ctx, st, km, pepper, "Demo project", time.Now())
		if err != nil {
			return err
		}
		creds = devCredentials{ProjectID: p.ID, Secret: secret}
		b, _ := json.MarshalIndent(creds, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return err
		}
	default:
		return err
	}
	fmt.Fprintf(stdout, `
Signet is running in dev mode.

  Demo project ID:      %[2]s
  Demo project secret:  %[3]s
  (kept in %[4]s)

  Discovery:  %[1]s/.well-known/openid-configuration
  JWKS:       %[1]s/.well-known/jwks.json
  Session JWKS (Stytch SDKs): %[1]s/v1/sessions/jwks/%[2]s

  Try:  curl -u '%[2]s:%[3]s' %[1]s/v1/users/search -H 'Content-Type: application/json' -d '{}'

`, issuer, creds.ProjectID, creds.Secret, path)
	return nil
}
