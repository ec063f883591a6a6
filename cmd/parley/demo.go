package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/i18n"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/scenario"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/witness"
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

Every record goes through a transparency log, as in a real installation,
and the two parties each run a witness (in the demo's own process) that
cosigns every checkpoint. The demo prints the log's key, the witnesses'
keys, and a 'parley verify' command line that checks a record's proof
against them.

The data lives in a new temporary directory that is deleted on exit, unless
--data names a directory to keep it in; that directory must be empty or not
exist yet, so that the demo never writes into a real installation.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		addr := fs.String("addr", server.DefaultAddr, "listen on this `host:port` (port 0: any free port)")
		data := fs.String("data", "", "keep the demo's data in `dir` (empty or absent; default: a temporary directory, deleted on exit)")
		return func(ctx context.Context) error { return c.demo(ctx, *addr, *data) }
	},
}

// demoParties are the parties of the demo scenario (package scenario) whose
// process role is "party": each runs a witness. The witnesses must be up
// before the log opens and the log before the scenario is committed through
// it, so they cannot be read from the scenario once loaded.
var demoParties = []string{"ua", "ru"}

// demoLogOrigin is the demo log's origin: .invalid, a name reserved never to
// resolve, so that no one takes it for a real log.
const demoLogOrigin = "demo.parley.invalid/log"

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

	// Listen first: a busy port is said at once, not after the scenario
	// has loaded. Connections wait in the backlog until Serve.
	ln, err := listen(ctx, cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()

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

	// The scenario commits a hundred-odd records: at info, the log lines
	// of their commits would bury the URL and the logins printed below.
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	logger := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))
	defer routeKlog(logger)()

	skey, vkey, err := ledger.GenerateKey(demoLogOrigin)
	if err != nil {
		return err
	}
	if err := server.WriteKeyPair(cfg.LogKeyPath(), skey, vkey); err != nil {
		return err
	}
	for _, party := range demoParties {
		w, err := startDemoWitness(ctx, dir, party+"-witness", vkey, logger)
		if err != nil {
			return err
		}
		// Deferred, so after the log has closed: closing, it waits for
		// their cosignatures.
		defer w.close()
		cfg.Witnesses = append(cfg.Witnesses, w.entry)
	}

	unlock, err := server.LockLog(cfg)
	if err != nil {
		return err
	}
	defer unlock()
	log, err := server.OpenLog(ctx, cfg, true, logger)
	if err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, registry(), time.Now, logger)
	defer func() {
		// After Serve, these find both closed already.
		svc.Close()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(cfg.ShutdownTimeout))
		defer cancel()
		_ = log.Close(cctx)
	}()
	if err := svc.MigrateProjections(ctx); err != nil {
		return fmt.Errorf("couldn't create the domains' projections: %w", err)
	}
	if err := svc.AttachLog(ctx, log); err != nil {
		return err
	}
	svc.StartFollowers()

	fmt.Fprintln(c.stdout, "parley demo: loading the January 2026 scenario")
	logins, err := scenario.Load(ctx, svc)
	if err != nil {
		return fmt.Errorf("couldn't load the demo scenario: %w", err)
	}
	first, err := st.Records(ctx, 0, 1)
	if err != nil || len(first) == 0 {
		return fmt.Errorf("couldn't read the demo's first record: %v", err)
	}
	// The capital approvers sign their approvals with keys of their own;
	// in the demo they are kept in the data directory, to try signing.
	// The operator's token, for /metrics: the mediator's staff administer
	// the demo installation.
	operatorToken, err := svc.NewToken(ctx, "us-mediator", "metrics")
	if err != nil {
		return err
	}
	var approverKeys []string
	for _, l := range logins {
		if l.SigningKey == "" {
			continue
		}
		path := filepath.Join(dir, "keys", l.Login+".key")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("couldn't create the demo's key directory: %w", err)
		}
		if err := os.WriteFile(path, []byte(l.SigningKey+"\n"), 0o600); err != nil {
			return fmt.Errorf("couldn't write %s's signing key: %w", l.Login, err)
		}
		token, err := svc.NewToken(ctx, l.Login, "demo")
		if err != nil {
			return fmt.Errorf("couldn't issue %s a demo token: %w", l.Login, err)
		}
		tokenPath := filepath.Join(dir, "keys", l.Login+".token")
		if err := os.WriteFile(tokenPath, []byte(token+"\n"), 0o600); err != nil {
			return fmt.Errorf("couldn't write %s's token: %w", l.Login, err)
		}
		approverKeys = append(approverKeys, fmt.Sprintf("  %s: key %s, token file %s", l.Login, path, tokenPath))
	}
	level.Set(slog.LevelInfo)

	srv, err := server.New(cfg, svc, log, sections(), logger, endpoints(svc)...)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(c.stdout, "parley demo: serving on %s\n\nThe UI in English, Ukrainian and Russian (each page has the switch too):\n", base)
	for _, l := range i18n.Languages {
		fmt.Fprintf(c.stdout, "  %-11s %s?lang=%s\n", i18n.Names[l], base, l)
	}
	fmt.Fprintf(c.stdout, "Read a news article into candidate incident reports (sign in as us-monitor):\n  %smonitoring/articles\n\nSign in as:\n", base)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  LOGIN\tPASSWORD\tPARTY\tROLES\tSEES")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", l.Login, l.Password, l.Party, joinRoles(l.Roles), l.About)
	}
	tw.Flush()

	fmt.Fprintf(c.stdout, "\nThe transparency log, at %slog/:\n  log key: %s\n\nIts witnesses, one per party:\n", base, vkey)
	tw = tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  WITNESS\tURL\tCOSIGNATURE KEY")
	// The commands are printed as they run from a checkout, which is how
	// the README starts the demo; with a built binary, "parley" does.
	verify := fmt.Sprintf("go run ./cmd/parley verify proof.json --log-key '%s'", vkey)
	for _, w := range cfg.Witnesses {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", w.Name, w.URL, w.Key)
		verify += fmt.Sprintf(" --witness-key '%s'", w.Key)
	}
	tw.Flush()
	fmt.Fprintf(c.stdout, `
Check a record's proof with public keys alone, trusting no server (any
record you may read; this one is public):
  curl -s %sapi/v1/records/%s/proof > proof.json
  %s --log %s

A capital decides on a clause of the negotiating text by signing, with its
own key, a statement the server writes for it (parley sign fetches it, shows
what it binds, and signs it); submit it within ten minutes. Clause 3.2 (ids
at %[5]sapi/v1/clauses) awaits Moscow's decision:
  echo '{"clause_id":"CLAUSE_ID","party_id":"ru","decision":"approved"}' > approval.json
  go run ./cmd/parley sign approval.json --kind negotiation.approval --key KEY_FILE --server %[5]s --token-file TOKEN_FILE > signed.json
  curl -s -H "Authorization: Bearer $(cat TOKEN_FILE)" -H 'Content-Type: application/json' \
    --data @signed.json %[5]sapi/v1/clause-approvals
or upload signed.json on the clause's page (Decide for a capital). The
negotiators sign their heads' confirmations ad referendum the same way
(--kind negotiation.confirmation, api/v1/confirmations), and the monitor
each step of an incident's verification (--kind monitor.verification-step,
api/v1/verification-steps, or "Take the next step" on the incident's page).
The plant's meter operators sign their readings: make April's, and submit
each party's file with its operator's key and token (us-meters, ua-meters,
ru-meters; the plant's id at %[5]sapi/v1/plants), then settle April on
the plant's page (Energy) as the mediator:
  go run ./cmd/parley gen readings --out-dir readings --start 2026-04-01 --days 30
  go run ./cmd/parley readings import readings/readings-ua.csv --plant PLANT_ID --key KEY_FILE --server %[5]s --token-file TOKEN_FILE
The signing keys and API tokens:
%s

Prometheus metrics, for the operator's token only:
  curl -s -H "Authorization: Bearer %s" %[5]smetrics

(The commands run from the source checkout; with a built binary, use
"parley ..." for "go run ./cmd/parley ...".)

Press Ctrl-C to stop.
`, base, first[0].ID, verify, base, base, strings.Join(approverKeys, "\n"), operatorToken)
	return srv.Serve(ctx, ln)
}

// demoWitness is one party's witness, run inside the demo's process.
type demoWitness struct {
	entry server.Witness
	w     *witness.Witness
	srv   *http.Server
}

// startDemoWitness generates a witness's key (kept in the demo's data dir
// for a look at it) and serves the witness on a free loopback port.
func startDemoWitness(ctx context.Context, dir, name, logVKey string, logger *slog.Logger) (*demoWitness, error) {
	wdir := filepath.Join(dir, "witnesses", name)
	if err := os.MkdirAll(wdir, 0o700); err != nil {
		return nil, fmt.Errorf("couldn't create the demo witness's directory: %w", err)
	}
	skey, vkey, err := ledger.GenerateKey(name)
	if err != nil {
		return nil, err
	}
	if err := server.WriteKeyPair(filepath.Join(wdir, "witness.key"), skey, vkey); err != nil {
		return nil, err
	}
	cosig, err := ledger.CosignatureVKey(vkey)
	if err != nil {
		return nil, err
	}
	signer, err := witness.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	w, err := witness.New(ctx, witness.Config{DataDir: wdir, Signer: signer, LogVKey: logVKey})
	if err != nil {
		return nil, err
	}
	ln, err := listen(ctx, "127.0.0.1:0")
	if err != nil {
		w.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           w.Handler(),
		ReadHeaderTimeout: server.DefaultReadHeaderTimeout,
		ReadTimeout:       server.DefaultReadTimeout,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go srv.Serve(ln)
	return &demoWitness{
		entry: server.Witness{Name: name, Key: cosig, URL: "http://" + ln.Addr().String()},
		w:     w, srv: srv,
	}, nil
}

func (d *demoWitness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.srv.Shutdown(ctx); err != nil {
		d.srv.Close()
	}
	d.w.Close()
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
