package brief

import (
	"sync/atomic"
	"time"
)

// clockEpoch is the origin of nowMs, the clock of breakers, budgets and the
// balancer: monotonic milliseconds in one int64, so they fit atomics.
var clockEpoch = time.Now()

// nowMs returns milliseconds since the process started using the clock, from
// 1000 on (so that 0 can mean "never").
func nowMs() int64 { return time.Since(clockEpoch).Milliseconds() + 1000 }

const windowSlots = 10

type windowSlot struct {
	period atomic.Int64 // which slot-length period the counts belong to
	a, b   atomic.Int64
}

// window sums two counters (calls and failures, or calls and retries) over
// the last window duration, in ten slots of atomics: lock-free and
// allocation-free. A count that races with a slot's reset may be lost, which
// only makes the window forget a call under contention.
type window struct {
	slots  [windowSlots]windowSlot
	slotMs int64
}

func newWindow(d time.Duration) *window {
	w := &window{slotMs: d.Milliseconds() / windowSlots}
	if w.slotMs < 1 {
		w.slotMs = 1
	}
	return w
}

func (w *window) slot(now int64) *windowSlot {
	period := now / w.slotMs
	s := &w.slots[period%windowSlots]
	if seen := s.period.Load(); seen != period && s.period.CompareAndSwap(seen, period) {
		s.a.Store(0)
		s.b.Store(0)
	}
	return s
}

// add adds a and b to the current slot.
func (w *window) add(now, a, b int64) {
	s := w.slot(now)
	if a != 0 {
		s.a.Add(a)
	}
	if b != 0 {
		s.b.Add(b)
	}
}

// sums returns both counters summed over the window ending at now.
func (w *window) sums(now int64) (a, b int64) {
	period := now / w.slotMs
	oldest := period - (windowSlots - 1)
	for i := range w.slots {
		s := &w.slots[i]
		if p := s.period.Load(); p >= oldest && p <= period {
			a += s.a.Load()
			b += s.b.Load()
		}
	}
	return a, b
}

// clear forgets everything.
func (w *window) clear() {
	for i := range w.slots {
		w.slots[i].a.Store(0)
		w.slots[i].b.Store(0)
	}
}
