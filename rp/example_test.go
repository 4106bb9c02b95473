package rp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

// A whole login against the fake bank in rptest: the Origin URL pushes the
// request, the bank redirects back with a JARM, the Redirect URL exchanges
// it and reads userinfo.
func Example() {
	// The fake bank, served on a loopback port.
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	fake, err := rptest.New(rptest.Options{Issuer: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/", fake)
	fake.RegisterClient(rptest.Client{ID: "my-app", Secret: "secret", AuthMethod: "client_secret_basic",
		RedirectURIs: []string{"https://app.example/button/oauth/callback"}})

	c, err := rp.New(rp.Config{
		ClientID:     "my-app",
		ClientSecret: "secret",
		RedirectURL:  "https://app.example/button/oauth/callback",
		Scopes:       []string{"openid", "email"},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	bank := c.Bank(fake.Issuer()) // the iss the account selector returned

	// Origin URL: keep proofs and iss in the session, then redirect.
	proofs := rp.NewProofs()
	authURL, err := bank.PushAuthorization(ctx, proofs)
	if err != nil {
		log.Fatal(err)
	}

	// The browser visits the bank, which approves at once.
	callback, err := fake.Authorize(authURL)
	if err != nil {
		log.Fatal(err)
	}

	// Redirect URL: verify the response, redeem the code, read userinfo.
	ts, err := bank.Exchange(ctx, callback, proofs)
	if err != nil {
		log.Fatal(err)
	}
	info, err := bank.UserInfo(ctx, ts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ts.Subject(), info["email"])
	// Output: user-1 mikomo_10@example.com
}

// The account selector's idp_id, a claims request and a prompt go with the
// pushed request as options.
func ExampleBank_PushAuthorization() {
	var c *rp.Client          // from rp.New
	var iss, idpID string     // from the account selector's answer
	var w http.ResponseWriter // the Origin URL's response
	var r *http.Request

	proofs := rp.NewProofs() // keep in the session with iss
	u, err := c.Bank(iss).PushAuthorization(r.Context(), proofs,
		rp.WithIdentityProvider(idpID),
		rp.WithParam("claims", `{"userinfo":{"email":{"essential":true}}}`),
		rp.WithParam("prompt", "consent"))
	if err != nil {
		http.Error(w, "the bank could not be reached", http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// A failed check is a *ValidationError; errors.Is tells which check.
func ExampleValidationError() {
	var bank *rp.Bank
	var r *http.Request
	var proofs rp.Proofs // from the session

	_, err := bank.Exchange(r.Context(), r.URL.String(), proofs)
	switch {
	case errors.Is(err, rp.ErrStateMismatch):
		// Another browser's answer, or a stale tab: start again.
	case errors.Is(err, rp.ErrExpired):
		// The person took too long at the bank.
	case err != nil:
		// Any other failure.
	}
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
	c, _ := rp.New(rp.Config{ClientID: "my-app", ClientSecret: "secret", Scopes: []string{"openid", "email"},
		RedirectURL: "https://app.example/button/oauth/callback", AccountSelectorURL: "https://selector.example/select"})
	u, _ := c.SelectorURL("visitor-1", "email")
	fmt.Println(u)
	// Output: https://selector.example/select?client_id=my-app&visitor_id=visitor-1&scope=openid+email&claims=email
}
