package brief

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// DefaultListen is the address Serve listens on when neither WithAddr,
// WithListener nor $LISTEN says otherwise.
const DefaultListen = "127.0.0.1:8080"

// DefaultGracePeriod is how long Serve lets in-flight requests finish.
const DefaultGracePeriod = 10 * time.Second

// ServeOption configures Serve.
type ServeOption func(*serveConfig)

type serveConfig struct {
	addr       string
	ln         net.Listener
	grace      time.Duration
	drainDelay time.Duration
	configure  func(*http.Server)
	logger     *slog.Logger
	signals    bool
}

// WithAddr sets the listen address (default: $LISTEN, else 127.0.0.1:8080).
func WithAddr(addr string) ServeOption { return func(c *serveConfig) { c.addr = addr } }

// WithListener serves on an existing listener (Serve closes it).
func WithListener(ln net.Listener) ServeOption { return func(c *serveConfig) { c.ln = ln } }

// WithGracePeriod sets how long in-flight requests may take to finish after
// shutdown begins (default 10 s).
func WithGracePeriod(d time.Duration) ServeOption { return func(c *serveConfig) { c.grace = d } }

// WithDrainDelay keeps accepting requests for d after /readyz turns 503, so
// that load balancers notice before the listener closes (default 0).
func WithDrainDelay(d time.Duration) ServeOption { return func(c *serveConfig) { c.drainDelay = d } }

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
// port until ctx is cancelled or the process gets SIGTERM or SIGINT. Then,
// if h has a SetReady(bool) method (a *Handler does), /readyz turns 503; the
// listener stops accepting; in-flight requests get the grace period to
// finish; and Serve returns nil, so that main can exit 0. It returns an error
// only when it cannot listen or serve.
func Serve(ctx context.Context, h http.Handler, opts ...ServeOption) error {
	cfg := serveConfig{grace: DefaultGracePeriod, signals: true}
	for _, o := range opts {
		o(&cfg)
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.signals {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
		defer stop()
	}
	ln := cfg.ln
	if ln == nil {
		addr := cfg.addr
		if addr == "" {
			addr = os.Getenv("LISTEN")
		}
		if addr == "" {
			addr = DefaultListen
		}
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return err
		}
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           h,
		Protocols:         protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	if cfg.configure != nil {
		cfg.configure(srv)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("brief: serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("brief: shutting down", "grace", cfg.grace)
	if r, ok := h.(interface{ SetReady(bool) }); ok {
		r.SetReady(false)
	}
	if cfg.drainDelay > 0 {
		time.Sleep(cfg.drainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("brief: grace period over, closing remaining connections", "error", err)
		srv.Close()
	}
	<-errc
	return nil
}

// ListenAndServe is Serve with a background context: it serves h until
// SIGTERM or SIGINT, then shuts down gracefully and returns nil.
func ListenAndServe(h http.Handler, opts ...ServeOption) error {
	return Serve(context.Background(), h, opts...)
}
