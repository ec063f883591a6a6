package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parley-project/parley/app"
)

type followers struct {
	fs  []app.FollowerStatus
	err error
}

func (f followers) Followers(context.Context) ([]app.FollowerStatus, error) { return f.fs, f.err }

// TestFollowerMetrics: /metrics says how far behind each follower is and
// whether it is failing, and a failure to read them is a scrape error, not
// a silent zero.
func TestFollowerMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(followerCollector{followers{fs: []app.FollowerStatus{
		{Name: "monitor_clusters", Behind: 42}, {Name: "ceasefire_daily", Behind: 0, Error: "disk full"},
	}}})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()+"/"+m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
	}
	for k, want := range map[string]float64{
		"parley_follower_records_behind/monitor_clusters": 42, "parley_follower_records_behind/ceasefire_daily": 0,
		"parley_follower_failing/monitor_clusters": 0, "parley_follower_failing/ceasefire_daily": 1,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %t), want %v", k, v, ok, want)
		}
	}

	broken := prometheus.NewRegistry()
	broken.MustRegister(followerCollector{followers{err: errors.New("store unavailable")}})
	if _, err := broken.Gather(); err == nil || !strings.Contains(err.Error(), "store unavailable") {
		t.Errorf("gathering with the followers unreadable: %v, want the error", err)
	}
}
