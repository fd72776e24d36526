package brief

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

var errBodyTooLarge = errors.New("body too large")

// limitReader reads at most n bytes and fails with errBodyTooLarge if there
// are more. It keeps the error of the reader it wraps, so that a failure of
// the connection can be told from one of the gzip stream on top.
type limitReader struct {
	r   io.Reader
	n   int64
	err error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		l.err = err
	}
	l.n -= int64(n)
	if l.n < 0 {
		return n, errBodyTooLarge
	}
	return n, err
}

// bodyRead is how reading a request body went wrong.
type bodyRead struct {
	err *Error
	// unread: the body was not read to its end, so an HTTP/1.1 connection
	// cannot carry another request.
	unread bool
}

// readBody reads the body of a POST into buf: at most the body limit (as
// received and after gzip inflation), and in time. The body read timeout is
// the http.Server's ReadTimeout (Serve sets it: net/http then bounds the
// body with the deadline it sets for every request anyway, at no extra
// cost); the request's Connect-Timeout-Ms deadline, ctx's, also ends the
// read when it passes first.
func (h *Handler) readBody(ctx context.Context, w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) *bodyRead {
	if r.ContentLength > h.maxBody {
		return &bodyRead{Errorf(CodeResourceExhausted, "request body of %d bytes is larger than the limit of %d bytes", r.ContentLength, h.maxBody), true}
	}
	raw := &limitReader{r: r.Body, n: h.maxBody}
	var rd io.Reader = raw
	var zr *gzip.Reader
	switch ce := headerValue(r.Header, "Content-Encoding"); ce {
	case "", "identity":
	case "gzip":
		zr = getGzipReader()
		defer gzipReaders.Put(zr)
	default:
		return &bodyRead{Errorf(CodeUnimplemented, "unsupported content-encoding %q (use gzip or identity)", clip(ce)), true}
	}
	var cut *deadlineCut
	if _, ok := ctx.Deadline(); ok {
		if ctx.Err() != nil {
			return &bodyRead{NewError(CodeDeadlineExceeded, "deadline exceeded before the request body was read"), true}
		}
		cut = &deadlineCut{reading: true}
		stop := context.AfterFunc(ctx, func() { cut.fire(w) })
		defer stop()
	}
	var err error
	if zr != nil {
		if err = zr.Reset(rd); err == nil {
			_, err = buf.ReadFrom(&limitReader{r: zr, n: h.maxBody})
		}
	} else {
		_, err = buf.ReadFrom(rd)
	}
	rpcDeadlinePassed := cut.done()
	if err == nil {
		return nil
	}
	if errors.Is(err, errBodyTooLarge) {
		return &bodyRead{Errorf(CodeResourceExhausted, "request body larger than %d bytes", h.maxBody), true}
	}
	if raw.err == nil {
		// The connection was fine: the gzip stream on it was not.
		return &bodyRead{Errorf(CodeInvalidArgument, "invalid gzip request body: %v", err), false}
	}
	return &bodyRead{connectionReadError(r.Context(), raw.err, rpcDeadlinePassed, h.bodyTimeout), true}
}

// deadlineCut ends a body read that is still waiting when the request's
// deadline passes, by setting a read deadline in the past (which fails the
// read at once, on HTTP/1 and HTTP/2). Once the read is over it does
// nothing: a read deadline then would end net/http's background read of the
// connection and, with it, the request and the connection.
type deadlineCut struct {
	mu      sync.Mutex
	reading bool
	fired   bool
}

func (c *deadlineCut) fire(w http.ResponseWriter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reading {
		c.fired = true
		http.NewResponseController(w).SetReadDeadline(time.Now())
	}
}

// done marks the read over and says whether the deadline cut it.
func (c *deadlineCut) done() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	return c.fired
}

// connectionReadError says why reading the body from the connection failed:
// too slow (deadline_exceeded), the client went away or reset the stream
// (canceled), or the body was malformed, as bad chunked encoding is
// (invalid_argument).
func connectionReadError(ctx context.Context, err error, byRPC bool, timeout time.Duration) *Error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		if byRPC {
			return NewError(CodeDeadlineExceeded, "deadline exceeded while reading the request body")
		}
		return Errorf(CodeDeadlineExceeded, "request body not received within %v (the server's body read timeout)", timeout)
	case ctx.Err() != nil,
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return Errorf(CodeCanceled, "the client stopped sending the request body: %s", clip(err.Error()))
	}
	return Errorf(CodeInvalidArgument, "malformed request body: %s", clip(err.Error()))
}

// getMessage extracts the message of a GET call.
func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request) ([]byte, *Error) {
	q := r.URL.Query()
	if enc := q.Get("encoding"); enc != "json" {
		w.Header()["Accept-Post"] = hdrJSON
		return nil, Errorf(CodeUnimplemented, "unsupported encoding %q: use encoding=json", clip(enc))
	}
	if v := q.Get("connect"); v != "" && v != "v1" {
		return nil, Errorf(CodeInvalidArgument, "unsupported connect protocol version %q", clip(v))
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
			if errors.Is(err, errBodyTooLarge) {
				return nil, Errorf(CodeResourceExhausted, "message larger than %d bytes", h.maxBody)
			}
			return nil, Errorf(CodeInvalidArgument, "message: invalid gzip: %v", err)
		}
		msg = buf.Bytes()
	default:
		return nil, Errorf(CodeUnimplemented, "unsupported compression %q", clip(c))
	}
	if int64(len(msg)) > h.maxBody {
		return nil, Errorf(CodeResourceExhausted, "message larger than %d bytes", h.maxBody)
	}
	return msg, nil
}
