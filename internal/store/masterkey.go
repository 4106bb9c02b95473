package store

import (
	"context"
	"time"
)

// MasterKeys is what the database records about its master key, never the
// key itself (internal/keyring decides what the record means).
type MasterKeys interface {
	// MasterKeyCheck returns the recorded check; ErrNotFound for a
	// database that has none yet (one made before migration 0015, or new).
	MasterKeyCheck(ctx context.Context) (MasterKeyCheck, error)
	// RecordMasterKeyCheck records the database's first check.
	// ErrAlreadyExists if one is recorded (another process was first):
	// read it and compare.
	RecordMasterKeyCheck(ctx context.Context, c MasterKeyCheck) error
	// RotateMasterKey re-seals the database under a new master key, in
	// one transaction: if the recorded check is still from (ErrConflict
	// otherwise; ErrNotFound with none), it passes every sealed value
	// (each signing key's private key, each bank's credentials) to reseal,
	// stores what reseal returns in its place, and records to as the
	// check. reseal's error aborts, is returned as is, and leaves
	// everything as it was. It returns how many values were re-sealed.
	RotateMasterKey(ctx context.Context, from []byte, to MasterKeyCheck, reseal func(Sealed) ([]byte, error)) (int, error)
}

// MasterKeyCheck is the record of a database's master key.
type MasterKeyCheck struct {
	// KeyID names the key in messages and logs ("mk-" and a prefix of
	// Check): enough to tell keys apart, useless to find one.
	KeyID string
	// Check is HMAC-SHA256 under a subkey of the master key over a fixed
	// label: equal checks mean equal keys.
	Check []byte
	// Pepper is the pepper's seed, sealed under the master key.
	Pepper    []byte
	CreatedAt time.Time
	RotatedAt *time.Time // the last rotation, if any
}

// Sealed is one value sealed under the master key, with the row it is
// bound to (the sealer's additional data).
type Sealed struct {
	Kind      SealedKind
	ProjectID string
	ID        string // the key ID (kid) or the bank ID
	Alg       string // a signing key's algorithm; "" for bank credentials
	Data      []byte
}

// SealedKind names what a Sealed value is.
type SealedKind string

// The kinds of sealed values.
const (
	SealedSigningKey      SealedKind = "signing_key"
	SealedBankCredentials SealedKind = "bank_credentials"
)
