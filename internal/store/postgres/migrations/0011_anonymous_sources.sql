-- 0011: bounds on what visitors without credentials can make Signet
-- write. source_hash is a keyed hash (HMAC-SHA256 with the server pepper)
-- of the client address a row came from: an IPv4 address or an IPv6 /64.
-- It is NULL for runs the API started and for choices made before this
-- migration. CreateBankVerification caps the live runs of a source and
-- RememberBank the choices it leaves; these indexes serve the count and
-- the trim.

ALTER TABLE bank_verifications ADD COLUMN source_hash BYTEA;
ALTER TABLE bank_choices ADD COLUMN source_hash BYTEA;
CREATE INDEX bank_verifications_source_hash_idx ON bank_verifications (source_hash, expires_at);
CREATE INDEX bank_choices_source_hash_idx ON bank_choices (source_hash, chosen_at);
