package brief

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Server limits and timeouts: the defaults, the same as the Rust runtime's
// ServerConfig. Each one has an option and an environment variable
// (docs/protocol.md lists them); a timeout of zero means no limit.
const (
	// DefaultMaxHeaderBytes is the largest request head (request line and
	// headers) accepted: BRIEF_MAX_HEADER_BYTES, WithMaxHeaderBytes.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultHeaderReadTimeout is the time a client has to send a request's
	// headers: BRIEF_HEADER_READ_TIMEOUT, WithHeaderReadTimeout.
	DefaultHeaderReadTimeout = 10 * time.Second
	// DefaultBodyReadTimeout is the time a client has to send a request's
	// body, from the request's arrival, when Connect-Timeout-Ms gives no
	// earlier deadline: BRIEF_BODY_READ_TIMEOUT, WithBodyReadTimeout.
	DefaultBodyReadTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long a keep-alive connection may stay idle:
	// BRIEF_IDLE_TIMEOUT, WithIdleTimeout.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxConnections is the most connections open at once:
	// BRIEF_MAX_CONNECTIONS, WithMaxConnections.
	DefaultMaxConnections = 10000
	// DefaultHTTP2MaxStreams is the most concurrent HTTP/2 streams per
	// connection: BRIEF_H2_MAX_STREAMS, WithHTTP2MaxStreams.
	DefaultHTTP2MaxStreams = 100
	// DefaultHTTP2KeepaliveTimeout is how long to wait for a keep-alive PING's
	// answer: BRIEF_H2_KEEPALIVE_TIMEOUT, WithHTTP2Keepalive. Keep-alive
	// PINGs are off by default (BRIEF_H2_KEEPALIVE_INTERVAL=0).
	DefaultHTTP2KeepaliveTimeout = 20 * time.Second
	// DefaultDrainDelay is how long Serve keeps serving with /readyz at 503
	// before the listener closes: BRIEF_DRAIN_DELAY, WithDrainDelay.
	DefaultDrainDelay = 5 * time.Second
)

// serverSettings are every setting an environment variable can give, with
// the defaults filled in.
type serverSettings struct {
	listen            string
	maxBody           int64
	maxHeaderBytes    int
	headerReadTimeout time.Duration
	bodyReadTimeout   time.Duration
	idleTimeout       time.Duration
	maxConns          int
	h2MaxStreams      int
	h2PingInterval    time.Duration
	h2PingTimeout     time.Duration
	grace             time.Duration
	drainDelay        time.Duration
}

func defaultSettings() serverSettings {
	return serverSettings{
		listen:            DefaultListen,
		maxBody:           DefaultMaxBodyBytes,
		maxHeaderBytes:    DefaultMaxHeaderBytes,
		headerReadTimeout: DefaultHeaderReadTimeout,
		bodyReadTimeout:   DefaultBodyReadTimeout,
		idleTimeout:       DefaultIdleTimeout,
		maxConns:          DefaultMaxConnections,
		h2MaxStreams:      DefaultHTTP2MaxStreams,
		h2PingTimeout:     DefaultHTTP2KeepaliveTimeout,
		grace:             DefaultGracePeriod,
		drainDelay:        DefaultDrainDelay,
	}
}

// settingsFromEnv returns the defaults overridden by every environment
// variable that is set and not empty; an invalid value is an error naming
// the variable (the settings returned then hold the valid ones).
func settingsFromEnv(getenv func(string) string) (serverSettings, error) {
	s := defaultSettings()
	duration := func(d *time.Duration) func(string) error {
		return func(v string) (err error) { *d, err = parseDuration(v); return }
	}
	count := func(n *int) func(string) error {
		return func(v string) (err error) { *n, err = parseCount(v); return }
	}
	vars := []struct {
		name string
		set  func(string) error
	}{
		{"LISTEN", func(v string) error { s.listen = v; return nil }},
		{"BRIEF_MAX_BODY_BYTES", func(v string) error {
			n, err := parseCount(v)
			s.maxBody = int64(n)
			return err
		}},
		{"BRIEF_MAX_HEADER_BYTES", count(&s.maxHeaderBytes)},
		{"BRIEF_HEADER_READ_TIMEOUT", duration(&s.headerReadTimeout)},
		{"BRIEF_BODY_READ_TIMEOUT", duration(&s.bodyReadTimeout)},
		{"BRIEF_IDLE_TIMEOUT", duration(&s.idleTimeout)},
		{"BRIEF_MAX_CONNECTIONS", count(&s.maxConns)},
		{"BRIEF_H2_MAX_STREAMS", count(&s.h2MaxStreams)},
		{"BRIEF_H2_KEEPALIVE_INTERVAL", duration(&s.h2PingInterval)},
		{"BRIEF_H2_KEEPALIVE_TIMEOUT", duration(&s.h2PingTimeout)},
		{"BRIEF_GRACE_PERIOD", duration(&s.grace)},
		{"BRIEF_DRAIN_DELAY", duration(&s.drainDelay)},
	}
	defaults := defaultSettings()
	for _, v := range vars {
		value := strings.TrimSpace(getenv(v.name))
		if value == "" {
			continue
		}
		if err := v.set(value); err != nil {
			return defaults, fmt.Errorf("%s=%q: %v", v.name, value, err)
		}
	}
	if err := s.check(); err != nil {
		return defaults, err
	}
	return s, nil
}

// check rejects values the server cannot work with.
func (s *serverSettings) check() error {
	switch {
	case s.maxConns < 1:
		return fmt.Errorf("max connections must be at least 1")
	case s.h2MaxStreams < 1:
		return fmt.Errorf("HTTP/2 max streams must be at least 1")
	case s.maxHeaderBytes < 1024:
		return fmt.Errorf("max header bytes must be at least 1024")
	}
	return nil
}

const durationHelp = "not a duration (write e.g. 500ms, 10s, 2m)"

// parseDuration parses a whole number and a unit: 500ms, 10s, 2m, 1h; "0"
// alone is zero. (The Rust runtime accepts exactly the same forms.)
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	n, err := strconv.ParseUint(s[:digits], 10, 64)
	if err != nil {
		return 0, errors.New(durationHelp)
	}
	var unit uint64
	switch s[digits:] {
	case "ms":
		unit = 1
	case "s":
		unit = 1000
	case "m":
		unit = 60_000
	case "h":
		unit = 3_600_000
	default:
		return 0, errors.New(durationHelp)
	}
	const maxMillis = uint64(1<<63-1) / uint64(time.Millisecond)
	if n > maxMillis/unit {
		return 0, fmt.Errorf("duration too long")
	}
	return time.Duration(n*unit) * time.Millisecond, nil
}

func parseCount(s string) (int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("not a whole number")
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("number too large")
	}
	return n, nil
}
