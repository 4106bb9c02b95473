-- 0033: an organization's implicit role assignments by email domain
-- (Stytch's rbac_email_implicit_role_assignments): a JSON list of
-- {"domain", "role_id"}, NULL when there is none. Read with the
-- organization, never searched, so no index.
ALTER TABLE organizations ADD COLUMN rbac_email_implicit_role_assignments TEXT;
