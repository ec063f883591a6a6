-- Schema version 1: records, their projections, principals and settings.
--
-- Tables are STRICT so that a value of the wrong type is an error instead of
-- being stored as whatever SQLite's type affinity makes of it.
--
-- Times are INTEGER microseconds since the Unix epoch, UTC: they compare and
-- index as numbers, keep exactly the precision record.Canonical keeps, and
-- need no text format to agree on.
--
-- An audience is three columns: aud_scope, aud_party (party+mediator and
-- party scopes, else '') and aud_parties (list scope: the sorted party ids
-- between commas, ",a,b,", else ''), so that membership is a substring test
-- for ",<party>,".

-- records is the append-only truth. AUTOINCREMENT guarantees that a seq is
-- never handed out twice, even if the newest row were ever removed.
CREATE TABLE records (
	seq              INTEGER PRIMARY KEY AUTOINCREMENT,
	id               TEXT    NOT NULL UNIQUE,
	kind             TEXT    NOT NULL,
	subject          TEXT    NOT NULL,
	at               INTEGER NOT NULL,
	author_principal TEXT    NOT NULL,
	author_party     TEXT    NOT NULL,
	aud_scope        TEXT    NOT NULL,
	aud_party        TEXT    NOT NULL DEFAULT '',
	aud_parties      TEXT    NOT NULL DEFAULT '',
	canonical        BLOB    NOT NULL,
	salt             BLOB    NOT NULL,
	commitment       BLOB    NOT NULL,
	-- NULL until the transparency log sequences the record's leaf.
	leaf_index       INTEGER
) STRICT;

CREATE INDEX records_subject ON records (subject, seq);

-- Nothing in a record may change once written, except that its leaf index
-- is set once, when the transparency log sequences it; and no record is ever
-- removed. The triggers make that hold whatever code writes to the file.
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN
	SELECT RAISE(ABORT, 'records are append-only');
END;

CREATE TRIGGER records_no_update BEFORE UPDATE ON records
WHEN OLD.leaf_index IS NOT NULL
	OR NEW.seq IS NOT OLD.seq
	OR NEW.id IS NOT OLD.id
	OR NEW.kind IS NOT OLD.kind
	OR NEW.subject IS NOT OLD.subject
	OR NEW.at IS NOT OLD.at
	OR NEW.author_principal IS NOT OLD.author_principal
	OR NEW.author_party IS NOT OLD.author_party
	OR NEW.aud_scope IS NOT OLD.aud_scope
	OR NEW.aud_party IS NOT OLD.aud_party
	OR NEW.aud_parties IS NOT OLD.aud_parties
	OR NEW.canonical IS NOT OLD.canonical
	OR NEW.salt IS NOT OLD.salt
	OR NEW.commitment IS NOT OLD.commitment
BEGIN
	SELECT RAISE(ABORT, 'records are append-only: only an unset leaf_index may be set');
END;

-- entities are projections of the records, deleted and rebuilt at will.
CREATE TABLE entities (
	kind        TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	parent      TEXT    NOT NULL DEFAULT '',
	aud_scope   TEXT    NOT NULL,
	aud_party   TEXT    NOT NULL DEFAULT '',
	aud_parties TEXT    NOT NULL DEFAULT '',
	record_id   TEXT    NOT NULL,
	version     INTEGER NOT NULL,
	created_seq INTEGER NOT NULL,
	created     INTEGER NOT NULL,
	updated     INTEGER NOT NULL,
	-- The same rule as PostgreSQL's json type: NULL or valid JSON text.
	body        TEXT CHECK (body IS NULL OR json_valid(body)),
	PRIMARY KEY (kind, id)
) STRICT;

-- Lists are read per kind (and per parent) in creation order.
CREATE INDEX entities_kind_created ON entities (kind, created_seq);
CREATE INDEX entities_kind_parent_created ON entities (kind, parent, created_seq);

CREATE TABLE principals (
	id            TEXT    PRIMARY KEY,
	login         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL,
	party         TEXT    NOT NULL,
	party_role    TEXT    NOT NULL,
	-- Comma-separated role names; roles are fixed words without commas.
	roles         TEXT    NOT NULL DEFAULT '',
	password_hash TEXT    NOT NULL DEFAULT '',
	created       INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
	hash         TEXT    PRIMARY KEY,
	principal_id TEXT    NOT NULL REFERENCES principals (id),
	label        TEXT    NOT NULL,
	created      INTEGER NOT NULL
) STRICT;

CREATE INDEX tokens_principal ON tokens (principal_id);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;
