package brief_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

const sumRequest = "POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":1,\"b\":2}"

// shortLimits serves the summer handler with timeouts short enough for tests.
func shortLimits(t *testing.T, opts ...brief.ServeOption) string {
	t.Helper()
	h := NewSummerHandler(&summer{}, brief.WithLogger(quietLogger), brief.WithBodyReadTimeout(400*time.Millisecond))
	base, _, _ := serve(t, h, append([]brief.ServeOption{
		brief.WithHeaderReadTimeout(300 * time.Millisecond),
		brief.WithIdleTimeout(600 * time.Millisecond),
	}, opts...)...)
	return base
}

// send sends req with the default client and returns the response with its
// body read.
func send(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readUntilClosed reads until the server closes c or limit passes; it
// returns what was read and whether the connection closed.
func readUntilClosed(c net.Conn, limit time.Duration) (string, bool) {
	c.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(b), false
	}
	return string(b), true
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	base := shortLimits(t)
	c := dial(t, base)
	head := "POST /summer/sum HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 60)
	start := time.Now()
	for i := 0; i < len(head) && time.Since(start) < 3*time.Second; i++ {
		if _, err := c.Write([]byte{head[i]}); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, closed := readUntilClosed(c, time.Second); !closed {
		t.Fatal("a 3 s trickle of headers was still being read")
	}
	quiet := dial(t, base)
	start = time.Now()
	if _, closed := readUntilClosed(quiet, 2*time.Second); !closed {
		t.Fatal("a silent connection stayed open")
	}
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Fatalf("closed after %v, before the header read timeout", el)
	}
}

func TestIdleKeepAliveConnectionsAreClosed(t *testing.T) {
	base := shortLimits(t)
	c := dial(t, base)
	c.Write([]byte(sumRequest))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	io.ReadAll(resp.Body)
	start := time.Now()
	if _, closed := readUntilClosed(c, 3*time.Second); !closed {
		t.Fatal("an idle keep-alive connection stayed open")
	}
	if el := time.Since(start); el < 550*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", el)
	}
}

func TestIdleConnectionsDoNotLockOutANormalRequest(t *testing.T) {
	base, _, _ := serve(t, NewSummerHandler(&summer{}, brief.WithLogger(quietLogger)), brief.WithMaxConnections(50))
	var idle []net.Conn
	for i := 0; i < 300; i++ {
		idle = append(idle, dial(t, base))
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := client(t, base).Sum(ctx, &SumIn{A: 20, B: 22}, brief.WithTimeout(3*time.Second))
	if err != nil || out.Sum != 42 {
		t.Fatalf("a normal request with 300 idle connections open: %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("took %v", el)
	}
	open := 0
	for _, c := range idle {
		if _, closed := readUntilClosed(c, time.Millisecond); !closed {
			open++
		}
	}
	if open > 50 {
		t.Fatalf("%d idle connections still open with a cap of 50", open)
	}
}

func TestATrickledBodyGetsDeadlineExceeded(t *testing.T) {
	base := shortLimits(t)
	c := dial(t, base)
	c.Write([]byte("POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":1,"))
	start := time.Now()
	go func() {
		for i := 0; i < 16; i++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	resp, closed := readUntilClosed(c, 3*time.Second)
	for _, want := range []string{"HTTP/1.1 504", "deadline_exceeded", "body read timeout", "Connection: close"} {
		if !strings.Contains(resp, want) {
			t.Fatalf("no %q in %q", want, resp)
		}
	}
	if !closed || time.Since(start) > 2*time.Second {
		t.Fatalf("closed=%v after %v", closed, time.Since(start))
	}
}

func TestConnectTimeoutCoversTheBody(t *testing.T) {
	base, _, _ := newSummer(t)
	c := dial(t, base)
	start := time.Now()
	c.Write([]byte("POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnect-Timeout-Ms: 300\r\nContent-Length: 100\r\n\r\n{"))
	resp, _ := readUntilClosed(c, 3*time.Second)
	el := time.Since(start)
	if !strings.HasPrefix(resp, "HTTP/1.1 504") || !strings.Contains(resp, "while reading the request body") {
		t.Fatalf("%q", resp)
	}
	if el < 290*time.Millisecond || el > 2*time.Second {
		t.Fatalf("answered after %v", el)
	}
}

func TestBodyErrorCodes(t *testing.T) {
	base, _, _ := newSummer(t)
	c := dial(t, base)
	c.Write([]byte("POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"a\":1}\r\n0\r\n\r\n"))
	resp, _ := readUntilClosed(c, 3*time.Second)
	if !strings.HasPrefix(resp, "HTTP/1.1 400") || !strings.Contains(resp, "invalid_argument") {
		t.Fatalf("malformed chunks: %q", resp)
	}
	// A client that goes away in the middle of its body.
	gone := dial(t, base)
	gone.Write([]byte("POST /summer/sum HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":"))
	time.Sleep(50 * time.Millisecond)
	gone.Close()
	want := []string{
		`brief_server_requests_total{service="summer",rpc="sum",code="invalid_argument"} 1`,
		`brief_server_requests_total{service="summer",rpc="sum",code="canceled"} 1`,
	}
	var m string
	for start := time.Now(); time.Since(start) < 3*time.Second; time.Sleep(20 * time.Millisecond) {
		r, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if m = string(b); strings.Contains(m, want[0]) && strings.Contains(m, want[1]) {
			return
		}
	}
	t.Fatalf("metrics lack %q:\n%s", want, m)
}

func TestOversizedHeadersGet431(t *testing.T) {
	base, _, _ := serve(t, NewSummerHandler(&summer{}, brief.WithLogger(quietLogger)), brief.WithMaxHeaderBytes(16<<10))
	req, _ := http.NewRequest("POST", base+"/summer/sum", strings.NewReader(`{"a":1,"b":2}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Big", strings.Repeat("a", 40<<10))
	if resp, _ := send(t, req); resp.StatusCode != 431 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestHTTP2SettingsCarryTheStreamLimit(t *testing.T) {
	base := shortLimits(t, brief.WithHTTP2MaxStreams(7))
	c := dial(t, base)
	c.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	c.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0})
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(c)
	head := make([]byte, 9)
	if _, err := io.ReadFull(r, head); err != nil || head[3] != 4 {
		t.Fatalf("no SETTINGS first: %v %v", head, err)
	}
	payload := make([]byte, int(head[0])<<16|int(head[1])<<8|int(head[2]))
	io.ReadFull(r, payload)
	found := false
	for i := 0; i+6 <= len(payload); i += 6 {
		if binary.BigEndian.Uint16(payload[i:]) == 3 && binary.BigEndian.Uint32(payload[i+2:]) == 7 {
			found = true
		}
	}
	if !found {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS=7 missing: % x", payload)
	}
}

func TestEscapedPathsDoNotNameAnRPC(t *testing.T) {
	base, _, _ := newSummer(t)
	for _, path := range []string{"/summer/%73um", "/%73ummer/sum", "/summer/su%6D"} {
		doRaw(t, base, rawCase{method: "POST", path: path, contentType: "application/json", body: `{"a":1,"b":2}`, status: 501, code: brief.CodeUnimplemented})
	}
}

func TestEchoedInputIsBounded(t *testing.T) {
	base, _, _ := newSummer(t)
	req, _ := http.NewRequest("POST", base+"/summer/"+strings.Repeat("x", 50_000), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	if resp, b := send(t, req); resp.StatusCode != 501 || len(b) > 600 {
		t.Fatalf("status %d, %d bytes echoed", resp.StatusCode, len(b))
	}
	// An over-long request id is replaced, not echoed.
	req, _ = http.NewRequest("POST", base+"/summer/sum", strings.NewReader(`{"a":1,"b":2}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", strings.Repeat("r", 60_000))
	if resp, _ := send(t, req); len(resp.Header.Get("X-Request-Id")) != 36 {
		t.Fatalf("request id echoed as %d bytes", len(resp.Header.Get("X-Request-Id")))
	}
	req.Header.Set("X-Request-Id", "req-7")
	req.Body = io.NopCloser(strings.NewReader(`{"a":1,"b":2}`))
	if resp, _ := send(t, req); resp.Header.Get("X-Request-Id") != "req-7" {
		t.Fatalf("a valid request id came back as %q", resp.Header.Get("X-Request-Id"))
	}
}

func TestSettingsFromTheEnvironment(t *testing.T) {
	t.Setenv("BRIEF_GRACE_PERIOD", "5x")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	err := brief.Serve(context.Background(), http.NotFoundHandler(), brief.WithListener(ln), brief.WithoutSignals())
	if err == nil || err.Error() != `BRIEF_GRACE_PERIOD="5x": not a duration (write e.g. 500ms, 10s, 2m)` {
		t.Fatalf("got %v", err)
	}
	t.Setenv("BRIEF_GRACE_PERIOD", "")
	t.Setenv("BRIEF_MAX_CONNECTIONS", "0")
	if err := brief.Serve(context.Background(), http.NotFoundHandler(), brief.WithListener(ln), brief.WithoutSignals()); err == nil || !strings.Contains(err.Error(), "connections") {
		t.Fatalf("got %v", err)
	}
}

func TestABindErrorNamesTheAddress(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	addr := ln.Addr().String()
	err := brief.Serve(context.Background(), http.NotFoundHandler(), brief.WithAddr(addr), brief.WithoutSignals())
	if want := fmt.Sprintf("cannot listen on %s: address in use", addr); err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
