package parley

import (
	"context"
	"time"

	"github.com/parley-project/parley/record"
)

// WithProjections is a Domain that keeps tables of its own beside the
// kernel's generic entity index: a relational view its pages and reports
// query (who approved which clause, an incident's cluster).
type WithProjections interface {
	Projections() []Projection
}

// Projection is a domain's own tables, kept from its records. The kernel
// creates and upgrades them (Migrations), applies every committed record of
// the projection's kinds in the record's own transaction (Apply), and
// rebuilds and audits them from the records alone: a projection is a
// function of the records, never a source of truth.
type Projection struct {
	// Name identifies the projection across versions. Its tables' names
	// must start with it and an underscore ("talks_positions").
	Name string
	// Tables lists the projection's tables, which rebuild empties and
	// audit compares with a replay of the records.
	Tables []string
	// Migrations holds, per store dialect ("sqlite", "postgres"), the SQL
	// script of each schema version: Migrations["sqlite"][0] makes version
	// 1. The projection's schema version is the number of scripts; both
	// dialects must have the same number.
	Migrations map[string][]string
	// Kinds are the record kinds Apply is called for.
	Kinds []string
	// Apply updates the tables for one record, by the statements it runs
	// through tx. Statements use $1, $2... for parameters in both dialects.
	Apply func(ctx context.Context, tx ProjectionTx, r Record) error
	// Follow makes the projection a follower of the record stream: it is
	// applied after commit, in batches, by a worker of its own that
	// stores its position with what it writes, instead of in each
	// record's transaction. Work that may lag (clustering many reports, a
	// daily report) follows; a follower says how far behind it is.
	Follow bool
}

// ProjectionTx is what a projection may do in the transaction of the record
// it applies: run statements on its own tables.
type ProjectionTx interface {
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	Exec(ctx context.Context, query string, args ...any) error
	// QueryRow runs a query that returns at most one row and scans it
	// into dest; it reports false if there is no row.
	QueryRow(ctx context.Context, query string, args []any, dest ...any) (bool, error)
}

// Record is a committed record as a projection sees it: the envelope's
// facts and the decoded domain value of its body.
type Record struct {
	ID       string
	Seq      int64
	Kind     string
	Subject  string
	At       time.Time
	Author   record.Author
	Audience record.Audience
	Refs     []string
	Entity   Entity
}
