package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	f_note "github.com/transparency-dev/formats/note"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/web"
)

// Config is the configuration of one parley server, read from a JSON file
// by LoadConfig. A field left out (or zero) takes the default its comment
// names. `parley init` writes a minimal one; `parley help config` prints
// this documentation.
//
// An example:
//
//	{
//	  "addr": "127.0.0.1:8080",
//	  "store": "sqlite",
//	  "data_dir": "/var/lib/parley",
//	  "witnesses": [
//	    {"name": "ua", "key": "ua-witness+1c3a0b4f+BJ4...", "url": "https://witness.ua.example"},
//	    {"name": "ru", "key": "ru-witness+8d02e6a1+BK1...", "url": "https://witness.ru.example"}
//	  ]
//	}
type Config struct {
	// Addr is the TCP address the HTTP server listens on, host:port.
	// Default "127.0.0.1:8080". parley speaks plain HTTP: put it behind a
	// reverse proxy that terminates TLS, and set SecureCookies.
	Addr string `json:"addr,omitempty"`

	// Store is the database parley keeps its records in: "sqlite" (one
	// file under DataDir, for an installation on one machine) or
	// "postgres" (the database that Postgres names, for several
	// replicas). Default "sqlite".
	Store string `json:"store,omitempty"`

	// DataDir is the directory of this installation's own files: the
	// SQLite database (DataDir/parley.db), the transparency log
	// (DataDir/log/, served at /log/) and, by default, the log's key
	// (DataDir/log.key). Required: even with "postgres" the log lives
	// here, so only one server process may use it at a time. A relative
	// path is taken relative to the directory of the config file, not to
	// the working directory, so that the server finds the same data
	// whoever starts it from wherever.
	DataDir string `json:"data_dir,omitempty"`

	// Postgres is the PostgreSQL connection string, as a URL
	// ("postgres://parley@db.example/parley?sslmode=verify-full") or in
	// key=value form. Required with "postgres". Keep the password out of
	// this file: the driver also reads PGPASSWORD and ~/.pgpass.
	Postgres string `json:"postgres,omitempty"`

	// SecureCookies marks the session cookie Secure, so that browsers send
	// it over HTTPS only. Set it whenever users reach parley over HTTPS
	// through a proxy; leave it off only for plain-HTTP use on localhost
	// (the demo). Default false.
	SecureCookies bool `json:"secure_cookies,omitempty"`

	// SessionIdle ends a browser session after this long without a
	// request: each request slides it on (the session cookie is signed
	// anew with the time of the request, so that any replica can check it
	// without a write to the store). Default "30m"; at least "1m", and no
	// longer than SessionMax.
	SessionIdle Duration `json:"session_idle,omitempty"`

	// SessionMax ends a browser session this long after it began, however
	// busy it is; the user signs in again. Default "12h", one working day
	// at the table; at least "1m". Signing out, a password change and
	// disabling a user end sessions at once, whatever these say.
	SessionMax Duration `json:"session_max,omitempty"`

	// LogLevel is the least severe level logged: "debug", "info", "warn"
	// or "error". Default "info". At "debug" the access log includes the
	// health and metrics probes.
	LogLevel string `json:"log_level,omitempty"`

	// LogFormat is "text" (logfmt-like key=value lines) or "json" (one
	// JSON object per line, for a log collector). Default "text".
	LogFormat string `json:"log_format,omitempty"`

	// ReadHeaderTimeout bounds the time to read a request's headers, the
	// first defence against slow clients holding connections open.
	// Default "10s". Durations are Go duration strings: "500ms", "1m30s".
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`

	// ReadTimeout bounds the time to read a whole request, body included.
	// Default "30s".
	ReadTimeout Duration `json:"read_timeout,omitempty"`

	// WriteTimeout bounds the time from the end of the request headers to
	// the end of the response. Default "60s".
	WriteTimeout Duration `json:"write_timeout,omitempty"`

	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Default "120s".
	IdleTimeout Duration `json:"idle_timeout,omitempty"`

	// ShutdownTimeout bounds how long the server, once asked to stop
	// (SIGTERM, SIGINT), waits for requests in flight to finish before it
	// closes their connections, and then for the witnesses to cosign a
	// checkpoint covering the last records written, so that each is
	// provable as soon as the server is back. Default "30s"; keep it
	// below the process manager's own kill timeout (systemd's
	// TimeoutStopSec, Kubernetes' terminationGracePeriodSeconds). Records
	// not yet covered when it runs out are safe, and published after the
	// next start.
	ShutdownTimeout Duration `json:"shutdown_timeout,omitempty"`

	// MaxHeaderBytes caps the size of a request's headers. Default 65536;
	// parley's own cookies and tokens need far less.
	MaxHeaderBytes int `json:"max_header_bytes,omitempty"`

	// LogKeyFile is the file holding the transparency log's private key,
	// a signed-note key ("PRIVATE+KEY+<origin>+..."), with which every
	// checkpoint is signed; its public verifier key is in the file of the
	// same name plus ".pub". Default DataDir/log.key, which 'parley init'
	// writes (mode 0600). The key's name is the log's origin, the first
	// line of every checkpoint. Losing the key means starting a new log;
	// leaking it lets its holder sign checkpoints of a forked log (which
	// the parties' witnesses refuse to cosign). A relative path is taken
	// relative to the directory of the config file.
	LogKeyFile string `json:"log_key_file,omitempty"`

	// Witnesses are the parties' witnesses (each runs 'parley witness').
	// A checkpoint of the log, and so a proof of any record, is published
	// only once WitnessQuorum of them have cosigned it: each witness
	// cosigns only checkpoints consistent with all it cosigned before, so
	// that the log cannot show different histories to different readers.
	// Each entry is {"name": "ua", "key": "<cosignature verifier key>",
	// "url": "https://witness.ua.example"}; see Witness. Default none: the
	// log's checkpoints are published on the log's signature alone.
	Witnesses []Witness `json:"witnesses,omitempty"`

	// WitnessQuorum is how many Witnesses must cosign a checkpoint before
	// it is published. Default 0, meaning all of them: in a peace process
	// every party must be able to detect a fork. A lower quorum keeps
	// proofs flowing while a party's witness is down, at the price of
	// that party not vouching for the checkpoints it missed.
	WitnessQuorum int `json:"witness_quorum,omitempty"`

	// WitnessTimeout bounds one round of cosigning: the time the log waits
	// for the quorum before it drops that checkpoint and tries again at
	// the next CheckpointInterval. Default "5s". Writes go on meanwhile;
	// only their proofs wait.
	WitnessTimeout Duration `json:"witness_timeout,omitempty"`

	// WitnessFailOpen publishes a checkpoint that did not reach the quorum
	// within WitnessTimeout, with the cosignatures it got. Default false;
	// leave it so. With it, proofs keep flowing while witnesses are down,
	// but readers may be shown checkpoints that some party's witness never
	// checked, which gives up the very guarantee the witnesses exist for:
	// that no party can be shown a history the others were not.
	WitnessFailOpen bool `json:"witness_fail_open,omitempty"`

	// CheckpointInterval is how often, while records are being written, a
	// new checkpoint is signed, sent to the witnesses and published. A
	// record is provable once a published checkpoint covers it, so this
	// bounds the time from a write to its proof. Default "500ms"; minimum
	// "100ms". Each interval costs one request to every witness.
	CheckpointInterval Duration `json:"checkpoint_interval,omitempty"`
}

// Witness is one party's witness in Config.Witnesses.
type Witness struct {
	// Name names the witness in logs and status, usually after its party
	// ("ua").
	Name string `json:"name"`
	// Key is the witness's cosignature verifier key, which the party's
	// 'parley keys generate' printed ("cosignature key"); the plain
	// verifier key of the same key pair is accepted too.
	Key string `json:"key"`
	// URL is where the witness listens, as 'parley witness' printed it;
	// the log POSTs to URL + "/add-checkpoint" (C2SP tlog-witness).
	URL string `json:"url"`
}

// The defaults, named once so that the docs above, SetDefaults and the
// tests agree.
const (
	DefaultAddr               = "127.0.0.1:8080"
	DefaultStore              = StoreSQLite
	DefaultLogLevel           = "info"
	DefaultLogFormat          = "text"
	DefaultReadHeaderTimeout  = 10 * time.Second
	DefaultReadTimeout        = 30 * time.Second
	DefaultWriteTimeout       = 60 * time.Second
	DefaultIdleTimeout        = 120 * time.Second
	DefaultShutdownTimeout    = 30 * time.Second
	DefaultMaxHeaderBytes     = 64 << 10
	DefaultSessionIdle        = web.DefaultSessionIdle
	DefaultSessionMax         = web.DefaultSessionMax
	DefaultWitnessTimeout     = ledger.DefaultWitnessTimeout
	DefaultCheckpointInterval = ledger.DefaultCheckpointInterval
	// DefaultLogKeyFile is LogKeyFile's default, inside DataDir.
	DefaultLogKeyFile = "log.key"
)

// MinSession is the shortest SessionIdle and SessionMax: a session must
// outlast the reading of a page.
const MinSession = time.Minute

// MinCheckpointInterval is the shortest CheckpointInterval, tessera's
// POSIX driver's minimum.
const MinCheckpointInterval = 100 * time.Millisecond

// LogDir is the name of the transparency log's directory inside DataDir.
const LogDir = "log"

// The store kinds.
const (
	StoreSQLite   = "sqlite"
	StorePostgres = "postgres"
)

// SQLiteFile is the name of the SQLite database inside DataDir.
const SQLiteFile = "parley.db"

// SetDefaults fills every unset field with its default.
func (c *Config) SetDefaults() {
	setDefault(&c.Addr, DefaultAddr)
	setDefault(&c.Store, DefaultStore)
	setDefault(&c.LogLevel, DefaultLogLevel)
	setDefault(&c.LogFormat, DefaultLogFormat)
	setDefault(&c.ReadHeaderTimeout, Duration(DefaultReadHeaderTimeout))
	setDefault(&c.ReadTimeout, Duration(DefaultReadTimeout))
	setDefault(&c.WriteTimeout, Duration(DefaultWriteTimeout))
	setDefault(&c.IdleTimeout, Duration(DefaultIdleTimeout))
	setDefault(&c.ShutdownTimeout, Duration(DefaultShutdownTimeout))
	setDefault(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&c.SessionIdle, Duration(DefaultSessionIdle))
	setDefault(&c.SessionMax, Duration(DefaultSessionMax))
	setDefault(&c.WitnessTimeout, Duration(DefaultWitnessTimeout))
	setDefault(&c.CheckpointInterval, Duration(DefaultCheckpointInterval))
	// LogKeyFile is left empty: its default depends on DataDir, which
	// LoadConfig makes absolute only after the defaults are set. See
	// LogKeyPath.
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Validate reports the first problem of a config whose defaults are set.
// Its messages name the field as the config file spells it.
func (c *Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		return fmt.Errorf("addr: %q is not a host:port address such as %q", c.Addr, DefaultAddr)
	}
	switch c.Store {
	case StoreSQLite:
		if c.DataDir == "" {
			return errors.New(`data_dir: required with store "sqlite": the database lives in it`)
		}
		if c.Postgres != "" {
			return errors.New(`postgres: set, but store is "sqlite"; set store to "postgres" or remove postgres`)
		}
	case StorePostgres:
		if c.Postgres == "" {
			return errors.New(`postgres: required with store "postgres": give the connection string`)
		}
		if c.DataDir == "" {
			return errors.New(`data_dir: required: the transparency log lives in it, whichever the store`)
		}
	default:
		return fmt.Errorf(`store: %q is not a store; want "sqlite" or "postgres"`, c.Store)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		return fmt.Errorf(`log_level: %q is not a level; want "debug", "info", "warn" or "error"`, c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf(`log_format: %q is not a format; want "text" or "json"`, c.LogFormat)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{
		{"read_header_timeout", c.ReadHeaderTimeout},
		{"read_timeout", c.ReadTimeout},
		{"write_timeout", c.WriteTimeout},
		{"idle_timeout", c.IdleTimeout},
		{"shutdown_timeout", c.ShutdownTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("%s: %v is negative", d.name, time.Duration(d.v))
		}
	}
	if c.MaxHeaderBytes < 0 {
		return fmt.Errorf("max_header_bytes: %d is negative", c.MaxHeaderBytes)
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"session_idle", c.SessionIdle}, {"session_max", c.SessionMax}} {
		if d.v < Duration(MinSession) {
			return fmt.Errorf("%s: %v is below the minimum %v", d.name, d.v, MinSession)
		}
	}
	if c.SessionIdle > c.SessionMax {
		return fmt.Errorf("session_idle: %v is longer than session_max %v; a session ends at session_max however it is used", c.SessionIdle, c.SessionMax)
	}
	return c.validateLog()
}

// validateLog checks the fields of the transparency log and its witnesses.
func (c *Config) validateLog() error {
	if c.WitnessTimeout < 0 {
		return fmt.Errorf("witness_timeout: %v is negative", time.Duration(c.WitnessTimeout))
	}
	if c.CheckpointInterval < Duration(MinCheckpointInterval) {
		return fmt.Errorf("checkpoint_interval: %v is below the minimum %v", time.Duration(c.CheckpointInterval), MinCheckpointInterval)
	}
	n := len(c.Witnesses)
	switch {
	case c.WitnessQuorum < 0:
		return fmt.Errorf("witness_quorum: %d is negative; 0 means all the witnesses", c.WitnessQuorum)
	case c.WitnessQuorum > n:
		return fmt.Errorf("witness_quorum: %d, but there are only %s", c.WitnessQuorum, parley.Plural(n, "witness"))
	case c.WitnessFailOpen && n == 0:
		return errors.New("witness_fail_open: set, but there are no witnesses")
	}
	names, urls := map[string]bool{}, map[string]bool{}
	for i, w := range c.Witnesses {
		where := fmt.Sprintf("witnesses[%d]", i)
		if w.Name == "" {
			return fmt.Errorf("%s: name is empty", where)
		}
		where += fmt.Sprintf(" (%s)", w.Name)
		if names[w.Name] {
			return fmt.Errorf("%s: the name appears twice", where)
		}
		names[w.Name] = true
		if w.Key == "" {
			return fmt.Errorf("%s: key is empty; give the witness's cosignature key", where)
		}
		if _, err := f_note.NewVerifierForCosignatureV1(w.Key); err != nil {
			return fmt.Errorf("%s: key %q is not a witness's verifier key: %v", where, w.Key, err)
		}
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s: url %q is not an absolute http(s) URL such as \"https://witness.example\"", where, w.URL)
		}
		if u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(w.URL, " \t#") {
			return fmt.Errorf("%s: url %q has a query, a fragment or a space", where, w.URL)
		}
		if urls[w.URL] {
			return fmt.Errorf("%s: url %q appears twice", where, w.URL)
		}
		urls[w.URL] = true
	}
	return nil
}

// SQLitePath is where the SQLite database of c lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, SQLiteFile) }

// LogPath is the transparency log's directory, DataDir/log.
func (c *Config) LogPath() string { return filepath.Join(c.DataDir, LogDir) }

// LogKeyPath is the log's private key file: LogKeyFile, or its default
// DataDir/log.key. The public key is in LogKeyPath() + ".pub".
func (c *Config) LogKeyPath() string {
	if c.LogKeyFile != "" {
		return c.LogKeyFile
	}
	return filepath.Join(c.DataDir, DefaultLogKeyFile)
}

// LoadConfig reads the config file at path, strictly: a field it does not
// know is an error rather than silently ignored, because a misspelt
// "secure_cookies" would otherwise leave cookies insecure without a word.
// It returns the config with defaults set and validated; every error names
// the file.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("couldn't read config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"data_dir", &cfg.DataDir}, {"log_key_file", &cfg.LogKeyFile}} {
		if *f.v != "" && !filepath.IsAbs(*f.v) {
			abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), *f.v))
			if err != nil {
				return Config{}, fmt.Errorf("config %s: %s: %w", path, f.name, err)
			}
			*f.v = abs
		}
	}
	return cfg, nil
}

// ParseConfig decodes a config file's contents strictly, sets the defaults
// and validates the result. Relative paths are left as they are.
func ParseConfig(data []byte) (Config, error) {
	// Decode the keys first to check them exactly: encoding/json would
	// match "Addr" or "ADDR" to addr, case-insensitively, and name only
	// the first unknown field without the ones it might have meant.
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&fields); err != nil {
		return Config{}, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, fmt.Errorf("line %d: data after the config object", lineOf(data, dec.InputOffset()))
	}
	if fields == nil {
		return Config{}, errors.New("want a JSON object, got null")
	}
	known := configFields()
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		if near := nearest(unknown[0], known); near != "" {
			return Config{}, fmt.Errorf("unknown field %q; did you mean %q?", unknown[0], near)
		}
		return Config{}, fmt.Errorf("unknown field %q (the fields are %s)", unknown[0], strings.Join(known, ", "))
	}
	var cfg Config
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		// Only a witness entry can hold an unknown field here: the
		// top-level keys were checked above.
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return Config{}, fmt.Errorf("witnesses: unknown field %s in a witness (the fields are name, key, url)", f)
		}
		return Config{}, jsonError(data, err)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// configFields lists the JSON names of Config's fields, in order.
func configFields() []string {
	t := reflect.TypeFor[Config]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// nearest returns the name in names closest to s, if it is close enough
// to be a likely typo (or a different case), else "".
func nearest(s string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// jsonError turns a decoding error into one an operator can act on: a line
// number instead of a byte offset, and the field as the file spells it.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: not valid JSON: %s", lineOf(data, syn.Offset), strings.TrimPrefix(syn.Error(), "json: "))
	case errors.Is(err, io.EOF):
		return errors.New("empty file; want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the JSON ends too soon")
	case errors.As(err, &typ):
		want := "a JSON " + jsonKind(typ.Type)
		if typ.Type == reflect.TypeFor[Duration]() {
			want = `a duration such as "30s" or "1m30s"`
		}
		where := ""
		if typ.Offset > 0 {
			where = fmt.Sprintf("line %d: ", lineOf(data, typ.Offset))
		}
		if typ.Field == "" {
			return fmt.Errorf("%swant a JSON object, got %s", where, typ.Value)
		}
		return fmt.Errorf("%s%s: want %s, got %s", where, typ.Field, want, typ.Value)
	}
	return err
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean (true or false)"
	case reflect.Int, reflect.Int64:
		return "whole number"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice:
		return "array"
	}
	return t.String()
}

// lineOf returns the 1-based line of the byte at offset.
func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Duration is a time.Duration written in JSON as a Go duration string,
// "30s" or "1m30s", rather than as a count of nanoseconds.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	err := json.Unmarshal(b, &s)
	if err == nil {
		var v time.Duration
		if v, err = time.ParseDuration(s); err == nil {
			*d = Duration(v)
			return nil
		}
	}
	// An UnmarshalTypeError, so that encoding/json adds the field's name.
	return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[Duration]()}
}

// String formats d as a Go duration.
func (d Duration) String() string { return time.Duration(d).String() }

//go:embed config.go
var configSource string

// ConfigDoc returns the documentation of Config and of Witness: their
// declarations with the field comments, taken from this file's source so
// that they cannot drift from the code. `parley help config` prints it.
func ConfigDoc() string {
	decl := func(comment string) string {
		start := strings.Index(configSource, comment)
		if start < 0 {
			return ""
		}
		end := strings.Index(configSource[start:], "\n}\n")
		if end < 0 {
			return ""
		}
		return configSource[start : start+end+3]
	}
	config, witness := decl("// Config is the configuration"), decl("// Witness is one party's witness")
	if config == "" || witness == "" {
		return "see go doc github.com/parley-project/parley/server.Config\n"
	}
	return config + "\n" + witness + fmt.Sprintf(`
Durations are Go duration strings ("500ms", "30s", "1m30s"). The defaults:
addr %q, store %q, log_level %q, log_format %q,
read_header_timeout %q, read_timeout %q, write_timeout %q,
idle_timeout %q, shutdown_timeout %q, max_header_bytes %d,
session_idle %q, session_max %q,
log_key_file DATA_DIR/%s, witnesses none, witness_quorum 0 (all),
witness_timeout %q, witness_fail_open false, checkpoint_interval %q.
`, DefaultAddr, DefaultStore, DefaultLogLevel, DefaultLogFormat,
		DefaultReadHeaderTimeout, DefaultReadTimeout, DefaultWriteTimeout, DefaultIdleTimeout,
		DefaultShutdownTimeout, DefaultMaxHeaderBytes, DefaultSessionIdle, DefaultSessionMax, DefaultLogKeyFile,
		DefaultWitnessTimeout, DefaultCheckpointInterval)
}
