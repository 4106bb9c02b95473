-- 0021: the audit log (store.AuditEvents, written by internal/audit):
-- security events of a project, or of the instance (project_id ''), kept
-- until serve --audit-retention purges them. No foreign key to projects:
-- the log outlives what it tells about, and instance events have none.
-- Times are Unix microseconds; details is a JSON object as TEXT.

CREATE TABLE audit_events (
	id          TEXT   NOT NULL,
	project_id  TEXT   NOT NULL,
	occurred_at BIGINT NOT NULL,
	type        TEXT   NOT NULL,
	actor       TEXT   NOT NULL,
	subject     TEXT   NOT NULL,
	outcome     TEXT   NOT NULL,
	client_ip   TEXT   NOT NULL,
	request_id  TEXT   NOT NULL,
	details     TEXT,
	CONSTRAINT audit_events_id_key PRIMARY KEY (id)
);
-- A project's pages (keyset on occurred_at, id) and the type filter.
CREATE INDEX audit_events_project_idx ON audit_events (project_id, occurred_at, id);
-- The retention purge.
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);
