package rptest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/signet-id/signet/rp"
	"github.com/signet-id/signet/rp/rptest"
)

// New's server is a plain http.Handler: here mounted under /bank of an
// app's own server, with no testing.TB, and a whole login runs against it.
func TestNewAsHandler(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	fake, err := rptest.New(rptest.Options{Issuer: srv.URL + "/bank", Subject: "handler-1"})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/bank/", http.StripPrefix("/bank", fake))
	const redirect = "https://app.example/cb"
	fake.RegisterClient(rptest.Client{ID: "app", Secret: "s", AuthMethod: "client_secret_basic", RedirectURIs: []string{redirect}})
	c, err := rp.New(rp.Config{ClientID: "app", ClientSecret: "s", RedirectURL: redirect, Scopes: []string{"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, p, bank := context.Background(), rp.NewProofs(), c.Bank(fake.Issuer())
	u, err := bank.PushAuthorization(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := fake.Authorize(u)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := bank.Exchange(ctx, cb, p)
	if err != nil || ts.Subject() != "handler-1" {
		t.Fatalf("Exchange = %v, %v", ts, err)
	}
	if fake.CertPool() != nil || fake.CertificatePEM() != nil || fake.ClientCAs() == nil {
		t.Error("a New server has its caller's TLS certificate, not one of its own")
	}
	if _, err := fake.Authorize("https://elsewhere.example/bank/authorize?request_uri=x"); err == nil {
		t.Error("Authorize took another server's URL")
	}
	for _, iss := range []string{"", "/bank", "http://127.0.0.1/?q=1", "http://127.0.0.1/", "http://127.0.0.1#f"} {
		if _, err := rptest.New(rptest.Options{Issuer: iss}); err == nil {
			t.Errorf("New(Issuer %q) succeeded", iss)
		}
	}
}
