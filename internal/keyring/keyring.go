package keyring

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// Store is what the keyring reads and writes.
type Store interface {
	store.MasterKeys
	ListProjects(ctx context.Context) ([]store.Project, error)
	ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]store.Key, error)
	Banks(ctx context.Context, projectID string) ([]store.Bank, error)
}

// Labels of the master key's subkeys that this package owns.
const (
	checkLabel   = "signet/master-key/check/v1"
	checkMessage = "signet master key check v1"
	// legacyPepperLabel derived the pepper itself before 0015; it is the
	// seed of databases made then.
	legacyPepperLabel = "signet/pepper/v1"
	// pepperSealLabel seals the pepper's seed, bound to the row "pepper".
	pepperSealLabel = "signet/pepper-seed/v1"
	pepperRow       = "pepper"
)

// Ring is a master key that opens a database, and what comes from it.
type Ring struct {
	Master keys.MasterKey
	// Pepper hashes the secrets Signet makes; it outlives master-key
	// rotations.
	Pepper secrets.Pepper
	// KeyID names the master key ("mk-…").
	KeyID string
	check []byte
}

// ID names mk the way messages and the database do: "mk-" and 12 hex
// digits of its check value. It reveals nothing of the key.
func ID(mk keys.MasterKey) string { return keyID(checkValue(mk)) }

func checkValue(mk keys.MasterKey) []byte {
	mac := hmac.New(sha256.New, mk.Derive(checkLabel))
	mac.Write([]byte(checkMessage))
	return mac.Sum(nil)
}

func keyID(check []byte) string { return "mk-" + hex.EncodeToString(check[:6]) }

func pepperSealer(mk keys.MasterKey) *keys.Sealer {
	return keys.NewSealer(mk, pepperSealLabel, pepperSealLabel)
}

// MismatchError means the database was sealed under another master key.
type MismatchError struct {
	Database, Given string // key IDs
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("this database was sealed under another master key (%s), not the one given (%s)", e.Database, e.Given)
}

// NotOpenedError means a database without a check value holds a sealed value
// the given key does not open, so it was made with another key.
type NotOpenedError struct {
	Given string // the key's ID
	What  string // "signing key <kid> of project <id>", ...
}

func (e *NotOpenedError) Error() string {
	return fmt.Sprintf("the %s does not open with the master key given (%s): this database was sealed under another master key", e.What, e.Given)
}

// Open checks mk against the database and returns its ring. A database
// without a check value gets one, if mk opens its oldest sealed value
// (see the package doc).
func Open(ctx context.Context, st Store, mk keys.MasterKey) (Ring, error) {
	for range 2 {
		c, err := st.MasterKeyCheck(ctx)
		if err == nil {
			return open(mk, c)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return Ring{}, fmt.Errorf("keyring: %w", err)
		}
		if err := record(ctx, st, mk); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
			return Ring{}, err
		}
		// Recorded, by this process or (ErrAlreadyExists) by another one
		// that started at the same time: read it back and compare.
	}
	return Ring{}, errors.New("keyring: the master key check vanished while it was recorded")
}

// open compares mk with the recorded check and opens the pepper's seed.
func open(mk keys.MasterKey, c store.MasterKeyCheck) (Ring, error) {
	check := checkValue(mk)
	if !hmac.Equal(check, c.Check) {
		return Ring{}, &MismatchError{Database: c.KeyID, Given: keyID(check)}
	}
	seed, err := pepperSealer(mk).Open(c.Pepper, pepperRow)
	if err != nil {
		return Ring{}, fmt.Errorf("keyring: the pepper does not open under the master key that matches the check: %w", err)
	}
	defer clear(seed)
	return Ring{Master: mk, Pepper: secrets.NewPepper(seed), KeyID: c.KeyID, check: check}, nil
}

// record writes the first check of a database: for one that holds sealed
// values, only if mk opens the oldest, keeping the pepper it was made
// with; for an empty one, with a random pepper seed.
func record(ctx context.Context, st Store, mk keys.MasterKey) error {
	projects, err := st.ListProjects(ctx)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	var seed []byte
	if len(projects) == 0 {
		seed = make([]byte, 32)
		rand.Read(seed) // never fails (crypto/rand, Go 1.24+)
	} else {
		if err := opensOldest(ctx, st, mk, projects); err != nil {
			return err
		}
		seed = mk.Derive(legacyPepperLabel)
	}
	defer clear(seed)
	check := checkValue(mk)
	return st.RecordMasterKeyCheck(ctx, store.MasterKeyCheck{
		KeyID:     keyID(check),
		Check:     check,
		Pepper:    pepperSealer(mk).Seal(seed, pepperRow),
		CreatedAt: store.Now(nil),
	})
}

// opensOldest tries mk on the oldest project's oldest signing key, else
// the first sealed bank credentials found; a database with neither
// accepts any key.
func opensOldest(ctx context.Context, st Store, mk keys.MasterKey, projects []store.Project) error {
	ks := keys.NewKeySealer(mk)
	for _, p := range projects {
		recs, err := st.ProjectKeys(ctx, p.ID, time.Now())
		if err != nil {
			return fmt.Errorf("keyring: %w", err)
		}
		if len(recs) == 0 {
			continue
		}
		k := recs[0]
		pt, err := ks.Open(k.PrivateKey, k.ProjectID, k.ID, k.Alg)
		clear(pt)
		if err != nil {
			return &NotOpenedError{Given: ID(mk), What: fmt.Sprintf("signing key %s of project %s", k.ID, k.ProjectID)}
		}
		return nil
	}
	bs := banks.NewSealer(mk)
	for _, p := range projects {
		list, err := st.Banks(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("keyring: %w", err)
		}
		for _, b := range list {
			if len(b.SealedSecrets) == 0 {
				continue
			}
			if _, err := bs.Open(b.ProjectID, b.ID, b.SealedSecrets); err != nil {
				return &NotOpenedError{Given: ID(mk), What: fmt.Sprintf("credentials of bank %s of project %s", b.ID, b.ProjectID)}
			}
			return nil
		}
	}
	return nil
}

// Verify reports whether the database still records this ring's key: a
// master-key rotation by another process makes every server that runs
// with the old key unfit to serve (it can no longer open what the new
// key sealed, and what it seals no other server opens).
func (r Ring) Verify(ctx context.Context, st store.MasterKeys) error {
	c, err := st.MasterKeyCheck(ctx)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if !hmac.Equal(c.Check, r.check) {
		return fmt.Errorf("the database's master key is now %s (rotated), this server runs with %s: restart it with the new key", c.KeyID, r.KeyID)
	}
	return nil
}
