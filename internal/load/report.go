package load

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// header says what the run is about to do, and heads the columns.
func (r *run) header() {
	rate := func(n int, rate float64, what string) string {
		if rate > 0 {
			return fmt.Sprintf("%d %s at %g/s in total", n, what, rate)
		}
		return fmt.Sprintf("%d %s as fast as answered", n, what)
	}
	var logins []string
	for _, p := range r.ps {
		logins = append(logins, fmt.Sprintf("%s (%s)", p.Login, p.Party))
	}
	goal := ""
	if r.cfg.Writes > 0 {
		goal = fmt.Sprintf(", or until %d writes are acknowledged", r.cfg.Writes)
	}
	fmt.Fprintf(r.cfg.Out, "parley load %s: %s, %s, against %s as %s, for %v%s; the log has %d published entries\n",
		r.id, rate(r.cfg.Writers, r.cfg.WriteRate, "writers"), rate(r.cfg.Readers, r.cfg.ReadRate, "readers"),
		r.cfg.URL, strings.Join(logins, ", "), r.cfg.Duration, goal, r.published.Load())
	if r.cfg.MetricsToken == "" {
		fmt.Fprintln(r.cfg.Out, "(no metrics token: the server's memory is not reported)")
	} else if m, err := r.c.scrape(context.Background(), r.cfg.MetricsToken); err != nil {
		fmt.Fprintf(r.cfg.Out, "(the server's memory cannot be read: %v)\n", err)
	} else {
		r.memory = append(r.memory, m)
		fmt.Fprintf(r.cfg.Out, "server before the load: rss %s, heap %s, %.0f goroutines, %.0f open files\n", mib(m.rss), mib(m.heap), m.goroutines, m.fds)
	}
	fmt.Fprintf(r.cfg.Out, "%8s %9s %8s %8s %9s %8s %8s %8s %8s %7s %7s %9s %9s %6s %5s\n",
		"elapsed", "writes/s", "w-p50", "w-p99", "reads/s", "r-p50", "r-p99", "pub-p50", "pub-p99",
		"errors", "behind", "rss", "heap", "gorout", "load1")
}

// report prints a row every interval until done is closed.
func (r *run) report(ctx context.Context, start time.Time, done <-chan struct{}) {
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			r.row(ctx, r.stats.next(now), start)
			r.ackMu.Lock()
			err := r.ackOut.Flush()
			r.ackMu.Unlock()
			if err != nil {
				r.stats.fail("acked-file write", err.Error())
			}
		}
	}
}

// row prints the figures of one interval p, with the server's memory
// read now.
func (r *run) row(ctx context.Context, p *period, start time.Time) {
	now := time.Now()
	secs := now.Sub(p.start).Seconds()
	if secs <= 0 {
		return
	}
	w, rd, pub := p.op(opWrite), p.reads(), p.op(opPublish)
	rss, heap, gor := "-", "-", "-"
	if r.cfg.MetricsToken != "" {
		if m, err := r.c.scrape(ctx, r.cfg.MetricsToken); err != nil {
			// The interval is over: the error goes into its row and
			// the totals.
			kind := opMetrics + " " + errorClass(err)
			p.errors.add(kind, err.Error())
			r.stats.mu.Lock()
			r.stats.total.errors.add(kind, err.Error())
			r.stats.mu.Unlock()
		} else {
			r.memMu.Lock()
			r.memory = append(r.memory, m)
			r.memMu.Unlock()
			rss, heap, gor = mib(m.rss), mib(m.heap), fmt.Sprintf("%.0f", m.goroutines)
		}
	}
	fmt.Fprintf(r.cfg.Out, "%8s %9.1f %8s %8s %9.1f %8s %8s %8s %8s %7d %7d %9s %9s %6s %5s\n",
		r.elapsed(now.Sub(start)), float64(w.n)/secs, ms(w.quantile(.5)), ms(w.quantile(.99)),
		float64(rd.n)/secs, ms(rd.quantile(.5)), ms(rd.quantile(.99)), ms(pub.quantile(.5)), ms(pub.quantile(.99)),
		p.errors.total(), p.behind, rss, heap, gor, loadAverage())
	if len(p.errors) > 0 {
		fmt.Fprintf(r.cfg.Out, "%8s errors: %s\n", "", p.errors)
	}
}

// elapsed rounds the time since the start to the report's resolution.
func (r *run) elapsed(d time.Duration) time.Duration {
	if r.cfg.Interval < time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// totals prints the whole run's figures.
func (r *run) totals(s Summary) {
	out := r.cfg.Out
	t := r.stats.total
	secs := s.Elapsed.Seconds()
	interrupted := ""
	if s.Interrupted {
		interrupted = ", interrupted"
	}
	fmt.Fprintf(out, "\ntotals over %v (run %s%s):\n", s.Elapsed.Round(time.Millisecond), r.id, interrupted)
	line := func(name string, h *histogram, extra string) {
		fmt.Fprintf(out, "  %-12s %8d ok %9.1f/s  p50 %8s  p99 %8s  max %8s%s\n",
			name, h.n, float64(h.n)/secs, ms(h.quantile(.5)), ms(h.quantile(.99)), ms(h.max), extra)
	}
	line("writes", t.op(opWrite), "")
	line("reads", t.reads(), "")
	for _, op := range readOps {
		line("  "+op, t.op(op), "")
	}
	pub := t.op(opPublish)
	fmt.Fprintf(out, "  %-12s %8d of %d acknowledged records seen in a published checkpoint: p50 %s, p99 %s, max %s after the write was sent\n",
		"published", pub.n, s.Acked, ms(pub.quantile(.5)), ms(pub.quantile(.99)), ms(pub.max))
	if r.cfg.LogKey != "" {
		fmt.Fprintf(out, "  %-12s %d published entries at the end; %d checkpoints seen, each signed by the log's key and consistent with the one before\n",
			"log", r.published.Load(), r.checkpoints.Load())
	} else {
		fmt.Fprintf(out, "  %-12s %d published entries at the end (checkpoints not verified: no --log-key)\n", "log", r.published.Load())
	}
	if r.cfg.WriteRate > 0 {
		fmt.Fprintf(out, "  %-12s %d writes of the %g/s asked for were not sent, every writer being busy\n", "behind", s.Behind, r.cfg.WriteRate)
	}
	r.memMu.Lock()
	mem := r.memory
	r.memMu.Unlock()
	if len(mem) > 0 {
		series := func(get func(memory) float64, format func(float64) string) string {
			lo, hi := get(mem[0]), get(mem[0])
			for _, m := range mem {
				lo, hi = min(lo, get(m)), max(hi, get(m))
			}
			return fmt.Sprintf("before %s, min %s, max %s, at the end %s", format(get(mem[0])), format(lo), format(hi), format(get(mem[len(mem)-1])))
		}
		count := func(v float64) string { return fmt.Sprintf("%.0f", v) }
		fmt.Fprintf(out, "  %-12s rss %s\n", "server", series(func(m memory) float64 { return m.rss }, mib))
		fmt.Fprintf(out, "  %-12s heap in use %s\n", "", series(func(m memory) float64 { return m.heap }, mib))
		fmt.Fprintf(out, "  %-12s goroutines %s\n", "", series(func(m memory) float64 { return m.goroutines }, count))
		fmt.Fprintf(out, "  %-12s open files %s\n", "", series(func(m memory) float64 { return m.fds }, count))
	}
	if len(t.errors) == 0 {
		fmt.Fprintf(out, "  %-12s none\n", "errors")
	} else {
		fmt.Fprintf(out, "  %-12s %d: %s\n", "errors", s.Errors, t.errors)
		for _, kind := range t.errors.kinds() {
			fmt.Fprintf(out, "  %-12s   %s, first: %s\n", "", kind, t.errors[kind].sample)
		}
	}
	fmt.Fprintf(out, "  %-12s %d acknowledged writes\n", "acknowledged", s.Acked)
}

// ms formats a latency for the columns: milliseconds below ten seconds,
// "-" for none.
func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
