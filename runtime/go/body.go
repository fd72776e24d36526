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
// received and after gzip inflation), and by the deadline — the earlier of
// the request's Connect-Timeout-Ms deadline (rpc, zero when none) and its
// arrival plus the body read timeout.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, arrival, rpc time.Time) *bodyRead {
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
	deadline, byRPC := bodyDeadline(arrival, h.bodyTimeout, rpc)
	var rc *http.ResponseController
	if !deadline.IsZero() {
		rc = http.NewResponseController(w)
		if rc.SetReadDeadline(deadline) != nil {
			rc = nil
		}
	}
	var err error
	if zr != nil {
		if err = zr.Reset(rd); err == nil {
			_, err = buf.ReadFrom(&limitReader{r: zr, n: h.maxBody})
		}
	} else {
		_, err = buf.ReadFrom(rd)
	}
	if err == nil {
		if rc != nil {
			// Cleared before the handler runs, so that a long handler is not
			// taken for a client gone quiet. After a failure it stays: it
			// bounds net/http's reading of the rest of the body before it
			// closes the connection.
			rc.SetReadDeadline(time.Time{})
		}
		return nil
	}
	if errors.Is(err, errBodyTooLarge) {
		return &bodyRead{Errorf(CodeResourceExhausted, "request body larger than %d bytes", h.maxBody), true}
	}
	if raw.err == nil {
		// The connection was fine: the gzip stream on it was not.
		return &bodyRead{Errorf(CodeInvalidArgument, "invalid gzip request body: %v", err), false}
	}
	return &bodyRead{connectionReadError(r.Context(), raw.err, byRPC, h.bodyTimeout), true}
}

// bodyDeadline is the earlier of arrival+timeout (when timeout > 0) and rpc
// (when set); byRPC says the rpc deadline is the one that applies.
func bodyDeadline(arrival time.Time, timeout time.Duration, rpc time.Time) (deadline time.Time, byRPC bool) {
	if timeout > 0 {
		deadline = arrival.Add(timeout)
	}
	if !rpc.IsZero() && (deadline.IsZero() || rpc.Before(deadline)) {
		return rpc, true
	}
	return deadline, false
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
