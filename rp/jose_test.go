package rp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// A JWT is compact (RFC 7519 §1): a JARM or ID token in the JWS or JWE
// JSON serialization (RFC 7515 §7.2, RFC 7516 §7.2) is refused, whether it
// is the outer JWE or the JWS inside it, even when the signature and the
// encryption are otherwise right.
func TestOpenRefusesJSONSerialization(t *testing.T) {
	fx := newJOSEFixture(t)
	plain, err := New(Config{ClientID: "client", ClientSecret: "s", RedirectURL: "https://app.example/cb", Now: fx.c.cfg.Now})
	if err != nil {
		t.Fatal(err)
	}
	now := fx.c.now().Unix()
	claims := map[string]any{"iss": fx.p.md.Issuer, "aud": "client", "sub": "u", "exp": now + 60, "iat": now,
		"nonce": "n", "code": "c", "state": "s"}
	jws := fx.sign(claims)
	compactJWS, _ := jws.CompactSerialize()
	jsonJWS := jws.FullSerialize()
	compactJWE, _ := fx.encrypt(compactJWS).CompactSerialize()
	jsonJWE := fx.encrypt(compactJWS).FullSerialize()
	// open tells a JWE by its four dots; give the JSON JWE four (in a
	// member parsers ignore) so that it reaches the JWE parser.
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(jsonJWE), &obj); err != nil {
		t.Fatal(err)
	}
	obj["x"] = json.RawMessage(`"...."`)
	b, _ := json.Marshal(obj)
	if jsonJWE = string(b); strings.Count(jsonJWE, ".") != 4 {
		t.Fatalf("JSON JWE has %d dots", strings.Count(jsonJWE, "."))
	}
	jweAroundJSON, _ := fx.encrypt(jsonJWS).CompactSerialize()

	for _, tt := range []struct {
		name   string
		client *Client
		raw    string
		ok     bool
	}{
		{"compact JWE around compact JWS", fx.c, compactJWE, true},
		{"compact JWS", plain, compactJWS, true},
		{"JSON JWE", fx.c, jsonJWE, false},
		{"compact JWE around JSON JWS", fx.c, jweAroundJSON, false},
		{"JSON JWS", plain, jsonJWS, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, jarmErr := tt.client.parseJARM(context.Background(), fx.p, tt.raw)
			_, _, _, idErr := tt.client.parseIDToken(context.Background(), fx.p, tt.raw, "n", "")
			for what, err := range map[string]error{"JARM": jarmErr, "ID token": idErr} {
				if (err == nil) != tt.ok {
					t.Errorf("%s: err = %v, want ok = %v", what, err, tt.ok)
				}
			}
		})
	}
}
