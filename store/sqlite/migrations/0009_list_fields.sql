-- Schema version 9: a filterable field may hold several values.
--
-- A field of a kind's IndexFields that is a list (an incident's reports)
-- has a row per value, so that "the incidents that hold this report" is a
-- range of entity_fields_created, not a read of every incident. The key
-- becomes (kind, id, name, value); SQLite changes a key by making the table
-- anew. The rows and indexes are otherwise as in 0004_list_index.sql.
CREATE TABLE entity_fields_new (
	kind        TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	created_seq INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (kind, id, name, value)
) STRICT;

INSERT INTO entity_fields_new (kind, id, name, value, created_seq, at)
	SELECT kind, id, name, value, created_seq, at FROM entity_fields;

DROP TABLE entity_fields;

ALTER TABLE entity_fields_new RENAME TO entity_fields;

CREATE INDEX entity_fields_created ON entity_fields (kind, name, value, created_seq);
CREATE INDEX entity_fields_at      ON entity_fields (kind, name, value, at, created_seq);
