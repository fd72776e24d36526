package brief

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestWindowExpires(t *testing.T) {
	w := newWindow(10 * time.Second)
	w.add(5000, 3, 1)
	w.add(9999, 1, 0)
	check := func(now, a, b int64) {
		t.Helper()
		if ga, gb := w.sums(now); ga != a || gb != b {
			t.Fatalf("sums(%d) = %d,%d want %d,%d", now, ga, gb, a, b)
		}
	}
	check(10000, 4, 1)
	w.add(12000, 1, 1)
	check(14999, 5, 2)
	check(15000, 2, 1)
	check(20000, 1, 1)
	check(22000, 0, 0)
	w.add(25000, 1, 0)
	check(25000, 1, 0)
	w.clear()
	check(25000, 0, 0)
}

func TestBudgetFloorThenRatio(t *testing.T) {
	b := newRetryBudget(RetryBudget{})
	const now = 50000
	count := func(now int64) int {
		n := 0
		for n < 1000 && b.withdraw(now) {
			n++
		}
		return n
	}
	if n := count(now); n != 100 {
		t.Fatalf("floor: %d retries, want 100 (10/s × 10 s)", n)
	}
	for range 1000 {
		b.deposit(now)
	}
	if n := count(now); n != 200 {
		t.Fatalf("ratio: %d retries, want 200 (20%% of 1000)", n)
	}
	if n := count(now + 10000); n != 100 {
		t.Fatalf("after the window: %d", n)
	}
}

func call(b *breaker, failure bool, now int64) breakerState {
	a, _ := b.admit(now)
	if a == admitNone {
		panic("not admitted")
	}
	return b.record(a, failure, now)
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	b := newBreaker(BreakerPolicy{})
	const t0 = 100000
	for range 4 {
		if s := call(b, true, t0); s != noChange {
			t.Fatal("opened early")
		}
	}
	call(b, false, t0) // a success resets the streak
	for range 4 {
		call(b, true, t0)
	}
	if s := call(b, true, t0); s != stateOpen {
		t.Fatalf("fifth failure in a row: %v", s)
	}
	if a, _ := b.admit(t0 + 4999); a != admitNone || b.available(t0+4999) {
		t.Fatal("admitted during the cool-down")
	}
	if d := b.nextProbeIn(t0 + 4000); d != time.Second {
		t.Fatalf("next probe in %v", d)
	}
	if a, s := b.admit(t0 + 5000); a != admitProbe || s != stateHalfOpen {
		t.Fatalf("after the cool-down: %v %v", a, s)
	}
	b.admit(t0 + 5000)
	b.admit(t0 + 5000)
	if a, _ := b.admit(t0 + 5000); a != admitNone {
		t.Fatal("a fourth probe at once")
	}
	b.abandon(admitProbe)
	if a, _ := b.admit(t0 + 5000); a != admitProbe {
		t.Fatal("abandoned probe slot not given back")
	}
	if s := b.record(admitProbe, false, t0+5010); s != stateClosed {
		t.Fatalf("success while half-open: %v", s)
	}
	if s := b.record(admitProbe, false, t0+5010); s != noChange || b.current() != stateClosed {
		t.Fatal("closed breaker changed")
	}
}

func TestBreakerCoolDownGrows(t *testing.T) {
	b := newBreaker(BreakerPolicy{})
	const t0 = 100000
	for range 5 {
		call(b, true, t0)
	}
	if s := call(b, true, t0+5000); s != stateOpen {
		t.Fatalf("failed probe: %v", s)
	}
	if b.available(t0+5000+9999) || !b.available(t0+15000) {
		t.Fatal("second cool-down is not 10 s")
	}
	call(b, true, t0+15000)
	if d := b.nextProbeIn(t0 + 15000); d != 20*time.Second {
		t.Fatalf("third cool-down %v", d)
	}
	var got []time.Duration
	for trips := int32(1); trips <= 6; trips++ {
		got = append(got, b.p.coolDownAfter(trips))
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 60 * time.Second, 60 * time.Second}
	if !slices.Equal(got, want) {
		t.Fatalf("cool-downs %v", got)
	}
	call(b, false, t0+35000)
	for range 5 {
		call(b, true, t0+36000)
	}
	if d := b.nextProbeIn(t0 + 36000); d != 5*time.Second {
		t.Fatalf("closing did not reset the growth: %v", d)
	}
}

func TestBreakerOpensOnRatio(t *testing.T) {
	b := newBreaker(BreakerPolicy{})
	const t0 = 100000
	for i := range 19 {
		if s := call(b, i%2 == 0, t0+int64(i)); s != noChange {
			t.Fatalf("call %d: %v", i, s)
		}
	}
	if s := call(b, true, t0+19); s != stateOpen {
		t.Fatalf("half of 20 calls failed: %v", s)
	}
	b = newBreaker(BreakerPolicy{})
	for i := range 10 {
		call(b, i%2 == 0, t0)
	}
	for i := range 10 {
		if s := call(b, i%2 == 0, t0+10000); s != noChange {
			t.Fatal("old failures counted")
		}
	}
}

func TestRetryPolicyBackoff(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	for retry, want := range map[int]time.Duration{1: 25 * time.Millisecond, 2: 50 * time.Millisecond, 6: 800 * time.Millisecond, 7: time.Second, 200: time.Second} {
		if got := p.backoffCeiling(retry); got != want {
			t.Errorf("backoffCeiling(%d) = %v, want %v", retry, got, want)
		}
	}
}

func testEndpoints(n int, withBreaker bool) []*endpoint {
	opts := &endpointOptions{avoidMs: 5000, logger: quiet}
	if withBreaker {
		p := BreakerPolicy{}.withDefaults()
		opts.breaker = &p
	}
	eps := make([]*endpoint, n)
	for i := range eps {
		eps[i] = newEndpoint("balance-test", "http://e"+string(rune('0'+i)), opts)
	}
	return eps
}

func TestBalancerPrefersFewerInFlight(t *testing.T) {
	eps := testEndpoints(3, true)
	for range 5 {
		eps[0].start(1000)
	}
	var counts [3]int
	for range 300 {
		i, a := pickEndpoint(eps, 0, 1000)
		counts[i]++
		eps[i].abandon(a)
	}
	if counts[0] != 0 || counts[1] < 50 || counts[2] < 50 {
		t.Fatalf("counts %v", counts)
	}
}

func TestBalancerSkipsOpenAvoidedAndTried(t *testing.T) {
	eps := testEndpoints(3, true)
	const now = 100000
	open := func(e *endpoint) {
		for {
			a, ok := e.start(now)
			if !ok {
				return
			}
			e.finish(a, true, false, now)
		}
	}
	open(eps[0])
	a, _ := eps[1].start(now)
	eps[1].finish(a, true, true, now) // refused a connection
	for range 50 {
		if i, a := pickEndpoint(eps, 0, now); i != 2 {
			t.Fatalf("picked %d", i)
		} else {
			eps[i].abandon(a)
		}
	}
	var tried triedSet
	tried.add(2)
	if i, a := pickEndpoint(eps, tried, now); i != 1 {
		t.Fatalf("avoided endpoint not preferred over a tried one: %d", i)
	} else {
		eps[i].abandon(a)
	}
	tried.add(1)
	for range 50 {
		i, a := pickEndpoint(eps, tried, now)
		if i == 0 || i < 0 {
			t.Fatalf("picked %d", i)
		}
		eps[i].abandon(a)
	}
	open(eps[1])
	open(eps[2])
	if i, _ := pickEndpoint(eps, tried, now); i != -1 {
		t.Fatalf("all open, picked %d", i)
	}
	if i, _ := pickEndpoint(nil, 0, now); i != -1 {
		t.Fatal("no endpoints")
	}
	if i, _ := pickEndpoint(eps, tried, now+5000); i < 0 {
		t.Fatal("no probe after the cool-down")
	}
}

// The breaker, the budget and the balancer allocate nothing per call.
func TestResilienceHotPathAllocatesNothing(t *testing.T) {
	eps := testEndpoints(3, true)
	budget := newRetryBudget(RetryBudget{})
	allocs := testing.AllocsPerRun(1000, func() {
		now := nowMs()
		budget.deposit(now)
		i, a := pickEndpoint(eps, 0, now)
		eps[i].finish(a, false, false, nowMs())
		budget.withdraw(now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per call", allocs)
	}
}

// The shared vectors: every runtime parses endpoint lists the same way.
func TestDiscoveryVectors(t *testing.T) {
	data, err := os.ReadFile("../../tests/vectors/discovery.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		EnvVar []struct{ Service, Variable string } `json:"env_var"`
		Lists  []struct {
			Name      string
			Value     string
			Endpoints []string
			Error     string
		}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	for _, c := range v.EnvVar {
		if got := EnvVarName(c.Service); got != c.Variable {
			t.Errorf("EnvVarName(%q) = %q, want %q", c.Service, got, c.Variable)
		}
	}
	for _, c := range v.Lists {
		got, err := parseEndpointList(c.Value)
		if c.Error != "" {
			if err == nil || !strings.Contains(err.Error(), c.Error) {
				t.Errorf("%s: %q: got %v, %v; want an error containing %q", c.Name, c.Value, got, err, c.Error)
			}
			continue
		}
		var names []string
		for _, s := range got {
			names = append(names, s.String())
		}
		if err != nil || !slices.Equal(names, c.Endpoints) {
			t.Errorf("%s: %q: got %q, %v; want %q", c.Name, c.Value, names, err, c.Endpoints)
		}
	}
	if len(v.Lists) < 30 {
		t.Fatalf("only %d vectors", len(v.Lists))
	}
}

// scripted is a resolver the test controls.
type scripted struct {
	mu    sync.Mutex
	addrs []string
	err   error
	calls atomic.Int32
}

func (s *scripted) LookupHost(_ context.Context, host string) ([]string, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if host != "svc.test" {
		return nil, errors.New("unexpected host " + host)
	}
	return slices.Clone(s.addrs), s.err
}

func (s *scripted) set(addrs []string, err error) {
	s.mu.Lock()
	s.addrs, s.err = addrs, err
	s.mu.Unlock()
}

func TestDNSRefreshKeepsLastGoodSet(t *testing.T) {
	r := &scripted{addrs: []string{"10.0.0.2"}}
	c, err := NewClient("svc", WithBaseURL("dns+http://svc.test:81/p, http://static:1"), WithResolver(r), WithDNSRefresh(10*time.Millisecond), WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Endpoints(); !slices.Equal(got, []string{"http://10.0.0.2:81/p", "http://static:1"}) {
		t.Fatalf("endpoints %v", got)
	}
	first := c.endpoints.snapshot()[0]
	r.set([]string{"10.0.0.3", "10.0.0.2", "::1"}, nil)
	want := []string{"http://10.0.0.2:81/p", "http://10.0.0.3:81/p", "http://[::1]:81/p", "http://static:1"}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(c.Endpoints(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("endpoints %v", c.Endpoints())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if c.endpoints.snapshot()[0] != first {
		t.Fatal("an endpoint that stayed lost its state")
	}
	r.set(nil, errors.New("SERVFAIL"))
	n := r.calls.Load()
	for r.calls.Load() < n+3 {
		time.Sleep(5 * time.Millisecond)
	}
	if got := c.Endpoints(); !slices.Equal(got, want) {
		t.Fatalf("after failures: %v", got)
	}
	c.Close()
	time.Sleep(50 * time.Millisecond)
	n = r.calls.Load()
	time.Sleep(50 * time.Millisecond)
	if r.calls.Load() != n {
		t.Fatal("still resolving after Close")
	}
}

func TestUnresolvedDNSExplainsItself(t *testing.T) {
	r := &scripted{err: errors.New("no such host")}
	c, err := NewClient("svc", WithBaseURL("dns+http://svc.test:81"), WithResolver(r), WithDNSRefresh(time.Minute), WithClientLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Call(context.Background(), &RPC{Service: "svc", Name: "x", Timeout: time.Second}, nil, nil)
	if CodeOf(err) != CodeUnavailable || !strings.Contains(err.Error(), "dns+http://svc.test:81") || !strings.Contains(err.Error(), "no such host") {
		t.Fatalf("got %v", err)
	}
}
