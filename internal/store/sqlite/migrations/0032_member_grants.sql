-- 0032: B2B Connected Apps. A member (of one organization) authorizes a
-- client as a user does: its consents are member_consents (a member's,
-- per member and organization); its codes and grants share auth_codes and
-- grants with users', holding exactly one of user_id and member_id, and
-- the organization of a member's in organization_id ('' for a user's).
--
-- SQLite cannot drop NOT NULL from a column, so auth_codes, grants and
-- refresh_tokens (whose foreign key names grants) are rebuilt: copied
-- aside, dropped children first, created again and filled back, inside the
-- migration's transaction. No RENAME: renaming would rewrite the foreign
-- keys of other tables to the renamed table.

CREATE TABLE member_consents (
	project_id      TEXT   NOT NULL,
	organization_id TEXT   NOT NULL,
	member_id       TEXT   NOT NULL,
	client_id       TEXT   NOT NULL REFERENCES connected_apps (client_id),
	scopes          TEXT,
	granted_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	CONSTRAINT member_consents_client_id_key PRIMARY KEY (project_id, member_id, client_id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
CREATE INDEX member_consents_client_idx ON member_consents (client_id);
CREATE INDEX member_consents_organization_idx ON member_consents (project_id, organization_id);

CREATE TABLE auth_codes_0032 AS SELECT * FROM auth_codes;
CREATE TABLE grants_0032 AS SELECT * FROM grants;
CREATE TABLE refresh_tokens_0032 AS SELECT * FROM refresh_tokens;
DROP TABLE refresh_tokens;
DROP TABLE grants;
DROP TABLE auth_codes;

CREATE TABLE grants (
	id              TEXT   NOT NULL,
	project_id      TEXT   NOT NULL,
	client_id       TEXT   NOT NULL REFERENCES connected_apps (client_id),
	user_id         TEXT,
	member_id       TEXT,
	organization_id TEXT   NOT NULL DEFAULT '',
	scopes          TEXT,
	-- Not a foreign key: a grant outlives the session that authorized it.
	session_id      TEXT   NOT NULL DEFAULT '',
	auth_time       BIGINT NOT NULL,
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	revoked_at      BIGINT,
	cert_thumbprint TEXT   NOT NULL DEFAULT '',
	claims          TEXT,
	acr             TEXT   NOT NULL DEFAULT '',
	dpop_jkt        TEXT   NOT NULL DEFAULT '',
	CONSTRAINT grants_id_key PRIMARY KEY (id),
	CONSTRAINT grants_subject_check CHECK ((user_id IS NULL) <> (member_id IS NULL)),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
INSERT INTO grants (id, project_id, client_id, user_id, scopes, session_id, auth_time, created_at,
		expires_at, revoked_at, cert_thumbprint, claims, acr, dpop_jkt)
	SELECT id, project_id, client_id, user_id, scopes, session_id, auth_time, created_at,
		expires_at, revoked_at, cert_thumbprint, claims, acr, dpop_jkt FROM grants_0032;
CREATE INDEX grants_user_client_idx ON grants (project_id, user_id, client_id);
CREATE INDEX grants_member_client_idx ON grants (project_id, member_id, client_id);
CREATE INDEX grants_client_idx ON grants (client_id);
CREATE INDEX grants_expires_at_idx ON grants (expires_at);
CREATE INDEX grants_revoked_at_idx ON grants (revoked_at);

CREATE TABLE refresh_tokens (
	hash       BLOB   NOT NULL,
	grant_id   TEXT   NOT NULL REFERENCES grants (id),
	project_id TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	rotated_at BIGINT,
	CONSTRAINT refresh_tokens_hash_key PRIMARY KEY (hash)
);
INSERT INTO refresh_tokens (hash, grant_id, project_id, created_at, expires_at, rotated_at)
	SELECT hash, grant_id, project_id, created_at, expires_at, rotated_at FROM refresh_tokens_0032;
CREATE INDEX refresh_tokens_grant_idx ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

CREATE TABLE auth_codes (
	hash            BLOB   NOT NULL,
	project_id      TEXT   NOT NULL,
	client_id       TEXT   NOT NULL REFERENCES connected_apps (client_id),
	user_id         TEXT,
	member_id       TEXT,
	organization_id TEXT   NOT NULL DEFAULT '',
	session_id      TEXT   NOT NULL DEFAULT '',
	redirect_uri    TEXT   NOT NULL DEFAULT '',
	scopes          TEXT,
	nonce           TEXT   NOT NULL DEFAULT '',
	code_challenge  TEXT   NOT NULL DEFAULT '',
	auth_time       BIGINT NOT NULL,
	claims          TEXT,
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	-- used_at is set when the code is redeemed or burned by a failed
	-- redemption; grant_id when it issued a grant. grant_id is no foreign
	-- key: Sweep may remove the grant and the code in either order, and a
	-- replay of a code whose grant is gone has nothing left to revoke.
	used_at         BIGINT,
	grant_id        TEXT,
	acr             TEXT   NOT NULL DEFAULT '',
	dpop_jkt        TEXT   NOT NULL DEFAULT '',
	CONSTRAINT auth_codes_hash_key PRIMARY KEY (hash),
	CONSTRAINT auth_codes_subject_check CHECK ((user_id IS NULL) <> (member_id IS NULL)),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
INSERT INTO auth_codes (hash, project_id, client_id, user_id, session_id, redirect_uri, scopes, nonce,
		code_challenge, auth_time, claims, created_at, expires_at, used_at, grant_id, acr, dpop_jkt)
	SELECT hash, project_id, client_id, user_id, session_id, redirect_uri, scopes, nonce,
		code_challenge, auth_time, claims, created_at, expires_at, used_at, grant_id, acr, dpop_jkt
	FROM auth_codes_0032;
CREATE INDEX auth_codes_user_idx ON auth_codes (project_id, user_id);
CREATE INDEX auth_codes_member_idx ON auth_codes (project_id, member_id);
CREATE INDEX auth_codes_client_idx ON auth_codes (client_id);
CREATE INDEX auth_codes_expires_at_idx ON auth_codes (expires_at);

DROP TABLE auth_codes_0032;
DROP TABLE refresh_tokens_0032;
DROP TABLE grants_0032;
