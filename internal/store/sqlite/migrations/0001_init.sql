-- 0001: projects, signing keys, users, passwords, sessions, M2M clients.
--
-- Conventions shared with the Postgres schema (sqlstore relies on them):
-- * times are BIGINT unix microseconds, UTC; NULL where optional;
-- * lists and JSON documents are TEXT holding JSON; NULL when empty;
-- * unique constraints are named <table>_<last key column>_key. SQLite
--   reports columns, not names, on a violation; the names keep the two
--   schemas readable side by side and document what sqlstore maps.
-- * foreign keys have no ON DELETE CASCADE: deletes are explicit in
--   sqlstore, and a forgotten child table fails loudly.

CREATE TABLE projects (
	id          TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	secret_hash BLOB,
	token_alg   TEXT   NOT NULL,
	created_at  BIGINT NOT NULL,
	CONSTRAINT projects_id_key PRIMARY KEY (id)
);

CREATE TABLE signing_keys (
	project_id   TEXT   NOT NULL REFERENCES projects (id),
	id           TEXT   NOT NULL,
	alg          TEXT   NOT NULL,
	private_key  BLOB,
	public_jwk   BLOB,
	created_at   BIGINT NOT NULL,
	activates_at BIGINT NOT NULL,
	retires_at   BIGINT,
	remove_at    BIGINT,
	CONSTRAINT signing_keys_id_key PRIMARY KEY (project_id, id)
);
CREATE INDEX signing_keys_remove_at_idx ON signing_keys (remove_at);

CREATE TABLE users (
	project_id         TEXT    NOT NULL REFERENCES projects (id),
	id                 TEXT    NOT NULL,
	status             TEXT    NOT NULL,
	first_name         TEXT    NOT NULL DEFAULT '',
	middle_name        TEXT    NOT NULL DEFAULT '',
	last_name          TEXT    NOT NULL DEFAULT '',
	-- "first middle last" lower-cased in Go, for full_name_fuzzy search.
	full_name_lower    TEXT    NOT NULL DEFAULT '',
	email_id           TEXT,
	email_address      TEXT,
	-- email_address lower-cased in Go: the per-project unique key.
	email_lower        TEXT,
	email_verified     BOOLEAN NOT NULL DEFAULT FALSE,
	phone_id           TEXT,
	phone_number       TEXT,
	phone_verified     BOOLEAN NOT NULL DEFAULT FALSE,
	trusted_metadata   TEXT,
	untrusted_metadata TEXT,
	-- NULL when unset: NULLs never collide in a unique index.
	external_id        TEXT,
	roles              TEXT,
	created_at         BIGINT  NOT NULL,
	updated_at         BIGINT  NOT NULL,
	failed_logins      INTEGER NOT NULL DEFAULT 0,
	lock_created_at    BIGINT,
	lock_expires_at    BIGINT,
	CONSTRAINT users_id_key PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX users_email_lower_key ON users (project_id, email_lower);
CREATE UNIQUE INDEX users_phone_number_key ON users (project_id, phone_number);
CREATE UNIQUE INDEX users_external_id_key ON users (project_id, external_id);
-- Keyset pagination order.
CREATE INDEX users_created_at_idx ON users (project_id, created_at, id);
CREATE INDEX users_email_id_idx ON users (project_id, email_id);
CREATE INDEX users_phone_id_idx ON users (project_id, phone_id);

CREATE TABLE passwords (
	project_id     TEXT    NOT NULL,
	user_id        TEXT    NOT NULL,
	id             TEXT    NOT NULL,
	hash           TEXT    NOT NULL,
	requires_reset BOOLEAN NOT NULL DEFAULT FALSE,
	created_at     BIGINT  NOT NULL,
	CONSTRAINT passwords_user_id_key PRIMARY KEY (project_id, user_id),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);

CREATE TABLE sessions (
	id               TEXT   NOT NULL,
	project_id       TEXT   NOT NULL,
	user_id          TEXT   NOT NULL,
	token_hash       BLOB   NOT NULL,
	started_at       BIGINT NOT NULL,
	last_accessed_at BIGINT NOT NULL,
	expires_at       BIGINT NOT NULL,
	ip_address       TEXT   NOT NULL DEFAULT '',
	user_agent       TEXT   NOT NULL DEFAULT '',
	factors          TEXT,
	custom_claims    TEXT,
	roles            TEXT,
	CONSTRAINT sessions_id_key PRIMARY KEY (id),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (project_id, user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

CREATE TABLE m2m_clients (
	client_id             TEXT   NOT NULL,
	project_id            TEXT   NOT NULL REFERENCES projects (id),
	name                  TEXT   NOT NULL DEFAULT '',
	description           TEXT   NOT NULL DEFAULT '',
	status                TEXT   NOT NULL,
	scopes                TEXT,
	secret_hash           BLOB,
	secret_last_four      TEXT   NOT NULL DEFAULT '',
	next_secret_hash      BLOB,
	next_secret_last_four TEXT   NOT NULL DEFAULT '',
	trusted_metadata      TEXT,
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL,
	-- Unique across projects: the token endpoint finds a client by ID alone.
	CONSTRAINT m2m_clients_client_id_key PRIMARY KEY (client_id)
);
CREATE INDEX m2m_clients_created_at_idx ON m2m_clients (project_id, created_at, client_id);
