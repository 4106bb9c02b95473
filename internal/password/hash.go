package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters (RFC 9106 §3.1).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams follow the OWASP Password Storage Cheat Sheet's first
// argon2id configuration (19 MiB, 2 passes, 1 lane), with a 16-byte salt
// and a 32-byte tag as RFC 9106 §4 recommends.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters read from a stored hash, so an imported or tampered
// hash cannot make one check allocate gigabytes or run for minutes.
const (
	maxMemory  = 256 * 1024 // KiB
	maxTime    = 16
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// ErrMalformed is returned for a stored hash that is not an argon2id PHC
// string this package can check.
var ErrMalformed = errors.New("password: malformed argon2id hash")

// Hasher hashes and verifies passwords with a cap on concurrent hashes.
type Hasher struct {
	params Params
	sem    chan struct{}
	dummy  string // a hash of nothing anyone knows, checked when there is no user
}

// NewHasher returns a Hasher using p that runs at most concurrency hashes
// at once (GOMAXPROCS when concurrency <= 0).
func NewHasher(p Params, concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{params: p, sem: make(chan struct{}, concurrency)}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	h.dummy = encode(p, salt, argon2.IDKey([]byte("signet-dummy"), salt, p.Time, p.Memory, p.Threads, p.KeyLen))
	return h
}

// Params returns the Hasher's current parameters.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password under fresh salt. It waits for a
// free hashing slot, or returns ctx's error.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt)
	key, err := h.run(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC string stored, and
// whether stored was made with parameters below the Hasher's current ones
// (the caller should then store a fresh Hash after a successful check).
//
// A hash imported by [Import] (bcrypt, scrypt, PBKDF2, argon2i, salted
// digests) is checked by its own algorithm, and a match always asks for a
// rehash: the first successful sign-in moves it to argon2id.
func (h *Hasher) Verify(ctx context.Context, password, stored string) (ok, rehash bool, err error) {
	if !strings.HasPrefix(stored, "$argon2id$") {
		ok, err = h.verifyImported(ctx, password, stored)
		return ok, ok, err
	}
	p, salt, want, err := decode(stored)
	if err != nil {
		return false, false, err
	}
	got, err := h.run(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && p.weakerThan(h.params), nil
}

// Dummy spends the cost of one Verify and fails. Call it when there is no
// user or no password to check, so the response time does not tell an
// attacker which emails exist.
func (h *Hasher) Dummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

func (h *Hasher) run(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	var key []byte
	err := h.slot(ctx, func() {
		key = argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	})
	return key, err
}

// slot runs fn in one of the Hasher's hashing slots, waiting for a free
// one, or returns ctx's error.
func (h *Hasher) slot(ctx context.Context, fn func()) error {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.sem }()
	fn()
	return nil
}

func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory || p.Time < q.Time || p.KeyLen < q.KeyLen
}

var b64 = base64.RawStdEncoding // PHC strings use unpadded standard base64

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses "$argon2id$v=19$m=..,t=..,p=..$salt$hash" (the PHC string
// format, as the argon2 reference implementation writes it).
func decode(s string) (p Params, salt, key []byte, err error) {
	return decodeArgon2("argon2id", s)
}

// decodeArgon2 parses the PHC string of variant ("argon2id" or "argon2i").
func decodeArgon2(variant, s string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != variant || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrMalformed
	}
	if p, err = decodeParams(parts[3]); err != nil {
		return p, nil, nil, err
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minKey || len(key) > maxKey {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// decodeParams parses "m=..,t=..,p=.." (all three, within the bounds).
func decodeParams(s string) (p Params, err error) {
	seen := 0
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil {
			return p, ErrMalformed
		}
		switch k {
		case "m":
			p.Memory, seen = uint32(n), seen|1
		case "t":
			p.Time, seen = uint32(n), seen|2
		case "p":
			if n > maxThreads {
				return p, ErrMalformed
			}
			p.Threads, seen = uint8(n), seen|4
		default:
			return p, ErrMalformed
		}
	}
	if seen != 7 || p.Time < 1 || p.Time > maxTime || p.Threads < 1 ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return p, ErrMalformed
	}
	return p, nil
}
