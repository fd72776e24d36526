// Command runner is the Go scenario runner of the resilience scenarios
// (tests/resilience/README.md): it reads one JSON command per line on stdin,
// makes the calls it asks for through the generated client of
// tests/resilience/contract/chaos.brief, and writes one JSON answer per line.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
	"github.com/brief-rpc/brief/tests/resilience/go/gen/chaos"
)

// command is one line of input; which fields matter depends on Op.
type command struct {
	Op string `json:"op"`
	// client
	URLs                     []string `json:"urls"`
	Breaker                  *bool    `json:"breaker"`
	CoolDownMs               int      `json:"cool_down_ms"`
	Budget                   *bool    `json:"budget"`
	MaxAttempts              int      `json:"max_attempts"`
	BaseBackoffMs            int      `json:"base_backoff_ms"`
	MaxBackoffMs             int      `json:"max_backoff_ms"`
	AvoidAfterConnectErrorMs *int     `json:"avoid_after_connect_error_ms"`
	DNSRefreshMs             int      `json:"dns_refresh_ms"`
	// call
	RPC         string `json:"rpc"`
	Count       int    `json:"count"`
	Concurrency int    `json:"concurrency"`
	TimeoutMs   int    `json:"timeout_ms"`
}

type result struct {
	Code      string `json:"code"`
	Message   string `json:"message,omitempty"`
	StartUs   int64  `json:"start_us"`
	ElapsedUs int64  `json:"elapsed_us"`
	Endpoint  int64  `json:"endpoint"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	var client *chaos.ChaosClient
	for in.Scan() {
		var cmd command
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			out.Encode(map[string]any{"ok": false, "error": err.Error()})
			continue
		}
		switch cmd.Op {
		case "hello":
			out.Encode(map[string]any{"ok": true, "language": "go"})
		case "client":
			c, err := newClient(cmd)
			if err != nil {
				out.Encode(map[string]any{"ok": false, "error": err.Error()})
				continue
			}
			client = c
			out.Encode(map[string]any{"ok": true})
		case "call":
			if client == nil {
				out.Encode(map[string]any{"ok": false, "error": "no client yet"})
				continue
			}
			results, err := calls(client, cmd)
			if err != nil {
				out.Encode(map[string]any{"ok": false, "error": err.Error()})
				continue
			}
			out.Encode(map[string]any{"ok": true, "results": results})
		case "metrics":
			out.Encode(map[string]any{"ok": true, "text": brief.ClientMetricsText()})
		default:
			out.Encode(map[string]any{"ok": false, "error": fmt.Sprintf("unknown op %q", cmd.Op)})
		}
	}
}

func newClient(cmd command) (*chaos.ChaosClient, error) {
	opts := []brief.ClientOption{brief.WithBaseURL(cmd.URLs...), brief.WithClientLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}
	if cmd.Breaker != nil && !*cmd.Breaker {
		opts = append(opts, brief.WithoutCircuitBreaker())
	} else if cmd.CoolDownMs > 0 {
		opts = append(opts, brief.WithCircuitBreaker(brief.BreakerPolicy{CoolDown: time.Duration(cmd.CoolDownMs) * time.Millisecond}))
	}
	if cmd.Budget != nil && !*cmd.Budget {
		opts = append(opts, brief.WithoutRetryBudget())
	}
	opts = append(opts, brief.WithRetry(brief.RetryPolicy{
		MaxAttempts: cmd.MaxAttempts,
		BaseBackoff: time.Duration(cmd.BaseBackoffMs) * time.Millisecond,
		MaxBackoff:  time.Duration(cmd.MaxBackoffMs) * time.Millisecond,
	}))
	if cmd.AvoidAfterConnectErrorMs != nil {
		opts = append(opts, brief.WithAvoidAfterConnectError(time.Duration(*cmd.AvoidAfterConnectErrorMs)*time.Millisecond))
	}
	if cmd.DNSRefreshMs > 0 {
		opts = append(opts, brief.WithDNSRefresh(time.Duration(cmd.DNSRefreshMs)*time.Millisecond))
	}
	return chaos.NewChaosClient(opts...)
}

func calls(c *chaos.ChaosClient, cmd command) ([]result, error) {
	method := map[string]func(context.Context, *chaos.Ask, ...brief.CallOption) (*chaos.Reply, error){
		"read": c.Read, "put": c.Put, "create": c.Create,
	}[cmd.RPC]
	if method == nil {
		return nil, fmt.Errorf("unknown rpc %q", cmd.RPC)
	}
	count, workers := max(cmd.Count, 1), max(cmd.Concurrency, 1)
	var opts []brief.CallOption
	if cmd.TimeoutMs > 0 {
		opts = append(opts, brief.WithTimeout(time.Duration(cmd.TimeoutMs)*time.Millisecond))
	}
	results := make([]result, count)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= count {
					return
				}
				start := time.Now()
				out, err := method(context.Background(), &chaos.Ask{}, opts...)
				r := result{Code: "ok", StartUs: start.UnixMicro(), ElapsedUs: time.Since(start).Microseconds(), Endpoint: -1}
				if err != nil {
					var be *brief.Error
					errors.As(err, &be)
					r.Code, r.Message = string(brief.CodeOf(err)), err.Error()
					if be != nil {
						r.Message = be.Message
					}
				} else {
					r.Endpoint = out.Endpoint
				}
				results[i] = r
			}
		}()
	}
	wg.Wait()
	return results, nil
}
