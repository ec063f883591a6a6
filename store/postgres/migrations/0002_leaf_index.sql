-- Schema version 2: the transparency log's leaf indexes.
--
-- A leaf index names one leaf of the log, so no two records may hold the
-- same one. The index is partial: a record is NULL (not yet sequenced) until
-- SetLeafIndex, and any number of records may be pending at once. It also
-- serves LeafCount, and the lookup SetLeafIndex makes before it sets one.
-- A version 1 schema in which two records already share a leaf index fails
-- this migration, which leaves it at version 1 for someone to look at.
CREATE UNIQUE INDEX records_leaf_index ON records (leaf_index) WHERE leaf_index IS NOT NULL;

-- PendingRecords reads the records still without a leaf, in seq order, at
-- every start-up: few rows among many, so an index of those rows only.
CREATE INDEX records_pending ON records (seq) WHERE leaf_index IS NULL;
