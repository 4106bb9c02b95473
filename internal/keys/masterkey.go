package keys

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// MasterKey is the one secret an operator manages: 32 random bytes from
// which the key-sealing key and the secret-hashing pepper are derived.
//
// It never prints. String, GoString, Format and LogValue all yield
// "[redacted]", so a MasterKey inside a config struct can be logged or
// dumped with %+v without leaking. The only way to see the bytes is Encode,
// which exists for `signet master-key` to show a new key once.
//
// The bytes are reached through a func because fmt walks an unexported
// field by reflection, where Format is never consulted: a struct holding a
// MasterKey in an unexported field would print an array (or, through a
// pointer, its contents) with the bytes, but prints a func as an address.
// It also makes MasterKey incomparable, so nobody compares keys with ==.
// The zero MasterKey is unusable.
type MasterKey struct {
	bytes func() *[32]byte
}

func newMasterKey(b *[32]byte) MasterKey {
	return MasterKey{bytes: func() *[32]byte { return b }}
}

// key returns the key bytes; nil for the zero MasterKey.
func (mk MasterKey) key() []byte {
	if mk.bytes == nil {
		return nil
	}
	return mk.bytes()[:]
}

const redacted = "[redacted]"

// ParseMasterKey decodes s, base64 in the standard or URL alphabet with or
// without padding, surrounding whitespace ignored. It must decode to exactly
// 32 bytes. Errors never echo s.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != 32 {
			return MasterKey{}, fmt.Errorf("keys: master key decodes to %d bytes, want 32", len(b))
		}
		var k [32]byte
		copy(k[:], b)
		clear(b)
		mk := newMasterKey(&k)
		if mk.isZero() {
			return MasterKey{}, errors.New("keys: master key is all zeros")
		}
		return mk, nil
	}
	return MasterKey{}, errors.New("keys: master key is not base64")
}

// GenerateMasterKey returns a fresh random master key.
func GenerateMasterKey() MasterKey {
	var k [32]byte
	rand.Read(k[:]) // never fails (crypto/rand, Go 1.24+)
	return newMasterKey(&k)
}

// LoadOrCreateMasterKeyFile reads the master key kept in the file at path
// or, when there is none, creates the file with a new key (base64, mode
// 0600). It is for `serve --dev`: a production key comes from the
// environment, not from a file beside the database it protects.
func LoadOrCreateMasterKeyFile(path string) (MasterKey, error) {
	if mk, err := readMasterKeyFile(path); !errors.Is(err, os.ErrNotExist) {
		return mk, err
	}
	mk := GenerateMasterKey()
	// O_EXCL: if another process created the file meanwhile, keep its key
	// rather than overwriting a key that may already seal something.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return readMasterKeyFile(path)
	}
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: create master key file: %w", err)
	}
	_, err = io.WriteString(f, mk.Encode()+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// A truncated key file would fail every later start: say so if it stays.
		return MasterKey{}, fmt.Errorf("keys: write master key file: %w", errors.Join(err, os.Remove(path)))
	}
	return mk, nil
}

func readMasterKeyFile(path string) (MasterKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return MasterKey{}, err
	}
	mk, err := ParseMasterKey(string(b))
	if err != nil {
		return MasterKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return mk, nil
}

// Encode returns the key as standard base64, the form ParseMasterKey reads.
// Call it only to show a newly generated key to its owner.
func (mk MasterKey) Encode() string {
	return base64.StdEncoding.EncodeToString(mk.key())
}

// Derive returns a 32-byte subkey for one purpose, named by label (e.g.
// "signet/pepper/v1"). HKDF-SHA256 (RFC 5869) makes subkeys for different
// labels independent, so one secret can safely serve several uses.
func (mk MasterKey) Derive(label string) []byte {
	if mk.isZero() {
		panic("keys: Derive on a zero MasterKey")
	}
	k, err := hkdf.Key(sha256.New, mk.key(), nil, label, 32)
	if err != nil {
		panic(err) // only for lengths over 255*32 bytes
	}
	return k
}

func (mk MasterKey) isZero() bool {
	return mk.bytes == nil || subtle.ConstantTimeCompare(mk.key(), make([]byte, 32)) == 1
}

// String returns "[redacted]".
func (MasterKey) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (MasterKey) GoString() string { return redacted }

// Format prints "[redacted]" for every verb, including %x and %d, which
// would otherwise bypass String. fmt's buffer never fails.
func (MasterKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue keeps the key out of structured logs.
func (MasterKey) LogValue() slog.Value { return slog.StringValue(redacted) }
