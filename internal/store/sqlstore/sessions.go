package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// A session is live while expires_at > now. Revoking deletes the row, so
// "not revoked" needs no column; expired rows linger until Sweep, and
// every read filters them out.

const sessionColumns = `id, project_id, user_id, token_hash, started_at, last_accessed_at, expires_at,
	ip_address, user_agent, factors, custom_claims, roles`

// CreateSession inserts s; ErrNotFound if its user does not exist.
func (db *DB) CreateSession(ctx context.Context, s store.Session) error {
	factors, err := factorsText(s.Factors)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE project_id = $1 AND id = $2`,
			s.ProjectID, s.UserID).Scan(&one); err != nil {
			return readErr("create session", err)
		}
		q, args := insertSQL("sessions", []column{
			{"id", s.ID},
			{"project_id", s.ProjectID},
			{"user_id", s.UserID},
			{"token_hash", s.TokenHash},
			{"started_at", micros(s.StartedAt)},
			{"last_accessed_at", micros(s.LastAccessedAt)},
			{"expires_at", micros(s.ExpiresAt)},
			{"ip_address", s.IPAddress},
			{"user_agent", s.UserAgent},
			{"factors", factors},
			{"custom_claims", jsonText(s.CustomClaims)},
			{"roles", listText(s.Roles)},
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create session", err)
		}
		return nil
	})
}

// SessionByToken finds a live session by the hash of its token.
func (db *DB) SessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (store.Session, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE project_id = $1 AND token_hash = $2 AND expires_at > $3`, projectID, tokenHash, micros(now))
	s, err := scanSession(row)
	if err != nil {
		return store.Session{}, readErr("session by token", err)
	}
	return s, nil
}

// SessionByID finds a live session by ID.
func (db *DB) SessionByID(ctx context.Context, projectID, sessionID string, now time.Time) (store.Session, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE project_id = $1 AND id = $2 AND expires_at > $3`, projectID, sessionID, micros(now))
	s, err := scanSession(row)
	if err != nil {
		return store.Session{}, readErr("session by id", err)
	}
	return s, nil
}

// TouchSession is one UPDATE ... RETURNING: the liveness check and the
// write cannot be split by a concurrent revoke. A NULL argument keeps the
// column (COALESCE). Touching last_accessed_at alone needs no transaction;
// a new expiry or new claims are announced (TopicSession), in one.
func (db *DB) TouchSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (store.Session, error) {
	var newExpiry any
	if !expiresAt.IsZero() {
		newExpiry = micros(expiresAt)
	}
	const q = `UPDATE sessions SET
			last_accessed_at = $3,
			expires_at = COALESCE($4, expires_at),
			custom_claims = COALESCE($5, custom_claims)
		WHERE project_id = $1 AND id = $2 AND expires_at > $3
		RETURNING ` + sessionColumns
	args := []any{projectID, sessionID, micros(now), newExpiry, jsonText(customClaims)}
	if newExpiry == nil && customClaims == nil {
		s, err := scanSession(db.w.QueryRowContext(ctx, q, args...))
		if err != nil {
			return store.Session{}, readErr("touch session", err)
		}
		return s, nil
	}
	var s store.Session
	err := db.changeTx(ctx, store.TopicSession, sessionID, func(tx *sql.Tx) error {
		var err error
		if s, err = scanSession(tx.QueryRowContext(ctx, q, args...)); err != nil {
			return readErr("touch session", err)
		}
		return nil
	})
	return s, err
}

// UserSessions lists the user's live sessions, newest first.
func (db *DB) UserSessions(ctx context.Context, projectID, userID string, now time.Time) ([]store.Session, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE project_id = $1 AND user_id = $2 AND expires_at > $3
		ORDER BY started_at DESC, id DESC`, projectID, userID, micros(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: user sessions: %w", err)
	}
	defer rows.Close()
	var ss []store.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: user sessions: %w", err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: user sessions: %w", err)
	}
	return ss, nil
}

// RevokeSession deletes the session and queues the back-channel logouts
// its grants owe, in one transaction.
func (db *DB) RevokeSession(ctx context.Context, projectID, sessionID string, now time.Time) error {
	return db.logoutTx(ctx, projectID, store.TopicSession, sessionID, func(tx *sql.Tx) (int, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE project_id = $1 AND id = $2`, projectID, sessionID)
		if err != nil {
			return 0, fmt.Errorf("sqlstore: revoke session: %w", err)
		}
		if err := mustAffect("revoke session", res); err != nil {
			return 0, err
		}
		return queueLogouts(ctx, tx, projectID, "g.session_id = $2", sessionID, now)
	})
}

func factorsText(fs []store.Factor) (any, error) {
	if len(fs) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(fs)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: session factors: %w", err)
	}
	return string(b), nil
}

func scanSession(sc scanner) (store.Session, error) {
	var (
		s                          store.Session
		started, accessed, expires int64
		factors, claims, roles     sql.NullString
	)
	if err := sc.Scan(&s.ID, &s.ProjectID, &s.UserID, &s.TokenHash, &started, &accessed, &expires,
		&s.IPAddress, &s.UserAgent, &factors, &claims, &roles); err != nil {
		return store.Session{}, err
	}
	s.StartedAt, s.LastAccessedAt, s.ExpiresAt = fromMicros(started), fromMicros(accessed), fromMicros(expires)
	if factors.Valid {
		if err := json.Unmarshal([]byte(factors.String), &s.Factors); err != nil {
			return store.Session{}, fmt.Errorf("sqlstore: stored factors: %w", err)
		}
	}
	s.CustomClaims = fromJSONText(claims)
	var err error
	if s.Roles, err = fromListText(roles); err != nil {
		return store.Session{}, err
	}
	return s, nil
}
