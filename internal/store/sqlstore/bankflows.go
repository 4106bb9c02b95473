package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var _ store.BankVerifications = (*DB)(nil)

const bankVerificationColumns = `id, project_id, kind, status, client_id, authorization_request,
	redirect_url, user_id, bank_id, visitor_id, scopes, claims, code_challenge,
	begin_hash, binding_hash, result_hash, state, nonce, code_verifier, attempts,
	verification_id, error_code, error_message, source_hash, created_at, updated_at, expires_at`

// CreateBankVerification inserts v. The ID alone is the key, instance-wide:
// the bank's redirect back carries only the flow, not its project.
//
// A run with a source and a bound is counted in with its source's other
// runs, one transaction per source at a time (lockSource): the source's
// expired runs go first, so what is left is what counts, and the bound
// holds however many requests race.
func (db *DB) CreateBankVerification(ctx context.Context, v store.BankVerification, perSource int) error {
	cols := append([]column{
		{"id", v.ID},
		{"project_id", v.ProjectID},
		{"kind", v.Kind},
		{"source_hash", nullBytes(v.SourceHash)},
		{"created_at", micros(v.CreatedAt)},
	}, bankVerificationFields(&v)...)
	q, args := insertSQL("bank_verifications", cols)
	if len(v.SourceHash) == 0 || perSource <= 0 {
		if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create bank verification", err)
		}
		return nil
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockSource(ctx, tx, v.SourceHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM bank_verifications WHERE source_hash = $1 AND expires_at <= $2`,
			v.SourceHash, micros(v.CreatedAt)); err != nil {
			return fmt.Errorf("sqlstore: create bank verification: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bank_verifications WHERE source_hash = $1`,
			v.SourceHash).Scan(&n); err != nil {
			return fmt.Errorf("sqlstore: create bank verification: %w", err)
		}
		if n >= perSource {
			return store.ErrLimitReached
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("create bank verification", err)
		}
		return nil
	})
}

// lockSource makes the rest of tx the only transaction counting and
// writing rows of source (see Dialect.SourceLock): without it, two READ
// COMMITTED transactions could both count one below a bound and both
// insert.
func (db *DB) lockSource(ctx context.Context, tx *sql.Tx, source []byte) error {
	if db.d.SourceLock == "" {
		return nil
	}
	h := fnv.New32a()
	h.Write(source)
	if _, err := tx.ExecContext(ctx, db.d.SourceLock, int32(h.Sum32())); err != nil {
		return fmt.Errorf("sqlstore: lock source: %w", err)
	}
	return nil
}

// BankVerification finds the unexpired flow with this ID.
func (db *DB) BankVerification(ctx context.Context, id string, now time.Time) (store.BankVerification, error) {
	v, err := scanBankVerification(db.r.QueryRowContext(ctx, `SELECT `+bankVerificationColumns+`
		FROM bank_verifications WHERE id = $1 AND expires_at > $2`, id, micros(now)))
	if err != nil {
		return store.BankVerification{}, readErr("bank verification", err)
	}
	return v, nil
}

// UpdateBankVerification applies fn to the locked, unexpired flow and saves
// the result; ID, ProjectID, Kind and CreatedAt are restored after fn runs
// (SourceHash is not among the columns it writes).
// The lock is what makes a status check in fn a compare-and-set: of two
// callbacks racing to finish one flow, the second reads the first's
// committed result (Postgres re-reads a row it waited for under FOR
// UPDATE; SQLite's writers never overlap) and fn can refuse it.
func (db *DB) UpdateBankVerification(ctx context.Context, id string, now time.Time, fn func(*store.BankVerification) error) (store.BankVerification, error) {
	const q = `SELECT ` + bankVerificationColumns + ` FROM bank_verifications WHERE id = $1`
	var out store.BankVerification
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		out, err = update(rowUpdate[store.BankVerification]{
			lock: rowReader(ctx, tx, "bank verification", scanBankVerification,
				q+` AND expires_at > $2`+db.d.ForUpdate, id, micros(now)),
			keep: func(v *store.BankVerification, orig store.BankVerification) {
				v.ID, v.ProjectID, v.Kind, v.CreatedAt = orig.ID, orig.ProjectID, orig.Kind, orig.CreatedAt
			},
			save: updateRow(ctx, tx, db, "update bank verification", "bank_verifications", "id = $1", []any{id},
				bankVerificationFields),
			// Read back without the expiry check: fn may have ended the
			// flow's life, and the caller still gets what was saved.
			read: rowReader(ctx, tx, "bank verification", scanBankVerification, q, id),
		}, fn)
		return err
	})
	return out, err
}

// bankVerificationFields are the columns of v that UpdateBankVerification
// may change.
func bankVerificationFields(v *store.BankVerification) []column {
	return []column{
		{"status", v.Status},
		{"client_id", v.ClientID},
		{"authorization_request", v.AuthorizationRequest},
		{"redirect_url", v.RedirectURL},
		{"user_id", v.UserID},
		{"bank_id", v.BankID},
		{"visitor_id", v.VisitorID},
		{"scopes", listText(v.Scopes)},
		{"claims", jsonText(v.Claims)},
		{"code_challenge", v.CodeChallenge},
		{"begin_hash", nullBytes(v.BeginHash)},
		{"binding_hash", nullBytes(v.BindingHash)},
		{"result_hash", nullBytes(v.ResultHash)},
		{"state", v.State},
		{"nonce", v.Nonce},
		{"code_verifier", v.CodeVerifier},
		{"attempts", v.Attempts},
		{"verification_id", v.VerificationID},
		{"error_code", v.ErrorCode},
		{"error_message", v.ErrorMessage},
		{"updated_at", micros(v.UpdatedAt)},
		{"expires_at", micros(v.ExpiresAt)},
	}
}

func scanBankVerification(row scanner) (store.BankVerification, error) {
	var (
		v                         store.BankVerification
		scopes, claims            sql.NullString
		created, updated, expires int64
	)
	if err := row.Scan(&v.ID, &v.ProjectID, &v.Kind, &v.Status, &v.ClientID, &v.AuthorizationRequest,
		&v.RedirectURL, &v.UserID, &v.BankID, &v.VisitorID, &scopes, &claims, &v.CodeChallenge,
		&v.BeginHash, &v.BindingHash, &v.ResultHash, &v.State, &v.Nonce, &v.CodeVerifier, &v.Attempts,
		&v.VerificationID, &v.ErrorCode, &v.ErrorMessage, &v.SourceHash, &created, &updated, &expires); err != nil {
		return store.BankVerification{}, err
	}
	var err error
	if v.Scopes, err = fromListText(scopes); err != nil {
		return store.BankVerification{}, err
	}
	v.Claims = fromJSONText(claims)
	v.BeginHash, v.BindingHash, v.ResultHash = orNil(v.BeginHash), orNil(v.BindingHash), orNil(v.ResultHash)
	v.SourceHash = orNil(v.SourceHash)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = fromMicros(created), fromMicros(updated), fromMicros(expires)
	return v, nil
}

// RememberBank records the visitor's choice, replacing an earlier one: an
// upsert on the (project_id, visitor_hash) key. With a source and a bound,
// the same transaction (one per source at a time, as in
// CreateBankVerification) then forgets the source's choices beyond its
// perSource most recent.
func (db *DB) RememberBank(ctx context.Context, c store.BankChoice, perSource int) error {
	const upsert = `INSERT INTO bank_choices (project_id, visitor_hash, source_hash, bank_id, chosen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (project_id, visitor_hash) DO UPDATE SET source_hash = excluded.source_hash,
			bank_id = excluded.bank_id, chosen_at = excluded.chosen_at, expires_at = excluded.expires_at`
	args := []any{c.ProjectID, c.VisitorHash, nullBytes(c.SourceHash), c.BankID, micros(c.ChosenAt), micros(c.ExpiresAt)}
	if len(c.SourceHash) == 0 || perSource <= 0 {
		if _, err := db.w.ExecContext(ctx, upsert, args...); err != nil {
			return fmt.Errorf("sqlstore: remember bank: %w", err)
		}
		return nil
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.lockSource(ctx, tx, c.SourceHash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upsert, args...); err != nil {
			return fmt.Errorf("sqlstore: remember bank: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM bank_choices WHERE source_hash = $1
			AND (project_id, visitor_hash) NOT IN (SELECT project_id, visitor_hash FROM bank_choices
				WHERE source_hash = $1 ORDER BY chosen_at DESC, project_id, visitor_hash LIMIT $2)`,
			c.SourceHash, perSource); err != nil {
			return fmt.Errorf("sqlstore: remember bank: %w", err)
		}
		return nil
	})
}

// RememberedBank returns the visitor's unexpired choice.
func (db *DB) RememberedBank(ctx context.Context, projectID string, visitorHash []byte, now time.Time) (store.BankChoice, error) {
	var (
		c               store.BankChoice
		chosen, expires int64
	)
	err := db.r.QueryRowContext(ctx, `SELECT project_id, visitor_hash, source_hash, bank_id, chosen_at, expires_at
		FROM bank_choices WHERE project_id = $1 AND visitor_hash = $2 AND expires_at > $3`,
		projectID, visitorHash, micros(now)).Scan(&c.ProjectID, &c.VisitorHash, &c.SourceHash, &c.BankID, &chosen, &expires)
	if err != nil {
		return store.BankChoice{}, readErr("remembered bank", err)
	}
	c.SourceHash = orNil(c.SourceHash)
	c.ChosenAt, c.ExpiresAt = fromMicros(chosen), fromMicros(expires)
	return c, nil
}
