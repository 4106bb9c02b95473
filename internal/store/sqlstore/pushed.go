package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var _ store.PushedRequests = (*DB)(nil)

// CreatePushedRequest stores a pushed authorization request (RFC 9126).
func (db *DB) CreatePushedRequest(ctx context.Context, r store.PushedRequest) error {
	q, args := insertSQL("pushed_requests", []column{
		{"hash", r.Hash},
		{"project_id", r.ProjectID},
		{"client_id", r.ClientID},
		{"params", string(r.Params)},
		{"created_at", micros(r.CreatedAt)},
		{"expires_at", micros(r.ExpiresAt)},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create pushed request", err)
	}
	return nil
}

// ConsumePushedRequest marks the request used in the same statement that
// reads it, so two racing uses cannot both succeed (RFC 9126 §4: one use).
func (db *DB) ConsumePushedRequest(ctx context.Context, hash []byte, now time.Time) (store.PushedRequest, error) {
	at := micros(now)
	var (
		r                store.PushedRequest
		params           string
		created, expires int64
	)
	err := db.w.QueryRowContext(ctx, `UPDATE pushed_requests SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING hash, project_id, client_id, params, created_at, expires_at`, hash, at).
		Scan(&r.Hash, &r.ProjectID, &r.ClientID, &params, &created, &expires)
	if err == nil {
		r.Params, r.CreatedAt, r.ExpiresAt = []byte(params), fromMicros(created), fromMicros(expires)
		return r, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return store.PushedRequest{}, fmt.Errorf("sqlstore: consume pushed request: %w", err)
	}
	// Nothing consumed: tell a second use from an unknown or expired one.
	var used sql.NullInt64
	err = db.w.QueryRowContext(ctx, `SELECT used_at FROM pushed_requests WHERE hash = $1 AND expires_at > $2`,
		hash, at).Scan(&used)
	switch {
	case err == nil && used.Valid:
		return store.PushedRequest{}, store.ErrAlreadyUsed
	case err == nil || errors.Is(err, sql.ErrNoRows):
		return store.PushedRequest{}, store.ErrNotFound
	default:
		return store.PushedRequest{}, fmt.Errorf("sqlstore: consume pushed request: %w", err)
	}
}

// UseJTI inserts the JWT ID unless the client used it before; the primary
// key makes the check and the insert one atomic step on both backends.
func (db *DB) UseJTI(ctx context.Context, clientID, jti string, exp time.Time) error {
	res, err := db.w.ExecContext(ctx, `INSERT INTO used_jtis (client_id, jti, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (client_id, jti) DO NOTHING`, clientID, jti, micros(exp))
	if err != nil {
		return fmt.Errorf("sqlstore: use jti: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: use jti: %w", err)
	}
	if n == 0 {
		return store.ErrAlreadyUsed
	}
	return nil
}
