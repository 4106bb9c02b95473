-- 0019: indexes for users.search's fuzzy filters (full_name_fuzzy,
-- email_fuzzy, phone_number_fuzzy are substring matches: no B-tree serves
-- "LIKE '%ada%'").
--
-- users_search is an FTS5 table with the trigram tokenizer: a phrase
-- query finds rows holding a substring of three characters or more
-- through the index. It keeps its own copy of the three columns and is
-- keyed by user_search_keys.rowid, an INTEGER PRIMARY KEY, which VACUUM
-- and backups keep (the implicit rowid of users is not stable: VACUUM
-- may renumber it). Triggers keep both in step with users, in the same
-- transaction as the write. sqlstore.SearchUsers uses the index to find
-- candidates and checks each with the exact LIKE, so the index only has
-- to find a superset.
CREATE TABLE user_search_keys (
	rowid      INTEGER PRIMARY KEY,
	project_id TEXT NOT NULL,
	user_id    TEXT NOT NULL
);
CREATE UNIQUE INDEX user_search_keys_user ON user_search_keys (project_id, user_id);

CREATE VIRTUAL TABLE users_search USING fts5 (
	full_name_lower, email_lower, phone_number,
	tokenize = 'trigram'
);

INSERT INTO user_search_keys (project_id, user_id) SELECT project_id, id FROM users;
INSERT INTO users_search (rowid, full_name_lower, email_lower, phone_number)
	SELECT k.rowid, u.full_name_lower, u.email_lower, u.phone_number
	FROM users u JOIN user_search_keys k ON k.project_id = u.project_id AND k.user_id = u.id;

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
	INSERT INTO user_search_keys (project_id, user_id) VALUES (new.project_id, new.id);
	INSERT INTO users_search (rowid, full_name_lower, email_lower, phone_number)
		VALUES (last_insert_rowid(), new.full_name_lower, new.email_lower, new.phone_number);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF full_name_lower, email_lower, phone_number ON users BEGIN
	DELETE FROM users_search WHERE rowid =
		(SELECT rowid FROM user_search_keys WHERE project_id = old.project_id AND user_id = old.id);
	INSERT INTO users_search (rowid, full_name_lower, email_lower, phone_number)
		SELECT rowid, new.full_name_lower, new.email_lower, new.phone_number
		FROM user_search_keys WHERE project_id = old.project_id AND user_id = old.id;
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
	DELETE FROM users_search WHERE rowid =
		(SELECT rowid FROM user_search_keys WHERE project_id = old.project_id AND user_id = old.id);
	DELETE FROM user_search_keys WHERE project_id = old.project_id AND user_id = old.id;
END;
