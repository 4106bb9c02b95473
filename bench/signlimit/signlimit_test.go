// Package signlimit measures the physical limit the token endpoint is
// held to: how many JWS signatures Go's crypto makes per second on this
// machine, with nothing else running. Run it with -cpu 1,2 for the
// per-core and the 2-core limits (docs/benchmarks.md):
//
//	go test -run NONE -bench . -cpu 1,2 ./bench/signlimit
package signlimit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"strings"
	"testing"
)

// input is a realistic signing input: an encoded header and claims of an
// M2M access token, about 330 bytes as in perf-baseline.md §1.
var input = []byte(strings.Repeat("eyJhbGciOiJSUzI1NiIsImtpZCI6Imp3ay10ZXN0LSJ9", 7) + ".")

func BenchmarkSign(b *testing.B) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, tt := range []struct {
		name string
		sign func() error
	}{
		{"RS256-2048", func() error {
			d := sha256.Sum256(input)
			_, err := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, d[:])
			return err
		}},
		{"PS256-2048", func() error {
			d := sha256.Sum256(input)
			_, err := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			return err
		}},
		{"ES256", func() error {
			d := sha256.Sum256(input)
			_, err := ecdsa.SignASN1(rand.Reader, ecKey, d[:])
			return err
		}},
		{"EdDSA", func() error {
			ed25519.Sign(edKey, input)
			return nil
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := tt.sign(); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
