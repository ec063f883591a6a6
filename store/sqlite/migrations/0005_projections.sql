-- Schema version 5: the domains' own projections.
--
-- A domain may keep tables of its own (parley.Projection), created by its
-- own migration scripts, which the kernel runs. parley_projections holds the
-- schema version each projection's tables are at (the number of its
-- scripts run), by projection name; a projection without a row is at
-- version 0, its tables not created yet.
--
-- A projection that follows the record stream, applied after commit by a
-- worker of its own, keeps the seq of the last record it applied in
-- parley_followers, updated in the transaction that applies the records;
-- a follower without a row is at 0 (it has applied nothing).
CREATE TABLE parley_projections (
	name    TEXT    PRIMARY KEY,
	version INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

CREATE TABLE parley_followers (
	name TEXT    PRIMARY KEY,
	seq  INTEGER NOT NULL CHECK (seq >= 0)
) STRICT;
