package parley

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// maxIdentifier is the longest table name PostgreSQL keeps whole (63 bytes);
// SQLite has no limit, and a name must mean the same table in both.
const maxIdentifier = 63

// identifier reports whether s is a name a projection may give itself or a
// table: lower-case ASCII letters, digits and underscores, starting with a
// letter. Such a name needs no quoting in either dialect and means the same
// table in both.
func identifier(s string) bool {
	if s == "" || len(s) > maxIdentifier || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// checkProjection checks one projection's declaration on its own. Its name
// is its domain's, or starts with it and an underscore, so that two
// domains' tables cannot meet; its tables' names start with its own.
func checkProjection(d Domain, p Projection) error {
	if !identifier(p.Name) || (p.Name != d.Name() && !strings.HasPrefix(p.Name, d.Name()+"_")) {
		return fmt.Errorf("projection %q of domain %q: a projection's name is its domain's name, or starts with it and an underscore, in lower-case letters, digits and underscores", p.Name, d.Name())
	}
	if p.Apply == nil {
		return fmt.Errorf("projection %q: Apply is required", p.Name)
	}
	if len(p.Kinds) == 0 {
		return fmt.Errorf("projection %q: it applies no kinds", p.Name)
	}
	if len(p.Tables) == 0 {
		return fmt.Errorf("projection %q: it declares no tables", p.Name)
	}
	for i, t := range p.Tables {
		if !identifier(t) || !strings.HasPrefix(t, p.Name+"_") {
			return fmt.Errorf("projection %q: table %q: a projection's tables are named by the projection's name, an underscore and more lower-case letters, digits and underscores, %d bytes at most", p.Name, t, maxIdentifier)
		}
		if slices.Contains(p.Tables[:i], t) {
			return fmt.Errorf("projection %q: table %q is listed twice", p.Name, t)
		}
	}
	if len(p.Migrations) == 0 {
		return fmt.Errorf("projection %q: no migrations create its tables", p.Name)
	}
	n := -1
	for _, dialect := range slices.Sorted(maps.Keys(p.Migrations)) {
		scripts := p.Migrations[dialect]
		if n >= 0 && len(scripts) != n {
			return fmt.Errorf("projection %q: its dialects have different numbers of migrations (%s has %d, another %d): each script is one version in every dialect", p.Name, dialect, len(scripts), n)
		}
		n = len(scripts)
	}
	if n == 0 {
		return fmt.Errorf("projection %q: no migrations create its tables", p.Name)
	}
	return nil
}

// checkProjectionsTogether checks the projections of every domain against
// each other and against the kinds: names and tables are each one
// projection's, and every kind applied is registered.
func checkProjectionsTogether(r *Registry) []error {
	var errs []error
	names, tables := map[string]bool{}, map[string]string{}
	for _, p := range r.projections {
		if names[p.Name] {
			errs = append(errs, fmt.Errorf("projection %q is declared twice", p.Name))
		}
		names[p.Name] = true
		for _, t := range p.Tables {
			if other, ok := tables[t]; ok {
				errs = append(errs, fmt.Errorf("table %q is declared by projections %q and %q", t, other, p.Name))
			}
			tables[t] = p.Name
		}
		for _, k := range p.Kinds {
			if _, ok := r.byName[k]; !ok {
				errs = append(errs, fmt.Errorf("projection %q applies kind %q, which no domain declares", p.Name, k))
			}
		}
	}
	return errs
}

// Version is the projection's schema version: the number of its migration
// scripts, the same in every dialect.
func (p Projection) Version() int {
	for _, scripts := range p.Migrations {
		return len(scripts)
	}
	return 0
}
