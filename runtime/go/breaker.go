package brief

import (
	"sync/atomic"
	"time"
)

// BreakerPolicy configures the circuit breaker of each endpoint. Closed →
// open after ConsecutiveFailures failures in a row, or when at least
// FailureRatio of at least MinCalls calls in the last Window failed; open →
// half-open after CoolDown (doubled on each trip that follows a half-open
// probe, up to MaxCoolDown); half-open lets HalfOpenProbes calls through at a
// time, closes on the first success and opens again on a failure. Only
// outcomes that say the server is unhealthy count as failures: connection
// errors, unavailable, deadline_exceeded, internal. Zero fields take the
// defaults.
type BreakerPolicy struct {
	ConsecutiveFailures int           // default 5
	FailureRatio        float64       // default 0.5
	MinCalls            int           // default 20
	Window              time.Duration // default 10 s
	CoolDown            time.Duration // default 5 s
	MaxCoolDown         time.Duration // default 60 s
	HalfOpenProbes      int           // default 3
}

// The defaults of every brief runtime (docs/resilience.md says why).
const (
	DefaultBreakerConsecutiveFailures = 5
	DefaultBreakerFailureRatio        = 0.5
	DefaultBreakerMinCalls            = 20
	DefaultBreakerWindow              = 10 * time.Second
	DefaultBreakerCoolDown            = 5 * time.Second
	DefaultBreakerMaxCoolDown         = 60 * time.Second
	DefaultBreakerHalfOpenProbes      = 3
)

func (p BreakerPolicy) withDefaults() BreakerPolicy {
	if p.ConsecutiveFailures == 0 {
		p.ConsecutiveFailures = DefaultBreakerConsecutiveFailures
	}
	if p.FailureRatio == 0 {
		p.FailureRatio = DefaultBreakerFailureRatio
	}
	if p.MinCalls <= 0 {
		p.MinCalls = DefaultBreakerMinCalls
	}
	if p.Window <= 0 {
		p.Window = DefaultBreakerWindow
	}
	if p.CoolDown <= 0 {
		p.CoolDown = DefaultBreakerCoolDown
	}
	if p.MaxCoolDown <= 0 {
		p.MaxCoolDown = DefaultBreakerMaxCoolDown
	}
	if p.MaxCoolDown < p.CoolDown {
		p.MaxCoolDown = p.CoolDown
	}
	if p.HalfOpenProbes <= 0 {
		p.HalfOpenProbes = DefaultBreakerHalfOpenProbes
	}
	return p
}

// coolDownAfter returns the cool-down after the trips-th trip in a row.
func (p BreakerPolicy) coolDownAfter(trips int32) time.Duration {
	d := p.CoolDown
	for i := int32(1); i < trips && d < p.MaxCoolDown; i++ {
		d *= 2
	}
	return min(d, p.MaxCoolDown)
}

// breakerState is exported as the gauge value 0, 1, 2.
type breakerState int32

const (
	stateClosed breakerState = iota
	stateOpen
	stateHalfOpen
)

func (s breakerState) String() string {
	switch s {
	case stateOpen:
		return "open"
	case stateHalfOpen:
		return "half_open"
	}
	return "closed"
}

// admission says how a call was let through.
type admission int8

const (
	admitNone   admission = iota // no breaker, or refused
	admitClosed                  // the circuit was closed
	admitProbe                   // a half-open probe (holds a probe slot)
)

// breaker is the circuit breaker of one endpoint: a state machine in atomics,
// so the happy path (closed, success) costs a few uncontended atomic
// operations and never allocates. It only decides; the endpoint logs and
// exports its transitions. Its methods return the state entered, or -1.
type breaker struct {
	p           BreakerPolicy
	state       atomic.Int32
	consecutive atomic.Int32
	w           *window // calls and failures
	openedAt    atomic.Int64
	trips       atomic.Int32 // trips in a row without closing in between
	probes      atomic.Int32
}

const noChange breakerState = -1

func newBreaker(p BreakerPolicy) *breaker {
	p = p.withDefaults()
	return &breaker{p: p, w: newWindow(p.Window)}
}

func (b *breaker) current() breakerState { return breakerState(b.state.Load()) }

func (b *breaker) reopenAt() int64 {
	return b.openedAt.Load() + b.p.coolDownAfter(b.trips.Load()).Milliseconds()
}

// available reports whether admit would let a call through now.
func (b *breaker) available(now int64) bool {
	switch b.current() {
	case stateOpen:
		return now >= b.reopenAt()
	case stateHalfOpen:
		return b.probes.Load() < int32(b.p.HalfOpenProbes)
	}
	return true
}

// nextProbeIn returns how long until a probe may go (zero when calls go
// through now).
func (b *breaker) nextProbeIn(now int64) time.Duration {
	if b.current() != stateOpen {
		return 0
	}
	return time.Duration(max(0, b.reopenAt()-now)) * time.Millisecond
}

// admit lets a call through (admitClosed, admitProbe) or not (admitNone), and
// returns the state it entered (half-open once the cool-down is over) or
// noChange.
func (b *breaker) admit(now int64) (admission, breakerState) {
	changed := noChange
	for {
		switch b.current() {
		case stateClosed:
			return admitClosed, changed
		case stateOpen:
			if now < b.reopenAt() {
				return admitNone, changed
			}
			if b.state.CompareAndSwap(int32(stateOpen), int32(stateHalfOpen)) {
				changed = stateHalfOpen
			}
		case stateHalfOpen:
			if b.probes.Add(1) <= int32(b.p.HalfOpenProbes) {
				return admitProbe, changed
			}
			b.releaseProbe()
			return admitNone, changed
		}
	}
}

func (b *breaker) releaseProbe() {
	for {
		p := b.probes.Load()
		if p <= 0 || b.probes.CompareAndSwap(p, p-1) {
			return
		}
	}
}

// abandon gives back what admit took when a call ends without an outcome.
func (b *breaker) abandon(a admission) {
	if a == admitProbe {
		b.releaseProbe()
	}
}

// record counts the outcome of an admitted call (failure: the outcome says
// the server is unhealthy) and returns the state entered, or noChange.
func (b *breaker) record(a admission, failure bool, now int64) breakerState {
	var f int64
	if failure {
		f = 1
	}
	b.w.add(now, 1, f)
	if a == admitProbe {
		b.releaseProbe()
	}
	switch st := b.current(); {
	case st == stateClosed && !failure:
		if b.consecutive.Load() != 0 {
			b.consecutive.Store(0)
		}
	case st == stateClosed && failure:
		inARow := b.consecutive.Add(1)
		if inARow >= int32(b.p.ConsecutiveFailures) || b.ratioExceeded(now) {
			return b.trip(stateClosed, 1, now)
		}
	case st == stateHalfOpen && failure:
		return b.trip(stateHalfOpen, b.trips.Load()+1, now)
	case st == stateHalfOpen:
		if b.state.CompareAndSwap(int32(stateHalfOpen), int32(stateClosed)) {
			b.consecutive.Store(0)
			b.trips.Store(0)
			b.w.clear()
			return stateClosed
		}
	}
	// Outcomes of calls let through before the circuit opened change nothing.
	return noChange
}

func (b *breaker) ratioExceeded(now int64) bool {
	calls, failures := b.w.sums(now)
	return calls >= int64(b.p.MinCalls) && float64(failures) >= b.p.FailureRatio*float64(calls)
}

func (b *breaker) trip(from breakerState, trips int32, now int64) breakerState {
	// Timestamps first: whoever sees the circuit open must see when.
	b.openedAt.Store(now)
	b.trips.Store(trips)
	if b.state.CompareAndSwap(int32(from), int32(stateOpen)) {
		b.probes.Store(0)
		return stateOpen
	}
	return noChange
}
