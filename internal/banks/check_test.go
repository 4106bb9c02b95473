package banks

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signet-id/signet/rp/rptest"
)

// TestCheck: a bank is tried before it is saved, and each failure is a
// *CheckError naming the check and the fix.
func TestCheck(t *testing.T) {
	bank := rptest.NewServer(t, rptest.Options{})
	const cb = "https://signet.example/verify/callback"
	bank.RegisterClient(rptest.Client{ID: "signet", Secret: "s3cret-s3cret", AuthMethod: ClientSecretBasic, RedirectURIs: []string{cb}})
	dead := httptest.NewServer(nil)
	dead.Close()
	good := func(mod func(*Input)) Input {
		in := Input{Issuer: bank.Issuer(), DisplayName: "Mikomo Bank", ClientID: "signet", AuthMethod: ClientSecretBasic,
			Credentials: Credentials{ClientSecret: "s3cret-s3cret"}}
		if mod != nil {
			mod(&in)
		}
		return in
	}
	for _, tt := range []struct {
		name     string
		in       Input
		redirect string
		check    string // "" passes; "invalid" is an *InvalidError
		says     string
	}{
		{"works", good(nil), cb, "", ""},
		{"bad input first", good(func(in *Input) { in.ClientID = "" }), cb, "invalid", "client_id"},
		{"unreachable", good(func(in *Input) { in.Issuer = dead.URL }), cb, "discovery", "check the issuer URL"},
		{"issuer not the bank's", good(func(in *Input) { in.Issuer = bank.Issuer() + "/oidc" }), cb, "discovery", "check the issuer URL"},
		{"wrong secret", good(func(in *Input) { in.Credentials.ClientSecret = "wrong-wrong" }), cb, "credentials", "check the client ID"},
		{"unknown client", good(func(in *Input) { in.ClientID = "nobody" }), cb, "credentials", "check the client ID"},
		{"redirect URI not registered", good(nil), "https://elsewhere.example/verify/callback", "par",
			"https://elsewhere.example/verify/callback is not registered"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(context.Background(), tt.in, tt.redirect, nil)
			var (
				ce  *CheckError
				inv *InvalidError
			)
			switch {
			case tt.check == "" && err != nil:
				t.Fatalf("Check = %v", err)
			case tt.check == "":
			case tt.check == "invalid" && !errors.As(err, &inv):
				t.Fatalf("Check = %v, want an *InvalidError", err)
			case tt.check != "invalid" && (!errors.As(err, &ce) || ce.Check != tt.check):
				t.Fatalf("Check = %#v, want check %s", err, tt.check)
			}
			if err != nil && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Check = %v, want it to say %q", err, tt.says)
			}
		})
	}
}
