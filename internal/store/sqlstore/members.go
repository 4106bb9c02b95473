package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

const (
	memberColumns = `m.id, m.project_id, m.organization_id, m.status, m.email_address, m.email_verified, m.name,
		m.external_id, m.trusted_metadata, m.untrusted_metadata, m.roles, m.is_breakglass,
		m.mfa_phone_number, m.mfa_phone_number_verified, m.mfa_enrolled, m.default_mfa_method,
		m.created_at, m.updated_at`
	// membersWithPassword reads a member and its password, if any, in
	// one statement, as usersWithPassword does.
	membersWithPassword = `members m LEFT JOIN member_passwords p ON p.project_id = m.project_id AND p.member_id = m.id`
	selectMember        = `SELECT ` + memberColumns + `, ` + passwordColumns + ` FROM ` + membersWithPassword
	// liveMember leaves deleted members out.
	liveMember = ` AND m.status <> 'deleted'`
)

// CreateMember inserts m and its password, if set, in one transaction. The
// partial unique indexes decide races between creates with one email.
func (db *DB) CreateMember(ctx context.Context, m store.Member) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// Check first, so a missing organization is ErrNotFound rather
		// than a foreign-key error each database words differently.
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE project_id = $1 AND id = $2`,
			m.ProjectID, m.OrganizationID).Scan(&one); err != nil {
			return readErr("create member", err)
		}
		cols := append([]column{
			{"project_id", m.ProjectID},
			{"organization_id", m.OrganizationID},
			{"id", m.ID},
			{"created_at", micros(m.CreatedAt)},
		}, memberFields(&m)...)
		q, args := insertSQL("members", cols)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create member", err)
		}
		if m.Password != nil {
			return putMemberPassword(ctx, tx, m.ProjectID, m.ID, *m.Password)
		}
		return nil
	})
}

// Member finds a live member of the organization by ID or, failing that,
// by external ID; the ORDER BY prefers the ID match.
func (db *DB) Member(ctx context.Context, projectID, orgID, idOrExternalID string) (store.Member, error) {
	row := db.r.QueryRowContext(ctx, selectMember+`
		WHERE m.project_id = $1 AND m.organization_id = $2 AND (m.id = $3 OR m.external_id = $3)`+liveMember+`
		ORDER BY CASE WHEN m.id = $3 THEN 0 ELSE 1 END
		LIMIT 1`, projectID, orgID, idOrExternalID)
	m, err := scanMember(row, true)
	if err != nil {
		return store.Member{}, readErr("member", err)
	}
	return m, nil
}

// MemberByEmail finds a live member of the organization by email address.
func (db *DB) MemberByEmail(ctx context.Context, projectID, orgID, email string) (store.Member, error) {
	row := db.r.QueryRowContext(ctx, selectMember+`
		WHERE m.project_id = $1 AND m.organization_id = $2 AND m.email_lower = $3`+liveMember,
		projectID, orgID, foldEmail(email))
	m, err := scanMember(row, true)
	if err != nil {
		return store.Member{}, readErr("member by email", err)
	}
	return m, nil
}

// MemberByID finds a member of any organization of the project by ID.
func (db *DB) MemberByID(ctx context.Context, projectID, memberID string) (store.Member, error) {
	row := db.r.QueryRowContext(ctx, selectMember+` WHERE m.project_id = $1 AND m.id = $2`, projectID, memberID)
	m, err := scanMember(row, true)
	if err != nil {
		return store.Member{}, readErr("member by id", err)
	}
	return m, nil
}

// UpdateMember applies fn to the locked member and saves the result;
// ID, ProjectID, OrganizationID and CreatedAt are restored after fn runs,
// and a password fn dropped is deleted.
func (db *DB) UpdateMember(ctx context.Context, projectID, orgID, memberID string, fn func(*store.Member) error) (store.Member, error) {
	var out store.Member
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		var hadPassword bool
		out, err = update(rowUpdate[store.Member]{
			lock: func() (store.Member, error) { return db.lockMember(ctx, tx, projectID, orgID, memberID) },
			keep: func(m *store.Member, orig store.Member) {
				hadPassword = orig.Password != nil
				m.ID, m.ProjectID, m.OrganizationID, m.CreatedAt = orig.ID, orig.ProjectID, orig.OrganizationID, orig.CreatedAt
			},
			save: func(m *store.Member) error {
				if hadPassword && m.Password == nil {
					if err := deleteMemberPassword(ctx, tx, projectID, memberID); err != nil {
						return err
					}
				}
				return db.saveMember(ctx, tx, m)
			},
		}, fn)
		return err
	})
	return out, err
}

// DeleteMember marks a live member deleted and removes its credentials,
// sessions and what it granted Connected Apps (consents, codes, grants and
// their refresh tokens) in one transaction. Tables added later that hang
// off a member get their DELETE here too.
func (db *DB) DeleteMember(ctx context.Context, projectID, orgID, memberID string, now time.Time) (store.Member, error) {
	var out store.Member
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		m, err := db.lockMember(ctx, tx, projectID, orgID, memberID)
		if err != nil {
			return err
		}
		if m.Status == "deleted" {
			return store.ErrNotFound
		}
		if err := deleteMemberPassword(ctx, tx, projectID, memberID); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM member_sessions WHERE project_id = $1 AND member_id = $2`,
			`DELETE FROM refresh_tokens WHERE project_id = $1 AND grant_id IN
				(SELECT id FROM grants WHERE project_id = $1 AND member_id = $2)`,
			`DELETE FROM auth_codes WHERE project_id = $1 AND member_id = $2`,
			`DELETE FROM member_consents WHERE project_id = $1 AND member_id = $2`,
			`DELETE FROM grants WHERE project_id = $1 AND member_id = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID, memberID); err != nil {
				return fmt.Errorf("sqlstore: delete member: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'deleted', updated_at = $3
			WHERE project_id = $1 AND id = $2`, projectID, memberID, micros(now)); err != nil {
			return fmt.Errorf("sqlstore: delete member: %w", err)
		}
		out, err = db.lockMember(ctx, tx, projectID, orgID, memberID)
		return err
	})
	if err != nil {
		return store.Member{}, err
	}
	return out, nil
}

// SetMemberPassword creates or replaces a member's password.
func (db *DB) SetMemberPassword(ctx context.Context, projectID, memberID string, p store.Password) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM members WHERE project_id = $1 AND id = $2`,
			projectID, memberID).Scan(&one); err != nil {
			return readErr("set member password", err)
		}
		return putMemberPassword(ctx, tx, projectID, memberID, p)
	})
}

// DeleteMemberPassword finds the live member of the organization holding
// the password, removes the password and touches the member.
func (db *DB) DeleteMemberPassword(ctx context.Context, projectID, orgID, passwordID string, now time.Time) (store.Member, error) {
	var out store.Member
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var memberID string
		err := tx.QueryRowContext(ctx, `SELECT m.id FROM member_passwords p
			JOIN members m ON m.project_id = p.project_id AND m.id = p.member_id
			WHERE p.project_id = $1 AND p.id = $2 AND m.organization_id = $3`+liveMember+db.d.ForUpdate,
			projectID, passwordID, orgID).Scan(&memberID)
		if err != nil {
			return readErr("delete member password", err)
		}
		if err := deleteMemberPassword(ctx, tx, projectID, memberID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET updated_at = $3 WHERE project_id = $1 AND id = $2`,
			projectID, memberID, micros(now)); err != nil {
			return fmt.Errorf("sqlstore: delete member password: %w", err)
		}
		out, err = db.lockMember(ctx, tx, projectID, orgID, memberID)
		return err
	})
	if err != nil {
		return store.Member{}, err
	}
	return out, nil
}

func putMemberPassword(ctx context.Context, tx *sql.Tx, projectID, memberID string, p store.Password) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO member_passwords (project_id, member_id, id, hash, requires_reset, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (project_id, member_id) DO UPDATE SET
			id = excluded.id, hash = excluded.hash,
			requires_reset = excluded.requires_reset, created_at = excluded.created_at`,
		projectID, memberID, p.ID, p.Hash, p.RequiresReset, micros(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: set member password: %w", err)
	}
	return nil
}

func deleteMemberPassword(ctx context.Context, tx *sql.Tx, projectID, memberID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM member_passwords WHERE project_id = $1 AND member_id = $2`,
		projectID, memberID); err != nil {
		return fmt.Errorf("sqlstore: delete member password: %w", err)
	}
	return nil
}

// lockMember reads a member of the organization, whatever its status,
// inside tx for a read-modify-write; like lockUser, it locks the member
// row alone and reads the password after it.
func (db *DB) lockMember(ctx context.Context, tx *sql.Tx, projectID, orgID, memberID string) (store.Member, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members m
		WHERE m.project_id = $1 AND m.organization_id = $2 AND m.id = $3`+db.d.ForUpdate, projectID, orgID, memberID)
	m, err := scanMember(row, false)
	if err != nil {
		return store.Member{}, readErr("member", err)
	}
	var (
		p  store.Password
		at int64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, hash, requires_reset, created_at FROM member_passwords
		WHERE project_id = $1 AND member_id = $2`, projectID, memberID).Scan(&p.ID, &p.Hash, &p.RequiresReset, &at)
	switch {
	case err == nil:
		p.CreatedAt = fromMicros(at)
		m.Password = &p
	case !errors.Is(err, sql.ErrNoRows):
		return store.Member{}, fmt.Errorf("sqlstore: member password: %w", err)
	}
	return m, nil
}

func (db *DB) saveMember(ctx context.Context, tx *sql.Tx, m *store.Member) error {
	q, args := updateSQL("members", "project_id = $1 AND id = $2", []any{m.ProjectID, m.ID}, memberFields(m))
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("update member", err)
	}
	return nil
}

// memberFields are the columns of m that UpdateMember may change.
func memberFields(m *store.Member) []column {
	return []column{
		{"status", m.Status},
		{"email_address", m.Email},
		{"email_lower", foldEmail(m.Email)},
		{"email_verified", m.EmailVerified},
		{"name", m.Name},
		{"external_id", nullString(m.ExternalID)},
		{"trusted_metadata", jsonText(m.TrustedMetadata)},
		{"untrusted_metadata", jsonText(m.UntrustedMetadata)},
		{"roles", listText(m.Roles)},
		{"is_breakglass", m.IsBreakglass},
		{"mfa_phone_number", nullString(m.MFAPhoneNumber)},
		{"mfa_phone_number_verified", m.MFAPhoneNumberVerified},
		{"mfa_enrolled", m.MFAEnrolled},
		{"default_mfa_method", m.DefaultMFAMethod},
		{"updated_at", micros(m.UpdatedAt)},
	}
}

// scanMember reads memberColumns and, if withPassword, passwordColumns.
func scanMember(s scanner, withPassword bool) (store.Member, error) {
	var m store.Member
	dest, finish := memberScan(&m, withPassword)
	if err := s.Scan(dest...); err != nil {
		return store.Member{}, err
	}
	if err := finish(); err != nil {
		return store.Member{}, err
	}
	return m, nil
}

// memberScan returns the scan destinations of memberColumns (and
// passwordColumns if withPassword) for m, and what completes m after the
// scan, so a query joining members to other tables scans one row.
func memberScan(m *store.Member, withPassword bool) ([]any, func() error) {
	var (
		extID, phone              sql.NullString
		trusted, untrusted, roles sql.NullString
		created, updated          int64
		pwID, pwHash              sql.NullString
		pwReset                   sql.NullBool
		pwCreated                 sql.NullInt64
	)
	dest := []any{&m.ID, &m.ProjectID, &m.OrganizationID, &m.Status, &m.Email, &m.EmailVerified, &m.Name,
		&extID, &trusted, &untrusted, &roles, &m.IsBreakglass,
		&phone, &m.MFAPhoneNumberVerified, &m.MFAEnrolled, &m.DefaultMFAMethod, &created, &updated}
	if withPassword {
		dest = append(dest, &pwID, &pwHash, &pwReset, &pwCreated)
	}
	return dest, func() error {
		m.ExternalID, m.MFAPhoneNumber = extID.String, phone.String
		m.TrustedMetadata, m.UntrustedMetadata = fromJSONText(trusted), fromJSONText(untrusted)
		var err error
		if m.Roles, err = fromListText(roles); err != nil {
			return err
		}
		m.CreatedAt, m.UpdatedAt = fromMicros(created), fromMicros(updated)
		if pwID.Valid {
			m.Password = &store.Password{
				ID:            pwID.String,
				Hash:          pwHash.String,
				RequiresReset: pwReset.Bool,
				CreatedAt:     fromMicros(pwCreated.Int64),
			}
		}
		return nil
	}
}
