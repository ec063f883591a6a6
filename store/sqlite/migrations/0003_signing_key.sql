-- Schema version 3: principals' signing keys.
--
-- signing_key is a principal's Ed25519 note verifier key, with which its
-- signed records (approvals) are checked; '' when none is registered, which
-- is what every principal of an older database starts with. SetSigningKey
-- sets and replaces it. SQLite admits NOT NULL on an added column because
-- the default is not NULL; the STRICT table keeps it TEXT.
ALTER TABLE principals ADD COLUMN signing_key TEXT NOT NULL DEFAULT '';
