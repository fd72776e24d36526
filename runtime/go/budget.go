package brief

import (
	"math"
	"sync"
	"time"
)

// RetryBudget bounds the retries of a client: they may add at most Ratio of
// the calls made in the last Window, plus MinPerSecond × Window retries
// whatever the call rate, so a failing dependency sees at most ~20% more
// traffic instead of a retry storm (the design of Finagle's and Linkerd's
// budgets). Zero fields take the defaults.
type RetryBudget struct {
	// Ratio is the retries allowed per call on average (default 0.2).
	Ratio float64
	// MinPerSecond is the floor, in retries per second (default 10).
	MinPerSecond int
	// Window is the span over which calls and retries are counted (default 10 s).
	Window time.Duration
}

// The defaults of every brief runtime (docs/resilience.md says why).
const (
	DefaultBudgetRatio        = 0.2
	DefaultBudgetMinPerSecond = 10
	DefaultBudgetWindow       = 10 * time.Second
)

func (b RetryBudget) withDefaults() RetryBudget {
	if b.Ratio == 0 {
		b.Ratio = DefaultBudgetRatio
	}
	if b.MinPerSecond == 0 {
		b.MinPerSecond = DefaultBudgetMinPerSecond
	}
	if b.Window <= 0 {
		b.Window = DefaultBudgetWindow
	}
	return b
}

// retryBudget counts calls (counter a) and retries (counter b).
type retryBudget struct {
	w          *window
	ratioMilli int64
	reserve    int64
	// withdrawing makes check-and-take one step, so concurrent retries never
	// overdraw the budget. Only retries take it; calls deposit without it.
	withdrawing sync.Mutex
}

func newRetryBudget(p RetryBudget) *retryBudget {
	p = p.withDefaults()
	secs := int64(p.Window / time.Second)
	if secs < 1 {
		secs = 1
	}
	ratio := math.Max(0, math.Min(p.Ratio, 1000))
	minPerSecond := int64(p.MinPerSecond)
	if minPerSecond < 0 {
		minPerSecond = 0
	}
	return &retryBudget{
		w:          newWindow(p.Window),
		ratioMilli: int64(math.Round(ratio * 1000)),
		reserve:    minPerSecond * secs,
	}
}

// deposit counts a call (its first attempt).
func (b *retryBudget) deposit(now int64) { b.w.add(now, 1, 0) }

// withdraw takes one retry from the budget; false when it is spent.
func (b *retryBudget) withdraw(now int64) bool {
	b.withdrawing.Lock()
	defer b.withdrawing.Unlock()
	calls, retries := b.w.sums(now)
	if (retries+1)*1000 > b.ratioMilli*calls+b.reserve*1000 {
		return false
	}
	b.w.add(now, 0, 1)
	return true
}
