package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/rp"
)

// rpScopes is what a bank login through package rp asks for in these tests.
var rpScopes = []string{"openid", "email", "profile", "address", "payment_details", "offline_access"}

// TestRPSandboxBank runs package rp's whole flow (PAR, the person's
// approval, JARM, token exchange, ID token, userinfo, payment details,
// refresh) against `signet sandbox-bank` with each of its registered
// clients: client_secret_basic with and without keys, private_key_jwt, and
// tls_client_auth over the mutual-TLS listener.
func TestRPSandboxBank(t *testing.T) {
	bank := startSandboxBank(t)
	if len(bank.TestUsers) == 0 {
		t.Fatal("sandbox-bank-rp.json has no test users")
	}
	user := bank.TestUsers[0]
	for _, name := range []string{"basic", "plain", "private_key_jwt", "mtls", "mtls_plain"} {
		t.Run(name, func(t *testing.T) {
			sc, ok := bank.Clients[name]
			if !ok {
				t.Fatalf("sandbox-bank-rp.json has no %q client", name)
			}
			if len(sc.RedirectURIs) == 0 {
				t.Fatalf("client %q has no redirect URI", name)
			}
			cfg := rp.Config{
				ClientID:     sc.ClientID,
				RedirectURL:  sc.RedirectURIs[0],
				AuthMethod:   rp.AuthMethod(sc.TokenEndpointAuthMethod),
				ClientSecret: rp.Secret(sc.ClientSecret),
				Scopes:       rpScopes,
				Timeout:      10 * time.Second,
			}
			if len(sc.JWKS) > 0 {
				keys, err := rp.ParsePrivateJWKS(sc.JWKS)
				if err != nil {
					t.Fatal(err)
				}
				cfg.Keys = keys
			}
			if cfg.AuthMethod == rp.TLSClientAuth {
				cert, pool, err := rp.LoadTLS([]byte(sc.TLSClientCert), []byte(sc.TLSClientKey), []byte(bank.TLSServerCA))
				if err != nil {
					t.Fatal(err)
				}
				cfg.TLSCertificate, cfg.RootCAs = cert, pool
			}
			c, err := rp.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			proofs := rp.NewProofs()
			at := c.Bank(bank.Issuer)
			authURL, err := at.PushAuthorization(ctx, proofs)
			if err != nil {
				t.Fatalf("PushAuthorization: %v", err)
			}
			cb := approveAtSandbox(t, authURL, cfg.RedirectURL, user.Email, user.Password)
			ts, err := at.Exchange(ctx, cb, proofs)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			checkRPSession(t, at, ts, user.Email)
		})
	}
}

// TestRPFAPIBank runs package rp's whole flow against oidc-provider as an
// IDPartner-network FAPI 1.0 bank over HTTPS: a tls_client_auth client
// (certificate-bound tokens) and a client_secret_basic one, both with
// signed request objects and encrypted JARMs and ID tokens.
func TestRPFAPIBank(t *testing.T) {
	bank := startFAPIBank(t, FAPIClient{}, FAPIClient{AuthMethod: "client_secret_basic"})
	acct := bank.Accounts[bank.Login]
	for _, fc := range bank.Clients {
		t.Run(fc.AuthMethod, func(t *testing.T) {
			keys, err := rp.ParsePrivateJWKS(fc.JWKS)
			if err != nil {
				t.Fatal(err)
			}
			cfg := rp.Config{
				ClientID:    fc.ClientID,
				RedirectURL: fc.RedirectURI,
				AuthMethod:  rp.AuthMethod(fc.AuthMethod),
				RootCAs:     bank.CAPool,
				Keys:        keys,
				Scopes:      rpScopes,
				Timeout:     10 * time.Second,
			}
			switch cfg.AuthMethod {
			case rp.TLSClientAuth:
				cert := fc.Cert
				cfg.TLSCertificate = &cert
			case rp.ClientSecretBasic:
				cfg.ClientSecret = rp.Secret(fc.Secret)
			}
			c, err := rp.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			proofs := rp.NewProofs()
			// oidc-provider only grants offline_access with prompt=consent
			// (OIDC Core §11).
			at := c.Bank(bank.Issuer)
			authURL, err := at.PushAuthorization(ctx, proofs, rp.WithParam("prompt", "consent"))
			if err != nil {
				t.Fatalf("PushAuthorization: %v", err)
			}
			ts, err := at.Exchange(ctx, bank.Approve(t, authURL), proofs)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			checkRPSession(t, at, ts, acct["email"].(string))
		})
	}
}

// checkRPSession checks a fresh login's tokens: the ID token names the
// person, userinfo has the profile, email and address claims for the same
// sub, payment details list an account with a routing number, and the
// refresh token (when the OP granted one) works.
func checkRPSession(t *testing.T, bank *rp.Bank, ts *rp.TokenSet, email string) {
	t.Helper()
	ctx := context.Background()
	if ts.AccessToken == "" || ts.Subject() == "" || ts.IDToken == "" {
		t.Fatalf("token set: %v", ts)
	}
	info, err := bank.UserInfo(ctx, ts)
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if info["email"] != email {
		t.Errorf("userinfo email = %v, want %s", info["email"], email)
	}
	if s, _ := info["given_name"].(string); s == "" {
		t.Errorf("userinfo has no given_name: %v", info)
	}
	if addr, _ := info["address"].(map[string]any); len(addr) == 0 {
		t.Errorf("userinfo has no address: %v", info)
	}
	pds, err := bank.PaymentDetails(ctx, ts)
	if err != nil {
		t.Fatalf("PaymentDetails: %v", err)
	}
	if len(pds) == 0 {
		t.Fatal("PaymentDetails: none")
	}
	for _, pd := range pds {
		if pd.BankID == "" || pd.Identifier == "" {
			t.Errorf("payment detail without bankId or identifier: %+v", pd)
		}
	}
	if ts.RefreshToken == "" {
		t.Log("no refresh token granted; Refresh not exercised")
		return
	}
	rts, err := bank.Refresh(ctx, ts)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if rts.AccessToken == "" || rts.Subject() != ts.Subject() {
		t.Errorf("refreshed token set: %v (was %v)", rts, ts)
	}
	if _, err := bank.UserInfo(ctx, rts); err != nil {
		t.Errorf("UserInfo with the refreshed access token: %v", err)
	}
}

// approveAtSandbox plays the person at Signet's sandbox bank: it opens
// authURL, signs in with email and password on the login page, allows on
// the consent page, and returns the URL the bank redirects to at
// redirectURI (not followed; nothing listens there).
func approveAtSandbox(t *testing.T, authURL, redirectURI, email, password string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	isCallback := func(u string) bool { return strings.HasPrefix(u, redirectURI) }
	return walkForms(t, hc, authURL, isCallback, func(page []byte, form url.Values) {
		if bytes.Contains(page, []byte(`name="password"`)) {
			form.Set("email", email)
			form.Set("password", password)
		} else {
			form.Set("decision", "allow")
		}
	})
}
