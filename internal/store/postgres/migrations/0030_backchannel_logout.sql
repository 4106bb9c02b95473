-- 0030: OpenID Connect Back-Channel Logout 1.0.
--
-- A client registers where its logout tokens go (§2.2
-- backchannel_logout_uri) and whether it needs sid in them
-- (backchannel_logout_session_required).
ALTER TABLE connected_apps ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE connected_apps ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;

-- Ending a session finds the clients that got tokens in it.
CREATE INDEX grants_session_idx ON grants (project_id, session_id);

-- The outbox: one row per logout token owed to a client, written in the
-- transaction that ends the session (or deletes the user), deleted once
-- delivered or given up. A node claims due rows for a lease
-- (next_attempt_at moves past it), so a node that dies mid-delivery leaves
-- them to the next one. No foreign keys: the user and the session are
-- gone by design, and a client deleted meanwhile just ends the row.
CREATE TABLE logout_deliveries (
	id              TEXT    NOT NULL, -- the logout token's jti
	project_id      TEXT    NOT NULL,
	client_id       TEXT    NOT NULL,
	user_id         TEXT    NOT NULL,
	session_id      TEXT    NOT NULL DEFAULT '',
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at BIGINT  NOT NULL,
	created_at      BIGINT  NOT NULL,
	last_error      TEXT    NOT NULL DEFAULT '',
	CONSTRAINT logout_deliveries_pkey PRIMARY KEY (id)
);
CREATE INDEX logout_deliveries_due_idx ON logout_deliveries (next_attempt_at);
