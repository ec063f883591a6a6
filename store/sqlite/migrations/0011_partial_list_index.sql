-- Schema version 11: the list indexes by parent, party and status hold
-- only the entities that have one.
--
-- A list filtered by parent, party or status names a value, never '', so
-- the rows without one are never read through these indexes; yet every
-- entity was in all six, and a bulk kind (a monitoring report, which has
-- neither parent nor status and often no party) paid for each of them on
-- every write. A list query states "parent != ''" (or party's, status's)
-- beside its filter, which is what lets SQLite use the partial index.
DROP INDEX entities_kind_parent_created;
DROP INDEX entities_kind_party_created;
DROP INDEX entities_kind_status_created;
DROP INDEX entities_kind_parent_at;
DROP INDEX entities_kind_party_at;
DROP INDEX entities_kind_status_at;
CREATE INDEX entities_kind_parent_created ON entities (kind, parent, created_seq) WHERE parent != '';
CREATE INDEX entities_kind_party_created  ON entities (kind, party, created_seq) WHERE party != '';
CREATE INDEX entities_kind_status_created ON entities (kind, status, created_seq) WHERE status != '';
CREATE INDEX entities_kind_parent_at      ON entities (kind, parent, at, created_seq) WHERE parent != '';
CREATE INDEX entities_kind_party_at       ON entities (kind, party, at, created_seq) WHERE party != '';
CREATE INDEX entities_kind_status_at      ON entities (kind, status, at, created_seq) WHERE status != '';
