package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-project/parley/access"
	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/internal/testkit"
	talksweb "github.com/parley-project/parley/talks/web"
	"github.com/parley-project/parley/web"
)

// BenchmarkSignInDuringFlood measures how long one real sign-in takes
// while floodClients clients send wrong passwords as fast as they are
// answered, each for a login of its own (so that the per-login throttle
// does not stop them) and from client addresses of its own on the
// loopback network, 127.0.0.0/8 (so that the per-address throttle does not
// simply stop them either). Passwords are hashed at the production cost.
//
// Each op is one real sign-in, from its first request to the session
// cookie; a sign-in answered 503 (the hasher busy) waits the Retry-After
// it was given and tries again, as a person would, and is reported in
// busy/op. A flooding request refused without hashing (503, 429) is
// sent again after floodPause. The sub-benchmarks:
//
//   - quiet: no flood, the baseline;
//   - flood-reused-addresses: each flooding client keeps its address for
//     25 attempts (under the per-address limit of 30), then takes another;
//   - flood-fresh-addresses: every flooding request comes from an address
//     never seen before, so that the server can tell it from a real user
//     by nothing but its password;
//
// and under each flood, the real user signs in from a known-device (a
// browser that signed in to the login before the flood began, and holds
// what that sign-in left) or from a new-device (no cookies at all).
//
// Run it with
//
//	go test ./web/ -run '^$' -bench SignInDuringFlood -benchtime 5x
func BenchmarkSignInDuringFlood(b *testing.B) {
	b.Run("quiet", func(b *testing.B) { benchSignInDuringFlood(b, false, 0, false) })
	for _, flood := range []struct {
		name  string
		reuse int
	}{{"flood-reused-addresses", 25}, {"flood-fresh-addresses", 1}} {
		for _, known := range []bool{true, false} {
			name := flood.name + "/new-device"
			if known {
				name = flood.name + "/known-device"
			}
			b.Run(name, func(b *testing.B) { benchSignInDuringFlood(b, true, flood.reuse, known) })
		}
	}
}

const (
	floodClients = 100
	floodPause   = 100 * time.Millisecond
)

func benchSignInDuringFlood(b *testing.B, flood bool, reuse int, knownDevice bool) {
	d := testkit.NewDemo(b, testkit.DemoOptions{})
	// The real user's password hashed as in production.
	d.Service.SetPasswordCost(access.DefaultPasswordCost)
	const password = "a real user's password"
	if _, err := d.Service.AddPrincipal(context.Background(), app.NewPrincipal{
		Login: "real", Party: "ua", Roles: []access.Role{access.RoleNegotiator}, Password: password,
	}); err != nil {
		b.Fatal(err)
	}
	srv, err := web.NewServer(d.Service, slog.New(slog.DiscardHandler), web.Options{Sections: []web.Section{&talksweb.Section{}}})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	form := url.Values{"login": {"real"}, "password": {password}}
	// realClient is the real user's browser for one sign-in: the same one
	// each time, with its cookies, from a known device; a new one each
	// time from a new device.
	known := browserFrom(net.IPv4(127, 0, 0, 1))
	realClient := func() *http.Client {
		if knownDevice {
			return known
		}
		return browserFrom(net.IPv4(127, 0, 0, 1))
	}
	if knownDevice {
		// Signed in once before the flood.
		if status, _, err := postForm(context.Background(), known, ts.URL+"/login", form); err != nil || status != http.StatusSeeOther {
			b.Fatalf("the sign-in before the flood: %d, %v", status, err)
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var answered atomic.Int64
	// warm is closed once the flood is under way: the server has answered
	// a tenth as many wrong sign-ins as there are flooding clients.
	warm, warmed := make(chan struct{}), sync.OnceFunc(func() {})
	if flood {
		warmed = sync.OnceFunc(func() { close(warm) })
		var addrs atomic.Int64
		for i := range floodClients {
			wg.Go(func() {
				var c *http.Client
				for n := 0; ctx.Err() == nil; n++ {
					if n%reuse == 0 {
						if c != nil {
							c.CloseIdleConnections()
						}
						c = clientFrom(floodAddr(addrs.Add(1)))
					}
					form := url.Values{"login": {fmt.Sprintf("guess-%d-%d", i, n)}, "password": {"not the password"}}
					status, _, err := postForm(ctx, c, ts.URL+"/login", form)
					if err != nil {
						continue
					}
					if answered.Add(1) >= floodClients/10 {
						warmed()
					}
					if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
						// Refused without hashing: back after a pause, so
						// that the flood's client, on this machine, does
						// not spin on the processors that a real
						// attacker's, elsewhere, would not share.
						select {
						case <-ctx.Done():
						case <-time.After(floodPause):
						}
					}
				}
				c.CloseIdleConnections()
			})
		}
		<-warm
	}

	busy := 0
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		real := realClient()
		for {
			status, retry, err := postForm(context.Background(), real, ts.URL+"/login", form)
			if err != nil {
				b.Fatal(err)
			}
			if status == http.StatusSeeOther {
				break
			}
			if status != http.StatusServiceUnavailable {
				b.Fatalf("the real sign-in: status %d", status)
			}
			busy++
			time.Sleep(retry)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	stop()
	wg.Wait()
	b.ReportMetric(float64(busy)/float64(b.N), "busy/op")
	b.ReportMetric(float64(answered.Load())/b.Elapsed().Seconds(), "flood-answers/s")
	testkit.ReportLatencies(b, latencies)
}

// floodAddr is the n-th flooding client's address, in 127.1.0.0/16 and
// up: never 127.0.0.1, the real user's.
func floodAddr(n int64) net.IP {
	return net.IPv4(127, byte(1+n>>16), byte(n>>8), byte(n))
}

// browserFrom is clientFrom with a cookie jar.
func browserFrom(addr net.IP) *http.Client {
	c := clientFrom(addr)
	c.Jar, _ = cookiejar.New(nil)
	return c
}

// clientFrom returns an HTTP client whose connections come from addr, and
// which does not follow redirects.
func clientFrom(addr net.IP) *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: addr}}
	return &http.Client{
		Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// postForm posts a form and returns the status and, for a 503, how long
// its Retry-After says to wait.
func postForm(ctx context.Context, c *http.Client, u string, form url.Values) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	return res.StatusCode, time.Duration(max(secs, 1)) * time.Second, nil
}
