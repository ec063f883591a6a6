package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/server"
	"github.com/parley-project/parley/store"
	"github.com/parley-project/parley/talks"
)

// adminPasswordEnv is where `parley init` takes the administrator's
// password from, if it is set.
const adminPasswordEnv = "PARLEY_ADMIN_PASSWORD"

var initCommand = &command{
	name:    "init",
	args:    "--config FILE --data DIR --party-id ID --party-name NAME [--party-role mediator] --admin LOGIN [--log-origin ORIGIN | --log-key-file FILE]",
	summary: "create an installation: config, database, transparency log, first party and its administrator",
	doc: `
Create a new installation: write the config file (never over an existing
one), create the database and its schema, create the transparency log in
DIR/log and its key, commit the first party (usually the mediator, whose
administrator then adds the other parties), and add that party's
administrator, who holds the roles admin and, for a mediating party,
mediator.

The log's key is generated into DIR/log.key (the private key, mode 0600)
and DIR/log.key.pub (the verifier key), named --log-origin, unless
--log-key-file names a key made beforehand with 'parley keys generate'.
init prints the verifier key: the parties' witnesses and every reader
check the log with it. Keep the private key secret and back it up with the
log directory: a log without its key cannot go on.

The new log has no witnesses. Once the parties run theirs ('parley
witness'), list them under "witnesses" in the config and restart serve.

The administrator's password is read from the environment variable
` + adminPasswordEnv + ` if it is set, else asked for twice on the terminal.

With --store postgres, the database named by --postgres must exist (created
by the PostgreSQL administrator); init creates parley's tables in it. --data
is still required: the log lives there.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		var o initOptions
		fs.StringVar(&o.config, "config", "", "write the config to this `file` (must not exist)")
		fs.StringVar(&o.data, "data", "", "the installation's data `dir` (the SQLite database, the transparency log and its key)")
		fs.StringVar(&o.store, "store", server.StoreSQLite, "the `database`: sqlite or postgres")
		fs.StringVar(&o.postgres, "postgres", "", "the PostgreSQL connection `string`, with --store postgres")
		fs.StringVar(&o.addr, "addr", server.DefaultAddr, "the `host:port` that 'parley serve' will listen on")
		fs.StringVar(&o.partyID, "party-id", "", "the first party's `id`: a short slug such as us (appears in audiences and URLs; never changes)")
		fs.StringVar(&o.partyName, "party-name", "", "the first party's `name`, such as \"United States\"")
		o.partyRole = access.ProcessMediator
		fs.Var((*partyRoleFlag)(&o.partyRole), "party-role", "the first party's `part` in the process: mediator, party or observer")
		fs.StringVar(&o.admin, "admin", "", "the administrator's `login`")
		fs.StringVar(&o.adminName, "admin-name", "", "the administrator's display `name` (default: the login)")
		fs.StringVar(&o.logOrigin, "log-origin", "", "the log's `origin`, the name of its key and the first line of its checkpoints, such as parley.example/log (default: this host's name + /parley)")
		fs.StringVar(&o.logKeyFile, "log-key-file", "", "sign the log with the private key in `file` (and file.pub) rather than a new one in the data dir")
		return func(ctx context.Context) error { return c.initInstall(ctx, o) }
	},
}

type initOptions struct {
	config, data, store, postgres, addr string
	partyID, partyName                  string
	partyRole                           access.ProcessRole
	admin, adminName                    string
	logOrigin, logKeyFile               string
}

func (c *cli) initInstall(ctx context.Context, o initOptions) error {
	for _, f := range []struct{ name, value string }{
		{"config", o.config}, {"party-id", o.partyID}, {"party-name", o.partyName}, {"admin", o.admin},
	} {
		if f.value == "" {
			return usagef("--%s is required", f.name)
		}
	}
	if o.data == "" {
		return usagef("--data is required: the database (with sqlite) and the transparency log live there")
	}
	if o.logOrigin != "" && o.logKeyFile != "" {
		return usagef("--log-origin and --log-key-file exclude each other: a key's name is the log's origin")
	}
	if fi, err := os.Stat(filepath.Dir(o.config)); err != nil || !fi.IsDir() {
		// Checked now: found only after the database was made, it would
		// leave an installation without a config.
		return fmt.Errorf("couldn't write the config into %s: not a directory", filepath.Dir(o.config))
	}
	if _, err := os.Lstat(o.config); err == nil {
		return fmt.Errorf("%s exists; init never overwrites a config (remove it, or use the installation it describes)", o.config)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("couldn't check the config file: %w", err)
	}

	// What the file will say: only what was given, so that the defaults
	// of a later parley apply to the rest.
	written := server.Config{Addr: o.addr, Store: o.store, Postgres: o.postgres}
	abs, err := filepath.Abs(o.data)
	if err != nil {
		return err
	}
	written.DataDir = abs
	if o.logKeyFile != "" {
		abs, err := filepath.Abs(o.logKeyFile)
		if err != nil {
			return err
		}
		if _, _, err := server.ReadKeyPair(abs); err != nil {
			return fmt.Errorf("--log-key-file: %w", err)
		}
		written.LogKeyFile = abs
	}
	cfg := written
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	// The log's key is made now, so that a bad --log-origin is refused
	// before anything is created; it is written below.
	var skey, vkey string
	if o.logKeyFile == "" {
		origin := o.logOrigin
		if origin == "" {
			origin = defaultLogOrigin()
		}
		if skey, vkey, err = generateKey("log-origin", origin); err != nil {
			return err
		}
	}

	// Ask for the password before anything is created, so that a refusal
	// leaves nothing behind.
	password, err := c.newPassword(o.admin, adminPasswordEnv, true)
	if err != nil {
		return err
	}

	unlock, err := server.LockLog(cfg)
	if err != nil {
		return err
	}
	defer unlock()

	// What init itself creates (a SQLite file, the log and its key) is
	// removed again if init fails half-way, so that it can simply be run
	// again. What existed is never touched.
	var fresh []string
	if cfg.Store == server.StoreSQLite {
		if _, err := os.Stat(cfg.SQLitePath()); errors.Is(err, fs.ErrNotExist) {
			p := cfg.SQLitePath()
			fresh = []string{p, p + "-wal", p + "-shm"}
		}
	}
	if _, err := os.Stat(cfg.LogPath()); errors.Is(err, fs.ErrNotExist) {
		fresh = append(fresh, cfg.LogPath())
	}
	cleanUp := func() {
		for _, p := range fresh {
			os.RemoveAll(p)
		}
	}
	if o.logKeyFile == "" {
		if err := server.WriteKeyPair(cfg.LogKeyPath(), skey, vkey); err != nil {
			cleanUp()
			return fmt.Errorf("%w (pass --log-key-file to sign with that key)", err)
		}
		fresh = append(fresh, cfg.LogKeyPath(), cfg.LogKeyPath()+".pub")
	}
	if err := c.initStore(ctx, cfg, o, password); err != nil {
		cleanUp()
		return err
	}

	text, err := json.MarshalIndent(written, "", "  ")
	if err != nil {
		return err
	}
	// O_EXCL: never overwrite, even a file made since the check above.
	// 0600: a PostgreSQL connection string may hold a password.
	f, err := os.OpenFile(o.config, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		_, err = f.Write(append(text, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("created the database, but couldn't write the config: %w", err)
	}
	fmt.Fprintf(c.stdout, "wrote %s\nNext: parley serve --config %s\n", o.config, o.config)
	return nil
}

// initStore creates the log and the database, and commits the first party
// through the log.
func (c *cli) initStore(ctx context.Context, cfg server.Config, o initOptions, password string) (err error) {
	logger := newLogger(c.stderr, cfg.LogFormat, "warn")
	defer routeKlog(logger)()
	// The log first: a key that does not fit a log found in the data dir
	// stops init before it creates anything else.
	log, err := server.OpenLog(ctx, cfg, true, logger)
	if err != nil {
		return err
	}
	// Deferred calls run last first: the service stops, then the store
	// closes, then the log, once its checkpoint covers the first party.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(cfg.ShutdownTimeout))
		defer cancel()
		if cerr := log.Close(cctx); cerr != nil && err == nil {
			err = fmt.Errorf("couldn't publish the log's first checkpoint: %w", cerr)
		}
	}()
	st, err := server.OpenStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, registry(), time.Now, logger)
	defer svc.Close()
	if err := svc.MigrateProjections(ctx); err != nil {
		return fmt.Errorf("couldn't create the domains' projections: %w", err)
	}
	// A new store: this build's declarations of the kinds, recorded
	// before the first record.
	if err := svc.CheckIndex(ctx); err != nil {
		return err
	}
	if err := svc.AttachLog(ctx, log); err != nil {
		return err
	}
	party := talks.Party{ID: o.partyID, Name: o.partyName, Role: o.partyRole}
	if err := svc.Bootstrap(ctx, &party); err != nil {
		return fmt.Errorf("couldn't create party %q: %w", o.partyID, err)
	}
	roles := []access.Role{access.RoleAdmin}
	if o.partyRole == access.ProcessMediator {
		// The mediator's administrator is usually also the one who
		// sets the process up: rounds, the agenda.
		roles = append(roles, access.RoleMediator)
	}
	p, err := svc.AddPrincipal(ctx, app.NewPrincipal{Login: o.admin, Name: o.adminName, Party: o.partyID, Roles: roles, Password: password})
	if err != nil {
		return fmt.Errorf("couldn't add the administrator: %w", err)
	}
	fmt.Fprintf(c.stdout, "created %s at schema version %d\ncreated party %s (%s, %s)\n",
		server.StoreLocation(cfg), store.SchemaVersion, party.ID, party.Name, party.Role)
	printPrincipal(c.stdout, p, true)
	fmt.Fprintf(c.stdout, `created the transparency log in %s
  origin:       %s
  private key:  %s (keep it secret; back it up with the log)
  verifier key: %s
Give the verifier key to the parties, for their witnesses ('parley witness
--log-key') and to anyone who checks a record ('parley verify --log-key').
`, cfg.LogPath(), log.Origin(), cfg.LogKeyPath(), log.VerifierKey())
	return nil
}

// defaultLogOrigin names a new log after the host it is created on.
func defaultLogOrigin() string {
	host, err := os.Hostname()
	if err != nil || host == "" || strings.ContainsAny(host, "+ \t\r\n") {
		host = "localhost"
	}
	return host + "/parley"
}

var usersAddCommand = &command{
	name:    "users add",
	args:    "--config FILE --login LOGIN --name NAME --party ID --roles ROLE,... [--password-env VAR | --client]",
	summary: "add a person or an API client to a party",
	doc: `
Add a principal: a person who signs in to the web UI with a password, or
(--client) an API client that signs in with tokens only ('parley tokens
new'). The party must exist already. The roles decide what the principal may
write; the party's part in the process decides what it may see.

A person's password comes from the environment variable that --password-env
names, or is asked for twice on the terminal.

Roles: ` + joinRoles(access.Roles),
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		var np app.NewPrincipal
		var passwordEnv string
		var client bool
		fs.StringVar(&np.Login, "login", "", "the sign-in `name`: 2 to 64 lower-case letters, digits, '.', '_' or '-'")
		fs.StringVar(&np.Name, "name", "", "the display `name` (default: the login)")
		fs.StringVar(&np.Party, "party", "", "the `id` of the party the principal acts for")
		fs.Var((*rolesFlag)(&np.Roles), "roles", "the principal's `roles`, comma-separated")
		fs.StringVar(&passwordEnv, "password-env", "", "read the password from the environment variable `VAR`")
		fs.BoolVar(&client, "client", false, "an API client: no password, tokens only")
		return func(ctx context.Context) error { return c.usersAdd(ctx, *config, np, passwordEnv, client) }
	},
}

func (c *cli) usersAdd(ctx context.Context, configPath string, np app.NewPrincipal, passwordEnv string, client bool) error {
	for _, f := range []struct{ name, value string }{
		{"config", configPath}, {"login", np.Login}, {"party", np.Party},
	} {
		if f.value == "" {
			return usagef("--%s is required", f.name)
		}
	}
	if len(np.Roles) == 0 {
		return usagef("--roles is required (one or more of %s)", joinRoles(access.Roles))
	}
	if client && passwordEnv != "" {
		return usagef("--client and --password-env exclude each other: an API client has no password")
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		return err
	}
	if !client {
		if np.Password, err = c.newPassword(np.Login, passwordEnv, false); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg, configPath, false)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := app.New(st, registry(), time.Now, newLogger(c.stderr, cfg.LogFormat, "warn"))
	p, err := svc.AddPrincipal(ctx, np)
	if err != nil {
		return fmt.Errorf("couldn't add %s: %w", np.Login, err)
	}
	printPrincipal(c.stdout, p, !client)
	return nil
}

// printPrincipal shows a principal just added.
func printPrincipal(w io.Writer, p access.Principal, password bool) {
	how := "password"
	if !password {
		how = "API tokens only (parley tokens new --login " + p.Login + ")"
	}
	fmt.Fprintf(w, "added %s (id %s)\n  name:     %s\n  party:    %s (%s)\n  roles:    %s\n  signs in: %s\n",
		p.Login, p.ID, p.Name, p.Party, p.PartyRole, joinRoles(p.Roles), how)
}

var usersListCommand = &command{
	name:    "users list",
	args:    "--config FILE",
	summary: "list the principals who may sign in",
	doc: `
List every principal, by login: party, roles, whether it signs in with a
password or with API tokens only, and since when it is disabled, if it is.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		return func(ctx context.Context) error { return c.usersList(ctx, *config) }
	},
}

func (c *cli) usersList(ctx context.Context, configPath string) error {
	_, st, _, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
	ps, err := st.Principals(ctx)
	if err != nil {
		return fmt.Errorf("couldn't list principals: %w", err)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tNAME\tPARTY\tROLES\tSIGNS IN WITH\tCREATED\tDISABLED")
	for _, p := range ps {
		how := "password"
		if p.PasswordHash == "" {
			how = "tokens"
		}
		disabled := "-"
		if !p.Disabled.IsZero() {
			disabled = p.Disabled.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Login, p.Name, p.Party, joinRoles(p.Roles), how, p.Created.UTC().Format(time.RFC3339), disabled)
	}
	return tw.Flush()
}

var usersPasswordCommand = &command{
	name:    "users password",
	args:    "--config FILE --login LOGIN [--password-stdin]",
	summary: "set a person's password, ending every session of theirs",
	doc: `
Set the password of the person with the given login, as an administrator:
when it is forgotten or may be known to someone else. The rules of a new
password apply (at least 8 characters). Every session of the person, in
every browser, ends at its next request; API tokens are not touched. A
person who knows their password changes it themselves in the web UI
(Password, beside Sign out).

The new password is asked for twice on the terminal, or read from the first
line of standard input with --password-stdin (for a script: never put a
password on the command line, where ps and shell histories show it).`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		login := fs.String("login", "", "the `login` whose password to set")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		return func(ctx context.Context) error { return c.usersPassword(ctx, *config, *login, *fromStdin) }
	},
}

func (c *cli) usersPassword(ctx context.Context, configPath, login string, fromStdin bool) error {
	if err := needConfigAndLogin(configPath, login); err != nil {
		return err
	}
	var password string
	var err error
	if f, ok := c.stdin.(*os.File); fromStdin {
		password, err = readPasswordLine(c.stdin)
	} else if !ok || !term.IsTerminal(int(f.Fd())) {
		return fmt.Errorf("no password for %s: pass --password-stdin with the password on standard input, or run on a terminal to be asked for one", login)
	} else {
		password, err = c.newPassword(login, "", false)
	}
	if err != nil {
		return err
	}
	svc, _, _, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
	p, err := svc.Auth().SetPassword(ctx, login, password)
	if err != nil {
		return fmt.Errorf("couldn't set the password of %s: %w", login, err)
	}
	fmt.Fprintf(c.stdout, "set the password of %s (%s); every session of theirs has ended\n", p.Login, p.Name)
	return nil
}

// readPasswordLine reads a password from the first line of r, without its
// line ending.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 16<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("couldn't read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}

var usersDisableCommand = &command{
	name:    "users disable",
	args:    "--config FILE --login LOGIN",
	summary: "stop a person or API client from signing in, ending its sessions",
	doc: `
Disable the principal with the given login: it can no longer sign in, with
its password or its API tokens, and its sessions end at their next request,
on every replica. Its records, tokens and keys are kept. 'parley users
enable' lets it sign in again; its tokens then work again, but the sessions
it had stay ended.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		login := fs.String("login", "", "the `login` to disable")
		return func(ctx context.Context) error { return c.usersDisable(ctx, *config, *login, true) }
	},
}

var usersEnableCommand = &command{
	name:    "users enable",
	args:    "--config FILE --login LOGIN",
	summary: "let a disabled person or API client sign in again",
	doc: `
Enable the principal with the given login again, after 'parley users
disable': it signs in with its password and its API tokens as before.
Sessions it had when it was disabled stay ended.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		login := fs.String("login", "", "the `login` to enable")
		return func(ctx context.Context) error { return c.usersDisable(ctx, *config, *login, false) }
	},
}

// usersDisable disables (disable true) or enables the principal login.
func (c *cli) usersDisable(ctx context.Context, configPath, login string, disable bool) error {
	if err := needConfigAndLogin(configPath, login); err != nil {
		return err
	}
	svc, _, _, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
	if disable {
		before, err := svc.Auth().Disable(ctx, login)
		if err != nil {
			return fmt.Errorf("couldn't disable %s: %w", login, err)
		}
		fmt.Fprintf(c.stdout, "%s is disabled since %s; its sessions have ended and its tokens are refused\n", login, before.Disabled.UTC().Format(time.RFC3339))
		return nil
	}
	before, err := svc.Auth().Enable(ctx, login)
	if err != nil {
		return fmt.Errorf("couldn't enable %s: %w", login, err)
	}
	if before.Disabled.IsZero() {
		fmt.Fprintf(c.stdout, "%s was not disabled; nothing changed\n", login)
		return nil
	}
	fmt.Fprintf(c.stdout, "enabled %s, disabled since %s\n", login, before.Disabled.UTC().Format(time.RFC3339))
	return nil
}

var tokensNewCommand = &command{
	name:    "tokens new",
	args:    "--config FILE --login LOGIN [--label TEXT]",
	summary: "issue an API token for a principal",
	doc: `
Issue a new API token for the principal with the given login and print it,
once: only its hash is kept, so a lost token cannot be shown again; issue a
new one. Clients send it as "Authorization: Bearer TOKEN". The label says
what the token is for (a script, a monitoring feed).`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		config := configFlag(fs)
		login := fs.String("login", "", "the `login` of the principal the token is for")
		label := fs.String("label", "", "what the token is for, as a reminder (`text`)")
		return func(ctx context.Context) error { return c.tokensNew(ctx, *config, *login, *label) }
	},
}

func (c *cli) tokensNew(ctx context.Context, configPath, login, label string) error {
	if err := needConfigAndLogin(configPath, login); err != nil {
		return err
	}
	svc, _, _, closeAll, err := c.openService(ctx, configPath)
	if err != nil {
		return err
	}
	defer closeAll()
	token, err := svc.NewToken(ctx, login, label)
	if err != nil {
		return fmt.Errorf("couldn't issue a token: %w", err)
	}
	// The token alone on stdout, so that a script can capture it; the
	// advice on stderr.
	fmt.Fprintln(c.stdout, token)
	fmt.Fprintf(c.stderr, "parley: this is the only time the token for %s is shown; store it now\n", login)
	return nil
}

// joinRoles renders roles as the --roles flag takes them.
func joinRoles(roles []access.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// needConfigAndLogin refuses a command about one principal run without
// --config or --login.
func needConfigAndLogin(configPath, login string) error {
	if configPath == "" {
		return usagef("--config is required")
	}
	if login == "" {
		return usagef("--login is required")
	}
	return nil
}

// openService opens the installation's store, without its log, and a
// service on it, for the commands that manage principals and projections
// rather than commit records. close closes both.
func (c *cli) openService(ctx context.Context, configPath string) (svc *app.Service, st store.Store, cfg server.Config, close func(), err error) {
	cfg, err = loadConfig(configPath)
	if err != nil {
		return nil, nil, cfg, nil, err
	}
	st, err = openStore(ctx, cfg, configPath, false)
	if err != nil {
		return nil, nil, cfg, nil, err
	}
	svc = app.New(st, registry(), time.Now, newLogger(c.stderr, cfg.LogFormat, "warn"))
	// The domains' own tables must be at this build's versions, as the
	// kernel's schema must (openStore).
	if err := svc.CheckProjections(ctx); err != nil {
		svc.Close()
		st.Close()
		return nil, nil, cfg, nil, err
	}
	return svc, st, cfg, func() { svc.Close(); st.Close() }, nil
}
