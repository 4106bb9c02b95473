package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/signet-id/signet/rp"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "stytchbank:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("stytchbank", flag.ContinueOnError)
	issuer := fs.String("bank-issuer", "http://127.0.0.1:9001", "the bank OP's issuer")
	bankName := fs.String("bank-name", "Signet Sandbox Bank", "the bank's name, for trusted_metadata.external_source")
	clientID := fs.String("bank-client-id", "", "this app's client ID at the bank (required)")
	clientSecret := fs.String("bank-client-secret", "", "its client secret (client_secret_basic)")
	authMethod := fs.String("bank-auth-method", "client_secret_basic", "client_secret_basic or private_key_jwt")
	jwksFile := fs.String("bank-jwks", "", "file of the client's private JWK Set: signs request objects, decrypts the JARM and ID token")
	signetURL := fs.String("signet-url", "http://127.0.0.1:8080", "base URL of the Stytch-compatible API (Signet, or Stytch)")
	projectID := fs.String("project-id", "", "project ID (required)")
	secret := fs.String("secret", "", "project secret (required)")
	addr := fs.String("addr", "127.0.0.1:3002", "listen address")
	redirect := fs.String("redirect-url", "", "redirect URL registered at the bank (default http://<addr>/callback)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clientID == "" || *projectID == "" || *secret == "" {
		return fmt.Errorf("--bank-client-id, --project-id and --secret are required")
	}
	if *redirect == "" {
		*redirect = "http://" + *addr + "/callback"
	}
	ru, err := url.Parse(*redirect)
	if err != nil || ru.Path == "" {
		return fmt.Errorf("--redirect-url %q: want an absolute URL with a path", *redirect)
	}
	cfg := rp.Config{
		ClientID: *clientID, ClientSecret: rp.Secret(*clientSecret), AuthMethod: rp.AuthMethod(*authMethod),
		RedirectURL: *redirect, Scopes: scopes,
		// The only bank this app talks to.
		AllowedIssuers: []string{*issuer},
	}
	if *jwksFile != "" {
		b, err := os.ReadFile(*jwksFile)
		if err != nil {
			return err
		}
		if cfg.Keys, err = rp.ParsePrivateJWKS(b); err != nil {
			return fmt.Errorf("--bank-jwks: %w", err)
		}
	}
	client, err := rp.New(cfg)
	if err != nil {
		return err
	}
	a, err := newApp(client, *issuer, *bankName, ru,
		&Users{BaseURL: *signetURL, ProjectID: *projectID, Secret: Secret(*secret), HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		return err
	}
	slog.Info("stytchbank listening", "url", "http://"+*addr+"/", "bank", *issuer, "users_api", *signetURL)
	srv := &http.Server{Addr: *addr, Handler: a.routes(), ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	return srv.ListenAndServe()
}

// newApp wires the app for the bank at issuer, calling back at redirect.
func newApp(client *rp.Client, issuer, bankName string, redirect *url.URL, users *Users) (*app, error) {
	aead, err := newAEAD()
	if err != nil {
		return nil, err
	}
	return &app{bank: client.Bank(issuer), bankName: bankName, recorder: &Recorder{Users: users},
		callback: redirect.Path, secure: redirect.Scheme == "https", aead: aead, log: slog.Default(), now: time.Now}, nil
}
