-- Schema version 12: nothing changes here.
--
-- SQLite projects the items of batches into a lean table of their own
-- (its 0012_items.sql), since their rows in entities were most of what an
-- ingest cost it. PostgreSQL keeps them in entities: both stores count
-- their schema by one number.
SELECT 1;
