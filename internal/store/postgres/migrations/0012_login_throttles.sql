-- 0012: the counters that throttle password sign-ins (store.LoginThrottles;
-- the policy is internal/users'). They are in the database rather than in
-- each node's memory so that N nodes sharing it enforce one budget.
--
-- One row per counter, named by id: "addr:<project>:<address>" counts a
-- client address's attempts in the window starting at window_start;
-- "acct:<project>:<account>" counts an account's failures the same way;
-- "pair:<project>:<account>:<address>" holds an (account, address) pair's
-- failures since its last success, the delay they earned (blocked_until)
-- and until when the address is known to the account after a success
-- (known_until). refused records whether the last claim on the row found
-- it still delayed, which is how that claim learns its own outcome from
-- RETURNING. Accounts are peppered hashes, never addresses people typed.
-- Times are Unix microseconds; rows are swept on expires_at.

CREATE TABLE login_throttles (
	id            TEXT    NOT NULL PRIMARY KEY,
	window_start  BIGINT  NOT NULL DEFAULT 0,
	hits          BIGINT  NOT NULL DEFAULT 0,
	failures      BIGINT  NOT NULL DEFAULT 0,
	blocked_until BIGINT  NOT NULL DEFAULT 0,
	known_until   BIGINT  NOT NULL DEFAULT 0,
	refused       BOOLEAN NOT NULL DEFAULT FALSE,
	expires_at    BIGINT  NOT NULL
);
CREATE INDEX login_throttles_expires_at_idx ON login_throttles (expires_at);
