package ceasefireweb_test

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parley-project/parley/ceasefire"
	ceasefireweb "github.com/parley-project/parley/ceasefire/web"
	"github.com/parley-project/parley/internal/testkit"
)

// TestRefresh: a board brought up to date with what was committed since it
// was read (a verified strike, an incident changed after its allegation, a
// new region, a suspension) is the board read anew.
func TestRefresh(t *testing.T) {
	d := testkit.NewDemo(t, testkit.DemoOptions{})
	p := d.Principal(t, "ru-negotiator")
	med := d.Principal(t, "us-mediator")
	cfs, _ := d.Service.All(t.Context(), &p, ceasefire.KindCeasefire, "")
	cf := cfs[0].ID
	old, err := ceasefireweb.Load(t.Context(), d.Service, &p, cf, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	// same brings old up to date at at and checks it against the board
	// read anew, which it returns.
	same := func(at time.Time) *ceasefireweb.Board {
		t.Helper()
		ok, err := old.Refresh(t.Context(), d.Service, &p, at)
		if err != nil || !ok {
			t.Fatalf("refresh: %v %v", ok, err)
		}
		fresh, err := ceasefireweb.Load(t.Context(), d.Service, &p, cf, at)
		if err != nil {
			t.Fatal(err)
		}
		type judged struct {
			In ceasefire.Incident
			J  ceasefire.Judgment
		}
		sorted := func(b *ceasefireweb.Board) []judged {
			out := make([]judged, len(b.Incidents))
			for i := range b.Incidents {
				out[i] = judged{b.Incidents[i], b.Judgments[i]}
			}
			slices.SortFunc(out, func(a, c judged) int { return cmp.Compare(a.In.ID, c.In.ID) })
			return out
		}
		if got, want := sorted(old), sorted(fresh); !reflect.DeepEqual(got, want) {
			t.Errorf("the refreshed board's incidents:\n%+v\nread anew:\n%+v", got, want)
		}
		for _, f := range []struct {
			name      string
			got, want any
		}{{"periods", old.Periods, fresh.Periods}, {"states", old.States, fresh.States}, {"conditions", old.Conditions, fresh.Conditions},
			{"names", old.Names, fresh.Names}, {"history", old.History(), fresh.History()}} {
			if !reflect.DeepEqual(f.got, f.want) {
				t.Errorf("the refreshed board's %s: %+v, read anew: %+v", f.name, f.got, f.want)
			}
		}
		return fresh
	}

	verifiedStrike(t, d)
	mon := d.Principal(t, "us-monitor")
	incidents, _ := d.Service.All(t.Context(), &mon, ceasefire.IncidentKind, "")
	var body map[string]any
	json.Unmarshal(incidents[0].Body, &body)
	body["target_class"] = "energy"
	changed, _ := json.Marshal(body)
	if _, err := d.Service.Update(t.Context(), mon, ceasefire.IncidentKind, incidents[0].ID, changed); err != nil {
		t.Fatal(err)
	}
	// The verification of another incident of the demo goes on to the end.
	for _, st := range []map[string]any{{"stage": "preliminary-inquiry"}, {"stage": "investigation", "team": "Team 1"},
		{"stage": "verified", "attribution": "not-attributed", "summary": "Confirmed."}} {
		st["incident_id"], st["party_id"] = incidents[1].ID, "us"
		d.MustWrite(t, "us-monitor", ceasefire.StepKind, st)
	}
	same(time.Now())
	zone, _ := json.Marshal(map[string]any{"name": "Zaporizhzhia oblast", "zone_type": "region",
		"geometry": `{"type":"Polygon","coordinates":[[[34.5,46.5],[37.0,46.5],[37.0,48.3],[34.5,48.3],[34.5,46.5]]]}`})
	if _, err := d.Service.Create(t.Context(), mon, ceasefire.ZoneKind, zone); err != nil {
		t.Fatal(err)
	}
	suspension, _ := json.Marshal(ceasefire.Suspension{CeasefireID: cf, From: time.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339), Reason: "Talks."})
	if _, err := d.Service.Create(t.Context(), med, ceasefire.KindSuspension, suspension); err != nil {
		t.Fatal(err)
	}

	fresh := same(time.Now().Add(4 * time.Hour))
	if len(fresh.Incidents) != 5 || fresh.InForce != nil {
		t.Errorf("read anew: %d incidents, in force %v; want 5, none during the suspension", len(fresh.Incidents), fresh.InForce)
	}
	for _, f := range []struct {
		name      string
		got, want any
	}{{"periods", old.Periods, fresh.Periods}, {"states", old.States, fresh.States}, {"conditions", old.Conditions, fresh.Conditions},
		{"names", old.Names, fresh.Names}, {"history", old.History(), fresh.History()}} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("the refreshed board's %s: %+v, read anew: %+v", f.name, f.got, f.want)
		}
	}
}
