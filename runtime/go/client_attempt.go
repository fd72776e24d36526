package brief

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// do is the innermost Invoker: one HTTP attempt.
func (c *Client) do(ctx context.Context, req *Request) error {
	rpc := req.RPC
	req.ResponseHeader, req.Unsent = nil, false
	dl, hasDL := ctx.Deadline()
	var remaining time.Duration
	if hasDL {
		remaining = time.Until(dl)
	}
	if ctx.Err() != nil || hasDL && remaining <= 0 {
		req.Unsent = true
		return c.contextError(ctx, rpc, remaining)
	}

	// The transport may read the body after Do returns, so it is not pooled.
	body, err := appendValue(make([]byte, 0, 256), req.In)
	if err != nil {
		req.Unsent = true
		return Errorf(CodeInternal, "encoding input of %s: %v", rpc.Path(), err)
	}
	gzipped := false
	if c.gzipMin >= 0 && len(body) >= c.gzipMin {
		zb := new(bytes.Buffer)
		zw := getGzipWriter(zb)
		zw.Write(body)
		zw.Close()
		gzipWriters.Put(zw)
		body, gzipped = zb.Bytes(), true
	}

	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.Endpoint+rpc.Path(), bytes.NewReader(body))
	if err != nil {
		req.Unsent = true
		return Errorf(CodeInternal, "building request for %s: %v", rpc.Path(), err)
	}
	h := hreq.Header
	for k, v := range req.Header {
		h[k] = v
	}
	h["Content-Type"] = hdrJSON
	h[HeaderProtocolVersion] = hdrOne
	if gzipped {
		h["Content-Encoding"] = hdrGzip
	}
	if hasDL {
		ms := remaining.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		h[HeaderTimeout] = []string{strconv.FormatInt(ms, 10)}
	}
	if info := CallInfoFromContext(ctx); info != nil {
		h[HeaderRequestID] = []string{info.RequestID}
		if info.TraceID != "" {
			h[HeaderTraceparent] = []string{info.Traceparent()}
		}
		if info.TraceState != "" {
			h[HeaderTracestate] = []string{info.TraceState}
		}
		if info.Baggage != "" {
			h[HeaderBaggage] = []string{info.Baggage}
		}
	}
	if c.caller != "" {
		h[HeaderCaller] = []string{c.caller}
	}
	attempt := req.Attempt
	if attempt < 1 {
		attempt = 1
	}
	if attempt == 1 {
		h[HeaderAttempt] = hdrOne
	} else {
		h[HeaderAttempt] = []string{strconv.Itoa(attempt)}
	}

	resp, err := c.hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return c.contextError(ctx, rpc, remaining)
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			req.Unsent = true
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			req.Unsent = true
		}
		return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("calling %s at %s: %v", rpc.Path(), req.Endpoint, unwrapURLError(err)), cause: err}
	}
	defer resp.Body.Close()
	req.ResponseHeader = resp.Header

	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if ctx.Err() != nil && len(b) == 0 {
			return c.contextError(ctx, rpc, remaining)
		}
		e := parseErrorBody(resp.StatusCode, headerValue(resp.Header, "Content-Type"), b)
		decodeTyped(rpc, e)
		return e
	}

	rb := getBuffer()
	defer putBuffer(rb)
	if _, err := rb.ReadFrom(&limitReader{r: resp.Body, n: c.maxResponse}); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return Errorf(CodeResourceExhausted, "response of %s larger than %d bytes", rpc.Path(), c.maxResponse)
		}
		if ctx.Err() != nil {
			return c.contextError(ctx, rpc, remaining)
		}
		return &Error{Code: CodeUnavailable, Message: fmt.Sprintf("reading response of %s: %v", rpc.Path(), err), cause: err}
	}
	if ct := headerValue(resp.Header, "Content-Type"); !isJSONContentType(ct) {
		return Errorf(CodeInternal, "response of %s has content type %q, want application/json", rpc.Path(), ct)
	}
	if req.Out == nil {
		return nil
	}
	if err := unmarshalValue(rb.Bytes(), req.Out); err != nil {
		return Errorf(CodeInternal, "invalid response from %s: %s", rpc.Path(), strings.TrimPrefix(err.Error(), string(CodeInvalidArgument)+": "))
	}
	return nil
}

var hdrOne = []string{"1"}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeTyped attaches the typed error of the first detail the rpc declares.
func decodeTyped(rpc *RPC, e *Error) {
	if len(rpc.Throws) == 0 {
		return
	}
	for _, d := range e.Details {
		f := rpc.Throws[d.Type]
		if f == nil {
			continue
		}
		te := f()
		if unmarshalValue(d.Value, te) == nil {
			setTypedMessage(te, e.Message)
			e.typed = te
			return
		}
	}
}

// appendValue appends the JSON of v (brief codecs when Encodable).
func appendValue(b []byte, v any) ([]byte, error) {
	if v == nil {
		return append(b, "{}"...), nil
	}
	if m, ok := v.(Encodable); ok {
		return AppendMessage(b, m), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}
