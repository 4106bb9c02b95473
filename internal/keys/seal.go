package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
)

// sealVersion is the first byte of every sealed key, so the format (cipher,
// key derivation, AAD layout) can change later without guessing.
const sealVersion = 1

// sealLabel names the subkey that seals private keys; see MasterKey.Derive.
const sealLabel = "signet/keys/seal/v1"

// errOpen is deliberately vague: whether the master key is wrong, the row
// was altered, or it was moved to another key ID, the answer is the same.
var errOpen = errors.New("keys: cannot open sealed private key (wrong master key, or the row was altered)")

// sealer encrypts private keys at rest with AES-256-GCM.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(mk MasterKey) sealer {
	block, err := aes.NewCipher(mk.Derive(sealLabel))
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return sealer{aead: aead}
}

// seal returns version || nonce || ciphertext+tag. The nonce is random:
// keys are sealed rarely (once per rotation), far below the 2^32 messages
// after which random 96-bit GCM nonces risk colliding (NIST SP 800-38D §8.3).
func (s sealer) seal(projectID, keyID, alg string, plaintext []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:]) // never fails (crypto/rand, Go 1.24+)
	return s.aead.Seal(out, out[1:1+ns], plaintext, sealAAD(projectID, keyID, alg))
}

func (s sealer) open(projectID, keyID, alg string, sealed []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, errOpen
	}
	pt, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], sealAAD(projectID, keyID, alg))
	if err != nil {
		return nil, errOpen
	}
	return pt, nil
}

// sealAAD binds a sealed key to its row: someone with write access to the
// database cannot copy one project's key into another project, nor re-label
// a key's ID or algorithm (RFC 8725 §3.1: each key is used with exactly
// one algorithm). Each field is
// length-prefixed so no two (project, kid, alg) triples encode alike.
func sealAAD(projectID, keyID, alg string) []byte {
	b := []byte("signet/keys/v1")
	for _, f := range [...]string{projectID, keyID, alg} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}
