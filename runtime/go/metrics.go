package brief

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBounds are the histogram buckets, in seconds.
var latencyBounds = [...]float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

var latencyBoundsDur = func() (d [len(latencyBounds)]time.Duration) {
	for i, b := range latencyBounds {
		d[i] = time.Duration(b * float64(time.Second))
	}
	return
}()

// rpcMetrics counts the calls of one rpc, by outcome (index 0 is "ok", then
// the codes in Codes order), with a latency histogram.
type rpcMetrics struct {
	service, rpc string
	counts       [17]atomic.Uint64
	buckets      [len(latencyBounds) + 1]atomic.Uint64 // non-cumulative; last is +Inf
	sumNanos     atomic.Uint64
}

func (m *rpcMetrics) observe(code Code, d time.Duration) {
	idx := 0
	if code != "" {
		idx = codeIndex(code)
		if idx == 0 {
			idx = codeIndex(CodeUnknown)
		}
	}
	m.counts[idx].Add(1)
	i := 0
	for i < len(latencyBoundsDur) && d > latencyBoundsDur[i] {
		i++
	}
	m.buckets[i].Add(1)
	if d > 0 {
		m.sumNanos.Add(uint64(d))
	}
}

func (m *rpcMetrics) labels(b []byte) []byte {
	b = append(b, `service="`...)
	b = append(b, escapeLabel(m.service)...)
	b = append(b, `",rpc="`...)
	b = append(b, escapeLabel(m.rpc)...)
	return append(b, '"')
}

func escapeLabel(s string) string {
	if !bytes.ContainsAny([]byte(s), "\\\"\n") {
		return s
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// appendMetrics writes the Prometheus text of a family of rpc metrics.
func appendMetrics(b []byte, prefix string, ms []*rpcMetrics) []byte {
	if len(ms) == 0 {
		return b
	}
	b = append(b, "# HELP "+prefix+"_requests_total Requests by rpc and outcome code (ok for success).\n# TYPE "+prefix+"_requests_total counter\n"...)
	for _, m := range ms {
		for i := range m.counts {
			n := m.counts[i].Load()
			if n == 0 && i != 0 {
				continue
			}
			code := "ok"
			if i > 0 {
				code = string(Codes[i-1])
			}
			b = append(b, prefix+"_requests_total{"...)
			b = m.labels(b)
			b = append(b, `,code="`...)
			b = append(b, code...)
			b = append(b, "\"} "...)
			b = strconv.AppendUint(b, n, 10)
			b = append(b, '\n')
		}
	}
	b = append(b, "# HELP "+prefix+"_request_duration_seconds Request latency by rpc.\n# TYPE "+prefix+"_request_duration_seconds histogram\n"...)
	for _, m := range ms {
		var cum uint64
		for i := range m.buckets {
			cum += m.buckets[i].Load()
			b = append(b, prefix+"_request_duration_seconds_bucket{"...)
			b = m.labels(b)
			b = append(b, `,le="`...)
			if i < len(latencyBounds) {
				b = strconv.AppendFloat(b, latencyBounds[i], 'g', -1, 64)
			} else {
				b = append(b, "+Inf"...)
			}
			b = append(b, "\"} "...)
			b = strconv.AppendUint(b, cum, 10)
			b = append(b, '\n')
		}
		b = append(b, prefix+"_request_duration_seconds_sum{"...)
		b = m.labels(b)
		b = append(b, "} "...)
		b = strconv.AppendFloat(b, float64(m.sumNanos.Load())/1e9, 'g', -1, 64)
		b = append(b, '\n')
		b = append(b, prefix+"_request_duration_seconds_count{"...)
		b = m.labels(b)
		b = append(b, "} "...)
		b = strconv.AppendUint(b, cum, 10)
		b = append(b, '\n')
	}
	return b
}

// clientMetrics holds the metrics of every client call in the process, by
// "/service/rpc"; Handler's /metrics includes them.
var clientMetrics sync.Map // string → *rpcMetrics

func clientMetricsFor(rpc *RPC) *rpcMetrics {
	key := rpc.Path()
	if m, ok := clientMetrics.Load(key); ok {
		return m.(*rpcMetrics)
	}
	m, _ := clientMetrics.LoadOrStore(key, &rpcMetrics{service: rpc.Service, rpc: rpc.Name})
	return m.(*rpcMetrics)
}

func allClientMetrics() []*rpcMetrics {
	var ms []*rpcMetrics
	clientMetrics.Range(func(_, v any) bool {
		ms = append(ms, v.(*rpcMetrics))
		return true
	})
	slices.SortFunc(ms, func(a, b *rpcMetrics) int {
		if a.service != b.service {
			if a.service < b.service {
				return -1
			}
			return 1
		}
		if a.rpc < b.rpc {
			return -1
		} else if a.rpc > b.rpc {
			return 1
		}
		return 0
	})
	return ms
}
