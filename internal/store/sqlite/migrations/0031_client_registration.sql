-- 0031: dynamic client registration (RFC 7591) and management (RFC 7592).
-- A project's policy: open registration (off by default) and the JWK Set
-- of the directories whose software statements it trusts.
ALTER TABLE projects ADD COLUMN open_registration BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE projects ADD COLUMN software_statement_keys TEXT NOT NULL DEFAULT '';

-- Initial access tokens (RFC 7591 §3), stored only as their peppered hash;
-- live while expires_at > now and uses < max_uses. Sweep deletes the
-- expired and the spent.
CREATE TABLE registration_tokens (
	id         TEXT    NOT NULL,
	project_id TEXT    NOT NULL REFERENCES projects (id),
	token_hash BLOB    NOT NULL,
	max_uses   INTEGER NOT NULL,
	uses       INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT  NOT NULL,
	expires_at BIGINT  NOT NULL,
	CONSTRAINT registration_tokens_id_key PRIMARY KEY (id)
);
CREATE UNIQUE INDEX registration_tokens_token_hash_key ON registration_tokens (token_hash);
CREATE INDEX registration_tokens_expires_at_idx ON registration_tokens (expires_at);

-- The registration access token (RFC 7592 §3) of a dynamically registered
-- Connected App, as its peppered hash; deleted with the client.
CREATE TABLE connected_app_registrations (
	client_id         TEXT   NOT NULL REFERENCES connected_apps (client_id),
	project_id        TEXT   NOT NULL,
	access_token_hash BLOB   NOT NULL,
	created_at        BIGINT NOT NULL,
	CONSTRAINT connected_app_registrations_client_id_key PRIMARY KEY (client_id)
);
