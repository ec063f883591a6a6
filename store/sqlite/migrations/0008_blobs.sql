-- Schema version 8: files kept by their content.
--
-- A blob is a file that backs a record (a photo, an invoice), kept under the
-- SHA-256 of its bytes, which the record commits: the record proves the file
-- unaltered, so the file needs no record of its own, and one sent twice is
-- kept once. created is in Unix microseconds like every time here.
CREATE TABLE blobs (
  sha256     TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  size       INTEGER NOT NULL,
  data       BLOB NOT NULL,
  created    INTEGER NOT NULL
);
