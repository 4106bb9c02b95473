-- 0014: B2B, kept in step with sqlite/migrations/0014_b2b.sql (identifiers
-- are COLLATE "C", as in 0001). A project is of one vertical, consumer
-- (users) or b2b (organizations and members), chosen at creation; existing
-- projects are consumer projects.
--
-- organizations.email_allowed_domains is the record (a JSON list, in the
-- caller's order); organization_email_domains indexes it, so the
-- organizations that allow a domain (JIT provisioning, discovery, search)
-- are found without a scan. Both are written in one transaction.
--
-- A member's email address and external ID are unique among its
-- organization's members that are not deleted (partial unique indexes): a
-- deleted member may be reactivated, but meanwhile gives up both. Member
-- IDs are unique in the project, so a member is found by ID alone
-- (dangerously_get); every other read also names the organization.
-- name_lower, slug_lower and email_lower are folded in Go, for search.
--
-- Constraints are named <table>_<last column>_key, as sqlstore expects;
-- foreign keys have no ON DELETE CASCADE (DeleteOrganization lists every
-- table it empties).

ALTER TABLE projects ADD COLUMN vertical TEXT NOT NULL DEFAULT 'consumer';

CREATE TABLE organizations (
	project_id                              TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
	id                                      TEXT COLLATE "C" NOT NULL,
	name                                    TEXT    NOT NULL,
	name_lower                              TEXT    NOT NULL,
	slug                                    TEXT COLLATE "C" NOT NULL,
	slug_lower                              TEXT    NOT NULL,
	logo_url                                TEXT    NOT NULL DEFAULT '',
	-- NULL when unset: NULLs never collide in a unique index.
	external_id                             TEXT COLLATE "C",
	trusted_metadata                        TEXT,
	status                                  TEXT    NOT NULL,
	email_allowed_domains                   TEXT,
	email_jit_provisioning                  TEXT    NOT NULL,
	email_invites                           TEXT    NOT NULL,
	auth_methods                            TEXT    NOT NULL,
	allowed_auth_methods                    TEXT,
	mfa_policy                              TEXT    NOT NULL,
	mfa_methods                             TEXT    NOT NULL,
	allowed_mfa_methods                     TEXT,
	first_party_connected_apps_allowed_type TEXT    NOT NULL,
	allowed_first_party_connected_apps      TEXT,
	third_party_connected_apps_allowed_type TEXT    NOT NULL,
	allowed_third_party_connected_apps      TEXT,
	created_at                              BIGINT  NOT NULL,
	updated_at                              BIGINT  NOT NULL,
	CONSTRAINT organizations_id_key PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX organizations_slug_key ON organizations (project_id, slug);
CREATE UNIQUE INDEX organizations_external_id_key ON organizations (project_id, external_id);
-- Keyset pagination order.
CREATE INDEX organizations_created_at_idx ON organizations (project_id, created_at, id);

CREATE TABLE organization_email_domains (
	project_id      TEXT COLLATE "C" NOT NULL,
	organization_id TEXT COLLATE "C" NOT NULL,
	domain          TEXT COLLATE "C" NOT NULL,
	CONSTRAINT organization_email_domains_domain_key PRIMARY KEY (project_id, organization_id, domain),
	FOREIGN KEY (project_id, organization_id) REFERENCES organizations (project_id, id)
);
CREATE INDEX organization_email_domains_lookup_idx ON organization_email_domains (project_id, domain);

CREATE TABLE members (
	project_id                TEXT COLLATE "C" NOT NULL,
	organization_id           TEXT COLLATE "C" NOT NULL,
	id                        TEXT COLLATE "C" NOT NULL,
	status                    TEXT    NOT NULL,
	email_address             TEXT    NOT NULL,
	email_lower               TEXT    NOT NULL,
	email_verified            BOOLEAN NOT NULL DEFAULT FALSE,
	name                      TEXT    NOT NULL DEFAULT '',
	external_id               TEXT COLLATE "C",
	trusted_metadata          TEXT,
	untrusted_metadata        TEXT,
	roles                     TEXT,
	is_breakglass             BOOLEAN NOT NULL DEFAULT FALSE,
	-- NULL when unset, like external_id.
	mfa_phone_number          TEXT,
	mfa_phone_number_verified BOOLEAN NOT NULL DEFAULT FALSE,
	mfa_enrolled              BOOLEAN NOT NULL DEFAULT FALSE,
	default_mfa_method        TEXT    NOT NULL DEFAULT '',
	created_at                BIGINT  NOT NULL,
	updated_at                BIGINT  NOT NULL,
	CONSTRAINT members_id_key PRIMARY KEY (project_id, id),
	FOREIGN KEY (project_id, organization_id) REFERENCES organizations (project_id, id)
);
CREATE UNIQUE INDEX members_email_lower_key ON members (project_id, organization_id, email_lower)
	WHERE status <> 'deleted';
CREATE UNIQUE INDEX members_external_id_key ON members (project_id, organization_id, external_id)
	WHERE status <> 'deleted';
CREATE UNIQUE INDEX members_mfa_phone_number_key ON members (project_id, organization_id, mfa_phone_number)
	WHERE status <> 'deleted';
-- Keyset pagination order within organizations.
CREATE INDEX members_created_at_idx ON members (project_id, organization_id, created_at, id);
-- Every membership of an email address across a project's organizations.
CREATE INDEX members_email_idx ON members (project_id, email_lower);

CREATE TABLE member_passwords (
	project_id     TEXT COLLATE "C" NOT NULL,
	member_id      TEXT COLLATE "C" NOT NULL,
	id             TEXT COLLATE "C" NOT NULL,
	hash           TEXT    NOT NULL,
	requires_reset BOOLEAN NOT NULL DEFAULT FALSE,
	created_at     BIGINT  NOT NULL,
	CONSTRAINT member_passwords_member_id_key PRIMARY KEY (project_id, member_id),
	FOREIGN KEY (project_id, member_id) REFERENCES members (project_id, id)
);
CREATE UNIQUE INDEX member_passwords_id_key ON member_passwords (project_id, id);
