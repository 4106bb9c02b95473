package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/store"
)

const banksUsage = `usage:
  signet banks add --project P --issuer URL --name N --client-id ID --auth-method M
                   [--client-secret S | --tls-cert FILE --tls-key FILE] [--jwks FILE] [--tls-server-ca FILE]
                   [--logo URL] [--color #hex] [--background-color #hex] [--max-age DURATION]
  signet banks list --project P [--json]
  signet banks remove --project P --bank ID`

// banksCmd manages a project's bank registry, through the same
// validation and sealing as the /v1/banks API (package banks).
func banksCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(banksUsage)
	}
	switch args[0] {
	case "add":
		return banksAdd(ctx, args[1:], stdout, stderr)
	case "list":
		return banksList(ctx, args[1:], stdout, stderr)
	case "remove":
		return banksRemove(ctx, args[1:], stdout, stderr)
	}
	return errors.New(banksUsage)
}

// openRegistry opens the database and the bank registry of a project
// that must exist.
func openRegistry(ctx context.Context, c *common, project string) (*banks.Registry, func() error, error) {
	if project == "" {
		return nil, nil, errors.New("--project is required")
	}
	st, ring, err := c.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := st.Project(ctx, project); err != nil {
		_ = st.Close() // the failure above is the error to report
		return nil, nil, fmt.Errorf("project %s: %w", project, err)
	}
	return &banks.Registry{Store: st, Sealer: banks.NewSealer(ring.Master)}, st.Close, nil
}

func banksAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("banks add", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	var in banks.Input
	fs.StringVar(&in.Issuer, "issuer", "", "the bank OP's issuer URL (required)")
	fs.StringVar(&in.DisplayName, "name", "", "display name in the account selector (required)")
	fs.StringVar(&in.ClientID, "client-id", "", "this project's client ID at the bank (required)")
	fs.StringVar(&in.AuthMethod, "auth-method", "", "client_secret_basic, tls_client_auth or private_key_jwt (required)")
	fs.StringVar(&in.Credentials.ClientSecret, "client-secret", "", "client secret, for client_secret_basic")
	tlsCert := fs.String("tls-cert", "", "PEM client certificate file, for tls_client_auth (or mTLS-bound tokens)")
	tlsKey := fs.String("tls-key", "", "PEM private key file of --tls-cert")
	jwks := fs.String("jwks", "", "private JWK Set file, for private_key_jwt (and request objects)")
	serverCA := fs.String("tls-server-ca", "", "PEM CA certificates file the bank's TLS server certificates chain to, when not a public CA")
	fs.StringVar(&in.LogoURL, "logo", "", "logo URL")
	fs.StringVar(&in.PrimaryColor, "color", "", "primary brand colour, #rgb or #rrggbb")
	fs.StringVar(&in.BackgroundColor, "background-color", "", "background colour, #rgb or #rrggbb")
	from := fs.String("from", "", "a bank's RP file (sandbox-bank-rp.json, or the same shape): issuer, client and keys come from it")
	setup := fs.String("setup", "", "with --from: the client of the file to use (basic, mtls, private_key_jwt, plain, ...)")
	signetURL := fs.String("signet-url", "http://127.0.0.1:8080", "Signet's public base URL (serve's --issuer): the bank must accept <signet-url>"+banks.CallbackPath+" as the client's redirect URI")
	skipChecks := fs.Bool("skip-checks", false, "save the bank without trying it first (discovery, JARM, the auth method, keys, a dry-run pushed request): for a bank not reachable from here yet")
	maxAge := fs.String("max-age", "", "ask every sign-in at the bank to be at most this old, e.g. 10m (max_age; 0s: always sign in again); unset: no bound of the bank's own")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *maxAge != "" {
		d, err := time.ParseDuration(*maxAge)
		if err != nil || d < 0 || d%time.Second != 0 {
			return fmt.Errorf("--max-age %s: want a duration of whole seconds, 0s or more (10m, 1h)", *maxAge)
		}
		n := int(d / time.Second)
		in.MaxAge = &n
	}
	if *from != "" || *setup != "" {
		if err := fromRPFile(&in, *from, *setup); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		path string
		dst  *string
	}{{*tlsCert, &in.Credentials.TLSClientCert}, {*tlsKey, &in.Credentials.TLSClientKey}, {*serverCA, &in.TLSServerCA}} {
		if f.path == "" {
			continue
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		*f.dst = string(b)
	}
	if *jwks != "" {
		b, err := os.ReadFile(*jwks)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			return fmt.Errorf("--jwks %s: not JSON", *jwks)
		}
		in.Credentials.JWKS = b
	}
	if !*skipChecks {
		// The bank is tried as the verification flow will use it, so that
		// a bank added works the first time; each failure names its fix.
		if err := banks.Check(ctx, in, strings.TrimSuffix(*signetURL, "/")+banks.CallbackPath, nil); err != nil {
			return fmt.Errorf("%w\n(checked before saving; --skip-checks saves the bank without trying it)", cliErr(err))
		}
	}
	reg, closeDB, err := openRegistry(ctx, &c, *project)
	if err != nil {
		return err
	}
	defer logClose(closerFunc(closeDB), "database")
	b, err := reg.Create(ctx, *project, in)
	if err != nil {
		return cliErr(err)
	}
	fmt.Fprintf(stdout, "bank %s added: %s (%s)\n", b.ID, b.DisplayName, b.Issuer)
	return nil
}

// fromRPFile fills in what a bank's RP file says of the client named
// setup (the shape of sandbox-bank-rp.json, after the IDPartner node
// client's config): the issuer, the client ID and its authentication
// method, and its credentials (secret, private JWKS, TLS client
// certificate) — the keys too, which the bank needs when it encrypts its
// responses or the client signs request objects. Flags given explicitly
// win over the file; the display name defaults to the issuer's host.
func fromRPFile(in *banks.Input, path, setup string) error {
	if path == "" || setup == "" {
		return errors.New("--from and --setup go together: --from FILE --setup CLIENT")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f rpFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("--from %s: not an RP file: %w", path, err)
	}
	c, ok := f.Clients[setup]
	if !ok {
		names := make([]string, 0, len(f.Clients))
		for n := range f.Clients {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("--setup %s: %s has no such client; it has %s", setup, path, strings.Join(names, ", "))
	}
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&in.Issuer, f.Issuer)
	set(&in.ClientID, c.ClientID)
	set(&in.AuthMethod, c.TokenEndpointAuthMethod)
	set(&in.Credentials.ClientSecret, c.ClientSecret)
	set(&in.Credentials.TLSClientCert, c.TLSClientCert)
	set(&in.Credentials.TLSClientKey, c.TLSClientKey)
	if c.TLSClientCert != "" { // the mutual-TLS listener's certificate, self-signed in the sandbox
		set(&in.TLSServerCA, f.TLSServerCA)
	}
	if len(in.Credentials.JWKS) == 0 && len(c.JWKS) > 0 {
		in.Credentials.JWKS = c.JWKS
	}
	if in.DisplayName == "" {
		if u, err := url.Parse(in.Issuer); err == nil && u.Host != "" {
			in.DisplayName = u.Hostname()
		}
	}
	return nil
}

func banksList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("banks list", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := fs.parse(args); err != nil {
		return err
	}
	reg, closeDB, err := openRegistry(ctx, &c, *project)
	if err != nil {
		return err
	}
	defer logClose(closerFunc(closeDB), "database")
	list, err := reg.List(ctx, *project)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]banks.Wire, len(list))
		for i, b := range list {
			out[i] = banks.ToWire(b)
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BANK ID\tNAME\tISSUER\tCLIENT ID\tAUTH METHOD")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.ID, b.DisplayName, b.Issuer, b.ClientID, b.AuthMethod)
	}
	return tw.Flush()
}

func banksRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("banks remove", stderr)
	var c common
	c.register(fs)
	project := fs.String("project", "", "project ID (required)")
	bank := fs.String("bank", "", "bank ID (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *bank == "" {
		return errors.New("--bank is required")
	}
	reg, closeDB, err := openRegistry(ctx, &c, *project)
	if err != nil {
		return err
	}
	defer logClose(closerFunc(closeDB), "database")
	if err := reg.Delete(ctx, *project, *bank); err != nil {
		return cliErr(err)
	}
	fmt.Fprintf(stdout, "bank %s removed\n", *bank)
	return nil
}

// cliErr words the registry's errors for a terminal.
func cliErr(err error) error {
	var (
		inv *banks.InvalidError
		ce  *banks.CheckError
	)
	switch {
	case errors.As(err, &inv):
		return fmt.Errorf("invalid bank: %s", inv.Msg)
	case errors.As(err, &ce):
		return fmt.Errorf("bank check %s failed: %s", ce.Check, ce.Msg)
	case errors.Is(err, store.ErrNotFound):
		return errors.New("no such bank in this project")
	case errors.Is(err, store.ErrAlreadyExists):
		return errors.New("the project already has a bank with that issuer")
	}
	return err
}
