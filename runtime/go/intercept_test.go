package brief_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	brief "github.com/brief-rpc/brief/runtime/go"
)

func TestHandlerInterceptorsWrapEveryRPCInOrder(t *testing.T) {
	var mu sync.Mutex
	var log []string
	record := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	outer := func(next brief.UnaryFunc) brief.UnaryFunc {
		return func(ctx context.Context, call *brief.IncomingCall) (any, error) {
			info := brief.CallInfoFromContext(ctx)
			record(fmt.Sprintf("outer %s idempotent=%v id=%d in=%T", call.RPC.Name, call.RPC.Idempotent, len(info.RequestID), call.Input))
			call.ResponseHeader.Set("X-Seen-By", "outer")
			out, err := next(ctx, call)
			record(fmt.Sprintf("outer done %T %v", out, brief.CodeOf(err)))
			return out, err
		}
	}
	auth := func(next brief.UnaryFunc) brief.UnaryFunc {
		return func(ctx context.Context, call *brief.IncomingCall) (any, error) {
			record("auth")
			if call.Header.Get("Authorization") == "" {
				return nil, brief.NewError(brief.CodeUnauthenticated, "log in first")
			}
			return next(ctx, call)
		}
	}
	h := NewSummerHandler(&summer{}, brief.WithLogger(quietLogger), brief.WithHandlerInterceptors(outer, auth))
	base, _, _ := serve(t, h)

	doRaw(t, base, rawCase{method: "POST", path: "/summer/sum", contentType: "application/json", body: `{"a":1,"b":2}`,
		header: map[string]string{"X-Request-Id": strings.Repeat("r", 10_000)}, status: 401, code: brief.CodeUnauthenticated, msg: "log in"})
	// Bad input never reaches the interceptors.
	doRaw(t, base, rawCase{method: "POST", path: "/summer/sum", contentType: "application/json", body: `{"a":1}`,
		status: 400, code: brief.CodeInvalidArgument, msg: "b: required"})
	req, _ := http.NewRequest("POST", base+"/summer/sum", strings.NewReader(`{"a":1,"b":2}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("X-Request-Id", "req-7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Seen-By") != "outer" {
		t.Fatalf("status %d, X-Seen-By %q", resp.StatusCode, resp.Header.Get("X-Seen-By"))
	}
	want := []string{
		// A 10,000-character request id is replaced by a fresh 36-character one.
		"outer sum idempotent=true id=36 in=*brief_test.SumIn",
		"auth",
		"outer done <nil> unauthenticated",
		"outer sum idempotent=true id=5 in=*brief_test.SumIn",
		"auth",
		"outer done *brief_test.SumOut ",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}

func TestAnInterceptorReturningTheWrongTypeIsInternal(t *testing.T) {
	wrong := func(next brief.UnaryFunc) brief.UnaryFunc {
		return func(ctx context.Context, call *brief.IncomingCall) (any, error) { return "nope", nil }
	}
	h := NewSummerHandler(&summer{}, brief.WithLogger(quietLogger), brief.WithHandlerInterceptors(wrong))
	base, _, _ := serve(t, h)
	doRaw(t, base, rawCase{method: "POST", path: "/summer/sum", contentType: "application/json", body: `{"a":1,"b":2}`,
		status: 500, code: brief.CodeInternal, msg: "string"})
}
