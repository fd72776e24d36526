package brief

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// RPC describes one rpc of a contract. Generated code declares one variable
// per rpc and passes its address to NewProcedure and Client.Call.
type RPC struct {
	// Service is the service name ("image-storage").
	Service string
	// Name is the rpc name ("sum").
	Name string
	// Idempotent is true for `idempotent` (and `readonly`) rpcs.
	Idempotent bool
	// Readonly is true for `readonly` rpcs; they may also be called by GET.
	Readonly bool
	// Timeout is the rpc's deadline: generated code writes the contract's
	// timeout(...), else 1 s. Zero means none (WithDefaultTimeout can give one).
	Timeout time.Duration
	// Throws maps the detail type ("<service>.<ErrorName>") of each typed
	// error the rpc declares to a constructor of a new zero value, so clients
	// can decode it (the value must be a pointer that JSON decodes into).
	Throws map[string]func() TypedError
}

// Path returns "/{service}/{rpc}".
func (r *RPC) Path() string { return "/" + r.Service + "/" + r.Name }

// Procedure is one rpc bound to its implementation, ready to be served by a
// Handler. Build it with NewProcedure.
type Procedure struct {
	// RPC is the rpc served.
	RPC *RPC
	// call decodes the body, runs the implementation and appends the encoded
	// output to out: the path of a Handler without interceptors.
	call func(ctx context.Context, body []byte, out []byte) ([]byte, error)
	// decode, invoke and encode are the same three steps apart, for a
	// Handler with interceptors (which see the decoded input).
	decode func(body []byte) (any, error)
	invoke UnaryFunc
	encode func(out []byte, res any) ([]byte, error)
}

// NewProcedure binds an implementation to an rpc. In and Out are the input
// and output message types; they are decoded/encoded with the brief codecs
// when *In implements Decodable and *Out Encodable, else with encoding/json.
// Generated code calls it as brief.NewProcedure(&sumRPC, impl.Sum).
//
// The implementation returns either an output or an error: an *Error, a
// TypedError (sent with its detail), a context error (deadline_exceeded /
// canceled), or any other error (sent as unknown with its message).
func NewProcedure[In, Out any](rpc *RPC, fn func(ctx context.Context, in *In) (*Out, error)) Procedure {
	encode := func(out []byte, res *Out) ([]byte, error) {
		if res == nil {
			return nil, NewError(CodeInternal, "handler returned neither an output nor an error")
		}
		if m, ok := any(res).(Encodable); ok {
			return AppendMessage(out, m), nil
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, Errorf(CodeInternal, "encoding output: %v", err)
		}
		return append(out, b...), nil
	}
	return Procedure{
		RPC: rpc,
		call: func(ctx context.Context, body []byte, out []byte) ([]byte, error) {
			in := new(In)
			if err := unmarshalValue(body, in); err != nil {
				return nil, err
			}
			res, err := fn(ctx, in)
			if err != nil {
				return nil, err
			}
			return encode(out, res)
		},
		decode: func(body []byte) (any, error) {
			in := new(In)
			if err := unmarshalValue(body, in); err != nil {
				return nil, err
			}
			return in, nil
		},
		invoke: func(ctx context.Context, call *IncomingCall) (any, error) {
			in, ok := call.Input.(*In)
			if !ok {
				return nil, Errorf(CodeInternal, "an interceptor passed %T as the input of %s", call.Input, rpc.Path())
			}
			res, err := fn(ctx, in)
			if err != nil || res == nil {
				// A nil *Out is reported by encode; never a typed nil in an any.
				return nil, err
			}
			return res, nil
		},
		encode: func(out []byte, res any) ([]byte, error) {
			if res == nil {
				return encode(out, nil)
			}
			r, ok := res.(*Out)
			if !ok {
				return nil, Errorf(CodeInternal, "an interceptor returned %T as the output of %s", res, rpc.Path())
			}
			return encode(out, r)
		},
	}
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithMaxBodyBytes sets the request body limit (default 4 MiB;
// BRIEF_MAX_BODY_BYTES), applied to the body as received and after
// decompression. Larger bodies get resource_exhausted.
func WithMaxBodyBytes(n int64) HandlerOption { return func(h *Handler) { h.maxBody = n } }

// WithBodyReadTimeout sets the time a client has to send a whole request,
// its body included, counted from its first byte, when Connect-Timeout-Ms
// gives no earlier deadline (default 30 s; BRIEF_BODY_READ_TIMEOUT; zero: no
// limit). Past it the request is answered deadline_exceeded and an HTTP/1.1
// connection is closed. Serve applies it as the http.Server's ReadTimeout.
func WithBodyReadTimeout(d time.Duration) HandlerOption {
	return func(h *Handler) { h.bodyTimeout = d }
}

// BodyReadTimeout is the body read timeout Serve gives the http.Server.
func (h *Handler) BodyReadTimeout() time.Duration { return h.bodyTimeout }

// WithCompressMinBytes sets the smallest response body that is gzipped when
// the client accepts gzip (default 1024).
func WithCompressMinBytes(n int) HandlerOption { return func(h *Handler) { h.compressMin = n } }

// WithLogger sets the logger for panics and other server-side failures
// (default slog.Default()).
func WithLogger(l *slog.Logger) HandlerOption { return func(h *Handler) { h.logger = l } }

// WithStartNotReady makes /readyz answer 503 until SetReady(true).
func WithStartNotReady() HandlerOption { return func(h *Handler) { h.ready.Store(false) } }

// Handler serves procedures over the brief protocol, plus /healthz, /readyz
// and /metrics. It is an http.Handler; create it with NewHandler.
type Handler struct {
	procs        map[string]*entry
	maxBody      int64
	bodyTimeout  time.Duration
	compressMin  int
	logger       *slog.Logger
	ready        atomic.Bool
	metrics      []*rpcMetrics
	interceptors []HandlerInterceptor
}

type entry struct {
	proc    Procedure
	metrics *rpcMetrics
	allow   []string
	// intercepted is the implementation wrapped in the interceptors; nil
	// without interceptors.
	intercepted UnaryFunc
}

// DefaultMaxBodyBytes is the default request body limit.
const DefaultMaxBodyBytes = 4 << 20

// NewHandler returns a Handler serving the procedures. Generated
// New<Service>Handler functions call it. BRIEF_MAX_BODY_BYTES and
// BRIEF_BODY_READ_TIMEOUT set its limits unless options do (Serve reports
// an invalid value).
func NewHandler(procs []Procedure, opts ...HandlerOption) *Handler {
	env, _ := settingsFromEnv(os.Getenv)
	h := &Handler{procs: map[string]*entry{}, maxBody: env.maxBody, bodyTimeout: env.bodyReadTimeout, compressMin: 1024}
	h.ready.Store(true)
	for _, o := range opts {
		o(h)
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	h.Register(procs...)
	return h
}

// Register adds procedures (e.g. those of another service). Call it before
// serving; it is not safe concurrently with requests.
func (h *Handler) Register(procs ...Procedure) {
	for _, p := range procs {
		m := &rpcMetrics{service: p.RPC.Service, rpc: p.RPC.Name}
		allow := []string{"POST"}
		if p.RPC.Readonly {
			allow = []string{"GET, POST"}
		}
		if _, dup := h.procs[p.RPC.Path()]; !dup {
			h.metrics = append(h.metrics, m)
		}
		e := &entry{proc: p, metrics: m, allow: allow}
		if len(h.interceptors) > 0 {
			e.intercepted = h.chain(p.invoke)
		}
		h.procs[p.RPC.Path()] = e
	}
}

// SetReady sets what /readyz answers: 200 when true, 503 when false. Serve
// sets it to false when it starts draining.
func (h *Handler) SetReady(ready bool) { h.ready.Store(ready) }

var (
	hdrJSON     = []string{"application/json"}
	hdrGzip     = []string{"gzip"}
	hdrTextPlan = []string{"text/plain; version=0.0.4; charset=utf-8"}
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Route on the path as sent, never percent-decoded: /summer/%73um names
	// no rpc. (net/http sets RawPath only when it differs from Path.)
	path := r.URL.Path
	if r.URL.RawPath != "" {
		path = r.URL.RawPath
	}
	e := h.procs[path]
	if e == nil {
		h.serveOther(w, r, path)
		return
	}
	start := time.Now()
	code := h.serve(e, w, r, start)
	e.metrics.observe(code, time.Since(start))
}

func (h *Handler) serveOther(w http.ResponseWriter, r *http.Request, path string) {
	switch path {
	case "/healthz":
		w.Header()["Content-Type"] = hdrTextPlan
		io.WriteString(w, "ok\n")
		return
	case "/readyz":
		w.Header()["Content-Type"] = hdrTextPlan
		if h.ready.Load() {
			io.WriteString(w, "ready\n")
		} else {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready\n")
		}
		return
	case "/metrics":
		w.Header()["Content-Type"] = hdrTextPlan
		b := appendMetrics(nil, "brief_server", h.metrics)
		b = appendMetrics(b, "brief_client", allClientMetrics())
		b = appendResilienceMetrics(b)
		w.Write(b)
		return
	}
	p := strings.TrimPrefix(path, "/")
	if i := strings.IndexByte(p, '/'); i > 0 && i < len(p)-1 && !strings.Contains(p[i+1:], "/") {
		writeError(w, Errorf(CodeUnimplemented, "no rpc %q in service %q here", clip(p[i+1:]), clip(p[:i])), 0)
		return
	}
	writeError(w, Errorf(CodeUnimplemented, "no such path %q (brief rpcs are at /{service}/{rpc})", clip(path)), http.StatusNotFound)
}

// serve runs one call and returns its outcome code ("" for success).
func (h *Handler) serve(e *entry, w http.ResponseWriter, r *http.Request, arrival time.Time) Code {
	isPost := r.Method == http.MethodPost
	switch {
	case isPost:
		if ct := headerValue(r.Header, "Content-Type"); !isJSONContentType(ct) {
			w.Header()["Accept-Post"] = hdrJSON
			return writeError(w, Errorf(CodeUnimplemented, "unsupported content type %q: use application/json", clip(ct)), http.StatusUnsupportedMediaType)
		}
	case r.Method == http.MethodGet:
		if !e.proc.RPC.Readonly {
			w.Header()["Allow"] = e.allow
			return writeError(w, Errorf(CodeUnimplemented, "GET is only allowed for readonly rpcs; use POST"), http.StatusMethodNotAllowed)
		}
	default:
		w.Header()["Allow"] = e.allow
		return writeError(w, Errorf(CodeUnimplemented, "method %s not allowed; use POST", clip(r.Method)), http.StatusMethodNotAllowed)
	}

	// The deadline runs from the request's arrival and covers reading its body.
	ctx := r.Context()
	info := callInfoFromHeaders(r.Header)
	if !validRequestID(info.RequestID) {
		info.RequestID = NewRequestID()
	}
	info.Service, info.RPC = e.proc.RPC.Service, e.proc.RPC.Name
	ctx = WithCallInfo(ctx, info)
	w.Header()[HeaderRequestID] = []string{info.RequestID}
	if t := headerValue(r.Header, HeaderTimeout); t != "" {
		d, ok := parseTimeout(t)
		if !ok {
			return writeError(w, Errorf(CodeInvalidArgument, "invalid %s header %q", HeaderTimeout, clip(t)), 0)
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, arrival.Add(d))
		defer cancel()
	}

	var body []byte
	if isPost {
		buf := getBuffer()
		defer putBuffer(buf)
		if failed := h.readBody(ctx, w, r, buf); failed != nil {
			if failed.unread {
				// The rest of the body is still on the wire: this connection
				// cannot carry another request.
				w.Header()["Connection"] = hdrClose
			}
			return writeError(w, failed.err, 0)
		}
		body = buf.Bytes()
	} else {
		var err *Error
		body, err = h.getMessage(w, r)
		if err != nil {
			if err.Code == CodeUnimplemented {
				return writeError(w, err, http.StatusUnsupportedMediaType)
			}
			return writeError(w, err, 0)
		}
	}
	if ctx.Err() != nil {
		return writeError(w, ToError(context.Cause(ctx)), 0)
	}

	out := getBytes()
	defer putBytes(out)
	res, err := h.call(ctx, e, w, r, body, (*out)[:0])
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		be := ToError(err)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && be.Code != CodeDeadlineExceeded {
			be = NewError(CodeDeadlineExceeded, "deadline exceeded while serving "+e.proc.RPC.Path())
		}
		return writeError(w, be, 0)
	}
	*out = res
	hdr := w.Header()
	hdr["Content-Type"] = hdrJSON
	if len(res) >= h.compressMin && acceptsGzip(r.Header) {
		zb := getBuffer()
		defer putBuffer(zb)
		zw := getGzipWriter(zb)
		zw.Write(res)
		zw.Close()
		gzipWriters.Put(zw)
		hdr["Content-Encoding"] = hdrGzip
		res = zb.Bytes()
	}
	if len(res) > smallBody {
		hdr["Content-Length"] = []string{strconv.Itoa(len(res))}
	}
	w.WriteHeader(http.StatusOK)
	w.Write(res)
	return ""
}

// call runs the procedure (through the interceptors when there are some),
// turning a panic into internal.
func (h *Handler) call(ctx context.Context, e *entry, w http.ResponseWriter, r *http.Request, body, out []byte) (res []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.logger.Error("brief: panic in handler", "rpc", e.proc.RPC.Path(), "panic", p, "stack", string(debug.Stack()))
			res, err = nil, NewError(CodeInternal, "internal error")
		}
	}()
	if e.intercepted == nil {
		return e.proc.call(ctx, body, out)
	}
	in, err := e.proc.decode(body)
	if err != nil {
		return nil, err
	}
	output, err := e.intercepted(ctx, &IncomingCall{RPC: e.proc.RPC, Header: r.Header, ResponseHeader: w.Header(), Input: in})
	if err != nil {
		return nil, err
	}
	return e.proc.encode(out, output)
}

// smallBody is the largest answer that net/http buffers whole and sends with
// a Content-Length it computes itself; larger ones get theirs from us, so
// that they are not sent chunked.
const smallBody = 2048

// echoLimit is the most bytes of a request's path, method or header value
// that an error message quotes; longer values are cut and end with "…".
const echoLimit = 128

// clip cuts s to echoLimit bytes (on a UTF-8 boundary) plus "…".
func clip(s string) string {
	if len(s) <= echoLimit {
		return s
	}
	end := echoLimit
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}

// requestIDLimit is the longest X-Request-Id passed on.
const requestIDLimit = 128

// validRequestID says whether an incoming X-Request-Id is passed on: 1 to
// requestIDLimit visible ASCII characters ('!' to '~'). Any other value is
// replaced by a fresh id, so that a client cannot make responses, logs and
// outgoing calls carry kilobytes of its choosing.
func validRequestID(id string) bool {
	if id == "" || len(id) > requestIDLimit {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}
	return true
}

func isJSONContentType(ct string) bool {
	if len(ct) < len("application/json") || !strings.EqualFold(ct[:len("application/json")], "application/json") {
		return false
	}
	rest := ct[len("application/json"):]
	return rest == "" || rest[0] == ';' || rest[0] == ' '
}

func acceptsGzip(h http.Header) bool {
	for _, v := range h["Accept-Encoding"] {
		if strings.Contains(v, "gzip") {
			return true
		}
	}
	return false
}

// writeError writes e as a Connect JSON error with the given status (0: the
// code's status) and returns its code.
func writeError(w http.ResponseWriter, err error, status int) Code {
	e := ToError(err)
	if status == 0 {
		status = e.Code.HTTPStatus()
	}
	b := e.appendJSON(make([]byte, 0, 128))
	hdr := w.Header()
	hdr["Content-Type"] = hdrJSON
	delete(hdr, "Content-Encoding")
	hdr["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
	return e.Code
}

// pools

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

var bytesPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBytes() *[]byte { return bytesPool.Get().(*[]byte) }

func putBytes(b *[]byte) {
	if cap(*b) > 1<<20 {
		return
	}
	*b = (*b)[:0]
	bytesPool.Put(b)
}

var gzipWriters sync.Pool
var gzipReaders sync.Pool

func getGzipWriter(w io.Writer) *gzip.Writer {
	if zw, ok := gzipWriters.Get().(*gzip.Writer); ok {
		zw.Reset(w)
		return zw
	}
	return gzip.NewWriter(w)
}

func getGzipReader() *gzip.Reader {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		return zr
	}
	return new(gzip.Reader)
}
