-- Schema version 10: batches of records under one leaf.
--
-- A record of a bulk kind (a monitoring report) may be an item of a batch:
-- its own row as any record, with batch naming the batch record whose one
-- leaf in the log commits to every item of it, and batch_pos its position
-- in that batch's tree. Both are NULL for a record with a leaf of its own.
ALTER TABLE records ADD COLUMN batch TEXT;
ALTER TABLE records ADD COLUMN batch_pos INTEGER;

-- A batch's items in order, for the proof of one of them; and one item at
-- most at each position.
CREATE UNIQUE INDEX records_batch ON records (batch, batch_pos) WHERE batch IS NOT NULL;

-- An item never gets a leaf of its own, so it is never pending.
DROP INDEX records_pending;
CREATE INDEX records_pending ON records (seq) WHERE leaf_index IS NULL AND batch IS NULL;

-- The new columns are as unchangeable as the others, and an item's leaf
-- index stays unset.
DROP TRIGGER records_no_update;
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
WHEN OLD.leaf_index IS NOT NULL
	OR OLD.batch IS NOT NULL
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
	OR NEW.batch IS NOT OLD.batch
	OR NEW.batch_pos IS NOT OLD.batch_pos
BEGIN
	SELECT RAISE(ABORT, 'records are append-only: only an unset leaf_index may be set');
END;
