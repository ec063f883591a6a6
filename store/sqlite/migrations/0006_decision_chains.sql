-- Schema version 6: chains of signed decisions.
--
-- A signed record (a capital's approval) belongs to a chain: one party's
-- decisions of one kind on one thing. Each supersedes the one before it
-- ('' for the first), and the unique index lets each be superseded once, so
-- a chain is a line: a signed statement replayed, or two decisions racing to
-- replace the same one, is refused by the database itself, whatever code
-- writes to it. Unsigned records have NULL in both.
ALTER TABLE records ADD COLUMN chain TEXT;
ALTER TABLE records ADD COLUMN supersedes TEXT;

CREATE UNIQUE INDEX records_chain ON records (chain, supersedes) WHERE chain IS NOT NULL;

-- The new columns are as unchangeable as the others.
DROP TRIGGER records_no_update;
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
WHEN OLD.leaf_index IS NOT NULL
	OR NEW.seq IS NOT OLD.seq
	OR NEW.id IS NOT OLD.id
	OR NEW.kind IS NOT OLD.kind
	OR NEW.subject IS NOT OLD.subject
	OR NEW.at IS NOT OLD.at
	OR NEW.author_principal IS NOT OLD.author_principal
	OR NEW.author_party IS NOT OLD.author_party
	OR NEW.aud_scope IS NOT OLD.aud_scope
	OR NEW.aud_party IS NOT OLD.aud_party
	OR NEW.aud_parties IS NOT OLD.aud_parties
	OR NEW.canonical IS NOT OLD.canonical
	OR NEW.salt IS NOT OLD.salt
	OR NEW.commitment IS NOT OLD.commitment
	OR NEW.chain IS NOT OLD.chain
	OR NEW.supersedes IS NOT OLD.supersedes
BEGIN
	SELECT RAISE(ABORT, 'records are append-only: only an unset leaf_index may be set');
END;
