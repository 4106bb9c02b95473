package store

import (
	"context"
	"encoding/json"
	"time"
)

// AuditEvent is one security event of the audit log (internal/audit
// decides which events there are and writes them).
type AuditEvent struct {
	ID string
	// ProjectID is the project the event belongs to; "" for an event of
	// the whole instance (a master-key rotation).
	ProjectID string
	Time      time.Time
	// Type names what happened, e.g. "sign_in", "session_revoke",
	// "m2m_client_create" (internal/audit lists them).
	Type string
	// Actor is who did it: "project:<id>" for a management call, a user
	// ID, a client ID, "cli" for an admin command.
	Actor string
	// Subject is what it was done to: a user, session, client or key ID.
	Subject string
	// Outcome is "success" or "failure" (or a finer word the type
	// defines, such as a bank verification's error code).
	Outcome   string
	ClientIP  string // "" when not over HTTP
	RequestID string // "" when not over HTTP
	// Details is a JSON object of the type's other facts (the sign-in
	// method, a failure's reason), nil for none.
	Details json.RawMessage
}

// AuditQuery selects a project's events: all of them, or those of the
// given types, at or after Since (zero: from the first), a page at a time.
type AuditQuery struct {
	Types []string
	Since time.Time
	Page  Page
}

// AuditEventResult is one page of events, oldest first.
type AuditEventResult struct {
	Events     []AuditEvent
	NextCursor string
}

// AuditEvents are the audit log's records.
type AuditEvents interface {
	// AppendAuditEvent stores e. A taken ID is a
	// *DuplicateError{Field: "event_id"}.
	AppendAuditEvent(ctx context.Context, e AuditEvent) error
	// AuditEvents lists the events of a project that q selects, oldest
	// first (by Time, then ID), keyset-paginated like every listing. A
	// cursor that is not one of ours is ErrInvalidCursor.
	AuditEvents(ctx context.Context, projectID string, q AuditQuery) (AuditEventResult, error)
	// PurgeAuditEvents deletes every event (of any project, and the
	// instance's) older than before, and reports how many went: the
	// retention the operator set (serve --audit-retention).
	PurgeAuditEvents(ctx context.Context, before time.Time) (int, error)
}
