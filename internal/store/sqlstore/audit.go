package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

const auditColumns = `id, project_id, occurred_at, type, actor, subject, outcome, client_ip, request_id, details`

// AppendAuditEvent inserts e.
func (db *DB) AppendAuditEvent(ctx context.Context, e store.AuditEvent) error {
	q, args := insertSQL("audit_events", []column{
		{"id", e.ID},
		{"project_id", e.ProjectID},
		{"occurred_at", micros(e.Time)},
		{"type", e.Type},
		{"actor", e.Actor},
		{"subject", e.Subject},
		{"outcome", e.Outcome},
		{"client_ip", e.ClientIP},
		{"request_id", e.RequestID},
		{"details", jsonText(e.Details)},
	})
	if _, err := db.w.ExecContext(ctx, q, args...); err != nil {
		return db.writeErr("append audit event", err)
	}
	return nil
}

// AuditEvents returns one page of a project's events, oldest first, on
// the (project_id, occurred_at, id) index. No total: the log only grows
// and nobody needs it counted.
func (db *DB) AuditEvents(ctx context.Context, projectID string, q store.AuditQuery) (store.AuditEventResult, error) {
	var p params
	conds := []string{"project_id = " + p.add(projectID)}
	if len(q.Types) > 0 {
		conds = append(conds, "type IN ("+p.list(q.Types)+")")
	}
	if !q.Since.IsZero() {
		conds = append(conds, "occurred_at >= "+p.add(micros(q.Since)))
	}
	var res store.AuditEventResult
	err := db.page(ctx, pageQuery{
		rows:      `SELECT ` + auditColumns + ` FROM audit_events WHERE ` + joinConds(conds, false),
		createdAt: "occurred_at",
		id:        "id",
		params:    p,
		page:      q.Page,
	}, nil, &res.NextCursor, func(rows *sql.Rows) (cursor, error) {
		var (
			e       store.AuditEvent
			at      int64
			details sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.ProjectID, &at, &e.Type, &e.Actor, &e.Subject, &e.Outcome,
			&e.ClientIP, &e.RequestID, &details); err != nil {
			return cursor{}, err
		}
		e.Time, e.Details = fromMicros(at), fromJSONText(details)
		res.Events = append(res.Events, e)
		return cursor{createdAt: at, id: e.ID}, nil
	})
	if err != nil {
		return store.AuditEventResult{}, err
	}
	return res, nil
}

// PurgeAuditEvents deletes the events older than before.
func (db *DB) PurgeAuditEvents(ctx context.Context, before time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM audit_events WHERE occurred_at < $1`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge audit events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge audit events: %w", err)
	}
	return int(n), nil
}
