package brief

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"weak"
)

// The metrics of the resilience layers, rendered after the per-rpc client
// metrics on every /metrics: retries and budget exhaustion per rpc, breaker
// state and transitions per endpoint.

// endpointMetrics is shared by every client of one service with the same
// endpoint (the gauge shows the state last entered).
type endpointMetrics struct {
	service, url string
	state        atomic.Int32
	transitions  [3]atomic.Uint64 // into closed, open, half-open
}

var endpointRegistry struct {
	sync.Mutex
	m map[[2]string]weak.Pointer[endpointMetrics]
}

func registerEndpointMetrics(service, url string) *endpointMetrics {
	endpointRegistry.Lock()
	defer endpointRegistry.Unlock()
	if endpointRegistry.m == nil {
		endpointRegistry.m = map[[2]string]weak.Pointer[endpointMetrics]{}
	}
	key := [2]string{service, url}
	if m := endpointRegistry.m[key].Value(); m != nil {
		return m
	}
	m := &endpointMetrics{service: service, url: url}
	endpointRegistry.m[key] = weak.Make(m)
	return m
}

func (m *endpointMetrics) setState(s breakerState) {
	m.state.Store(int32(s))
	m.transitions[s].Add(1)
}

// retryMetrics counts the retries of one rpc.
type retryMetrics struct {
	service, rpc    string
	retries         atomic.Uint64
	budgetExhausted atomic.Uint64
}

var retryRegistry sync.Map // "/service/rpc" → *retryMetrics

// retryMetricsFor is only called when a call retries.
func retryMetricsFor(rpc *RPC) *retryMetrics {
	key := rpc.Path()
	if m, ok := retryRegistry.Load(key); ok {
		return m.(*retryMetrics)
	}
	m, _ := retryRegistry.LoadOrStore(key, &retryMetrics{service: rpc.Service, rpc: rpc.Name})
	return m.(*retryMetrics)
}

// appendResilienceMetrics writes the Prometheus text of the resilience
// metrics.
func appendResilienceMetrics(b []byte) []byte {
	var rms []*retryMetrics
	retryRegistry.Range(func(_, v any) bool {
		rms = append(rms, v.(*retryMetrics))
		return true
	})
	slices.SortFunc(rms, func(x, y *retryMetrics) int {
		return strings.Compare(x.service+"\x00"+x.rpc, y.service+"\x00"+y.rpc)
	})
	if len(rms) > 0 {
		b = append(b, "# HELP brief_client_retries_total Retries made (attempts after the first), by rpc.\n# TYPE brief_client_retries_total counter\n"...)
		for _, m := range rms {
			b = appendSample(b, "brief_client_retries_total", m.service, "rpc", m.rpc, "", "", m.retries.Load())
		}
		b = append(b, "# HELP brief_client_retry_budget_exhausted_total Retries not made because the client's retry budget was spent, by rpc.\n# TYPE brief_client_retry_budget_exhausted_total counter\n"...)
		for _, m := range rms {
			b = appendSample(b, "brief_client_retry_budget_exhausted_total", m.service, "rpc", m.rpc, "", "", m.budgetExhausted.Load())
		}
	}
	endpointRegistry.Lock()
	var eps []*endpointMetrics
	for k, w := range endpointRegistry.m {
		if m := w.Value(); m != nil {
			eps = append(eps, m)
		} else {
			delete(endpointRegistry.m, k)
		}
	}
	endpointRegistry.Unlock()
	if len(eps) == 0 {
		return b
	}
	slices.SortFunc(eps, func(x, y *endpointMetrics) int {
		return strings.Compare(x.service+"\x00"+x.url, y.service+"\x00"+y.url)
	})
	b = append(b, "# HELP brief_client_circuit_state Circuit breaker state per endpoint: 0 closed, 1 open, 2 half-open.\n# TYPE brief_client_circuit_state gauge\n"...)
	for _, m := range eps {
		b = appendSample(b, "brief_client_circuit_state", m.service, "endpoint", m.url, "", "", uint64(m.state.Load()))
	}
	b = append(b, "# HELP brief_client_circuit_transitions_total Circuit breaker state changes per endpoint, by the state entered.\n# TYPE brief_client_circuit_transitions_total counter\n"...)
	for _, m := range eps {
		for s := stateClosed; s <= stateHalfOpen; s++ {
			b = appendSample(b, "brief_client_circuit_transitions_total", m.service, "endpoint", m.url, "state", s.String(), m.transitions[s].Load())
		}
	}
	return b
}

func appendSample(b []byte, name, service, k1, v1, k2, v2 string, n uint64) []byte {
	b = append(b, name...)
	b = append(b, `{service="`...)
	b = append(b, escapeLabel(service)...)
	b = append(b, `",`+k1+`="`...)
	b = append(b, escapeLabel(v1)...)
	if k2 != "" {
		b = append(b, `",`+k2+`="`...)
		b = append(b, escapeLabel(v2)...)
	}
	b = append(b, "\"} "...)
	b = strconv.AppendUint(b, n, 10)
	return append(b, '\n')
}

// ClientMetricsText returns the Prometheus text of every client metric of
// this process (brief_client_*): calls per rpc and code, latency, retries,
// budget exhaustion, breaker states. A Handler's /metrics includes it; a
// process without a server can serve this.
func ClientMetricsText() string {
	b := appendMetrics(nil, "brief_client", allClientMetrics())
	return string(appendResilienceMetrics(b))
}
