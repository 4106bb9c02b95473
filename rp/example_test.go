package rp_test

import (
	"context"
	"fmt"
	"log"
	"testing"

	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

// A whole login against the fake bank in rptest: the Origin URL pushes the
// request, the bank redirects back with a JARM, the Redirect URL exchanges
// it and reads userinfo.
func Example() {
	t := &testing.T{} // rptest wants a testing.TB; in a test, pass yours
	bank := rptest.NewServer(t, rptest.Options{})
	bank.RegisterClient(rptest.Client{ID: "my-app", Secret: "secret", AuthMethod: "client_secret_basic",
		RedirectURIs: []string{"https://app.example/button/oauth/callback"}})

	c, err := rp.New(rp.Config{
		ClientID:     "my-app",
		ClientSecret: "secret",
		RedirectURL:  "https://app.example/button/oauth/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Origin URL: keep proofs and iss in the session, then redirect.
	proofs := rp.NewProofs()
	authURL, err := c.AuthorizationURL(ctx, bank.Issuer(), "", proofs, []string{"openid", "email"}, nil)
	if err != nil {
		log.Fatal(err)
	}

	// The browser visits the bank, which approves at once.
	callback, err := bank.Authorize(authURL)
	if err != nil {
		log.Fatal(err)
	}

	// Redirect URL: verify the response, redeem the code, read userinfo.
	ts, err := c.Exchange(ctx, callback, bank.Issuer(), proofs)
	if err != nil {
		log.Fatal(err)
	}
	info, err := c.UserInfo(ctx, bank.Issuer(), ts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ts.Subject(), info["email"])
	// Output: user-1 mikomo_10@example.com
}

// Production clients authenticate with a TLS certificate and receive
// encrypted responses.
func ExampleLoadTLS() {
	var certPEM, keyPEM, caPEM, privateJWKS []byte // from your secret store
	cert, roots, err := rp.LoadTLS(certPEM, keyPEM, caPEM)
	if err != nil {
		log.Fatal(err)
	}
	keys, err := rp.ParsePrivateJWKS(privateJWKS)
	if err != nil {
		log.Fatal(err)
	}
	_, err = rp.New(rp.Config{
		ClientID:       "my-app",
		RedirectURL:    "https://app.example/button/oauth/callback",
		AuthMethod:     rp.TLSClientAuth,
		TLSCertificate: cert,
		RootCAs:        roots,
		Keys:           keys,
		AllowedIssuers: []string{"https://bank.example/oidc"},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// The Origin URL sends a visitor without a chosen bank (no iss in the
// query) to the account selector, which comes back with iss and idp_id.
func ExampleClient_SelectorURL() {
	c, _ := rp.New(rp.Config{ClientID: "my-app", ClientSecret: "secret",
		RedirectURL: "https://app.example/button/oauth/callback", AccountSelectorURL: "https://selector.example/select"})
	u, _ := c.SelectorURL("visitor-1", []string{"openid", "email"}, "email")
	fmt.Println(u)
	// Output: https://selector.example/select?client_id=my-app&visitor_id=visitor-1&scope=openid+email&claims=email
}
