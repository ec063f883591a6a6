-- Schema version 3: principals' signing keys.
--
-- signing_key is a principal's Ed25519 note verifier key, with which its
-- signed records (approvals) are checked; '' when none is registered, which
-- is what every principal of an older schema starts with. SetSigningKey sets
-- and replaces it. A constant default makes the added column a change to
-- the catalog only: no row is rewritten.
ALTER TABLE principals ADD COLUMN signing_key text NOT NULL DEFAULT '';
