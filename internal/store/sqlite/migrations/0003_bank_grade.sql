-- 0003: bank-grade (FAPI) clients: client metadata of RFC 7591, OIDC
-- Registration, RFC 8705 and JARM; pushed authorization requests (RFC 9126);
-- JWT IDs already used by client assertions and request objects.

ALTER TABLE connected_apps ADD COLUMN jwks TEXT;
ALTER TABLE connected_apps ADD COLUMN jwks_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN token_endpoint_auth_method TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_subject_dn TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_san_dns TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_san_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_san_ip TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_san_email TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN require_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE connected_apps ADD COLUMN request_object_signing_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN authorization_signed_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN authorization_encrypted_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN authorization_encrypted_response_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN id_token_encrypted_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN id_token_encrypted_response_enc TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN tls_client_certificate_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;

-- A pushed request lives 60 s and is used once: used_at is set by the
-- first use, so a second one is told apart from an unknown request_uri.
CREATE TABLE pushed_requests (
	hash       BLOB  NOT NULL,
	project_id TEXT NOT NULL,
	client_id  TEXT NOT NULL REFERENCES connected_apps (client_id),
	params     TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT,
	CONSTRAINT pushed_requests_hash_key PRIMARY KEY (hash)
);
CREATE INDEX pushed_requests_client_idx ON pushed_requests (client_id);
CREATE INDEX pushed_requests_expires_at_idx ON pushed_requests (expires_at);

-- No foreign key on client_id: a JWT ID is remembered until its JWT
-- expires, whatever happens to the client meanwhile.
CREATE TABLE used_jtis (
	client_id  TEXT NOT NULL,
	jti        TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	CONSTRAINT used_jtis_jti_key PRIMARY KEY (client_id, jti)
);
CREATE INDEX used_jtis_expires_at_idx ON used_jtis (expires_at);
