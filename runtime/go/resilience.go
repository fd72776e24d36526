package brief

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how an rpc is retried: per client (WithRetry), per rpc
// (WithRPCRetry) or per call (WithCallRetry). Zero fields take the defaults;
// NoRetry turns retries off.
//
// Whatever the policy, a call is only retried when that is safe: an
// idempotent or readonly rpc after an outcome that says the server may try
// again (a connection error, unavailable, resource_exhausted with
// Retry-After), any rpc when the request certainly never left the client
// (connection refused, DNS failure).
type RetryPolicy struct {
	// MaxAttempts counts all attempts, the first included (default 3).
	MaxAttempts int
	// BaseBackoff is the backoff before the first retry (default 25 ms); it
	// doubles for each further retry, and the actual sleep is a random
	// duration below it (full jitter).
	BaseBackoff time.Duration
	// MaxBackoff is the largest backoff (default 1 s).
	MaxBackoff time.Duration
}

// The defaults of every brief runtime (docs/resilience.md says why).
const (
	DefaultMaxAttempts            = 3
	DefaultBaseBackoff            = 25 * time.Millisecond
	DefaultMaxBackoff             = time.Second
	DefaultAvoidAfterConnectError = 5 * time.Second
	DefaultDNSRefresh             = 5 * time.Second
)

// NoRetry is the policy of a single attempt.
var NoRetry = RetryPolicy{MaxAttempts: 1}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseBackoff <= 0 {
		p.BaseBackoff = DefaultBaseBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	return p
}

// backoffCeiling is min(MaxBackoff, BaseBackoff × 2^(retry-1)) for retry
// number retry (1 for the first retry).
func (p RetryPolicy) backoffCeiling(retry int) time.Duration {
	d := p.BaseBackoff
	for i := 1; i < retry && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

// resilienceConfig holds a client's resilience options.
type resilienceConfig struct {
	off       bool
	retry     RetryPolicy
	rpcRetry  map[string]RetryPolicy
	budget    *RetryBudget // nil: none
	breaker   *BreakerPolicy
	avoid     time.Duration
	refresh   time.Duration
	resolver  Resolver
	logger    *slog.Logger
	noBudget  bool
	noBreaker bool
}

// WithRetry sets the client's retry policy (default: 3 attempts, backoff
// 25 ms doubling up to 1 s). WithRetry(brief.NoRetry) turns retries off.
func WithRetry(p RetryPolicy) ClientOption {
	return func(c *Client) { c.res.retry = p.withDefaults() }
}

// WithRPCRetry sets the retry policy of the rpc named rpc (its name in the
// contract, e.g. "sum").
func WithRPCRetry(rpc string, p RetryPolicy) ClientOption {
	return func(c *Client) {
		if c.res.rpcRetry == nil {
			c.res.rpcRetry = map[string]RetryPolicy{}
		}
		c.res.rpcRetry[rpc] = p.withDefaults()
	}
}

// WithRetryBudget sets the client's retry budget (default: 20% of calls plus
// 10 retries per second, over 10 s).
func WithRetryBudget(b RetryBudget) ClientOption {
	return func(c *Client) { b = b.withDefaults(); c.res.budget, c.res.noBudget = &b, false }
}

// WithoutRetryBudget lets every retry the policy allows happen.
func WithoutRetryBudget() ClientOption { return func(c *Client) { c.res.noBudget = true } }

// WithCircuitBreaker sets the circuit breaker policy of every endpoint.
func WithCircuitBreaker(p BreakerPolicy) ClientOption {
	return func(c *Client) { p = p.withDefaults(); c.res.breaker, c.res.noBreaker = &p, false }
}

// WithoutCircuitBreaker turns the endpoints' circuit breakers off.
func WithoutCircuitBreaker() ClientOption { return func(c *Client) { c.res.noBreaker = true } }

// WithoutResilience turns every resilience layer off: one attempt, no
// budget, no breakers, endpoints used in turn (dns+http endpoints are still
// re-resolved).
func WithoutResilience() ClientOption { return func(c *Client) { c.res.off = true } }

// WithAvoidAfterConnectError sets how long the balancer avoids an endpoint
// that refused a connection while others are usable (default 5 s; 0: never).
func WithAvoidAfterConnectError(d time.Duration) ClientOption {
	return func(c *Client) { c.res.avoid = max(d, 0) }
}

// WithDNSRefresh sets how often dns+http:// endpoints are re-resolved, in the
// background (default 5 s).
func WithDNSRefresh(d time.Duration) ClientOption { return func(c *Client) { c.res.refresh = d } }

// WithResolver sets the resolver of dns+http:// endpoints (default
// net.DefaultResolver).
func WithResolver(r Resolver) ClientOption { return func(c *Client) { c.res.resolver = r } }

// WithClientLogger sets the logger of breaker state changes and discovery
// (default slog.Default()).
func WithClientLogger(l *slog.Logger) ClientOption { return func(c *Client) { c.res.logger = l } }

// WithCallRetry sets the retry policy of one call.
func WithCallRetry(p RetryPolicy) CallOption {
	return func(c *callConfig) { p = p.withDefaults(); c.retry = &p }
}

func defaultResilience() resilienceConfig {
	return resilienceConfig{
		retry:    RetryPolicy{}.withDefaults(),
		avoid:    DefaultAvoidAfterConnectError,
		refresh:  DefaultDNSRefresh,
		resolver: net.DefaultResolver,
	}
}

// endpointOptions returns what the client's endpoints are built with.
func (r *resilienceConfig) endpointOptions(explicit []string) endpointOptions {
	o := endpointOptions{avoidMs: r.avoid.Milliseconds(), logger: r.logger, dnsRefresh: r.refresh, resolver: r.resolver, explicitURLs: explicit}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	if r.off {
		o.avoidMs = 0
		return o
	}
	if !r.noBreaker {
		p := BreakerPolicy{}.withDefaults()
		if r.breaker != nil {
			p = *r.breaker
		}
		o.breaker = &p
	}
	return o
}

// newBudget returns the client's retry budget, or nil.
func (r *resilienceConfig) newBudget() *retryBudget {
	if r.off || r.noBudget {
		return nil
	}
	if r.budget != nil {
		return newRetryBudget(*r.budget)
	}
	return newRetryBudget(RetryBudget{})
}

// unhealthy reports whether an outcome says the server is unhealthy (it
// counts against its breaker).
func unhealthy(e *Error) bool {
	switch e.Code {
	case CodeUnavailable, CodeDeadlineExceeded, CodeInternal:
		return true
	}
	return false
}

// retryAfter returns the Retry-After of a response, in whole seconds.
func retryAfter(h map[string][]string) (time.Duration, bool) {
	v := headerValue(h, "Retry-After")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// giveUp returns the error of a call after its last attempt: the attempt's,
// with a note on how many attempts were made and why there was no other
// (typed errors stay as sent).
func giveUp(e *Error, attempts int, why string) *Error {
	switch {
	case len(e.Details) > 0 || attempts == 1 && why == "":
		return e
	case attempts == 1:
		return annotate(e, why)
	case why == "":
		return annotate(e, fmt.Sprintf("after %d attempts", attempts))
	}
	return annotate(e, fmt.Sprintf("after %d attempts; %s", attempts, why))
}

func annotate(e *Error, note string) *Error {
	out := *e
	out.Message = e.Message + " (" + note + ")"
	return &out
}

// invoke runs a call: one attempt when every layer is off, else as many as
// the rules allow before ctx's deadline. attempt sends one attempt to
// req.Endpoint (the interceptors around the HTTP attempt).
func (c *Client) invoke(ctx context.Context, req *Request) error {
	eps := c.endpoints.snapshot()
	if len(eps) == 0 {
		return Errorf(CodeUnavailable, "%s: no endpoint of %s: %s", req.RPC.Path(), c.service, c.endpoints.whyEmpty())
	}
	if c.res.off {
		req.Endpoint = eps[(c.next.Add(1)-1)%uint64(len(eps))].url
		return c.attempt(ctx, req)
	}
	policy := c.res.retry
	if p, ok := c.res.rpcRetry[req.RPC.Name]; ok {
		policy = p
	}
	if req.retry != nil {
		policy = *req.retry
	}
	// One clock read serves the happy path: the budget, the balancer and the
	// breaker's record of a success (windows have 1 s slots). Failures read
	// the clock again.
	now := nowMs()
	if c.budget != nil {
		c.budget.deposit(now)
	}
	var tried triedSet
	var last *Error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			now = nowMs()
		}
		if attempt > 1 && ctx.Err() != nil {
			// No attempt starts after the deadline; Call reports the context's error.
			if last != nil {
				return last
			}
			return &Error{Code: CodeUnavailable, Message: req.RPC.Path() + ": not sent", cause: ctx.Err()}
		}
		i, adm := pickEndpoint(eps, tried, now)
		if i < 0 {
			if last != nil {
				return annotate(last, "every endpoint's circuit is now open")
			}
			return c.allOpen(req.RPC, eps, now)
		}
		tried.add(i)
		ep := eps[i]
		req.Attempt, req.Endpoint = attempt, ep.url
		err := c.attempt(ctx, req)
		if err == nil {
			ep.finish(adm, false, false, now)
			return nil
		}
		be := ToError(err)
		if be.Code == CodeCanceled && ctx.Err() != nil {
			ep.abandon(adm)
			return be
		}
		ep.finish(adm, unhealthy(be), req.Unsent, nowMs())
		delay, why := c.retryDelay(ctx, req, policy, be, attempt, attempt < len(eps))
		if delay < 0 {
			return giveUp(be, attempt, why)
		}
		retryMetricsFor(req.RPC).retries.Add(1)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
		}
		last = be
	}
}

// retryDelay returns how long to wait before retrying after e, or -1 and why
// not (empty: the rules say no, nothing to add to the error).
func (c *Client) retryDelay(ctx context.Context, req *Request, p RetryPolicy, e *Error, attempt int, spareEndpoint bool) (time.Duration, string) {
	after, hasAfter := retryAfter(req.ResponseHeader)
	retryable := e.Code == CodeUnavailable || e.Code == CodeResourceExhausted && hasAfter
	safe := req.Unsent || (req.RPC.Idempotent || req.RPC.Readonly) && retryable
	if !safe || attempt >= p.MaxAttempts {
		return -1, ""
	}
	// A request that never left goes straight to another endpoint; anything
	// else backs off (full jitter), and never sooner than the server asked.
	var delay time.Duration
	if !req.Unsent || !spareEndpoint {
		delay = time.Duration(rand.Int64N(int64(max(p.backoffCeiling(attempt), 1))))
	}
	if hasAfter {
		delay = max(delay, after)
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Add(delay).Before(dl) {
		return -1, "not retried: the deadline would pass first"
	}
	if c.budget != nil && !c.budget.withdraw(nowMs()) {
		retryMetricsFor(req.RPC).budgetExhausted.Add(1)
		return -1, "not retried: the client's retry budget is spent"
	}
	return delay, ""
}

func (c *Client) allOpen(rpc *RPC, eps []*endpoint, now int64) *Error {
	next := time.Duration(-1)
	for _, e := range eps {
		if d := e.nextProbeIn(now); next < 0 || d < next {
			next = d
		}
	}
	plural := "s"
	if len(eps) == 1 {
		plural = ""
	}
	return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("%s: circuit open for every endpoint of %s (%d endpoint%s); next probe in %d ms",
		rpc.Path(), c.service, len(eps), plural, max(next, 0).Milliseconds())}
}
