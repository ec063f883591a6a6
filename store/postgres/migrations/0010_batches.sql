-- Schema version 10: batches of records under one leaf.
--
-- A record of a bulk kind (a monitoring report) may be an item of a batch:
-- its own row as any record, with batch naming the batch record whose one
-- leaf in the log commits to every item of it, and batch_pos its position
-- in that batch's tree. Both are NULL for a record with a leaf of its own.
ALTER TABLE records ADD COLUMN batch text;
ALTER TABLE records ADD COLUMN batch_pos bigint;

-- A batch's items in order, for the proof of one of them; and one item at
-- most at each position.
CREATE UNIQUE INDEX records_batch ON records (batch, batch_pos) WHERE batch IS NOT NULL;

-- An item never gets a leaf of its own, so it is never pending.
DROP INDEX records_pending;
CREATE INDEX records_pending ON records (seq) WHERE leaf_index IS NULL AND batch IS NULL;

-- The new columns are as unchangeable as the others, and an item's leaf
-- index stays unset.
CREATE OR REPLACE FUNCTION parley_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- Nested, because OLD is not a row in the statement-level TRUNCATE
	-- trigger.
	IF TG_OP = 'UPDATE' THEN
		IF OLD.leaf_index IS NULL AND OLD.batch IS NULL
			AND (NEW.seq, NEW.id, NEW.kind, NEW.subject, NEW.at, NEW.author_principal, NEW.author_party,
			     NEW.aud_scope, NEW.aud_party, NEW.aud_parties, NEW.canonical, NEW.salt, NEW.commitment,
			     NEW.chain, NEW.supersedes, NEW.batch, NEW.batch_pos)
			IS NOT DISTINCT FROM
			    (OLD.seq, OLD.id, OLD.kind, OLD.subject, OLD.at, OLD.author_principal, OLD.author_party,
			     OLD.aud_scope, OLD.aud_party, OLD.aud_parties, OLD.canonical, OLD.salt, OLD.commitment,
			     OLD.chain, OLD.supersedes, OLD.batch, OLD.batch_pos)
		THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'records are append-only: only an unset leaf_index may be set'
		USING ERRCODE = 'restrict_violation';
END;
$$;
