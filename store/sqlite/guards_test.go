package sqlite

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/record"
	"github.com/parley-project/parley/store"
)

// TestCheckGuards drops, or defeats, each guard of the records the way
// someone holding the file could, and expects CheckGuards to name it, and
// to leave the records as they were while it tries the triggers.
func TestCheckGuards(t *testing.T) {
	for _, c := range []struct {
		what, guard, problem string
		sql                  []string
	}{
		{"delete trigger dropped", guardNoDelete, "missing", []string{"DROP TRIGGER records_no_delete"}},
		{"update trigger dropped", guardNoUpdate, "missing", []string{"DROP TRIGGER records_no_update"}},
		{"update trigger made harmless", guardNoUpdate, "no longer refuses", []string{
			"DROP TRIGGER records_no_update",
			"CREATE TRIGGER records_no_update BEFORE UPDATE ON records WHEN 0 BEGIN SELECT 1; END",
		}},
		{"delete trigger made harmless", guardNoDelete, "no longer refuses", []string{
			"DROP TRIGGER records_no_delete",
			"CREATE TRIGGER records_no_delete BEFORE DELETE ON records WHEN 0 BEGIN SELECT 1; END",
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
		{"update trigger of schema 9, blind to batches", guardNoUpdate, "an item of a batch", []string{
			"DROP TRIGGER records_no_update",
			`CREATE TRIGGER records_no_update BEFORE UPDATE ON records WHEN OLD.leaf_index IS NOT NULL OR NEW.kind IS NOT OLD.kind
				BEGIN SELECT RAISE(ABORT, 'records are append-only'); END`,
		}},
	} {
		t.Run(c.what, func(t *testing.T) {
			ctx := t.Context()
			s := openTemp(t)
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
				if _, err := s.w.ExecContext(ctx, q); err != nil {
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
			if len(faults) != 1 || faults[0].Guard != c.guard || !strings.Contains(faults[0].Problem, c.problem) {
				t.Errorf("CheckGuards = %+v, want one fault of %s (%q)", faults, c.guard, c.problem)
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
