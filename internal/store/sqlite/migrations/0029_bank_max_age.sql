-- 0029: a bank may ask every sign-in there to be fresh: the verification
-- sends max_age (OIDC Core §3.1.2.1) and checks the ID token's auth_time.
-- NULL: no bound of the bank's own (the application's request may still
-- ask for one).
ALTER TABLE banks ADD COLUMN max_age BIGINT;
