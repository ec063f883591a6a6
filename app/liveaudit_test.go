package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/parley-project/parley/audit"
	"github.com/parley-project/parley/talks"
)

// TestLiveAudit: the audit serve runs in the background, while writes go
// on, finds nothing wrong in a sound installation however the writes fall
// around it (records not yet in the log, entities changed after their
// replay), and still finds a record changed behind parley's back.
func TestLiveAudit(t *testing.T) {
	ctx := t.Context()
	r := newRV(t)
	svc, med := r.svc, r.ps["us-mediator"]

	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var werr error
	var mu sync.Mutex
	for w := range 4 {
		wg.Go(func() {
			for i := 0; wctx.Err() == nil; i++ {
				body := fmt.Sprintf(`{"name":"Round %d-%d","place":"Geneva","starts_on":"2026-03-01","status":"planned"}`, w, i)
				r, err := svc.Create(wctx, med, talks.KindRound, []byte(body))
				if err == nil {
					_, err = svc.Update(wctx, med, talks.KindRound, r.Entity.ID, []byte(strings.Replace(body, "planned", "ongoing", 1)))
				}
				if err != nil && wctx.Err() == nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					return
				}
			}
		})
	}
	audits := 0
	for range 4 {
		rep, err := audit.RunWith(ctx, svc, audit.Options{Live: true, NoWitnesses: true})
		if err != nil {
			t.Fatal(err)
		}
		audits++
		if len(rep.Findings) > 0 {
			t.Errorf("live audit %d of a sound installation under writes found %v", audits, rep.Findings)
		}
	}
	stop()
	wg.Wait()
	if werr != nil {
		t.Fatalf("a writer failed: %v", werr)
	}

	// The oldest record, a party, widened behind parley's back: past the
	// start check's newest records, the background audit must find it.
	old := records(t, svc.Store())[0]
	r.exec(t, "DROP TRIGGER records_no_update", "UPDATE records SET author_party = 'xx' WHERE id = '"+old.ID+"'")
	rep, err := audit.RunWith(ctx, svc, audit.Options{Live: true, NoWitnesses: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.ID == old.ID && strings.Contains(f.Problem, "disagree with its canonical bytes")
	}
	if !found {
		t.Errorf("the live audit misses a record changed behind parley's back: %v", rep.Findings)
	}
}
