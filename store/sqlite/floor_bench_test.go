package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkReportRowsFloor measures what SQLite alone costs to store
// monitoring reports the way the kernel projects them, without any of
// parley's other work: 50,000 reports in transactions of 1,000, one
// record a transaction (as a batch record would be), each report a row of
// entities and a row of entity_fields for each of n filterable fields, all
// in multi-row inserts; and, for comparison, the four fields as indexed
// columns of the entity row. It is the ceiling of the ingest on this
// store (docs/monitoring.md):
//
//	go test ./store/sqlite -run '^$' -bench ReportRowsFloor -benchtime 1x
func BenchmarkReportRowsFloor(b *testing.B) {
	for _, c := range []struct {
		name    string
		fields  int
		columns bool
	}{{"entity", 0, false}, {"entity+1-field", 1, false}, {"entity+4-fields", 4, false}, {"4-fields-as-columns", 0, true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s, err := Open(b.Context(), filepath.Join(b.TempDir(), "floor.db"), true)
				if err != nil {
					b.Fatal(err)
				}
				if c.columns {
					for _, q := range []string{"ALTER TABLE entities ADD COLUMN f1 TEXT NOT NULL DEFAULT ''", "ALTER TABLE entities ADD COLUMN f2 TEXT NOT NULL DEFAULT ''",
						"ALTER TABLE entities ADD COLUMN f3 TEXT NOT NULL DEFAULT ''", "ALTER TABLE entities ADD COLUMN f4 TEXT NOT NULL DEFAULT ''",
						"CREATE INDEX e1 ON entities (kind, f1, created_seq)", "CREATE INDEX e2 ON entities (kind, f2, created_seq)",
						"CREATE INDEX e3 ON entities (kind, f3, created_seq)", "CREATE INDEX e4 ON entities (kind, f4, created_seq)"} {
						if _, err := s.w.Exec(q); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.StartTimer()
				start := time.Now()
				const n, per = 50000, 1000
				for batch := range n / per {
					if err := floorBatch(s, batch, per, c.fields, c.columns); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(n/time.Since(start).Seconds(), "reports/s")
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
		})
	}
}

const floorBody = `{"source_type":"party","source_name":"Ministry of Defence","source_party":"a","source_ref":"REF","occurred_at":"2026-02-01T03:10:00Z","time_precision":"exact","lat":47.51234,"lon":35.12345,"place_precision":"coordinates","place_name":"Near the line","weapon_class":"attack-drone","weapon_count":12,"target_class":"energy","casualties":[{"kind":"wounded","group":"civilian","low":3,"high":3}],"narrative":"Generated report.","zones":["z1","z2"],"region":"r1"}`

// floorBatch writes one transaction of per reports, the batch-th.
func floorBatch(s *Store, batch, per, fields int, columns bool) error {
	tx, err := s.w.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rid := fmt.Sprintf("batch-%09d", batch)
	if _, err := tx.Exec("INSERT INTO records (id, kind, subject, at, author_principal, author_party, aud_scope, canonical, salt, commitment) VALUES (?,?,?,?,?,?,?,?,?,?)",
		rid, "batch", rid, int64(batch), "p", "m", "public", []byte(strings.Repeat(floorBody, per)), []byte("salt"), []byte("commitment")); err != nil {
		return err
	}
	values := func(k int) []string {
		return []string{fmt.Sprintf("source-%d-%x", k%5, k*104729%1000003), "energy", "party", "a"}
	}
	id := func(k int) string { return fmt.Sprintf("0199%08x-aaaa-bbbb-cccc-%012d", k*7919%100000007, k) }
	cols := "kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at"
	if columns {
		cols += ", f1, f2, f3, f4"
	}
	ncols := strings.Count(cols, ",") + 1
	tuple := "(" + strings.Repeat("?,", ncols-1) + "?)"
	for from := 0; from < per; from += 500 {
		var args []any
		for k := batch*per + from; k < batch*per+from+500; k++ {
			args = append(args, "monitor.report", id(k), "", "public", "", "", rid, 1, k, int64(k), int64(k), floorBody, "a", "attack-drone", int64(k)*1000)
			if columns {
				for _, v := range values(k) {
					args = append(args, v)
				}
			}
		}
		if _, err := tx.Exec("INSERT INTO entities ("+cols+") VALUES "+strings.Repeat(tuple+",", 499)+tuple, args...); err != nil {
			return err
		}
	}
	if fields > 0 {
		names := []string{"source_ref", "target_class", "source_type", "source_party"}[:fields]
		for from := 0; from < per; from += 250 {
			var args []any
			for k := batch*per + from; k < batch*per+from+250; k++ {
				for j, name := range names {
					args = append(args, "monitor.report", id(k), name, values(k)[j], k, int64(k)*1000)
				}
			}
			tuple := "(?,?,?,?,?,?)"
			if _, err := tx.Exec("INSERT INTO entity_fields (kind, id, name, value, created_seq, at) VALUES "+strings.Repeat(tuple+",", 250*fields-1)+tuple, args...); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
