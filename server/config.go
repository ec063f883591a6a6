package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
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
//	  "data_dir": "/var/lib/parley"
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
	// SQLite database (DataDir/parley.db) and, once it lands, the
	// transparency log. Required with "sqlite"; optional with "postgres"
	// for now. A relative path is taken relative to the directory of the
	// config file, not to the working directory, so that the server finds
	// the same data whoever starts it from wherever.
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
	// closes their connections. Default "30s"; keep it below the process
	// manager's own kill timeout (systemd's TimeoutStopSec, Kubernetes'
	// terminationGracePeriodSeconds).
	ShutdownTimeout Duration `json:"shutdown_timeout,omitempty"`

	// MaxHeaderBytes caps the size of a request's headers. Default 65536;
	// parley's own cookies and tokens need far less.
	MaxHeaderBytes int `json:"max_header_bytes,omitempty"`
}

// The defaults, named once so that the docs above, SetDefaults and the
// tests agree.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultStore             = StoreSQLite
	DefaultLogLevel          = "info"
	DefaultLogFormat         = "text"
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

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
	return nil
}

// SQLitePath is where the SQLite database of c lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, SQLiteFile) }

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
	if cfg.DataDir != "" && !filepath.IsAbs(cfg.DataDir) {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(path), cfg.DataDir))
		if err != nil {
			return Config{}, fmt.Errorf("config %s: data_dir: %w", path, err)
		}
		cfg.DataDir = abs
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

// ConfigDoc returns the documentation of Config: its declaration with the
// field comments, taken from this file's source so that it cannot drift
// from the code. `parley help config` prints it.
func ConfigDoc() string {
	start := strings.Index(configSource, "// Config is the configuration")
	end := strings.Index(configSource, "\n}\n")
	if start < 0 || end < start {
		return "see go doc github.com/parley-project/parley/server.Config\n"
	}
	return configSource[start:end+3] + fmt.Sprintf(`
Durations are Go duration strings ("500ms", "30s", "1m30s"). The defaults:
addr %q, store %q, log_level %q, log_format %q, read_header_timeout %q,
read_timeout %q, write_timeout %q, idle_timeout %q, shutdown_timeout %q,
max_header_bytes %d.
`, DefaultAddr, DefaultStore, DefaultLogLevel, DefaultLogFormat,
		DefaultReadHeaderTimeout, DefaultReadTimeout, DefaultWriteTimeout, DefaultIdleTimeout,
		DefaultShutdownTimeout, DefaultMaxHeaderBytes)
}
