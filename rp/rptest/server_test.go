package rptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The fake OP takes client assertions and request objects in the compact
// serialization only (a JWT is compact, RFC 7519 §1), like a real one.
func TestCompactClientJWTs(t *testing.T) {
	s := NewServer(t, Options{})
	private, public := GenerateJWKS(t)
	const redirect = "https://app.example/cb"
	s.RegisterClient(Client{ID: "app", AuthMethod: "private_key_jwt", RedirectURIs: []string{redirect}, JWKS: public})
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(private, &set); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: set.Keys[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(claims map[string]any, compact bool) string {
		b, _ := json.Marshal(claims)
		jws, err := signer.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		if !compact {
			return jws.FullSerialize()
		}
		out, _ := jws.CompactSerialize()
		return out
	}
	exp := time.Now().Add(time.Minute).Unix()
	assertion := func(compact bool) string {
		return sign(map[string]any{"iss": "app", "sub": "app", "aud": s.Issuer(), "jti": randomID(), "exp": exp}, compact)
	}
	object := func(compact bool) string {
		return sign(map[string]any{"iss": "app", "aud": s.Issuer(), "exp": exp, "client_id": "app", "redirect_uri": redirect,
			"response_type": "code", "response_mode": "jwt", "scope": "openid", "state": "s", "nonce": "n",
			"code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}, compact)
	}
	for _, tt := range []struct {
		name              string
		assertion, object bool // compact
		want              int
	}{
		{"compact", true, true, http.StatusCreated},
		{"JSON client assertion", false, true, http.StatusUnauthorized},
		{"JSON request object", true, false, http.StatusBadRequest},
	} {
		form := url.Values{"client_id": {"app"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {assertion(tt.assertion)}, "request": {object(tt.object)}}
		resp, err := http.Post(s.Issuer()+"/par", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: PAR = %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}
