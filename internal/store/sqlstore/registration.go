package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var _ store.Registrations = (*DB)(nil)

// SetProjectRegistration replaces the project's registration policy.
func (db *DB) SetProjectRegistration(ctx context.Context, id string, p store.RegistrationPolicy) error {
	return db.changeTx(ctx, store.TopicProject, id, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE projects SET open_registration = $2, software_statement_keys = $3 WHERE id = $1`,
			id, p.Open, p.SoftwareStatementKeys)
		if err != nil {
			return fmt.Errorf("sqlstore: set registration policy: %w", err)
		}
		return mustAffect("set registration policy", res)
	})
}

// Initial access tokens: live while expires_at > now and uses < max_uses.
// A use is one UPDATE guarded by both conditions, so of two concurrent
// registrations with a token's last use one affects the row; the spent
// and expired are left to Sweep and filtered out of every read.

const registrationTokenColumns = `id, project_id, token_hash, max_uses, uses, created_at, expires_at`

// CreateRegistrationToken inserts t.
func (db *DB) CreateRegistrationToken(ctx context.Context, t store.RegistrationToken) error {
	q, args := insertSQL("registration_tokens", []column{
		{"id", t.ID},
		{"project_id", t.ProjectID},
		{"token_hash", t.Hash},
		{"max_uses", t.MaxUses},
		{"uses", t.Uses},
		{"created_at", micros(t.CreatedAt)},
		{"expires_at", micros(t.ExpiresAt)},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("create registration token", err)
	}
	return nil
}

// RegistrationTokenByHash finds a live token by its hash.
func (db *DB) RegistrationTokenByHash(ctx context.Context, hash []byte, now time.Time) (store.RegistrationToken, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+registrationTokenColumns+` FROM registration_tokens
		WHERE token_hash = $1 AND expires_at > $2 AND uses < max_uses`, hash, micros(now))
	var (
		t                store.RegistrationToken
		created, expires int64
	)
	if err := row.Scan(&t.ID, &t.ProjectID, &t.Hash, &t.MaxUses, &t.Uses, &created, &expires); err != nil {
		return store.RegistrationToken{}, readErr("registration token", err)
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(created), fromMicros(expires)
	return t, nil
}

// DeleteRegistrationToken removes the project's token.
func (db *DB) DeleteRegistrationToken(ctx context.Context, projectID, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM registration_tokens WHERE project_id = $1 AND id = $2`, projectID, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete registration token: %w", err)
	}
	return mustAffect("delete registration token", res)
}

// RegisterConnectedApp uses the token once, then creates the client and
// its registration, in one transaction.
func (db *DB) RegisterConnectedApp(ctx context.Context, c store.ConnectedApp, r store.ClientRegistration, tokenID string, now time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if tokenID != "" {
			res, err := tx.ExecContext(ctx, `UPDATE registration_tokens SET uses = uses + 1
				WHERE project_id = $1 AND id = $2 AND expires_at > $3 AND uses < max_uses`, c.ProjectID, tokenID, micros(now))
			if err != nil {
				return fmt.Errorf("sqlstore: use registration token: %w", err)
			}
			if err := mustAffect("use registration token", res); err != nil {
				return err
			}
		}
		cols := append([]column{
			{"client_id", c.ClientID},
			{"project_id", c.ProjectID},
			{"type", c.Type},
			{"created_at", micros(c.CreatedAt)},
		}, connectedFields(&c)...)
		q, args := insertSQL("connected_apps", cols)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("register connected app", err)
		}
		q, args = insertSQL("connected_app_registrations", []column{
			{"client_id", c.ClientID},
			{"project_id", c.ProjectID},
			{"access_token_hash", r.AccessTokenHash},
			{"created_at", micros(r.CreatedAt)},
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return db.writeErr("register connected app", err)
		}
		return nil
	})
}

// ClientRegistration finds a client's registration in any project.
func (db *DB) ClientRegistration(ctx context.Context, clientID string) (store.ClientRegistration, error) {
	row := db.r.QueryRowContext(ctx, `SELECT client_id, project_id, access_token_hash, created_at
		FROM connected_app_registrations WHERE client_id = $1`, clientID)
	var (
		r       store.ClientRegistration
		created int64
	)
	if err := row.Scan(&r.ClientID, &r.ProjectID, &r.AccessTokenHash, &created); err != nil {
		return store.ClientRegistration{}, readErr("client registration", err)
	}
	r.CreatedAt = fromMicros(created)
	return r, nil
}
