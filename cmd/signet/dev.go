package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/demo"
	"github.com/signet-id/signet/internal/keyring"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// serve --dev: a demo project, the sandbox bank registered in it, a demo
// app that signs in with Signet, and a demo B2B project (organizations and
// members), all in this process and all made idempotently, so a restart
// finds the same projects, bank and app.

// devCredentialsFile is what --dev keeps between runs (0600, in its data
// directory, beside the database and the master key).
const devCredentialsFile = "signet-dev.json"

// devCredentials is signet-dev.json: the demo projects' credentials, and
// what was registered in them.
type devCredentials struct {
	ProjectID string `json:"project_id"`
	Secret    string `json:"secret"`
	// B2BProjectID and B2BSecret are the demo B2B project's (absent from
	// files written before B2B: it is made then).
	B2BProjectID string `json:"b2b_project_id,omitempty"`
	B2BSecret    string `json:"b2b_secret,omitempty"`
	// SandboxBankID is the sandbox bank's entry in the project's bank
	// registry, so a bank whose address changed is updated, not added
	// again.
	SandboxBankID string `json:"sandbox_bank_id,omitempty"`
	// DemoApp is the demo app's Connected App.
	DemoApp *devApp `json:"demo_app,omitempty"`
}

type devApp struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// devOptions are serve's --dev flags.
type devOptions struct {
	Dir                    string // data directory
	BankAddr, BankMTLSAddr string // "" BankAddr: no sandbox bank
	DemoAddr               string // "" : no demo app
}

// sandboxBankClient is the sandbox client Signet uses at the sandbox
// bank: client_secret_basic works over the bank's plain-HTTP loopback
// listener (the mtls clients need its TLS listener and a CA the
// verification flow is not configured with), and its JWKS signs request
// objects and decrypts the JARM and ID token, as its registration
// (clientSpec) requires.
const sandboxBankClient = "basic"

// stytchbankRedirect is the default redirect URL of examples/stytchbank,
// which is its own relying party of the sandbox bank: registered too, so
// the example runs against serve --dev as it is.
const stytchbankRedirect = "http://127.0.0.1:3002/callback"

// serveDev sets up dev mode around the built Signet instance and serves
// everything until ctx ends.
func serveDev(ctx context.Context, signet *instance, km *keys.Manager, ring keyring.Ring,
	opts devOptions, stdout io.Writer) (err error) {
	// Until serveAll owns them, listeners are released on failure.
	cleanup := []func(){signet.net.close}
	defer func() {
		if err != nil {
			for _, f := range cleanup {
				f()
			}
		}
	}()
	path := filepath.Join(opts.Dir, devCredentialsFile)
	creds, err := loadDevProject(ctx, signet.st, km, ring.Pepper, path)
	if err != nil {
		return err
	}
	issuer := signet.net.issuer
	all := []*instance{signet}
	var bank *sandboxBank
	if opts.BankAddr != "" {
		// The sandbox bank: a second OP in this process, with its own
		// store, master key and addresses. Its RP clients also accept
		// Signet's own callback, so the project can verify with it.
		bank, err = openSandboxBank(ctx, bankConfig{
			Dir:         opts.Dir,
			Net:         netConfig{Addr: opts.BankAddr, MTLSAddr: opts.BankMTLSAddr},
			RPRedirects: append(slices.Clone(defaultRPRedirects), issuer+banks.CallbackPath, stytchbankRedirect),
		})
		if err != nil {
			return fmt.Errorf("sandbox bank: %w", err)
		}
		defer bank.close()
		reg := &banks.Registry{Store: signet.st, Sealer: banks.NewSealer(ring.Master)}
		b, err := registerSandboxBank(ctx, reg, creds.ProjectID, creds.SandboxBankID, bank.RP)
		if err != nil {
			return fmt.Errorf("register the sandbox bank: %w", err)
		}
		creds.SandboxBankID = b.ID
		all = append(all, &bank.instance)
	}
	demoURL := ""
	if opts.DemoAddr != "" {
		ln, err := new(net.ListenConfig).Listen(ctx, "tcp", opts.DemoAddr)
		if err != nil {
			return fmt.Errorf("demo app: %w (use --demo-app-addr to move it, \"\" for none)", err)
		}
		cleanup = append(cleanup, func() { _ = ln.Close() }) // never served; err is what to report
		demoURL = demoBaseURL(opts.DemoAddr, ln.Addr())
		if err := ensureDemoApp(ctx, signet.handler, &creds, demoURL); err != nil {
			return fmt.Errorf("demo app: %w", err)
		}
		app, err := demo.New(demo.Config{
			Issuer: issuer, ClientID: creds.DemoApp.ClientID, ClientSecret: demo.Secret(creds.DemoApp.ClientSecret),
			BaseURL: demoURL, ProjectID: creds.ProjectID, ProjectSecret: demo.Secret(creds.Secret),
			Hint: demoHint(bank != nil), Logger: slog.Default(),
		})
		if err != nil {
			return err
		}
		all = append(all, &instance{name: "demo-app", handler: app, net: &listeners{http: ln, issuer: demoURL}})
	}
	if err := writeJSON0600(path, creds); err != nil {
		return err
	}
	printDevBanner(stdout, devBanner{issuer: issuer, creds: creds, path: path, demoURL: demoURL, bank: bank != nil})
	if bank != nil {
		bank.printSummary(stdout)
	}
	return serveAll(ctx, all...)
}

// loadDevProject reads the demo projects' credentials, creating the
// projects (and the file) on the first run: a consumer project, and a B2B
// one.
func loadDevProject(ctx context.Context, st store.Store, km *keys.Manager, pepper secrets.Pepper, path string) (devCredentials, error) {
	var creds devCredentials
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &creds); err != nil {
			return creds, fmt.Errorf("%s: %w", path, err)
		}
		for _, id := range []string{creds.ProjectID, creds.B2BProjectID} {
			if id == "" {
				continue
			}
			if _, err := st.Project(ctx, id); err != nil {
				return creds, fmt.Errorf("%s names project %s, which the database lacks (%w); delete the file to start afresh", path, id, err)
			}
		}
	case !errors.Is(err, os.ErrNotExist):
		return creds, err
	default:
		p, secret, err := projects.Create(ctx, st, km, pepper, "Demo project", time.Now())
		if err != nil {
			return creds, err
		}
		creds = devCredentials{ProjectID: p.ID, Secret: secret}
	}
	if creds.B2BProjectID == "" {
		p, secret, err := projects.CreateVertical(ctx, st, km, pepper, "Demo B2B project", store.VerticalB2B, time.Now())
		if err != nil {
			return creds, err
		}
		creds.B2BProjectID, creds.B2BSecret = p.ID, secret
	}
	return creds, writeJSON0600(path, creds)
}

// registerSandboxBank puts the sandbox bank in the project's registry,
// through the same validation and sealing as `signet banks add`. A bank
// with the same issuer, or else the one registered last time (its port
// may have changed), is updated to the bank's current client and
// credentials rather than added again.
func registerSandboxBank(ctx context.Context, reg *banks.Registry, projectID, knownID string, rp rpFile) (banks.Bank, error) {
	c, ok := rp.Clients[sandboxBankClient]
	if !ok || c.ClientSecret == "" {
		return banks.Bank{}, fmt.Errorf("the sandbox bank has no %q client with a secret", sandboxBankClient)
	}
	in := banks.Input{
		Issuer:      rp.Issuer,
		DisplayName: bankBranding.Name,
		// The selector draws the bank's tile in its background colour
		// with the initial in its primary colour: the bank's green, white.
		PrimaryColor:    "#ffffff",
		BackgroundColor: bankBranding.PrimaryColor,
		ClientID:        c.ClientID,
		AuthMethod:      banks.ClientSecretBasic,
		Credentials:     banks.Credentials{ClientSecret: c.ClientSecret, JWKS: c.JWKS},
	}
	list, err := reg.List(ctx, projectID)
	if err != nil {
		return banks.Bank{}, err
	}
	existing := ""
	for _, b := range list {
		if b.Issuer == in.Issuer {
			existing = b.ID
			break
		}
		if knownID != "" && b.ID == knownID {
			existing = b.ID // unless another matches the issuer
		}
	}
	if existing == "" {
		return reg.Create(ctx, projectID, in)
	}
	return reg.Update(ctx, projectID, existing, banks.Patch{
		Issuer: &in.Issuer, DisplayName: &in.DisplayName, PrimaryColor: &in.PrimaryColor,
		BackgroundColor: &in.BackgroundColor, ClientID: &in.ClientID, AuthMethod: &in.AuthMethod,
		Credentials: in.Credentials,
	})
}

// ensureDemoApp makes sure the demo app is a first_party Connected App of
// the project with base's redirect and Origin URLs, through the
// management API (same validation and secret hashing as any client),
// and records its credentials in creds.
func ensureDemoApp(ctx context.Context, api http.Handler, creds *devCredentials, base string) error {
	redirects := []string{base + demo.CallbackPath}
	origins := []string{base + demo.SelectedPath}
	// Its sign-out ends the Signet session and comes back home
	// (RP-Initiated Logout).
	logouts := []string{base + demo.PostLogoutPath}
	if a := creds.DemoApp; a != nil && a.ClientID != "" {
		path := "/v1/connected_apps/clients/" + url.PathEscape(a.ClientID)
		var got struct {
			ConnectedApp struct {
				RedirectURLs           []string `json:"redirect_urls"`
				OriginURLs             []string `json:"origin_urls"`
				PostLogoutRedirectURLs []string `json:"post_logout_redirect_urls"`
			} `json:"connected_app"`
		}
		err := callAPI(ctx, api, creds.ProjectID, creds.Secret, http.MethodGet, path, nil, &got)
		var se *apiStatusError
		switch {
		case err == nil:
			if slices.Equal(got.ConnectedApp.RedirectURLs, redirects) && slices.Equal(got.ConnectedApp.OriginURLs, origins) &&
				slices.Equal(got.ConnectedApp.PostLogoutRedirectURLs, logouts) {
				return nil
			}
			return callAPI(ctx, api, creds.ProjectID, creds.Secret, http.MethodPut, path,
				map[string]any{"redirect_urls": redirects, "origin_urls": origins, "post_logout_redirect_urls": logouts}, nil)
		case errors.As(err, &se) && se.Status == http.StatusNotFound:
			slog.Warn("the demo app's Connected App is gone; registering it again", "client_id", a.ClientID)
		default:
			return err
		}
	}
	var resp struct {
		ConnectedApp devApp `json:"connected_app"`
	}
	err := callAPI(ctx, api, creds.ProjectID, creds.Secret, http.MethodPost, "/v1/connected_apps/clients", map[string]any{
		"client_type":               "first_party",
		"client_name":               "Demo app",
		"client_description":        "The demo app of signet serve --dev",
		"redirect_urls":             redirects,
		"origin_urls":               origins,
		"post_logout_redirect_urls": logouts,
	}, &resp)
	if err != nil {
		return err
	}
	creds.DemoApp = &resp.ConnectedApp
	return nil
}

// demoBaseURL is the demo app's URL: the flag's host (127.0.0.1 for an
// unspecified one, so the URL is a loopback redirect URI) and the bound
// port (the flag's may be 0).
func demoBaseURL(flagAddr string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(flagAddr)
	_, port, _ := net.SplitHostPort(bound.String())
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// demoHint is the home page's help: the sandbox bank's first test login.
func demoHint(bank bool) string {
	if !bank {
		return ""
	}
	c := testCustomers[0]
	return fmt.Sprintf("At the Signet Sandbox Bank, sign in as %s with password %s.", c.email(), c.login)
}

// devBanner is what the dev banner shows.
type devBanner struct {
	issuer  string
	creds   devCredentials
	path    string
	demoURL string
	bank    bool
}

func printDevBanner(w io.Writer, b devBanner) {
	fmt.Fprintf(w, "\nSignet is running in dev mode.\n\n")
	switch {
	case b.demoURL != "" && b.bank:
		c := testCustomers[0]
		fmt.Fprintf(w, "  Open %s and choose Verify with your bank;\n  sandbox bank user %s / %s\n\n", b.demoURL, c.email(), c.login)
	case b.demoURL != "":
		fmt.Fprintf(w, "  Open %s to sign in with Signet (no sandbox bank: create a user first, POST /v1/passwords)\n\n", b.demoURL)
	}
	fmt.Fprintf(w, `  Demo project ID:      %[2]s
  Demo project secret:  %[3]s
  Demo B2B project ID:      %[4]s
  Demo B2B project secret:  %[5]s
  (kept in %[6]s)
`, b.issuer, b.creds.ProjectID, b.creds.Secret, b.creds.B2BProjectID, b.creds.B2BSecret, b.path)
	if b.demoURL != "" && b.creds.DemoApp != nil {
		fmt.Fprintf(w, "  Demo app client ID:   %s (redirect URL %s%s)\n", b.creds.DemoApp.ClientID, b.demoURL, demo.CallbackPath)
	}
	fmt.Fprintf(w, `
  Discovery:  %[1]s/.well-known/openid-configuration
  JWKS:       %[1]s/.well-known/jwks.json
  Session JWKS (Stytch SDKs): %[1]s/v1/sessions/jwks/%[2]s

  Try:  curl -u '%[2]s:%[3]s' %[1]s/v1/users/search -H 'Content-Type: application/json' -d '{}'
  B2B:  curl -u '%[4]s:%[5]s' %[1]s/v1/b2b/organizations -H 'Content-Type: application/json' -d '{"organization_name":"Acme"}'

`, b.issuer, b.creds.ProjectID, b.creds.Secret, b.creds.B2BProjectID, b.creds.B2BSecret)
}
