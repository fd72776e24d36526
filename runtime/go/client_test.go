package brief_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// hop is what each service of the chain saw.
type hop struct {
	info      brief.CallInfo
	remaining time.Duration
	header    http.Header
}

var traceparentRE = regexp.MustCompile(`^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`)

func TestThreeServiceChain(t *testing.T) {
	var mu sync.Mutex
	hops := map[string]hop{}
	var hdrs sync.Map
	record := func(name string, ctx context.Context) {
		dl, _ := ctx.Deadline() // none when the caller sent no Connect-Timeout-Ms
		info := brief.CallInfoFromContext(ctx)
		if info == nil {
			t.Errorf("%s: no CallInfo", name)
			return
		}
		mu.Lock()
		hops[name] = hop{info: *info, remaining: time.Until(dl)}
		mu.Unlock()
	}
	withHeaders := func(name string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/hop") {
				hdrs.Store(name, r.Header.Clone())
			}
			h.ServeHTTP(w, r)
		})
	}
	gammaRPC := &brief.RPC{Service: "gamma", Name: "hop", Timeout: 2 * time.Second}
	betaRPC := &brief.RPC{Service: "beta", Name: "hop", Timeout: 2 * time.Second}
	alphaRPC := &brief.RPC{Service: "alpha", Name: "hop", Timeout: 2 * time.Second}

	gammaBase, _, _ := serve(t, withHeaders("gamma", brief.NewHandler([]brief.Procedure{
		brief.NewProcedure(gammaRPC, func(ctx context.Context, in *SumIn) (*SumOut, error) {
			record("gamma", ctx)
			return &SumOut{Sum: in.A + 100}, nil
		}),
	})))
	t.Setenv("SERVICE_NAME", "beta")
	gammaClient, err := brief.NewClient("gamma", brief.WithBaseURL(gammaBase))
	if err != nil {
		t.Fatal(err)
	}
	betaBase, _, _ := serve(t, withHeaders("beta", brief.NewHandler([]brief.Procedure{
		brief.NewProcedure(betaRPC, func(ctx context.Context, in *SumIn) (*SumOut, error) {
			record("beta", ctx)
			time.Sleep(30 * time.Millisecond)
			out := new(SumOut)
			err := gammaClient.Call(ctx, gammaRPC, &SumIn{A: in.A + 10}, out)
			return out, err
		}),
	})))
	t.Setenv("SERVICE_NAME", "alpha")
	betaClient, err := brief.NewClient("beta", brief.WithBaseURL(betaBase), brief.WithH2C())
	if err != nil {
		t.Fatal(err)
	}
	alphaBase, _, _ := serve(t, withHeaders("alpha", brief.NewHandler([]brief.Procedure{
		brief.NewProcedure(alphaRPC, func(ctx context.Context, in *SumIn) (*SumOut, error) {
			record("alpha", ctx)
			time.Sleep(30 * time.Millisecond)
			out := new(SumOut)
			err := betaClient.Call(ctx, betaRPC, &SumIn{A: in.A + 1}, out)
			return out, err
		}),
	})))
	t.Setenv("SERVICE_NAME", "edge")
	edge, err := brief.NewClient("alpha", brief.WithBaseURL(alphaBase))
	if err != nil {
		t.Fatal(err)
	}

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	ctx := brief.WithCallInfo(context.Background(), &brief.CallInfo{
		RequestID: "req-123", TraceID: traceID, TraceFlags: "01",
		TraceState: "vendor=abc", Baggage: "user=42,tenant=x",
	})
	out := new(SumOut)
	if err := edge.Call(ctx, alphaRPC, &SumIn{A: 0}, out, brief.WithTimeout(time.Second)); err != nil {
		t.Fatal(err)
	}
	if out.Sum != 111 {
		t.Fatalf("sum %d", out.Sum)
	}
	a, b, g := hops["alpha"], hops["beta"], hops["gamma"]
	for name, h := range map[string]hop{"alpha": a, "beta": b, "gamma": g} {
		if h.info.RequestID != "req-123" || h.info.TraceID != traceID || h.info.TraceState != "vendor=abc" || h.info.Baggage != "user=42,tenant=x" {
			t.Errorf("%s: context not passed on: %+v", name, h.info)
		}
	}
	if a.info.Caller != "edge" || b.info.Caller != "alpha" || g.info.Caller != "beta" {
		t.Errorf("callers: %q %q %q", a.info.Caller, b.info.Caller, g.info.Caller)
	}
	spans := map[string]bool{a.info.ParentSpanID: true, b.info.ParentSpanID: true, g.info.ParentSpanID: true}
	if len(spans) != 3 || a.info.ParentSpanID == "" {
		t.Errorf("span ids not new at each hop: %q %q %q", a.info.ParentSpanID, b.info.ParentSpanID, g.info.ParentSpanID)
	}
	if !(a.remaining <= time.Second && b.remaining < a.remaining-25*time.Millisecond && g.remaining < b.remaining-25*time.Millisecond && g.remaining > 0) {
		t.Errorf("deadline does not shrink: %v %v %v", a.remaining, b.remaining, g.remaining)
	}
	// Raw headers at gamma.
	v, _ := hdrs.Load("gamma")
	h := v.(http.Header)
	m := traceparentRE.FindStringSubmatch(h.Get("Traceparent"))
	if m == nil || m[1] != traceID {
		t.Errorf("traceparent %q", h.Get("Traceparent"))
	}
	ms, err := strconv.Atoi(h.Get("Connect-Timeout-Ms"))
	if err != nil || ms <= 0 || time.Duration(ms)*time.Millisecond > b.remaining {
		t.Errorf("Connect-Timeout-Ms %q vs beta's remaining %v", h.Get("Connect-Timeout-Ms"), b.remaining)
	}
	for k, want := range map[string]string{"X-Request-Id": "req-123", "Tracestate": "vendor=abc", "Baggage": "user=42,tenant=x", "X-Brief-Caller": "beta", "X-Brief-Attempt": "1", "Connect-Protocol-Version": "1", "Content-Type": "application/json"} {
		if h.Get(k) != want {
			t.Errorf("gamma header %s = %q, want %q", k, h.Get(k), want)
		}
	}

	// Without incoming request id or trace, the first server generates them
	// and passes them on.
	resp, err := http.Post(alphaBase+"/alpha/hop", "application/json", strings.NewReader(`{"a":1,"b":0}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a, g = hops["alpha"], hops["gamma"]
	if a.info.RequestID == "" || a.info.RequestID == "req-123" || g.info.RequestID != a.info.RequestID || g.info.TraceID != a.info.TraceID || len(a.info.TraceID) != 32 {
		t.Errorf("generated ids not passed on: alpha %+v gamma %+v", a.info, g.info)
	}
	// Without a CallInfo, a client starts a trace and a request id itself.
	edge.Call(context.Background(), alphaRPC, &SumIn{}, new(SumOut))
	v, _ = hdrs.Load("alpha")
	h = v.(http.Header)
	if !traceparentRE.MatchString(h.Get("Traceparent")) || len(h.Get("X-Request-Id")) != 36 {
		t.Errorf("edge client headers: %v", h)
	}
}

func TestNonConnectErrorResponses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, _ := strconv.Atoi(r.Header.Get("X-Status"))
		if r.Header.Get("X-Json") != "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":"not connect"}`)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html>proxy says %d %s</html>", status, strings.Repeat("z", 2000))
	}))
	defer srv.Close()
	// One attempt per call: this is about how statuses map to codes (retries and
	// breakers would hide the answers).
	c, err := brief.NewClient("summer", brief.WithBaseURL(srv.URL), brief.WithoutResilience())
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]brief.Code{400: brief.CodeInternal, 401: brief.CodeUnauthenticated, 403: brief.CodePermissionDenied,
		404: brief.CodeUnimplemented, 429: brief.CodeUnavailable, 502: brief.CodeUnavailable, 503: brief.CodeUnavailable,
		504: brief.CodeUnavailable, 500: brief.CodeUnknown, 418: brief.CodeUnknown}
	for status, code := range want {
		err := c.Call(context.Background(), &sumRPC, &SumIn{}, new(SumOut), brief.WithHeader("X-Status", strconv.Itoa(status)))
		var be *brief.Error
		if !errors.As(err, &be) || be.Code != code {
			t.Errorf("%d: got %v, want %s", status, err, code)
			continue
		}
		if !strings.Contains(be.Message, fmt.Sprintf("proxy says %d", status)) || len(be.Message) > 700 {
			t.Errorf("%d: message %q", status, be.Message)
		}
	}
	err = c.Call(context.Background(), &sumRPC, &SumIn{}, new(SumOut), brief.WithHeader("X-Status", "502"), brief.WithHeader("X-Json", "1"))
	if brief.CodeOf(err) != brief.CodeUnavailable || !strings.Contains(err.Error(), "not connect") {
		t.Errorf("JSON non-Connect body: %v", err)
	}
	// A 200 that is not JSON.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "hello")
	}))
	defer srv2.Close()
	c2, _ := brief.NewClient("summer", brief.WithBaseURL(srv2.URL))
	if err := c2.Call(context.Background(), &sumRPC, &SumIn{}, new(SumOut)); brief.CodeOf(err) != brief.CodeInternal {
		t.Errorf("non-JSON 200: %v", err)
	}
	// A 200 whose body misses a required field.
	srv3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"info":"x"}`)
	}))
	defer srv3.Close()
	c3, _ := brief.NewClient("summer", brief.WithBaseURL(srv3.URL))
	if err := c3.Call(context.Background(), &sumRPC, &SumIn{}, new(SumOut)); brief.CodeOf(err) != brief.CodeInternal || !strings.Contains(err.Error(), "sum: required field missing") {
		t.Errorf("invalid response: %v", err)
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var unsent atomic.Bool
	c, err := brief.NewClient("summer", brief.WithBaseURL("http://"+addr), brief.WithInterceptors(func(next brief.Invoker) brief.Invoker {
		return func(ctx context.Context, req *brief.Request) error {
			err := next(ctx, req)
			unsent.Store(req.Unsent)
			return err
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(context.Background(), &sumRPC, &SumIn{}, new(SumOut))
	if brief.CodeOf(err) != brief.CodeUnavailable || !strings.Contains(err.Error(), addr) {
		t.Fatalf("got %v", err)
	}
	if !unsent.Load() {
		t.Fatal("connection refused not marked Unsent")
	}
}

func TestDiscovery(t *testing.T) {
	for in, want := range map[string]string{"image-storage": "SERVICE_IMAGE_STORAGE_URL", "data.bus": "SERVICE_DATA_BUS_URL", "summer": "SERVICE_SUMMER_URL"} {
		if got := brief.EnvVarName(in); got != want {
			t.Errorf("EnvVarName(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv("SERVICE_IMAGE_STORAGE_URL", "")
	_, err := brief.NewClient("image-storage")
	if err == nil || !strings.Contains(err.Error(), "SERVICE_IMAGE_STORAGE_URL") {
		t.Fatalf("missing config: %v", err)
	}
	t.Setenv("SERVICE_IMAGE_STORAGE_URL", "ftp://x")
	if _, err := brief.NewClient("image-storage"); err == nil || !strings.Contains(err.Error(), "SERVICE_IMAGE_STORAGE_URL") {
		t.Fatalf("bad URL: %v", err)
	}
	t.Setenv("SERVICE_IMAGE_STORAGE_URL", "https://storage:8443")
	if _, err := brief.NewClient("image-storage"); err == nil || !strings.Contains(err.Error(), "https is not supported") {
		t.Fatalf("https: %v", err)
	}

	// Two servers from a comma-separated list; the balancer picks at random
	// between idle endpoints, so both get calls.
	var hits [2]atomic.Int32
	var bases []string
	for i := range 2 {
		impl := &summer{}
		h := NewSummerHandler(impl, brief.WithLogger(quietLogger))
		base, _, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			h.ServeHTTP(w, r)
		}))
		bases = append(bases, base)
	}
	t.Setenv("SERVICE_SUMMER_URL", bases[0]+" , "+bases[1]+"/")
	c, err := NewSummerClient()
	if err != nil {
		t.Fatal(err)
	}
	for range 40 {
		if _, err := c.Sum(context.Background(), &SumIn{A: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if hits[0].Load() == 0 || hits[1].Load() == 0 || hits[0].Load()+hits[1].Load() != 40 {
		t.Fatalf("balancing: %d %d", hits[0].Load(), hits[1].Load())
	}
	// WithBaseURL wins over the environment.
	before := hits[1].Load()
	c2 := client(t, bases[1])
	c2.Sum(context.Background(), &SumIn{})
	if hits[1].Load() != before+1 {
		t.Fatal("WithBaseURL not used")
	}
}

// Interceptors see every attempt: the built-in retry of an idempotent rpc
// after a 503 sends attempt 2 with the same request id.
func TestInterceptorsSeeEachAttempt(t *testing.T) {
	var attempts []string
	var mu sync.Mutex
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts = append(attempts, r.Header.Get("X-Brief-Attempt")+"/"+r.Header.Get("X-Request-Id"))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"sum":7}`)
	}))
	defer srv.Close()
	var seen []string
	record := func(next brief.Invoker) brief.Invoker {
		return func(ctx context.Context, req *brief.Request) error {
			err := next(ctx, req)
			seen = append(seen, fmt.Sprintf("%d %s %v", req.Attempt, req.Endpoint, brief.CodeOf(err)))
			return err
		}
	}
	c := client(t, srv.URL, brief.WithInterceptors(record))
	out, err := c.Sum(context.Background(), &SumIn{})
	if err != nil || out.Sum != 7 {
		t.Fatalf("%v %+v", err, out)
	}
	if len(attempts) != 2 || !strings.HasPrefix(attempts[0], "1/") || !strings.HasPrefix(attempts[1], "2/") || attempts[0][2:] != attempts[1][2:] {
		t.Fatalf("attempts %v", attempts)
	}
	want := []string{"1 " + srv.URL + " unavailable", "2 " + srv.URL + " "}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("interceptor saw %q, want %q", seen, want)
	}
}
