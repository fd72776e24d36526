package summerbench

// A load test of the generated summer server against a bare net/http handler that
// answers a fixed body, in the same run, over real loopback sockets, with 64 concurrent
// HTTP/1.1 connections. It only runs when asked:
//
//	cd examples/summer/go && BRIEF_BENCH=1 go test -run TestLoad -count=1 -v .
//
// and then writes its section of docs/benchmarks.md (between <!-- go:start --> and
// <!-- go:end -->).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brief-rpc/brief/examples/summer/go/gen/summer"
	brief "github.com/brief-rpc/brief/runtime/go"
)

const (
	connections = 64
	warmup      = time.Second
	measure     = 5 * time.Second
	rounds      = 2
)

type sumImpl struct{}

func (sumImpl) Sum(_ context.Context, in *summer.SumIn) (*summer.SumOut, error) {
	return &summer.SumOut{Sum: in.A + in.B}, nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// load runs 64 workers, each with its own keep-alive connection, for warmup+measure
// and reports what happened during measure.
func load(url string) result {
	tr := &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	body := []byte(`{"a":1,"b":2}`)
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+measure)
	lat := make([][]time.Duration, connections)
	errs := make([]int, connections)
	var wg sync.WaitGroup
	for w := 0; w < connections; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			samples := make([]time.Duration, 0, 1<<16)
			for {
				t0 := time.Now()
				if t0.After(until) {
					break
				}
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				ok := err == nil
				if ok {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == 200 && string(b) == `{"sum":3}`
				}
				if t0.After(from) {
					if ok {
						samples = append(samples, time.Since(t0))
					} else {
						errs[w]++
					}
				}
			}
			lat[w] = samples
		}(w)
	}
	wg.Wait()
	var all []time.Duration
	r := result{}
	for w := range lat {
		all = append(all, lat[w]...)
		r.errors += errs[w]
	}
	slices.Sort(all)
	if len(all) == 0 {
		return r
	}
	r.rps = float64(len(all)) / measure.Seconds()
	r.p50 = all[len(all)/2]
	r.p99 = all[len(all)*99/100]
	return r
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestLoad(t *testing.T) {
	if os.Getenv("BRIEF_BENCH") == "" {
		t.Skip("set BRIEF_BENCH=1 to run the load benchmark")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The generated server, as cmd/server runs it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gln := listen(t)
	go brief.Serve(ctx, summer.NewSummerHandler(sumImpl{}, brief.WithLogger(quiet)),
		brief.WithListener(gln), brief.WithoutSignals(), brief.WithServeLogger(quiet))

	// A bare net/http handler answering a fixed body.
	bln := listen(t)
	bare := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"sum":3}`))
	})}
	go bare.Serve(bln)
	defer bare.Close()

	generated := "http://" + gln.Addr().String() + "/summer/sum"
	plain := "http://" + bln.Addr().String() + "/summer/sum"
	var best [2]result
	for i := 0; i < rounds; i++ {
		for j, url := range []string{plain, generated} {
			r := load(url)
			t.Logf("round %d %s: %.0f req/s p50 %v p99 %v errors %d", i+1, []string{"bare", "generated"}[j], r.rps, r.p50, r.p99, r.errors)
			if r.rps > best[j].rps {
				best[j] = r
			}
		}
	}
	ratio := best[1].rps / best[0].rps
	section := fmt.Sprintf(`<!-- go:start -->
## Go: generated summer server vs bare net/http

%d concurrent HTTP/1.1 keep-alive connections from a Go load generator in the same process, over loopback,
POST /summer/sum with {"a":1,"b":2}; %v warm-up then %v measured, best of %d rounds each, %s, GOMAXPROCS=%d.
The bare handler reads the body and answers a fixed {"sum":3}; the generated server decodes, calls the
implementation, encodes, and keeps its metrics, request ids and deadlines.
`+"`cd examples/summer/go && BRIEF_BENCH=1 go test -run TestLoad -count=1 -v .`"+`

| server | requests/s | p50 | p99 | errors |
|---|---|---|---|---|
| bare net/http, fixed body | %.0f | %v | %v | %d |
| generated (brief) | %.0f | %v | %v | %d |

Generated / bare: %.0f%% (target: at least 70%%).
<!-- go:end -->`, connections, warmup, measure, rounds, runtime.Version(), runtime.GOMAXPROCS(0),
		best[0].rps, round(best[0].p50), round(best[0].p99), best[0].errors,
		best[1].rps, round(best[1].p50), round(best[1].p99), best[1].errors, ratio*100)
	t.Log("\n" + section)
	if err := writeSection(section); err != nil {
		t.Fatal(err)
	}
	if best[0].errors+best[1].errors > 0 {
		t.Errorf("requests failed")
	}
	if ratio < 0.7 {
		t.Errorf("generated server at %.0f%% of bare net/http, below the 70%% target", ratio*100)
	}
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

// writeSection replaces the go section of docs/benchmarks.md, or appends it.
func writeSection(section string) error {
	path := filepath.Join("..", "..", "..", "docs", "benchmarks.md")
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		old = []byte("# Benchmarks\n\nMeasured on the development machine; each section is written by its benchmark.\n")
	} else if err != nil {
		return err
	}
	text := string(old)
	start, end := strings.Index(text, "<!-- go:start -->"), strings.Index(text, "<!-- go:end -->")
	if start >= 0 && end > start {
		text = text[:start] + section + text[end+len("<!-- go:end -->"):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
