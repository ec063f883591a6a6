package reconstruction

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parley-project/parley"
	"github.com/parley-project/parley/record"
)

// The records of each project as the open-data exports read them: every
// tender, contract, milestone and payment, and every commitment and
// disbursement naming a project, filed under the seq of the project's
// first record. An export reads a page of projects' records in one range
// of that index, instead of a query per project and kind: at a hundred
// thousand projects, the difference between seconds and a minute. The
// rows hold public records only (open data is what the public reads), and
// are, like every projection, a function of the records.

// exportSchema is the same in both dialects but for how a table keeps its
// rows: SQLite keeps the records' in the order of their key (WITHOUT
// ROWID), so that a page of projects is one sequential read.
const exportSchema = `
CREATE TABLE reconstruction_export_projects (project_id TEXT PRIMARY KEY, seq BIGINT NOT NULL);
CREATE TABLE reconstruction_export_records (
	project_seq BIGINT NOT NULL,
	kind TEXT NOT NULL,
	first_seq BIGINT NOT NULL,
	id TEXT NOT NULL UNIQUE,
	changed TEXT NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (project_seq, kind, first_seq)
)`

var exportSchemas = map[string][]string{"sqlite": {exportSchema + " WITHOUT ROWID;"}, "postgres": {exportSchema + ";"}}

// exportProjection is the projection of the export rows.
var exportProjection = parley.Projection{
	Name:       "reconstruction_export",
	Tables:     []string{"reconstruction_export_projects", "reconstruction_export_records"},
	Migrations: exportSchemas,
	Kinds:      []string{KindProject, KindTender, KindContract, KindMilestone, KindPayment, KindFlow},
	Apply:      applyExport,
}

// ExportRow is one record of a project as the exports read it: the
// project's seq, the record's kind and id, when it last changed, and its
// body as committed.
type ExportRow struct {
	ProjectSeq int64
	Kind, ID   string
	Changed    time.Time
	Body       json.RawMessage
}

// ExportRowsQuery reads the export rows of the projects whose first
// records' seqs are in [$1, $2], in the order of their projects, then
// kinds, then creation.
const ExportRowsQuery = `SELECT project_seq, kind, id, changed, body FROM reconstruction_export_records
	WHERE project_seq >= $1 AND project_seq <= $2 ORDER BY project_seq, kind, first_seq`

func applyExport(ctx context.Context, tx parley.ProjectionTx, r parley.Record) error {
	if r.Audience.Scope != record.Public {
		return nil
	}
	var project string
	switch e := r.Entity.(type) {
	case *Project:
		return tx.Exec(ctx, "INSERT INTO reconstruction_export_projects (project_id, seq) VALUES ($1, $2) ON CONFLICT (project_id) DO NOTHING", r.Subject, r.Seq)
	case *Tender:
		project = e.ProjectID
	case *Contract:
		project = e.ProjectID
	case *Milestone:
		project = e.ProjectID
	case *Payment:
		project = e.ProjectID
	case *Flow:
		if e.Stage == Pledge {
			return nil
		}
		project = e.ProjectID
	}
	if project == "" {
		return nil
	}
	var seq int64
	if found, err := tx.QueryRow(ctx, "SELECT seq FROM reconstruction_export_projects WHERE project_id = $1", []any{project}, &seq); err != nil || !found {
		return err
	}
	body, err := json.Marshal(r.Entity)
	if err != nil {
		return err
	}
	return tx.Exec(ctx, `INSERT INTO reconstruction_export_records (id, project_seq, kind, first_seq, changed, body) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET changed = $5, body = $6`, r.Subject, seq, r.Kind, r.Seq, r.At.UTC().Format(time.RFC3339Nano), string(body))
}
