package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// benchClaims is a session JWT's claims, about 300 bytes of JSON, so the
// signing input is the ~400-byte header.payload a real token has.
var benchClaims = map[string]any{
	"iss": "stytch.com/project-test-11111111-2222-3333-4444-555555555555",
	"sub": "user-test-11111111-2222-3333-4444-555555555555",
	"aud": []string{"project-test-11111111-2222-3333-4444-555555555555"},
	"iat": 1772366400, "nbf": 1772366400, "exp": 1772366700,
	"https://stytch.com/session": map[string]any{
		"id":         "session-test-11111111-2222-3333-4444-555555555555",
		"started_at": "2026-03-01T12:00:00Z", "expires_at": "2026-03-02T12:00:00Z",
	},
}

var benchAlgs = []string{RS256, PS256, ES256, EdDSA}

func benchSigner(b *testing.B, alg string) *Signer {
	m := newTestManager(&memKeys{}, newClock())
	if err := m.EnsureKey(context.Background(), "project-test-bench", alg); err != nil {
		b.Fatal(err)
	}
	s, err := m.Signer(context.Background(), "project-test-bench", alg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func mustJSON(b *testing.B) []byte {
	payload, err := json.Marshal(benchClaims)
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

// BenchmarkSignJWT is the token endpoint's signing cost: header reuse,
// base64, hash, sign, assemble.
func BenchmarkSignJWT(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			s := benchSigner(b, alg)
			payload := mustJSON(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.SignJWTBytes(payload, "JWT"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	// With encoding/json on the path, as SignJWT(claims) does.
	b.Run("ES256+marshal", func(b *testing.B) {
		s := benchSigner(b, ES256)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.SignJWT(benchClaims, "JWT"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkRawSign is the bare primitive over a signing input of the same
// size (hash included), the floor SignJWT is measured against.
func BenchmarkRawSign(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			s := benchSigner(b, alg)
			tok, _ := s.SignJWTBytes(mustJSON(b), "JWT")
			input := []byte(tok[:len(tok)-1-b64.EncodedLen(s.sigLen)])
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var err error
					if alg == EdDSA {
						ed25519.Sign(s.ed, input)
						continue
					}
					d := sha256.Sum256(input)
					switch alg {
					case RS256:
						_, err = rsa.SignPKCS1v15(nil, s.rsa, crypto.SHA256, d[:])
					case PS256:
						_, err = rsa.SignPSS(rand.Reader, s.rsa, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
					case ES256:
						_, err = ecdsa.SignASN1(rand.Reader, s.ec, d[:])
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkGoJoseSign is what the hot path would cost through go-jose.
func BenchmarkGoJoseSign(b *testing.B) {
	for _, alg := range []string{ES256, EdDSA} {
		b.Run(alg, func(b *testing.B) {
			s := benchSigner(b, alg)
			var key any = s.ec
			if alg == EdDSA {
				key = s.ed
			}
			js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key},
				(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", s.KeyID()))
			if err != nil {
				b.Fatal(err)
			}
			payload := mustJSON(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					obj, err := js.Sign(payload)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := obj.CompactSerialize(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSignerLookup is the cache hit: what Manager.Signer adds per
// request before signing.
func BenchmarkSignerLookup(b *testing.B) {
	ctx := context.Background()
	m := newTestManager(&memKeys{}, newClock())
	if err := m.EnsureKeys(ctx, "project-test-bench", RS256, ES256); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Signer(ctx, "project-test-bench", ES256); err != nil {
				b.Fatal(err)
			}
		}
	})
}
