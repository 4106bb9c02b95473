package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// A refresh token belongs to one grant; each rotation marks the presented
// token rotated and adds its successor, so a grant's tokens form a
// rotation family (RFC 9700 §4.14.2). Revoking the grant kills the family.

// refreshWithGrant joins a token to its grant; the grant's project must be
// the token's, so a token can never reach another project's grant.
const refreshWithGrant = `refresh_tokens t JOIN grants g ON g.id = t.grant_id AND g.project_id = t.project_id`

// CreateRefreshToken stores the first refresh token of a grant (later ones
// come from RotateRefreshToken). ErrNotFound if the project has no such
// grant or it is revoked: a revoked family takes no new members.
func (db *DB) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM grants
			WHERE project_id = $1 AND id = $2 AND revoked_at IS NULL`, t.ProjectID, t.GrantID).Scan(&one); err != nil {
			return readErr("create refresh token", err)
		}
		return db.insertRefreshToken(ctx, tx, t)
	})
}

// RotateRefreshToken exchanges a refresh token for its successor under the
// row locks of the token and its grant: of concurrent rotations of one
// token, one runs first and the others see it rotated. (On PostgreSQL the
// FOR UPDATE of the join locks the grant row too, so every rotation of a
// family, on any node, waits for the one before it; SQLite has one
// writer.) In order:
//
//   - unknown or expired token: ErrNotFound.
//   - rotated more than grace ago (grace <= 0: no window at all): reuse.
//     The grant is revoked and the revocation committed before
//     ErrAlreadyUsed is returned (RFC 9700 §4.14.2: either the client or
//     an attacker holds a stolen token, and the server cannot tell which).
//     This is checked before the grant's liveness, so every replay is
//     reported as reuse, including those that arrive after an earlier
//     replay already revoked the family.
//   - grant revoked or expired: ErrNotFound.
//   - next fails: its error, and nothing is written.
//   - not rotated yet: the token is marked rotated and next's successor
//     stored, in the same commit.
//   - rotated within grace, and next's successor is the live token the
//     first rotation stored: a retry. Nothing is written (the first
//     rotation time stays, so the window does not slide) and the grant is
//     returned: the caller hands out the same successor again.
//   - rotated within grace, and next's successor was itself rotated since
//     (the chain moved on), or is not the one stored: reuse, as above.
//     So a token has at most one successor, and a family one live chain.
//
// next runs inside the transaction and must not write to the store. It
// must derive the successor from the presented token, the same on every
// call, so that a retry finds it. The successor always joins the
// presented token's grant and project.
func (db *DB) RotateRefreshToken(ctx context.Context, hash []byte, now time.Time, grace time.Duration, next func(store.Grant) (store.RefreshToken, error)) (store.Grant, error) {
	var out store.Grant
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var rotated sql.NullInt64
		row := tx.QueryRowContext(ctx, `SELECT `+grantColumns+`, t.rotated_at FROM `+refreshWithGrant+`
			WHERE t.hash = $1 AND t.expires_at > $2`+db.d.ForUpdate, hash, micros(now))
		g, err := scanGrant(row, &rotated)
		if err != nil {
			return readErr("rotate refresh token", err)
		}
		reuse := func() error {
			if err := revokeGrant(ctx, tx, g.ProjectID, g.ID, now); err != nil {
				return err
			}
			return &commitThen{store.ErrAlreadyUsed}
		}
		if rotated.Valid && !withinGrace(fromMicros(rotated.Int64), now, grace) {
			return reuse()
		}
		if g.RevokedAt != nil || !g.ExpiresAt.After(now) {
			return store.ErrNotFound
		}
		succ, err := next(g)
		if err != nil {
			return err
		}
		out = g
		if rotated.Valid {
			live, err := liveSuccessor(ctx, tx, g, succ.Hash)
			if err != nil {
				return err
			}
			if !live {
				return reuse()
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET rotated_at = $2 WHERE hash = $1`,
			hash, micros(now)); err != nil {
			return fmt.Errorf("sqlstore: rotate refresh token: %w", err)
		}
		succ.GrantID, succ.ProjectID = g.ID, g.ProjectID
		return db.insertRefreshToken(ctx, tx, succ)
	})
	if err != nil {
		return store.Grant{}, err
	}
	return out, nil
}

// liveSuccessor reports whether hash is a token of g not rotated yet.
func liveSuccessor(ctx context.Context, tx *sql.Tx, g store.Grant, hash []byte) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM refresh_tokens
		WHERE hash = $1 AND grant_id = $2 AND project_id = $3 AND rotated_at IS NULL`,
		hash, g.ID, g.ProjectID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlstore: rotate refresh token: %w", err)
	}
	return true, nil
}

// withinGrace reports whether a token rotated at rotatedAt may be rotated
// again at now. A clock behind rotatedAt (another node's) counts as within.
func withinGrace(rotatedAt, now time.Time, grace time.Duration) bool {
	return grace > 0 && !now.After(rotatedAt.Add(grace))
}

// RefreshTokenGrant returns the live grant of an unexpired refresh token,
// rotated or not: a client revoking with an old token of its family must
// still reach the family (RFC 7009 §2.1).
func (db *DB) RefreshTokenGrant(ctx context.Context, hash []byte, now time.Time) (store.Grant, error) {
	g, err := scanGrant(db.r.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM `+refreshWithGrant+`
		WHERE t.hash = $1 AND t.expires_at > $2 AND g.revoked_at IS NULL AND g.expires_at > $2`,
		hash, micros(now)))
	if err != nil {
		return store.Grant{}, readErr("refresh token grant", err)
	}
	return g, nil
}

// RefreshToken returns an unexpired token of a live grant, with the grant.
func (db *DB) RefreshToken(ctx context.Context, hash []byte, now time.Time) (store.RefreshToken, store.Grant, error) {
	var (
		rt               store.RefreshToken
		created, expires int64
		rotated          sql.NullInt64
	)
	g, err := scanGrant(db.r.QueryRowContext(ctx, `SELECT `+grantColumns+`, t.created_at, t.expires_at, t.rotated_at FROM `+refreshWithGrant+`
		WHERE t.hash = $1 AND t.expires_at > $2 AND g.revoked_at IS NULL AND g.expires_at > $2`,
		hash, micros(now)), &created, &expires, &rotated)
	if err != nil {
		return store.RefreshToken{}, store.Grant{}, readErr("refresh token", err)
	}
	rt.Hash, rt.GrantID, rt.ProjectID = hash, g.ID, g.ProjectID
	rt.CreatedAt, rt.ExpiresAt, rt.RotatedAt = fromMicros(created), fromMicros(expires), fromNullMicros(rotated)
	return rt, g, nil
}

func (db *DB) insertRefreshToken(ctx context.Context, tx *sql.Tx, t store.RefreshToken) error {
	q, args := insertSQL("refresh_tokens", []column{
		{"hash", t.Hash},
		{"grant_id", t.GrantID},
		{"project_id", t.ProjectID},
		{"created_at", micros(t.CreatedAt)},
		{"expires_at", micros(t.ExpiresAt)},
		{"rotated_at", nullMicros(t.RotatedAt)},
	})
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create refresh token", err)
	}
	return nil
}
