package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/brief-rpc/brief/tests/resilience/go/fault"
)

// scenario is one check of the resilience rules, run against each runner.
type scenario struct {
	name       string
	needsHosts bool
	run        func(s *session) (measure string, err error)
}

// scenarios is the list every language's runner goes through (the bullets of
// issue 11 and the spec's rules), each on fresh fault server endpoints and a
// fresh client.
var scenarios = []scenario{
	{name: "non-idempotent 503 reaches the server once", run: nonIdempotent503},
	{name: "idempotent fails twice, then ok on attempt 3", run: idempotentFailsTwice},
	{name: "no attempt after the deadline, return within 50 ms", run: deadlineCoversAttempts},
	{name: "Retry-After past the deadline: no wait", run: retryAfterPastDeadline},
	{name: "Retry-After honoured", run: retryAfterHonoured},
	{name: "resource_exhausted without Retry-After: no retry", run: exhaustedWithoutRetryAfter},
	{name: "invalid_argument: no retry", run: invalidArgumentNotRetried},
	{name: "reset mid-request: idempotent retried", run: resetIdempotent},
	{name: "reset mid-request: non-idempotent not retried", run: resetNonIdempotent},
	{name: "refused connection: any rpc retried elsewhere", run: refusedRetriedElsewhere},
	{name: "retry goes to another endpoint", run: retryMovesEndpoint},
	{name: "retry budget under 100% failure", run: budgetUnderTotalFailure},
	{name: "breaker opens, fails fast, probe closes it", run: breakerOpensAndRecovers},
	{name: "one of three endpoints refusing: all calls ok", run: oneOfThreeRefusing},
	{name: "slow endpoint gets little traffic", run: slowEndpointAvoided},
	{name: "dns+http picks up a new endpoint", needsHosts: true, run: dnsPicksUpEndpoint},
}

var (
	unavailable = fault.Step{Do: "503"}
	reset       = fault.Step{Do: "reset"}
)

// attemptsSeen checks that the server saw the attempts want (their
// X-Brief-Attempt values, comma-separated).
func attemptsSeen(s *session, want string) error {
	recs, err := s.fault.requests()
	if err == nil && attempts(recs) != want {
		err = fmt.Errorf("the server saw attempts %q, want %q", attempts(recs), want)
	}
	return err
}

// oneAttempt checks that a call of rpc answered by st fails with code want
// after exactly one attempt.
func oneAttempt(s *session, rpc string, st fault.Step, want string) (string, error) {
	if _, err := s.start(1, nil, s.answer(-1, fault.OK, st)); err != nil {
		return "", err
	}
	if _, err := s.one(rpc, 1000, want); err != nil {
		return "", err
	}
	return "1 attempt", attemptsSeen(s, "1")
}

func nonIdempotent503(s *session) (string, error) {
	return oneAttempt(s, "create", unavailable, "unavailable")
}

func exhaustedWithoutRetryAfter(s *session) (string, error) {
	return oneAttempt(s, "put", fault.Step{Do: "429"}, "resource_exhausted")
}

func invalidArgumentNotRetried(s *session) (string, error) {
	return oneAttempt(s, "read", fault.Step{Do: "invalid_argument"}, "invalid_argument")
}

func resetNonIdempotent(s *session) (string, error) {
	return oneAttempt(s, "create", reset, "unavailable")
}

func resetIdempotent(s *session) (string, error) {
	if _, err := s.start(1, nil, s.answer(-1, fault.OK, reset)); err != nil {
		return "", err
	}
	if _, err := s.one("put", 1000, "ok"); err != nil {
		return "", err
	}
	return "attempts 1,2", attemptsSeen(s, "1,2")
}

func idempotentFailsTwice(s *session) (string, error) {
	if _, err := s.start(1, nil, s.answer(-1, fault.OK, unavailable, fault.Step{Do: "502html"})); err != nil {
		return "", err
	}
	retries := func() (float64, error) {
		return s.metric("brief_client_retries_total", "service", "chaos", "rpc", "put")
	}
	before, err := retries()
	if err != nil {
		return "", err
	}
	if _, err := s.one("put", 2000, "ok"); err != nil {
		return "", err
	}
	if err := attemptsSeen(s, "1,2,3"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if r.RequestID != recs[0].RequestID || r.RequestID == "" {
			return "", errors.New("the attempts do not share one request id")
		}
	}
	after, err := retries()
	if err == nil && after-before != 2 {
		err = fmt.Errorf("brief_client_retries_total grew by %v, want 2", after-before)
	}
	return "attempts 1,2,3", err
}

func deadlineCoversAttempts(s *session) (string, error) {
	const timeout = 300
	if _, err := s.start(1, nil, s.answer(-1, fault.Step{Do: "503", DelayMs: 120})); err != nil {
		return "", err
	}
	rs, err := s.call("put", 1, 1, timeout)
	if err != nil {
		return "", err
	}
	r := rs[0]
	if r.Code != "deadline_exceeded" && r.Code != "unavailable" {
		return "", fmt.Errorf("got %s (%s)", r.Code, r.Message)
	}
	if r.ElapsedUs > (timeout+50)*1000 {
		return "", fmt.Errorf("returned after %.1f ms, deadline %d ms", float64(r.ElapsedUs)/1000, timeout)
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	if len(recs) < 2 {
		return "", fmt.Errorf("only %d attempt: the deadline left room for a retry", len(recs))
	}
	// Requests take a few hundred microseconds to arrive; 2 ms of slack.
	for _, rec := range recs {
		if late := rec.AtUs - (r.StartUs + timeout*1000); late > 2000 {
			return "", fmt.Errorf("attempt %s arrived %.1f ms after the deadline", rec.Attempt, float64(late)/1000)
		}
	}
	return fmt.Sprintf("%d attempts, %s at %.0f ms", len(recs), r.Code, float64(r.ElapsedUs)/1000), nil
}

func retryAfterPastDeadline(s *session) (string, error) {
	if _, err := s.start(1, nil, s.answer(-1, fault.Step{Do: "429", RetryAfter: "5"})); err != nil {
		return "", err
	}
	r, err := s.one("put", 500, "resource_exhausted")
	if err != nil {
		return "", err
	}
	if r.ElapsedUs > 100_000 {
		return "", fmt.Errorf("took %.1f ms: waited for a Retry-After beyond the deadline", float64(r.ElapsedUs)/1000)
	}
	return fmt.Sprintf("1 attempt, %.1f ms", float64(r.ElapsedUs)/1000), attemptsSeen(s, "1")
}

func retryAfterHonoured(s *session) (string, error) {
	if _, err := s.start(1, nil, s.answer(-1, fault.OK, fault.Step{Do: "429", RetryAfter: "1"})); err != nil {
		return "", err
	}
	if _, err := s.one("put", 3000, "ok"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	if len(recs) != 2 {
		return "", fmt.Errorf("%d attempts, want 2", len(recs))
	}
	gap := time.Duration(recs[1].AtUs-recs[0].AtUs) * time.Microsecond
	if gap < 998*time.Millisecond {
		return "", fmt.Errorf("retried after %v, the server asked for 1 s", gap)
	}
	return fmt.Sprintf("retried after %v", gap.Round(time.Millisecond)), nil
}

func refusedRetriedElsewhere(s *session) (string, error) {
	if _, err := s.start(2, nil, s.refuse(0)); err != nil {
		return "", err
	}
	if _, err := s.callAll("create", 20, 1, 1000, "ok"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	second := 0
	for _, r := range recs {
		if r.Endpoint != 1 {
			return "", fmt.Errorf("a request reached endpoint %d", r.Endpoint)
		}
		if r.Attempt == "2" {
			second++
		}
	}
	if len(recs) != 20 || second == 0 {
		return "", fmt.Errorf("%d requests, %d of them second attempts: want 20, at least one", len(recs), second)
	}
	return fmt.Sprintf("20/20 ok, %d sent again", second), nil
}

func retryMovesEndpoint(s *session) (string, error) {
	if _, err := s.start(2, nil, s.answer(0, unavailable)); err != nil {
		return "", err
	}
	if _, err := s.callAll("put", 20, 1, 1000, "ok"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	byID := map[string][]fault.Record{}
	for _, r := range recs {
		byID[r.RequestID] = append(byID[r.RequestID], r)
	}
	moved := 0
	for id, rs := range byID {
		for i := 1; i < len(rs); i++ {
			if rs[i].Endpoint == rs[i-1].Endpoint {
				return "", fmt.Errorf("request %s: attempt %s went to the endpoint of attempt %s", id, rs[i].Attempt, rs[i-1].Attempt)
			}
			moved++
		}
	}
	if moved == 0 {
		return "", errors.New("no call was retried")
	}
	return fmt.Sprintf("%d retries, all moved", moved), nil
}

func budgetUnderTotalFailure(s *session) (string, error) {
	const calls, floor = 1000, 100 // floor: 10 retries/s over the 10 s window
	// Without a breaker (it would stop the calls) and with short backoffs.
	config := map[string]any{"breaker": false, "base_backoff_ms": 1, "max_backoff_ms": 2}
	if _, err := s.start(1, config, s.answer(-1, unavailable)); err != nil {
		return "", err
	}
	exhausted := func() (float64, error) {
		return s.metric("brief_client_retry_budget_exhausted_total", "service", "chaos", "rpc", "put")
	}
	before, err := exhausted()
	if err != nil {
		return "", err
	}
	if _, err := s.callAll("put", calls, 10, 2000, "unavailable"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	limit := calls*12/10 + floor
	if len(recs) > limit || len(recs) <= calls {
		return "", fmt.Errorf("%d attempts for %d calls: want more than %d (some retries), at most %d", len(recs), calls, calls, limit)
	}
	after, err := exhausted()
	if err == nil && after <= before {
		err = errors.New("brief_client_retry_budget_exhausted_total did not grow")
	}
	return fmt.Sprintf("%d attempts ≤ %d", len(recs), limit), err
}

func breakerOpensAndRecovers(s *session) (string, error) {
	const coolDown = 300
	urls, err := s.start(1, map[string]any{"cool_down_ms": coolDown}, s.answer(-1, unavailable))
	if err != nil {
		return "", err
	}
	if _, err := s.callAll("create", 5, 1, 1000, "unavailable"); err != nil {
		return "", err
	}
	openedAt := time.Now()
	rs, err := s.callAll("create", 20, 1, 1000, "unavailable")
	if err != nil {
		return "", err
	}
	var slowest, slow int64
	for _, r := range rs {
		if !strings.Contains(r.Message, "circuit open") {
			return "", fmt.Errorf("message %q does not say the circuit is open", r.Message)
		}
		slowest = max(slowest, r.ElapsedUs)
		if r.ElapsedUs >= 1000 {
			slow++
		}
	}
	// One call in 20 may lose its core to another process for a moment.
	if slow > 1 {
		return "", fmt.Errorf("%d of %d calls took 1 ms or more (slowest %d µs), want under 1 ms", slow, len(rs), slowest)
	}
	if err := attemptsSeen(s, "1,1,1,1,1"); err != nil {
		return "", fmt.Errorf("only the 5 calls that opened the circuit may reach the server: %v", err)
	}
	if err := s.fault.script(-1, nil, fault.OK); err != nil {
		return "", err
	}
	time.Sleep(time.Until(openedAt.Add(coolDown*time.Millisecond + 50*time.Millisecond)))
	if _, err := s.one("create", 1000, "ok"); err != nil {
		return "", fmt.Errorf("probe after the cool-down: %v", err)
	}
	if _, err := s.callAll("create", 10, 1, 1000, "ok"); err != nil {
		return "", fmt.Errorf("after the probe: %v", err)
	}
	state, err := s.metric("brief_client_circuit_state", "service", "chaos", "endpoint", urls[0])
	if err != nil {
		return "", err
	}
	if state != 0 {
		return "", fmt.Errorf("brief_client_circuit_state = %v, want 0 (closed)", state)
	}
	for _, st := range []string{"open", "half_open", "closed"} {
		n, err := s.metric("brief_client_circuit_transitions_total", "service", "chaos", "endpoint", urls[0], "state", st)
		if err != nil {
			return "", err
		}
		if n != 1 {
			return "", fmt.Errorf("brief_client_circuit_transitions_total{state=%q} = %v, want 1", st, n)
		}
	}
	return fmt.Sprintf("fast fail: slowest of 20 took %d µs", slowest), nil
}

func oneOfThreeRefusing(s *session) (string, error) {
	if _, err := s.start(3, nil, s.refuse(0)); err != nil {
		return "", err
	}
	n := 0
	for _, rpc := range []string{"read", "put", "create"} {
		rs, err := s.callAll(rpc, 100, 4, 1000, "ok")
		if err != nil {
			return "", err
		}
		n += len(rs)
	}
	return fmt.Sprintf("%d/%d ok", n, n), nil
}

func slowEndpointAvoided(s *session) (string, error) {
	const calls = 300
	if _, err := s.start(3, nil, s.answer(0, fault.Step{Do: "ok", DelayMs: 30})); err != nil {
		return "", err
	}
	rs, err := s.callAll("read", calls, 8, 1000, "ok")
	if err != nil {
		return "", err
	}
	slow := 0
	for _, r := range rs {
		if r.Endpoint == 0 {
			slow++
		}
	}
	share := float64(slow) / calls
	if share >= 0.10 {
		return "", fmt.Errorf("the slow endpoint got %.0f%% of the calls, want under 10%% (even: 33%%)", share*100)
	}
	return fmt.Sprintf("slow one got %.1f%%", share*100), nil
}

const dnsName = "chaos.brief.test"

func dnsPicksUpEndpoint(s *session) (string, error) {
	base, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return "", err
	}
	// Written in place: the runner's /etc/hosts is a bind mount of this file.
	setHosts := func(ips ...string) error {
		b := append([]byte(nil), base...)
		for _, ip := range ips {
			b = append(b, ip+" "+dnsName+"\n"...)
		}
		return os.WriteFile(s.hosts, b, 0o644)
	}
	defer setHosts()
	port, err := s.fault.onHosts("127.0.0.2", "127.0.0.3")
	if err == nil {
		err = setHosts("127.0.0.2")
	}
	if err == nil {
		err = s.client([]string{fmt.Sprintf("dns+http://%s:%d", dnsName, port)}, map[string]any{"dns_refresh_ms": 100})
	}
	if err != nil {
		return "", err
	}
	rs, err := s.callAll("read", 10, 1, 1000, "ok")
	if err != nil {
		return "", err
	}
	for _, r := range rs {
		if r.Endpoint != 0 {
			return "", errors.New("a call reached 127.0.0.3 before it was in DNS")
		}
	}
	if err := setHosts("127.0.0.2", "127.0.0.3"); err != nil {
		return "", err
	}
	added := time.Now()
	for time.Since(added) < 15*time.Second {
		rs, err := s.callAll("read", 10, 1, 1000, "ok")
		if err != nil {
			return "", err
		}
		for _, r := range rs {
			if r.Endpoint == 1 {
				return fmt.Sprintf("new endpoint used after %v", time.Since(added).Round(10*time.Millisecond)), nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "", errors.New("no call reached the endpoint added to DNS within 15 s")
}
