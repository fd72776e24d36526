// Command server serves the summer service on $LISTEN (default 127.0.0.1:8080),
// over HTTP/1.1 and h2c, until SIGTERM or SIGINT.
package main

import (
	"context"
	"log"

	"github.com/brief-rpc/brief/examples/summer/go/gen/summer"
	brief "github.com/brief-rpc/brief/runtime/go"
)

// server implements the generated summer.SummerServer.
type server struct{}

func (server) Sum(_ context.Context, in *summer.SumIn) (*summer.SumOut, error) {
	return &summer.SumOut{Sum: in.A + in.B}, nil
}

func main() {
	if err := brief.ListenAndServe(summer.NewSummerHandler(server{})); err != nil {
		log.Fatal(err)
	}
}
