package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/parley-project/parley/files"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/store/postgres"
	"github.com/parley-project/parley/store/sqlite"
)

// OpenStore opens the store that cfg names. With migrate it creates the
// database if need be (and DataDir, for SQLite) and brings the schema up to
// store.SchemaVersion; that is for `parley migrate`, `parley init` and the
// demo. Without, it refuses a database whose schema is not exactly this
// build's with an error wrapping store.ErrSchema, so that `parley serve`
// never migrates by surprise, and never serves an empty database it has
// just created at a mistyped path.
func OpenStore(ctx context.Context, cfg Config, migrate bool) (store.Store, error) {
	switch cfg.Store {
	case StoreSQLite:
		if cfg.DataDir == "" {
			return nil, fmt.Errorf("couldn't open the SQLite store: no data_dir")
		}
		// The database holds every party's confidential records, the
		// password hashes and the cookie key: nobody but parley's own user
		// has any business in it or its directory, whatever the umask.
		if err := files.PrivateDir(cfg.DataDir, migrate); err != nil {
			return nil, err
		}
		if err := files.PrivateFile(cfg.SQLitePath(), migrate); err != nil {
			return nil, err
		}
		st, err := sqlite.Open(ctx, cfg.SQLitePath(), migrate)
		if err != nil {
			return nil, err
		}
		return st, nil
	case StorePostgres:
		st, err := postgres.Open(ctx, cfg.Postgres, migrate)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("couldn't open store: unknown store %q", cfg.Store)
}

// StoreLocation describes where cfg's database is, for messages: the
// SQLite file, or the PostgreSQL server without the connection string's
// secrets.
func StoreLocation(cfg Config) string {
	if cfg.Store == StorePostgres {
		return "PostgreSQL database" + postgresTarget(cfg.Postgres)
	}
	return "SQLite database " + cfg.SQLitePath()
}

// postgresTarget returns " host/dbname" of a connection string, leaving out
// its user and password, or "" if it cannot tell.
func postgresTarget(conn string) string {
	if strings.HasPrefix(conn, "postgres://") || strings.HasPrefix(conn, "postgresql://") {
		u, err := url.Parse(conn)
		if err != nil || u.Host == "" {
			return ""
		}
		return " " + u.Host + u.Path
	}
	kv := map[string]string{}
	for _, f := range strings.Fields(conn) {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = strings.Trim(v, "'")
		}
	}
	if kv["host"] == "" && kv["dbname"] == "" {
		return ""
	}
	return " " + kv["host"] + "/" + kv["dbname"]
}
