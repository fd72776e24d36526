package brief

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

// Request is one call as seen by interceptors. Call builds it; the
// resilience layers set Attempt and Endpoint before each attempt, and the
// innermost Invoker sends it.
type Request struct {
	// RPC is the rpc called.
	RPC *RPC
	// In is the input message; Out receives the output.
	In, Out any
	// Attempt is the attempt number sent as X-Brief-Attempt (1 for the first
	// try).
	Attempt int
	// Endpoint is the base URL the balancer chose for this attempt.
	Endpoint string
	// Header holds extra request headers (WithHeader); may be nil.
	Header http.Header

	// ResponseHeader is set by the invoker to the response's headers (nil
	// when no response arrived), e.g. for Retry-After.
	ResponseHeader http.Header
	// Unsent is set by the invoker when the attempt failed before the request
	// could reach the server (connection refused, DNS failure), so that even
	// a non-idempotent rpc may be retried.
	Unsent bool

	retry *RetryPolicy // WithCallRetry
}

// Invoker performs a call. The innermost Invoker makes one HTTP attempt and
// returns nil or an *Error.
type Invoker func(ctx context.Context, req *Request) error

// Interceptor wraps the Invoker of each attempt, e.g. to add headers or log
// attempts: it runs beneath the retries, breakers and balancer, with
// req.Attempt and req.Endpoint set. The context passed down already carries
// the call's deadline and CallInfo.
type Interceptor func(next Invoker) Invoker

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithBaseURL sets the service's base URLs explicitly (e.g.
// "http://127.0.0.1:8080", or "dns+http://host:8080" for every address of
// host); it takes precedence over SERVICE_<NAME>_URL.
func WithBaseURL(urls ...string) ClientOption {
	return func(c *Client) { c.explicit = append(c.explicit, urls...) }
}

// WithHTTPClient sets the http.Client (default: a shared pooled transport,
// HTTP/1.1). Its Timeout should be zero: deadlines come from the context.
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// WithH2C makes the client speak HTTP/2 without TLS (prior knowledge),
// over a shared pooled transport.
func WithH2C() ClientOption { return func(c *Client) { c.hc = h2cClient } }

// WithInterceptors adds interceptors; the first is the outermost.
func WithInterceptors(ics ...Interceptor) ClientOption {
	return func(c *Client) { c.interceptors = append(c.interceptors, ics...) }
}

// WithCallerName sets X-Brief-Caller (default: env SERVICE_NAME).
func WithCallerName(name string) ClientOption { return func(c *Client) { c.caller = name } }

// WithDefaultTimeout sets the deadline of rpcs whose RPC.Timeout is zero.
// Generated code always sets RPC.Timeout (the contract's timeout(...), else
// 1 s), so this only matters for RPC values written by hand; without it, such
// an rpc has no deadline of its own.
func WithDefaultTimeout(d time.Duration) ClientOption {
	return func(c *Client) { c.defaultTimeout = d }
}

// WithRequestGzip gzips request bodies of at least minBytes bytes.
func WithRequestGzip(minBytes int) ClientOption {
	return func(c *Client) { c.gzipMin = minBytes }
}

// WithMaxResponseBytes limits response bodies (default 4 MiB); larger
// responses fail with resource_exhausted.
func WithMaxResponseBytes(n int64) ClientOption { return func(c *Client) { c.maxResponse = n } }

// CallOption configures one call.
type CallOption func(*callConfig)

type callConfig struct {
	timeout time.Duration
	header  http.Header
	retry   *RetryPolicy
}

// WithTimeout bounds the call (all attempts together) by d; the smallest of
// d, the rpc's timeout and the context's deadline applies.
func WithTimeout(d time.Duration) CallOption { return func(c *callConfig) { c.timeout = d } }

// WithHeader adds a request header to the call.
func WithHeader(key, value string) CallOption {
	return func(c *callConfig) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Add(key, value)
	}
}

// Client calls the rpcs of one service. It is safe for concurrent use;
// generated clients wrap one.
type Client struct {
	service        string
	explicit       []string
	endpoints      *endpointSet
	next           atomic.Uint64 // round-robin position without resilience
	res            resilienceConfig
	budget         *retryBudget
	hc             *http.Client
	interceptors   []Interceptor
	invoker        Invoker // the whole call: invoke
	attempt        Invoker // one attempt: the interceptors around do
	caller         string
	defaultTimeout time.Duration
	gzipMin        int
	maxResponse    int64
}

var sharedTransport = &http.Transport{
	Proxy: http.ProxyFromEnvironment,
	DialContext: (&net.Dialer{
		Timeout:   5 * time.Second,
		KeepAlive: 30 * time.Second,
	}).DialContext,
	MaxIdleConns:          1024,
	MaxIdleConnsPerHost:   256,
	IdleConnTimeout:       90 * time.Second,
	ExpectContinueTimeout: time.Second,
}

var sharedClient = &http.Client{Transport: sharedTransport}

var h2cClient = func() *http.Client {
	t := sharedTransport.Clone()
	t.Protocols = new(http.Protocols)
	t.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: t}
}()

// NewClient returns a client of service. Its endpoints come from
// WithBaseURL, else from the environment variable EnvVarName(service) (one
// base URL or several separated by commas, dns+http://host:port for every
// address of host); without either it fails with an error naming the
// variable. Calls go through the resilience layers (retries, retry budget,
// circuit breakers, balancing) unless WithoutResilience is given.
func NewClient(service string, opts ...ClientOption) (*Client, error) {
	c := &Client{
		service:     service,
		hc:          sharedClient,
		caller:      os.Getenv("SERVICE_NAME"),
		gzipMin:     -1,
		maxResponse: DefaultMaxBodyBytes,
		res:         defaultResilience(),
	}
	for _, o := range opts {
		o(c)
	}
	set, err := discoverEndpoints(service, c.res.endpointOptions(c.explicit))
	if err != nil {
		return nil, err
	}
	c.endpoints = set
	if set.stop != nil {
		// The re-resolving goroutine stops with the client.
		runtime.AddCleanup(c, func(s *endpointSet) { s.close() }, set)
	}
	c.budget = c.res.newBudget()
	c.attempt = c.do
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		c.attempt = c.interceptors[i](c.attempt)
	}
	c.invoker = c.invoke
	return c, nil
}

// Close stops the background re-resolution of dns+http endpoints (it also
// stops by itself once the client is unreachable). Calls still work.
func (c *Client) Close() { c.endpoints.close() }

// MustNewClient is NewClient that panics on error.
func MustNewClient(service string, opts ...ClientOption) *Client {
	c, err := NewClient(service, opts...)
	if err != nil {
		panic(err)
	}
	return c
}

// Service returns the service name.
func (c *Client) Service() string { return c.service }

// Endpoints returns the base URLs of the service's endpoints right now.
func (c *Client) Endpoints() []string {
	eps := c.endpoints.snapshot()
	out := make([]string, len(eps))
	for i, e := range eps {
		out[i] = e.url
	}
	return out
}

// Call calls rpc with input in and decodes the output into out (both
// pointers to messages). The deadline is the smallest of WithTimeout, the
// rpc's timeout (WithDefaultTimeout when zero) and ctx's deadline. The
// CallInfo in ctx (from the request being served) is passed on; without one,
// a new request id and trace start here. The error is nil or an *Error.
func (c *Client) Call(ctx context.Context, rpc *RPC, in, out any, opts ...CallOption) error {
	var cc callConfig
	for _, o := range opts {
		o(&cc)
	}
	timeout := rpc.Timeout
	if timeout <= 0 {
		timeout = c.defaultTimeout
	}
	if cc.timeout > 0 && (timeout <= 0 || cc.timeout < timeout) {
		timeout = cc.timeout
	}
	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	if CallInfoFromContext(ctx) == nil {
		ctx = WithCallInfo(ctx, NewCallInfo())
	}
	req := &Request{RPC: rpc, In: in, Out: out, Attempt: 1, Header: cc.header, retry: cc.retry}
	start := time.Now()
	err := c.invoker(ctx, req)
	var be *Error
	if err != nil {
		be = ToError(err)
		if ctx.Err() != nil && be.Code != CodeDeadlineExceeded && be.Code != CodeCanceled {
			// The deadline passed while an interceptor was working.
			be = c.contextError(ctx, rpc, timeout)
		}
	}
	code := Code("")
	if be != nil {
		code = be.Code
	}
	clientMetricsFor(rpc).observe(code, time.Since(start))
	if be != nil {
		return be
	}
	return nil
}

func (c *Client) contextError(ctx context.Context, rpc *RPC, timeout time.Duration) *Error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: CodeDeadlineExceeded, Message: fmt.Sprintf("deadline exceeded calling %s (call timeout %v)", rpc.Path(), timeout), cause: ctx.Err()}
	}
	return &Error{Code: CodeCanceled, Message: "call to " + rpc.Path() + " canceled", cause: ctx.Err()}
}
