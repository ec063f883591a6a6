package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/parley-project/parley/app"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// rather than the global one: two servers in one process (tests) must not
// collide, and no library can slip its metrics into parley's by
// registering globally.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route (the ServeMux pattern), method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "Time from the start of a request to the end of its response, by route.",
			// From 1 ms, finer than the default buckets at the low end,
			// where the API read target (p99 < 20 ms) lies.
			Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests,
		m.duration,
	)
	return m
}

// handler serves the registry in the Prometheus exposition format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// Count the handler's own failures in the same registry.
		Registry: m.reg,
		// A scrape that cannot gather every metric still returns the
		// others, rather than nothing.
		ErrorHandling: promhttp.ContinueOnError,
	})
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, methodLabel(method), strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// methodLabel keeps the method label to the standard methods: a client can
// send any token as a method, and each would make a new time series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// followerLister is what the follower metrics read: app.Service.
type followerLister interface {
	Followers(ctx context.Context) ([]app.FollowerStatus, error)
}

// followerCollector reports, at each scrape, how far each domain's
// follower (work that follows the record stream: clustering, reports) is
// behind the records, and whether its last attempt failed.
type followerCollector struct{ svc followerLister }

var (
	followerBehind = prometheus.NewDesc("parley_follower_records_behind",
		"Records committed that a domain's follower has still to apply; 0 is caught up.", []string{"follower"}, nil)
	followerFailing = prometheus.NewDesc("parley_follower_failing",
		"1 if the follower's last attempt failed (it tries again), else 0.", []string{"follower"}, nil)
)

func (c followerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- followerBehind
	ch <- followerFailing
}

func (c followerCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fs, err := c.svc.Followers(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(followerBehind, err)
		return
	}
	for _, f := range fs {
		ch <- prometheus.MustNewConstMetric(followerBehind, prometheus.GaugeValue, float64(f.Behind), f.Name)
		failing := 0.0
		if f.Error != "" {
			failing = 1
		}
		ch <- prometheus.MustNewConstMetric(followerFailing, prometheus.GaugeValue, failing, f.Name)
	}
}
