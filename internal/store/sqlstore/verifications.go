package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/signet-id/signet/internal/store"
)

// A user's Verifications are stored twice: whole, as a JSON array in
// users.verifications, which reads back with the user; and as one
// user_bank_subjects row per (issuer, subject), whose primary key is what
// makes a bank customer one user of a project, races included.

// verificationJSON is the stored form of a store.Verification. The store
// types carry no JSON tags (they are not a wire format), so the column's
// shape is fixed here. Claims are kept as the string they were given, so
// they read back byte for byte (a nested json.RawMessage would be
// compacted and HTML-escaped on the way in); times are unix microseconds,
// like every other stored time.
type verificationJSON struct {
	ID         string `json:"id"`
	BankID     string `json:"bank_id"`
	Issuer     string `json:"issuer"`
	BankName   string `json:"bank_name"`
	Subject    string `json:"subject"`
	Claims     string `json:"claims,omitempty"`
	ACR        string `json:"acr,omitempty"`
	VerifiedAt int64  `json:"verified_at"`
	CreatedAt  int64  `json:"created_at"`
}

// verificationsText stores a user's verifications as a JSON array; none
// is NULL and reads back as nil.
func verificationsText(vs []store.Verification) any {
	if len(vs) == 0 {
		return nil
	}
	out := make([]verificationJSON, len(vs))
	for i, v := range vs {
		out[i] = verificationJSON{
			ID:         v.ID,
			BankID:     v.BankID,
			Issuer:     v.Issuer,
			BankName:   v.BankName,
			Subject:    v.Subject,
			Claims:     string(v.Claims),
			ACR:        v.ACR,
			VerifiedAt: micros(v.VerifiedAt),
			CreatedAt:  micros(v.CreatedAt),
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err) // strings and integers always marshal
	}
	return string(b)
}

func fromVerificationsText(s sql.NullString) ([]store.Verification, error) {
	if !s.Valid {
		return nil, nil
	}
	var in []verificationJSON
	if err := json.Unmarshal([]byte(s.String), &in); err != nil {
		return nil, fmt.Errorf("sqlstore: stored verifications: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]store.Verification, len(in))
	for i, v := range in {
		out[i] = store.Verification{
			ID:         v.ID,
			BankID:     v.BankID,
			Issuer:     v.Issuer,
			BankName:   v.BankName,
			Subject:    v.Subject,
			ACR:        v.ACR,
			VerifiedAt: fromMicros(v.VerifiedAt),
			CreatedAt:  fromMicros(v.CreatedAt),
		}
		if v.Claims != "" {
			out[i].Claims = json.RawMessage(v.Claims)
		}
	}
	return out, nil
}

// bankSubject is one key of user_bank_subjects.
type bankSubject struct{ issuer, subject string }

func bankSubjects(vs []store.Verification) []bankSubject {
	out := make([]bankSubject, len(vs))
	for i, v := range vs {
		out[i] = bankSubject{v.Issuer, v.Subject}
	}
	return out
}

// insertBankSubjects indexes the user's verifications. A pair another user
// of the project holds (or that u lists twice) violates the primary key:
// *store.DuplicateError{Field: "bank_subject"}.
func (db *DB) insertBankSubjects(ctx context.Context, tx *sql.Tx, u *store.User) error {
	for _, k := range bankSubjects(u.Verifications) {
		q, args := insertSQL("user_bank_subjects", []column{
			{"project_id", u.ProjectID},
			{"issuer", k.issuer},
			{"subject", k.subject},
			{"user_id", u.ID},
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("index bank subject", err)
		}
	}
	return nil
}

// syncBankSubjects makes the index match u.Verifications after an update
// from was: the user's rows are replaced when the pairs changed. It runs
// in the update's transaction, so a collision undoes the whole update.
func (db *DB) syncBankSubjects(ctx context.Context, tx *sql.Tx, was, u *store.User) error {
	if slices.Equal(bankSubjects(was.Verifications), bankSubjects(u.Verifications)) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_bank_subjects WHERE project_id = $1 AND user_id = $2`,
		u.ProjectID, u.ID); err != nil {
		return fmt.Errorf("sqlstore: index bank subjects: %w", err)
	}
	return db.insertBankSubjects(ctx, tx, u)
}

// UserByBankSubject finds the user whose verifications include this bank
// customer, through the index. Issuer and subject compare byte for byte:
// OIDC Core §2 says sub is case sensitive, and §16.15 that (iss, sub) is
// the only stable identifier of an end user.
func (db *DB) UserByBankSubject(ctx context.Context, projectID, issuer, subject string) (store.User, error) {
	row := db.r.QueryRowContext(ctx, selectUser+`
		JOIN user_bank_subjects s ON s.project_id = u.project_id AND s.user_id = u.id
		WHERE s.project_id = $1 AND s.issuer = $2 AND s.subject = $3`, projectID, issuer, subject)
	u, err := scanUser(row, true)
	if err != nil {
		return store.User{}, readErr("user by bank subject", err)
	}
	return u, nil
}
