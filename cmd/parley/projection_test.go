package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	kernel "github.com/parley-project/parley"
	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/record"
)

// marks is a domain of this test's own with a table of its own: the binary
// runs it beside talks while the test swaps it into plugins. version is
// how many migrations its projection has: a later build has more.
type marks struct{ version int }

type mark struct {
	Text string `json:"text"`
}

func (*mark) Normalize()                     {}
func (*mark) References() []kernel.Reference { return nil }
func (*mark) Validate(kernel.Resolved) error { return nil }
func (marks) Name() string                   { return "marks" }
func (marks) Roles() []access.Role           { return nil }
func (marks) Kinds() []kernel.Kind {
	return []kernel.Kind{{Name: "marks.mark", Collection: "marks", Title: "mark", New: func() kernel.Entity { return new(mark) },
		Fields: []kernel.Field{{Name: "text", Type: kernel.String}}, DefaultAudience: record.Audience{Scope: record.Public},
		WriteRoles: []access.Role{access.RoleMediator}}}
}

func (d marks) Projections() []kernel.Projection {
	p := kernel.Projection{Name: "marks", Tables: []string{"marks_texts"}, Kinds: []string{"marks.mark"},
		Migrations: map[string][]string{
			"sqlite":   {"CREATE TABLE marks_texts (id TEXT PRIMARY KEY, text TEXT NOT NULL) STRICT"},
			"postgres": {"CREATE TABLE marks_texts (id text PRIMARY KEY, text text NOT NULL)"},
		},
		Apply: func(ctx context.Context, tx kernel.ProjectionTx, r kernel.Record) error {
			return tx.Exec(ctx, `INSERT INTO marks_texts (id, text) VALUES ($1, $2)
				ON CONFLICT (id) DO UPDATE SET text = excluded.text`, r.Subject, r.Entity.(*mark).Text)
		},
	}
	for v := 1; v < d.version; v++ {
		for _, dialect := range []string{"sqlite", "postgres"} {
			p.Migrations[dialect] = append(p.Migrations[dialect], "CREATE INDEX marks_texts_text"+string(rune('0'+v))+" ON marks_texts (text)")
		}
	}
	return []kernel.Projection{p}
}

// withMarks makes the binary run the marks domain, at a version, beside
// its own until the test ends.
func withMarks(t *testing.T, version int) {
	t.Helper()
	saved := plugins
	var ps []plugin
	for _, p := range saved {
		if _, ok := p.domain.(marks); !ok {
			ps = append(ps, p)
		}
	}
	plugins = append(ps, plugin{domain: marks{version: version}})
	t.Cleanup(func() { plugins = saved })
}

// TestProjectionSchema: init creates a domain's own tables; a build whose
// domain has a newer migration refuses the database (serve, audit,
// rebuild) and points to parley migrate, which migrates and rebuilds; an
// older build refuses it as newer than it knows.
func TestProjectionSchema(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "parley.json")
	t.Setenv(adminPasswordEnv, "correct horse battery")
	withMarks(t, 1)
	code, stdout, stderr := parley(t, "init", "--config", config, "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data"),
		"--party-id", "us", "--party-name", "United States", "--admin", "admin")
	if code != exitOK {
		t.Fatalf("init = %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := parley(t, "migrate", "--config", config); code != exitOK || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("migrate after init = %d %q, want nothing to do: init creates the domains' tables", code, stdout)
	}

	// The next build's marks projection has a second migration.
	withMarks(t, 2)
	for _, cmd := range []string{"serve", "audit", "rebuild"} {
		code, _, stderr := parley(t, cmd, "--config", config)
		if code != exitError || !strings.Contains(stderr, `projection "marks"`) || !strings.Contains(stderr, "parley migrate") {
			t.Errorf("%s on an out-of-date projection = %d %q, want a refusal pointing to parley migrate", cmd, code, stderr)
		}
	}
	code, stdout, stderr = parley(t, "migrate", "--config", config)
	if code != exitOK || !strings.Contains(stdout, "migrated the domains' projections") || strings.Contains(stdout, "schema version 5") ||
		!strings.Contains(stdout, "rebuilt the projections") || !strings.Contains(stderr, "migrated a projection") {
		t.Errorf("migrate of the projection = %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := parley(t, "migrate", "--config", config); code != exitOK || !strings.Contains(stdout, "nothing to do") {
		t.Errorf("migrate again = %d %q", code, stdout)
	}
	tables := 0
	for _, p := range registry().Projections() {
		tables += len(p.Tables)
	}
	code, stdout, stderr = parley(t, "audit", "--config", config)
	if code != exitOK || !strings.Contains(stdout, fmt.Sprintf("%d domain tables", tables)) || !strings.Contains(stdout, "no problems found") {
		t.Errorf("audit after migrating = %d\n%s%s", code, stdout, stderr)
	}

	// The build before refuses the newer projection.
	withMarks(t, 1)
	for _, cmd := range []string{"serve", "migrate"} {
		code, _, stderr := parley(t, cmd, "--config", config)
		if code != exitError || !strings.Contains(stderr, `projection "marks"`) || !strings.Contains(stderr, "older than the database") {
			t.Errorf("%s by an older build = %d %q, want a refusal", cmd, code, stderr)
		}
	}
}
