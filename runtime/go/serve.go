package brief

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultListen is the address Serve listens on when neither WithAddr,
// WithListener nor $LISTEN says otherwise.
const DefaultListen = "127.0.0.1:8080"

// DefaultGracePeriod is how long Serve lets in-flight requests finish.
const DefaultGracePeriod = 10 * time.Second

// shutdownLinger is how long a connection must have been idle, once the
// listener has closed, before Serve closes it.
const shutdownLinger = 500 * time.Millisecond

// ServeOption configures Serve. Options override the environment variables.
type ServeOption func(*serveConfig)

type serveConfig struct {
	serverSettings
	ln        net.Listener
	configure func(*http.Server)
	logger    *slog.Logger
	signals   bool
}

// WithAddr sets the listen address (default: $LISTEN, else 127.0.0.1:8080).
func WithAddr(addr string) ServeOption { return func(c *serveConfig) { c.listen = addr } }

// WithListener serves on an existing listener (Serve closes it).
func WithListener(ln net.Listener) ServeOption { return func(c *serveConfig) { c.ln = ln } }

// WithGracePeriod sets how long in-flight requests may take to finish once
// the listener has closed (default 10 s; BRIEF_GRACE_PERIOD).
func WithGracePeriod(d time.Duration) ServeOption { return func(c *serveConfig) { c.grace = d } }

// WithDrainDelay sets how long Serve keeps serving, with /readyz at 503,
// before the listener closes, so that load balancers take the server out
// first (default 5 s; BRIEF_DRAIN_DELAY). SIGINT skips it.
func WithDrainDelay(d time.Duration) ServeOption { return func(c *serveConfig) { c.drainDelay = d } }

// WithHeaderReadTimeout sets the time a client has to send a request's
// headers (default 10 s; BRIEF_HEADER_READ_TIMEOUT).
func WithHeaderReadTimeout(d time.Duration) ServeOption {
	return func(c *serveConfig) { c.headerReadTimeout = d }
}

// WithIdleTimeout sets how long a keep-alive connection may stay idle
// (HTTP/1.1 between requests, HTTP/2 without streams) (default 120 s;
// BRIEF_IDLE_TIMEOUT).
func WithIdleTimeout(d time.Duration) ServeOption { return func(c *serveConfig) { c.idleTimeout = d } }

// WithMaxHeaderBytes sets the largest request head accepted (default 64 KiB;
// BRIEF_MAX_HEADER_BYTES).
func WithMaxHeaderBytes(n int) ServeOption { return func(c *serveConfig) { c.maxHeaderBytes = n } }

// WithMaxConnections sets the most connections open at once (default
// 10,000; BRIEF_MAX_CONNECTIONS). At the cap the connection idle the longest
// is closed to make room; when every one is busy, accepting waits.
func WithMaxConnections(n int) ServeOption { return func(c *serveConfig) { c.maxConns = n } }

// WithHTTP2MaxStreams sets the most concurrent HTTP/2 streams per
// connection (default 100; BRIEF_H2_MAX_STREAMS).
func WithHTTP2MaxStreams(n int) ServeOption { return func(c *serveConfig) { c.h2MaxStreams = n } }

// WithHTTP2Keepalive sends an HTTP/2 PING after interval without frames and
// closes the connection when no answer comes within timeout (default: no
// PINGs, timeout 20 s; BRIEF_H2_KEEPALIVE_INTERVAL, BRIEF_H2_KEEPALIVE_TIMEOUT).
func WithHTTP2Keepalive(interval, timeout time.Duration) ServeOption {
	return func(c *serveConfig) { c.h2PingInterval, c.h2PingTimeout = interval, timeout }
}

// WithHTTPServer lets the caller adjust the http.Server before it starts.
func WithHTTPServer(f func(*http.Server)) ServeOption {
	return func(c *serveConfig) { c.configure = f }
}

// WithServeLogger sets the logger of Serve (default slog.Default()).
func WithServeLogger(l *slog.Logger) ServeOption { return func(c *serveConfig) { c.logger = l } }

// WithoutSignals stops Serve from handling SIGTERM and SIGINT itself (only
// ctx cancellation then starts the shutdown).
func WithoutSignals() ServeOption { return func(c *serveConfig) { c.signals = false } }

// Serve serves h over HTTP/1.1 and h2c (HTTP/2 with prior knowledge) on one
// port until ctx is cancelled or the process gets SIGTERM or SIGINT, within
// the limits of docs/protocol.md (set by options or BRIEF_* environment
// variables). Then, if h has a SetReady(bool) method (a *Handler does),
// /readyz turns 503 while serving goes on for the drain delay; the listener
// closes; every answer from then on closes its connection (`Connection:
// close`, GOAWAY on HTTP/2) and connections unused for half a second are closed;
// in-flight requests get the grace period to finish; and Serve returns nil,
// so that main can exit 0. It returns an error when a setting is invalid or
// it cannot listen (`cannot listen on 127.0.0.1:8080: address in use`).
func Serve(ctx context.Context, h http.Handler, opts ...ServeOption) error {
	settings, err := settingsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cfg := serveConfig{serverSettings: settings, signals: true}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return err
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.Default()
	}
	sigc := make(chan os.Signal, 1)
	if cfg.signals {
		signal.Notify(sigc, syscall.SIGTERM, os.Interrupt)
		defer signal.Stop(sigc)
	}
	ln := cfg.ln
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.listen); err != nil {
			return fmt.Errorf("cannot listen on %s: %s", cfg.listen, describeListenError(err))
		}
	}
	tracker := newConnTracker(ln, cfg.maxConns, logger)
	defer tracker.Close()
	var closing atomic.Bool
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if closing.Load() {
				// HTTP/1.1 closes after this answer; HTTP/2 sends GOAWAY.
				w.Header()["Connection"] = hdrClose
			}
			h.ServeHTTP(w, r)
		}),
		Protocols:         protocols,
		ReadHeaderTimeout: cfg.headerReadTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    cfg.maxHeaderBytes,
		ConnState:         tracker.connState,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams: cfg.h2MaxStreams,
			SendPingTimeout:      cfg.h2PingInterval,
			PingTimeout:          cfg.h2PingTimeout,
		},
	}
	// The body read timeout: net/http applies ReadTimeout to the whole request
	// with the read deadline it sets for every request anyway (HTTP/2: a
	// timer per stream), so it costs nothing more.
	srv.ReadTimeout = cfg.bodyReadTimeout
	if b, ok := h.(interface{ BodyReadTimeout() time.Duration }); ok {
		srv.ReadTimeout = b.BodyReadTimeout()
	}
	if cfg.idleTimeout == 0 && cfg.headerReadTimeout != 0 {
		// net/http would use ReadHeaderTimeout as the idle timeout.
		srv.IdleTimeout = 1<<63 - 1
	}
	if cfg.configure != nil {
		cfg.configure(srv)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tracker) }()
	addr := ln.Addr().String()
	logger.Info("brief: serving", "addr", addr)

	drain := cfg.drainDelay
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case s := <-sigc:
		logger.Info("brief: " + signalName(s) + " received")
		if s == os.Interrupt {
			drain = 0
		}
	}
	logger.Info("brief: draining", "addr", addr, "drain_delay", drain)
	if r, ok := h.(interface{ SetReady(bool) }); ok {
		r.SetReady(false)
	}
	if drain > 0 {
		timer := time.NewTimer(drain)
		select {
		case <-timer.C:
		case err := <-errc:
			timer.Stop()
			return err
		}
	}
	closing.Store(true)
	tracker.Close()
	grace := time.NewTimer(cfg.grace)
	defer grace.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for tracker.closeUnused(shutdownLinger) > 0 {
		select {
		case <-tick.C:
		case <-grace.C:
			logger.Warn("brief: grace period over, closing remaining connections", "open", tracker.open())
			break wait
		}
	}
	srv.Close()
	if err := <-errc; err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("brief: stopped", "addr", addr)
	return nil
}

var hdrClose = []string{"close"}

func signalName(s os.Signal) string {
	if s == os.Interrupt {
		return "SIGINT"
	}
	return "SIGTERM"
}

// describeListenError gives the words of a listen error without repeating
// the address: "address in use".
func describeListenError(err error) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "address in use"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "address not available"
	case errors.Is(err, syscall.EACCES):
		return "permission denied"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

// ListenAndServe is Serve with a background context: it serves h until
// SIGTERM or SIGINT, then shuts down gracefully and returns nil.
func ListenAndServe(h http.Handler, opts ...ServeOption) error {
	return Serve(context.Background(), h, opts...)
}
