package server

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parley.json")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigDefaults(t *testing.T) {
	path := writeConfig(t, `{"data_dir": "data", "shutdown_timeout": "5s"}`)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr:               DefaultAddr,
		Store:              StoreSQLite,
		DataDir:            filepath.Join(filepath.Dir(path), "data"),
		LogLevel:           "info",
		LogFormat:          "text",
		ReadHeaderTimeout:  Duration(10 * time.Second),
		ReadTimeout:        Duration(30 * time.Second),
		WriteTimeout:       Duration(60 * time.Second),
		IdleTimeout:        Duration(120 * time.Second),
		ShutdownTimeout:    Duration(5 * time.Second),
		MaxHeaderBytes:     64 << 10,
		SessionIdle:        Duration(30 * time.Minute),
		SessionMax:         Duration(12 * time.Hour),
		WitnessTimeout:     Duration(5 * time.Second),
		CheckpointInterval: Duration(500 * time.Millisecond),
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig =\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"unknown field", `{"data_dir": "d", "secure_cookie": true}`,
			[]string{`unknown field "secure_cookie"; did you mean "secure_cookies"?`}},
		{"unknown field, no near one", `{"data_dir": "d", "tls_cert": "x.pem"}`,
			[]string{`unknown field "tls_cert" (the fields are addr, store, data_dir,`}},
		{"wrong case", `{"Data_Dir": "d"}`, []string{`unknown field "Data_Dir"; did you mean "data_dir"?`}},
		{"bad store", `{"store": "mysql", "data_dir": "d"}`,
			[]string{`store: "mysql" is not a store`, `"sqlite" or "postgres"`}},
		{"sqlite without data_dir", `{"store": "sqlite"}`, []string{"data_dir: required"}},
		{"postgres without connection", `{"store": "postgres"}`, []string{"postgres: required"}},
		{"bad duration", "{\n\"data_dir\": \"d\",\n\"read_timeout\": \"soon\"}",
			[]string{`read_timeout: want a duration such as "30s"`, `got "soon"`}},
		{"duration as number", `{"data_dir": "d", "idle_timeout": 30}`,
			[]string{`idle_timeout: want a duration`}},
		{"wrong type", "{\n\"data_dir\": \"d\",\n\"secure_cookies\": \"yes\"}",
			[]string{"line 3: secure_cookies: want a JSON boolean", `got string`}},
		{"syntax", "{\n\"data_dir\": \"d\",\n}", []string{"line 3: not valid JSON"}},
		{"not an object", `["data_dir"]`, []string{"want a JSON object, got array"}},
		{"empty", ``, []string{"empty file"}},
		{"trailing", `{"data_dir": "d"} {}`, []string{"data after the config object"}},
		{"bad addr", `{"data_dir": "d", "addr": "8080"}`, []string{`addr: "8080" is not a host:port`}},
		{"bad level", `{"data_dir": "d", "log_level": "loud"}`, []string{`log_level: "loud"`}},
		{"negative", `{"data_dir": "d", "shutdown_timeout": "-1s"}`, []string{"shutdown_timeout: -1s is negative"}},
		{"session_idle negative", `{"data_dir": "d", "session_idle": "-30m"}`, []string{"session_idle: -30m0s is below the minimum 1m0s"}},
		{"session_idle too short", `{"data_dir": "d", "session_idle": "10s"}`, []string{"session_idle: 10s is below the minimum 1m0s"}},
		{"session_max too short", `{"data_dir": "d", "session_idle": "1m", "session_max": "30s"}`, []string{"session_max: 30s is below the minimum 1m0s"}},
		{"session_idle past session_max", `{"data_dir": "d", "session_idle": "2h", "session_max": "1h"}`,
			[]string{"session_idle: 2h0m0s is longer than session_max 1h0m0s"}},
		{"session_idle not a duration", `{"data_dir": "d", "session_idle": 30}`, []string{"session_idle: want a duration"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.text)
			_, err := LoadConfig(path)
			if err == nil {
				t.Fatalf("LoadConfig(%s) succeeded", tc.text)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config "+path+": ") {
				t.Errorf("error %q does not name the file", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
		})
	}
}

func TestLoadConfigMissing(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "none.json"))
	if err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("LoadConfig of a missing file = %v", err)
	}
}

func TestConfigDoc(t *testing.T) {
	doc := ConfigDoc()
	for _, f := range configFields() {
		if !strings.Contains(doc, `json:"`+f) {
			t.Errorf("ConfigDoc lacks field %s", f)
		}
	}
	if !strings.HasPrefix(doc, "// Config is") || !strings.Contains(doc, "shutdown_timeout \"30s\"") {
		t.Errorf("ConfigDoc =\n%s", doc)
	}
}

func TestPostgresTarget(t *testing.T) {
	for conn, want := range map[string]string{
		"postgres://parley:secret@db.example:5432/parley?sslmode=verify-full": " db.example:5432/parley",
		"host=db.example dbname=parley password=secret":                       " db.example/parley",
		"": "",
	} {
		if got := postgresTarget(conn); got != want || strings.Contains(got, "secret") {
			t.Errorf("postgresTarget(%q) = %q, want %q", conn, got, want)
		}
	}
}
