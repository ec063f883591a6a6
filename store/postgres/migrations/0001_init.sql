-- Schema version 1: records, their projections, principals and settings.
-- Every name is unqualified: the tables land in the first schema of the
-- connection's search_path, so one database can hold several installations
-- (and the tests one schema each).
--
-- An audience is three columns: aud_scope, aud_party (party+mediator and
-- party scopes, else '') and aud_parties (list scope: the sorted party ids
-- between commas, ',a,b,', else ''), so that membership is a substring test
-- for ',<party>,', the same in both stores.

-- records is the append-only truth. seq is an identity: unique and
-- increasing per insertion; the store's advisory lock makes it commit order
-- as well.
CREATE TABLE records (
	seq              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id               text        NOT NULL UNIQUE,
	kind             text        NOT NULL,
	subject          text        NOT NULL,
	at               timestamptz NOT NULL,
	author_principal text        NOT NULL,
	author_party     text        NOT NULL,
	aud_scope        text        NOT NULL,
	aud_party        text        NOT NULL DEFAULT '',
	aud_parties      text        NOT NULL DEFAULT '',
	canonical        bytea       NOT NULL,
	salt             bytea       NOT NULL,
	commitment       bytea       NOT NULL,
	-- NULL until the transparency log sequences the record's leaf.
	leaf_index       bigint
);

CREATE INDEX records_subject ON records (subject, seq);

-- Nothing in a record may change once written, except that its leaf index
-- is set once, when the transparency log sequences it; and no record is ever
-- removed. The triggers make that hold whatever code writes to the table.
CREATE FUNCTION parley_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	-- Nested, because OLD is not a row in the statement-level TRUNCATE
	-- trigger.
	IF TG_OP = 'UPDATE' THEN
		IF OLD.leaf_index IS NULL
			AND (NEW.seq, NEW.id, NEW.kind, NEW.subject, NEW.at, NEW.author_principal, NEW.author_party,
			     NEW.aud_scope, NEW.aud_party, NEW.aud_parties, NEW.canonical, NEW.salt, NEW.commitment)
			IS NOT DISTINCT FROM
			    (OLD.seq, OLD.id, OLD.kind, OLD.subject, OLD.at, OLD.author_principal, OLD.author_party,
			     OLD.aud_scope, OLD.aud_party, OLD.aud_parties, OLD.canonical, OLD.salt, OLD.commitment)
		THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'records are append-only: only an unset leaf_index may be set'
		USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON records
	FOR EACH ROW EXECUTE FUNCTION parley_records_append_only();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
	FOR EACH STATEMENT EXECUTE FUNCTION parley_records_append_only();

-- entities are projections of the records, deleted and rebuilt at will.
-- body is json, not jsonb: it validates, yet keeps the bytes as written, so
-- that a body reads back exactly as it was put, as in SQLite.
CREATE TABLE entities (
	kind        text        NOT NULL,
	id          text        NOT NULL,
	parent      text        NOT NULL DEFAULT '',
	aud_scope   text        NOT NULL,
	aud_party   text        NOT NULL DEFAULT '',
	aud_parties text        NOT NULL DEFAULT '',
	record_id   text        NOT NULL,
	version     integer     NOT NULL,
	created_seq bigint      NOT NULL,
	created     timestamptz NOT NULL,
	updated     timestamptz NOT NULL,
	body        json,
	PRIMARY KEY (kind, id)
);

-- Lists are read per kind (and per parent) in creation order.
CREATE INDEX entities_kind_created ON entities (kind, created_seq);
CREATE INDEX entities_kind_parent_created ON entities (kind, parent, created_seq);

CREATE TABLE principals (
	id            text        PRIMARY KEY,
	login         text        NOT NULL UNIQUE,
	name          text        NOT NULL,
	party         text        NOT NULL,
	party_role    text        NOT NULL,
	roles         text[]      NOT NULL DEFAULT '{}',
	password_hash text        NOT NULL DEFAULT '',
	created       timestamptz NOT NULL
);

CREATE TABLE tokens (
	hash         text        PRIMARY KEY,
	principal_id text        NOT NULL REFERENCES principals (id),
	label        text        NOT NULL,
	created      timestamptz NOT NULL
);

CREATE INDEX tokens_principal ON tokens (principal_id);

CREATE TABLE meta (
	key   text  PRIMARY KEY,
	value bytea NOT NULL
);
