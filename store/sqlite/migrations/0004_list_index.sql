-- Schema version 4: filtered, sorted and paged lists over many entities.
--
-- party, status and at are copies of what an entity's body says, put there
-- by the caller of PutEntity so that lists can filter and sort by them.
-- Existing rows get '' (no party, no status) and the zero time.
--
-- at is INTEGER microseconds since the epoch, UTC, as every time here (see
-- 0001_init.sql): it sorts numerically, which is chronologically. An entity
-- without a time holds the encoding of Go's zero time, 0001-01-01T00:00:00Z
-- (-62135596800000000), rather than NULL: it sorts before every At a store
-- accepts (years 1 to 9999), as the zero time does in Go, so that ordering
-- and keyset pagination by (at, created_seq) are plain comparisons of the
-- indexed columns, and "has a time" is at > that value, a range of the
-- same indexes.
ALTER TABLE entities ADD COLUMN party  TEXT    NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN status TEXT    NOT NULL DEFAULT '';
ALTER TABLE entities ADD COLUMN at     INTEGER NOT NULL DEFAULT -62135596800000000;

-- Every index below starts with kind (lists are of one kind) and ends with
-- created_seq, the list order and the cursor, so that a page is a range of
-- one index read in order, in either direction, and stops after the page:
-- never a scan of the kind, never a sort of the rows that match. The
-- visibility condition is checked on the rows the index yields.
--
-- Lists of one party, or in one status, in creation order (entities_kind_created
-- and entities_kind_parent_created from 0001 serve the unfiltered and the
-- per-parent lists).
CREATE INDEX entities_kind_party_created  ON entities (kind, party, created_seq);
CREATE INDEX entities_kind_status_created ON entities (kind, status, created_seq);
-- Lists by time: in At order, or within [From, To), and both.
CREATE INDEX entities_kind_at             ON entities (kind, at, created_seq);
CREATE INDEX entities_kind_parent_at      ON entities (kind, parent, at, created_seq);
CREATE INDEX entities_kind_party_at       ON entities (kind, party, at, created_seq);
CREATE INDEX entities_kind_status_at      ON entities (kind, status, at, created_seq);

-- entity_fields holds the fields a domain declares filterable, one row per
-- field, replaced whole by every PutEntity of the entity and cleared with
-- the entities by Rebuild. created_seq and at are copies of the entity's,
-- written by the same PutEntity, so that a list filtered by a field is a
-- range of one index here, in either order, as for the columns above.
-- The key (kind, id, name) reads an entity's fields back and checks a
-- further field filter on an entity found by another index.
CREATE TABLE entity_fields (
	kind        TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	created_seq INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (kind, id, name)
) STRICT;

CREATE INDEX entity_fields_created ON entity_fields (kind, name, value, created_seq);
CREATE INDEX entity_fields_at      ON entity_fields (kind, name, value, at, created_seq);
