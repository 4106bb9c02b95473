package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Member sessions work as sessions do (sessions.go): live while
// expires_at > now, revoked by deleting the row, expired rows left to
// Sweep and filtered out of every read.

const (
	memberSessionColumns = `id, project_id, organization_id, member_id, token_hash, started_at, last_accessed_at,
	expires_at, factors, custom_claims, roles`
	// selectMemberSessionOwner reads a session with its member (and the
	// member's password) and organization in one statement: a session
	// authenticate needs all three, and one round trip instead of three
	// keeps it as cheap as a consumer session's.
	selectMemberSessionOwner = `SELECT ms.id, ms.project_id, ms.organization_id, ms.member_id, ms.token_hash, ms.started_at,
		ms.last_accessed_at, ms.expires_at, ms.factors, ms.custom_claims, ms.roles, ` +
		memberColumns + `, ` + passwordColumns + `, ` + orgColumns + `
		FROM member_sessions ms
		JOIN members m ON m.project_id = ms.project_id AND m.id = ms.member_id
		LEFT JOIN member_passwords p ON p.project_id = m.project_id AND p.member_id = m.id
		JOIN organizations o ON o.project_id = ms.project_id AND o.id = ms.organization_id`
)

// CreateMemberSession inserts s; ErrNotFound unless its member is a live
// member of its organization. The check and the insert share a
// transaction, and DeleteMember locks the member's row, so a session is
// never written for a member being deleted.
func (db *DB) CreateMemberSession(ctx context.Context, s store.MemberSession) error {
	factors, err := factorsText(s.Factors)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM members
			WHERE project_id = $1 AND organization_id = $2 AND id = $3 AND status <> 'deleted'`+db.d.ForUpdate,
			s.ProjectID, s.OrganizationID, s.MemberID).Scan(&one); err != nil {
			return readErr("create member session", err)
		}
		q, args := insertSQL("member_sessions", []column{
			{"id", s.ID},
			{"project_id", s.ProjectID},
			{"organization_id", s.OrganizationID},
			{"member_id", s.MemberID},
			{"token_hash", s.TokenHash},
			{"started_at", micros(s.StartedAt)},
			{"last_accessed_at", micros(s.LastAccessedAt)},
			{"expires_at", micros(s.ExpiresAt)},
			{"factors", factors},
			{"custom_claims", jsonText(s.CustomClaims)},
			{"roles", listText(s.Roles)},
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create member session", err)
		}
		return nil
	})
}

// MemberSessionByToken finds a live member session by its token's hash,
// with its member and organization.
func (db *DB) MemberSessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (store.MemberSession, store.Member, store.Organization, error) {
	return scanMemberSessionOwner(db.r.QueryRowContext(ctx, selectMemberSessionOwner+`
		WHERE ms.project_id = $1 AND ms.token_hash = $2 AND ms.expires_at > $3`+liveMember,
		projectID, tokenHash, micros(now)), "member session by token")
}

// MemberSessionByID finds a live member session by ID, with its member
// and organization.
func (db *DB) MemberSessionByID(ctx context.Context, projectID, sessionID string, now time.Time) (store.MemberSession, store.Member, store.Organization, error) {
	return scanMemberSessionOwner(db.r.QueryRowContext(ctx, selectMemberSessionOwner+`
		WHERE ms.project_id = $1 AND ms.id = $2 AND ms.expires_at > $3`+liveMember,
		projectID, sessionID, micros(now)), "member session by id")
}

// scanMemberSessionOwner scans one row of selectMemberSessionOwner.
func scanMemberSessionOwner(row *sql.Row, op string) (store.MemberSession, store.Member, store.Organization, error) {
	var (
		s store.MemberSession
		m store.Member
		o store.Organization
	)
	sd, sf := memberSessionScan(&s)
	md, mf := memberScan(&m, true)
	od, of := organizationScan(&o)
	if err := row.Scan(append(append(sd, md...), od...)...); err != nil {
		return s, m, o, readErr(op, err)
	}
	for _, finish := range []func() error{sf, mf, of} {
		if err := finish(); err != nil {
			return s, m, o, fmt.Errorf("sqlstore: %s: %w", op, err)
		}
	}
	return s, m, o, nil
}

// TouchMemberSession is TouchSession's twin: one UPDATE ... RETURNING.
func (db *DB) TouchMemberSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (store.MemberSession, error) {
	var newExpiry any
	if !expiresAt.IsZero() {
		newExpiry = micros(expiresAt)
	}
	row := db.w.QueryRowContext(ctx, `UPDATE member_sessions SET
			last_accessed_at = $3,
			expires_at = COALESCE($4, expires_at),
			custom_claims = COALESCE($5, custom_claims)
		WHERE project_id = $1 AND id = $2 AND expires_at > $3
		RETURNING `+memberSessionColumns,
		projectID, sessionID, micros(now), newExpiry, jsonText(customClaims))
	s, err := scanMemberSession(row)
	if err != nil {
		return store.MemberSession{}, readErr("touch member session", err)
	}
	return s, nil
}

// MemberSessionsOf lists the member's live sessions, newest first.
func (db *DB) MemberSessionsOf(ctx context.Context, projectID, orgID, memberID string, now time.Time) ([]store.MemberSession, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+memberSessionColumns+` FROM member_sessions
		WHERE project_id = $1 AND member_id = $2 AND organization_id = $3 AND expires_at > $4
		ORDER BY started_at DESC, id DESC`, projectID, memberID, orgID, micros(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: member sessions: %w", err)
	}
	defer rows.Close()
	var ss []store.MemberSession
	for rows.Next() {
		s, err := scanMemberSession(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: member sessions: %w", err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: member sessions: %w", err)
	}
	return ss, nil
}

// RevokeMemberSession deletes the session.
func (db *DB) RevokeMemberSession(ctx context.Context, projectID, sessionID string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM member_sessions WHERE project_id = $1 AND id = $2`, projectID, sessionID)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke member session: %w", err)
	}
	return mustAffect("revoke member session", res)
}

// RevokeMemberSessions deletes every session of the member.
func (db *DB) RevokeMemberSessions(ctx context.Context, projectID, orgID, memberID string) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM member_sessions
		WHERE project_id = $1 AND member_id = $2 AND organization_id = $3`, projectID, memberID, orgID)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: revoke member sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: revoke member sessions: %w", err)
	}
	return int(n), nil
}

func scanMemberSession(sc scanner) (store.MemberSession, error) {
	var s store.MemberSession
	dest, finish := memberSessionScan(&s)
	if err := sc.Scan(dest...); err != nil {
		return store.MemberSession{}, err
	}
	if err := finish(); err != nil {
		return store.MemberSession{}, err
	}
	return s, nil
}

// memberSessionScan returns the scan destinations of memberSessionColumns
// for s and what completes s after the scan.
func memberSessionScan(s *store.MemberSession) ([]any, func() error) {
	var (
		started, accessed, expires int64
		factors, claims, roles     sql.NullString
	)
	dest := []any{&s.ID, &s.ProjectID, &s.OrganizationID, &s.MemberID, &s.TokenHash, &started, &accessed, &expires,
		&factors, &claims, &roles}
	return dest, func() error {
		s.StartedAt, s.LastAccessedAt, s.ExpiresAt = fromMicros(started), fromMicros(accessed), fromMicros(expires)
		if factors.Valid {
			if err := json.Unmarshal([]byte(factors.String), &s.Factors); err != nil {
				return fmt.Errorf("sqlstore: stored factors: %w", err)
			}
		}
		s.CustomClaims = fromJSONText(claims)
		var err error
		s.Roles, err = fromListText(roles)
		return err
	}
}
