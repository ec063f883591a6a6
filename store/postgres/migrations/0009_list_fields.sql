-- Schema version 9: a filterable field may hold several values.
--
-- A field of a kind's IndexFields that is a list (an incident's reports)
-- has a row per value, so that "the incidents that hold this report" is a
-- range of entity_fields_created, not a read of every incident. The key
-- becomes (kind, id, name, value).
ALTER TABLE entity_fields DROP CONSTRAINT entity_fields_pkey;
ALTER TABLE entity_fields ADD PRIMARY KEY (kind, id, name, value);
