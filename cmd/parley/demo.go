package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/server"
)

var demoCommand = &command{
	name:    "demo",
	args:    "[--addr HOST:PORT] [--data DIR]",
	summary: "run the built-in demo: the January 2026 process, on a throwaway database",
	doc: `
Load the built-in scenario (the January 2026 process between the United
States as mediator, Ukraine and Russia, as the news reports of the time tell
it) into a new SQLite database, and serve it until Ctrl-C. It prints the URL
and the demo logins: sign in as each to see what each party may see.

The data lives in a new temporary directory that is deleted on exit, unless
--data names a directory to keep it in; that directory must be empty or not
exist yet, so that the demo never writes into a real installation.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		addr := fs.String("addr", server.DefaultAddr, "listen on this `host:port` (port 0: any free port)")
		data := fs.String("data", "", "keep the demo's data in `dir` (empty or absent; default: a temporary directory, deleted on exit)")
		return func(ctx context.Context) error { return c.demo(ctx, *addr, *data) }
	},
}

func (c *cli) demo(ctx context.Context, addr, data string) error {
	cfg := server.Config{Addr: addr, Store: server.StoreSQLite, DataDir: data}
	if cfg.DataDir == "" {
		// Validate wants a data dir; the real one is made below, once
		// the flags are known to be good.
		cfg.DataDir = os.TempDir()
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		// Only --addr can be wrong: the rest is fixed.
		return usagef("--addr: %q is not a host:port address such as %q", addr, server.DefaultAddr)
	}

	dir, temporary, err := demoDir(data)
	if err != nil {
		return err
	}
	if temporary {
		defer os.RemoveAll(dir)
		fmt.Fprintf(c.stdout, "parley demo: data in %s (deleted on exit; pass --data DIR to keep it)\n", dir)
	} else {
		fmt.Fprintf(c.stdout, "parley demo: data in %s\n", dir)
	}
	cfg.DataDir = dir

	logger := newLogger(c.stderr, "text", "info")
	st, err := server.OpenStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()

	fmt.Fprintln(c.stdout, "parley demo: loading the January 2026 scenario")
	// The scenario commits a hundred-odd records: one log line each would
	// bury the URL and the logins printed below.
	quiet := app.New(st, time.Now, newLogger(c.stderr, "text", "warn"))
	logins, err := scenario.Load(ctx, quiet)
	if err != nil {
		return fmt.Errorf("couldn't load the demo scenario: %w", err)
	}

	svc := app.New(st, time.Now, logger)
	srv, err := server.New(cfg, svc, logger)
	if err != nil {
		return err
	}
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "parley demo: serving on http://%s/\n\nSign in as:\n", ln.Addr())
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  LOGIN\tPASSWORD\tPARTY\tROLES\tSEES")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", l.Login, l.Password, l.Party, joinRoles(l.Roles), l.About)
	}
	tw.Flush()
	fmt.Fprintln(c.stdout, "\nPress Ctrl-C to stop.")
	return srv.Serve(ctx, ln)
}

// demoDir returns the directory for the demo's data: data itself if it is
// empty or absent (created), or a new temporary directory if data is "".
// It refuses a directory with anything in it: that may be a real
// installation, and the demo must not write its scenario into one.
func demoDir(data string) (dir string, temporary bool, err error) {
	if data == "" {
		dir, err := os.MkdirTemp("", "parley-demo-")
		if err != nil {
			return "", false, fmt.Errorf("couldn't make a temporary directory: %w", err)
		}
		return dir, true, nil
	}
	entries, err := os.ReadDir(data)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(data, 0o700); err != nil {
			return "", false, fmt.Errorf("couldn't create the demo's data directory: %w", err)
		}
	case err != nil:
		return "", false, fmt.Errorf("couldn't use %s for the demo's data: %w", data, err)
	case len(entries) > 0:
		return "", false, fmt.Errorf("%s is not empty; pass an empty directory or none", data)
	}
	return data, false, nil
}
