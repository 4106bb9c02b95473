package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
)

// sealVersion is the first byte of every sealed blob, so the format (cipher,
// key derivation, AAD layout) can change later without guessing.
const sealVersion = 1

// Private signing keys are sealed under their own subkey of the master key
// (MasterKey.Derive), with AAD bound to (project, kid, alg).
const (
	keySealLabel  = "signet/keys/seal/v1"
	keySealDomain = "signet/keys/v1"
)

// ErrOpen is deliberately vague: whether the master key is wrong, the row
// was altered, or it was moved to another row, the answer is the same.
var ErrOpen = errors.New("keys: cannot open sealed data (wrong master key, or the row was altered or moved)")

// Sealer encrypts secrets at rest with AES-256-GCM under one subkey of
// the master key, binding each sealed blob to the row it belongs to
// through the additional authenticated data. Signing keys use one; other
// secrets at rest (banks' client credentials) use their own.
type Sealer struct {
	aead   cipher.AEAD
	domain string
}

// NewSealer makes a sealer whose key is mk.Derive(label) and whose AAD
// starts with domain.
func NewSealer(mk MasterKey, label, domain string) *Sealer {
	block, err := aes.NewCipher(mk.Derive(label))
	if err != nil {
		panic(err) // the key is always 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Sealer{aead: aead, domain: domain}
}

// Seal returns version || nonce || ciphertext+tag of plaintext, bound to
// the row named by row. The nonce is random: secrets are sealed rarely
// (once per rotation or update), far below the 2^32 messages after which
// random 96-bit GCM nonces risk colliding (NIST SP 800-38D §8.3).
func (s *Sealer) Seal(plaintext []byte, row ...string) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:]) // never fails (crypto/rand, Go 1.24+)
	return s.aead.Seal(out, out[1:1+ns], plaintext, s.aad(row))
}

// NewKeySealer is the sealer of signing keys: what a Manager over mk
// seals them with, each bound to its (project ID, key ID, algorithm) row.
// A master-key rotation (internal/keyring) opens every key with the old
// key's and seals it with the new key's.
func NewKeySealer(mk MasterKey) *Sealer {
	return NewSealer(mk, keySealLabel, keySealDomain)
}

// Open decrypts what Seal returned for the same row; ErrOpen otherwise.
func (s *Sealer) Open(sealed []byte, row ...string) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrOpen
	}
	pt, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], s.aad(row))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// aad binds a sealed blob to its row: someone with write access to the
// database cannot copy one project's key into another project, nor re-label
// a key's ID or algorithm (RFC 8725 §3.1: each key is used with exactly
// one algorithm). Each field is length-prefixed so no two rows encode
// alike.
func (s *Sealer) aad(row []string) []byte {
	b := []byte(s.domain)
	for _, f := range row {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}
