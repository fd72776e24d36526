// Command faultserver answers for any brief service and fails on command: the
// fault-injecting server of the resilience scenarios (tests/resilience). It
// listens on data endpoints that answer POST /{service}/{rpc}, and on a
// control endpoint, driven over HTTP with JSON, that says how each data
// endpoint behaves and reports every request it saw.
//
// Usage: faultserver [-control 127.0.0.1:0]. The first line on stdout is
// {"control":"http://127.0.0.1:PORT"}. The control API is described in
// tests/resilience/README.md.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brief-rpc/brief/tests/resilience/go/fault"
)

type endpoint struct {
	index int
	addr  string
	ln    net.Listener
	srv   *http.Server
	steps []fault.Step // consumed one per request
	then  fault.Step   // once steps are used up
	down  bool
}

type server struct {
	mu        sync.Mutex
	endpoints []*endpoint
	log       []fault.Record
}

func main() {
	control := flag.String("control", "127.0.0.1:0", "address of the control endpoint")
	flag.Parse()
	ln, err := net.Listen("tcp", *control)
	if err != nil {
		log.Fatal(err)
	}
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /endpoints", s.handleEndpoints)
	mux.HandleFunc("POST /script", s.handleScript)
	mux.HandleFunc("POST /down", s.handleUpDown(true))
	mux.HandleFunc("POST /up", s.handleUpDown(false))
	mux.HandleFunc("GET /log", s.handleLog)
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.log = nil
		for _, e := range s.endpoints {
			e.steps, e.then = nil, fault.OK
		}
		s.mu.Unlock()
		reply(w, map[string]any{})
	})
	fmt.Printf("{\"control\":\"http://%s\"}\n", ln.Addr())
	os.Stdout.Sync()
	// The control connection's owner ends the server by closing stdin.
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	w.WriteHeader(http.StatusBadRequest)
	reply(w, map[string]string{"error": err.Error()})
}

// decode reads the JSON request body into a T; on error it answers 400 and
// reports false.
func decode[T any](w http.ResponseWriter, r *http.Request) (T, bool) {
	var v T
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		fail(w, err)
		return v, false
	}
	return v, true
}

// handleEndpoints replaces the data endpoints: {"count":N} opens N on
// 127.0.0.1 (each on its own port), {"hosts":["127.0.0.2",...]} one per host,
// all on one port (for dns+http://name:port).
func (s *server) handleEndpoints(w http.ResponseWriter, r *http.Request) {
	req, ok := decode[struct {
		Count int      `json:"count"`
		Hosts []string `json:"hosts"`
	}](w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.endpoints {
		e.srv.Close()
	}
	s.endpoints, s.log = nil, nil
	var addrs []string
	if len(req.Hosts) > 0 {
		var err error
		if addrs, err = samePort(req.Hosts); err != nil {
			fail(w, err)
			return
		}
	} else {
		for range req.Count {
			addrs = append(addrs, "127.0.0.1:0")
		}
	}
	var urls []string
	port := 0
	for i, a := range addrs {
		e := &endpoint{index: i, addr: a, then: fault.OK}
		if err := s.listen(e); err != nil {
			fail(w, err)
			return
		}
		e.addr = e.ln.Addr().String()
		port = e.ln.Addr().(*net.TCPAddr).Port
		s.endpoints = append(s.endpoints, e)
		urls = append(urls, "http://"+e.addr)
	}
	reply(w, map[string]any{"endpoints": urls, "port": port})
}

// samePort finds a port free on every host.
func samePort(hosts []string) ([]string, error) {
	for range 50 {
		ln, err := net.Listen("tcp", net.JoinHostPort(hosts[0], "0"))
		if err != nil {
			return nil, err
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		addrs := make([]string, len(hosts))
		ok := true
		for i, h := range hosts {
			addrs[i] = net.JoinHostPort(h, port)
			probe, err := net.Listen("tcp", addrs[i])
			if err != nil {
				ok = false
				break
			}
			probe.Close()
		}
		if ok {
			return addrs, nil
		}
	}
	return nil, errors.New("no port free on every host")
}

func (s *server) listen(e *endpoint) error {
	ln, err := net.Listen("tcp", e.addr)
	if err != nil {
		return err
	}
	e.ln = ln
	e.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(e, w, r) })}
	go e.srv.Serve(ln)
	return nil
}

// handleScript sets what endpoints do: {"endpoint":N (or -1 for all),
// "steps":[step...], "then":step}.
func (s *server) handleScript(w http.ResponseWriter, r *http.Request) {
	req, ok := decode[struct {
		Endpoint int          `json:"endpoint"`
		Steps    []fault.Step `json:"steps"`
		Then     *fault.Step  `json:"then"`
	}](w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.endpoints {
		if req.Endpoint >= 0 && e.index != req.Endpoint {
			continue
		}
		e.steps = append([]fault.Step(nil), req.Steps...)
		e.then = fault.OK
		if req.Then != nil {
			e.then = *req.Then
		}
	}
	reply(w, map[string]any{})
}

// handleUpDown stops an endpoint listening (connections are refused) or
// starts it again on the same address: {"endpoint":N}.
func (s *server) handleUpDown(down bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := decode[struct {
			Endpoint int `json:"endpoint"`
		}](w, r)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if req.Endpoint < 0 || req.Endpoint >= len(s.endpoints) {
			fail(w, fmt.Errorf("no endpoint %d", req.Endpoint))
			return
		}
		e := s.endpoints[req.Endpoint]
		switch {
		case down && !e.down:
			e.srv.Close()
		case !down && e.down:
			if err := s.listen(e); err != nil {
				fail(w, err)
				return
			}
		}
		e.down = down
		reply(w, map[string]any{})
	}
}

func (s *server) handleLog(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	reply(w, map[string]any{"requests": append([]fault.Record{}, s.log...)})
}

func (s *server) serve(e *endpoint, w http.ResponseWriter, r *http.Request) {
	at := time.Now().UnixMicro()
	io.Copy(io.Discard, r.Body)
	s.mu.Lock()
	st := e.then
	if len(e.steps) > 0 {
		st, e.steps = e.steps[0], e.steps[1:]
	}
	s.log = append(s.log, fault.Record{
		Endpoint:  e.index,
		RPC:       r.URL.Path,
		Attempt:   r.Header.Get("X-Brief-Attempt"),
		RequestID: r.Header.Get("X-Request-Id"),
		AtUs:      at,
		Did:       st.Do,
	})
	s.mu.Unlock()
	if st.DelayMs > 0 {
		select {
		case <-time.After(time.Duration(st.DelayMs) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	if st.RetryAfter != "" {
		w.Header().Set("Retry-After", st.RetryAfter)
	}
	connect := func(status int, code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%q,"message":"fault server: %s on purpose"}`, code, code)
	}
	switch strings.ToLower(st.Do) {
	case "ok", "":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"endpoint":%d}`, e.index)
	case "503":
		connect(503, "unavailable")
	case "429":
		connect(429, "resource_exhausted")
	case "invalid_argument":
		connect(400, "invalid_argument")
	case "502html":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>from the fault server's pretend proxy</body></html>")
	case "reset":
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) // close sends RST
		}
		conn.Close()
	default:
		w.WriteHeader(500)
		fmt.Fprintf(w, "fault server: unknown step %q", st.Do)
	}
}
