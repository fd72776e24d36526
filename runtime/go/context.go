package brief

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var (
	errDeadline = context.DeadlineExceeded
	errCanceled = context.Canceled
)

// Header names of the protocol.
const (
	HeaderTimeout         = "Connect-Timeout-Ms"
	HeaderProtocolVersion = "Connect-Protocol-Version"
	HeaderRequestID       = "X-Request-Id"
	HeaderTraceparent     = "Traceparent"
	HeaderTracestate      = "Tracestate"
	HeaderBaggage         = "Baggage"
	HeaderCaller          = "X-Brief-Caller"
	HeaderAttempt         = "X-Brief-Attempt"
)

// CallInfo is the request context a server builds from the incoming headers
// and that clients pass on: every call made with a context carrying it (or a
// context derived from one) sends the same request id, a traceparent with the
// same trace id and a new span id, and tracestate and baggage unchanged. The
// deadline travels in the context itself.
type CallInfo struct {
	// RequestID is the X-Request-Id (generated when the request had none).
	RequestID string
	// TraceID is the W3C trace id, 32 lowercase hex digits (generated when
	// the request had no valid traceparent).
	TraceID string
	// ParentSpanID is the span id of the incoming traceparent (16 hex
	// digits), empty when the trace started here.
	ParentSpanID string
	// TraceFlags is the traceparent's flags, two hex digits ("01" sampled).
	TraceFlags string
	// TraceState is the incoming tracestate header, passed on unchanged.
	TraceState string
	// Baggage is the incoming baggage header, passed on unchanged.
	Baggage string
	// Caller is the incoming X-Brief-Caller: the calling service's name.
	Caller string
	// Attempt is the incoming X-Brief-Attempt (1 when absent).
	Attempt int
	// Service and RPC name the procedure being served ("" outside servers).
	Service, RPC string
}

type callInfoKey struct{}

// WithCallInfo returns a context carrying info.
func WithCallInfo(ctx context.Context, info *CallInfo) context.Context {
	return context.WithValue(ctx, callInfoKey{}, info)
}

// CallInfoFromContext returns the CallInfo a server attached to the request
// context (or WithCallInfo), or nil.
func CallInfoFromContext(ctx context.Context) *CallInfo {
	info, _ := ctx.Value(callInfoKey{}).(*CallInfo)
	return info
}

// NewCallInfo returns a CallInfo for a new request at the edge: a fresh
// request id and trace id.
func NewCallInfo() *CallInfo {
	return &CallInfo{RequestID: NewRequestID(), TraceID: newTraceID(), TraceFlags: "01", Attempt: 1}
}

// callInfoFromHeaders builds the CallInfo of an incoming request.
func callInfoFromHeaders(h http.Header) *CallInfo {
	info := &CallInfo{
		RequestID:  headerValue(h, HeaderRequestID),
		TraceState: headerValue(h, HeaderTracestate),
		Baggage:    headerValue(h, HeaderBaggage),
		Caller:     headerValue(h, HeaderCaller),
		Attempt:    1,
	}
	if info.RequestID == "" {
		info.RequestID = NewRequestID()
	}
	if tid, sid, flags, ok := parseTraceparent(headerValue(h, HeaderTraceparent)); ok {
		info.TraceID, info.ParentSpanID, info.TraceFlags = tid, sid, flags
	} else {
		info.TraceID, info.TraceFlags = newTraceID(), "01"
		info.TraceState = "" // tracestate without a valid traceparent is discarded
	}
	if a := headerValue(h, HeaderAttempt); a != "" {
		if n, err := strconv.Atoi(a); err == nil && n > 0 {
			info.Attempt = n
		}
	}
	return info
}

// headerValue is h.Get for a canonical key, without re-canonicalising.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// NewRequestID returns a random UUID (version 4) string.
func NewRequestID() string {
	var b [16]byte
	putUint64(b[:8], rand.Uint64())
	putUint64(b[8:], rand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(out[:])
}

func putUint64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}

func randomHex(nbytes int) string {
	var out [32]byte
	for i := 0; i < nbytes; i += 8 {
		v := rand.Uint64()
		for k := 0; k < 8 && i+k < nbytes; k++ {
			c := byte(v >> (8 * k))
			out[2*(i+k)], out[2*(i+k)+1] = hexDigits[c>>4], hexDigits[c&0xf]
		}
	}
	return string(out[:2*nbytes])
}

func newTraceID() string { return randomHex(16) }
func newSpanID() string  { return randomHex(8) }

// Traceparent returns a traceparent for an outgoing call: the info's trace id
// with a new span id.
func (c *CallInfo) Traceparent() string {
	flags := c.TraceFlags
	if flags == "" {
		flags = "01"
	}
	return "00-" + c.TraceID + "-" + newSpanID() + "-" + flags
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// parseTraceparent validates a W3C traceparent and returns its parts.
func parseTraceparent(s string) (traceID, spanID, flags string, ok bool) {
	s = strings.TrimSpace(s)
	// version(2)-traceid(32)-spanid(16)-flags(2); future versions may append.
	if len(s) < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return "", "", "", false
	}
	version, traceID, spanID, flags := s[:2], s[3:35], s[36:52], s[53:55]
	if !isLowerHex(version) || version == "ff" || !isLowerHex(traceID) || !isLowerHex(spanID) || !isLowerHex(flags) {
		return "", "", "", false
	}
	if version == "00" && len(s) != 55 || len(s) > 55 && s[55] != '-' {
		return "", "", "", false
	}
	if traceID == strings.Repeat("0", 32) || spanID == strings.Repeat("0", 16) {
		return "", "", "", false
	}
	return traceID, spanID, flags, true
}

// parseTimeout parses Connect-Timeout-Ms: at most 10 ASCII digits.
func parseTimeout(s string) (time.Duration, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	var ms int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		ms = ms*10 + int64(c-'0')
	}
	return time.Duration(ms) * time.Millisecond, true
}
