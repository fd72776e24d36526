package brief_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// summer implements SummerServer; special inputs trigger behaviours.
type summer struct {
	slowDone atomic.Int32
	started  chan struct{}
	ended    chan ctxEnd   // when set, case -2 reports how its ctx ended
	release  chan struct{} // case -7 blocks until it is closed
}

func (s *summer) Sum(ctx context.Context, in *SumIn) (*SumOut, error) {
	switch in.A {
	case -1:
		panic("boom")
	case -2: // block until the deadline
		entered := time.Now()
		<-ctx.Done()
		if s.ended != nil {
			dl, _ := ctx.Deadline()
			select { // never blocks: a test that stopped listening has what it needs
			case s.ended <- ctxEnd{entered: entered, deadline: dl, err: ctx.Err()}:
			default:
			}
		}
		return nil, ctx.Err()
	case -3: // return error code number B with a detail
		code := brief.Codes[in.B]
		e := brief.NewError(code, "msg-"+string(code))
		e.AddDetail(brief.ErrorDetail{Type: "test.Detail", Value: []byte(`{"k":1}`), Debug: json.RawMessage(`{"k":1}`)})
		return nil, e
	case -4: // ignore the context
		time.Sleep(time.Duration(in.B) * time.Millisecond)
	case -5: // slow, for shutdown
		if s.started != nil {
			s.started <- struct{}{}
		}
		time.Sleep(time.Duration(in.B) * time.Millisecond)
		s.slowDone.Add(1)
	case -6:
		return nil, errors.New("plain failure")
	case -7: // ignore the context and block until released
		<-s.release
	}
	info := fmt.Sprintf("%d+%d", in.A, in.B)
	return &SumOut{Sum: in.A + in.B, Info: &info}, nil
}

func (s *summer) Get(ctx context.Context, in *GetIn) (*GetOut, error) {
	if in.ID == 404 {
		return nil, fmt.Errorf("lookup: %w", &NotFound{ID: in.ID})
	}
	return &GetOut{ID: in.ID, Text: strings.Repeat("x", int(in.ID))}, nil
}

func (s *summer) Echo(ctx context.Context, in *Order) (*Order, error) { return in, nil }

// ctxEnd is how a handler's context ended: when the handler was entered, the
// context's deadline, and its error.
type ctxEnd struct {
	entered, deadline time.Time
	err               error
}

// protoRecorder records the protocol and request headers the server saw, and when.
type protoRecorder struct {
	mu     sync.Mutex
	protos []int
	hdrs   []http.Header
	seen   time.Time
	next   http.Handler
}

func (p *protoRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.protos = append(p.protos, r.ProtoMajor)
	p.hdrs = append(p.hdrs, r.Header.Clone())
	p.seen = time.Now()
	p.mu.Unlock()
	p.next.ServeHTTP(w, r)
}

// lastSeen is the last request's headers and the time it reached the handler.
func (p *protoRecorder) lastSeen() (http.Header, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hdrs[len(p.hdrs)-1], p.seen
}

func (p *protoRecorder) last() (int, http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.protos[len(p.protos)-1], p.hdrs[len(p.hdrs)-1]
}

// serve runs brief.Serve on a loopback port until the test ends.
func serve(t *testing.T, h http.Handler, opts ...brief.ServeOption) (string, context.CancelFunc, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Tests stop servers all the time; the drain delay is for load balancers.
	opts = append([]brief.ServeOption{brief.WithListener(ln), brief.WithoutSignals(), brief.WithServeLogger(quietLogger), brief.WithDrainDelay(0)}, opts...)
	go func() { done <- brief.Serve(ctx, h, opts...) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return "http://" + ln.Addr().String(), cancel, done
}

// served waits, at most within, for Serve (started by serve) to return nil.
func served(t *testing.T, done chan error, within time.Duration) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
		done <- nil // for the cleanup
	case <-time.After(within):
		t.Fatalf("Serve did not return within %v", within)
	}
}

func newSummer(t *testing.T, hopts ...brief.HandlerOption) (string, *summer, *protoRecorder) {
	impl := &summer{}
	rec := &protoRecorder{next: NewSummerHandler(impl, append([]brief.HandlerOption{brief.WithLogger(quietLogger)}, hopts...)...)}
	base, _, _ := serve(t, rec)
	return base, impl, rec
}

func client(t testing.TB, base string, opts ...brief.ClientOption) *SummerClient {
	t.Helper()
	c, err := NewSummerClient(append([]brief.ClientOption{brief.WithBaseURL(base)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSuccessHTTP1AndH2C(t *testing.T) {
	base, _, rec := newSummer(t)
	for _, tc := range []struct {
		name  string
		opt   brief.ClientOption
		proto int
	}{
		{"http1", brief.WithHTTPClient(http.DefaultClient), 1},
		{"h2c-option", brief.WithH2C(), 2},
		{"h2c-transport", brief.WithHTTPClient(&http.Client{Transport: func() http.RoundTripper {
			tr := &http.Transport{Protocols: new(http.Protocols)}
			tr.Protocols.SetUnencryptedHTTP2(true)
			return tr
		}()}), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, base, tc.opt)
			out, err := c.Sum(context.Background(), &SumIn{A: 40, B: 2})
			if err != nil {
				t.Fatal(err)
			}
			if out.Sum != 42 || out.Info == nil || *out.Info != "40+2" {
				t.Fatalf("got %+v", out)
			}
			proto, hdr := rec.last()
			if proto != tc.proto {
				t.Fatalf("server saw HTTP/%d, want %d", proto, tc.proto)
			}
			if hdr.Get("Content-Type") != "application/json" || hdr.Get("Connect-Protocol-Version") != "1" || hdr.Get("X-Brief-Attempt") != "1" {
				t.Fatalf("headers: %v", hdr)
			}
		})
	}
}

func TestEveryErrorCodeRoundTrips(t *testing.T) {
	base, _, _ := newSummer(t)
	c := client(t, base)
	for i, code := range brief.Codes {
		t.Run(string(code), func(t *testing.T) {
			_, err := c.Sum(context.Background(), &SumIn{A: -3, B: int64(i)})
			var be *brief.Error
			if !errors.As(err, &be) {
				t.Fatalf("error %v is not *brief.Error", err)
			}
			if be.Code != code || be.Message != "msg-"+string(code) {
				t.Fatalf("got %s %q", be.Code, be.Message)
			}
			if len(be.Details) != 1 || be.Details[0].Type != "test.Detail" || string(be.Details[0].Value) != `{"k":1}` || string(be.Details[0].Debug) != `{"k":1}` {
				t.Fatalf("details %+v", be.Details)
			}
			// And the HTTP status on the wire.
			resp, err := http.Post(base+"/summer/sum", "application/json", strings.NewReader(fmt.Sprintf(`{"a":-3,"b":%d}`, i)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != code.HTTPStatus() || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (want %d), content type %q", resp.StatusCode, code.HTTPStatus(), resp.Header.Get("Content-Type"))
			}
		})
	}
	_, err := c.Sum(context.Background(), &SumIn{A: -6})
	if brief.CodeOf(err) != brief.CodeUnknown || !strings.Contains(err.Error(), "plain failure") {
		t.Fatalf("plain error: %v", err)
	}
}

func TestTypedError(t *testing.T) {
	base, _, _ := newSummer(t)
	c := client(t, base)
	_, err := c.Get(context.Background(), &GetIn{ID: 404})
	var nf *NotFound
	if !errors.As(err, &nf) || nf.ID != 404 {
		t.Fatalf("errors.As(NotFound) failed for %v", err)
	}
	if brief.CodeOf(err) != brief.CodeNotFound {
		t.Fatalf("code %s", brief.CodeOf(err))
	}
	resp, err := http.Post(base+"/summer/get", "application/json", strings.NewReader(`{"id":404}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"code":"not_found","message":"NotFound: id=404","details":[{"type":"summer.NotFound","value":"` +
		base64.StdEncoding.EncodeToString([]byte(`{"id":404}`)) + `","debug":{"id":404}}]}`
	if resp.StatusCode != 404 || string(body) != want {
		t.Fatalf("status %d body %s\nwant %s", resp.StatusCode, body, want)
	}
	if len(resp.Header.Get("X-Request-Id")) != 36 {
		t.Fatalf("no generated X-Request-Id in the response: %v", resp.Header)
	}
}

type rawCase struct {
	name, method, path, contentType, body string
	header                                map[string]string
	status                                int
	code                                  brief.Code
	msg                                   string
}

func doRaw(t *testing.T, base string, c rawCase) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, _ := http.NewRequest(c.method, base+c.path, body)
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != c.status {
		t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, c.status, b)
	}
	var e brief.Error
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("body %q is not a Connect error: %v", b, err)
	}
	if e.Code != c.code || !strings.Contains(e.Message, c.msg) {
		t.Fatalf("got %s %q, want %s containing %q", e.Code, e.Message, c.code, c.msg)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	switch c.status {
	case 415:
		if resp.Header.Get("Accept-Post") != "application/json" {
			t.Fatal("415 without Accept-Post")
		}
	case 405:
		if resp.Header.Get("Allow") == "" {
			t.Fatal("405 without Allow")
		}
	}
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

func TestBadInput(t *testing.T) {
	base, _, _ := newSummer(t, brief.WithMaxBodyBytes(4096))
	j := "application/json"
	big := `{"a":1,"b":2,"pad":"` + strings.Repeat("x", 5000) + `"}`
	cases := []rawCase{
		{name: "unknown rpc", method: "POST", path: "/summer/nope", contentType: j, body: `{}`, status: 501, code: brief.CodeUnimplemented, msg: "nope"},
		{name: "unknown service", method: "POST", path: "/other/sum", contentType: j, body: `{}`, status: 501, code: brief.CodeUnimplemented, msg: "other"},
		{name: "deep path", method: "POST", path: "/a/b/c", contentType: j, body: `{}`, status: 404, code: brief.CodeUnimplemented, msg: "no such path"},
		{name: "GET non-readonly", method: "GET", path: "/summer/sum?encoding=json&message=%7B%7D", status: 405, code: brief.CodeUnimplemented, msg: "readonly"},
		{name: "PUT", method: "PUT", path: "/summer/sum", contentType: j, body: `{}`, status: 405, code: brief.CodeUnimplemented, msg: "PUT"},
		{name: "text/plain", method: "POST", path: "/summer/sum", contentType: "text/plain", body: `{"a":1,"b":2}`, status: 415, code: brief.CodeUnimplemented, msg: "text/plain"},
		{name: "no content type", method: "POST", path: "/summer/sum", body: `{"a":1,"b":2}`, status: 415, code: brief.CodeUnimplemented, msg: "content type"},
		{name: "proto content type", method: "POST", path: "/summer/sum", contentType: "application/proto", body: `x`, status: 415, code: brief.CodeUnimplemented, msg: "application/proto"},
		{name: "malformed JSON", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":1,`, status: 400, code: brief.CodeInvalidArgument, msg: "malformed JSON"},
		{name: "missing field", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":1}`, status: 400, code: brief.CodeInvalidArgument, msg: "b: required field missing"},
		{name: "wrong type", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":"x","b":1}`, status: 400, code: brief.CodeInvalidArgument, msg: "a: expected an integer"},
		{name: "unknown enum", method: "POST", path: "/summer/echo", contentType: j, body: `{` + baseOrder + `,"items":[{"userId":1,"color":"blue"}]}`, status: 400, code: brief.CodeInvalidArgument, msg: "items[0].color: unknown enum value"},
		{name: "too large", method: "POST", path: "/summer/sum", contentType: j, body: big, status: 429, code: brief.CodeResourceExhausted, msg: "larger than"},
		{name: "too large chunked", method: "POST", path: "/summer/sum", contentType: j, body: big, header: map[string]string{"X-Chunked": "1"}, status: 429, code: brief.CodeResourceExhausted, msg: "larger than"},
		{name: "gzip bomb", method: "POST", path: "/summer/sum", contentType: j, body: gzipped(big), header: map[string]string{"Content-Encoding": "gzip"}, status: 429, code: brief.CodeResourceExhausted, msg: "larger than"},
		{name: "bad gzip", method: "POST", path: "/summer/sum", contentType: j, body: "not gzip", header: map[string]string{"Content-Encoding": "gzip"}, status: 400, code: brief.CodeInvalidArgument, msg: "gzip"},
		{name: "unknown encoding", method: "POST", path: "/summer/sum", contentType: j, body: `{}`, header: map[string]string{"Content-Encoding": "br"}, status: 501, code: brief.CodeUnimplemented, msg: "br"},
		{name: "bad timeout", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":1,"b":2}`, header: map[string]string{"Connect-Timeout-Ms": "soon"}, status: 400, code: brief.CodeInvalidArgument, msg: "Connect-Timeout-Ms"},
		{name: "timeout zero", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":1,"b":2}`, header: map[string]string{"Connect-Timeout-Ms": "0"}, status: 504, code: brief.CodeDeadlineExceeded, msg: "deadline"},
		{name: "deadline passes in handler", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":-2,"b":0}`, header: map[string]string{"Connect-Timeout-Ms": "30"}, status: 504, code: brief.CodeDeadlineExceeded, msg: "deadline"},
		{name: "deadline passes, handler ignores it", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":-4,"b":60}`, header: map[string]string{"Connect-Timeout-Ms": "20"}, status: 504, code: brief.CodeDeadlineExceeded, msg: "deadline"},
		{name: "panic", method: "POST", path: "/summer/sum", contentType: j, body: `{"a":-1,"b":0}`, status: 500, code: brief.CodeInternal, msg: "internal"},
		{name: "GET without encoding", method: "GET", path: "/summer/get?connect=v1&message=%7B%7D", status: 415, code: brief.CodeUnimplemented, msg: "encoding"},
		{name: "GET bad message", method: "GET", path: "/summer/get?connect=v1&encoding=json&message=%7B", status: 400, code: brief.CodeInvalidArgument, msg: "malformed JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.header["X-Chunked"] != "" {
				// An io.Reader of unknown length makes net/http send it chunked.
				pr, pw := io.Pipe()
				go func() { pw.Write([]byte(c.body)); pw.Close() }()
				req, _ := http.NewRequest("POST", base+c.path, pr)
				req.Header.Set("Content-Type", j)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("chunked: status %d", resp.StatusCode)
				}
				return
			}
			doRaw(t, base, c)
		})
	}
}

func TestChunkedAndGzipRequests(t *testing.T) {
	base, _, rec := newSummer(t)
	// Chunked request body.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"a":`))
		time.Sleep(10 * time.Millisecond)
		pw.Write([]byte(`5,"b":6}`))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", base+"/summer/sum", pr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"sum":11,"info":"5+6"}` {
		t.Fatalf("chunked: %d %s", resp.StatusCode, b)
	}
	if _, hdr := rec.last(); hdr.Get("Content-Length") != "" {
		t.Fatalf("request was not chunked")
	}

	// Gzip request from the client (any size), with h2c too.
	for _, opt := range []brief.ClientOption{brief.WithRequestGzip(0), brief.WithH2C()} {
		c := client(t, base, brief.WithRequestGzip(0), opt)
		out, err := c.Sum(context.Background(), &SumIn{A: 1, B: 2})
		if err != nil || out.Sum != 3 {
			t.Fatalf("gzip request: %v %+v", err, out)
		}
		if _, hdr := rec.last(); hdr.Get("Content-Encoding") != "gzip" {
			t.Fatalf("request not gzipped: %v", hdr)
		}
	}
}

func TestGzipResponses(t *testing.T) {
	base, _, _ := newSummer(t)
	get := func(id int, acceptGzip bool) *http.Response {
		req, _ := http.NewRequest("POST", base+"/summer/get", strings.NewReader(fmt.Sprintf(`{"id":%d}`, id)))
		req.Header.Set("Content-Type", "application/json")
		if acceptGzip {
			req.Header.Set("Accept-Encoding", "gzip") // disables the transport's transparent decompression
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get(3000, true)
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("large response not gzipped: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out GetOut
	b, _ := io.ReadAll(zr)
	if err := brief.Unmarshal(b, &out); err != nil || out.ID != 3000 || len(out.Text) != 3000 {
		t.Fatalf("decompressed: %v %d", err, len(out.Text))
	}
	small := get(10, true)
	small.Body.Close()
	if small.Header.Get("Content-Encoding") != "" {
		t.Fatal("small response gzipped")
	}
	plain := get(3000, false) // transport asks for gzip itself and decompresses
	plain.Body.Close()
	if !plain.Uncompressed {
		t.Fatal("transport did not get gzip")
	}
	// The brief client handles gzip responses over HTTP/1.1 and h2c.
	for _, opt := range []brief.ClientOption{brief.WithHTTPClient(http.DefaultClient), brief.WithH2C()} {
		c := client(t, base, opt)
		o, err := c.Get(context.Background(), &GetIn{ID: 5000})
		if err != nil || len(o.Text) != 5000 {
			t.Fatalf("client gzip: %v", err)
		}
	}
}

func TestGetReadonly(t *testing.T) {
	base, _, _ := newSummer(t)
	check := func(query string) {
		t.Helper()
		resp, err := http.Get(base + "/summer/get?" + query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != `{"id":3,"text":"xxx"}` {
			t.Fatalf("GET %s: %d %s", query, resp.StatusCode, b)
		}
	}
	check("connect=v1&encoding=json&message=" + url.QueryEscape(`{"id":3}`))
	check("encoding=json&message=" + url.QueryEscape(`{"id":"3"}`))
	check("connect=v1&encoding=json&base64=1&message=" + base64.RawURLEncoding.EncodeToString([]byte(`{"id":3}`)))
	check("connect=v1&encoding=json&base64=1&compression=gzip&message=" + base64.URLEncoding.EncodeToString([]byte(gzipped(`{"id":3}`))))
	// A typed error over GET.
	resp, err := http.Get(base + "/summer/get?connect=v1&encoding=json&message=" + url.QueryEscape(`{"id":404}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("GET typed error: %d", resp.StatusCode)
	}
}

func TestPanicKeepsServing(t *testing.T) {
	base, _, _ := newSummer(t)
	c := client(t, base)
	for range 3 {
		_, err := c.Sum(context.Background(), &SumIn{A: -1})
		if brief.CodeOf(err) != brief.CodeInternal {
			t.Fatalf("panic gave %v", err)
		}
		out, err := c.Sum(context.Background(), &SumIn{A: 1, B: 1})
		if err != nil || out.Sum != 2 {
			t.Fatalf("after panic: %v", err)
		}
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	impl := &summer{}
	h := NewSummerHandler(impl, brief.WithLogger(quietLogger)).(*brief.Handler)
	base, _, _ := serve(t, h)
	c := client(t, base)
	c.Sum(context.Background(), &SumIn{A: 1, B: 2})
	c.Sum(context.Background(), &SumIn{A: 1, B: 2})
	c.Get(context.Background(), &GetIn{ID: 404})
	status := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if s, _ := status("/healthz"); s != 200 {
		t.Fatalf("healthz %d", s)
	}
	if s, _ := status("/readyz"); s != 200 {
		t.Fatalf("readyz %d", s)
	}
	h.SetReady(false)
	if s, _ := status("/readyz"); s != 503 {
		t.Fatalf("readyz not ready %d", s)
	}
	h.SetReady(true)
	s, m := status("/metrics")
	for _, want := range []string{
		`brief_server_requests_total{service="summer",rpc="sum",code="ok"} 2`,
		`brief_server_requests_total{service="summer",rpc="get",code="not_found"} 1`,
		`brief_server_request_duration_seconds_bucket{service="summer",rpc="sum",le="+Inf"} 2`,
		`brief_server_request_duration_seconds_count{service="summer",rpc="sum"} 2`,
		`# TYPE brief_server_request_duration_seconds histogram`,
		`brief_client_requests_total{service="summer",rpc="get",code="not_found"}`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics (%d) lack %q:\n%s", s, want, m)
		}
	}
}

// The deadline checks are causal rather than timed, so that a busy machine cannot fail
// them: the client asks for the time it has left, rounded down; the server's deadline is
// exactly that long after the request's arrival; a handler that ignores its context is
// still blocked when the call returns. (The server answering at its own deadline is
// TestBadInput's "deadline passes in handler".)
func TestDeadlineExceededPromptly(t *testing.T) {
	base, impl, rec := newSummer(t)
	impl.ended = make(chan ctxEnd, 1)
	impl.release = make(chan struct{})
	t.Cleanup(func() { close(impl.release) }) // before the server stops
	// call runs Sum and checks that it failed with deadline_exceeded, no earlier than
	// want (or what is left of ctx's deadline) after it started, and that the server was
	// asked for that, less the time the request took to leave, rounded down to whole
	// milliseconds (never up).
	call := func(t *testing.T, c *SummerClient, ctx context.Context, in *SumIn, want time.Duration, opts ...brief.CallOption) (ask time.Duration, seen time.Time) {
		t.Helper()
		start := time.Now()
		if dl, ok := ctx.Deadline(); ok && dl.Sub(start) < want {
			want = dl.Sub(start) // what is left of ctx's deadline
		}
		_, err := c.Sum(ctx, in, opts...)
		el := time.Since(start)
		if brief.CodeOf(err) != brief.CodeDeadlineExceeded {
			t.Fatalf("got %v", err)
		}
		hdr, seen := rec.lastSeen()
		ms, perr := strconv.ParseInt(hdr.Get("Connect-Timeout-Ms"), 10, 64)
		ask = time.Duration(ms) * time.Millisecond
		if perr != nil || ask > want || ask < want-seen.Sub(start)-time.Millisecond {
			t.Fatalf("Connect-Timeout-Ms %q: want %v less the %v before the server saw it", hdr.Get("Connect-Timeout-Ms"), want, seen.Sub(start))
		}
		if el < want-time.Millisecond {
			t.Fatalf("returned after %v, before the deadline of %v", el, want)
		}
		return ask, seen
	}
	// ended checks that the server gave the handler's context a deadline Connect-
	// Timeout-Ms after the request's arrival (which lies between the recorder seeing the
	// request and the handler being entered), and that the context ended: by that
	// deadline, or a moment earlier by the client going away when its own timer (the
	// same deadline, counted from before the request left) fired first.
	ended := func(t *testing.T, ask time.Duration, seen time.Time) {
		t.Helper()
		var e ctxEnd
		select {
		case e = <-impl.ended:
		case <-time.After(10 * time.Second):
			t.Fatal("the handler's context did not end")
		}
		if !errors.Is(e.err, context.DeadlineExceeded) && !errors.Is(e.err, context.Canceled) {
			t.Fatalf("the handler's context ended with %v", e.err)
		}
		if e.deadline.Before(seen.Add(ask)) || e.deadline.After(e.entered.Add(ask)) {
			t.Fatalf("server deadline %v after the request was seen, want %v after its arrival", e.deadline.Sub(seen), ask)
		}
	}
	t.Run("handler honours ctx", func(t *testing.T) {
		c := client(t, base, brief.WithHTTPClient(http.DefaultClient))
		ask, seen := call(t, c, context.Background(), &SumIn{A: -2}, 100*time.Millisecond, brief.WithTimeout(100*time.Millisecond))
		ended(t, ask, seen)
	})
	// The handler stays blocked until the test ends: the call returning proves that
	// nobody waited for it.
	for _, tc := range []struct {
		name string
		opt  brief.ClientOption
	}{
		{"handler ignores ctx", brief.WithHTTPClient(http.DefaultClient)},
		{"h2c", brief.WithH2C()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, base, tc.opt)
			call(t, c, context.Background(), &SumIn{A: -7}, 100*time.Millisecond, brief.WithTimeout(100*time.Millisecond))
		})
	}
	// The rpc's timeout (300ms) applies when smaller than the option and ctx.
	c := client(t, base)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ask, seen := call(t, c, ctx, &SumIn{A: -2}, 300*time.Millisecond, brief.WithTimeout(2*time.Second))
	ended(t, ask, seen)
	// A context deadline smaller than both applies.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel2()
	ask, seen = call(t, c, ctx2, &SumIn{A: -2}, 60*time.Millisecond)
	ended(t, ask, seen)
	// A cancelled context gives canceled.
	ctx3, cancel3 := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel3() }()
	_, err := c.Sum(ctx3, &SumIn{A: -2})
	if brief.CodeOf(err) != brief.CodeCanceled {
		t.Fatalf("cancel: %v", err)
	}
}

func TestGracefulShutdown(t *testing.T) {
	impl := &summer{started: make(chan struct{}, 1)}
	h := NewSummerHandler(impl, brief.WithLogger(quietLogger))
	base, cancel, done := serve(t, h, brief.WithDrainDelay(150*time.Millisecond), brief.WithGracePeriod(5*time.Second))
	c := client(t, base)
	type result struct {
		out *SumOut
		err error
	}
	res := make(chan result, 1)
	go func() {
		out, err := c.Sum(context.Background(), &SumIn{A: -5, B: 250}, brief.WithTimeout(3*time.Second))
		res <- result{out, err}
	}()
	<-impl.started
	cancel() // as SIGTERM would
	time.Sleep(50 * time.Millisecond)
	// Draining: /readyz is 503 while the in-flight request goes on.
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("readyz while draining: %d", resp.StatusCode)
	}
	r := <-res
	if r.err != nil || r.out.Sum != -5+250 {
		t.Fatalf("in-flight request: %v", r.err)
	}
	served(t, done, 3*time.Second)
	if impl.slowDone.Load() != 1 {
		t.Fatal("in-flight handler did not finish")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("listener still accepting after shutdown")
	}
}

func TestShutdownGracePeriodExpires(t *testing.T) {
	impl := &summer{started: make(chan struct{}, 1)}
	h := NewSummerHandler(impl, brief.WithLogger(quietLogger))
	base, cancel, done := serve(t, h, brief.WithGracePeriod(100*time.Millisecond))
	c := client(t, base)
	go c.Sum(context.Background(), &SumIn{A: -5, B: 1000}, brief.WithTimeout(3*time.Second))
	<-impl.started
	start := time.Now()
	cancel()
	served(t, done, 3*time.Second)
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Fatalf("Serve returned %v after the grace period began", el)
	}
}
