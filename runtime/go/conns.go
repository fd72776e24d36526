package brief

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// connTracker is the listener Serve serves on: it knows every connection it
// accepted and, through http.Server.ConnState, whether a request is in
// flight on it. That caps the connections open at once (at the cap the
// connection idle the longest is closed to make room, as nginx reuses
// keep-alive connections; when none is idle, accepting waits for one to
// close and new connections queue in the kernel), and lets shutdown close
// connections nobody uses while it waits for the others.
type connTracker struct {
	net.Listener
	max    int
	start  time.Time
	logger *slog.Logger

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	// closed gets a token whenever a connection closes.
	closed chan struct{}
	// done is closed when the listener is.
	done      chan struct{}
	closeOnce sync.Once
}

// stateClosing marks a connection the tracker closed, so that it is not
// picked again.
const stateClosing = -1

type trackedConn struct {
	net.Conn
	// state is the http.ConnState, or stateClosing.
	state atomic.Int32
	// since is when state last changed, in nanoseconds since the tracker's
	// start (monotonic).
	since   atomic.Int64
	sniffed atomic.Bool
	h2      atomic.Bool
}

// Read notices whether the connection starts with the HTTP/2 preface.
func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.sniffed.Load() {
		c.sniffed.Store(true)
		c.h2.Store(bytes.HasPrefix(p[:n], []byte("PRI")))
	}
	return n, err
}

// CloseWrite keeps net/http's half-close before closing a connection after
// `Connection: close` (it looks for this method on the connection).
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func newConnTracker(ln net.Listener, max int, logger *slog.Logger) *connTracker {
	return &connTracker{
		Listener: ln,
		max:      max,
		start:    time.Now(),
		logger:   logger,
		conns:    map[*trackedConn]struct{}{},
		closed:   make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

func (t *connTracker) now() int64 { return int64(time.Since(t.start)) }

// Accept accepts the next connection, keeping under the cap.
func (t *connTracker) Accept() (net.Conn, error) {
	for {
		if t.open() >= t.max {
			if !t.makeRoom() {
				return nil, net.ErrClosed
			}
			continue
		}
		c, err := t.Listener.Accept()
		if err != nil {
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				t.logger.Warn("brief: out of file descriptors", "open", t.open())
				if !t.makeRoom() {
					return nil, net.ErrClosed
				}
				continue
			}
			return nil, err
		}
		tc := &trackedConn{Conn: c}
		tc.state.Store(int32(http.StateNew))
		tc.since.Store(t.now())
		t.mu.Lock()
		t.conns[tc] = struct{}{}
		t.mu.Unlock()
		return tc, nil
	}
}

// makeRoom closes the idlest connection, or waits a little when every one is
// busy; false when the listener closed meanwhile.
func (t *connTracker) makeRoom() bool {
	wait := 100 * time.Millisecond
	if t.evictIdlest() {
		wait = time.Second
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-t.closed:
	case <-timer.C:
	case <-t.done:
		return false
	}
	return true
}

// Close stops accepting (connections already accepted go on).
func (t *connTracker) Close() error {
	var err error
	t.closeOnce.Do(func() {
		close(t.done)
		err = t.Listener.Close()
	})
	return err
}

func (t *connTracker) open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// connState is the http.Server.ConnState hook.
func (t *connTracker) connState(c net.Conn, s http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		t.mu.Lock()
		delete(t.conns, tc)
		t.mu.Unlock()
		select {
		case t.closed <- struct{}{}:
		default:
		}
	default:
		if tc.state.Load() != stateClosing {
			tc.state.Store(int32(s))
			tc.since.Store(t.now())
		}
	}
}

// evictIdlest closes the connection that has waited longest without a
// request in flight; false when every connection is busy.
func (t *connTracker) evictIdlest() bool {
	t.mu.Lock()
	var victim *trackedConn
	for c := range t.conns {
		if s := c.state.Load(); s != int32(http.StateIdle) && s != int32(http.StateNew) {
			continue
		}
		if victim == nil || c.since.Load() < victim.since.Load() {
			victim = c
		}
	}
	if victim != nil {
		victim.state.Store(stateClosing)
	}
	t.mu.Unlock()
	if victim == nil {
		return false
	}
	t.logger.Debug("brief: connection limit reached, closing the idlest connection")
	victim.Conn.Close()
	return true
}

// closeUnused closes the connections that have been idle between requests
// for at least linger (a connection in use is closed instead by
// `Connection: close` on its next answer: closing it now could cut off a
// request being written at this very moment), and returns how many are
// still open.
func (t *connTracker) closeUnused(linger time.Duration) int {
	now := t.now()
	t.mu.Lock()
	var unused []*trackedConn
	for c := range t.conns {
		if c.state.Load() == int32(http.StateIdle) && now-c.since.Load() >= int64(linger) {
			c.state.Store(stateClosing)
			unused = append(unused, c)
		}
	}
	open := len(t.conns)
	t.mu.Unlock()
	for _, c := range unused {
		c.Conn.Close()
	}
	return open
}
