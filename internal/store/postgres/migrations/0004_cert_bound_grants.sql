-- 0004: certificate-bound grants (RFC 8705 §4): the SHA-256 thumbprint of
-- the client certificate a grant's refresh tokens are bound to; '' when
-- they are not.

ALTER TABLE grants ADD COLUMN cert_thumbprint TEXT NOT NULL DEFAULT '';
