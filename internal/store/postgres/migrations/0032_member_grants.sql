-- 0032: B2B Connected Apps. Kept in step with
-- sqlite/migrations/0032_member_grants.sql, which rebuilds the tables
-- PostgreSQL alters in place. A member (of one organization) authorizes a
-- client as a user does: its consents are member_consents (per member and
-- organization); its codes and grants share auth_codes and grants with
-- users', holding exactly one of user_id and member_id, and the
-- organization of a member's in organization_id ('' for a user's).

CREATE TABLE member_consents (
	project_id      TEXT COLLATE "C" NOT NULL,
	organization_id TEXT COLLATE "C" NOT NULL,
	member_id       TEXT COLLATE "C" NOT NULL,
	client_id       TEXT COLLATE "C" NOT NULL REFERENCES connected_apps (client_id),
	scopes          TEXT,
	granted_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	CONSTRAINT member_consents_client_id_key PRIMARY KEY (project_id, member_id, client_id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
CREATE INDEX member_consents_client_idx ON member_consents (client_id);
CREATE INDEX member_consents_organization_idx ON member_consents (project_id, organization_id);

ALTER TABLE grants ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE grants ADD COLUMN member_id TEXT COLLATE "C";
ALTER TABLE grants ADD COLUMN organization_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE grants ADD CONSTRAINT grants_subject_check CHECK ((user_id IS NULL) <> (member_id IS NULL));
ALTER TABLE grants ADD FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id);
CREATE INDEX grants_member_client_idx ON grants (project_id, member_id, client_id);

ALTER TABLE auth_codes ALTER COLUMN user_id DROP NOT NULL;
ALTER TABLE auth_codes ADD COLUMN member_id TEXT COLLATE "C";
ALTER TABLE auth_codes ADD COLUMN organization_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE auth_codes ADD CONSTRAINT auth_codes_subject_check CHECK ((user_id IS NULL) <> (member_id IS NULL));
ALTER TABLE auth_codes ADD FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id);
CREATE INDEX auth_codes_member_idx ON auth_codes (project_id, member_id);
