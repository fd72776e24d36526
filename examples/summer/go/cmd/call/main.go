// Command call adds two numbers with the summer service found at
// $SERVICE_SUMMER_URL and prints the JSON answer: `call 1 2` prints {"sum":3}.
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
