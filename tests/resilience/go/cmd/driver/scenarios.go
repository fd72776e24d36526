package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// scenario is one check of the resilience rules, run against each runner.
type scenario struct {
	name       string
	needsHosts bool
	run        func(s *session) (measure string, err error)
}

var ok = step{Do: "ok"}

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

func nonIdempotent503(s *session) (string, error) {
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, nil, step{Do: "503"})
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	if _, err := s.one("create", 0, "unavailable"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	if len(recs) != 1 {
		return "", fmt.Errorf("the server saw %d attempts (%s), want 1", len(recs), attempts(recs))
	}
	return "1 attempt", nil
}

func idempotentFailsTwice(s *session) (string, error) {
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, []step{{Do: "503"}, {Do: "502html"}}, ok)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	before, err := s.metric("brief_client_retries_total", "service", "chaos", "rpc", "put")
	if err != nil {
		return "", err
	}
	if _, err := s.one("put", 2000, "ok"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	if attempts(recs) != "1,2,3" {
		return "", fmt.Errorf("X-Brief-Attempt of the attempts: %q, want 1,2,3", attempts(recs))
	}
	for _, r := range recs {
		if r.RequestID != recs[0].RequestID || r.RequestID == "" {
			return "", errors.New("the attempts do not share one request id")
		}
	}
	after, err := s.metric("brief_client_retries_total", "service", "chaos", "rpc", "put")
	if err != nil {
		return "", err
	}
	if after-before != 2 {
		return "", fmt.Errorf("brief_client_retries_total grew by %v, want 2", after-before)
	}
	return "attempts 1,2,3", nil
}

func deadlineCoversAttempts(s *session) (string, error) {
	const timeout = 300
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, nil, step{Do: "503", DelayMs: 120})
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
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
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, nil, step{Do: "429", RetryAfter: "5"})
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	r, err := s.one("put", 500, "resource_exhausted")
	if err != nil {
		return "", err
	}
	if r.ElapsedUs > 100_000 {
		return "", fmt.Errorf("took %.1f ms: waited for a Retry-After beyond the deadline", float64(r.ElapsedUs)/1000)
	}
	recs, err := s.fault.requests()
	if err == nil && len(recs) != 1 {
		err = fmt.Errorf("%d attempts, want 1", len(recs))
	}
	return fmt.Sprintf("1 attempt, %.1f ms", float64(r.ElapsedUs)/1000), err
}

func retryAfterHonoured(s *session) (string, error) {
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, []step{{Do: "429", RetryAfter: "1"}}, ok)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
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

// oneAttempt checks that a call of rpc answered by st fails with code want
// after exactly one attempt.
func oneAttempt(s *session, rpc string, st step, want string) (string, error) {
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, []step{st}, ok)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	if _, err := s.one(rpc, 1000, want); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err == nil && len(recs) != 1 {
		err = fmt.Errorf("%d attempts, want 1", len(recs))
	}
	return "1 attempt", err
}

func exhaustedWithoutRetryAfter(s *session) (string, error) {
	return oneAttempt(s, "put", step{Do: "429"}, "resource_exhausted")
}

func invalidArgumentNotRetried(s *session) (string, error) {
	return oneAttempt(s, "read", step{Do: "invalid_argument"}, "invalid_argument")
}

func resetNonIdempotent(s *session) (string, error) {
	return oneAttempt(s, "create", step{Do: "reset"}, "unavailable")
}

func resetIdempotent(s *session) (string, error) {
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, []step{{Do: "reset"}}, ok)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	if _, err := s.one("put", 1000, "ok"); err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err == nil && attempts(recs) != "1,2" {
		err = fmt.Errorf("attempts %q, want 1,2", attempts(recs))
	}
	return "attempts 1,2", err
}

func refusedRetriedElsewhere(s *session) (string, error) {
	urls, err := s.fault.endpoints(2)
	if err == nil {
		err = s.fault.down(0)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	rs, err := s.call("create", 20, 1, 1000)
	if err == nil {
		err = allCodes(rs, "ok")
	}
	if err != nil {
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
	urls, err := s.fault.endpoints(2)
	if err == nil {
		err = s.fault.script(0, nil, step{Do: "503"})
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	rs, err := s.call("put", 20, 1, 1000)
	if err == nil {
		err = allCodes(rs, "ok")
	}
	if err != nil {
		return "", err
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	byID := map[string][]record{}
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
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, nil, step{Do: "503"})
	}
	// Without a breaker (it would stop the calls) and with short backoffs.
	if err == nil {
		err = s.client(urls, map[string]any{"breaker": false, "base_backoff_ms": 1, "max_backoff_ms": 2})
	}
	if err != nil {
		return "", err
	}
	before, err := s.metric("brief_client_retry_budget_exhausted_total", "service", "chaos", "rpc", "put")
	if err != nil {
		return "", err
	}
	rs, err := s.call("put", calls, 10, 2000)
	if err == nil {
		err = allCodes(rs, "unavailable")
	}
	if err != nil {
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
	after, err := s.metric("brief_client_retry_budget_exhausted_total", "service", "chaos", "rpc", "put")
	if err == nil && after <= before {
		err = errors.New("brief_client_retry_budget_exhausted_total did not grow")
	}
	return fmt.Sprintf("%d attempts ≤ %d", len(recs), limit), err
}

func breakerOpensAndRecovers(s *session) (string, error) {
	const coolDown = 300
	urls, err := s.fault.endpoints(1)
	if err == nil {
		err = s.fault.script(-1, nil, step{Do: "503"})
	}
	if err == nil {
		err = s.client(urls, map[string]any{"cool_down_ms": coolDown})
	}
	if err != nil {
		return "", err
	}
	rs, err := s.call("create", 5, 1, 1000)
	if err == nil {
		err = allCodes(rs, "unavailable")
	}
	if err != nil {
		return "", err
	}
	openedAt := time.Now()
	rs, err = s.call("create", 20, 1, 1000)
	if err == nil {
		err = allCodes(rs, "unavailable")
	}
	if err != nil {
		return "", err
	}
	var slowest int64
	for _, r := range rs {
		if !strings.Contains(r.Message, "circuit open") {
			return "", fmt.Errorf("message %q does not say the circuit is open", r.Message)
		}
		slowest = max(slowest, r.ElapsedUs)
	}
	if slowest >= 1000 {
		return "", fmt.Errorf("a call failed after %d µs, want under 1 ms", slowest)
	}
	recs, err := s.fault.requests()
	if err != nil {
		return "", err
	}
	if len(recs) != 5 {
		return "", fmt.Errorf("the server saw %d requests, want the 5 that opened the circuit", len(recs))
	}
	if err := s.fault.script(-1, nil, ok); err != nil {
		return "", err
	}
	time.Sleep(time.Until(openedAt.Add(coolDown*time.Millisecond + 50*time.Millisecond)))
	if _, err := s.one("create", 1000, "ok"); err != nil {
		return "", fmt.Errorf("probe after the cool-down: %v", err)
	}
	rs, err = s.call("create", 10, 1, 1000)
	if err == nil {
		err = allCodes(rs, "ok")
	}
	if err != nil {
		return "", fmt.Errorf("after the probe: %v", err)
	}
	state, err := s.metric("brief_client_circuit_state", "service", "chaos", "endpoint", urls[0])
	if err != nil {
		return "", err
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
	if state != 0 {
		return "", fmt.Errorf("brief_client_circuit_state = %v, want 0 (closed)", state)
	}
	return fmt.Sprintf("fast fail ≤ %d µs", slowest), nil
}

func oneOfThreeRefusing(s *session) (string, error) {
	urls, err := s.fault.endpoints(3)
	if err == nil {
		err = s.fault.down(0)
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	n := 0
	for _, rpc := range []string{"read", "put", "create"} {
		rs, err := s.call(rpc, 100, 4, 1000)
		if err == nil {
			err = allCodes(rs, "ok")
		}
		if err != nil {
			return "", fmt.Errorf("%s: %v", rpc, err)
		}
		n += len(rs)
	}
	return fmt.Sprintf("%d/%d ok", n, n), nil
}

func slowEndpointAvoided(s *session) (string, error) {
	const calls = 300
	urls, err := s.fault.endpoints(3)
	if err == nil {
		err = s.fault.script(0, nil, step{Do: "ok", DelayMs: 30})
	}
	if err == nil {
		err = s.client(urls, nil)
	}
	if err != nil {
		return "", err
	}
	rs, err := s.call("read", calls, 8, 1000)
	if err == nil {
		err = allCodes(rs, "ok")
	}
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
	rs, err := s.call("read", 10, 1, 1000)
	if err == nil {
		err = allCodes(rs, "ok")
	}
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
		rs, err := s.call("read", 10, 1, 1000)
		if err == nil {
			err = allCodes(rs, "ok")
		}
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
