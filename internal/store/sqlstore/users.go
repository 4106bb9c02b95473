package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
)

const (
	userColumns = `u.id, u.project_id, u.status, u.first_name, u.middle_name, u.last_name,
		u.email_id, u.email_address, u.email_verified, u.phone_id, u.phone_number, u.phone_verified,
		u.trusted_metadata, u.untrusted_metadata, u.external_id, u.roles, u.created_at, u.updated_at,
		u.failed_logins, u.lock_created_at, u.lock_expires_at, u.address, u.birthdate, u.payment_details, u.verifications`
	passwordColumns = `p.id, p.hash, p.requires_reset, p.created_at`
	// usersWithPassword reads a user and their password, if any, in one
	// statement, so a read never sees one without the other.
	usersWithPassword = `users u LEFT JOIN passwords p ON p.project_id = u.project_id AND p.user_id = u.id`
	selectUser        = `SELECT ` + userColumns + `, ` + passwordColumns + ` FROM ` + usersWithPassword
)

// CreateUser inserts u and its password, if set, in one transaction. The
// unique indexes decide races: of concurrent creates with one email,
// exactly one commits and the others get *DuplicateError{Field: "email"}.
func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error { return db.insertUser(ctx, tx, u) })
}

func (db *DB) insertUser(ctx context.Context, tx *sql.Tx, u store.User) error {
	cols := append([]column{
		{"project_id", u.ProjectID},
		{"id", u.ID},
		{"created_at", micros(u.CreatedAt)},
	}, userFields(&u)...)
	q, args := insertSQL("users", cols)
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create user", err)
	}
	if err := db.insertBankSubjects(ctx, tx, &u); err != nil {
		return err
	}
	if u.Password != nil {
		return putPassword(ctx, tx, u.ProjectID, u.ID, *u.Password)
	}
	return nil
}

// SeedUsers creates len(users) users as CreateUser would, many per
// transaction: it is how bench/seed fills a project with a million users
// and the query-plan tests with enough rows for the planner to prefer the
// indexes. The server does not use it.
func (db *DB) SeedUsers(ctx context.Context, users []store.User) error {
	const batch = 2000
	for len(users) > 0 {
		n := min(batch, len(users))
		if err := db.inTx(ctx, func(tx *sql.Tx) error {
			for _, u := range users[:n] {
				if err := db.insertUser(ctx, tx, u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		users = users[n:]
	}
	return nil
}

// User finds a user by ID or, failing that, by external ID. One query does
// both; the ORDER BY prefers the ID match should one user's external ID
// equal another's user ID.
func (db *DB) User(ctx context.Context, projectID, idOrExternalID string) (store.User, error) {
	// An ID wins over an equal external ID. Two exact lookups, each
	// on its own index, rather than one "id = $2 OR external_id = $2":
	// nearly every caller passes an ID, which then costs one primary-key
	// read (the OR form made SQLite plan a union of both indexes and
	// sort it on every call).
	u, err := scanUser(db.r.QueryRowContext(ctx, selectUser+`
		WHERE u.project_id = $1 AND u.id = $2`, projectID, idOrExternalID), true)
	if errors.Is(err, sql.ErrNoRows) {
		u, err = scanUser(db.r.QueryRowContext(ctx, selectUser+`
			WHERE u.project_id = $1 AND u.external_id = $2`, projectID, idOrExternalID), true)
	}
	if err != nil {
		return store.User{}, readErr("user", err)
	}
	return u, nil
}

// UserByEmail finds a user by email address, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, projectID, email string) (store.User, error) {
	row := db.r.QueryRowContext(ctx, selectUser+` WHERE u.project_id = $1 AND u.email_lower = $2`,
		projectID, foldEmail(email))
	u, err := scanUser(row, true)
	if err != nil {
		return store.User{}, readErr("user by email", err)
	}
	return u, nil
}

// UpdateUser applies fn to the locked user and saves the result. fn may
// not move the user: ID, ProjectID, CreatedAt and Password are restored
// after it runs (passwords change only through SetPassword).
func (db *DB) UpdateUser(ctx context.Context, projectID, userID string, fn func(*store.User) error) (store.User, error) {
	var out store.User
	err := db.changeTx(ctx, store.TopicUser, userID, func(tx *sql.Tx) (err error) {
		var before store.User
		out, err = update(rowUpdate[store.User]{
			lock: func() (store.User, error) { return db.lockUser(ctx, tx, projectID, userID) },
			keep: func(u *store.User, orig store.User) {
				before = orig
				u.ID, u.ProjectID, u.CreatedAt, u.Password = orig.ID, orig.ProjectID, orig.CreatedAt, orig.Password
			},
			save: func(u *store.User) error {
				if err := db.saveUser(ctx, tx, u); err != nil {
					return err
				}
				return db.syncBankSubjects(ctx, tx, &before, u)
			},
		}, fn)
		return err
	})
	return out, err
}

// DeleteUser removes the user's password, sessions, everything they
// granted Connected Apps (refresh tokens before the grants they belong to,
// codes, consents, grants), their bank subjects and bank verification
// flows, then the user, in one transaction. The foreign
// keys have no ON DELETE CASCADE on purpose: a table added later that
// references users makes this fail loudly until it is listed here, instead
// of silently losing or keeping rows.
func (db *DB) DeleteUser(ctx context.Context, projectID, userID string, now time.Time) error {
	return db.logoutTx(ctx, projectID, store.TopicUser, userID, func(tx *sql.Tx) (int, error) {
		// The logouts first, while the grants still say who got tokens.
		queued, err := queueLogouts(ctx, tx, projectID, "g.user_id = $2", userID, now)
		if err != nil {
			return 0, err
		}
		for _, q := range []string{
			`DELETE FROM passwords WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM sessions WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM refresh_tokens WHERE project_id = $1 AND grant_id IN
				(SELECT id FROM grants WHERE project_id = $1 AND user_id = $2)`,
			`DELETE FROM auth_codes WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM consents WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM grants WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM user_bank_subjects WHERE project_id = $1 AND user_id = $2`,
			`DELETE FROM bank_verifications WHERE project_id = $1 AND user_id = $2`,
		} {
			if _, err := tx.ExecContext(ctx, q, projectID, userID); err != nil {
				return 0, fmt.Errorf("sqlstore: delete user: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE project_id = $1 AND id = $2`, projectID, userID)
		if err != nil {
			return 0, fmt.Errorf("sqlstore: delete user: %w", err)
		}
		return queued, mustAffect("delete user", res)
	})
}

// SetPassword creates or replaces the user's password.
func (db *DB) SetPassword(ctx context.Context, projectID, userID string, p store.Password) error {
	return db.changeTx(ctx, store.TopicUser, userID, func(tx *sql.Tx) error {
		// Check first, so a missing user is ErrNotFound rather than a
		// foreign-key error each database words differently.
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE project_id = $1 AND id = $2`,
			projectID, userID).Scan(&one)
		if err != nil {
			return readErr("set password", err)
		}
		return putPassword(ctx, tx, projectID, userID, p)
	})
}

func putPassword(ctx context.Context, tx *sql.Tx, projectID, userID string, p store.Password) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO passwords (project_id, user_id, id, hash, requires_reset, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (project_id, user_id) DO UPDATE SET
			id = excluded.id, hash = excluded.hash,
			requires_reset = excluded.requires_reset, created_at = excluded.created_at`,
		projectID, userID, p.ID, p.Hash, p.RequiresReset, micros(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: set password: %w", err)
	}
	return nil
}

// lockUser reads a user inside tx for a read-modify-write. The lock clause
// cannot apply to the nullable side of the password join in Postgres, so
// the user row is locked alone and the password read after it.
func (db *DB) lockUser(ctx context.Context, tx *sql.Tx, projectID, userID string) (store.User, error) {
	row := tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.project_id = $1 AND u.id = $2`+db.d.ForUpdate, projectID, userID)
	u, err := scanUser(row, false)
	if err != nil {
		return store.User{}, readErr("user", err)
	}
	var (
		p  store.Password
		at int64
	)
	err = tx.QueryRowContext(ctx, `SELECT id, hash, requires_reset, created_at FROM passwords
		WHERE project_id = $1 AND user_id = $2`, projectID, userID).Scan(&p.ID, &p.Hash, &p.RequiresReset, &at)
	switch {
	case err == nil:
		p.CreatedAt = fromMicros(at)
		u.Password = &p
	case !errors.Is(err, sql.ErrNoRows):
		return store.User{}, fmt.Errorf("sqlstore: user password: %w", err)
	}
	return u, nil
}

// saveUser writes every mutable field of u.
func (db *DB) saveUser(ctx context.Context, tx *sql.Tx, u *store.User) error {
	q, args := updateSQL("users", "project_id = $1 AND id = $2", []any{u.ProjectID, u.ID}, userFields(u))
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("update user", err)
	}
	return nil
}

// userFields are the columns of u that UpdateUser may change, including
// the derived, case-folded search columns.
func userFields(u *store.User) []column {
	var emailID, email, emailLower, phoneID, phone any
	var emailVerified, phoneVerified bool
	if e := u.Email; e != nil {
		emailID, email, emailLower, emailVerified = e.ID, e.Address, foldEmail(e.Address), e.Verified
	}
	if p := u.Phone; p != nil {
		phoneID, phone, phoneVerified = p.ID, p.Number, p.Verified
	}
	return []column{
		{"status", u.Status},
		{"first_name", u.Name.First},
		{"middle_name", u.Name.Middle},
		{"last_name", u.Name.Last},
		{"full_name_lower", fullNameKey(u.Name)},
		{"email_id", emailID},
		{"email_address", email},
		{"email_lower", emailLower},
		{"email_verified", emailVerified},
		{"phone_id", phoneID},
		{"phone_number", phone},
		{"phone_verified", phoneVerified},
		{"trusted_metadata", jsonText(u.TrustedMetadata)},
		{"untrusted_metadata", jsonText(u.UntrustedMetadata)},
		{"external_id", nullString(u.ExternalID)},
		{"roles", listText(u.Roles)},
		{"updated_at", micros(u.UpdatedAt)},
		{"failed_logins", u.FailedLogins},
		{"lock_created_at", nullMicros(u.LockCreatedAt)},
		{"lock_expires_at", nullMicros(u.LockExpiresAt)},
		{"address", addressText(u.Address)},
		{"birthdate", u.Birthdate},
		{"payment_details", jsonText(u.PaymentDetails)},
		{"verifications", verificationsText(u.Verifications)},
	}
}

// foldEmail is the unique key of an address. Folding in Go rather than
// with SQL LOWER keeps both backends in agreement beyond ASCII.
func foldEmail(s string) string { return strings.ToLower(s) }

// fullNameKey is "first middle last" without the gaps of missing parts,
// lower-cased, for full_name_fuzzy.
func fullNameKey(n store.Name) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{n.First, n.Middle, n.Last} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// scanUser reads userColumns and, if withPassword, passwordColumns.
func scanUser(s scanner, withPassword bool) (store.User, error) {
	var (
		u                                     store.User
		emailID, email, phoneID, phone, extID sql.NullString
		trusted, untrusted, roles             sql.NullString
		address, payments, verifications      sql.NullString
		emailVerified, phoneVerified          bool
		created, updated                      int64
		lockCreated, lockExpires              sql.NullInt64
		pwID, pwHash                          sql.NullString
		pwReset                               sql.NullBool
		pwCreated                             sql.NullInt64
	)
	dest := []any{&u.ID, &u.ProjectID, &u.Status, &u.Name.First, &u.Name.Middle, &u.Name.Last,
		&emailID, &email, &emailVerified, &phoneID, &phone, &phoneVerified,
		&trusted, &untrusted, &extID, &roles, &created, &updated,
		&u.FailedLogins, &lockCreated, &lockExpires, &address, &u.Birthdate, &payments, &verifications}
	if withPassword {
		dest = append(dest, &pwID, &pwHash, &pwReset, &pwCreated)
	}
	if err := s.Scan(dest...); err != nil {
		return store.User{}, err
	}
	if email.Valid {
		u.Email = &store.Email{ID: emailID.String, Address: email.String, Verified: emailVerified}
	}
	if phone.Valid {
		u.Phone = &store.Phone{ID: phoneID.String, Number: phone.String, Verified: phoneVerified}
	}
	u.TrustedMetadata = fromJSONText(trusted)
	u.UntrustedMetadata = fromJSONText(untrusted)
	u.ExternalID = extID.String
	u.PaymentDetails = fromJSONText(payments)
	var err error
	if u.Address, err = fromAddressText(address); err != nil {
		return store.User{}, err
	}
	if u.Roles, err = fromListText(roles); err != nil {
		return store.User{}, err
	}
	if u.Verifications, err = fromVerificationsText(verifications); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	u.LockCreatedAt, u.LockExpiresAt = fromNullMicros(lockCreated), fromNullMicros(lockExpires)
	if pwID.Valid {
		u.Password = &store.Password{
			ID:            pwID.String,
			Hash:          pwHash.String,
			RequiresReset: pwReset.Bool,
			CreatedAt:     fromMicros(pwCreated.Int64),
		}
	}
	return u, nil
}

// addressText stores an address as a JSON object; nil stays NULL.
func addressText(a *store.Address) any {
	if a == nil {
		return nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return string(b)
}

func fromAddressText(s sql.NullString) (*store.Address, error) {
	if !s.Valid {
		return nil, nil
	}
	var a store.Address
	if err := json.Unmarshal([]byte(s.String), &a); err != nil {
		return nil, fmt.Errorf("sqlstore: address: %w", err)
	}
	return &a, nil
}

// Analyze refreshes the planner's statistics of every table (ANALYZE, on
// both backends). PostgreSQL also does it on its own (autovacuum), SQLite
// never: run it after a bulk load such as SeedUsers, or through "signet
// migrate" on an existing database.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("sqlstore: analyze: %w", err)
	}
	return nil
}
