package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var _ store.Authorizations = (*DB)(nil)

const consentColumns = `project_id, user_id, client_id, scopes, granted_at, updated_at`

// SaveConsent records that the user consented to c.Scopes for the client.
// Consent only ever widens here (narrowing is RevokeConsent and a new
// consent): the stored scopes become the stored ones followed by the new
// ones, without repeats, so the order a user first saw stays stable.
// GrantedAt is kept from the first save; UpdatedAt moves only when a save
// adds a scope (a zero c.UpdatedAt means c.GrantedAt).
//
// The insert goes first and does nothing if the row exists, so concurrent
// first consents cannot both insert; the row is then locked and merged.
// ErrNotFound if the project has no such user or no such client.
//
// A member's consent (c.MemberID set, c.UserID "") is kept the same way in
// member_consents; ErrNotFound unless the member is live in
// c.OrganizationID.
func (db *DB) SaveConsent(ctx context.Context, c store.Consent) error {
	if (c.UserID == "") == (c.MemberID == "") {
		return fmt.Errorf("sqlstore: save consent: exactly one of user and member is required")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := subjectAndApp(ctx, tx, c.ProjectID, c.UserID, c.MemberID, c.OrganizationID, c.ClientID); err != nil {
			return err
		}
		return db.saveConsent(ctx, tx, c)
	})
}

// consentTable is where consents of a user or of a member are kept: the
// table, the subject's column, and the subject. Both tables have the same
// columns but for member_consents' organization_id.
func consentTable(c store.Consent) (table, subject, id string) {
	if c.MemberID != "" {
		return "member_consents", "member_id", c.MemberID
	}
	return "consents", "user_id", c.UserID
}

// saveConsent is SaveConsent inside tx, once the user (or member) and the
// client are known to exist.
func (db *DB) saveConsent(ctx context.Context, tx *sql.Tx, c store.Consent) error {
	at := c.UpdatedAt
	if at.IsZero() {
		at = c.GrantedAt
	}
	table, subject, id := consentTable(c)
	var (
		res sql.Result
		err error
	)
	if c.MemberID != "" {
		res, err = tx.ExecContext(ctx, `INSERT INTO member_consents (project_id, member_id, client_id, scopes,
				granted_at, updated_at, organization_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (project_id, member_id, client_id) DO NOTHING`,
			c.ProjectID, c.MemberID, c.ClientID, listText(scopeUnion(nil, c.Scopes)), micros(c.GrantedAt), micros(at),
			c.OrganizationID)
	} else {
		res, err = tx.ExecContext(ctx, `INSERT INTO consents (`+consentColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (project_id, user_id, client_id) DO NOTHING`,
			c.ProjectID, c.UserID, c.ClientID, listText(scopeUnion(nil, c.Scopes)), micros(c.GrantedAt), micros(at))
	}
	if err != nil {
		return fmt.Errorf("sqlstore: save consent: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: save consent: %w", err)
	} else if n == 1 {
		return nil
	}
	var stored sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT scopes FROM `+table+`
		WHERE project_id = $1 AND `+subject+` = $2 AND client_id = $3`+db.d.ForUpdate,
		c.ProjectID, id, c.ClientID).Scan(&stored); err != nil {
		return readErr("save consent", err)
	}
	have, err := fromListText(stored)
	if err != nil {
		return err
	}
	merged := scopeUnion(have, c.Scopes)
	if len(merged) == len(have) {
		return nil // nothing new: not widened
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET scopes = $4, updated_at = $5
		WHERE project_id = $1 AND `+subject+` = $2 AND client_id = $3`,
		c.ProjectID, id, c.ClientID, listText(merged), micros(at)); err != nil {
		return fmt.Errorf("sqlstore: save consent: %w", err)
	}
	return nil
}

// Consent returns the user's consent to the client.
func (db *DB) Consent(ctx context.Context, projectID, userID, clientID string) (store.Consent, error) {
	c, err := scanConsent(db.r.QueryRowContext(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE project_id = $1 AND user_id = $2 AND client_id = $3`, projectID, userID, clientID))
	if err != nil {
		return store.Consent{}, readErr("consent", err)
	}
	return c, nil
}

// MemberConsent returns the member's consent to the client.
func (db *DB) MemberConsent(ctx context.Context, projectID, memberID, clientID string) (store.Consent, error) {
	var (
		c                store.Consent
		scopes           sql.NullString
		granted, updated int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT project_id, member_id, organization_id, client_id, scopes, granted_at, updated_at
		FROM member_consents WHERE project_id = $1 AND member_id = $2 AND client_id = $3`, projectID, memberID, clientID).
		Scan(&c.ProjectID, &c.MemberID, &c.OrganizationID, &c.ClientID, &scopes, &granted, &updated)
	if err != nil {
		return store.Consent{}, readErr("member consent", err)
	}
	if c.Scopes, err = fromListText(scopes); err != nil {
		return store.Consent{}, err
	}
	c.GrantedAt, c.UpdatedAt = fromMicros(granted), fromMicros(updated)
	return c, nil
}

// UserConsents lists the user's consents, oldest first. A user consents
// to few clients, so the list is not paginated.
func (db *DB) UserConsents(ctx context.Context, projectID, userID string) ([]store.Consent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE project_id = $1 AND user_id = $2 ORDER BY granted_at, client_id`, projectID, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: user consents: %w", err)
	}
	defer rows.Close()
	var cs []store.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: user consents: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: user consents: %w", err)
	}
	return cs, nil
}

// RevokeConsent deletes the consent and revokes the user's live grants to
// the client in one transaction, so the client loses its refresh tokens
// (and, through the grant, its access tokens) the moment the consent
// goes: a consent can be revoked while grants made under it are still
// live, and the reverse (a grant made without stored consent, for a
// first-party client) too, hence "neither" for ErrNotFound.
func (db *DB) RevokeConsent(ctx context.Context, projectID, userID, clientID string, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM consents WHERE project_id = $1 AND user_id = $2 AND client_id = $3`,
			projectID, userID, clientID)
		if err != nil {
			return fmt.Errorf("sqlstore: revoke consent: %w", err)
		}
		consents, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: revoke consent: %w", err)
		}
		res, err = tx.ExecContext(ctx, `UPDATE grants SET revoked_at = $4
			WHERE project_id = $1 AND user_id = $2 AND client_id = $3
				AND revoked_at IS NULL AND expires_at > $4`,
			projectID, userID, clientID, micros(now))
		if err != nil {
			return fmt.Errorf("sqlstore: revoke consent: %w", err)
		}
		grants, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlstore: revoke consent: %w", err)
		}
		if consents+grants == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// subjectAndApp is userAndApp for a user, memberAndApp for a member.
func subjectAndApp(ctx context.Context, tx *sql.Tx, projectID, userID, memberID, orgID, clientID string) error {
	if memberID != "" {
		return memberAndApp(ctx, tx, projectID, memberID, orgID, clientID)
	}
	return userAndApp(ctx, tx, projectID, userID, clientID)
}

// memberAndApp returns ErrNotFound unless the project has the client and
// the member, live (not deleted) in the organization: a member is only
// ever found under its own organization.
func memberAndApp(ctx context.Context, tx *sql.Tx, projectID, memberID, orgID, clientID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM members WHERE project_id = $1 AND id = $2 AND organization_id = $3
			AND status <> 'deleted') +
		(SELECT COUNT(*) FROM connected_apps WHERE project_id = $1 AND client_id = $4)`,
		projectID, memberID, orgID, clientID).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: member and client: %w", err)
	}
	if n != 2 {
		return store.ErrNotFound
	}
	return nil
}

// userAndApp returns ErrNotFound unless the project has both the user and
// the client. Checking first turns a cross-project or dangling reference
// into ErrNotFound rather than a foreign-key error each database words
// differently, and keeps a user of one project from ever being tied to a
// client of another (the client's foreign key is on client_id alone).
func userAndApp(ctx context.Context, tx *sql.Tx, projectID, userID, clientID string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE project_id = $1 AND id = $2) +
		(SELECT COUNT(*) FROM connected_apps WHERE project_id = $1 AND client_id = $3)`,
		projectID, userID, clientID).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: user and client: %w", err)
	}
	if n != 2 {
		return store.ErrNotFound
	}
	return nil
}

// scopeUnion returns have followed by the scopes of add it lacks, each
// once, in order.
func scopeUnion(have, add []string) []string {
	out := slices.Clone(have)
	for _, s := range add {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func scanConsent(s scanner) (store.Consent, error) {
	var (
		c                store.Consent
		scopes           sql.NullString
		granted, updated int64
	)
	if err := s.Scan(&c.ProjectID, &c.UserID, &c.ClientID, &scopes, &granted, &updated); err != nil {
		return store.Consent{}, err
	}
	var err error
	if c.Scopes, err = fromListText(scopes); err != nil {
		return store.Consent{}, err
	}
	c.GrantedAt, c.UpdatedAt = fromMicros(granted), fromMicros(updated)
	return c, nil
}
