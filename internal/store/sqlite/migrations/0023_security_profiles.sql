-- 0023: per-client security profiles (FAPI 2.0 Security Profile, FAPI 2.0
-- Message Signing, the bank network's profile; '' is an ordinary client),
-- RFC 9101 §10.5 require_signed_request_object, and the trust anchors a
-- PKI tls_client_auth certificate must chain to (RFC 8705 §2.1): the
-- project's, set by the operator, and a client's own, where it needs them.
ALTER TABLE connected_apps ADD COLUMN security_profile TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN require_signed_request_object BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE connected_apps ADD COLUMN tls_client_auth_trust_anchors TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN tls_client_auth_trust_anchors TEXT NOT NULL DEFAULT '';

-- The acr a code's authentication proved (OIDC Core §2), kept by the grant
-- so every ID token of it, refreshes included, states the same.
ALTER TABLE auth_codes ADD COLUMN acr TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN acr TEXT NOT NULL DEFAULT '';

-- The DPoP key a public client's refresh tokens are bound to (RFC 9449 §5).
ALTER TABLE grants ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';

-- RFC 9449 §5.2 dpop_bound_access_tokens: token requests without a DPoP
-- proof are refused.
ALTER TABLE connected_apps ADD COLUMN dpop_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE;

-- The DPoP key a code is bound to (RFC 9449 §10: dpop_jkt, or the proof
-- sent to PAR).
ALTER TABLE auth_codes ADD COLUMN dpop_jkt TEXT NOT NULL DEFAULT '';
