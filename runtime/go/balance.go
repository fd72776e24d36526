package brief

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// endpoint is one endpoint of a client: its base URL, circuit breaker and
// in-flight count.
type endpoint struct {
	url        string
	service    string
	breaker    *breaker // nil when breakers are off
	inFlight   atomic.Int32
	avoidUntil atomic.Int64 // ms; the balancer avoids it until then
	avoidMs    int64
	metrics    *endpointMetrics
	opts       *endpointOptions
}

func newEndpoint(service, url string, opts *endpointOptions) *endpoint {
	e := &endpoint{url: url, service: service, avoidMs: opts.avoidMs, opts: opts, metrics: registerEndpointMetrics(service, url)}
	if opts.breaker != nil {
		e.breaker = newBreaker(*opts.breaker)
	}
	return e
}

func (e *endpoint) usable(now int64) bool { return e.breaker == nil || e.breaker.available(now) }

func (e *endpoint) avoided(now int64) bool { return e.avoidUntil.Load() > now }

// start lets an attempt through the breaker (ok false when the circuit
// refuses it) and counts it in flight until finish or abandon.
func (e *endpoint) start(now int64) (admission, bool) {
	a := admitNone
	if e.breaker != nil {
		var changed breakerState
		a, changed = e.breaker.admit(now)
		e.changed(changed)
		if a == admitNone {
			return a, false
		}
	}
	e.inFlight.Add(1)
	return a, true
}

// finish records an attempt's outcome: unhealthy says the server is
// unhealthy, connectFailed that no connection could be made.
func (e *endpoint) finish(a admission, unhealthy, connectFailed bool, now int64) {
	e.inFlight.Add(-1)
	if connectFailed && e.avoidMs > 0 {
		e.avoidUntil.Store(now + e.avoidMs)
	}
	if e.breaker != nil && a != admitNone {
		e.changed(e.breaker.record(a, unhealthy, now))
	}
}

// abandon ends an attempt without an outcome to count.
func (e *endpoint) abandon(a admission) {
	e.inFlight.Add(-1)
	if e.breaker != nil {
		e.breaker.abandon(a)
	}
}

func (e *endpoint) nextProbeIn(now int64) time.Duration {
	if e.breaker == nil {
		return 0
	}
	return e.breaker.nextProbeIn(now)
}

func (e *endpoint) changed(s breakerState) {
	if s == noChange {
		return
	}
	e.metrics.setState(s)
	log := e.opts.logger
	switch s {
	case stateOpen:
		log.Warn("circuit breaker opened: calls to this endpoint stop until the cool-down is over", "service", e.service, "endpoint", e.url)
	case stateHalfOpen:
		log.Info("circuit breaker half-open: letting probe calls through", "service", e.service, "endpoint", e.url)
	case stateClosed:
		log.Info("circuit breaker closed: the endpoint answers again", "service", e.service, "endpoint", e.url)
	}
}

// triedSet is the endpoints a call has tried, as a bit set of indices
// (modulo 64).
type triedSet uint64

func (t *triedSet) add(i int)      { *t |= 1 << (uint(i) % 64) }
func (t triedSet) has(i int) bool  { return t&(1<<(uint(i)%64)) != 0 }
func (t triedSet) count() int      { return bits.OnesCount64(uint64(t)) }
func (t triedSet) full(n int) bool { return n <= 64 && t.count() >= n }

// pickEndpoint chooses the endpoint of the next attempt and lets it through
// its breaker: index -1 when every circuit is open (or there is none).
//
// Preference tiers: endpoints not tried by this call and not avoided, then
// ones that recently refused a connection, then ones already tried; within a
// tier, the less loaded of two picked at random (power of two choices).
// Endpoints whose circuit is open are never chosen. It allocates nothing.
func pickEndpoint(eps []*endpoint, tried triedSet, now int64) (int, admission) {
	n := len(eps)
	tier := func(i int) int {
		switch {
		case tried.has(i):
			return 2
		case eps[i].avoided(now):
			return 1
		}
		return 0
	}
	var refused triedSet // endpoints whose breaker refused this call (a race)
	for maxTier := 0; maxTier <= 2; maxTier++ {
		for {
			i := twoChoices(eps, func(i int) bool {
				return !refused.has(i) && tier(i) <= maxTier && eps[i].usable(now)
			})
			if i < 0 {
				break
			}
			if a, ok := eps[i].start(now); ok {
				return i, a
			}
			refused.add(i)
			if refused.full(n) {
				return -1, admitNone
			}
		}
	}
	return -1, admitNone
}

// twoChoices picks, among the endpoints for which eligible holds, the one
// with fewer requests in flight of two distinct random ones; when random
// picks miss, a scan from a random offset finds the eligible ones.
func twoChoices(eps []*endpoint, eligible func(int) bool) int {
	n := len(eps)
	if n == 0 {
		return -1
	}
	r := rand.Uint64()
	if n == 1 {
		if eligible(0) {
			return 0
		}
		return -1
	}
	a := int(r % uint64(n))
	b := (a + 1 + int((r>>32)%uint64(n-1))) % n
	better := func(x, y int) int {
		if eps[y].inFlight.Load() < eps[x].inFlight.Load() {
			return y
		}
		return x
	}
	ea, eb := eligible(a), eligible(b)
	switch {
	case ea && eb:
		return better(a, b)
	case ea:
		return a
	case eb:
		return b
	}
	start := int((r >> 16) % uint64(n))
	found := -1
	for k := range n {
		i := (start + k) % n
		if eligible(i) {
			if found < 0 {
				found = i
			} else {
				return better(found, i)
			}
		}
	}
	return found
}
