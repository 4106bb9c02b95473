package password

import (
	"context"
	"crypto/md5" //nolint:gosec // imported hashes only: checked once, then replaced by argon2id
	"crypto/pbkdf2"
	"crypto/sha1" //nolint:gosec // as above
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Imported hashes are the passwords another system hashed, handed over by
// Stytch's passwords.migrate: the plain password is unknown, so the hash
// is kept as it came (in a PHC-style string naming its algorithm and
// parameters) and checked by its own algorithm until the first successful
// sign-in, when Verify asks for a rehash and the caller replaces it with
// argon2id.
//
// Stytch's hash_type values and what each expects (Stytch documents the
// configs' fields but not every encoding; these are Signet's choices):
//
//	bcrypt     hash: the modular crypt string ($2a$, $2b$ or $2y$), cost at most 15
//	argon_2id  hash: a PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$key), or the
//	argon_2i   base64 key with argon_2_config {salt (base64), iteration_amount,
//	           memory (KiB), threads, key_length}
//	scrypt     hash: base64 key; scrypt_config {salt (base64), n_parameter (a power
//	           of two up to 262144), r_parameter, p_parameter, key_length}
//	pbkdf_2    hash: base64 key; pbkdf_2_config {salt (base64), iteration_amount
//	           (at most 5,000,000), key_length, algorithm "sha256" (default) or "sha512"}
//	md_5       hash: the digest of prepend_salt + password + append_salt, hex or
//	sha_1      base64; md_5_config / sha_1_config / sha_512_config {prepend_salt,
//	sha_512    append_salt} (plain strings, optional)
//
// phpass is refused: nobody should be left on it, and no well-kept Go
// implementation exists. The bounds keep one imported hash from costing a
// sign-in more than a few seconds or a few hundred MiB.

// ErrUnsupportedType is a hash_type Signet does not import.
var ErrUnsupportedType = errors.New("password: unsupported hash type")

// ImportError says what is wrong with a hash handed to Import.
type ImportError struct{ Msg string }

func (e *ImportError) Error() string { return "password: " + e.Msg }

func badImport(format string, args ...any) error {
	return &ImportError{Msg: fmt.Sprintf(format, args...)}
}

// Legacy is a hash made by another system, in the terms of Stytch's
// passwords.migrate request (the fields of its *_config objects).
type Legacy struct {
	Type string // Stytch's hash_type: "bcrypt", "argon_2id", "scrypt", ...
	Hash string

	PrependSalt, AppendSalt string // md_5, sha_1, sha_512

	Salt       string // base64: scrypt, pbkdf_2, argon_2*
	Iterations int    // pbkdf_2, argon_2*
	KeyLength  int    // scrypt, pbkdf_2, argon_2*
	Memory     int    // argon_2*, KiB
	Threads    int    // argon_2*
	N, R, P    int    // scrypt
	Algorithm  string // pbkdf_2: "sha256" (default) or "sha512"
}

// Bounds on imported parameters.
const (
	maxBcryptCost   = 15
	maxScryptN      = 1 << 18
	maxScryptMemory = 256 << 20 // bytes: 128 * N * r
	maxPBKDF2Iter   = 5_000_000
)

// Import checks l and returns the string to store, which Verify checks.
// Errors: ErrUnsupportedType, or an *ImportError saying what is wrong.
func Import(l Legacy) (string, error) {
	switch l.Type {
	case "bcrypt":
		cost, err := bcrypt.Cost([]byte(l.Hash))
		if err != nil || !strings.HasPrefix(l.Hash, "$2") {
			return "", badImport("hash is not a bcrypt string ($2a$, $2b$ or $2y$)")
		}
		if cost > maxBcryptCost {
			return "", badImport("bcrypt cost %d is above %d", cost, maxBcryptCost)
		}
		return l.Hash, nil
	case "argon_2id", "argon_2i":
		return importArgon2(l)
	case "scrypt":
		return importScrypt(l)
	case "pbkdf_2":
		return importPBKDF2(l)
	case "md_5", "sha_1", "sha_512":
		name := map[string]string{"md_5": "md5", "sha_1": "sha1", "sha_512": "sha512"}[l.Type]
		sum, err := digestBytes(l.Hash, digests[name]().Size())
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("$%s$%s$%s$%s", name, b64.EncodeToString([]byte(l.PrependSalt)),
			b64.EncodeToString([]byte(l.AppendSalt)), b64.EncodeToString(sum)), nil
	}
	return "", ErrUnsupportedType
}

var digests = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha512": sha512.New}

// digestBytes reads a digest of size bytes, hex or base64.
func digestBytes(s string, size int) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == size {
		return b, nil
	}
	if b, err := decodeBase64(s); err == nil && len(b) == size {
		return b, nil
	}
	return nil, badImport("hash must be the %d-byte digest, hex or base64", size)
}

// decodeBase64 accepts standard base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	return b64.DecodeString(strings.TrimRight(s, "="))
}

func importArgon2(l Legacy) (string, error) {
	variant := map[string]string{"argon_2id": "argon2id", "argon_2i": "argon2i"}[l.Type]
	if strings.HasPrefix(l.Hash, "$") {
		if _, _, _, err := decodeArgon2(variant, l.Hash); err != nil {
			return "", badImport("hash is not a valid %s PHC string", variant)
		}
		return l.Hash, nil
	}
	salt, err1 := decodeBase64(l.Salt)
	key, err2 := decodeBase64(l.Hash)
	if err1 != nil || err2 != nil {
		return "", badImport("hash and argon_2_config.salt must be base64 (or hash a PHC string)")
	}
	if l.KeyLength != 0 && l.KeyLength != len(key) {
		return "", badImport("argon_2_config.key_length does not match the hash")
	}
	s := fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", variant, argon2.Version, l.Memory, l.Iterations, l.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
	if _, _, _, err := decodeArgon2(variant, s); err != nil {
		return "", badImport("argon_2_config is out of bounds (memory at most %d KiB, iteration_amount 1-%d, threads 1-%d, salt %d-%d bytes, key %d-%d bytes)",
			maxMemory, maxTime, maxThreads, minSalt, maxSalt, minKey, maxKey)
	}
	return s, nil
}

func importScrypt(l Legacy) (string, error) {
	salt, err1 := decodeBase64(l.Salt)
	key, err2 := decodeBase64(l.Hash)
	if err1 != nil || err2 != nil || len(salt) == 0 {
		return "", badImport("hash and scrypt_config.salt must be base64")
	}
	if err := checkScrypt(l.N, l.R, l.P, len(key)); err != nil {
		return "", err
	}
	if l.KeyLength != 0 && l.KeyLength != len(key) {
		return "", badImport("scrypt_config.key_length does not match the hash")
	}
	return fmt.Sprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", bits.TrailingZeros(uint(l.N)), l.R, l.P,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func checkScrypt(n, r, p, keyLen int) error {
	switch {
	case n < 2 || n > maxScryptN || n&(n-1) != 0:
		return badImport("scrypt_config.n_parameter must be a power of two from 2 to %d", maxScryptN)
	case r < 1 || p < 1 || p > 16 || 128*n*r > maxScryptMemory:
		return badImport("scrypt_config.r_parameter and p_parameter are out of bounds (p at most 16, 128*N*r at most 256 MiB)")
	case keyLen < minKey || keyLen > maxKey:
		return badImport("the scrypt key must be %d-%d bytes", minKey, maxKey)
	}
	return nil
}

func importPBKDF2(l Legacy) (string, error) {
	alg := l.Algorithm
	if alg == "" {
		alg = "sha256"
	}
	if alg != "sha256" && alg != "sha512" {
		return "", badImport(`pbkdf_2_config.algorithm must be "sha256" or "sha512"`)
	}
	salt, err1 := decodeBase64(l.Salt)
	key, err2 := decodeBase64(l.Hash)
	switch {
	case err1 != nil || err2 != nil || len(salt) == 0:
		return "", badImport("hash and pbkdf_2_config.salt must be base64")
	case l.Iterations < 1 || l.Iterations > maxPBKDF2Iter:
		return "", badImport("pbkdf_2_config.iteration_amount must be from 1 to %d", maxPBKDF2Iter)
	case len(key) < minKey || len(key) > maxKey:
		return "", badImport("the PBKDF2 key must be %d-%d bytes", minKey, maxKey)
	case l.KeyLength != 0 && l.KeyLength != len(key):
		return "", badImport("pbkdf_2_config.key_length does not match the hash")
	}
	return fmt.Sprintf("$pbkdf2-%s$i=%d$%s$%s", alg, l.Iterations, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyImported checks password against a string Import returned, in one
// of the Hasher's slots. A string of no known form is ErrMalformed.
func (h *Hasher) verifyImported(ctx context.Context, password, stored string) (bool, error) {
	check, err := importedCheck(stored)
	if err != nil {
		return false, err
	}
	var ok bool
	err = h.slot(ctx, func() { ok = check(password) })
	return ok, err
}

// importedCheck parses stored and returns the check of a password
// against it.
func importedCheck(stored string) (func(string) bool, error) {
	parts := strings.Split(stored, "$")
	if len(parts) < 2 || parts[0] != "" {
		return nil, ErrMalformed
	}
	switch alg := parts[1]; {
	case strings.HasPrefix(alg, "2"):
		return func(pw string) bool { return bcrypt.CompareHashAndPassword([]byte(stored), []byte(pw)) == nil }, nil
	case alg == "argon2i":
		p, salt, want, err := decodeArgon2("argon2i", stored)
		if err != nil {
			return nil, err
		}
		return func(pw string) bool {
			return subtle.ConstantTimeCompare(argon2.Key([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen), want) == 1
		}, nil
	case alg == "scrypt" && len(parts) == 5:
		return scryptCheck(parts)
	case (alg == "pbkdf2-sha256" || alg == "pbkdf2-sha512") && len(parts) == 5:
		return pbkdf2Check(alg, parts)
	case digests[alg] != nil && len(parts) == 5:
		pre, err1 := b64.DecodeString(parts[2])
		post, err2 := b64.DecodeString(parts[3])
		want, err3 := b64.DecodeString(parts[4])
		if err1 != nil || err2 != nil || err3 != nil || len(want) != digests[alg]().Size() {
			return nil, ErrMalformed
		}
		return func(pw string) bool {
			d := digests[alg]()
			d.Write(pre)
			d.Write([]byte(pw))
			d.Write(post)
			return subtle.ConstantTimeCompare(d.Sum(nil), want) == 1
		}, nil
	}
	return nil, ErrMalformed
}

func scryptCheck(parts []string) (func(string) bool, error) {
	var ln, r, p int
	if _, err := fmt.Sscanf(parts[2], "ln=%d,r=%d,p=%d", &ln, &r, &p); err != nil || ln < 1 || ln > 18 {
		return nil, ErrMalformed
	}
	salt, err1 := b64.DecodeString(parts[3])
	want, err2 := b64.DecodeString(parts[4])
	if err1 != nil || err2 != nil || checkScrypt(1<<ln, r, p, len(want)) != nil {
		return nil, ErrMalformed
	}
	return func(pw string) bool {
		got, err := scrypt.Key([]byte(pw), salt, 1<<ln, r, p, len(want))
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}, nil
}

func pbkdf2Check(alg string, parts []string) (func(string) bool, error) {
	iter, err := strconv.Atoi(strings.TrimPrefix(parts[2], "i="))
	salt, err1 := b64.DecodeString(parts[3])
	want, err2 := b64.DecodeString(parts[4])
	if err != nil || err1 != nil || err2 != nil || iter < 1 || iter > maxPBKDF2Iter || len(want) < minKey || len(want) > maxKey {
		return nil, ErrMalformed
	}
	h := sha256.New
	if alg == "pbkdf2-sha512" {
		h = sha512.New
	}
	return func(pw string) bool {
		got, err := pbkdf2.Key(h, pw, salt, iter, len(want))
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}, nil
}
