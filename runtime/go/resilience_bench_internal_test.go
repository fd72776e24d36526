package brief

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// instantTransport answers every request at once, so that a benchmark of the
// client measures the client and nothing else.
type instantTransport struct{}

func (instantTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: 200,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{}`)),
		Request:    r,
	}, nil
}

var benchRPC = RPC{Service: "bench", Name: "put", Idempotent: true, Timeout: time.Second}

func benchClient(t testing.TB, resilient bool) *Client {
	opts := []ClientOption{
		WithBaseURL("http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://10.0.0.3:8080"),
		WithHTTPClient(&http.Client{Transport: instantTransport{}}),
	}
	if !resilient {
		opts = append(opts, WithoutResilience())
	}
	c, err := NewClient("bench", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// benchInvoke measures the layers alone: invoke with an attempt that
// succeeds at once.
func benchInvoke(b *testing.B, resilient bool) {
	c := benchClient(b, resilient)
	c.attempt = func(context.Context, *Request) error { return nil }
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	req := &Request{RPC: &benchRPC}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req.Attempt, req.Endpoint = 1, ""
		if err := c.invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// benchCall measures whole calls over a transport that answers at once.
func benchCall(b *testing.B, resilient bool) {
	c := benchClient(b, resilient)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := c.Call(ctx, &benchRPC, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResilience compares the resilience layers (the default) with none
// (WithoutResilience): around an attempt that succeeds at once (the layers'
// own cost) and around whole calls (their share of a call).
func BenchmarkResilience(b *testing.B) {
	b.Run("layers/off", func(b *testing.B) { benchInvoke(b, false) })
	b.Run("layers/on", func(b *testing.B) { benchInvoke(b, true) })
	b.Run("call/off", func(b *testing.B) { benchCall(b, false) })
	b.Run("call/on", func(b *testing.B) { benchCall(b, true) })
}

// TestResilienceBench runs the benchmarks in interleaved rounds and writes
// their section of docs/benchmarks.md:
// BRIEF_BENCH=1 go test -run TestResilienceBench -count=1 -v .
func TestResilienceBench(t *testing.T) {
	if os.Getenv("BRIEF_BENCH") == "" {
		t.Skip("set BRIEF_BENCH=1 to run the benchmark and write docs/benchmarks.md")
	}
	const rounds = 9
	load, _ := os.ReadFile("/proc/loadavg")
	benches := []func(*testing.B){
		func(b *testing.B) { benchInvoke(b, false) },
		func(b *testing.B) { benchInvoke(b, true) },
		func(b *testing.B) { benchCall(b, false) },
		func(b *testing.B) { benchCall(b, true) },
	}
	ns := make([][]float64, len(benches))
	allocs := make([]int64, len(benches))
	for round := range rounds {
		for i, f := range benches {
			r := testing.Benchmark(f)
			ns[i] = append(ns[i], float64(r.T.Nanoseconds())/float64(r.N))
			allocs[i] = r.AllocsPerOp()
		}
		t.Logf("round %d: layers off %.0f on %.0f, calls off %.0f on %.0f ns", round+1, ns[0][round], ns[1][round], ns[2][round], ns[3][round])
	}
	med := make([]float64, len(ns))
	for i, v := range ns {
		v = slices.Clone(v)
		slices.Sort(v)
		med[i] = v[len(v)/2]
	}
	section := fmt.Sprintf(`<!-- resilience-go:start -->
### Go

Median of %d interleaved rounds of testing.Benchmark, %s, GOMAXPROCS=%d, 3 endpoints;
load average when it started: %s (other processes share the cores: the "call" rows vary from
round to round by more than the layers cost; the "layers" rows are the measure).
"Layers" is the client's invoker around an attempt that succeeds at once: the layers' own work.
"Call" is brief.Client.Call over an http.RoundTripper that answers at once (context, request id,
headers, encoding, net/http, metrics).
`+"`cd runtime/go && BRIEF_BENCH=1 go test -run TestResilienceBench -count=1 -v .`"+` (or `+"`go test -bench Resilience .`"+`)

| what | WithoutResilience | default (all layers) | cost of the layers |
|---|---|---|---|
| layers: time per call | %.0f ns | %.0f ns | **%.0f ns** |
| layers: allocations per call | %d | %d | %d |
| call: time per call | %.0f ns | %.0f ns | (within the noise) |
| call: allocations per call | %d | %d | %d |

Target: under 2 µs and no allocation per call.
<!-- resilience-go:end -->`, rounds, runtime.Version(), runtime.GOMAXPROCS(0), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "),
		med[0], med[1], med[1]-med[0], allocs[0], allocs[1], allocs[1]-allocs[0],
		med[2], med[3], allocs[2], allocs[3], allocs[3]-allocs[2])
	t.Log("\n" + section)
	if err := writeBenchSection(section, "resilience-go"); err != nil {
		t.Fatal(err)
	}
	if med[1]-med[0] >= 2000 {
		t.Errorf("the layers cost %.0f ns per call, over the 2 µs target", med[1]-med[0])
	}
	if allocs[1] > allocs[0] {
		t.Errorf("the layers allocate %d times per call", allocs[1]-allocs[0])
	}
}

// writeBenchSection replaces the text between the name's markers in
// docs/benchmarks.md, or appends it.
func writeBenchSection(section, name string) error {
	path := filepath.Join("..", "..", "docs", "benchmarks.md")
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(old)
	startMark, endMark := "<!-- "+name+":start -->", "<!-- "+name+":end -->"
	start, end := strings.Index(text, startMark), strings.Index(text, endMark)
	if start >= 0 && end > start {
		text = text[:start] + section + text[end+len(endMark):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
