// Package audit is Signet's audit log: the security events of each
// project (sign-ins and their failures, lockouts, session revocations,
// client and secret changes, key rotations, bank verification outcomes),
// each written to the store (store.AuditEvents) and to the log.
//
// A Log is built once by the composition root and handed to the services
// and handlers that do something worth recording; they call Record after
// the action, in the same request. A nil *Log records nothing (tests and
// tools that need no audit trail).
//
// Writing is best effort, by decision: the event is written after the
// action has happened (committed), so refusing the request because the
// audit row could not be written would tell the client that an action
// failed which did not. A failed write is logged at error level with every
// field of the event, so the log still holds it, and counted
// (signet_audit_write_failures_total); the request goes on. A database
// that cannot take the audit row usually cannot take the action either,
// which then fails on its own.
//
// Events are kept for the retention the operator sets (serve
// --audit-retention, 90 days by default) and purged by Purge on a timer.
// The management API pages through a project's events (routes below).
//
// Routes:
//
//	GET /v1/audit_events  a project's events, oldest first: type (repeatable), since (RFC 3339), limit, cursor
package audit
