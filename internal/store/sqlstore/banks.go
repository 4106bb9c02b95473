package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signet-id/signet/internal/store"
)

const bankColumns = `id, project_id, issuer, display_name, logo_url, primary_color, background_color,
	client_id, auth_method, sealed_secrets, created_at, updated_at, tls_server_ca, max_age`

// bankDupFields names the fields of the banks table's unique keys (see
// uniqueFields, which covers the older tables).
var bankDupFields = map[string]string{
	"banks_id_key":     "bank_id",
	"banks_issuer_key": "issuer",
}

// bankWriteErr is writeErr with the banks table's field names.
func (db *DB) bankWriteErr(op string, err error) error {
	err = db.writeErr(op, err)
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		if f, ok := bankDupFields[dup.Field]; ok {
			return &store.DuplicateError{Field: f}
		}
	}
	return err
}

// CreateBank inserts b. (project_id, issuer) is unique: a project lists a
// bank once.
func (db *DB) CreateBank(ctx context.Context, b store.Bank) error {
	cols := append([]column{
		{"id", b.ID},
		{"project_id", b.ProjectID},
		{"created_at", micros(b.CreatedAt)},
	}, bankFields(&b)...)
	q, args := insertSQL("banks", cols)
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.bankWriteErr("create bank", err)
	}
	return nil
}

// Bank finds one of the project's banks by ID.
func (db *DB) Bank(ctx context.Context, projectID, bankID string) (store.Bank, error) {
	b, err := scanBank(db.r.QueryRowContext(ctx,
		`SELECT `+bankColumns+` FROM banks WHERE project_id = $1 AND id = $2`, projectID, bankID))
	if err != nil {
		return store.Bank{}, readErr("bank", err)
	}
	return b, nil
}

// Banks lists the project's banks by display name, then ID. A project
// lists a handful of banks, so there is no paging.
func (db *DB) Banks(ctx context.Context, projectID string) ([]store.Bank, error) {
	rows, err := db.r.QueryContext(ctx,
		`SELECT `+bankColumns+` FROM banks WHERE project_id = $1 ORDER BY display_name, id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: banks: %w", err)
	}
	defer rows.Close()
	var out []store.Bank
	for rows.Next() {
		b, err := scanBank(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: banks: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: banks: %w", err)
	}
	return out, nil
}

// UpdateBank applies fn to the locked bank and saves the result; ID,
// ProjectID and CreatedAt are restored after fn runs.
func (db *DB) UpdateBank(ctx context.Context, projectID, bankID string, fn func(*store.Bank) error) (store.Bank, error) {
	const q = `SELECT ` + bankColumns + ` FROM banks WHERE project_id = $1 AND id = $2`
	var out store.Bank
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = update(rowUpdate[store.Bank]{
			lock: rowReader(ctx, tx, "bank", scanBank, q+db.d.ForUpdate, projectID, bankID),
			keep: func(b *store.Bank, orig store.Bank) {
				b.ID, b.ProjectID, b.CreatedAt = orig.ID, orig.ProjectID, orig.CreatedAt
			},
			save: func(b *store.Bank) error {
				uq, args := updateSQL("banks", "project_id = $1 AND id = $2", []any{projectID, bankID}, bankFields(b))
				if _, err := tx.ExecContext(ctx, uq, args...); err != nil {
					return db.bankWriteErr("update bank", err)
				}
				return nil
			},
			read: rowReader(ctx, tx, "bank", scanBank, q, projectID, bankID),
		}, fn)
		return err
	})
	return out, err
}

// DeleteBank deletes the bank and the visitors' choices of it, in one
// transaction (rolled back, choices and all, if there was no such bank).
// Flows through the bank stay: they expire on their own, and a verified
// user's provenance keeps the bank's ID.
func (db *DB) DeleteBank(ctx context.Context, projectID, bankID string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM bank_choices WHERE project_id = $1 AND bank_id = $2`,
			projectID, bankID); err != nil {
			return fmt.Errorf("sqlstore: delete bank: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM banks WHERE project_id = $1 AND id = $2`, projectID, bankID)
		if err != nil {
			return fmt.Errorf("sqlstore: delete bank: %w", err)
		}
		return mustAffect("delete bank", res)
	})
}

// bankFields are the columns of b that UpdateBank may change.
func bankFields(b *store.Bank) []column {
	return []column{
		{"issuer", b.Issuer},
		{"display_name", b.DisplayName},
		{"logo_url", b.LogoURL},
		{"primary_color", b.PrimaryColor},
		{"background_color", b.BackgroundColor},
		{"client_id", b.ClientID},
		{"auth_method", b.AuthMethod},
		{"sealed_secrets", b.SealedSecrets},
		{"updated_at", micros(b.UpdatedAt)},
		{"tls_server_ca", b.TLSServerCA},
		{"max_age", nullInt(b.MaxAge)},
	}
}

func scanBank(row scanner) (store.Bank, error) {
	var b store.Bank
	var created, updated int64
	var maxAge sql.NullInt64
	if err := row.Scan(&b.ID, &b.ProjectID, &b.Issuer, &b.DisplayName, &b.LogoURL, &b.PrimaryColor,
		&b.BackgroundColor, &b.ClientID, &b.AuthMethod, &b.SealedSecrets, &created, &updated, &b.TLSServerCA, &maxAge); err != nil {
		return store.Bank{}, err
	}
	if maxAge.Valid {
		n := int(maxAge.Int64)
		b.MaxAge = &n
	}
	if len(b.SealedSecrets) == 0 {
		b.SealedSecrets = nil
	}
	b.CreatedAt, b.UpdatedAt = fromMicros(created), fromMicros(updated)
	return b, nil
}

// nullInt is n as a nullable column value.
func nullInt(n *int) any {
	if n == nil {
		return nil
	}
	return int64(*n)
}
