// Interop tests, Go side: the generated Go client (from tests/rust/contracts/probe.brief,
// generated into gen/) calls the Rust probe-server and summer-server processes, and a
// Go -> Rust -> Go chain keeps the request id and trace id. The Rust side
// (tests/rust/tests/interop.rs) calls the Go probe server of cmd/probe-server.
//
// Run everything with `bash tests/interop/run.sh`, which builds the binaries and sets:
//
//	PROBE_SERVER_RUST  the Rust probe-server binary (required, else these tests skip)
//	PROBE_SERVER_GO    the Go probe server (built from ./cmd/probe-server when unset)
//	SUMMER_SERVER_RUST the Rust summer-server binary  } the summer test skips
//	SUMMER_CALL_GO     the Go summer call binary      } when either is unset
package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
	"github.com/brief-rpc/brief/tests/interop/go/gen/probe"
)

// binary returns the path in the environment variable name, or skips the test.
func binary(t *testing.T, name string) string {
	t.Helper()
	path := os.Getenv(name)
	if path == "" {
		t.Skipf("SKIPPED: %s is not set; run `bash tests/interop/run.sh` to build the Rust servers and run the interop tests", name)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s=%s: %v", name, path, err)
	}
	return path
}

var (
	goServerOnce sync.Once
	goServerPath string
	goServerErr  error
)

// goProbeServer returns $PROBE_SERVER_GO, or builds ./cmd/probe-server once.
func goProbeServer(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("PROBE_SERVER_GO"); path != "" {
		return path
	}
	goServerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "brief-interop-go")
		if err != nil {
			goServerErr = err
			return
		}
		goServerPath = filepath.Join(dir, "probe-server")
		out, err := exec.Command("go", "build", "-o", goServerPath, "./cmd/probe-server").CombinedOutput()
		if err != nil {
			goServerErr = fmt.Errorf("go build ./cmd/probe-server: %v\n%s", err, out)
		}
	})
	if goServerErr != nil {
		t.Fatal(goServerErr)
	}
	return goServerPath
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs a server binary on a free loopback port with the extra environment
// variables env, waits until /readyz answers 200, and returns its base URL. The
// process gets SIGTERM (then SIGKILL) when the test ends, whatever its outcome.
func start(t *testing.T, bin string, env ...string) string {
	t.Helper()
	for attempt := 0; ; attempt++ {
		port := freePort(t)
		url, err := startOn(t, bin, port, env)
		if err == nil {
			return url
		}
		if attempt == 2 {
			t.Fatal(err)
		}
		t.Logf("retrying on another port: %v", err)
	}
}

func startOn(t *testing.T, bin string, port int, env []string) (string, error) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin)
	cmd.Env = append(append(os.Environ(), "LISTEN="+addr), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			return "", fmt.Errorf("%s exited before it was ready: %v\n%s", bin, waitErr, logs.String())
		default:
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("%s not ready on %s after 20 s\n%s", bin, addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("output of %s on %s:\n%s", filepath.Base(bin), addr, logs.String())
		}
	})
	return url, nil
}

func client(t *testing.T, url string, opts ...brief.ClientOption) *probe.ProbeClient {
	t.Helper()
	c, err := probe.NewProbeClient(append([]brief.ClientOption{brief.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

// everything uses every field of Everything: a time with microseconds and a non-UTC
// offset, bytes with 0x00 and 0xff, optionals present, nested lists and maps, an enum
// and recursion through next.
func everything() *probe.Everything {
	plus2 := time.FixedZone("+02:00", 2*3600)
	return &probe.Everything{
		Flag:   true,
		Count:  -9223372036854775808,
		Ratio:  -0.125,
		Name:   "naïve ✓ \"quoted\" \\ <tag> \u2028 \x00",
		Blob:   []byte{0, 1, 2, 250, 255},
		At:     time.Date(2026, 11, 22, 10, 11, 12, 123456000, plus2),
		Color:  probe.ColorBlueish,
		Tags:   []string{"a", ""},
		Scores: map[string]int64{"x": 1, "y": 9223372036854775807, "": -1},
		Matrix: [][]int64{{1, 2}, {}, {3}},
		Nested: map[string][]probe.Item{
			"k":     {{ID: 7}, {ID: 8, Label: ptr("eight")}},
			"empty": {},
		},
		Item:      probe.Item{ID: 1, Label: ptr("one")},
		Maybe:     ptr(int64(0)),
		MaybeItem: &probe.Item{ID: 2},
		MaybeList: []int64{4, 5},
		MaybeAt:   ptr(time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.FixedZone("-05:30", -(5*3600+1800)))),
		Next: &probe.Everything{
			Name:  "inner",
			At:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
			Color: probe.ColorGreen,
			Next: &probe.Everything{
				Name:   "innermost",
				At:     time.Date(2000, 1, 1, 0, 0, 0, 1000, time.UTC),
				Color:  probe.ColorRed,
				Matrix: [][]int64{{}},
			},
		},
	}
}

// minimal has every optional absent and every collection empty.
func minimal() *probe.Everything {
	return &probe.Everything{At: time.Unix(0, 0).UTC(), Color: probe.ColorRed}
}

// canonical returns a copy of v in which times are UTC and empty required lists, maps
// and bytes are nil: the wire does not tell nil from empty for those, and a time
// travels as an instant. The optional list maybeList keeps absent (nil) apart from
// present and empty.
func canonical(v *probe.Everything) *probe.Everything {
	if v == nil {
		return nil
	}
	c := *v
	c.At = c.At.UTC()
	if c.MaybeAt != nil {
		c.MaybeAt = ptr(c.MaybeAt.UTC())
	}
	c.Blob = nilIfEmpty(c.Blob)
	c.Tags = nilIfEmpty(c.Tags)
	c.Scores = nilIfEmptyMap(c.Scores)
	c.Matrix = nilIfEmpty(c.Matrix)
	for i := range c.Matrix {
		c.Matrix[i] = nilIfEmpty(c.Matrix[i])
	}
	c.Nested = nilIfEmptyMap(c.Nested)
	for k := range c.Nested {
		c.Nested[k] = nilIfEmpty(c.Nested[k])
	}
	if c.MaybeList != nil {
		c.MaybeList = append([]int64{}, c.MaybeList...)
	}
	c.Next = canonical(c.Next)
	return &c
}

// sameValue reports whether out is in after a trip over the wire.
func sameValue(in, out *probe.Everything) bool {
	for a, b := in, out; a != nil || b != nil; a, b = a.Next, b.Next {
		if a == nil || b == nil || (a.MaybeList == nil) != (b.MaybeList == nil) || !a.At.Equal(b.At) {
			return false
		}
	}
	return reflect.DeepEqual(canonical(in), canonical(out))
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

func nilIfEmptyMap[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func TestGoClientRustServerEveryTypeRoundTrips(t *testing.T) {
	c := client(t, start(t, binary(t, "PROBE_SERVER_RUST")))
	ctx := context.Background()
	emptyList := minimal()
	emptyList.MaybeList = []int64{}
	if sameValue(everything(), minimal()) || sameValue(minimal(), emptyList) || !sameValue(everything(), everything()) {
		t.Fatal("sameValue does not tell values apart")
	}
	cases := map[string]*probe.Everything{"everything": everything(), "minimal": minimal(), "present empty list": emptyList}
	for name, in := range cases {
		out, err := c.Echo(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !sameValue(in, out) {
			t.Errorf("%s: the round trip through Rust changed the value:\n in %+v\nout %+v", name, canonical(in), canonical(out))
		}
	}
	// The instants survive with their microseconds and offsets applied.
	out, err := c.Echo(ctx, everything())
	if err != nil {
		t.Fatal(err)
	}
	if got := out.At.Format(time.RFC3339Nano); got != "2026-11-22T08:11:12.123456Z" {
		t.Errorf("at = %s", got)
	}
	if got := out.MaybeAt.Format(time.RFC3339Nano); got != "1970-01-01T05:29:59.999999Z" {
		t.Errorf("maybeAt = %s", got)
	}
}

func TestGoClientRustServerEveryCodeRoundTrips(t *testing.T) {
	c := client(t, start(t, binary(t, "PROBE_SERVER_RUST")))
	if len(brief.Codes) != 16 {
		t.Fatalf("%d codes", len(brief.Codes))
	}
	for _, code := range brief.Codes {
		msg := fmt.Sprintf("failing with %s: ünïcode \"quoted\"", code)
		_, err := c.Fail(context.Background(), &probe.FailIn{Code: string(code), Message: msg})
		var e *brief.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: not a *brief.Error: %#v", code, err)
		}
		if e.Code != code || e.Message != msg {
			t.Errorf("sent %s %q, got %s %q", code, msg, e.Code, e.Message)
		}
	}
	_, err := c.Fail(context.Background(), &probe.FailIn{Code: "no_such_code", Message: "x"})
	if brief.CodeOf(err) != brief.CodeInvalidArgument {
		t.Errorf("unknown code: got %v", err)
	}
}

func TestGoClientRustServerTypedErrorsComeBackTyped(t *testing.T) {
	c := client(t, start(t, binary(t, "PROBE_SERVER_RUST")))
	ctx := context.Background()

	_, err := c.Find(ctx, &probe.FindIn{ID: -3})
	var nf *probe.NotFound
	if !errors.As(err, &nf) {
		t.Fatalf("expected a *probe.NotFound, got %#v", err)
	}
	if nf.ID != -3 || nf.What == nil || *nf.What != "item" {
		t.Errorf("NotFound fields: %+v", nf)
	}
	if nf.Error() != "no item with id -3" {
		t.Errorf("NotFound message: got %q, want the one the handler chose", nf.Error())
	}
	if brief.CodeOf(err) != brief.CodeNotFound {
		t.Errorf("code %s", brief.CodeOf(err))
	}

	_, err = c.Find(ctx, &probe.FindIn{ID: 1, Conflict: true})
	var conflict *probe.Conflict
	if !errors.As(err, &conflict) {
		t.Fatalf("expected a *probe.Conflict, got %#v", err)
	}
	if conflict.Error() != "It exists already" {
		t.Errorf("Conflict message: got %q, want the contract's doc", conflict.Error())
	}
	if brief.CodeOf(err) != brief.CodeAlreadyExists {
		t.Errorf("code %s", brief.CodeOf(err))
	}
	if errors.As(err, &nf) {
		t.Errorf("a Conflict is also a NotFound: %#v", err)
	}

	found, err := c.Find(ctx, &probe.FindIn{ID: 5})
	if err != nil || found.ID != 5 {
		t.Errorf("find 5: %+v, %v", found, err)
	}
}

func TestGoClientRustServerPanicAndDeadline(t *testing.T) {
	c := client(t, start(t, binary(t, "PROBE_SERVER_RUST")))
	ctx := context.Background()
	for range 2 {
		if _, err := c.Crash(ctx, &probe.Empty{}); brief.CodeOf(err) != brief.CodeInternal {
			t.Errorf("crash: %v", err)
		}
	}
	started := time.Now()
	_, err := c.Sleep(ctx, &probe.SleepIn{Millis: 1500}, brief.WithTimeout(200*time.Millisecond))
	if brief.CodeOf(err) != brief.CodeDeadlineExceeded {
		t.Errorf("sleep past the deadline: %v", err)
	}
	if took := time.Since(started); took > time.Second {
		t.Errorf("deadline_exceeded after %v", took)
	}
	if _, err := c.Sleep(ctx, &probe.SleepIn{Millis: 10}); err != nil {
		t.Errorf("short sleep: %v", err)
	}
}

const (
	chainRequestID = "req-interop-go-rust-go"
	chainTraceID   = "4bf92f3577b34da6a3ce929d0e0e4736"
)

func TestChainGoRustGoKeepsRequestAndTraceIDs(t *testing.T) {
	rust := binary(t, "PROBE_SERVER_RUST")
	goBin := goProbeServer(t)
	a := start(t, goBin, "SERVICE_NAME=go-a")
	b := start(t, rust, "SERVICE_NAME=rust-b")
	cURL := start(t, goBin, "SERVICE_NAME=go-c")

	info := brief.NewCallInfo()
	info.RequestID, info.TraceID = chainRequestID, chainTraceID
	ctx, cancel := context.WithTimeout(brief.WithCallInfo(context.Background(), info), 3*time.Second)
	defer cancel()
	out, err := client(t, a, brief.WithCallerName("interop-client")).Hop(ctx, &probe.HopIn{Next: []string{b, cURL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Seen) != 3 {
		t.Fatalf("%d hops: %+v", len(out.Seen), out.Seen)
	}
	spans := map[string]bool{}
	wantCallers := []string{"interop-client", "go-a", "rust-b"}
	for i, hop := range out.Seen {
		if hop.RequestID != chainRequestID || hop.TraceID != chainTraceID {
			t.Errorf("hop %d saw request id %q, trace id %q", i, hop.RequestID, hop.TraceID)
		}
		if len(hop.SpanID) != 16 || spans[hop.SpanID] {
			t.Errorf("hop %d: span id %q missing or repeated", i, hop.SpanID)
		}
		spans[hop.SpanID] = true
		if hop.Caller == nil || *hop.Caller != wantCallers[i] {
			t.Errorf("hop %d: caller %v, want %s", i, hop.Caller, wantCallers[i])
		}
	}
	ms := []int64{out.Seen[0].RemainingMs, out.Seen[1].RemainingMs, out.Seen[2].RemainingMs}
	if ms[0] <= 0 || ms[0] > 3000 || ms[1] > ms[0] || ms[2] > ms[1] || ms[2] <= 0 {
		t.Errorf("remaining deadlines do not shrink along the chain: %v", ms)
	}
}

func TestSummerGoClientRustServer(t *testing.T) {
	server := binary(t, "SUMMER_SERVER_RUST")
	call := binary(t, "SUMMER_CALL_GO")
	url := start(t, server)
	cmd := exec.Command(call, "1", "2")
	cmd.Env = append(os.Environ(), "SERVICE_SUMMER_URL="+url)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go summer call -> rust summer server: %v\n%s", err, stderr)
	}
	if got := strings.TrimSpace(string(out)); got != `{"sum":3}` {
		t.Errorf("go summer call -> rust summer server printed %s", got)
	}
}
