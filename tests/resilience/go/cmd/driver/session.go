package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/brief-rpc/brief/tests/resilience/go/fault"
)

// session is one scenario run against one runner.
type session struct {
	fault  *faultServer
	runner *runner
	hosts  string
}

// result is one call's outcome as a runner reports it.
type result struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	StartUs   int64  `json:"start_us"`
	ElapsedUs int64  `json:"elapsed_us"`
	Endpoint  int64  `json:"endpoint"`
}

// client makes the runner build a new client of the given endpoints; config
// holds the settings the scenario changes (keys of the runner protocol).
func (s *session) client(urls []string, config map[string]any) error {
	cmd := map[string]any{"op": "client", "urls": urls}
	for k, v := range config {
		cmd[k] = v
	}
	return s.runner.do(cmd, nil)
}

// start opens n fresh fault server endpoints, prepares them (scripts,
// refused connections) and gives the runner a new client of them, with the
// settings in config.
func (s *session) start(n int, config map[string]any, prepare ...func() error) ([]string, error) {
	urls, err := s.fault.endpoints(n)
	if err != nil {
		return nil, err
	}
	for _, p := range prepare {
		if err := p(); err != nil {
			return nil, err
		}
	}
	return urls, s.client(urls, config)
}

// answer returns a preparation: endpoint ep (-1: all) answers with steps,
// then with then.
func (s *session) answer(ep int, then fault.Step, steps ...fault.Step) func() error {
	return func() error { return s.fault.script(ep, steps, then) }
}

// refuse returns a preparation: endpoint ep refuses connections.
func (s *session) refuse(ep int) func() error {
	return func() error { return s.fault.down(ep) }
}

// callAll makes the calls like call and checks that each returned want.
func (s *session) callAll(rpc string, count, concurrency, timeoutMs int, want string) ([]result, error) {
	rs, err := s.call(rpc, count, concurrency, timeoutMs)
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		if r.Code != want {
			return nil, fmt.Errorf("%s call %d of %d returned %s (%s), want %s", rpc, i+1, len(rs), r.Code, r.Message, want)
		}
	}
	return rs, nil
}

// call makes count calls of rpc, concurrency at a time, each with the given
// timeout (0: the rpc's).
func (s *session) call(rpc string, count, concurrency, timeoutMs int) ([]result, error) {
	var out struct{ Results []result }
	err := s.runner.do(map[string]any{"op": "call", "rpc": rpc, "count": count, "concurrency": concurrency, "timeout_ms": timeoutMs}, &out)
	if err == nil && len(out.Results) != count {
		err = fmt.Errorf("runner returned %d results for %d calls", len(out.Results), count)
	}
	return out.Results, err
}

// one makes one call and checks its code.
func (s *session) one(rpc string, timeoutMs int, want string) (result, error) {
	rs, err := s.callAll(rpc, 1, 1, timeoutMs, want)
	if err != nil {
		return result{}, err
	}
	return rs[0], nil
}

// metric reads one sample of the runner process's client metrics (0 when
// absent).
func (s *session) metric(name string, labels ...string) (float64, error) {
	var out struct{ Text string }
	if err := s.runner.do(map[string]any{"op": "metrics"}, &out); err != nil {
		return 0, err
	}
	var parts []string
	for i := 0; i+1 < len(labels); i += 2 {
		parts = append(parts, labels[i]+`="`+labels[i+1]+`"`)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+"{"+strings.Join(parts, ",")+"}") + ` (\S+)$`)
	m := re.FindStringSubmatch(out.Text)
	if m == nil {
		return 0, nil
	}
	return strconv.ParseFloat(m[1], 64)
}

// attempts returns the X-Brief-Attempt values of the records, in order.
func attempts(recs []fault.Record) string {
	var a []string
	for _, r := range recs {
		a = append(a, r.Attempt)
	}
	return strings.Join(a, ",")
}
