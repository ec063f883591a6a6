package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/record"
)

// reportBody is a monitoring report (a batched kind) with source
// reference ref, or another weapon class when weapon is set.
func reportBody(ref, weapon string) []byte {
	lat, lon := 47.51, 34.58
	b, _ := json.Marshal(monitor.Report{SourceType: monitor.SourcePatrol, SourceName: "Patrol 7", OccurredAt: "2026-02-01T03:10:00+02:00",
		TimePrecision: "hour", PlaceName: "Near the plant", PlacePrecision: "settlement", Lat: &lat, Lon: &lon,
		WeaponClass: weapon, WeaponCount: 2, TargetClass: "energy", SourceRef: ref})
	return b
}

// writeBatch commits the reports as one bulk write of the monitor and
// returns their receipts and errors.
func writeBatch(t *testing.T, in *install, bodies ...[]byte) ([]app.Written, []error) {
	t.Helper()
	return in.svc.CreateMany(context.Background(), in.principal("us-monitor"), monitor.KindReport, bodies)
}

// TestBatchedWrites: a bulk write of a batched kind commits its items
// under one batch record and one leaf; an item is refused alone, seeing
// the items before it in its batch; each item is proved alone, by a proof
// that fails for any other bytes or place; and the audit finds the
// installation clean.
func TestBatchedWrites(t *testing.T) {
	in := newInstall(t)
	in.start(true)
	in.loadScenario()
	leavesBefore := in.integratedSize()
	ws, errs := writeBatch(t, in, reportBody("r-1", "artillery"), reportBody("r-2", "no-such-weapon"), reportBody("r-3", "artillery"),
		reportBody("r-1", "artillery"), reportBody("r-4", "missile"))
	for i, want := range []string{"", "weapon_class", "", "r-1", ""} {
		if (errs[i] == nil) != (want == "") || (errs[i] != nil && !strings.Contains(errs[i].Error(), want)) {
			t.Errorf("item %d: err %v, want one naming %q", i, errs[i], want)
		}
	}
	batch := ws[0].Receipt.Batch
	if batch == "" || ws[0].Receipt.LeafIndex == nil {
		t.Fatalf("receipt %+v: want its batch and the batch's leaf", ws[0].Receipt)
	}
	for _, i := range []int{2, 4} {
		if r := ws[i].Receipt; r.Batch != batch || r.LeafIndex == nil || *r.LeafIndex != *ws[0].Receipt.LeafIndex {
			t.Errorf("item %d: receipt %+v, want batch %s at leaf %d", i, r, batch, *ws[0].Receipt.LeafIndex)
		}
	}
	// The writer was answered once the batch's leaf was durable in the
	// log; its position is stored by the committer's next transaction.
	b := in.record(batch)
	for deadline := time.Now().Add(5 * time.Second); b.LeafIndex != int64(*ws[0].Receipt.LeafIndex) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		b = in.record(batch)
	}
	if b.LeafIndex != int64(*ws[0].Receipt.LeafIndex) {
		t.Errorf("the batch record's stored leaf is %d; the receipt said %d", b.LeafIndex, *ws[0].Receipt.LeafIndex)
	}
	env, body, err := record.BatchOf(b.Canonical)
	if err != nil || body.Size != 3 || body.Kind != monitor.KindReport || env.Author.Principal != in.principal("us-monitor").ID {
		t.Errorf("batch record: %+v %+v %v", env, body, err)
	}
	mediator := in.principal("us-mediator")
	in.awaitPublished()
	for k, i := range []int{0, 2, 4} {
		id := ws[i].Receipt.RecordID
		if r := in.record(id); r.Batch != batch || r.BatchPos != int64(k) || r.LeafIndex != -1 {
			t.Errorf("item %d: stored with batch %q at %d, leaf %d", i, r.Batch, r.BatchPos, r.LeafIndex)
		}
		p := awaitProof(t, in.svc, mediator, id, 5*time.Second)
		if failed := proof.Failed(proof.Verify(p, in.vkey, nil)); len(failed) > 0 {
			t.Errorf("item %d: proof fails %v", i, failed)
		}
		if p.Batch == nil || p.Batch.Place.Index != uint64(k) || p.LeafIndex != uint64(*ws[0].Receipt.LeafIndex) {
			t.Errorf("item %d: proof %+v", i, p.Batch)
		}
		forged := p
		forged.Canonical = []byte(strings.Replace(string(p.Canonical), "Patrol 7", "Patrol 8", 1))
		c := record.Commitment(forged.Salt, forged.Canonical)
		forged.Commitment = fmt.Sprintf("%x", c)
		if failed := proof.Failed(proof.Verify(forged, in.vkey, nil)); len(failed) != 1 || failed[0] != proof.CheckBatch {
			t.Errorf("item %d with other bytes: failed %v, want the batch check alone", i, failed)
		}
		moved := p
		moved.Batch = new(proof.Batch)
		*moved.Batch = *p.Batch
		moved.Batch.Place.Index = uint64((k + 1) % 3)
		if failed := proof.Failed(proof.Verify(moved, in.vkey, nil)); len(failed) != 1 || failed[0] != proof.CheckBatch {
			t.Errorf("item %d at another place: failed %v, want the batch check alone", i, failed)
		}
	}
	if got := in.integratedSize() - leavesBefore; got != 1 {
		t.Errorf("the batch of 3 added %d leaves, want 1", got)
	}
	rep := in.auditClean()
	if rep.Items != 3 {
		t.Errorf("audit counted %d items of batches, want 3", rep.Items)
	}
	// The same file again adds nothing: each item is refused by the one
	// before it in the store.
	_, errs = writeBatch(t, in, reportBody("r-3", "artillery"), reportBody("r-4", "missile"))
	for i, err := range errs {
		if app.ErrorCode(err) != app.CodeInvalid && app.ErrorCode(err) != app.CodeConflict {
			t.Errorf("item %d written again: %v", i, err)
		}
	}
	if got := in.integratedSize() - leavesBefore; got != 1 {
		t.Errorf("a batch of refused items added leaves: %d in all", got)
	}
	// A rebuild projects the items and passes over the batch record.
	if err := in.svc.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	in.auditClean()
}

// installWithBatch returns a stopped installation of the scenario with one
// batch of three reports committed and published, to clone and tamper
// with, and the reports' receipts.
func installWithBatch(t *testing.T) (*install, []app.Written) {
	t.Helper()
	golden := newInstall(t)
	golden.start(true)
	golden.loadScenario()
	ws, errs := writeBatch(t, golden, reportBody("a", "artillery"), reportBody("b", "artillery"), reportBody("c", "missile"))
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	golden.awaitPublished()
	golden.stop()
	return golden, ws
}

// TestAuditFindsBatchTampering: an item of a batch changed (its
// commitment remade), removed, moved to another place, or its batch record
// removed: each is a finding about the batch, though only the batch has a
// leaf.
func TestAuditFindsBatchTampering(t *testing.T) {
	golden, ws := installWithBatch(t)
	batch, second := ws[0].Receipt.Batch, ws[1].Receipt.RecordID
	for _, c := range []struct {
		name    string
		sql     func(db *sql.DB) error
		problem string
		also    []string
	}{
		{"an item changed", func(db *sql.DB) error {
			var canonical, salt []byte
			if err := db.QueryRow("SELECT canonical, salt FROM records WHERE id = ?", second).Scan(&canonical, &salt); err != nil {
				return err
			}
			forged := []byte(strings.Replace(string(canonical), "Patrol 7", "Patrol 9", 1))
			c := record.Commitment(salt, forged)
			_, err := db.Exec("UPDATE records SET canonical = ?, commitment = ? WHERE id = ?", forged, c[:], second)
			return err
		}, "do not make the root", []string{"projection monitor.report/" + second}},
		{"an item removed", func(db *sql.DB) error {
			_, err := db.Exec("DELETE FROM records WHERE id = ?", second)
			return err
		}, "positions are not", []string{"projection monitor.report/" + second, "projection items", "guard records_no_delete"}},
		{"two items swapped", func(db *sql.DB) error {
			for _, move := range [][2]int{{0, 100}, {1, 0}, {100, 1}} {
				if _, err := db.Exec("UPDATE records SET batch_pos = ? WHERE batch = ? AND batch_pos = ?", move[1], batch, move[0]); err != nil {
					return err
				}
			}
			return nil
		}, "positions are not", nil},
		{"the batch record removed", func(db *sql.DB) error {
			_, err := db.Exec("DELETE FROM records WHERE id = ?", batch)
			return err
		}, "there is no such batch record", []string{"guard records_no_delete", "leaf " + fmt.Sprint(*ws[0].Receipt.LeafIndex)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := golden.clone(t)
			in.start(true)
			in.tamper(func(db *sql.DB) error {
				for _, trigger := range []string{"records_no_update", "records_no_delete"} {
					if _, err := db.Exec("DROP TRIGGER " + trigger); err != nil {
						return err
					}
				}
				return c.sql(db)
			})
			allowed := append([]string{"guard records_no_update", "guard records_no_delete"}, c.also...)
			checkFindings(t, in.audit(), []want{{"batch", batch, c.problem}}, allowed...)
			// Serve's check at start reads the newest records alone, and
			// the batches they are of whole.
			rep, err := audit.RunWith(context.Background(), in.svc, audit.Options{Newest: 1000, NoWitnesses: true})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range rep.Findings {
				found = found || (f.What == "batch" && f.ID == batch)
			}
			if !found {
				t.Errorf("the check of the newest records missed it: %v", rep.Findings)
			}
		})
	}
}

// TestAuditFindsItemRowTampering: SQLite keeps the rows of batch items
// apart from entities (its items and item_fields tables); a row changed,
// removed or forged there, or an item's entity copied into entities, is
// found, and a forged row that no list shows too.
func TestAuditFindsItemRowTampering(t *testing.T) {
	golden, ws := installWithBatch(t)
	second := ws[1].Receipt.RecordID
	key := "monitor.report/" + second
	person := func(db *sql.DB) (id string, seq int64, err error) {
		err = db.QueryRow("SELECT id, created_seq FROM entities WHERE kind = 'talks.person' ORDER BY created_seq LIMIT 1").Scan(&id, &seq)
		return id, seq, err
	}
	for _, c := range []struct {
		name string
		sql  func(db *sql.DB) error
		want want
	}{
		{"an item's time changed", func(db *sql.DB) error {
			_, err := db.Exec("UPDATE items SET at = at + 1 WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", key, "differs from its records"}},
		{"an item's row removed", func(db *sql.DB) error {
			_, err := db.Exec("DELETE FROM items WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", key, "is missing"}},
		{"a field value added", func(db *sql.DB) error {
			_, err := db.Exec(`INSERT INTO item_fields (kind, name, value, created_seq, at)
				SELECT kind, 'source_ref', 'forged', created_seq, at FROM items WHERE created_seq = (SELECT seq FROM records WHERE id = ?)`, second)
			return err
		}, want{"projection", "items", "which the item's row does not hold"}},
		{"a field value removed", func(db *sql.DB) error {
			_, err := db.Exec("DELETE FROM item_fields WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", "items", "which item_fields lacks"}},
		{"a row of items on a record that is no item", func(db *sql.DB) error {
			_, seq, err := person(db)
			if err != nil {
				return err
			}
			_, err = db.Exec("INSERT INTO items (kind, created_seq, status, at) VALUES ('talks.person', ?, 'forged', 0)", seq)
			return err
		}, want{"projection", "items", "which no item record of that kind made"}},
		{"a row of items ahead of its record", func(db *sql.DB) error {
			_, err := db.Exec("INSERT INTO items (kind, created_seq, at) SELECT 'monitor.report', max(seq) + 1, 0 FROM records")
			return err
		}, want{"projection", "items", "which no item record of that kind made"}},
		{"an item copied into entities at another place", func(db *sql.DB) error {
			_, err := db.Exec(`INSERT INTO entities (kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at)
				SELECT e.kind, r.id, e.parent, r.aud_scope, r.aud_party, r.aud_parties, r.id, 1, (SELECT max(seq) + 1 FROM records), r.at, r.at,
					json_set(json_extract(CAST(r.canonical AS TEXT), '$.body'), '$.source_name', 'forged'), e.party, 'forged', e.at
				FROM items e JOIN records r ON r.seq = e.created_seq WHERE r.id = ?`, second)
			return err
		}, want{"projection", "items", "which only items holds"}},
		{"an item's fields made null", func(db *sql.DB) error {
			_, err := db.Exec("PRAGMA ignore_check_constraints = ON; UPDATE items SET fields = 'null' WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", "items", "are not a list of [name, value] pairs"}},
		{"an item's fields made a number", func(db *sql.DB) error {
			_, err := db.Exec(`PRAGMA ignore_check_constraints = ON; UPDATE items SET fields = '[["source_ref",1]]' WHERE created_seq = (SELECT seq FROM records WHERE id = ?)`, second)
			return err
		}, want{"projection", "items", "are not a list of [name, value] pairs"}},
		{"an item's fields made garbage", func(db *sql.DB) error {
			_, err := db.Exec("PRAGMA ignore_check_constraints = ON; UPDATE items SET fields = 'garbage' WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", "items", "are not a list of [name, value] pairs"}},
		{"an item copied into entities, its row changed", func(db *sql.DB) error {
			_, err := db.Exec(`INSERT INTO entities (kind, id, parent, aud_scope, aud_party, aud_parties, record_id, version, created_seq, created, updated, body, party, status, at)
				SELECT e.kind, r.id, e.parent, r.aud_scope, r.aud_party, r.aud_parties, r.id, 1, e.created_seq, r.at, r.at, json_extract(CAST(r.canonical AS TEXT), '$.body'), e.party, e.status, e.at
				FROM items e JOIN records r ON r.seq = e.created_seq WHERE r.id = ?`, second)
			if err != nil {
				return err
			}
			_, err = db.Exec("UPDATE items SET status = 'forged' WHERE created_seq = (SELECT seq FROM records WHERE id = ?)", second)
			return err
		}, want{"projection", key, "is held by two rows"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := golden.clone(t)
			in.start(true)
			in.tamper(c.sql)
			// A row of items changed or removed leaves its field values
			// apart from it too.
			// Fields that cannot be read fail the kind's list too.
			checkFindings(t, in.audit(), []want{c.want}, c.want.what+" "+c.want.id, "projection items", "projection monitor.report", "projection "+key)
		})
	}
}
