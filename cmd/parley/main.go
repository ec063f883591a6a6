// Command parley runs a mediated peace process for a mediator and two or
// more distrustful parties: parties and people, rounds and sessions,
// delegations, the agenda, action items and statements, with every
// committed record kept append-only and visible only to its audience.
//
// One binary holds every command:
//
//	parley demo                      the built-in demo on a throwaway database
//	parley init --config F --data D  a new installation, its log and log key
//	parley serve --config F          the web UI, the JSON API and the log
//	parley migrate --config F        create or upgrade the database schema
//	parley rebuild --config F        rebuild the projections from the records
//	parley audit --config F          check the store against itself and the log
//	parley users add|list|password   manage who may sign in
//	parley users disable|enable      stop or let a principal sign in
//	parley tokens new                issue an API token
//	parley keys generate             a key pair for a log or a witness
//	parley witness                   run one party's witness of the log
//	parley verify FILE               check a record's proof, trusting no server
//	parley load --url U --acked F    load a server on this machine, report, check
//
// Run `parley help` for the details, `parley help config` for the config
// file's fields.
//
// This package is the wiring: it parses flags (one FlagSet per command),
// reads the config, opens the store and the transparency log, and hands
// the rest to app, server, ledger, witness and scenario. run takes its
// arguments and output streams as parameters, so the tests drive every
// command in-process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/server"
)

func main() {
	// SIGINT (Ctrl-C) and SIGTERM (systemd, Kubernetes, docker stop) end
	// the context; the server then shuts down gracefully. A second signal
	// kills the process the usual way, since stop restores the default.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	// exitUsage: the command line itself is wrong (unknown command or
	// flag, missing required flag), as with the flag package's own
	// programs.
	exitUsage = 2
)

// run runs the command that args (without the program name) names and
// returns the process's exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return newCLI(os.Stdin, stdout, stderr).run(ctx, args)
}

// cli is what every command has to hand: its streams and environment.
type cli struct {
	// stdin is where passwords are asked for, when it is a terminal.
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer) *cli {
	return &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}
}

// command is one command of the binary.
type command struct {
	// name is the command as typed: "serve", "users add".
	name string
	// args is the synopsis after the name.
	args string
	// summary is the one line that `parley help` shows.
	summary string
	// doc is what `parley help NAME` and `parley NAME -h` show above the
	// flags.
	doc string
	// setup defines the command's flags on fs and returns the function
	// that runs the command once they are parsed. The function finds the
	// command's operands, if it takes any, in fs.Args().
	setup func(c *cli, fs *flag.FlagSet) func(ctx context.Context) error
	// operands is how many arguments that are not flags the command
	// takes at most (parley verify FILE); 0 for most: every input is a
	// flag; maxOperands for a command of a list of files.
	operands int
}

// maxOperands is the operands of a command that takes any number.
const maxOperands = 1 << 16

// commands is every command, in the order `parley help` lists them. It is
// filled in by init, because the help command refers to it.
var commands []*command

func init() {
	commands = []*command{
		demoCommand, initCommand, serveCommand, migrateCommand, rebuildCommand, auditCommand,
		usersAddCommand, usersListCommand, usersPasswordCommand, usersDisableCommand, usersEnableCommand, tokensNewCommand,
		keysGenerateCommand, keysRegisterCommand, signCommand, witnessCommand, verifyCommand, loadCommand, zonesLoadCommand, reportsImportCommand, filesPutCommand, genReportsCommand, classifyClusterCommand, genReadingsCommand, readingsImportCommand,
	}
}

// usageError is an error in the command line rather than in the work: it
// exits with status 2 and points at the command's help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.overview(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return c.help(args[1:])
	}
	cmd, rest, err := lookup(args)
	if err != nil {
		fmt.Fprintf(c.stderr, "parley: %v\nRun 'parley help' for the commands.\n", err)
		return exitUsage
	}

	fs := flag.NewFlagSet("parley "+cmd.name, flag.ContinueOnError)
	// The flag package would print its own usage on every error, to the
	// one output it has; run prints help to stdout when asked for and a
	// short pointer to stderr on a mistake.
	fs.SetOutput(io.Discard)
	do := cmd.setup(c, fs)
	operands, err := parseInterleaved(fs, rest)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandHelp(c.stdout, cmd)
			return exitOK
		}
		return c.usageFailure(cmd, err)
	}
	if len(operands) > cmd.operands {
		if cmd.operands == 0 {
			return c.usageFailure(cmd, fmt.Errorf("unexpected argument %q (every input is a flag)", operands[0]))
		}
		return c.usageFailure(cmd, fmt.Errorf("unexpected argument %q", operands[cmd.operands]))
	}
	// Parsing again after "--" leaves the flags as set and the operands
	// in fs.Args(), where the command finds them.
	if err := fs.Parse(append([]string{"--"}, operands...)); err != nil {
		return c.usageFailure(cmd, err)
	}
	err = do(ctx)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return c.usageFailure(cmd, err)
	default:
		fmt.Fprintf(c.stderr, "parley: %v\n", err)
		return exitError
	}
}

// parseInterleaved parses args into fs, allowing operands between the
// flags (parley verify proof.json --log-key K), which the flag package
// alone stops at, and returns the operands. After "--" everything is an
// operand.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return operands, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(operands, rest...), nil
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
}

func (c *cli) usageFailure(cmd *command, err error) int {
	fmt.Fprintf(c.stderr, "parley %s: %v\nusage: parley %s %s\nRun 'parley help %s' for details.\n",
		cmd.name, err, cmd.name, cmd.args, cmd.name)
	return exitUsage
}

// lookup finds the command that args start with, one word ("serve") or two
// ("users add"), and returns the arguments after it.
func lookup(args []string) (*command, []string, error) {
	for _, cmd := range commands {
		words := strings.Fields(cmd.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.name {
			return cmd, args[len(words):], nil
		}
	}
	// A group ("users") without a known subcommand.
	var subs []string
	for _, cmd := range commands {
		if group, sub, ok := strings.Cut(cmd.name, " "); ok && group == args[0] {
			subs = append(subs, sub)
		}
	}
	if len(subs) > 0 {
		if len(args) == 1 {
			return nil, nil, fmt.Errorf("%s needs a subcommand: %s", args[0], strings.Join(subs, ", "))
		}
		return nil, nil, fmt.Errorf("unknown command %q; %s has %s", args[0]+" "+args[1], args[0], strings.Join(subs, ", "))
	}
	return nil, nil, fmt.Errorf("unknown command %q", args[0])
}

// help serves `parley help [TOPIC...]`.
func (c *cli) help(topic []string) int {
	if len(topic) == 0 {
		c.overview(c.stdout)
		return exitOK
	}
	if len(topic) == 1 && topic[0] == "config" {
		fmt.Fprint(c.stdout, configHelp())
		return exitOK
	}
	cmd, rest, err := lookup(topic)
	if err != nil || len(rest) > 0 {
		fmt.Fprintf(c.stderr, "parley help: no help on %q\nRun 'parley help' for the commands.\n", strings.Join(topic, " "))
		return exitUsage
	}
	commandHelp(c.stdout, cmd)
	return exitOK
}

func (c *cli) overview(w io.Writer) {
	fmt.Fprint(w, `parley runs a mediated peace process for a mediator and the parties: rounds,
sessions, delegations, the agenda, action items, statements and the capitals'
signed approvals, with every committed record kept append-only and provable
through a transparency log that each party's witness cosigns.

Usage:
  parley COMMAND [flags]

Commands:
`)
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `  help           show the help of a command, or of the config file (help config)

To try parley:        parley demo
To install it:        parley init --config /etc/parley.json --data /var/lib/parley \
                        --party-id us --party-name "United States" --admin admin
                      parley serve --config /etc/parley.json
To check a record:    parley verify proof.json --log-key KEY --log https://parley.example/

Run 'parley help COMMAND' or 'parley COMMAND -h' for a command's flags, and
'parley help config' for the fields of the config file.
`)
}

// commandHelp writes a command's synopsis, description and flags.
func commandHelp(w io.Writer, cmd *command) {
	fmt.Fprintf(w, "usage: parley %s %s\n\n%s\n", cmd.name, cmd.args, strings.TrimSpace(cmd.doc))
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	cmd.setup(&cli{}, fs)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// klogTarget is the logger of the command running now, where routeKlog
// sends the messages that tessera and the witness library write through
// klog. klogMu is held to read it for a message, and to change it.
var (
	klogMu     sync.RWMutex
	klogTarget *slog.Logger
	klogOnce   sync.Once
)

// routeKlog sends klog's messages to logger until the returned function
// is called. klog's destination is process-wide and not safe to change
// while it logs, so it is set once, to a handler that forwards to
// klogTarget; commands run in-process one after another (the tests) then
// each get their own messages. Once the returned function has returned,
// logger gets no more of them, not even from the goroutines a closed log
// leaves to wind down.
func routeKlog(logger *slog.Logger) (restore func()) {
	klogMu.Lock()
	klogTarget = logger
	klogMu.Unlock()
	klogOnce.Do(func() { ledger.RouteKlog(slog.New(forwardHandler{})) })
	return func() {
		klogMu.Lock()
		if klogTarget == logger {
			klogTarget = nil
		}
		klogMu.Unlock()
	}
}

// forwardHandler hands each record to the current klogTarget, with the
// attributes and groups that were added to it on the way.
type forwardHandler struct {
	with []func(slog.Handler) slog.Handler
}

// target returns the current target's handler; call it with klogMu held.
func (f forwardHandler) target() slog.Handler {
	if klogTarget == nil {
		return slog.DiscardHandler
	}
	h := klogTarget.Handler()
	for _, w := range f.with {
		h = w(h)
	}
	return h
}

func (f forwardHandler) Enabled(ctx context.Context, level slog.Level) bool {
	klogMu.RLock()
	defer klogMu.RUnlock()
	return f.target().Enabled(ctx, level)
}

func (f forwardHandler) Handle(ctx context.Context, r slog.Record) error {
	klogMu.RLock()
	defer klogMu.RUnlock()
	h := f.target()
	repeated, drop := klogRepeats.see(r)
	if drop {
		return nil
	}
	if repeated > 0 {
		n := slog.NewRecord(r.Time, r.Level, "the last message of the log library was repeated", r.PC)
		n.AddAttrs(slog.Int("times", repeated))
		if err := h.Handle(ctx, n); err != nil {
			return err
		}
	}
	return h.Handle(ctx, r)
}

// klogRepeats holds back a klog message identical to the last one for
// klogRepeatWindow: while a witness is down, tessera reports the failed
// round at every checkpoint interval, twice a second, and the operator
// needs to read it once a minute, not in every line of the log.
var klogRepeats repeats

const klogRepeatWindow = time.Minute

type repeats struct {
	mu      sync.Mutex
	msg     string
	shown   time.Time
	dropped int
}

// see says whether to drop r, and if not, how many copies of the message
// before it were dropped.
func (p *repeats) see(r slog.Record) (repeated int, drop bool) {
	at := r.Time
	if at.IsZero() {
		at = time.Now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Message == p.msg && at.Sub(p.shown) < klogRepeatWindow {
		p.dropped++
		return 0, true
	}
	repeated = p.dropped
	p.msg, p.shown, p.dropped = r.Message, at, 0
	return repeated, false
}

func (f forwardHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return forwardHandler{with: append(slices.Clip(f.with), func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })}
}

func (f forwardHandler) WithGroup(name string) slog.Handler {
	return forwardHandler{with: append(slices.Clip(f.with), func(h slog.Handler) slog.Handler { return h.WithGroup(name) })}
}

// newLogger returns the logger of a command: to stderr, at level, in the
// format ("text" or "json") the config asks for.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// configHelp is `parley help config`: the documentation of the config
// file, which is that of server.Config.
func configHelp() string {
	return `The config file is one JSON object, read strictly: an unknown field is an
error. 'parley init' writes a minimal one. Its fields, as server.Config
declares them (the json tag is the name in the file):

` + server.ConfigDoc()
}
