-- 0002: Connected Apps (OAuth/OIDC clients of the hosted OP) and what users
-- grant them: consents, authorization codes, grants, refresh tokens.
--
-- Kept column for column in step with sqlite/migrations/0002_connected_apps.sql
-- (only BYTEA for BLOB and the COLLATE "C" identifiers differ); the
-- conventions of 0001 hold. In addition:
-- * one-time credentials (codes, refresh tokens) are stored as their hash,
--   which is the primary key: lookups are by hash alone;
-- * nothing cascades: sqlstore deletes refresh tokens before grants, and
--   consents, codes and grants before their users and clients.

CREATE TABLE connected_apps (
	client_id                         TEXT COLLATE "C" NOT NULL,
	project_id                        TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
	name                              TEXT    NOT NULL DEFAULT '',
	description                       TEXT    NOT NULL DEFAULT '',
	type                              TEXT    NOT NULL,
	status                            TEXT    NOT NULL,
	redirect_urls                     TEXT,
	post_logout_redirect_urls         TEXT,
	logo_url                          TEXT    NOT NULL DEFAULT '',
	full_access_allowed               BOOLEAN NOT NULL DEFAULT FALSE,
	bypass_consent_for_offline_access BOOLEAN NOT NULL DEFAULT FALSE,
	access_token_expiry_minutes       INTEGER NOT NULL DEFAULT 0,
	access_token_custom_audience      TEXT    NOT NULL DEFAULT '',
	access_token_template             TEXT    NOT NULL DEFAULT '',
	id_token_template                 TEXT    NOT NULL DEFAULT '',
	secret_hash                       BYTEA,
	secret_last_four                  TEXT    NOT NULL DEFAULT '',
	next_secret_hash                  BYTEA,
	next_secret_last_four             TEXT    NOT NULL DEFAULT '',
	created_at                        BIGINT  NOT NULL,
	updated_at                        BIGINT  NOT NULL,
	-- Unique across projects: the OP finds a client (and so its project)
	-- by client_id alone.
	CONSTRAINT connected_apps_client_id_key PRIMARY KEY (client_id)
);
CREATE INDEX connected_apps_created_at_idx ON connected_apps (project_id, created_at, client_id);

CREATE TABLE consents (
	project_id TEXT COLLATE "C" NOT NULL,
	user_id    TEXT COLLATE "C" NOT NULL,
	client_id  TEXT COLLATE "C" NOT NULL REFERENCES connected_apps (client_id),
	scopes     TEXT,
	granted_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CONSTRAINT consents_client_id_key PRIMARY KEY (project_id, user_id, client_id),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);
CREATE INDEX consents_client_idx ON consents (client_id);

CREATE TABLE grants (
	id         TEXT COLLATE "C" NOT NULL,
	project_id TEXT COLLATE "C" NOT NULL,
	client_id  TEXT COLLATE "C" NOT NULL REFERENCES connected_apps (client_id),
	user_id    TEXT COLLATE "C" NOT NULL,
	scopes     TEXT,
	-- Not a foreign key: a grant outlives the session that authorized it.
	session_id TEXT   NOT NULL DEFAULT '',
	auth_time  BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked_at BIGINT,
	CONSTRAINT grants_id_key PRIMARY KEY (id),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);
CREATE INDEX grants_user_client_idx ON grants (project_id, user_id, client_id);
CREATE INDEX grants_client_idx ON grants (client_id);
CREATE INDEX grants_expires_at_idx ON grants (expires_at);
CREATE INDEX grants_revoked_at_idx ON grants (revoked_at);

CREATE TABLE auth_codes (
	hash           BYTEA  NOT NULL,
	project_id     TEXT COLLATE "C" NOT NULL,
	client_id      TEXT COLLATE "C" NOT NULL REFERENCES connected_apps (client_id),
	user_id        TEXT COLLATE "C" NOT NULL,
	session_id     TEXT   NOT NULL DEFAULT '',
	redirect_uri   TEXT   NOT NULL DEFAULT '',
	scopes         TEXT,
	nonce          TEXT   NOT NULL DEFAULT '',
	code_challenge TEXT   NOT NULL DEFAULT '',
	auth_time      BIGINT NOT NULL,
	claims         TEXT,
	created_at     BIGINT NOT NULL,
	expires_at     BIGINT NOT NULL,
	-- used_at is set when the code is redeemed or burned by a failed
	-- redemption; grant_id when it issued a grant. grant_id is no foreign
	-- key: Sweep may remove the grant and the code in either order, and a
	-- replay of a code whose grant is gone has nothing left to revoke.
	used_at        BIGINT,
	grant_id       TEXT COLLATE "C",
	CONSTRAINT auth_codes_hash_key PRIMARY KEY (hash),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);
CREATE INDEX auth_codes_user_idx ON auth_codes (project_id, user_id);
CREATE INDEX auth_codes_client_idx ON auth_codes (client_id);
CREATE INDEX auth_codes_expires_at_idx ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
	hash       BYTEA  NOT NULL,
	grant_id   TEXT COLLATE "C" NOT NULL REFERENCES grants (id),
	project_id TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	rotated_at BIGINT,
	CONSTRAINT refresh_tokens_hash_key PRIMARY KEY (hash)
);
CREATE INDEX refresh_tokens_grant_idx ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
