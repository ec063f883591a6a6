package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/monitor"
	"github.com/parley-project/parley/proof"
	"github.com/parley-project/parley/web"
)

// TestRecordPageOfBatchItem: the page of a report written in bulk names
// its batch and the batch's place in the log, and its proof, downloaded,
// proves it alone.
func TestRecordPageOfBatchItem(t *testing.T) {
	f, tl := newFixtureWithLog(t, web.Options{}, "ua-witness")
	mon, err := f.st.PrincipalByLogin(t.Context(), "us-monitor")
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]byte
	for i := range 2 {
		lat, lon := 47.5+float64(i)/100, 34.6
		b, _ := json.Marshal(monitor.Report{SourceType: monitor.SourcePatrol, SourceName: "Patrol 3", OccurredAt: "2026-02-01T03:10:00+02:00",
			TimePrecision: "hour", PlaceName: fmt.Sprintf("Point %d", i), PlacePrecision: "coordinates", Lat: &lat, Lon: &lon,
			WeaponClass: "artillery", TargetClass: "energy"})
		bodies = append(bodies, b)
	}
	ws, errs := f.svc.CreateMany(t.Context(), mon.Principal, monitor.KindReport, bodies)
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rc := ws[1].Receipt
	ua := f.signIn(t, f.login(t, "ua", access.RoleNegotiator))
	path := "/records/" + rc.RecordID
	res := f.poll(t, ua, path, 15*time.Second, func(r response) bool { return contains(r, "covered by the checkpoint") })
	for _, want := range []string{"an item of batch", `href="/records/` + rc.Batch + `"`,
		"Committed to the log at position " + strconv.FormatUint(*rc.LeafIndex, 10)} {
		if !contains(res, want) {
			t.Errorf("GET %s lacks %q", path, want)
		}
	}
	res = f.poll(t, ua, path+"/proof.json", 15*time.Second, func(r response) bool { return r.status == http.StatusOK })
	var p proof.Proof
	if err := json.Unmarshal([]byte(res.body), &p); err != nil {
		t.Fatal(err)
	}
	if failed := proof.Failed(proof.Verify(p, tl.VKey, []string{tl.Witnesses[0].VKey})); len(failed) > 0 || p.Batch == nil || p.Batch.RecordID != rc.Batch {
		t.Errorf("the item's proof: failed %v, batch %+v", failed, p.Batch)
	}
}
