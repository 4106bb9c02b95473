-- 0006: the bank registry. Each project lists the bank OPs its users can
-- verify with: issuer, branding for the account selector, and the client
-- credentials the project holds at that bank. The credentials are one
-- AES-256-GCM sealed blob (internal/banks), bound to (project_id, id), so
-- the database never holds them in clear and a row cannot borrow another
-- row's secrets.
--
-- display_name sorts the list; COLLATE "C" makes that byte order, as in
-- SQLite, whatever the database locale.

CREATE TABLE banks (
	id               TEXT    NOT NULL,
	project_id       TEXT    NOT NULL REFERENCES projects (id),
	issuer           TEXT    NOT NULL,
	display_name     TEXT COLLATE "C" NOT NULL,
	logo_url         TEXT    NOT NULL DEFAULT '',
	primary_color    TEXT    NOT NULL DEFAULT '',
	background_color TEXT    NOT NULL DEFAULT '',
	client_id        TEXT    NOT NULL,
	auth_method      TEXT    NOT NULL,
	sealed_secrets   BYTEA,
	created_at       BIGINT  NOT NULL,
	updated_at       BIGINT  NOT NULL,
	CONSTRAINT banks_id_key PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX banks_issuer_key ON banks (project_id, issuer);
CREATE INDEX banks_display_name_idx ON banks (project_id, display_name, id);
