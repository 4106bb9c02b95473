-- 0015: what the database knows of its master key (never the key), and a
-- project secret rotation in progress.
--
-- master_key_check has at most one row (id = 1). check_value is
-- HMAC-SHA256 under a subkey of the master key (internal/keyring): every
-- command compares it before using the key, so a database is never
-- written under two master keys. key_id names the key in messages
-- ("mk-…", a prefix of the check). pepper is the seed of the
-- secret-hashing pepper, sealed (AES-256-GCM) under the master key: it
-- outlives a master-key rotation, which re-seals it with the signing keys
-- and bank credentials, so every stored secret hash stays valid. Times are
-- Unix microseconds.
CREATE TABLE master_key_check (
	id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
	key_id      TEXT    NOT NULL,
	check_value BYTEA   NOT NULL,
	pepper      BYTEA   NOT NULL,
	created_at  BIGINT  NOT NULL,
	rotated_at  BIGINT
);

-- The next API secret of a project while a two-phase rotation is under
-- way (HMAC-SHA256 under the pepper, like secret_hash): both
-- authenticate until the rotation completes or is cancelled.
ALTER TABLE projects ADD COLUMN next_secret_hash BYTEA;
