-- 0022: B2B member sessions, the twin of sessions (0001) for members of an
-- organization. The token is stored only as its peppered hash. Deleting a
-- member or an organization deletes its sessions in the same transaction
-- (no ON DELETE CASCADE: the store lists every table it empties).

CREATE TABLE member_sessions (
	id               TEXT   NOT NULL,
	project_id       TEXT   NOT NULL,
	organization_id  TEXT   NOT NULL,
	member_id        TEXT   NOT NULL,
	token_hash       BLOB   NOT NULL,
	started_at       BIGINT NOT NULL,
	last_accessed_at BIGINT NOT NULL,
	expires_at       BIGINT NOT NULL,
	factors          TEXT,
	custom_claims    TEXT,
	roles            TEXT,
	CONSTRAINT member_sessions_id_key PRIMARY KEY (id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
CREATE UNIQUE INDEX member_sessions_token_hash_key ON member_sessions (token_hash);
CREATE INDEX member_sessions_member_idx ON member_sessions (project_id, member_id);
CREATE INDEX member_sessions_organization_idx ON member_sessions (project_id, organization_id);
CREATE INDEX member_sessions_expires_at_idx ON member_sessions (expires_at);
