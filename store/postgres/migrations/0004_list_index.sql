-- Schema version 4: filtered, sorted and paged lists over many entities.
--
-- party, status and at are copies of what an entity's body says, put there
-- by the caller of PutEntity so that lists can filter and sort by them.
-- Existing rows get '' (no party, no status) and a NULL at (no time). The
-- constant defaults make the added columns a change to the catalog only: no
-- row is rewritten.
ALTER TABLE entities
	ADD COLUMN party  text NOT NULL DEFAULT '',
	ADD COLUMN status text NOT NULL DEFAULT '',
	ADD COLUMN at     timestamptz;

-- at is NULL for an entity without a time, but lists sort such entities
-- first, as Go's zero time is the earliest, and SQLite stores the zero time
-- itself. So the indexes hold COALESCE(at, '-infinity'), and the queries
-- write that same expression: ordering and keyset pagination by
-- (that, created_seq) are then plain row comparisons that the index reads
-- as one range, in either direction, and "has a time" is a range too
-- (> '-infinity').
--
-- Every index below starts with kind (lists are of one kind) and ends with
-- created_seq, the list order and the cursor, so that a page is a range of
-- one index read in order and stopped after the page: never a scan of the
-- kind. The visibility condition is checked on the rows the index yields.
-- (entities_kind_created and entities_kind_parent_created from 0001 serve
-- the unfiltered and the per-parent lists in creation order.)
--
-- Lists of one party, or in one status, in creation order.
CREATE INDEX entities_kind_party_created  ON entities (kind, party, created_seq);
CREATE INDEX entities_kind_status_created ON entities (kind, status, created_seq);
-- Lists by time: in At order, or within [From, To), and both.
CREATE INDEX entities_kind_at        ON entities (kind, (COALESCE(at, '-infinity'::timestamptz)), created_seq);
CREATE INDEX entities_kind_parent_at ON entities (kind, parent, (COALESCE(at, '-infinity'::timestamptz)), created_seq);
CREATE INDEX entities_kind_party_at  ON entities (kind, party, (COALESCE(at, '-infinity'::timestamptz)), created_seq);
CREATE INDEX entities_kind_status_at ON entities (kind, status, (COALESCE(at, '-infinity'::timestamptz)), created_seq);

-- entity_fields holds the fields a domain declares filterable, one row per
-- field, replaced whole by every PutEntity of the entity and cleared with
-- the entities by Rebuild. created_seq and at are copies of the entity's,
-- written by the same PutEntity, so that a list filtered by a field is a
-- range of one index here, in either order, as for the columns above.
-- The key (kind, id, name) reads an entity's fields back and checks a
-- further field filter on an entity found by another index.
CREATE TABLE entity_fields (
	kind        text        NOT NULL,
	id          text        NOT NULL,
	name        text        NOT NULL,
	value       text        NOT NULL,
	created_seq bigint      NOT NULL,
	at          timestamptz,
	PRIMARY KEY (kind, id, name)
);

CREATE INDEX entity_fields_created ON entity_fields (kind, name, value, created_seq);
CREATE INDEX entity_fields_at      ON entity_fields (kind, name, value, (COALESCE(at, '-infinity'::timestamptz)), created_seq);
