package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// claims is the shape of a session JWT, enough to exercise marshalling.
type claims struct {
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Aud []string `json:"aud"`
	Exp int64    `json:"exp"`
}

func TestSignJWTEveryAlg(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		alg      string
		kty      string
		material []string // JWK members holding the key
		sigLen   int
	}{
		{RS256, "RSA", []string{"n", "e"}, 256},
		{PS256, "RSA", []string{"n", "e"}, 256},
		{ES256, "EC", []string{"crv", "x", "y"}, 64}, // raw R || S, not ASN.1
		{EdDSA, "OKP", []string{"crv", "x"}, 64},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			m := newTestManager(&memKeys{}, newClock())
			p := "project-test-" + tt.alg
			if err := m.EnsureKey(ctx, p, tt.alg); err != nil {
				t.Fatal(err)
			}
			s, err := m.Signer(ctx, p, tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			if s.Alg() != tt.alg {
				t.Errorf("Alg() = %s", s.Alg())
			}
			want := claims{Iss: "stytch.com/" + p, Sub: "user-test-1", Aud: []string{p}, Exp: 1893456000}
			tok, err := s.SignJWT(want, "JWT")
			if err != nil {
				t.Fatal(err)
			}

			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("%d parts", len(parts))
			}
			var hdr map[string]string
			mustDecodeJSON(t, parts[0], &hdr)
			if wantHdr := map[string]string{"alg": tt.alg, "kid": s.KeyID(), "typ": "JWT"}; !maps.Equal(hdr, wantHdr) {
				t.Errorf("header %v, want %v", hdr, wantHdr)
			}
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil || len(sig) != tt.sigLen {
				t.Errorf("signature %d bytes (%v), want %d", len(sig), err, tt.sigLen)
			}

			// The JWKS as the Stytch SDKs read it.
			raw, err := m.JWKS(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			var set struct{ Keys []map[string]any }
			if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("JWKS %s: %v", raw, err)
			}
			k := set.Keys[0]
			for name, v := range map[string]any{"kty": tt.kty, "use": "sig", "alg": tt.alg, "kid": s.KeyID()} {
				if k[name] != v {
					t.Errorf("JWK %s = %v, want %v", name, k[name], v)
				}
			}
			// RFC 7517 §4.3: use and key_ops SHOULD NOT be used together.
			if ops, ok := k["key_ops"]; ok {
				t.Errorf("JWK has key_ops %v beside use", ops)
			}
			for _, name := range tt.material {
				if s, _ := k[name].(string); s == "" {
					t.Errorf("JWK lacks %s", name)
				}
			}
			if _, ok := k["d"]; ok {
				t.Error("JWK publishes the private exponent")
			}

			// go-jose, as an outside verifier, against the JWKS JSON.
			var jset jose.JSONWebKeySet
			if err := json.Unmarshal(raw, &jset); err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tt.alg)})
			if err != nil {
				t.Fatal(err)
			}
			payload, err := jws.Verify(jset.Key(s.KeyID())[0])
			if err != nil {
				t.Fatalf("go-jose verify: %v", err)
			}
			var got claims
			if err := json.Unmarshal(payload, &got); err != nil || !slices.Equal(got.Aud, want.Aud) || got.Sub != want.Sub {
				t.Errorf("payload %s (%v)", payload, err)
			}

			// And our own Verify.
			payload2, h, err := m.Verify(ctx, p, tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tt.alg)})
			if err != nil || !bytes.Equal(payload, payload2) || h.KeyID != s.KeyID() {
				t.Errorf("Verify: %v, kid %q", err, h.KeyID)
			}
		})
	}
}

func TestHeaderTyp(t *testing.T) {
	s := testSigner(t, ES256)
	tests := []struct {
		typ  string
		want string
	}{
		{"JWT", `{"alg":"ES256","kid":"` + s.KeyID() + `","typ":"JWT"}`},
		{"at+jwt", `{"alg":"ES256","kid":"` + s.KeyID() + `","typ":"at+jwt"}`}, // RFC 9068 §2.1
		{"", `{"alg":"ES256","kid":"` + s.KeyID() + `"}`},
	}
	for _, tt := range tests {
		for range 2 { // the second call is served from the header cache
			tok, err := s.SignJWTBytes([]byte(`{}`), tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := base64.RawURLEncoding.DecodeString(strings.SplitN(tok, ".", 2)[0])
			if string(h) != tt.want {
				t.Errorf("typ %q: header %s, want %s", tt.typ, h, tt.want)
			}
		}
	}
}

func TestSignJWTRefusesBytes(t *testing.T) {
	s := testSigner(t, EdDSA)
	if _, err := s.SignJWT([]byte(`{"sub":"x"}`), "JWT"); err == nil {
		t.Error("SignJWT([]byte) succeeded; it would sign a base64 string")
	}
	tok, err := s.SignJWT(json.RawMessage(`{"sub":"x"}`), "JWT")
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]string
	mustDecodeJSON(t, strings.Split(tok, ".")[1], &c)
	if c["sub"] != "x" {
		t.Errorf("payload %v", c)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(&memKeys{}, newClock())
	const p, other = "project-test-verify", "project-test-other"
	for _, proj := range []string{p, other} {
		if err := m.EnsureKey(ctx, proj, RS256); err != nil {
			t.Fatal(err)
		}
	}
	rs, _ := m.Signer(ctx, p, RS256)
	os2, _ := m.Signer(ctx, other, RS256)
	good, _ := rs.SignJWTBytes([]byte(`{"sub":"a"}`), "JWT")
	otherTok, _ := os2.SignJWTBytes([]byte(`{"sub":"a"}`), "JWT")
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + b64.EncodeToString([]byte(`{"sub":"b"}`)) + "." + parts[2]
	noKid := forge(t, rs.rsa, `{"alg":"RS256","typ":"JWT"}`, false)
	unknownKid := forge(t, rs.rsa, `{"alg":"RS256","kid":"jwk-test-nope"}`, false)
	// The project's RS256 key used under PS256: a valid PSS signature by
	// the right key, but not the algorithm the key is for.
	crossAlg := forge(t, rs.rsa, `{"alg":"PS256","kid":"`+rs.KeyID()+`"}`, true)
	rs256 := []jose.SignatureAlgorithm{jose.RS256}

	tests := []struct {
		name    string
		token   string
		allowed []jose.SignatureAlgorithm
	}{
		{"tampered payload", tampered, rs256},
		{"alg not allowed", good, []jose.SignatureAlgorithm{jose.ES256}},
		{"no kid", noKid, rs256},
		{"unknown kid", unknownKid, rs256},
		{"other project's key", otherTok, rs256},
		{"key used with another alg", crossAlg, []jose.SignatureAlgorithm{jose.RS256, jose.PS256}},
		{"garbage", "not.a.jwt", rs256},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, rs256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := m.Verify(ctx, p, tt.token, tt.allowed); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
	if _, _, err := m.Verify(ctx, p, good, nil); err == nil || errors.Is(err, ErrInvalidToken) {
		t.Errorf("no allowed algs: err = %v, want a caller error", err)
	}
	if _, _, err := m.Verify(ctx, p, good, rs256); err != nil {
		t.Errorf("good token: %v", err)
	}
}

// forge signs header.{"sub":"a"} with k, outside the Signer.
func forge(t *testing.T, k *rsa.PrivateKey, header string, pss bool) string {
	t.Helper()
	in := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(`{"sub":"a"}`))
	d := sha256.Sum256([]byte(in))
	var sig []byte
	var err error
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	} else {
		sig, err = rsa.SignPKCS1v15(nil, k, crypto.SHA256, d[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64.EncodeToString(sig)
}

func TestAppendRawECDSA(t *testing.T) {
	r32 := bytes.Repeat([]byte{0x11}, 32)
	r31 := bytes.Repeat([]byte{0x22}, 31)
	high := append([]byte{0}, bytes.Repeat([]byte{0x99}, 32)...) // DER sign byte
	der := func(r, s []byte) []byte {
		b := []byte{0x30, byte(4 + len(r) + len(s)), 0x02, byte(len(r))}
		b = append(b, r...)
		b = append(b, 0x02, byte(len(s)))
		return append(b, s...)
	}
	cat := func(a, b []byte) []byte { return append(append([]byte{}, a...), b...) }
	tests := []struct {
		name string
		der  []byte
		want []byte // nil: error
	}{
		{"full width", der(r32, r32), cat(r32, r32)},
		{"short r is left-padded", der(r31, r32), cat(append([]byte{0}, r31...), r32)},
		{"sign byte dropped", der(high, r31), cat(high[1:], append([]byte{0}, r31...))},
		{"too long", der(append([]byte{1}, r32...), r32), nil},
		{"trailing bytes", append(der(r32, r32), 0), nil},
		{"not a sequence", append([]byte{0x31}, der(r32, r32)[1:]...), nil},
		{"truncated", der(r32, r32)[:40], nil},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendRawECDSA(nil, tt.der, 32)
			if tt.want == nil {
				if err == nil {
					t.Errorf("got %x, want error", got)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("got %x, %v; want %x", got, err, tt.want)
			}
		})
	}
}

// FuzzVerify: whatever a client sends, Verify does not panic and accepts
// nothing but what the key signed.
func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	m := newTestManager(&memKeys{}, newClock())
	const p = "project-test-fuzz"
	if err := m.EnsureKey(ctx, p, ES256); err != nil {
		f.Fatal(err)
	}
	s, _ := m.Signer(ctx, p, ES256)
	const payload = `{"sub":"user-1"}`
	good, _ := s.SignJWTBytes([]byte(payload), "JWT")
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("e30.e30.e30")
	f.Fuzz(func(t *testing.T, tok string) {
		got, _, err := m.Verify(ctx, p, tok, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
		if err == nil && string(got) != payload {
			t.Fatalf("accepted forged payload %q", got)
		}
	})
}

func testSigner(t *testing.T, alg string) *Signer {
	t.Helper()
	m := newTestManager(&memKeys{}, newClock())
	if err := m.EnsureKey(context.Background(), "project-test-s", alg); err != nil {
		t.Fatal(err)
	}
	s, err := m.Signer(context.Background(), "project-test-s", alg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustDecodeJSON(t *testing.T, seg string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}
