package rp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/oidc"
)

// fuzzFixture is a client with keys and a provider whose JWK set is
// preloaded, so parsing never touches the network (the jwks_uri is
// unroutable in case an unknown kid forces a refetch).
func fuzzFixture(f *testing.F) (*Client, *provider, func(claims map[string]any, encrypt bool) string) {
	fx := newJOSEFixture(f)
	return fx.c, fx.p, fx.mint
}

// joseFixture is fuzzFixture's client and provider with the OP's signing
// key and the client's encryption key, to make tokens of any shape.
type joseFixture struct {
	c             *Client
	p             *provider
	opKey, encKey *rsa.PrivateKey
}

func newJOSEFixture(tb testing.TB) *joseFixture {
	now := time.Unix(1_800_000_000, 0)
	opKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	sigKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	encKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	keys := &PrivateKeys{
		sig: jose.JSONWebKey{Key: sigKey, KeyID: "sig"},
		enc: jose.JSONWebKey{Key: encKey, KeyID: "enc"},
	}
	c, err := New(Config{ClientID: "client", RedirectURL: "https://app.example/cb", AuthMethod: PrivateKeyJWT,
		Keys: keys, Now: func() time.Time { return now }, Timeout: 50 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	p := &provider{md: oidc.Metadata{Issuer: "https://op.example", JWKSURI: "http://127.0.0.1:1/jwks"},
		expires: now.Add(time.Hour), keysExpires: now.Add(time.Hour),
		keys: []jose.JSONWebKey{{Key: &opKey.PublicKey, KeyID: "op"}}}
	return &joseFixture{c: c, p: p, opKey: opKey, encKey: encKey}
}

// sign returns claims signed PS256 by the OP's key.
func (fx *joseFixture) sign(claims map[string]any) *jose.JSONWebSignature {
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: fx.opKey, KeyID: "op"}}, nil)
	b, _ := json.Marshal(claims)
	jws, _ := signer.Sign(b)
	return jws
}

// encrypt returns plaintext encrypted to the client's key.
func (fx *joseFixture) encrypt(plaintext string) *jose.JSONWebEncryption {
	enc, _ := jose.NewEncrypter(jose.A256CBC_HS512, jose.Recipient{Algorithm: jose.RSA_OAEP, Key: &fx.encKey.PublicKey, KeyID: "enc"},
		(&jose.EncrypterOptions{}).WithContentType("JWT"))
	jwe, _ := enc.Encrypt([]byte(plaintext))
	return jwe
}

// mint makes a compact JWS over claims, in a compact JWE when encrypt.
func (fx *joseFixture) mint(claims map[string]any, encrypt bool) string {
	s, _ := fx.sign(claims).CompactSerialize()
	if !encrypt {
		return s
	}
	s, _ = fx.encrypt(s).CompactSerialize()
	return s
}

func seeds(f *testing.F, valid string) {
	f.Add(valid)
	f.Add(strings.Replace(valid, ".", "..", 1))
	f.Add(valid[:len(valid)/2])
	f.Add(valid + "A")
	parts := strings.Split(valid, ".")
	f.Add(strings.Join(parts[1:], "."))
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	f.Add("....")
	f.Add("")
}

func FuzzParseJARM(f *testing.F) {
	c, p, mint := fuzzFixture(f)
	exp := c.now().Add(time.Minute).Unix()
	valid := mint(map[string]any{"iss": p.md.Issuer, "aud": "client", "exp": exp, "code": "c", "state": "s"}, true)
	if _, err := c.parseJARM(context.Background(), p, valid); err != nil {
		f.Fatalf("valid seed rejected: %v", err)
	}
	seeds(f, valid)
	f.Add(mint(map[string]any{"iss": p.md.Issuer, "aud": []any{"client", 7}, "exp": "soon"}, true))
	f.Add(mint(map[string]any{"iss": p.md.Issuer, "aud": "client", "exp": exp}, false))
	f.Fuzz(func(t *testing.T, raw string) {
		cl, err := c.parseJARM(context.Background(), p, raw)
		if err == nil && (cl.Iss != p.md.Issuer || cl.Exp == nil) {
			t.Fatalf("accepted claims %+v", cl)
		}
	})
}

func FuzzParseIDToken(f *testing.F) {
	c, p, mint := fuzzFixture(f)
	now := c.now().Unix()
	valid := mint(map[string]any{"iss": p.md.Issuer, "aud": "client", "sub": "u", "exp": now + 60, "iat": now,
		"nonce": "n", "at_hash": atHash("at")}, true)
	if _, _, _, err := c.parseIDToken(context.Background(), p, valid, "n", "at"); err != nil {
		f.Fatalf("valid seed rejected: %v", err)
	}
	seeds(f, valid)
	f.Add(mint(map[string]any{"iss": p.md.Issuer, "aud": []string{"client", "x"}, "sub": "u", "exp": now + 60, "iat": now}, true))
	f.Fuzz(func(t *testing.T, raw string) {
		_, cl, _, err := c.parseIDToken(context.Background(), p, raw, "n", "at")
		if err == nil && (cl.Sub == "" || cl.Nonce != "n") {
			t.Fatalf("accepted claims %+v", cl)
		}
	})
}
