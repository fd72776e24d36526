package brief

import (
	"context"
	"net/http"
)

// IncomingCall is one rpc call being served, as a HandlerInterceptor sees
// it. The request's CallInfo (request id, trace, caller, attempt) is in the
// context (CallInfoFromContext), and so is its deadline.
type IncomingCall struct {
	// RPC is the rpc called, with its Idempotent and Readonly modifiers and
	// its Timeout.
	RPC *RPC
	// Header holds the request headers (e.g. Authorization).
	Header http.Header
	// ResponseHeader holds the headers of the answer; an interceptor may add
	// to them.
	ResponseHeader http.Header
	// Input is the decoded input message, a pointer to the rpc's input type.
	Input any
}

// UnaryFunc handles one call: it returns the output message (a pointer to
// the rpc's output type) or an error, as an implementation does.
type UnaryFunc func(ctx context.Context, call *IncomingCall) (any, error)

// HandlerInterceptor wraps every rpc a Handler serves: the one place for
// tracing, authentication and telemetry. It may change the call or the
// context, answer itself (return an error without calling next), or call
// next and look at the result. Interceptors run after the protocol checks
// and the decoding of the input (bad input never reaches them), within the
// rpc's deadline.
type HandlerInterceptor func(next UnaryFunc) UnaryFunc

// WithHandlerInterceptors adds interceptors around every rpc of the
// Handler; the first is the outermost (it sees the call first and the
// result last), as with connect-go's interceptors.
func WithHandlerInterceptors(ics ...HandlerInterceptor) HandlerOption {
	return func(h *Handler) { h.interceptors = append(h.interceptors, ics...) }
}

// chain wraps invoke in the handler's interceptors, outermost first.
func (h *Handler) chain(invoke UnaryFunc) UnaryFunc {
	for i := len(h.interceptors) - 1; i >= 0; i-- {
		invoke = h.interceptors[i](invoke)
	}
	return invoke
}
