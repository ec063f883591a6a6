package postgres

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// TestCheckGuards drops, disables or defeats each guard of the records the
// way someone holding the database could, and expects CheckGuards to name
// it, and to leave the records as they were while it tries the trigger.
func TestCheckGuards(t *testing.T) {
	baseConn(t)
	for _, c := range []struct {
		what, guard, problem string
		sql                  []string
	}{
		{"row trigger dropped", guardAppendOnly, "missing", []string{"DROP TRIGGER records_append_only ON records"}},
		{"truncate trigger dropped", guardNoTruncate, "missing", []string{"DROP TRIGGER records_no_truncate ON records"}},
		{"row trigger disabled", guardAppendOnly, "disabled", []string{"ALTER TABLE records DISABLE TRIGGER records_append_only"}},
		{"truncate trigger disabled", guardNoTruncate, "disabled", []string{"ALTER TABLE records DISABLE TRIGGER records_no_truncate"}},
		{"row trigger's function made harmless", guardAppendOnly, "no longer refuses", []string{
			`CREATE OR REPLACE FUNCTION parley_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
				RETURN NEW;
			END;
			$$`,
		}},
		{"unique leaf index dropped", "records_leaf_index", "missing", []string{"DROP INDEX records_leaf_index"}},
		{"unique leaf index made plain", "records_leaf_index", "no longer unique", []string{
			"DROP INDEX records_leaf_index",
			"CREATE INDEX records_leaf_index ON records (leaf_index)",
		}},
		{"decision chain index dropped", "records_chain", "missing", []string{"DROP INDEX records_chain"}},
		{"decision chain index made to apply to nothing", "records_chain", "applies where", []string{
			"DROP INDEX records_chain",
			"CREATE UNIQUE INDEX records_chain ON records (chain, supersedes) WHERE chain IS NOT NULL AND length(chain) < 0",
		}},
		{"leaf index made to apply to nothing", "records_leaf_index", "applies where", []string{
			"DROP INDEX records_leaf_index",
			"CREATE UNIQUE INDEX records_leaf_index ON records (leaf_index) WHERE leaf_index < 0",
		}},
		{"decision chain index on chain alone", "records_chain", "not on chain,supersedes", []string{
			"DROP INDEX records_chain",
			"CREATE UNIQUE INDEX records_chain ON records (chain)",
		}},
		{"row trigger's function of schema 9, blind to batches", guardAppendOnly, "an item of a batch", []string{
			`CREATE OR REPLACE FUNCTION parley_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP = 'UPDATE' AND OLD.leaf_index IS NULL AND NEW.kind IS NOT DISTINCT FROM OLD.kind THEN RETURN NEW; END IF;
				RAISE EXCEPTION 'records are append-only' USING ERRCODE = 'restrict_violation';
			END;
			$$`,
		}},
	} {
		t.Run(c.what, func(t *testing.T) {
			ctx := t.Context()
			s := openFresh(t)
			r := store.Record{ID: record.NewID(), Kind: "note", At: time.Now(), Audience: record.Audience{Scope: record.Public},
				Canonical: []byte(`{"v":1}`), Salt: []byte{1}, Commitment: []byte{2}, LeafIndex: -1}
			item := store.Record{ID: record.NewID(), Kind: "note", At: time.Now(), Audience: record.Audience{Scope: record.Public},
				Canonical: []byte(`{"v":1}`), Salt: []byte{1}, Commitment: []byte{3}, Batch: r.ID}
			err := s.Write(ctx, func(tx store.Tx) error {
				if err := tx.AppendRecord(ctx, &r); err != nil {
					return err
				}
				if err := tx.AppendRecord(ctx, &item); err != nil {
					return err
				}
				return tx.SetLeafIndex(ctx, r.ID, 0)
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range c.sql {
				if _, err := s.w.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			before, err := s.Records(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			faults, err := s.CheckGuards(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The function made harmless: both probes get through, and
			// each is named.
			if len(faults) == 0 || faults[0].Guard != c.guard || !strings.Contains(faults[0].Problem, c.problem) {
				t.Errorf("CheckGuards = %+v, want a fault of %s (%q)", faults, c.guard, c.problem)
			}
			for _, f := range faults {
				if f.Guard != c.guard {
					t.Errorf("CheckGuards also found %+v", f)
				}
			}
			after, err := s.Records(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("CheckGuards changed the records without their guard:\n got %+v\nwant %+v", after, before)
			}
		})
	}
}
