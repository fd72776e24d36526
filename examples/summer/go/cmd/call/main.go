// Command call adds two numbers with the summer service found at
// $SERVICE_SUMMER_URL and prints the JSON answer: `call 1 2` prints {"sum":3}.
//
// The variable may list several endpoints (http://a:8080,http://b:8080) or
// name a headless service (dns+http://summer:8080). The generated client's
// resilience layers do the rest: sum is idempotent, so a failed attempt is
// retried on another endpoint within the 300 ms deadline; a dead endpoint is
// skipped; when no endpoint answers the call fails at once with unavailable
// saying why (docs/resilience.md).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/brief-rpc/brief/examples/summer/go/gen/summer"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: call A B   (two whole numbers)")
		os.Exit(2)
	}
	a, errA := strconv.ParseInt(os.Args[1], 10, 64)
	b, errB := strconv.ParseInt(os.Args[2], 10, 64)
	if errA != nil || errB != nil {
		fmt.Fprintln(os.Stderr, "usage: call A B   (two whole numbers)")
		os.Exit(2)
	}
	client, err := summer.NewSummerClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	out, err := client.Sum(context.Background(), &summer.SumIn{A: a, B: b})
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	answer, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Println(string(answer))
}
