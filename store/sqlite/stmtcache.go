package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache is the read pool with its statements prepared once. Preparing
// a statement on every query took a sixth of the time of an API read; the
// queries are built from a handful of shapes (the visibility clause varies
// only with the kind of viewer), so the cache stays small.
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map // query string -> *sql.Stmt
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil {
		// sql.Row carries no error of its own making; the pool reports
		// the same preparation error when queried directly.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

func (c *stmtCache) close() {
	c.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
}

// txStmts runs a write transaction's queries on statements the writer
// connection prepared once: parsing SQL took a third of a write's time. A
// query not yet prepared runs unprepared and is prepared after the
// transaction ends: the transaction holds the writer's one connection, so
// preparing on the pool during it would wait for itself.
type txStmts struct {
	t      *sql.Tx
	c      *stmtCache
	missed map[string]bool
}

func (x txStmts) prepared(query string) *sql.Stmt {
	if s, ok := x.c.stmts.Load(query); ok {
		return s.(*sql.Stmt)
	}
	x.missed[query] = true
	return nil
}

// prepareMissed prepares what the transaction ran unprepared.
func (x txStmts) prepareMissed(ctx context.Context) {
	for q := range x.missed {
		// A failure only means the query stays unprepared.
		_, _ = x.c.stmt(ctx, q)
	}
}

func (x txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := x.prepared(query); s != nil {
		return x.t.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return x.t.ExecContext(ctx, query, args...)
}

func (x txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := x.prepared(query); s != nil {
		return x.t.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return x.t.QueryContext(ctx, query, args...)
}

func (x txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := x.prepared(query); s != nil {
		return x.t.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return x.t.QueryRowContext(ctx, query, args...)
}
