// Command probe-server serves the probe contract (tests/rust/contracts/probe.brief) on
// $LISTEN (default 127.0.0.1:8080), over HTTP/1.1 and h2c, until SIGTERM or SIGINT. It
// is the Go counterpart of the Rust probe-server binary, for the interop tests.
package main

import (
	"log"

	brief "github.com/brief-rpc/brief/runtime/go"
	"github.com/brief-rpc/brief/tests/interop/go/gen/probe"
	"github.com/brief-rpc/brief/tests/interop/go/probeimpl"
)

func main() {
	if err := brief.ListenAndServe(probe.NewProbeHandler(probeimpl.Service{})); err != nil {
		log.Fatal(err)
	}
}
