package brief_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// exchange sends one request on c (read through r) and returns the response
// with its body read.
func exchange(t *testing.T, c net.Conn, r *bufio.Reader, req string) *http.Response {
	t.Helper()
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp
}

func TestDrainThenCloseEveryConnectionCleanly(t *testing.T) {
	h := NewSummerHandler(&summer{}, brief.WithLogger(quietLogger))
	base, cancel, done := serve(t, h, brief.WithDrainDelay(600*time.Millisecond))
	busy, unused := dial(t, base), dial(t, base)
	busyR, unusedR := bufio.NewReader(busy), bufio.NewReader(unused)
	exchange(t, busy, busyR, sumRequest)
	exchange(t, unused, unusedR, sumRequest)

	start := time.Now()
	cancel() // as SIGTERM would
	time.Sleep(50 * time.Millisecond)
	// During the drain delay: /readyz says 503, rpcs are served as before on
	// open connections, and new connections are accepted.
	if r := exchange(t, busy, busyR, "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 503 {
		t.Fatalf("readyz while draining: %d", r.StatusCode)
	}
	if r := exchange(t, busy, busyR, sumRequest); r.StatusCode != 200 || r.Close {
		t.Fatalf("during the drain: %d, close=%v", r.StatusCode, r.Close)
	}
	fresh := dial(t, base)

	// A client in steady use gets Connection: close on its first answer after
	// the listener closed, and on none before.
	for {
		r := exchange(t, busy, busyR, sumRequest)
		if r.StatusCode != 200 {
			t.Fatalf("status %d", r.StatusCode)
		}
		if r.Close {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatal("no Connection: close within 3 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Fatalf("Connection: close after %v, during the drain delay", el)
	}
	if c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://")); err == nil {
		c.Close()
		t.Fatal("still accepting after the drain delay")
	}
	// A connection accepted before the listener closed still gets its first
	// request answered, and the answer closes it.
	if r := exchange(t, fresh, bufio.NewReader(fresh), sumRequest); r.StatusCode != 200 || !r.Close {
		t.Fatalf("fresh connection: %d, close=%v", r.StatusCode, r.Close)
	}
	if _, closed := readUntilClosed(busy, time.Second); !closed {
		t.Fatal("the connection stayed open after Connection: close")
	}
	// A connection nobody uses is closed after half a second.
	if _, closed := readUntilClosed(unused, 3*time.Second); !closed {
		t.Fatal("an unused connection stayed open")
	}
	served(t, done, 3*time.Second)
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Fatalf("stopped after %v, before the drain delay", el)
	}
}
