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
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	// output to out.
	call func(ctx context.Context, body []byte, out []byte) ([]byte, error)
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
		},
	}
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithMaxBodyBytes sets the request body limit (default 4 MiB), applied to
// the body as received and after decompression. Larger bodies get
// resource_exhausted.
func WithMaxBodyBytes(n int64) HandlerOption { return func(h *Handler) { h.maxBody = n } }

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
	procs       map[string]*entry
	maxBody     int64
	compressMin int
	logger      *slog.Logger
	ready       atomic.Bool
	metrics     []*rpcMetrics
}

type entry struct {
	proc    Procedure
	metrics *rpcMetrics
	allow   []string
}

// DefaultMaxBodyBytes is the default request body limit.
const DefaultMaxBodyBytes = 4 << 20

// NewHandler returns a Handler serving the procedures. Generated
// New<Service>Handler functions call it.
func NewHandler(procs []Procedure, opts ...HandlerOption) *Handler {
	h := &Handler{procs: map[string]*entry{}, maxBody: DefaultMaxBodyBytes, compressMin: 1024}
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
		h.procs[p.RPC.Path()] = &entry{proc: p, metrics: m, allow: allow}
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
	e := h.procs[r.URL.Path]
	if e == nil {
		h.serveOther(w, r)
		return
	}
	start := time.Now()
	code := h.serve(e, w, r)
	e.metrics.observe(code, time.Since(start))
}

func (h *Handler) serveOther(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
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
	p := strings.TrimPrefix(r.URL.Path, "/")
	if i := strings.IndexByte(p, '/'); i > 0 && i < len(p)-1 && !strings.Contains(p[i+1:], "/") {
		writeError(w, Errorf(CodeUnimplemented, "no rpc %q in service %q here", p[i+1:], p[:i]), 0)
		return
	}
	writeError(w, Errorf(CodeUnimplemented, "no such path %q (brief rpcs are at /{service}/{rpc})", r.URL.Path), http.StatusNotFound)
}

// serve runs one call and returns its outcome code ("" for success).
func (h *Handler) serve(e *entry, w http.ResponseWriter, r *http.Request) Code {
	var body []byte
	switch r.Method {
	case http.MethodPost:
		if !isJSONContentType(headerValue(r.Header, "Content-Type")) {
			w.Header()["Accept-Post"] = hdrJSON
			return writeError(w, Errorf(CodeUnimplemented, "unsupported content type %q: use application/json", headerValue(r.Header, "Content-Type")), http.StatusUnsupportedMediaType)
		}
		buf := getBuffer()
		defer putBuffer(buf)
		if err := h.readBody(r, buf); err != nil {
			return writeError(w, err, 0)
		}
		body = buf.Bytes()
	case http.MethodGet:
		if !e.proc.RPC.Readonly {
			w.Header()["Allow"] = e.allow
			return writeError(w, Errorf(CodeUnimplemented, "GET is only allowed for readonly rpcs; use POST"), http.StatusMethodNotAllowed)
		}
		var err *Error
		body, err = h.getMessage(w, r)
		if err != nil {
			if err.Code == CodeUnimplemented {
				return writeError(w, err, http.StatusUnsupportedMediaType)
			}
			return writeError(w, err, 0)
		}
	default:
		w.Header()["Allow"] = e.allow
		return writeError(w, Errorf(CodeUnimplemented, "method %s not allowed; use POST", r.Method), http.StatusMethodNotAllowed)
	}

	ctx := r.Context()
	info := callInfoFromHeaders(r.Header)
	info.Service, info.RPC = e.proc.RPC.Service, e.proc.RPC.Name
	ctx = WithCallInfo(ctx, info)
	w.Header()[HeaderRequestID] = []string{info.RequestID}
	if t := headerValue(r.Header, HeaderTimeout); t != "" {
		d, ok := parseTimeout(t)
		if !ok {
			return writeError(w, Errorf(CodeInvalidArgument, "invalid %s header %q", HeaderTimeout, t), 0)
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	if ctx.Err() != nil {
		return writeError(w, ToError(context.Cause(ctx)), 0)
	}

	out := getBytes()
	defer putBytes(out)
	res, err := h.call(ctx, e, body, (*out)[:0])
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
	hdr["Content-Length"] = []string{strconv.Itoa(len(res))}
	w.WriteHeader(http.StatusOK)
	w.Write(res)
	return ""
}

// call runs the procedure, turning a panic into internal.
func (h *Handler) call(ctx context.Context, e *entry, body, out []byte) (res []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			h.logger.Error("brief: panic in handler", "rpc", e.proc.RPC.Path(), "panic", p, "stack", string(debug.Stack()))
			res, err = nil, NewError(CodeInternal, "internal error")
		}
	}()
	return e.proc.call(ctx, body, out)
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

// getMessage extracts the message of a GET call.
func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	q := r.URL.Query()
	if enc := q.Get("encoding"); enc != "json" {
		w.Header()["Accept-Post"] = hdrJSON
		return nil, Errorf(CodeUnimplemented, "unsupported encoding %q: use encoding=json", enc)
	}
	if v := q.Get("connect"); v != "" && v != "v1" {
		return nil, Errorf(CodeInvalidArgument, "unsupported connect protocol version %q", v)
	}
	msg := []byte(q.Get("message"))
	if q.Get("base64") == "1" {
		dec, err := decodeBase64(string(msg))
		if err != nil {
			return nil, Errorf(CodeInvalidArgument, "message is not valid base64: %v", err)
		}
		msg = dec
	}
	switch c := q.Get("compression"); c {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(msg))
		if err != nil {
			return nil, Errorf(CodeInvalidArgument, "message: invalid gzip: %v", err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(&limitReader{r: zr, n: h.maxBody}); err != nil {
			return nil, bodyError(err, h.maxBody)
		}
		msg = buf.Bytes()
	default:
		return nil, Errorf(CodeUnimplemented, "unsupported compression %q", c)
	}
	if int64(len(msg)) > h.maxBody {
		return nil, Errorf(CodeResourceExhausted, "message larger than %d bytes", h.maxBody)
	}
	return msg, nil
}

var errBodyTooLarge = errors.New("body too large")

// limitReader reads at most n bytes and fails with errBodyTooLarge if there
// are more.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errBodyTooLarge
	}
	return n, err
}

func bodyError(err error, limit int64) *Error {
	if errors.Is(err, errBodyTooLarge) {
		return Errorf(CodeResourceExhausted, "request body larger than %d bytes", limit)
	}
	if errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		return Errorf(CodeInvalidArgument, "invalid gzip request body: %v", err)
	}
	return Errorf(CodeInvalidArgument, "reading request body: %v", err)
}

func (h *Handler) readBody(r *http.Request, buf *bytes.Buffer) *Error {
	if r.ContentLength > h.maxBody {
		return Errorf(CodeResourceExhausted, "request body of %d bytes is larger than the limit of %d bytes", r.ContentLength, h.maxBody)
	}
	var rd io.Reader = &limitReader{r: r.Body, n: h.maxBody}
	switch ce := headerValue(r.Header, "Content-Encoding"); ce {
	case "", "identity":
	case "gzip":
		zr := getGzipReader()
		defer gzipReaders.Put(zr)
		if err := zr.Reset(rd); err != nil {
			return bodyError(err, h.maxBody)
		}
		rd = &limitReader{r: zr, n: h.maxBody}
	default:
		return Errorf(CodeUnimplemented, "unsupported content-encoding %q (use gzip or identity)", ce)
	}
	if _, err := buf.ReadFrom(rd); err != nil {
		return bodyError(err, h.maxBody)
	}
	return nil
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
