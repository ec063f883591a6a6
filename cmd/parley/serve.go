package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/store"
)

var serveCommand = &command{
	name:    "serve",
	args:    "--config FILE",
	summary: "serve the web UI and the JSON API of an installation",
	doc: `
Serve the installation that the config file describes: the web UI at /, the
JSON API under /api/v1/, /healthz (200 while the database answers) and
/metrics (Prometheus), until SIGTERM or SIGINT; then stop taking requests and
let those in flight finish within shutdown_timeout.

serve never creates or migrates the database: it refuses to start on a
database whose schema is not the one this build of parley knows. After an
upgrade of parley, back up the database and run 'parley migrate'.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.serve(ctx, *config) }
	},
}

func (c *cli) serve(ctx context.Context, configPath string) error {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	logger := newLogger(c.stderr, cfg.LogFormat, cfg.LogLevel)
	st, err := openStore(ctx, cfg, configPath, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, time.Now, logger)
	srv, err := server.New(cfg, svc, logger)
	if err != nil {
		return err
	}
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	logger.Info("serving", slog.String("url", "http://"+ln.Addr().String()+"/"),
		slog.String("store", server.StoreLocation(cfg)), slog.Int("schema_version", store.SchemaVersion))
	return srv.Serve(ctx, ln)
}

var migrateCommand = &command{
	name:    "migrate",
	args:    "--config FILE",
	summary: "create the database, or bring its schema up to this version of parley",
	doc: `
Create the database that the config file names if it does not exist, or
bring its schema up to the version this build of parley needs. A database at
that version already is left as it is. Back the database up first: a
migration is not undone by an older parley.

Run it before 'parley serve' after every upgrade of parley.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.migrate(ctx, *config) }
	},
}

func (c *cli) migrate(ctx context.Context, configPath string) error {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	where := server.StoreLocation(cfg)
	// Open without migrating first, only to tell the operator whether
	// anything changed.
	st, err := server.OpenStore(ctx, cfg, false)
	if err == nil {
		st.Close()
		fmt.Fprintf(c.stdout, "%s is at schema version %d already; nothing to do\n", where, store.SchemaVersion)
		return nil
	}
	if !errors.Is(err, store.ErrSchema) {
		return err
	}
	st, err = server.OpenStore(ctx, cfg, true)
	if err != nil {
		return fmt.Errorf("couldn't migrate: %w", err)
	}
	st.Close()
	fmt.Fprintf(c.stdout, "migrated %s to schema version %d\n", where, store.SchemaVersion)
	return nil
}

var rebuildCommand = &command{
	name:    "rebuild",
	args:    "--config FILE",
	summary: "rebuild the projections (current state) from the record table",
	doc: `
Delete every projection (the current state of rounds, sessions, positions...)
and replay every committed record into fresh ones, in one transaction. The
records themselves, the truth, are only read. Use it after a fix to how
records are projected, or to check that the projections are what the records
say. Servers may keep running: they see the old projections until the new
ones commit.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.rebuild(ctx, *config) }
	},
}

func (c *cli) rebuild(ctx context.Context, configPath string) error {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, configPath, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, time.Now, newLogger(c.stderr, cfg.LogFormat, "warn"))
	start := time.Now()
	if err := svc.Rebuild(ctx); err != nil {
		return fmt.Errorf("couldn't rebuild the projections: %w", err)
	}
	fmt.Fprintf(c.stdout, "rebuilt the projections of %s from its records in %v\n",
		server.StoreLocation(cfg), time.Since(start).Round(time.Millisecond))
	return nil
}

// configFlag defines the --config flag that most commands take.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "the installation's config `file` (JSON; see 'parley help config')")
}

// loadConfig reads the config file that --config names.
func loadConfig(path string) (server.Config, error) {
	if path == "" {
		return server.Config{}, usagef("--config is required")
	}
	return server.LoadConfig(path)
}

// openStore opens cfg's store. Without migrate, an error about the schema
// says how to fix it.
func openStore(ctx context.Context, cfg server.Config, configPath string, migrate bool) (store.Store, error) {
	st, err := server.OpenStore(ctx, cfg, migrate)
	if errors.Is(err, store.ErrSchema) && !strings.Contains(err.Error(), "parley migrate") {
		return nil, fmt.Errorf("%w; if the database is older than this build of parley, back it up and run 'parley migrate --config %s'", err, configPath)
	}
	return st, err
}

// listen opens the server's TCP listener. It is opened before the server
// starts so that the URL printed is the one bound (with port 0, the port
// the system chose).
func listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("couldn't listen: %w", err)
	}
	return ln, nil
}
