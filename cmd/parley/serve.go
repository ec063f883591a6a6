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
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/store"
)

var serveCommand = &command{
	name:    "serve",
	args:    "--config FILE",
	summary: "serve the web UI, the JSON API and the transparency log of an installation",
	doc: `
Serve the installation that the config file describes: the web UI at /, the
JSON API under /api/v1/, the transparency log under /log/ (C2SP tlog-tiles:
/log/checkpoint and /log/tile/...), /healthz (200 while the database
answers) and /metrics (Prometheus), until SIGTERM or SIGINT; then stop taking
requests, let those in flight finish, and wait for the witnesses to cosign
the last records, all within shutdown_timeout.

Every record committed goes into the log; its proof is published once the
witnesses in the config have cosigned a checkpoint covering it, within about
a second. Before serving, serve finishes what a crash may have left half
done: records stored but not yet in the log are logged (recovery).

serve never creates the database or the log: it refuses a database whose
schema is not the one this build of parley knows (after an upgrade of
parley, back up the database and run 'parley migrate'), and a log that is
missing or not the one of the configured key ('parley init' creates both).
One process at a time may serve an installation.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.serve(ctx, *config) }
	},
}

func (c *cli) serve(ctx context.Context, configPath string) error {
	in, err := c.openInstallation(ctx, configPath, true)
	if err != nil {
		return err
	}
	defer in.close()
	cfg, svc, log, logger := in.cfg, in.svc, in.log, in.logger
	// Entities built under other declarations of the kinds (a new build
	// that indexes other fields) would be listed and audited wrong.
	if err := svc.CheckIndex(ctx); err != nil {
		return err
	}
	srv, err := server.New(cfg, svc, log, sections(), logger, endpoints(svc)...)
	if err != nil {
		return err
	}
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	// Checked before it serves (the newest records, the log against the
	// witnesses), then audited whole in the background while it serves:
	// a tampered installation refuses writes and says so on every answer.
	audited, err := server.CheckIntegrity(ctx, svc, log, logger)
	if err != nil {
		ln.Close()
		return fmt.Errorf("couldn't check the installation before serving: %w", err)
	}
	defer func() { <-audited }()
	logger.Info("serving", slog.String("url", "http://"+ln.Addr().String()+"/"),
		slog.String("store", server.StoreLocation(cfg)), slog.Int("schema_version", store.SchemaVersion),
		slog.String("log", log.Origin()), slog.Int("witnesses", len(cfg.Witnesses)))
	// The domains' followers catch up, then keep up with every commit.
	svc.StartFollowers()
	return srv.Serve(ctx, ln)
}

// installation is an installation opened for serve or audit: its config,
// logger, store, log and a service committing through the log.
type installation struct {
	cfg    server.Config
	logger *slog.Logger
	svc    *app.Service
	log    *ledger.Log
	close  func()
}

// openInstallation opens the installation configPath names, store and log,
// with recovery or (for audit) without.
func (c *cli) openInstallation(ctx context.Context, configPath string, recover bool) (*installation, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	logger := newLogger(c.stderr, cfg.LogFormat, cfg.LogLevel)
	restoreKlog := routeKlog(logger)
	st, err := openStore(ctx, cfg, configPath, false)
	if err != nil {
		restoreKlog()
		return nil, err
	}
	svc, log, closeLog, err := openLogged(ctx, cfg, st, logger, recover)
	if err != nil {
		st.Close()
		restoreKlog()
		return nil, err
	}
	return &installation{cfg: cfg, logger: logger, svc: svc, log: log, close: func() {
		closeLog()
		st.Close()
		restoreKlog()
	}}, nil
}

// openLogged locks and opens cfg's transparency log, and returns a service
// on st whose every commit goes through it, once recovery has run. The
// returned function closes the service and the log and releases the lock;
// it is safe to call after server.Serve has closed them.
func openLogged(ctx context.Context, cfg server.Config, st store.Store, logger *slog.Logger, recover bool) (*app.Service, *ledger.Log, func(), error) {
	unlock, err := server.LockLog(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	log, err := server.OpenLog(ctx, cfg, false, logger)
	if err != nil {
		unlock()
		return nil, nil, nil, err
	}
	svc := app.New(st, registry(), time.Now, logger)
	closeAll := func() {
		svc.Close()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(cfg.ShutdownTimeout))
		defer cancel()
		// An error here is one Serve returned already, or entries of
		// the recovery left unpublished, which the next start publishes.
		_ = log.Close(cctx)
		unlock()
	}
	// The domains' own tables must be at this build's versions, as the
	// kernel's schema must (openStore).
	if err := svc.CheckProjections(ctx); err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	start := time.Now()
	if !recover {
		svc.UseLog(log)
	} else if err := svc.AttachLog(ctx, log); err != nil {
		closeAll()
		return nil, nil, nil, fmt.Errorf("couldn't recover the records not yet in the log: %w", err)
	}
	st0 := log.Status(ctx)
	logger.Info("transparency log ready", slog.String("origin", st0.Origin),
		slog.Uint64("entries", st0.IntegratedSize), slog.Uint64("published", st0.PublishedSize),
		slog.Int("witnesses", len(st0.Witnesses)), slog.Int("quorum", st0.Quorum),
		slog.Duration("recovery", time.Since(start).Round(time.Millisecond)))
	if st0.IntegratedSize > st0.PublishedSize {
		logger.Info("entries beyond the published checkpoint are published once the witnesses cosign",
			slog.Uint64("unpublished", st0.IntegratedSize-st0.PublishedSize))
	}
	return svc, log, closeAll, nil
}

var migrateCommand = &command{
	name:    "migrate",
	args:    "--config FILE",
	summary: "create the database, or bring its schema up to this version of parley",
	doc: `
Create the database that the config file names if it does not exist, or
bring its schema up to the version this build of parley needs: the kernel's
tables, then each domain's own projection tables, each to its own version.
Then rebuild every projection from the records. A database at those
versions already is left as it is. Back the database up first: a migration
is not undone by an older parley.

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
	kernelCurrent := err == nil
	if !kernelCurrent {
		if !errors.Is(err, store.ErrSchema) {
			return err
		}
		if st, err = server.OpenStore(ctx, cfg, true); err != nil {
			return fmt.Errorf("couldn't migrate: %w", err)
		}
	}
	defer st.Close()
	// The service logs each projection it migrates.
	svc := app.New(st, registry(), time.Now, newLogger(c.stderr, cfg.LogFormat, "info"))
	defer svc.Close()
	projectionsCurrent := svc.CheckProjections(ctx) == nil
	indexCurrent := !errors.Is(svc.CheckIndex(ctx), app.ErrIndexStale)
	if kernelCurrent && projectionsCurrent && indexCurrent {
		fmt.Fprintf(c.stdout, "%s is at schema version %d already, every domain's projections at theirs, and its entities built as this build builds them; nothing to do\n", where, store.SchemaVersion)
		return nil
	}
	if !indexCurrent {
		fmt.Fprintf(c.stdout, "the kinds' declarations changed since the entities were built\n")
	}
	if !kernelCurrent {
		fmt.Fprintf(c.stdout, "migrated %s to schema version %d\n", where, store.SchemaVersion)
	}
	if err := svc.MigrateProjections(ctx); err != nil {
		return fmt.Errorf("couldn't migrate the domains' projections: %w", err)
	}
	if !projectionsCurrent {
		fmt.Fprintf(c.stdout, "migrated the domains' projections to this build's versions\n")
	}
	// A new schema may index what older projections did not fill in (the
	// list index of schema 4), and a domain's new tables are empty:
	// replay the records into fresh projections.
	if err := svc.Rebuild(ctx); err != nil {
		return fmt.Errorf("couldn't rebuild the projections after migrating: %w", err)
	}
	fmt.Fprintf(c.stdout, "rebuilt the projections from the records\n")
	return nil
}

var rebuildCommand = &command{
	name:    "rebuild",
	args:    "--config FILE",
	summary: "rebuild the projections (current state) from the record table",
	doc: `
Delete every projection (the current state of rounds, sessions, positions...)
and replay every committed record into fresh ones: the kernel's index in one
transaction, then each domain's own tables in one transaction per domain,
its followers ending at the last record. The records themselves, the truth,
are only read. Use it after a fix to how records are projected, or to check
that the projections are what the records say. Servers may keep running:
they see the old projections until the new ones commit.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.rebuild(ctx, *config) }
	},
}

func (c *cli) rebuild(ctx context.Context, configPath string) error {
	svc, _, cfg, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
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
