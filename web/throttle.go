package web

import (
	"sync"
	"time"
)

// throttle bounds failed sign-ins: a key (a login, a client address) that
// failed max times within window is refused until its oldest failure leaves
// the window. A refusal costs no password hash, so a flood of guesses
// neither finds a password nor starves real sign-ins of the hashing they
// need.
type throttle struct {
	max    int
	window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time
}

// maxThrottled bounds the keys remembered, so that a flood of made-up
// logins cannot grow the map without end; past it, the stalest are dropped.
const maxThrottled = 100_000

func newThrottle(max int, window time.Duration) *throttle {
	return &throttle{max: max, window: window, fails: map[string][]time.Time{}}
}

// wait says how long key must wait before it may try again; 0 if it may
// now.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	fs := t.recent(key, now)
	if len(fs) < t.max {
		return 0
	}
	return fs[0].Add(t.window).Sub(now)
}

// failed reports whether key has failed within the window.
func (t *throttle) failed(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recent(key, now)) > 0
}

// fail records a failure of key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) >= maxThrottled {
		for k := range t.fails {
			if len(t.recent(k, now)) == 0 || len(t.fails) >= maxThrottled {
				delete(t.fails, k)
			}
			if len(t.fails) < maxThrottled/2 {
				break
			}
		}
	}
	t.fails[key] = append(t.recent(key, now), now)
}

// forget clears key's failures: a login that signed in starts afresh.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// recent returns key's failures within the window, dropping older ones.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.window {
		i++
	}
	if i == len(fs) {
		delete(t.fails, key)
		return nil
	}
	fs = fs[i:]
	t.fails[key] = fs
	return fs
}
