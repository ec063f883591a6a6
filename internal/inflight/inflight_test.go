package inflight

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestOrdered: results are taken in the order of the calls though later
// calls finish first, and no more than n run at once.
func TestOrdered(t *testing.T) {
	const n = 3
	var running, most atomic.Int32
	var got []int
	o := New(n, func(i int) { got = append(got, i) })
	for i := range 20 {
		o.Go(func() int {
			now := running.Add(1)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			// Earlier calls take longer: they finish last.
			time.Sleep(time.Duration(20-i) * time.Millisecond / 4)
			running.Add(-1)
			return i
		})
	}
	o.Wait()
	for i, v := range got {
		if v != i {
			t.Fatalf("results taken in the order %v", got)
		}
	}
	if len(got) != 20 {
		t.Fatalf("%d results taken of 20", len(got))
	}
	if m := most.Load(); m > n || m < 2 {
		t.Errorf("%d calls ran at once; want 2 to %d", m, n)
	}
}
