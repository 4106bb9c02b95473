-- 0019: indexes for users.search's fuzzy filters (full_name_fuzzy,
-- email_fuzzy, phone_number_fuzzy are substring matches: no B-tree serves
-- "LIKE '%ada%'").
--
-- pg_trgm's GIN operator class lets the planner answer LIKE '%…%' (three
-- characters or more) from an index. pg_trgm ships with PostgreSQL
-- (contrib) and is a trusted extension since PostgreSQL 13, so a database
-- owner may create it. It is created in the public schema when absent (so
-- that dropping the schema Signet lives in cannot drop an extension other
-- schemas use) and used from wherever it lives. Where it cannot be
-- created (not installed, or no privilege) the migration still succeeds:
-- search works as before, by scanning, and a NOTICE says why; run
-- "CREATE EXTENSION pg_trgm" as a superuser and re-create these indexes
-- (docs/operations.md) to get them.
DO $$
DECLARE
	ext_schema text;
BEGIN
	-- Databases with several Signet schemas (tests, staging) migrate
	-- concurrently; one creates the extension, the others then see it.
	PERFORM pg_advisory_xact_lock(hashtext('signet: CREATE EXTENSION pg_trgm'));
	SELECT n.nspname INTO ext_schema
		FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname = 'pg_trgm';
	IF ext_schema IS NULL THEN
		BEGIN
			CREATE EXTENSION pg_trgm SCHEMA public;
			ext_schema := 'public';
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE 'signet: pg_trgm unavailable (%): fuzzy user search will scan', SQLERRM;
			RETURN;
		END;
	END IF;
	EXECUTE format('CREATE INDEX users_full_name_trgm ON users USING gin (full_name_lower %I.gin_trgm_ops)', ext_schema);
	EXECUTE format('CREATE INDEX users_email_trgm ON users USING gin (email_lower %I.gin_trgm_ops)', ext_schema);
	EXECUTE format('CREATE INDEX users_phone_trgm ON users USING gin (phone_number %I.gin_trgm_ops)', ext_schema);
END
$$;
