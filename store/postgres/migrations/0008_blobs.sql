-- Schema version 8: files kept by their content.
--
-- A blob is a file that backs a record (a photo, an invoice), kept under the
-- SHA-256 of its bytes, which the record commits: the record proves the file
-- unaltered, so the file needs no record of its own, and one sent twice is
-- kept once.
CREATE TABLE blobs (
	sha256     text        PRIMARY KEY,
	media_type text        NOT NULL,
	size       bigint      NOT NULL,
	data       bytea       NOT NULL,
	created    timestamptz NOT NULL
);
