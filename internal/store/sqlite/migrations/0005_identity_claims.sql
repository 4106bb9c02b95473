-- 0005: what a bank knows of its customers, and what a grant was asked
-- for. users.address is the OIDC address claim (JSON object),
-- users.birthdate YYYY-MM-DD, users.payment_details the bank network's
-- array of payment accounts (JSON); grants.claims the OIDC Core §5.5
-- claims request the grant was authorized with (JSON object).

ALTER TABLE users ADD COLUMN address TEXT;
ALTER TABLE users ADD COLUMN birthdate TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN payment_details TEXT;
ALTER TABLE grants ADD COLUMN claims TEXT;
