package rp_test

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/signet-id/signet/oidc"
	"github.com/signet-id/signet/rp"
)

func TestNewProofs(t *testing.T) {
	p, q := rp.NewProofs(), rp.NewProofs()
	for _, s := range []string{p.State, p.Nonce, p.CodeVerifier} {
		if len(s) != 43 || strings.ContainsAny(s, "+/=") {
			t.Errorf("proof %q is not 43 base64url characters", s)
		}
	}
	if p == q || p.State == p.Nonce {
		t.Error("proofs repeat")
	}
	if p.CodeChallenge() != oidc.S256Challenge(p.CodeVerifier) {
		t.Error("challenge is not S256")
	}
}

func TestSelectorURL(t *testing.T) {
	c, err := rp.New(rp.Config{ClientID: "mXzJ0TJEbWQb2A8s1z6gq", ClientSecret: "s", RedirectURL: redirect,
		AccountSelectorURL: "https://selector.example/v1/select-accounts", Scopes: []string{"openid", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	names, err := rp.ClaimNames([]byte(`{"id_token":{"email":{"essential":true},"payment_details":null},"userinfo":{"payment_details":null}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.SelectorURL("v 1", names...)
	want := "https://selector.example/v1/select-accounts?client_id=mXzJ0TJEbWQb2A8s1z6gq&visitor_id=v+1&scope=openid+email&claims=payment_details+email"
	if err != nil || got != want {
		t.Errorf("SelectorURL =\n %s, %v\nwant\n %s", got, err, want)
	}
	c2, _ := rp.New(rp.Config{ClientID: "c", ClientSecret: "s", RedirectURL: redirect})
	if _, err := c2.SelectorURL(""); err == nil {
		t.Error("SelectorURL without AccountSelectorURL succeeded")
	}
}

func TestPublicJWKS(t *testing.T) {
	priv, _ := clientKeys(t)
	keys, err := rp.ParsePrivateJWKS(priv)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", keys, keys, keys); len(s) > 300 {
		t.Errorf("PrivateKeys print their key material: %.80s…", s)
	}
	c, _ := rp.New(rp.Config{ClientID: "c", RedirectURL: redirect, AuthMethod: rp.PrivateKeyJWT, Keys: keys})
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(c.PublicJWKS(), &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("PublicJWKS = %s, %v", c.PublicJWKS(), err)
	}
	for _, k := range set.Keys {
		if _, ok := k["d"]; ok {
			t.Errorf("public JWKS has private member: %v", k)
		}
	}
	plain, _ := rp.New(rp.Config{ClientID: "c", ClientSecret: "s", RedirectURL: redirect})
	if got := string(plain.PublicJWKS()); got != `{"keys":[]}` {
		t.Errorf("PublicJWKS without keys = %s", got)
	}
	if _, err := rp.ParsePrivateJWKS([]byte(`{"keys":[]}`)); err == nil {
		t.Error("empty private JWKS accepted")
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []rp.Config{
		{RedirectURL: redirect, ClientSecret: "s"},
		{ClientID: "c", ClientSecret: "s", RedirectURL: "/relative"},
		{ClientID: "c", RedirectURL: redirect},
		{ClientID: "c", RedirectURL: redirect, AuthMethod: rp.TLSClientAuth},
		{ClientID: "c", RedirectURL: redirect, AuthMethod: rp.PrivateKeyJWT},
		{ClientID: "c", RedirectURL: redirect, AuthMethod: "client_secret_post", ClientSecret: "s"},
	} {
		if _, err := rp.New(cfg); err == nil {
			t.Errorf("New(%#v) succeeded", cfg)
		}
	}
	cfg := rp.Config{ClientSecret: "hunter2"}
	if s := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.ClientSecret); strings.Contains(s, "hunter2") {
		t.Errorf("config prints its secret: %s", s)
	}
}

func TestGenerateJWKS(t *testing.T) {
	priv, pub, err := rp.GenerateJWKS()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.ParsePrivateJWKS(priv); err != nil {
		t.Fatalf("generated set does not parse: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(pub, &set); err != nil || len(set.Keys) != 2 {
		t.Fatalf("public set: %v %s", err, pub)
	}
	for _, k := range set.Keys {
		tp, _ := k.Thumbprint(crypto.SHA256)
		if !k.IsPublic() || k.KeyID != base64.RawURLEncoding.EncodeToString(tp) {
			t.Errorf("public key %s: public %v, kid not its thumbprint", k.KeyID, k.IsPublic())
		}
	}
	if set.Keys[0].Use != "sig" || set.Keys[0].Algorithm != "PS256" || set.Keys[1].Use != "enc" || set.Keys[1].Algorithm != "RSA-OAEP" {
		t.Errorf("uses/algs: %+v", set.Keys)
	}
}
