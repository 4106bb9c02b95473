-- 0008: Connected Apps' Origin URLs, where the account selector may send
-- the browser back with the chosen bank (IDPartner's "Origin URL"). A
-- JSON list like redirect_urls; NULL is none.

ALTER TABLE connected_apps ADD COLUMN origin_urls TEXT;
