package rp_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

const redirect = "https://app.example/button/oauth/callback"

var (
	keysOnce          sync.Once
	privJWKS, pubJWKS []byte
)

// clientKeys generates one client key pair for the whole test binary.
func clientKeys(t testing.TB) ([]byte, []byte) {
	keysOnce.Do(func() { privJWKS, pubJWKS = rptest.GenerateJWKS(t) })
	return privJWKS, pubJWKS
}

// clock is a settable fake clock shared by the client and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type setup struct {
	method   rp.AuthMethod
	withKeys bool
}

// newPair starts an OP, registers a client for s and returns the RP client.
func newPair(t *testing.T, s setup, clk *clock) (*rp.Client, *rptest.Server) {
	t.Helper()
	srv := rptest.NewServer(t, rptest.Options{TLS: s.method == rp.TLSClientAuth, Now: clk.Now})
	reg := rptest.Client{ID: "client-" + string(s.method), AuthMethod: string(s.method), RedirectURIs: []string{redirect}}
	cfg := rp.Config{ClientID: reg.ID, RedirectURL: redirect, AuthMethod: s.method, Now: clk.Now, RootCAs: srv.CertPool(),
		Scopes: []string{"openid", "email", "profile", "offline_access"}}
	if s.withKeys {
		priv, pub := clientKeys(t)
		keys, err := rp.ParsePrivateJWKS(priv)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Keys, reg.JWKS = keys, pub
	}
	switch s.method {
	case rp.ClientSecretBasic:
		reg.Secret, cfg.ClientSecret = "s3cret with spaces&:", "s3cret with spaces&:"
	case rp.TLSClientAuth:
		cert := srv.ClientCertificate(t, reg.ID)
		cfg.TLSCertificate = &cert
	}
	srv.RegisterClient(reg)
	c, err := rp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func login(t *testing.T, c *rp.Client, srv *rptest.Server, p rp.Proofs) (*rp.TokenSet, error) {
	t.Helper()
	ctx := context.Background()
	authURL, err := c.Bank(srv.Issuer()).PushAuthorization(ctx, p, rp.WithIdentityProvider("idp-1"),
		rp.WithParam("prompt", "consent"), rp.WithParam("claims", `{"userinfo":{"payment_details":null}}`))
	if err != nil {
		return nil, err
	}
	if u, _ := url.Parse(authURL); u.Query().Get("request_uri") == "" || u.Query().Get("client_id") == "" || len(u.Query()) != 2 {
		t.Fatalf("authorization URL %s: want client_id and request_uri only", authURL)
	}
	cb, err := srv.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return c.Bank(srv.Issuer()).Exchange(ctx, cb, p)
}

func TestFullFlow(t *testing.T) {
	for _, s := range []setup{
		{rp.ClientSecretBasic, false}, {rp.ClientSecretBasic, true},
		{rp.PrivateKeyJWT, true},
		{rp.TLSClientAuth, false}, {rp.TLSClientAuth, true},
	} {
		t.Run(fmt.Sprintf("%s/keys=%v", s.method, s.withKeys), func(t *testing.T) {
			clk := &clock{t: time.Now()}
			c, srv := newPair(t, s, clk)
			ctx := context.Background()
			bank := c.Bank(srv.Issuer())
			ts, err := login(t, c, srv, rp.NewProofs())
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if ts.Subject() != "user-1" || ts.Claims["email"] != "mikomo_10@example.com" || ts.RefreshToken == "" {
				t.Fatalf("token set %v claims %v", ts, ts.Claims)
			}
			if strings.Count(ts.IDToken, ".") != 2 {
				t.Errorf("IDToken is not the inner JWS")
			}
			var cl struct {
				Sub   string `json:"sub"`
				Email string `json:"email"`
			}
			if err := ts.DecodeClaims(&cl); err != nil || cl.Email != "mikomo_10@example.com" {
				t.Errorf("DecodeClaims = %+v, %v", cl, err)
			}
			if tok := ts.Token(); tok.Extra("id_token") != ts.IDToken || tok.AccessToken != ts.AccessToken || !tok.Valid() {
				t.Errorf("oauth2 token does not carry the token set")
			}
			info, err := bank.UserInfo(ctx, ts)
			if err != nil || info["sub"] != "user-1" {
				t.Fatalf("UserInfo = %v, %v", info, err)
			}
			pd, err := bank.PaymentDetails(ctx, ts)
			if err != nil || len(pd) != 1 || pd[0].BankID != "125000024" || !pd[0].TransferIn || pd[0].Type != "US_ACH" {
				t.Fatalf("PaymentDetails = %+v, %v", pd, err)
			}
			clk.Add(2 * time.Minute) // the ID token (60 s) has expired; refresh must not care
			ts2, err := bank.Refresh(ctx, ts)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if ts2.AccessToken == ts.AccessToken || ts2.Subject() != "user-1" {
				t.Fatalf("refreshed token set %v", ts2)
			}
			if _, err := bank.UserInfo(ctx, ts2); err != nil {
				t.Fatalf("UserInfo after refresh: %v", err)
			}
			if s := fmt.Sprintf("%v %+v %#v", ts, ts, *ts); strings.Contains(s, ts.AccessToken) || strings.Contains(s, ts.RefreshToken) {
				t.Errorf("token set prints its tokens: %s", s)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	is := func(target error) func(error) bool {
		return func(err error) bool {
			var v *rp.ValidationError
			return errors.As(err, &v) && errors.Is(err, target)
		}
	}
	for _, tt := range []struct {
		name     string
		fail     rptest.Failure
		withKeys bool
		want     func(error) bool
		reason   string
	}{
		{"wrong state", rptest.WrongState, false, is(rp.ErrStateMismatch), "state"},
		{"JARM signed by another key", rptest.WrongSigningKey, false, is(rp.ErrSignature), "signature"},
		{"JARM signed by another key, encrypted", rptest.WrongSigningKey, true, is(rp.ErrSignature), "signature"},
		{"expired JARM", rptest.ExpiredJARM, false, is(rp.ErrExpired), "expired"},
		{"wrong audience", rptest.WrongAudience, true, is(rp.ErrAudience), "audience"},
		{"unencrypted JARM", rptest.UnencryptedResponse, true, is(rp.ErrEncryption), "not encrypted"},
		{"unencrypted ID token", rptest.UnencryptedIDToken, true, is(rp.ErrEncryption), "not encrypted"},
		{"nonce mismatch", rptest.NonceMismatch, false, is(rp.ErrNonceMismatch), "nonce"},
		{"PAR 200", rptest.PARStatus200, false, is(rp.ErrMalformed), "201"},
		{"OP error JARM", rptest.ErrorJARM, true, func(err error) bool {
			var oe *rp.OAuthError
			return errors.As(err, &oe) && oe.Code == "access_denied" && oe.StatusCode == 0
		}, "access_denied"},
		{"PAR error", rptest.PARError, true, func(err error) bool {
			var oe *rp.OAuthError
			return errors.As(err, &oe) && oe.Code == "invalid_request" && oe.StatusCode == 400
		}, "invalid_request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := &clock{t: time.Now()}
			c, srv := newPair(t, setup{rp.ClientSecretBasic, tt.withKeys}, clk)
			srv.SetFailure(tt.fail)
			_, err := login(t, c, srv, rp.NewProofs())
			if err == nil || !tt.want(err) || !strings.Contains(err.Error(), tt.reason) {
				t.Fatalf("err = %v (%T), want one mentioning %q", err, err, tt.reason)
			}
		})
	}
}

func TestUserinfoSubMismatch(t *testing.T) {
	c, srv := newPair(t, setup{rp.ClientSecretBasic, false}, &clock{t: time.Now()})
	ts, err := login(t, c, srv, rp.NewProofs())
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFailure(rptest.UserinfoSubMismatch)
	var v *rp.ValidationError
	if _, err := c.Bank(srv.Issuer()).UserInfo(context.Background(), ts); !errors.As(err, &v) || !errors.Is(err, rp.ErrSubjectMismatch) {
		t.Fatalf("UserInfo err = %v, want ValidationError ErrSubjectMismatch", err)
	}
}

// The client's clock, not only the server's, decides expiry.
func TestJARMExpiresOnClientClock(t *testing.T) {
	clk := &clock{t: time.Now()}
	c, srv := newPair(t, setup{rp.ClientSecretBasic, true}, clk)
	p := rp.NewProofs()
	bank := c.Bank(srv.Issuer())
	authURL, err := bank.PushAuthorization(context.Background(), p, rp.WithScopes("openid"))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := srv.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(120*time.Second + 11*time.Second) // JARM lifetime plus more than the skew
	if _, err := bank.Exchange(context.Background(), cb, p); !errors.Is(err, rp.ErrExpired) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("Exchange err = %v, want expired", err)
	}
}

func TestExchangeRefusesPlainResponse(t *testing.T) {
	c, srv := newPair(t, setup{rp.ClientSecretBasic, false}, &clock{t: time.Now()})
	p := rp.NewProofs()
	for _, cb := range []string{
		redirect + "?code=abc&state=" + p.State + "&iss=" + url.QueryEscape(srv.Issuer()),
		redirect + "?error=access_denied&state=" + p.State,
		redirect + "?response=a&response=b",
	} {
		var v *rp.ValidationError
		if _, err := c.Bank(srv.Issuer()).Exchange(context.Background(), cb, p); !errors.As(err, &v) || !errors.Is(err, rp.ErrMalformed) {
			t.Errorf("Exchange(%s) err = %v, want ValidationError ErrMalformed", cb, err)
		}
	}
}

func TestIssuerChecks(t *testing.T) {
	c, srv := newPair(t, setup{rp.ClientSecretBasic, false}, &clock{t: time.Now()})
	p := rp.NewProofs()
	ctx := context.Background()
	for iss, want := range map[string]error{
		srv.Issuer() + "/":         rp.ErrDiscovery, // OIDC Discovery §4.3: not the issuer the document names
		"http://example.com":       rp.ErrIssuerNotAllowed,
		"https://op.example/?x=1":  rp.ErrIssuerNotAllowed,
		"not a url":                rp.ErrIssuerNotAllowed,
		"https://op.example/#frag": rp.ErrIssuerNotAllowed,
	} {
		if _, err := c.Bank(iss).PushAuthorization(ctx, p); !errors.Is(err, want) {
			t.Errorf("PushAuthorization(%q) err = %v, want %v", iss, err, want)
		}
	}
	restricted, err := rp.New(rp.Config{ClientID: "x", RedirectURL: redirect, ClientSecret: "s", AllowedIssuers: []string{"https://bank.example"},
		Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restricted.Bank(srv.Issuer()).PushAuthorization(ctx, p); !errors.Is(err, rp.ErrIssuerNotAllowed) ||
		!strings.Contains(err.Error(), "AllowedIssuers") {
		t.Errorf("issuer outside AllowedIssuers: err = %v", err)
	}
	if _, err := c.Bank(srv.Issuer()).PushAuthorization(ctx, p, rp.WithParam("state", "x")); !errors.Is(err, rp.ErrInvalidArgument) {
		t.Errorf("WithParam may override state: err = %v", err)
	}
}

func TestClientSecretBasicWrongSecret(t *testing.T) {
	srv := rptest.NewServer(t, rptest.Options{})
	srv.RegisterClient(rptest.Client{ID: "c", Secret: "right", AuthMethod: "client_secret_basic", RedirectURIs: []string{redirect}})
	c, _ := rp.New(rp.Config{ClientID: "c", ClientSecret: "wrong", RedirectURL: redirect, Scopes: []string{"openid"}})
	_, err := c.Bank(srv.Issuer()).PushAuthorization(context.Background(), rp.NewProofs())
	var oe *rp.OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || oe.StatusCode != 401 || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err = %v", err)
	}
}

func TestTransportError(t *testing.T) {
	c, _ := rp.New(rp.Config{ClientID: "c", ClientSecret: "s", RedirectURL: redirect, Timeout: time.Second, Scopes: []string{"openid"}})
	_, err := c.Bank("http://127.0.0.1:1").PushAuthorization(context.Background(), rp.NewProofs())
	var te *rp.TransportError
	if !errors.As(err, &te) || te.Op != "discovery" {
		t.Fatalf("err = %v (%T), want TransportError", err, err)
	}
}
