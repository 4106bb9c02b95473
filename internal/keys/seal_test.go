package keys

import (
	"bytes"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	s := NewSealer(GenerateMasterKey(), keySealLabel, keySealDomain)
	pt := []byte("PKCS#8 DER would go here")
	a := s.Seal(pt, "project-test-1", "jwk-test-1", RS256)
	b := s.Seal(pt, "project-test-1", "jwk-test-1", RS256)
	if bytes.Equal(a, b) {
		t.Error("two seals of one key are equal: nonce not random")
	}
	if bytes.Contains(a, pt) {
		t.Error("plaintext visible in sealed form")
	}
	got, err := s.Open(a, "project-test-1", "jwk-test-1", RS256)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("open: %q, %v", got, err)
	}
}

func TestSealRefuses(t *testing.T) {
	mk := GenerateMasterKey()
	s := NewSealer(mk, keySealLabel, keySealDomain)
	const p, kid, alg = "project-test-1", "jwk-test-1", ES256
	sealed := s.Seal([]byte("secret key bytes"), p, kid, alg)
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	tests := []struct {
		name        string
		s           *Sealer
		p, kid, alg string
		sealed      []byte
	}{
		{"version byte", s, p, kid, alg, flip(0)},
		{"nonce", s, p, kid, alg, flip(1)},
		{"ciphertext", s, p, kid, alg, flip(14)},
		{"tag", s, p, kid, alg, flip(len(sealed) - 1)},
		{"truncated", s, p, kid, alg, sealed[:len(sealed)-1]},
		{"too short", s, p, kid, alg, sealed[:12]},
		{"empty", s, p, kid, alg, nil},
		{"moved to another project", s, "project-test-2", kid, alg, sealed},
		{"moved to another kid", s, p, "jwk-test-2", alg, sealed},
		{"relabelled alg", s, p, kid, EdDSA, sealed},
		// Length prefixes: shifting a character between fields changes the AAD.
		{"field boundary", s, p + "j", "wk-test-1", alg, sealed},
		{"other master key", NewSealer(GenerateMasterKey(), keySealLabel, keySealDomain), p, kid, alg, sealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.s.Open(tt.sealed, tt.p, tt.kid, tt.alg); err == nil {
				t.Errorf("opened: %q", got)
			}
		})
	}
}
