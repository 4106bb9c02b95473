-- 0035: a pushed authorization request's one use is spent when the
-- authorization completes (a code issued or an error sent to the client),
-- not when it is first shown, so the person can reload the sign-in page or
-- go Back to it (RFC 9126 §4 allows it). used_at now records the first
-- opening; completed_at the completion.
ALTER TABLE pushed_requests ADD COLUMN completed_at BIGINT;
