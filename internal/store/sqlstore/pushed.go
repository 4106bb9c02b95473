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

// OpenPushedRequest reads the request and, in the same statement, notes
// its first opening and moves its expiry to at least now+hold, so a
// completion racing an opening cannot be undone by it.
func (db *DB) OpenPushedRequest(ctx context.Context, hash []byte, now time.Time, hold time.Duration) (store.PushedRequest, error) {
	at, until := micros(now), micros(now.Add(hold))
	var (
		r                store.PushedRequest
		params           string
		created, expires int64
		completed        sql.NullInt64
	)
	err := db.w.QueryRowContext(ctx, `UPDATE pushed_requests
		SET used_at = COALESCE(used_at, $2),
			expires_at = CASE WHEN completed_at IS NULL AND expires_at < $3 THEN $3 ELSE expires_at END
		WHERE hash = $1 AND expires_at > $2
		RETURNING hash, project_id, client_id, params, created_at, expires_at, completed_at`, hash, at, until).
		Scan(&r.Hash, &r.ProjectID, &r.ClientID, &params, &created, &expires, &completed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.PushedRequest{}, store.ErrNotFound
	case err != nil:
		return store.PushedRequest{}, fmt.Errorf("sqlstore: open pushed request: %w", err)
	}
	r.Params, r.CreatedAt, r.ExpiresAt = []byte(params), fromMicros(created), fromMicros(expires)
	if completed.Valid {
		return r, store.ErrAlreadyUsed
	}
	return r, nil
}

// CompletePushedRequest marks the request completed in the statement that
// checks it was not, so two racing completions cannot both succeed
// (RFC 9126 §4: one use).
func (db *DB) CompletePushedRequest(ctx context.Context, hash []byte, now time.Time) error {
	at := micros(now)
	res, err := db.w.ExecContext(ctx, `UPDATE pushed_requests SET completed_at = $2, used_at = COALESCE(used_at, $2)
		WHERE hash = $1 AND completed_at IS NULL AND expires_at > $2`, hash, at)
	if err != nil {
		return fmt.Errorf("sqlstore: complete pushed request: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: complete pushed request: %w", err)
	} else if n == 1 {
		return nil
	}
	// Nothing completed: tell a second completion from an unknown or
	// expired request.
	var completed sql.NullInt64
	err = db.w.QueryRowContext(ctx, `SELECT completed_at FROM pushed_requests WHERE hash = $1 AND expires_at > $2`,
		hash, at).Scan(&completed)
	switch {
	case err == nil && completed.Valid:
		return store.ErrAlreadyUsed
	case err == nil || errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	default:
		return fmt.Errorf("sqlstore: complete pushed request: %w", err)
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
