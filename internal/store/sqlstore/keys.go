package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

const keyColumns = `id, project_id, alg, private_key, public_jwk, created_at, activates_at, retires_at, remove_at`

// ProjectKeys returns the project's published keys (not yet removed at
// now), oldest first, so a JWKS lists them in a stable order.
func (db *DB) ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]store.Key, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+keyColumns+` FROM signing_keys
		WHERE project_id = $1 AND (remove_at IS NULL OR remove_at > $2)
		ORDER BY created_at, id`, projectID, micros(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: project keys: %w", err)
	}
	defer rows.Close()
	var ks []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: project keys: %w", err)
		}
		ks = append(ks, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: project keys: %w", err)
	}
	return ks, nil
}

// RotateKey retires the project's current keys of k.Alg and inserts k, in
// one transaction: there is never a moment with two current keys of one
// algorithm, nor with none. Keys of other algorithms are left alone,
// because a project may sign session JWTs (RS256) and access tokens (say
// ES256) with different keys at once.
func (db *DB) RotateKey(ctx context.Context, k store.Key, removeAt time.Time) error {
	return db.changeTx(ctx, store.TopicKeys, k.ProjectID, func(tx *sql.Tx) error {
		// The old keys sign until the new one activates, and stay
		// published until tokens they signed have expired.
		if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retires_at = $3, remove_at = $4
			WHERE project_id = $1 AND alg = $2 AND retires_at IS NULL`,
			k.ProjectID, k.Alg, micros(k.ActivatesAt), micros(removeAt)); err != nil {
			return fmt.Errorf("sqlstore: rotate key: %w", err)
		}
		return db.insertKey(ctx, tx, "rotate key", k)
	})
}

// AddKeys inserts each of ks whose algorithm the project has no current
// key of, in one transaction. The project's row is locked first, so two
// AddKeys of one project take turns on Postgres (SQLite's BEGIN IMMEDIATE
// already serializes every write) and the second sees what the first
// inserted.
func (db *DB) AddKeys(ctx context.Context, ks []store.Key) (int, error) {
	if len(ks) == 0 {
		return 0, nil
	}
	projectID := ks[0].ProjectID
	for _, k := range ks {
		if k.ProjectID != projectID {
			return 0, fmt.Errorf("sqlstore: add keys: keys of projects %s and %s", projectID, k.ProjectID)
		}
	}
	n := 0
	err := db.changeTx(ctx, store.TopicKeys, projectID, func(tx *sql.Tx) error {
		n = 0
		var id string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE id = $1`+db.d.ForUpdate, projectID).Scan(&id); err != nil {
			return readErr("project", err)
		}
		for _, k := range ks {
			var current int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM signing_keys
				WHERE project_id = $1 AND alg = $2 AND retires_at IS NULL`, projectID, k.Alg).Scan(&current); err != nil {
				return fmt.Errorf("sqlstore: add keys: %w", err)
			}
			if current > 0 {
				continue
			}
			if err := db.insertKey(ctx, tx, "add keys", k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (db *DB) insertKey(ctx context.Context, tx *sql.Tx, op string, k store.Key) error {
	q, args := insertSQL("signing_keys", []column{
		{"id", k.ID},
		{"project_id", k.ProjectID},
		{"alg", k.Alg},
		{"private_key", k.PrivateKey},
		{"public_jwk", k.PublicJWK},
		{"created_at", micros(k.CreatedAt)},
		{"activates_at", micros(k.ActivatesAt)},
		{"retires_at", nullMicros(k.RetiresAt)},
		{"remove_at", nullMicros(k.RemoveAt)},
	})
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr(op, err)
	}
	return nil
}

func scanKey(s scanner) (store.Key, error) {
	var (
		k                   store.Key
		created, activates  int64
		retires, removeTime sql.NullInt64
	)
	if err := s.Scan(&k.ID, &k.ProjectID, &k.Alg, &k.PrivateKey, &k.PublicJWK,
		&created, &activates, &retires, &removeTime); err != nil {
		return store.Key{}, err
	}
	k.CreatedAt = fromMicros(created)
	k.ActivatesAt = fromMicros(activates)
	k.RetiresAt = fromNullMicros(retires)
	k.RemoveAt = fromNullMicros(removeTime)
	return k, nil
}
