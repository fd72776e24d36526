// Command bare-server is the baseline of examples/summer/bench: a bare
// net/http server with nothing but what any net/http server has (HTTP/1.1 and
// h2c on one port, no timeouts). It reads the request body and answers every
// request with a fixed {"sum":3}: no routing, checks, context, deadline,
// metrics or JSON work, so the generated server's requests/s over this one is
// the share of its throughput that brief's runtime keeps.
//
// Serves on $LISTEN (default 127.0.0.1:8080) until killed.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

var (
	answer   = []byte(`{"sum":3}`)
	jsonType = []string{"application/json"}
)

func handle(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header()["Content-Type"] = jsonType
	w.Write(answer)
}

func main() {
	listen := os.Getenv("LISTEN")
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bare-server: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "INFO bare-server: serving addr=%s\n", ln.Addr())
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: http.HandlerFunc(handle), Protocols: protocols}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "bare-server: %v\n", err)
		os.Exit(1)
	}
}
