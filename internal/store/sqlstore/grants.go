package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// A grant is live while revoked_at is NULL and expires_at > now. Revoking
// sets revoked_at rather than deleting, so a replayed code or refresh token
// still finds the grant it issued (and reports reuse, not "unknown") until
// Sweep removes it a day later.

const (
	grantColumns = `g.id, g.project_id, g.client_id, g.user_id, g.member_id, g.organization_id, g.scopes, g.session_id,
		g.auth_time, g.created_at, g.expires_at, g.revoked_at, g.cert_thumbprint, g.claims, g.acr, g.dpop_jkt`
	codeColumns = `hash, project_id, client_id, user_id, member_id, organization_id, session_id, redirect_uri, scopes, nonce,
		code_challenge, auth_time, claims, created_at, expires_at, grant_id, acr, dpop_jkt`
)

// CreateAuthCode stores a code issued by the authorization endpoint and,
// when consent is not nil, records it (as SaveConsent) in the same
// transaction. ErrNotFound if the project has no such user (or live
// member of the organization) or client.
func (db *DB) CreateAuthCode(ctx context.Context, c store.AuthCode, consent *store.Consent) error {
	if (c.UserID == "") == (c.MemberID == "") {
		return fmt.Errorf("sqlstore: create auth code: exactly one of user and member is required")
	}
	if consent != nil && (consent.ProjectID != c.ProjectID || consent.UserID != c.UserID || consent.MemberID != c.MemberID ||
		consent.OrganizationID != c.OrganizationID || consent.ClientID != c.ClientID) {
		return fmt.Errorf("sqlstore: create auth code: the consent is another user's or client's")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := subjectAndApp(ctx, tx, c.ProjectID, c.UserID, c.MemberID, c.OrganizationID, c.ClientID); err != nil {
			return err
		}
		if consent != nil {
			if err := db.saveConsent(ctx, tx, *consent); err != nil {
				return err
			}
		}
		q, args := insertSQL("auth_codes", []column{
			{"hash", c.Hash},
			{"project_id", c.ProjectID},
			{"client_id", c.ClientID},
			{"user_id", nullString(c.UserID)},
			{"member_id", nullString(c.MemberID)},
			{"organization_id", c.OrganizationID},
			{"session_id", c.SessionID},
			{"redirect_uri", c.RedirectURI},
			{"scopes", listText(c.Scopes)},
			{"nonce", c.Nonce},
			{"code_challenge", c.CodeChallenge},
			{"auth_time", micros(c.AuthTime)},
			{"claims", jsonText(c.Claims)},
			{"acr", c.ACR},
			{"dpop_jkt", c.DPoPJKT},
			{"created_at", micros(c.CreatedAt)},
			{"expires_at", micros(c.ExpiresAt)},
			// grant_id and used_at stay NULL until RedeemAuthCode.
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create auth code", err)
		}
		return nil
	})
}

// RedeemAuthCode uses a code at most once (RFC 6749 §4.1.2), under the
// code's row lock: of concurrent redemptions, one runs issue and the
// others then find the code used. In order:
//
//   - unknown or expired (expires_at <= now): ErrNotFound, nothing
//     written. An expired code is refused as unknown even if it was
//     redeemed before: Sweep deletes it anyway, and answering the same
//     way before and after the sweep keeps the behaviour deterministic.
//   - used before: the grant it issued, if any, is revoked and the
//     revocation committed before ErrAlreadyUsed is returned (RFC 6749
//     §4.1.2, RFC 9700 §4.5: a replayed code means it leaked, so whatever
//     it issued is suspect).
//   - issue fails: the code is burned (marked used, no grant) and
//     committed, and issue's error returned. A code that failed a PKCE or
//     redirect_uri check may have been presented by an attacker; the
//     legitimate client must start over rather than race them.
//   - issue succeeds: the grant is stored, the code records its ID, both
//     in the same commit, and the stored grant is returned.
//
// issue runs inside the transaction and must not write to the store
// (SQLite has one writer connection, which this transaction holds). The
// grant always belongs to the code's project, client and user, whatever
// issue fills in.
func (db *DB) RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, issue func(store.AuthCode) (store.Grant, error)) (store.Grant, error) {
	var out store.Grant
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var usedAt sql.NullInt64
		row := tx.QueryRowContext(ctx, `SELECT `+codeColumns+`, used_at FROM auth_codes WHERE hash = $1`+db.d.ForUpdate, hash)
		c, err := scanAuthCode(row, &usedAt)
		if err != nil {
			return readErr("redeem auth code", err)
		}
		if !c.ExpiresAt.After(now) {
			return store.ErrNotFound
		}
		if usedAt.Valid {
			if c.GrantID != "" {
				if err := revokeGrant(ctx, tx, c.ProjectID, c.GrantID, now); err != nil {
					return err
				}
			}
			return &commitThen{store.ErrAlreadyUsed}
		}
		g, issueErr := issue(c)
		if issueErr != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE auth_codes SET used_at = $2 WHERE hash = $1`,
				hash, micros(now)); err != nil {
				return fmt.Errorf("sqlstore: burn auth code: %w", err)
			}
			return &commitThen{issueErr}
		}
		g.ProjectID, g.ClientID, g.UserID = c.ProjectID, c.ClientID, c.UserID
		g.MemberID, g.OrganizationID = c.MemberID, c.OrganizationID
		if err := db.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auth_codes SET used_at = $2, grant_id = $3 WHERE hash = $1`,
			hash, micros(now), g.ID); err != nil {
			return fmt.Errorf("sqlstore: redeem auth code: %w", err)
		}
		// Read back, so the caller sees what a later read will.
		out, err = scanGrant(tx.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants g
			WHERE g.project_id = $1 AND g.id = $2`, g.ProjectID, g.ID))
		if err != nil {
			return readErr("redeem auth code", err)
		}
		return nil
	})
	if err != nil {
		return store.Grant{}, err
	}
	return out, nil
}

// Grant returns a live grant.
func (db *DB) Grant(ctx context.Context, projectID, grantID string, now time.Time) (store.Grant, error) {
	g, err := scanGrant(db.r.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants g
		WHERE g.project_id = $1 AND g.id = $2 AND g.revoked_at IS NULL AND g.expires_at > $3`,
		projectID, grantID, micros(now)))
	if err != nil {
		return store.Grant{}, readErr("grant", err)
	}
	return g, nil
}

// RevokeGrant revokes a grant. Revoking twice succeeds and keeps the first
// revocation time (RFC 7009 §2.2: revoking an invalid token is not an
// error); only a grant the project never had is ErrNotFound.
func (db *DB) RevokeGrant(ctx context.Context, projectID, grantID string, now time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE grants SET revoked_at = COALESCE(revoked_at, $3)
		WHERE project_id = $1 AND id = $2`, projectID, grantID, micros(now))
	if err != nil {
		return fmt.Errorf("sqlstore: revoke grant: %w", err)
	}
	return mustAffect("revoke grant", res)
}

// revokeGrant revokes a grant inside tx if it is not revoked already.
func revokeGrant(ctx context.Context, tx *sql.Tx, projectID, grantID string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE grants SET revoked_at = $3
		WHERE project_id = $1 AND id = $2 AND revoked_at IS NULL`, projectID, grantID, micros(now)); err != nil {
		return fmt.Errorf("sqlstore: revoke grant: %w", err)
	}
	return nil
}

func (db *DB) insertGrant(ctx context.Context, tx *sql.Tx, g store.Grant) error {
	q, args := insertSQL("grants", []column{
		{"id", g.ID},
		{"project_id", g.ProjectID},
		{"client_id", g.ClientID},
		{"user_id", nullString(g.UserID)},
		{"member_id", nullString(g.MemberID)},
		{"organization_id", g.OrganizationID},
		{"scopes", listText(g.Scopes)},
		{"session_id", g.SessionID},
		{"auth_time", micros(g.AuthTime)},
		{"created_at", micros(g.CreatedAt)},
		{"expires_at", micros(g.ExpiresAt)},
		{"revoked_at", nullMicros(g.RevokedAt)},
		{"cert_thumbprint", g.CertThumbprint},
		{"claims", jsonText(g.Claims)},
		{"acr", g.ACR},
		{"dpop_jkt", g.DPoPJKT},
	})
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create grant", err)
	}
	return nil
}

// scanGrant reads grantColumns, then extra.
func scanGrant(s scanner, extra ...any) (store.Grant, error) {
	var (
		g                      store.Grant
		scopes                 sql.NullString
		auth, created, expires int64
		revoked                sql.NullInt64
		claims, user, member   sql.NullString
	)
	dest := append([]any{&g.ID, &g.ProjectID, &g.ClientID, &user, &member, &g.OrganizationID, &scopes, &g.SessionID,
		&auth, &created, &expires, &revoked, &g.CertThumbprint, &claims, &g.ACR, &g.DPoPJKT}, extra...)
	if err := s.Scan(dest...); err != nil {
		return store.Grant{}, err
	}
	var err error
	if g.Scopes, err = fromListText(scopes); err != nil {
		return store.Grant{}, err
	}
	g.AuthTime, g.CreatedAt, g.ExpiresAt = fromMicros(auth), fromMicros(created), fromMicros(expires)
	g.RevokedAt = fromNullMicros(revoked)
	g.Claims = fromJSONText(claims)
	g.UserID, g.MemberID = user.String, member.String
	return g, nil
}

// scanAuthCode reads codeColumns, then extra.
func scanAuthCode(s scanner, extra ...any) (store.AuthCode, error) {
	var (
		c                      store.AuthCode
		scopes, claims, grant  sql.NullString
		user, member           sql.NullString
		auth, created, expires int64
	)
	dest := append([]any{&c.Hash, &c.ProjectID, &c.ClientID, &user, &member, &c.OrganizationID, &c.SessionID, &c.RedirectURI,
		&scopes, &c.Nonce, &c.CodeChallenge, &auth, &claims, &created, &expires, &grant, &c.ACR, &c.DPoPJKT}, extra...)
	if err := s.Scan(dest...); err != nil {
		return store.AuthCode{}, err
	}
	var err error
	if c.Scopes, err = fromListText(scopes); err != nil {
		return store.AuthCode{}, err
	}
	c.Claims = fromJSONText(claims)
	c.AuthTime, c.CreatedAt, c.ExpiresAt = fromMicros(auth), fromMicros(created), fromMicros(expires)
	c.GrantID = grant.String
	c.UserID, c.MemberID = user.String, member.String
	return c, nil
}
