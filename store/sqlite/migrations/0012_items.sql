-- Schema version 12: a lean projection of batch items.
--
-- An item of a batch (a monitoring report among a thousand) is immutable
-- and made by one record: its entity is that record, version 1, with the
-- record's id, audience and time, and the record's body
-- (store.CheckItemEntity). Its row in entities repeated all of that beside
-- the record's row (the body twice), in six B-trees, and it was most of
-- what an ingest cost. Here an item's row holds only what lists order and
-- filter by, and its fields; the rest is read from its record
-- (created_seq is the record's seq).
--
-- Keyed by kind and seq, the table is itself the list of a kind in
-- creation order (entities_kind_created's list): one B-tree fewer an item.
-- fields holds the item's fields as entitySelect reads an entity's, a JSON
-- array of [name, value] pairs, so that reading them back costs nothing.
CREATE TABLE items (
	kind        TEXT    NOT NULL,
	created_seq INTEGER NOT NULL,
	parent      TEXT    NOT NULL DEFAULT '',
	party       TEXT    NOT NULL DEFAULT '',
	status      TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	fields      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(fields) AND json_type(fields) = 'array'),
	PRIMARY KEY (kind, created_seq)
) WITHOUT ROWID;

-- The other indexes of entities that lists read (0004, 0011), by the same
-- names after "items", but for those by party and by status: an item's
-- party and status are checked on the rows a list reads, as a kind's
-- FilterFields are. A bulk kind's owner and status have few values each (a
-- report's source party, its weapon class), which an index would not
-- narrow much, and the four indexes slowed an ingest (docs/design.md).
CREATE INDEX items_kind_at             ON items (kind, at, created_seq);
CREATE INDEX items_kind_parent_created ON items (kind, parent, created_seq) WHERE parent != '';
CREATE INDEX items_kind_parent_at      ON items (kind, parent, at, created_seq) WHERE parent != '';

-- The items' field values, for lists filtered by them, apart from
-- entity_fields: a list of entities by a field value reads a range of
-- entity_fields that holds no item, and a list of items one of
-- item_fields. The key serves a value's items in creation order
-- (entity_fields_created's list). There is no index by value and time
-- (entity_fields_at's): a value's items are read by the key and sorted by
-- time. An item's field names few items a value (a report's source
-- reference names one), and an index keyed by such values takes its
-- inserts at random places, each a page written to the WAL (docs/design.md,
-- "Bulk records", measures it).
CREATE TABLE item_fields (
	kind        TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	created_seq INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (kind, name, value, created_seq)
) WITHOUT ROWID;

-- The items already stored move over: the entities that are their item's
-- own (as store.CheckItemEntity has it; the body, read from the record
-- from now on, is not compared), with their fields.
CREATE TEMP TABLE moving AS
SELECT e.kind, e.id, r.seq
FROM entities e JOIN records r ON r.id = e.record_id
WHERE r.batch IS NOT NULL AND r.kind = e.kind AND r.subject = r.id AND e.id = r.id
	AND e.version = 1 AND e.created_seq = r.seq AND e.created = r.at AND e.updated = r.at
	AND e.aud_scope = r.aud_scope AND e.aud_party = r.aud_party AND e.aud_parties = r.aud_parties;
INSERT INTO items (kind, created_seq, parent, party, status, at, fields)
SELECT e.kind, m.seq, e.parent, e.party, e.status, e.at,
	(SELECT json_group_array(json_array(f.name, f.value)) FROM entity_fields f WHERE f.kind = e.kind AND f.id = e.id)
FROM moving m JOIN entities e ON e.kind = m.kind AND e.id = m.id;
INSERT INTO item_fields (kind, name, value, created_seq, at)
SELECT f.kind, f.name, f.value, m.seq, f.at
FROM moving m JOIN entity_fields f ON f.kind = m.kind AND f.id = m.id;
DELETE FROM entity_fields WHERE (kind, id) IN (SELECT kind, id FROM moving);
DELETE FROM entities WHERE (kind, id) IN (SELECT kind, id FROM moving);
DROP TABLE moving;

-- An item's subject is its own id (store.CheckItemEntity), which
-- records' key finds: the index by subject need not hold items.
DROP INDEX records_subject;
CREATE INDEX records_subject ON records (subject, seq) WHERE batch IS NULL;
