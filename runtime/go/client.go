package brief

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Request is one call as seen by interceptors. Call builds it; the innermost
// Invoker sends it (one attempt).
type Request struct {
	// RPC is the rpc called.
	RPC *RPC
	// In is the input message; Out receives the output.
	In, Out any
	// Attempt is the attempt number sent as X-Brief-Attempt (1 for the first
	// try). A retry interceptor increments it before calling next again.
	Attempt int
	// Endpoint is the base URL to send to; empty lets the client choose
	// (round-robin). After an attempt it holds the endpoint used.
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
}

// Invoker performs a call. The innermost Invoker makes one HTTP attempt and
// returns nil or an *Error.
type Invoker func(ctx context.Context, req *Request) error

// Interceptor wraps an Invoker, e.g. to add retries, a circuit breaker or
// logging. The context passed down already carries the call's deadline and
// CallInfo.
type Interceptor func(next Invoker) Invoker

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithBaseURL sets the service's base URLs explicitly (e.g.
// "http://127.0.0.1:8080"); it takes precedence over SERVICE_<NAME>_URL.
// Several URLs are used round-robin.
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
	endpoints      []string
	next           atomic.Uint64
	hc             *http.Client
	interceptors   []Interceptor
	invoker        Invoker
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

// EnvVarName returns the environment variable that holds a service's URL:
// SERVICE_<NAME>_URL with the name upper-cased and '-' and '.' turned to '_'.
func EnvVarName(service string) string {
	return "SERVICE_" + strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '.':
			return '_'
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, service) + "_URL"
}

// NewClient returns a client of service. Its endpoints come from
// WithBaseURL, else from the environment variable EnvVarName(service) (one
// base URL or several separated by commas); without either it fails with an
// error naming the variable.
func NewClient(service string, opts ...ClientOption) (*Client, error) {
	c := &Client{
		service:     service,
		hc:          sharedClient,
		caller:      os.Getenv("SERVICE_NAME"),
		gzipMin:     -1,
		maxResponse: DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		o(c)
	}
	raw := c.explicit
	source := "WithBaseURL"
	if len(raw) == 0 {
		name := EnvVarName(service)
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			return nil, fmt.Errorf("brief: no address for service %q: set %s (e.g. %s=http://host:8080) or use brief.WithBaseURL", service, name, name)
		}
		raw = strings.Split(v, ",")
		source = name
	}
	for _, u := range raw {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if strings.HasPrefix(u, "dns+") {
			return nil, fmt.Errorf("brief: %s=%q: dns+http discovery is not implemented in the Go runtime yet", source, u)
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("brief: %s: invalid base URL %q for service %q (want http://host:port)", source, u, service)
		}
		c.endpoints = append(c.endpoints, strings.TrimRight(u, "/"))
	}
	if len(c.endpoints) == 0 {
		return nil, fmt.Errorf("brief: %s holds no URL for service %q", source, service)
	}
	c.invoker = c.do
	for i := len(c.interceptors) - 1; i >= 0; i-- {
		c.invoker = c.interceptors[i](c.invoker)
	}
	return c, nil
}

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

// Endpoints returns the base URLs in use.
func (c *Client) Endpoints() []string { return append([]string(nil), c.endpoints...) }

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
	req := &Request{RPC: rpc, In: in, Out: out, Attempt: 1, Header: cc.header}
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

func (c *Client) pick() string {
	if len(c.endpoints) == 1 {
		return c.endpoints[0]
	}
	n := c.next.Add(1) - 1
	return c.endpoints[n%uint64(len(c.endpoints))]
}

// do is the innermost Invoker: one HTTP attempt.
func (c *Client) do(ctx context.Context, req *Request) error {
	rpc := req.RPC
	req.ResponseHeader, req.Unsent = nil, false
	dl, hasDL := ctx.Deadline()
	var remaining time.Duration
	if hasDL {
		remaining = time.Until(dl)
	}
	if ctx.Err() != nil || hasDL && remaining <= 0 {
		req.Unsent = true
		return c.contextError(ctx, rpc, remaining)
	}
	if req.Endpoint == "" {
		req.Endpoint = c.pick()
	}

	// The transport may read the body after Do returns, so it is not pooled.
	body, err := appendValue(make([]byte, 0, 256), req.In)
	if err != nil {
		req.Unsent = true
		return Errorf(CodeInternal, "encoding input of %s: %v", rpc.Path(), err)
	}
	gzipped := false
	if c.gzipMin >= 0 && len(body) >= c.gzipMin {
		zb := new(bytes.Buffer)
		zw := getGzipWriter(zb)
		zw.Write(body)
		zw.Close()
		gzipWriters.Put(zw)
		body, gzipped = zb.Bytes(), true
	}

	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.Endpoint+rpc.Path(), bytes.NewReader(body))
	if err != nil {
		req.Unsent = true
		return Errorf(CodeInternal, "building request for %s: %v", rpc.Path(), err)
	}
	h := hreq.Header
	for k, v := range req.Header {
		h[k] = v
	}
	h["Content-Type"] = hdrJSON
	h[HeaderProtocolVersion] = hdrOne
	if gzipped {
		h["Content-Encoding"] = hdrGzip
	}
	if hasDL {
		ms := remaining.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		h[HeaderTimeout] = []string{strconv.FormatInt(ms, 10)}
	}
	if info := CallInfoFromContext(ctx); info != nil {
		h[HeaderRequestID] = []string{info.RequestID}
		if info.TraceID != "" {
			h[HeaderTraceparent] = []string{info.Traceparent()}
		}
		if info.TraceState != "" {
			h[HeaderTracestate] = []string{info.TraceState}
		}
		if info.Baggage != "" {
			h[HeaderBaggage] = []string{info.Baggage}
		}
	}
	if c.caller != "" {
		h[HeaderCaller] = []string{c.caller}
	}
	attempt := req.Attempt
	if attempt < 1 {
		attempt = 1
	}
	if attempt == 1 {
		h[HeaderAttempt] = hdrOne
	} else {
		h[HeaderAttempt] = []string{strconv.Itoa(attempt)}
	}

	resp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return c.contextError(ctx, rpc, remaining)
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			req.Unsent = true
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			req.Unsent = true
		}
		return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("calling %s at %s: %v", rpc.Path(), req.Endpoint, unwrapURLError(err)), cause: err}
	}
	defer resp.Body.Close()
	req.ResponseHeader = resp.Header

	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if ctx.Err() != nil && len(b) == 0 {
			return c.contextError(ctx, rpc, remaining)
		}
		e := parseErrorBody(resp.StatusCode, headerValue(resp.Header, "Content-Type"), b)
		decodeTyped(rpc, e)
		return e
	}

	rb := getBuffer()
	defer putBuffer(rb)
	if _, err := rb.ReadFrom(&limitReader{r: resp.Body, n: c.maxResponse}); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return Errorf(CodeResourceExhausted, "response of %s larger than %d bytes", rpc.Path(), c.maxResponse)
		}
		if ctx.Err() != nil {
			return c.contextError(ctx, rpc, remaining)
		}
		return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("reading response of %s: %v", rpc.Path(), err), cause: err}
	}
	if ct := headerValue(resp.Header, "Content-Type"); !isJSONContentType(ct) {
		return Errorf(CodeInternal, "response of %s has content type %q, want application/json", rpc.Path(), ct)
	}
	if req.Out == nil {
		return nil
	}
	if err := unmarshalValue(rb.Bytes(), req.Out); err != nil {
		return Errorf(CodeInternal, "invalid response from %s: %s", rpc.Path(), strings.TrimPrefix(err.Error(), string(CodeInvalidArgument)+": "))
	}
	return nil
}

var hdrOne = []string{"1"}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeTyped attaches the typed error of the first detail the rpc declares.
func decodeTyped(rpc *RPC, e *Error) {
	if len(rpc.Throws) == 0 {
		return
	}
	for _, d := range e.Details {
		f := rpc.Throws[d.Type]
		if f == nil {
			continue
		}
		te := f()
		if unmarshalValue(d.Value, te) == nil {
			setTypedMessage(te, e.Message)
			e.typed = te
			return
		}
	}
}

// appendValue appends the JSON of v (brief codecs when Encodable).
func appendValue(b []byte, v any) ([]byte, error) {
	if v == nil {
		return append(b, "{}"...), nil
	}
	if m, ok := v.(Encodable); ok {
		return AppendMessage(b, m), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
