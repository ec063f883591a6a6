package audit_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/ledger"
)

// fakeWitnesses is a log whose witness check reports what it is given.
type fakeWitnesses struct {
	rep ledger.WitnessReport
	err error
}

func (f fakeWitnesses) CheckWitnesses(context.Context) (ledger.WitnessReport, error) {
	return f.rep, f.err
}

// TestWitnesses: each thing the witness check can find becomes a finding
// of its own, named by witness or by checkpoint size, and a clean check
// none. (The checks themselves, against real witnesses and a log rolled
// back, are ledger's and app's tests.)
func TestWitnesses(t *testing.T) {
	ctx := context.Background()
	clean := ledger.WitnessReport{LogSize: 9, PublishedSize: 9, Quorum: 2, Cosigners: []string{"ua", "ru"},
		Witnesses: []ledger.WitnessCheck{{Name: "ua", Size: 9}, {Name: "ru", Size: 8}}}
	fs, n, err := audit.Witnesses(ctx, fakeWitnesses{rep: clean})
	if err != nil || len(fs) != 0 || n != 2 {
		t.Errorf("Witnesses of a clean check = %v, %d, %v; want none, 2 witnesses checked", fs, n, err)
	}

	bad := ledger.WitnessReport{LogSize: 5, PublishedSize: 5, Quorum: 2, Cosigners: []string{"ru"},
		Unwitnessed: "the log's latest published checkpoint (size 5) carries valid cosignatures of 1 of the 2 witnesses it needs",
		Witnesses: []ledger.WitnessCheck{
			{Name: "ua", Size: 25, Conflict: "the log was rolled back or rewritten: witness ua cosigned size 25, the log has 5"},
			{Name: "ru", Unchecked: "witness ru could not be asked for its latest cosigned checkpoint"},
			{Name: "us", Size: 5},
		}}
	fs, n, err = audit.Witnesses(ctx, fakeWitnesses{rep: bad})
	want := []audit.Finding{
		{What: "witness", ID: "ua", Problem: bad.Witnesses[0].Conflict},
		{What: "witness", ID: "ru", Problem: bad.Witnesses[1].Unchecked},
		{What: "checkpoint", ID: "5", Problem: bad.Unwitnessed},
	}
	if err != nil || !reflect.DeepEqual(fs, want) || n != 2 {
		t.Errorf("Witnesses = %+v, %d, %v;\nwant %+v, 2 witnesses checked", fs, n, err, want)
	}

	if _, _, err := audit.Witnesses(ctx, fakeWitnesses{err: errors.New("tiles unreadable")}); err == nil {
		t.Error("Witnesses passed over an error reading the log")
	}
}
