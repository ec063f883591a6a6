-- Schema version 12: a lean projection of batch items.
--
-- An item of a batch (a monitoring report among a thousand) is immutable
-- and made by one record: its entity is that record, version 1, with the
-- record's id, audience and time, and the record's body. Its row in
-- entities repeated all of that beside the record's row (the body twice),
-- in six B-trees, and it was most of what an ingest cost. Here an item's
-- row holds only what lists read in order or filter by; the rest is read
-- from its record (created_seq is the record's seq). Its fields stay in
-- entity_fields, by (kind, id) as any entity's.
--
-- Keyed by kind and seq, the table is itself the list of a kind in
-- creation order (entities_kind_created's list): one B-tree fewer an item.
CREATE TABLE items (
	kind        TEXT    NOT NULL,
	created_seq INTEGER NOT NULL,
	parent      TEXT    NOT NULL DEFAULT '',
	party       TEXT    NOT NULL DEFAULT '',
	status      TEXT    NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	PRIMARY KEY (kind, created_seq)
) WITHOUT ROWID;

-- The other indexes of entities that lists read (0004, 0011), by the same
-- names after "items".
CREATE INDEX items_kind_at             ON items (kind, at, created_seq);
CREATE INDEX items_kind_parent_created ON items (kind, parent, created_seq) WHERE parent != '';
CREATE INDEX items_kind_party_created  ON items (kind, party, created_seq) WHERE party != '';
CREATE INDEX items_kind_status_created ON items (kind, status, created_seq) WHERE status != '';
CREATE INDEX items_kind_parent_at      ON items (kind, parent, at, created_seq) WHERE parent != '';
CREATE INDEX items_kind_party_at       ON items (kind, party, at, created_seq) WHERE party != '';
CREATE INDEX items_kind_status_at      ON items (kind, status, at, created_seq) WHERE status != '';

-- The items already stored move over; their fields stay where they are.
INSERT INTO items (kind, created_seq, parent, party, status, at)
SELECT e.kind, e.created_seq, e.parent, e.party, e.status, e.at
FROM entities e JOIN records r ON r.id = e.record_id
WHERE r.batch IS NOT NULL;
DELETE FROM entities WHERE record_id IN (SELECT id FROM records WHERE batch IS NOT NULL);

-- An item's subject is its own id (store.CheckItemEntity), which
-- records' key finds: the index by subject need not hold items.
DROP INDEX records_subject;
CREATE INDEX records_subject ON records (subject, seq) WHERE batch IS NULL;
