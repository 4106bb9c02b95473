-- 0024: RBAC policies (store.RBACPolicies, validated by internal/rbac): a
-- project's policy (organization_id '') and B2B organizations' custom
-- roles, each a JSON document in Stytch's shape, replaced whole. A project
-- without a row has its vertical's default policy. updated_at is Unix
-- microseconds.

CREATE TABLE rbac_policies (
	project_id      TEXT COLLATE "C" NOT NULL,
	organization_id TEXT COLLATE "C" NOT NULL,
	document        TEXT   NOT NULL,
	updated_at      BIGINT NOT NULL,
	CONSTRAINT rbac_policies_key PRIMARY KEY (project_id, organization_id)
);
