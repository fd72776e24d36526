// Loopback tests of generated Go code: a generated client calls a generated server
// over real sockets. The code under gen/ is generated from contracts/ by
// `cargo test -p brief --test gen_go` (which then runs these tests); to run them by
// hand after changing the generator:
//
//	brief codegen contracts --lang go --out gen --go-import-path github.com/brief-rpc/brief/tests/go/gen
//	go test -race ./...
package gotests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
	"github.com/brief-rpc/brief/tests/go/gen/common"
	"github.com/brief-rpc/brief/tests/go/gen/hop"
	"github.com/brief-rpc/brief/tests/go/gen/probe"
)

// probeImpl implements the generated probe.ProbeServer.
type probeImpl struct{}

var _ probe.ProbeServer = probeImpl{}

func (probeImpl) Echo(_ context.Context, in *probe.Everything) (*probe.Everything, error) {
	return in, nil
}

func (probeImpl) Fail(_ context.Context, in *probe.FailIn) (*probe.FailOut, error) {
	if in.Typed != nil {
		switch *in.Typed {
		case "notFound":
			what := "thing"
			return nil, &probe.NotFound{ID: in.ID, What: &what}
		case "conflict":
			// Wrapped: the server finds the typed error in the chain.
			// With a message of the handler's own, which survives the re-labelling.
			conflict := (&common.Conflict{Reason: "stale", Version: in.ID}).WithMessage(fmt.Sprintf("version %d is stale", in.ID))
			return nil, fmt.Errorf("saving %d: %w", in.ID, conflict)
		}
	}
	if in.Code != "" {
		return nil, brief.NewError(brief.Code(in.Code), "asked to fail with "+in.Code)
	}
	return &probe.FailOut{}, nil
}

func (probeImpl) Sleep(ctx context.Context, in *probe.SleepIn) (*probe.SleepOut, error) {
	select {
	case <-time.After(time.Duration(in.Ms) * time.Millisecond):
		return &probe.SleepOut{Slept: true}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (probeImpl) Boom(context.Context, *probe.BoomIn) (*probe.BoomOut, error) {
	panic("boom")
}

func (probeImpl) Get(_ context.Context, in *probe.GetIn) (*probe.GetOut, error) {
	return &probe.GetOut{ID: in.ID, Text: fmt.Sprintf("thing %d", in.ID)}, nil
}

// protoRecorder remembers the protocol of the last request it saw.
type protoRecorder struct {
	next  http.Handler
	proto atomic.Value
}

func (p *protoRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.proto.Store(r.Proto)
	p.next.ServeHTTP(w, r)
}

// serve runs h on a loopback port with brief.Serve until the test ends, and
// returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- brief.Serve(ctx, h, brief.WithListener(ln), brief.WithoutSignals(),
			brief.WithGracePeriod(time.Second), brief.WithServeLogger(quietLogger()))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func probeServer(t *testing.T) (string, *protoRecorder) {
	rec := &protoRecorder{next: probe.NewProbeHandler(probeImpl{},
		brief.WithMaxBodyBytes(64<<10), brief.WithLogger(quietLogger()))}
	return serve(t, rec), rec
}

func probeClient(t *testing.T, url string, opts ...brief.ClientOption) *probe.ProbeClient {
	t.Helper()
	c, err := probe.NewProbeClient(append([]brief.ClientOption{brief.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func everything() *probe.Everything {
	item := func(id int64, c probe.Color) probe.Item {
		return probe.Item{UserID: id, Color: c, Tags: []string{"a", "b"}}
	}
	return &probe.Everything{
		Flag:   true,
		Count:  -9007199254740993,
		Ratio:  0.125,
		Name:   "naïve \"quoted\" \\ <tag> \u2028",
		Blob:   []byte{0, 1, 2, 250, 255},
		At:     time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC),
		Items:  []probe.Item{item(1, probe.ColorRed), item(2, probe.ColorBlueIsh)},
		Labels: map[string]int64{"x": 1, "y": -2},
		Main:   item(3, probe.ColorGreen),
		Extra:  ptr(item(4, probe.ColorRed)),
		Maybe:  []int64{7, 8},
		Colors: map[string]probe.Color{"sky": probe.ColorBlueIsh},
		Nested: [][]int64{{1, 2}, {3}},
		Deep: map[string][]map[string]probe.Item{
			"k": {{"i": item(5, probe.ColorGreen)}, {"j": item(6, probe.ColorRed)}},
		},
		When:     ptr(time.Date(1999, 12, 31, 0, 0, 0, 500000000, time.UTC)),
		Note:     ptr("a note"),
		OptMap:   map[string]float64{"pi": 3.25},
		Money:    common.Money{Amount: 1250, Currency: common.CurrencyEur},
		Currency: common.CurrencyUsd,
		Purse:    []common.Money{{Amount: 1, Currency: common.CurrencyUsd}},
		Color:    ptr(probe.ColorGreen),
		Tree: &probe.Tree{Value: 1, Children: []probe.Tree{
			{Value: 2, Children: []probe.Tree{{Value: 3, Children: []probe.Tree{}}}},
		}},
		Old: ptr(int64(42)),
	}
}

func TestEveryTypeRoundTrips(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)
	in := everything()
	out, err := c.Echo(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed the value:\n in: %+v\nout: %+v", in, out)
	}
	// Absent optionals stay absent.
	min := everything()
	min.Extra, min.Maybe, min.When, min.Note, min.OptMap, min.Color, min.Tree, min.Old = nil, nil, nil, nil, nil, nil, nil, nil
	out, err = c.Echo(context.Background(), min)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(min, out) {
		t.Fatalf("round trip changed the value:\n in: %+v\nout: %+v", min, out)
	}
	// encoding/json uses the generated methods too.
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back probe.Everything
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*in, back) {
		t.Fatalf("json round trip changed the value")
	}
	for _, want := range []string{`"at":"2024-02-29T23:59:58.123456Z"`, `"when":"1999-12-31T00:00:00.500Z"`, `"blob":"AAEC+v8="`, `"currency":"usd"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("canonical JSON lacks %s: %s", want, b)
		}
	}
}

func TestSuccessAndReadonlyGet(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)
	//lint:ignore SA1019 the deprecated rpc must still work
	out, err := c.Get(context.Background(), &probe.GetIn{ID: 7})
	if err != nil || out.ID != 7 || out.Text != "thing 7" {
		t.Fatalf("get: %+v, %v", out, err)
	}
	// readonly rpcs answer GET too.
	resp, err := http.Get(url + "/probe/get?connect=v1&encoding=json&message=" + `%7B%22id%22%3A9%7D`)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"id":9,"text":"thing 9"}` {
		t.Fatalf("GET: %d %s", resp.StatusCode, body)
	}
}

func TestEveryErrorCodeRoundTrips(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)
	for _, code := range brief.Codes {
		out, err := c.Fail(context.Background(), &probe.FailIn{Code: string(code)})
		if out != nil {
			t.Errorf("%s: got an output with the error", code)
		}
		var be *brief.Error
		if !errors.As(err, &be) {
			t.Fatalf("%s: not a *brief.Error: %v", code, err)
		}
		if be.Code != code || be.Message != "asked to fail with "+string(code) {
			t.Errorf("%s: got %s %q", code, be.Code, be.Message)
		}
	}
}

func TestTypedErrorsWithErrorsAs(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)

	_, err := c.Fail(context.Background(), &probe.FailIn{Typed: ptr("notFound"), ID: 12})
	var nf *probe.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("not a *probe.NotFound: %v", err)
	}
	if nf.ID != 12 || nf.What == nil || *nf.What != "thing" {
		t.Errorf("fields lost: %+v", nf)
	}
	if nf.Error() != "No such thing" {
		t.Errorf("message %q, want the contract's doc", nf.Error())
	}
	if brief.CodeOf(err) != brief.CodeNotFound {
		t.Errorf("code %s", brief.CodeOf(err))
	}

	// An error declared in another contract, returned wrapped by the handler, travels
	// under this service's name and comes back as its own type.
	_, err = c.Fail(context.Background(), &probe.FailIn{Typed: ptr("conflict"), ID: 5})
	var cf *common.Conflict
	if !errors.As(err, &cf) {
		t.Fatalf("not a *common.Conflict: %v", err)
	}
	if cf.Reason != "stale" || cf.Version != 5 || brief.CodeOf(err) != brief.CodeAborted {
		t.Errorf("got %+v %s", cf, brief.CodeOf(err))
	}
	if cf.Error() != "version 5 is stale" {
		t.Errorf("message %q, want the one the handler chose", cf.Error())
	}
	var be *brief.Error
	errors.As(err, &be)
	if _, ok := be.FindDetail("probe.Conflict"); !ok {
		t.Errorf("detail type: %+v", be.Details)
	}
}

type rawResult struct {
	status int
	code   string
	msg    string
	header http.Header
}

func post(t *testing.T, url, path, contentType, body string) rawResult {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message string }
	_ = json.Unmarshal(b, &e)
	return rawResult{resp.StatusCode, e.Code, e.Message, resp.Header}
}

func TestBadInputGetsTheRightCode(t *testing.T) {
	url, _ := probeServer(t)
	good, _ := json.Marshal(everything())
	missing := strings.Replace(string(good), `{"userId":2,`, `{`, 1)
	if missing == string(good) {
		t.Fatal("test setup: no second item to break")
	}
	cases := []struct {
		name, path, ctype, body string
		status                  int
		code, inMsg             string
	}{
		{"malformed JSON", "/probe/echo", "application/json", `{"flag":`, 400, "invalid_argument", ""},
		{"missing required field", "/probe/echo", "application/json", missing, 400, "invalid_argument", "items[1].userId"},
		{"wrong type", "/probe/echo", "application/json", strings.Replace(string(good), `"flag":true`, `"flag":"yes"`, 1), 400, "invalid_argument", "flag"},
		{"unknown enum value", "/probe/echo", "application/json", strings.Replace(string(good), `"currency":"usd"`, `"currency":"gbp"`, 1), 400, "invalid_argument", "currency"},
		{"unknown nested enum value", "/probe/echo", "application/json", strings.Replace(string(good), `"sky":"blue_ish"`, `"sky":"purple"`, 1), 400, "invalid_argument", `colors["sky"]`},
		{"wrong content type", "/probe/echo", "text/plain", string(good), 415, "unimplemented", ""},
		{"oversized body", "/probe/echo", "application/json", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 429, "resource_exhausted", ""},
		{"unknown rpc", "/probe/nope", "application/json", `{}`, 501, "unimplemented", ""},
		{"unknown service", "/nope/echo", "application/json", `{}`, 501, "unimplemented", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, url, tc.path, tc.ctype, tc.body)
			if r.status != tc.status || r.code != tc.code || !strings.Contains(r.msg, tc.inMsg) {
				t.Fatalf("got %d %s %q, want %d %s containing %q", r.status, r.code, r.msg, tc.status, tc.code, tc.inMsg)
			}
			if tc.status == 415 && r.header.Get("Accept-Post") != "application/json" {
				t.Errorf("Accept-Post: %q", r.header.Get("Accept-Post"))
			}
		})
	}
	// The missing field's path names the list index and the JSON key.
	r := post(t, url, "/probe/echo", "application/json", missing)
	if !strings.HasPrefix(r.msg, "items[1].userId") {
		t.Errorf("path not first: %q", r.msg)
	}
}

func TestPanicLeavesServerServing(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)
	for i := 0; i < 3; i++ {
		_, err := c.Boom(context.Background(), &probe.BoomIn{})
		if brief.CodeOf(err) != brief.CodeInternal {
			t.Fatalf("boom: %v", err)
		}
		if _, err := c.Echo(context.Background(), everything()); err != nil {
			t.Fatalf("after a panic: %v", err)
		}
	}
}

func TestDeadlineExceededPromptly(t *testing.T) {
	url, _ := probeServer(t)
	c := probeClient(t, url)
	const deadline = 100 * time.Millisecond
	start := time.Now()
	_, err := c.Sleep(context.Background(), &probe.SleepIn{Ms: 2000}, brief.WithTimeout(deadline))
	elapsed := time.Since(start)
	if brief.CodeOf(err) != brief.CodeDeadlineExceeded {
		t.Fatalf("got %v", err)
	}
	if elapsed > deadline+50*time.Millisecond {
		t.Errorf("deadline_exceeded came after %v, more than 50 ms late", elapsed)
	}
	// The context's own deadline works the same way.
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start = time.Now()
	_, err = c.Sleep(ctx, &probe.SleepIn{Ms: 2000})
	if brief.CodeOf(err) != brief.CodeDeadlineExceeded || time.Since(start) > deadline+50*time.Millisecond {
		t.Fatalf("ctx deadline: %v after %v", err, time.Since(start))
	}
}

func TestHTTP1AndH2C(t *testing.T) {
	url, rec := probeServer(t)
	for _, tc := range []struct {
		name  string
		opts  []brief.ClientOption
		proto string
	}{
		{"http/1.1", nil, "HTTP/1.1"},
		{"h2c", []brief.ClientOption{brief.WithH2C()}, "HTTP/2.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := probeClient(t, url, tc.opts...)
			in := everything()
			out, err := c.Echo(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatal("value changed")
			}
			if got := rec.proto.Load(); got != tc.proto {
				t.Fatalf("server saw %v, want %s", got, tc.proto)
			}
		})
	}
}

// hopImpl is one service of a chain: it records what it saw and calls the next.
type hopImpl struct {
	next *hop.HopClient
}

func (h hopImpl) Relay(ctx context.Context, in *hop.RelayIn) (*hop.RelayOut, error) {
	info := brief.CallInfoFromContext(ctx)
	dl, ok := ctx.Deadline()
	if info == nil || !ok {
		return nil, brief.NewError(brief.CodeInternal, "no call info or deadline")
	}
	me := hop.Hop{RequestID: info.RequestID, TraceID: info.TraceID, DeadlineMs: time.Until(dl).Milliseconds()}
	if in.Remaining == 0 || h.next == nil {
		return &hop.RelayOut{Hops: []hop.Hop{me}}, nil
	}
	time.Sleep(5 * time.Millisecond) // so that each hop's deadline is measurably shorter
	rest, err := h.next.Relay(ctx, &hop.RelayIn{Remaining: in.Remaining - 1})
	if err != nil {
		return nil, err
	}
	return &hop.RelayOut{Hops: append([]hop.Hop{me}, rest.Hops...)}, nil
}

func TestChainKeepsRequestAndTraceAndShrinksDeadline(t *testing.T) {
	// Three instances of the hop service: first → second → third.
	var next *hop.HopClient
	for i := 0; i < 3; i++ {
		url := serve(t, hop.NewHopHandler(hopImpl{next: next}, brief.WithLogger(quietLogger())))
		c, err := hop.NewHopClient(brief.WithBaseURL(url))
		if err != nil {
			t.Fatal(err)
		}
		next = c
	}
	info := brief.NewCallInfo()
	ctx := brief.WithCallInfo(context.Background(), info)
	out, err := next.Relay(ctx, &hop.RelayIn{Remaining: 2}, brief.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Hops) != 3 {
		t.Fatalf("hops: %+v", out.Hops)
	}
	prev := int64(2001)
	for i, h := range out.Hops {
		if h.RequestID != info.RequestID || h.TraceID != info.TraceID {
			t.Errorf("hop %d saw request %q trace %q, want %q %q", i, h.RequestID, h.TraceID, info.RequestID, info.TraceID)
		}
		if h.DeadlineMs >= prev || h.DeadlineMs <= 0 {
			t.Errorf("hop %d deadline %d ms, previous %d ms: should shrink", i, h.DeadlineMs, prev)
		}
		prev = h.DeadlineMs
	}
}

func TestClientDiscoveryNamesTheVariable(t *testing.T) {
	t.Setenv("SERVICE_PROBE_URL", "")
	_, err := probe.NewProbeClient()
	if err == nil || !strings.Contains(err.Error(), "SERVICE_PROBE_URL") {
		t.Fatalf("got %v", err)
	}
	url, _ := probeServer(t)
	t.Setenv("SERVICE_PROBE_URL", url)
	c, err := probe.NewProbeClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Fail(context.Background(), &probe.FailIn{}); err != nil {
		t.Fatal(err)
	}
}

func TestGeneratedJSONEnforcesTheContract(t *testing.T) {
	var m common.Money
	err := json.Unmarshal([]byte(`{"amount":"12","currency":"eur","extra":1}`), &m)
	if err != nil || m.Amount != 12 {
		t.Fatalf("liberal int / unknown field: %v %+v", err, m)
	}
	err = json.Unmarshal([]byte(`{"amount":1,"currency":null}`), &m)
	if brief.CodeOf(err) != brief.CodeInvalidArgument || !strings.Contains(err.Error(), "currency") {
		t.Fatalf("null required enum: %v", err)
	}
	b, _ := json.Marshal(probe.Item{UserID: 1, Color: probe.ColorRed})
	if !bytes.Equal(b, []byte(`{"userId":1,"color":"red","tags":[]}`)) {
		t.Fatalf("nil required list: %s", b)
	}
}

func TestTwoServicesOnOneHandler(t *testing.T) {
	procs := append(probe.ProbeProcedures(probeImpl{}), hop.HopProcedures(hopImpl{})...)
	url := serve(t, brief.NewHandler(procs, brief.WithLogger(quietLogger())))
	if _, err := probeClient(t, url).Fail(context.Background(), &probe.FailIn{}); err != nil {
		t.Fatal(err)
	}
	hc, err := hop.NewHopClient(brief.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	out, err := hc.Relay(context.Background(), &hop.RelayIn{})
	if err != nil || len(out.Hops) != 1 {
		t.Fatalf("relay: %+v %v", out, err)
	}
}
