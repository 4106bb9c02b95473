package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

// MasterKeyCheck reads the one row of master_key_check.
func (db *DB) MasterKeyCheck(ctx context.Context) (store.MasterKeyCheck, error) {
	c, err := scanMasterKeyCheck(db.r.QueryRowContext(ctx, masterKeyCheckQuery))
	if err != nil {
		return store.MasterKeyCheck{}, readErr("master key check", err)
	}
	return c, nil
}

const masterKeyCheckQuery = `SELECT key_id, check_value, pepper, created_at, rotated_at FROM master_key_check WHERE id = 1`

func scanMasterKeyCheck(s scanner) (store.MasterKeyCheck, error) {
	var (
		c       store.MasterKeyCheck
		created int64
		rotated sql.NullInt64
	)
	if err := s.Scan(&c.KeyID, &c.Check, &c.Pepper, &created, &rotated); err != nil {
		return store.MasterKeyCheck{}, err
	}
	c.CreatedAt = fromMicros(created)
	c.RotatedAt = fromNullMicros(rotated)
	return c, nil
}

// RecordMasterKeyCheck inserts the row; the primary key (always 1) makes
// a second record a unique violation.
func (db *DB) RecordMasterKeyCheck(ctx context.Context, c store.MasterKeyCheck) error {
	q, args := insertSQL("master_key_check", []column{
		{"id", 1},
		{"key_id", c.KeyID},
		{"check_value", c.Check},
		{"pepper", c.Pepper},
		{"created_at", micros(c.CreatedAt)},
		{"rotated_at", nullMicros(c.RotatedAt)},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		if _, ok := db.d.UniqueViolation(err); ok {
			return fmt.Errorf("sqlstore: record master key check: %w", store.ErrAlreadyExists)
		}
		return fmt.Errorf("sqlstore: record master key check: %w", err)
	}
	return nil
}

// RotateMasterKey locks the check row, then every sealed row (so no other
// writer changes one between its read and its re-sealed write), re-seals
// each and records the new check, in one transaction.
func (db *DB) RotateMasterKey(ctx context.Context, from []byte, to store.MasterKeyCheck,
	reseal func(store.Sealed) ([]byte, error)) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := scanMasterKeyCheck(tx.QueryRowContext(ctx, masterKeyCheckQuery+db.d.ForUpdate))
		if err != nil {
			return readErr("master key check", err)
		}
		if !bytes.Equal(cur.Check, from) {
			return store.ErrConflict
		}
		values, err := sealedValues(ctx, tx, db.d.ForUpdate)
		if err != nil {
			return err
		}
		for _, v := range values {
			data, err := reseal(v)
			if err != nil {
				return err
			}
			q := `UPDATE signing_keys SET private_key = $3 WHERE project_id = $1 AND id = $2`
			if v.Kind == store.SealedBankCredentials {
				q = `UPDATE banks SET sealed_secrets = $3 WHERE project_id = $1 AND id = $2`
			}
			if _, err := tx.ExecContext(ctx, q, v.ProjectID, v.ID, data); err != nil {
				return fmt.Errorf("sqlstore: rotate master key: %w", err)
			}
			n++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE master_key_check SET key_id = $1, check_value = $2, pepper = $3, rotated_at = $4 WHERE id = 1`,
			to.KeyID, to.Check, to.Pepper, nullMicros(to.RotatedAt)); err != nil {
			return fmt.Errorf("sqlstore: rotate master key: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// sealedValues reads every sealed value, locked for update: all signing
// keys (retired ones too, which still verify old tokens) and every bank's
// credentials.
func sealedValues(ctx context.Context, tx *sql.Tx, forUpdate string) ([]store.Sealed, error) {
	var out []store.Sealed
	for _, src := range []struct {
		kind store.SealedKind
		q    string
	}{
		{store.SealedSigningKey, `SELECT project_id, id, alg, private_key FROM signing_keys ORDER BY project_id, id`},
		{store.SealedBankCredentials, `SELECT project_id, id, '', sealed_secrets FROM banks WHERE sealed_secrets IS NOT NULL ORDER BY project_id, id`},
	} {
		rows, err := tx.QueryContext(ctx, src.q+forUpdate)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: sealed values: %w", err)
		}
		for rows.Next() {
			v := store.Sealed{Kind: src.kind}
			if err := rows.Scan(&v.ProjectID, &v.ID, &v.Alg, &v.Data); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: sealed values: %w", err)
			}
			if len(v.Data) > 0 {
				out = append(out, v)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlstore: sealed values: %w", err)
		}
	}
	return out, nil
}
