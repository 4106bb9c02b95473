package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Intermediate sessions: live while expires_at > now, consumed by deleting
// the row (one DELETE, so of two concurrent consumers one affects it),
// expired rows left to Sweep and filtered out of every read.

const intermediateSessionColumns = `id, project_id, token_hash, email, email_verified, authenticated_members,
	factors, created_at, expires_at`

// CreateIntermediateSession inserts s.
func (db *DB) CreateIntermediateSession(ctx context.Context, s store.IntermediateSession) error {
	factors, err := factorsText(s.Factors)
	if err != nil {
		return err
	}
	q, args := insertSQL("intermediate_sessions", []column{
		{"id", s.ID},
		{"project_id", s.ProjectID},
		{"token_hash", s.TokenHash},
		{"email", s.Email},
		{"email_verified", s.EmailVerified},
		{"authenticated_members", listText(s.AuthenticatedMembers)},
		{"factors", factors},
		{"created_at", micros(s.CreatedAt)},
		{"expires_at", micros(s.ExpiresAt)},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create intermediate session", err)
	}
	return nil
}

// IntermediateSessionByToken finds a live intermediate session by its
// token's hash.
func (db *DB) IntermediateSessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (store.IntermediateSession, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+intermediateSessionColumns+` FROM intermediate_sessions
		WHERE project_id = $1 AND token_hash = $2 AND expires_at > $3`, projectID, tokenHash, micros(now))
	var (
		s                  store.IntermediateSession
		members, factors   sql.NullString
		created, expiresAt int64
	)
	if err := row.Scan(&s.ID, &s.ProjectID, &s.TokenHash, &s.Email, &s.EmailVerified, &members, &factors,
		&created, &expiresAt); err != nil {
		return store.IntermediateSession{}, readErr("intermediate session by token", err)
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expiresAt)
	var err error
	if s.AuthenticatedMembers, err = fromListText(members); err != nil {
		return store.IntermediateSession{}, err
	}
	if factors.Valid {
		if err := json.Unmarshal([]byte(factors.String), &s.Factors); err != nil {
			return store.IntermediateSession{}, fmt.Errorf("sqlstore: stored factors: %w", err)
		}
	}
	return s, nil
}

// ConsumeIntermediateSession deletes the live session.
func (db *DB) ConsumeIntermediateSession(ctx context.Context, projectID, sessionID string, now time.Time) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM intermediate_sessions
		WHERE project_id = $1 AND id = $2 AND expires_at > $3`, projectID, sessionID, micros(now))
	if err != nil {
		return fmt.Errorf("sqlstore: consume intermediate session: %w", err)
	}
	return mustAffect("consume intermediate session", res)
}
