package brief

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Resolver resolves the host of a dns+http:// endpoint to its addresses.
// *net.Resolver implements it (net.DefaultResolver is the default). It is
// called in the background, never on the request path.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// EnvVarName returns the environment variable that holds a service's URL:
// SERVICE_<NAME>_URL with the name upper-cased and '-' and '.' turned to '_'.
func EnvVarName(service string) string {
	return "SERVICE_" + strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '.':
			return '_'
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, service) + "_URL"
}

// source is one entry of an endpoint list: a base URL, or (host set) every
// address of host as http://addr:port/path.
type source struct {
	url  string // normalized base URL, for a plain entry
	host string // for dns+http
	port int
	path string
}

func (s source) String() string {
	if s.host == "" {
		return s.url
	}
	return "dns+http://" + s.host + ":" + strconv.Itoa(s.port) + s.path
}

// parseEndpointList parses a comma-separated endpoint list: spaces around
// entries and empty entries are ignored, a repeated entry counts once. The
// rules are pinned by tests/vectors/discovery.json.
func parseEndpointList(value string) ([]source, error) {
	var out []source
	for _, entry := range strings.Split(value, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		s, err := parseBaseURL(entry)
		if err != nil {
			return nil, fmt.Errorf("%q: %s", entry, err)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("holds no URL")
	}
	return out, nil
}

// parseBaseURL parses http://host[:port][/path] or dns+http://host[:port][/path].
func parseBaseURL(u string) (source, error) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return source{}, errors.New("expected http://host:port or dns+http://host:port")
	}
	var dns bool
	switch strings.ToLower(scheme) {
	case "http":
	case "dns+http":
		dns = true
	case "https", "dns+https":
		return source{}, errors.New("https is not supported: brief clients speak plain HTTP (TLS belongs to the mesh or a sidecar)")
	default:
		return source{}, fmt.Errorf("unsupported scheme %q: expected http:// or dns+http://", scheme)
	}
	cut := strings.IndexAny(rest, "/?#")
	if cut < 0 {
		cut = len(rest)
	}
	authority, tail := rest[:cut], rest[cut:]
	switch {
	case strings.Contains(tail, "?"):
		return source{}, errors.New("a base URL has no query")
	case strings.Contains(tail, "#"):
		return source{}, errors.New("a base URL has no fragment")
	case strings.ContainsFunc(tail, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return source{}, errors.New("bad character in path")
	case strings.Contains(authority, "@"):
		return source{}, errors.New("a base URL has no user info")
	}
	host, port, err := splitHostPort(authority)
	if err != nil {
		return source{}, err
	}
	path := strings.TrimRight(tail, "/")
	if dns {
		if port == 0 {
			port = 80
		}
		return source{host: host, port: port, path: path}, nil
	}
	if port == 0 {
		return source{url: "http://" + host + path}, nil
	}
	return source{url: "http://" + host + ":" + strconv.Itoa(port) + path}, nil
}

// splitHostPort splits host[:port] ([v6]:port for IPv6); the host comes back
// lower-cased, an IPv6 address in brackets; port 0 means none was given.
func splitHostPort(authority string) (string, int, error) {
	var host, port string
	hasPort := false
	if v6, ok := strings.CutPrefix(authority, "["); ok {
		addr, after, ok := strings.Cut(v6, "]")
		if a, err := netip.ParseAddr(addr); !ok || err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, errors.New("bad IPv6 address")
		}
		if after != "" {
			p, ok := strings.CutPrefix(after, ":")
			if !ok {
				return "", 0, errors.New("bad port")
			}
			port, hasPort = p, true
		}
		host = "[" + strings.ToLower(addr) + "]"
	} else {
		host = authority
		if i := strings.LastIndexByte(authority, ':'); i >= 0 {
			host, port, hasPort = authority[:i], authority[i+1:], true
		}
		if host == "" {
			return "", 0, errors.New("missing host")
		}
		for i := 0; i < len(host); i++ {
			c := host[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
				return "", 0, errors.New("bad host")
			}
		}
		host = strings.ToLower(host)
	}
	if !hasPort {
		return host, 0, nil
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return "", 0, errors.New("bad port")
	}
	return host, n, nil
}

// endpointOptions is what every endpoint of a client is built with.
type endpointOptions struct {
	breaker      *BreakerPolicy // nil: no breaker
	avoidMs      int64
	logger       *slog.Logger
	dnsRefresh   time.Duration
	resolver     Resolver
	explicitURLs []string
}

// endpointSet holds a client's current endpoints: a snapshot swapped whole
// when DNS answers change, so a call reads it with one atomic load.
type endpointSet struct {
	service  string
	sources  []source
	opts     endpointOptions
	current  atomic.Pointer[[]*endpoint]
	mu       sync.Mutex // serializes refreshes; guards resolved and lastErr
	resolved [][]string // last good addresses of each dns source
	lastErr  string
	stop     chan struct{}
	stopOnce sync.Once
}

// discoverEndpoints reads the endpoint list of service (explicit URLs, else
// its environment variable), resolves dns+http entries once now and, when
// there are any, starts the goroutine that re-resolves them.
func discoverEndpoints(service string, opts endpointOptions) (*endpointSet, error) {
	value, origin := strings.Join(opts.explicitURLs, ","), "WithBaseURL"
	if len(opts.explicitURLs) == 0 {
		name := EnvVarName(service)
		value, origin = strings.TrimSpace(os.Getenv(name)), name
		if value == "" {
			return nil, fmt.Errorf("brief: no address for service %q: set %s (e.g. %s=http://host:8080) or use brief.WithBaseURL", service, name, name)
		}
	}
	sources, err := parseEndpointList(value)
	if err != nil {
		return nil, fmt.Errorf("brief: bad endpoint for service %q in %s: %v", service, origin, err)
	}
	s := &endpointSet{service: service, sources: sources, opts: opts, resolved: make([][]string, len(sources))}
	empty := []*endpoint{}
	s.current.Store(&empty)
	s.refresh(true)
	for _, src := range sources {
		if src.host != "" {
			s.stop = make(chan struct{})
			go s.refreshLoop()
			break
		}
	}
	return s, nil
}

func (s *endpointSet) snapshot() []*endpoint { return *s.current.Load() }

func (s *endpointSet) close() {
	if s.stop != nil {
		s.stopOnce.Do(func() { close(s.stop) })
	}
}

func (s *endpointSet) refreshLoop() {
	every := max(s.opts.dnsRefresh, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.refresh(false)
		}
	}
}

// whyEmpty says why there is no endpoint, for the error of a call.
func (s *endpointSet) whyEmpty() string {
	names := make([]string, len(s.sources))
	for i, src := range s.sources {
		names[i] = src.String()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr != "" {
		return strings.Join(names, ", ") + " resolved to no address (" + s.lastErr + ")"
	}
	return strings.Join(names, ", ") + " resolved to no address"
}

// refresh resolves every dns+http source and swaps in the new endpoint list
// when it changed, keeping the endpoints (breaker, in-flight count) that stay.
// Changes after the initial resolution are logged.
func (s *endpointSet) refresh(initial bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urls []string
	for i, src := range s.sources {
		if src.host == "" {
			urls = append(urls, src.url)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(s.opts.dnsRefresh, 5*time.Second))
		addrs, err := s.opts.resolver.LookupHost(ctx, src.host)
		cancel()
		switch {
		case err != nil:
			s.resolveFailed(src, err.Error())
		case len(addrs) == 0:
			s.resolveFailed(src, "no address")
		default:
			list := make([]string, 0, len(addrs))
			for _, a := range addrs {
				list = append(list, "http://"+net.JoinHostPort(a, strconv.Itoa(src.port))+src.path)
			}
			slices.Sort(list)
			s.resolved[i] = slices.Compact(list)
		}
		urls = append(urls, s.resolved[i]...)
	}
	seen := make(map[string]bool, len(urls))
	urls = slices.DeleteFunc(urls, func(u string) bool {
		dup := seen[u]
		seen[u] = true
		return dup
	})
	old := s.snapshot()
	if slices.EqualFunc(old, urls, func(e *endpoint, u string) bool { return e.url == u }) {
		return
	}
	next := make([]*endpoint, len(urls))
	for i, u := range urls {
		if j := slices.IndexFunc(old, func(e *endpoint) bool { return e.url == u }); j >= 0 {
			next[i] = old[j]
		} else {
			next[i] = newEndpoint(s.service, u, &s.opts)
		}
	}
	if !initial {
		s.opts.logger.Info("brief client endpoints changed", "service", s.service, "endpoints", urls)
	}
	s.current.Store(&next)
}

func (s *endpointSet) resolveFailed(src source, why string) {
	s.opts.logger.Warn("brief client: resolving endpoints failed; keeping the last good ones", "service", s.service, "source", src.String(), "error", why)
	s.lastErr = why
}
