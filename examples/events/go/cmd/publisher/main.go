// Command publisher publishes the example's events to the data bus at
// $SERVICE_DATA_BUS_URL, as $SERVICE_NAME: account-opened events one by one,
// account-closed events in one batch, and one event twice with the same id (a retry
// after a lost answer, which the bus stores once). It prints
// "published <topic> <id> <data>" once the bus has each.
// "publisher [N]": N events of each kind (default 3).
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/brief-rpc/brief/examples/events/go/gen/accounts"
	"github.com/brief-rpc/brief/examples/events/go/internal/sample"
	brief "github.com/brief-rpc/brief/runtime/go"
)

func main() {
	n := int64(3)
	if len(os.Args) > 1 {
		v, err := strconv.ParseInt(os.Args[1], 10, 64)
		if err != nil || v <= 0 {
			fmt.Fprintln(os.Stderr, "usage: publisher [N]   (N > 0 events of each kind)")
			os.Exit(2)
		}
		n = v
	}
	if err := publish(context.Background(), n); err != nil {
		fmt.Fprintf(os.Stderr, "publisher: %v\n", err)
		os.Exit(1)
	}
}

func publish(ctx context.Context, n int64) error {
	bus, err := brief.NewPublisher()
	if err != nil {
		return err
	}
	opened := accounts.NewAccountOpenedPublisher(bus)
	for i := int64(1); i <= n; i++ {
		event := sample.Opened(i)
		id, err := opened.Publish(ctx, event)
		if err != nil {
			return err
		}
		fmt.Println("published " + sample.Line(accounts.TopicAccountOpened, id, event))
	}

	batch := make([]*accounts.AccountClosed, 0, n)
	for i := int64(1); i <= n; i++ {
		batch = append(batch, sample.Closed(i))
	}
	ids, err := accounts.NewAccountClosedPublisher(bus).PublishBatch(ctx, batch)
	if err != nil {
		return err
	}
	for i, id := range ids {
		fmt.Println("published " + sample.Line(accounts.TopicAccountClosed, id, batch[i]))
	}

	// The same event sent twice, as a publisher does when the bus's answer was lost.
	event := sample.Opened(n + 1)
	built := bus.Event(ctx, accounts.TopicAccountOpened, event)
	for range 2 {
		if err := bus.Send(ctx, built); err != nil {
			return err
		}
	}
	fmt.Println("published " + sample.Line(accounts.TopicAccountOpened, built.ID, event))
	return nil
}
