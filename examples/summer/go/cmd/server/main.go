// Command server serves the summer service on $LISTEN (default 127.0.0.1:8080),
// over HTTP/1.1 and h2c, until SIGTERM or SIGINT; the BRIEF_* environment
// variables set its limits and timeouts (docs/protocol.md).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/brief-rpc/brief/examples/summer/go/gen/summer"
	brief "github.com/brief-rpc/brief/runtime/go"
)

// server implements the generated summer.SummerServer.
type server struct{}

func (server) Sum(_ context.Context, in *summer.SumIn) (*summer.SumOut, error) {
	sum := in.A + in.B
	// Two's-complement addition overflowed iff both operands share a sign the sum lacks.
	if (in.A >= 0) == (in.B >= 0) && (sum >= 0) != (in.A >= 0) {
		return nil, brief.NewError(brief.CodeOutOfRange, "the sum does not fit in 64 bits")
	}
	return &summer.SumOut{Sum: sum}, nil
}

func main() {
	if err := brief.ListenAndServe(summer.NewSummerHandler(server{})); err != nil {
		fmt.Fprintf(os.Stderr, "summer-server: %v\n", err)
		os.Exit(1)
	}
}
