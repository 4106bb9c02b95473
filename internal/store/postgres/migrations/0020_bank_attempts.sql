-- 0020: how many times a bank verification run was sent to a bank. A
-- person who goes Back from the bank's page and chooses again starts a
-- fresh attempt of the same run (new state, nonce and PKCE verifier); an
-- answer that then fails the state check is the earlier attempt's, and is
-- refused without ending the run, where on a first attempt it fails it.
ALTER TABLE bank_verifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
