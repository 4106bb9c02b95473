-- 0028: B2B intermediate (discovery) sessions: bound to an email address,
-- not yet to an organization, so no foreign key to members. Short-lived
-- and single-use (consuming deletes the row); the token is stored only as
-- its peppered hash. Sweep deletes expired rows.

CREATE TABLE intermediate_sessions (
	id                    TEXT    NOT NULL,
	project_id            TEXT    NOT NULL,
	token_hash            BLOB    NOT NULL,
	email                 TEXT    NOT NULL,
	email_verified        BOOLEAN NOT NULL,
	authenticated_members TEXT,
	factors               TEXT,
	created_at            BIGINT  NOT NULL,
	expires_at            BIGINT  NOT NULL,
	CONSTRAINT intermediate_sessions_id_key PRIMARY KEY (id)
);
CREATE UNIQUE INDEX intermediate_sessions_token_hash_key ON intermediate_sessions (token_hash);
CREATE INDEX intermediate_sessions_expires_at_idx ON intermediate_sessions (expires_at);
