-- Schema version 6: chains of signed decisions.
--
-- A signed record (a capital's approval) belongs to a chain: one party's
-- decisions of one kind on one thing. Each supersedes the one before it
-- ('' for the first), and the unique index lets each be superseded once, so
-- a chain is a line: a signed statement replayed, or two decisions racing to
-- replace the same one, is refused by the database itself, whatever code
-- writes to it. Unsigned records have NULL in both.
ALTER TABLE records ADD COLUMN chain text;
ALTER TABLE records ADD COLUMN supersedes text;

CREATE UNIQUE INDEX records_chain ON records (chain, supersedes) WHERE chain IS NOT NULL;

-- The new columns are as unchangeable as the others.
CREATE OR REPLACE FUNCTION parley_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- Nested, because OLD is not a row in the statement-level TRUNCATE
	-- trigger.
	IF TG_OP = 'UPDATE' THEN
		IF OLD.leaf_index IS NULL
			AND (NEW.seq, NEW.id, NEW.kind, NEW.subject, NEW.at, NEW.author_principal, NEW.author_party,
			     NEW.aud_scope, NEW.aud_party, NEW.aud_parties, NEW.canonical, NEW.salt, NEW.commitment,
			     NEW.chain, NEW.supersedes)
			IS NOT DISTINCT FROM
			    (OLD.seq, OLD.id, OLD.kind, OLD.subject, OLD.at, OLD.author_principal, OLD.author_party,
			     OLD.aud_scope, OLD.aud_party, OLD.aud_parties, OLD.canonical, OLD.salt, OLD.commitment,
			     OLD.chain, OLD.supersedes)
		THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'records are append-only: only an unset leaf_index may be set'
		USING ERRCODE = 'restrict_violation';
END;
$$;
