// Package secrets makes and checks server-generated credentials: project
// secrets, client secrets and opaque tokens.
//
// Every such secret is 256 bits from crypto/rand, so a slow password hash
// buys nothing: Signet stores HMAC-SHA256(pepper, secret) and compares in
// constant time. The pepper is server-side (its seed sealed under the master
// key, internal/keyring), so
// a leaked database alone does not let anyone test guesses, which also
// protects imported client secrets of lower entropy.
package secrets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
)

// New returns a fresh 256-bit secret, base64url without padding (43 chars),
// prefixed with prefix (e.g. "secret-test-"; may be empty).
func New(prefix string) string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Pepper hashes secrets with a server-side key. The zero value is unusable.
type Pepper struct {
	pool *sync.Pool // of hash.Hash keyed with the pepper; HMAC setup is the costly part
}

// NewPepper returns a Pepper keyed with key (at least 32 bytes).
func NewPepper(key []byte) Pepper {
	if len(key) < 32 {
		panic("secrets: pepper key shorter than 32 bytes")
	}
	k := append([]byte(nil), key...)
	return Pepper{pool: &sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

// Hash returns HMAC-SHA256(pepper, secret).
func (p Pepper) Hash(secret string) []byte {
	h := p.pool.Get().(interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
		Reset()
	})
	h.Reset()
	_, _ = h.Write([]byte(secret)) // an HMAC's Write never fails (hash.Hash)
	sum := h.Sum(make([]byte, 0, sha256.Size))
	p.pool.Put(h)
	return sum
}

// Derive returns a secret derived from secret for one purpose, named by
// label: base64url(HMAC-SHA256(k, secret)) with k = HMAC-SHA256(pepper,
// label), 43 characters like New's. It is the same on every call and
// every node (the pepper is the database's, internal/keyring), and nobody without
// the pepper can compute it, even knowing secret: so a server can hand out
// the same value again without storing it. A label should contain a NUL
// byte, which no server-made secret does, so that k is never the stored
// hash of a credential.
func (p Pepper) Derive(label, secret string) string {
	mac := hmac.New(sha256.New, p.Hash(label))
	mac.Write([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Equal reports whether secret hashes to hash, in time independent of where
// they differ.
func (p Pepper) Equal(hash []byte, secret string) bool {
	if len(hash) != sha256.Size {
		return false
	}
	return hmac.Equal(hash, p.Hash(secret))
}

// LastFour returns the last four characters, shown to admins to tell
// secrets apart.
func LastFour(secret string) string {
	if len(secret) <= 4 {
		return secret
	}
	return secret[len(secret)-4:]
}
