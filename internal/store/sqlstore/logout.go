package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

var _ store.LogoutDeliveries = (*DB)(nil)

// logoutTx runs fn, which queues logout deliveries and says how many, in a
// write transaction; when it queued any, the commit announces
// store.TopicLogout with the project ID (in the transaction on Postgres,
// after the commit without Dialect.Notify), so the senders of every node
// look at once rather than at their next poll.
func (db *DB) logoutTx(ctx context.Context, projectID, topic, key string, fn func(*sql.Tx) (int, error)) error {
	var queued int
	notify := db.d.Notify
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if queued, err = fn(tx); err != nil || notify == nil {
			return err
		}
		// The change itself (hot-session caches on every node), then the
		// logouts it queued.
		if err := notify(ctx, tx, topic, key); err != nil || queued == 0 {
			return err
		}
		return notify(ctx, tx, store.TopicLogout, projectID)
	})
	if err == nil && notify == nil {
		db.Deliver(topic, key)
		if queued > 0 {
			db.Deliver(store.TopicLogout, projectID)
		}
	}
	return err
}

// queueLogouts writes a delivery for each (client with a
// backchannel_logout_uri, user, session) among the project's grants that
// match where (a condition on g with $2 as its one parameter besides the
// project). Revoked grants count too: the client's own session may
// outlive the tokens (OpenID Connect Back-Channel Logout 1.0 §2.7).
func queueLogouts(ctx context.Context, tx *sql.Tx, projectID, where string, arg any, now time.Time) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT g.client_id, g.user_id, g.session_id
		FROM grants g JOIN connected_apps c ON c.client_id = g.client_id
		WHERE g.project_id = $1 AND `+where+` AND c.backchannel_logout_uri <> ''
		ORDER BY g.client_id, g.session_id`, projectID, arg)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: queue logouts: %w", err)
	}
	var ds []store.LogoutDelivery
	for rows.Next() {
		d := store.LogoutDelivery{ProjectID: projectID}
		if err := rows.Scan(&d.ClientID, &d.UserID, &d.SessionID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: queue logouts: %w", err)
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: queue logouts: %w", err)
	}
	for _, d := range ds {
		var id [16]byte
		if _, err := rand.Read(id[:]); err != nil {
			return 0, fmt.Errorf("sqlstore: queue logouts: %w", err)
		}
		q, args := insertSQL("logout_deliveries", []column{
			{"id", base64.RawURLEncoding.EncodeToString(id[:])},
			{"project_id", d.ProjectID},
			{"client_id", d.ClientID},
			{"user_id", d.UserID},
			{"session_id", d.SessionID},
			{"next_attempt_at", micros(now)},
			{"created_at", micros(now)},
		})
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, fmt.Errorf("sqlstore: queue logouts: %w", err)
		}
	}
	return len(ds), nil
}

const logoutColumns = `id, project_id, client_id, user_id, session_id, attempts, next_attempt_at, created_at, last_error`

// ClaimLogoutDeliveries takes the due rows under a lock (Postgres: FOR
// UPDATE; a node that waited on it re-reads next_attempt_at and skips
// what the other just claimed) and moves them past the lease.
func (db *DB) ClaimLogoutDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.LogoutDelivery, error) {
	var out []store.LogoutDelivery
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+logoutColumns+` FROM logout_deliveries
			WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`+db.d.ForUpdate, micros(now), limit)
		if err != nil {
			return fmt.Errorf("sqlstore: claim logout deliveries: %w", err)
		}
		for rows.Next() {
			var d store.LogoutDelivery
			var next, created int64
			if err := rows.Scan(&d.ID, &d.ProjectID, &d.ClientID, &d.UserID, &d.SessionID, &d.Attempts, &next, &created,
				&d.LastError); err != nil {
				rows.Close()
				return fmt.Errorf("sqlstore: claim logout deliveries: %w", err)
			}
			d.CreatedAt = fromMicros(created)
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlstore: claim logout deliveries: %w", err)
		}
		until := now.Add(lease)
		for i := range out {
			out[i].Attempts++
			out[i].NextAttemptAt = fromMicros(micros(until))
			if _, err := tx.ExecContext(ctx, `UPDATE logout_deliveries SET attempts = $1, next_attempt_at = $2 WHERE id = $3`,
				out[i].Attempts, micros(until), out[i].ID); err != nil {
				return fmt.Errorf("sqlstore: claim logout deliveries: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RetryLogoutDelivery records a failed attempt.
func (db *DB) RetryLogoutDelivery(ctx context.Context, id string, next time.Time, lastError string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE logout_deliveries SET next_attempt_at = $1, last_error = $2 WHERE id = $3`,
		micros(next), lastError, id)
	if err != nil {
		return db.writeErr("retry logout delivery", err)
	}
	return mustAffect("retry logout delivery", res)
}

// FinishLogoutDelivery deletes a delivery.
func (db *DB) FinishLogoutDelivery(ctx context.Context, id string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM logout_deliveries WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: finish logout delivery: %w", err)
	}
	return mustAffect("finish logout delivery", res)
}
