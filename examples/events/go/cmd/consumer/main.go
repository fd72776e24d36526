// Command consumer serves consumers of the example's topics on $LISTEN (default
// 127.0.0.1:0, a free port) as the service $SERVICE_NAME, where the data bus
// delivers them. It prints "listening on <addr>", then
// "delivered <topic> <id> <data> from <source>" per event.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/brief-rpc/brief/examples/events/go/gen/accounts"
	"github.com/brief-rpc/brief/examples/events/go/internal/sample"
	brief "github.com/brief-rpc/brief/runtime/go"
)

// printer implements both generated consumer interfaces.
type printer struct{}

var (
	_ accounts.AccountOpenedConsumer = printer{}
	_ accounts.AccountClosedConsumer = printer{}
)

func (printer) OnAccountOpened(_ context.Context, e *brief.Event[accounts.AccountOpened]) error {
	fmt.Printf("delivered %s from %s\n", sample.Line(e.Topic, e.ID, &e.Data), e.Source)
	return nil
}

func (printer) OnAccountClosed(_ context.Context, e *brief.Event[accounts.AccountClosed]) error {
	fmt.Printf("delivered %s from %s\n", sample.Line(e.Topic, e.ID, &e.Data), e.Source)
	return nil
}

func main() {
	service := os.Getenv("SERVICE_NAME")
	if service == "" {
		fmt.Fprintln(os.Stderr, "consumer: set SERVICE_NAME, the service the bus delivers to")
		os.Exit(2)
	}
	listen := os.Getenv("LISTEN")
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "consumer: cannot listen on %s: %v\n", listen, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	h := brief.NewHandler([]brief.Procedure{
		accounts.NewAccountOpenedConsumer(service, printer{}),
		accounts.NewAccountClosedConsumer(service, printer{}),
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := brief.Serve(ctx, h, brief.WithListener(ln)); err != nil {
		fmt.Fprintf(os.Stderr, "consumer: %v\n", err)
		os.Exit(1)
	}
}
