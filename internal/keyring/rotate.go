package keyring

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/banks"
	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// Rotated is what Rotate did.
type Rotated struct {
	From, To string // key IDs
	Resealed int    // signing keys and bank credentials
}

// ErrSameKey means the new master key is the database's current one.
var ErrSameKey = errors.New("keyring: the new master key is the current one")

// Rotate re-seals the database under to: every signing key, every bank's
// credentials and the pepper's seed, with the new check, in one
// transaction. from must be the database's key (Open checks it, and
// records the check of a database that has none). A value from does not
// open aborts the rotation and nothing changes.
func Rotate(ctx context.Context, st Store, from, to keys.MasterKey, now time.Time) (Rotated, error) {
	ring, err := Open(ctx, st, from)
	if err != nil {
		return Rotated{}, err
	}
	toCheck := checkValue(to)
	if keyID(toCheck) == ring.KeyID {
		return Rotated{}, ErrSameKey
	}
	c, err := st.MasterKeyCheck(ctx)
	if err != nil {
		return Rotated{}, fmt.Errorf("keyring: %w", err)
	}
	seed, err := pepperSealer(from).Open(c.Pepper, pepperRow)
	if err != nil {
		return Rotated{}, fmt.Errorf("keyring: pepper: %w", err)
	}
	defer clear(seed)
	at := store.Time(now)
	next := store.MasterKeyCheck{
		KeyID:     keyID(toCheck),
		Check:     toCheck,
		Pepper:    pepperSealer(to).Seal(seed, pepperRow),
		CreatedAt: c.CreatedAt,
		RotatedAt: &at,
	}
	oldKeys, newKeys := keys.NewKeySealer(from), keys.NewKeySealer(to)
	oldBanks, newBanks := banks.NewSealer(from), banks.NewSealer(to)
	n, err := st.RotateMasterKey(ctx, c.Check, next, func(v store.Sealed) ([]byte, error) {
		switch v.Kind {
		case store.SealedSigningKey:
			pt, err := oldKeys.Open(v.Data, v.ProjectID, v.ID, v.Alg)
			if err != nil {
				return nil, &NotOpenedError{Given: ring.KeyID, What: fmt.Sprintf("signing key %s of project %s", v.ID, v.ProjectID)}
			}
			defer clear(pt)
			return newKeys.Seal(pt, v.ProjectID, v.ID, v.Alg), nil
		case store.SealedBankCredentials:
			creds, err := oldBanks.Open(v.ProjectID, v.ID, v.Data)
			if err != nil {
				return nil, &NotOpenedError{Given: ring.KeyID, What: fmt.Sprintf("credentials of bank %s of project %s", v.ID, v.ProjectID)}
			}
			return newBanks.Seal(v.ProjectID, v.ID, creds), nil
		}
		return nil, fmt.Errorf("keyring: unknown sealed value %q", v.Kind)
	})
	if errors.Is(err, store.ErrConflict) {
		return Rotated{}, errors.New("keyring: the master key was rotated by another process meanwhile; nothing changed")
	}
	if err != nil {
		return Rotated{}, err
	}
	return Rotated{From: ring.KeyID, To: next.KeyID, Resealed: n}, nil
}
