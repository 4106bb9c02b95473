-- 0007: bank verification. users.verifications is the provenance of a
-- user's bank-given details: a JSON array of the banks that vouched for
-- them (NULL for none). user_bank_subjects indexes it: a bank customer
-- (issuer, subject) is one user of a project, and the primary key makes
-- concurrent first verifications of the same customer agree on one.
--
-- bank_verifications are runs of the relying-party flow to a bank, from
-- start to verified user; bank_choices is the account selector's memory
-- of the bank a visitor chose, keyed by a keyed hash of the visitor ID.
-- Both expire and are swept on expires_at. bank_verifications.user_id and
-- bank_id carry no foreign key: a flow may name a user to link before the
-- bank answers, and keeps its bank if the registry entry goes; DeleteUser
-- and Sweep remove flows instead. DeleteBank removes a bank's choices.
--
-- Constraints are named <table>_<last column>_key, as sqlstore expects.

ALTER TABLE users ADD COLUMN verifications TEXT;

CREATE TABLE user_bank_subjects (
	project_id TEXT NOT NULL,
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	CONSTRAINT user_bank_subjects_subject_key PRIMARY KEY (project_id, issuer, subject),
	FOREIGN KEY (project_id, user_id) REFERENCES users (project_id, id)
);
CREATE INDEX user_bank_subjects_user_id_idx ON user_bank_subjects (project_id, user_id);

CREATE TABLE bank_verifications (
	id                    TEXT   NOT NULL,
	project_id            TEXT   NOT NULL REFERENCES projects (id),
	kind                  TEXT   NOT NULL,
	status                TEXT   NOT NULL,
	client_id             TEXT   NOT NULL DEFAULT '',
	authorization_request TEXT   NOT NULL DEFAULT '',
	redirect_url          TEXT   NOT NULL DEFAULT '',
	user_id               TEXT   NOT NULL DEFAULT '',
	bank_id               TEXT   NOT NULL DEFAULT '',
	visitor_id            TEXT   NOT NULL DEFAULT '',
	scopes                TEXT,
	claims                TEXT,
	code_challenge        TEXT   NOT NULL DEFAULT '',
	begin_hash            BYTEA,
	binding_hash          BYTEA,
	result_hash           BYTEA,
	state                 TEXT   NOT NULL DEFAULT '',
	nonce                 TEXT   NOT NULL DEFAULT '',
	code_verifier         TEXT   NOT NULL DEFAULT '',
	verification_id       TEXT   NOT NULL DEFAULT '',
	error_code            TEXT   NOT NULL DEFAULT '',
	error_message         TEXT   NOT NULL DEFAULT '',
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL,
	expires_at            BIGINT NOT NULL,
	CONSTRAINT bank_verifications_id_key PRIMARY KEY (id)
);
CREATE INDEX bank_verifications_expires_at_idx ON bank_verifications (expires_at);
CREATE INDEX bank_verifications_user_id_idx ON bank_verifications (project_id, user_id);

CREATE TABLE bank_choices (
	project_id   TEXT   NOT NULL REFERENCES projects (id),
	visitor_hash BYTEA  NOT NULL,
	bank_id      TEXT   NOT NULL,
	chosen_at    BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	CONSTRAINT bank_choices_visitor_hash_key PRIMARY KEY (project_id, visitor_hash)
);
CREATE INDEX bank_choices_bank_id_idx ON bank_choices (project_id, bank_id);
CREATE INDEX bank_choices_expires_at_idx ON bank_choices (expires_at);
