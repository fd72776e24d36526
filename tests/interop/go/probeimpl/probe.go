// Package probeimpl implements the generated probe.ProbeServer with the semantics of
// tests/rust/src/probe.rs, so that a Go probe server and a Rust one are interchangeable.
package probeimpl

import (
	"context"
	"fmt"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
	"github.com/brief-rpc/brief/tests/interop/go/gen/probe"
)

// Service answers every rpc of probe as its contract documents.
type Service struct{}

var _ probe.ProbeServer = Service{}

// Seen is what a hop reports about the request it is serving: the request id, the
// trace id, the span id of the incoming traceparent, the remaining deadline in ms
// (-1 without one) and the caller's name.
func Seen(ctx context.Context) probe.Seen {
	var s probe.Seen
	if info := brief.CallInfoFromContext(ctx); info != nil {
		s.RequestID, s.TraceID, s.SpanID = info.RequestID, info.TraceID, info.ParentSpanID
		if info.Caller != "" {
			caller := info.Caller
			s.Caller = &caller
		}
	}
	s.RemainingMs = -1
	if deadline, ok := ctx.Deadline(); ok {
		s.RemainingMs = max(time.Until(deadline).Milliseconds(), 0)
	}
	return s
}

// Echo returns its input.
func (Service) Echo(_ context.Context, in *probe.Everything) (*probe.Everything, error) {
	return in, nil
}

// Fail fails with the code it is asked for (invalid_argument for an unknown code).
func (Service) Fail(_ context.Context, in *probe.FailIn) (*probe.Empty, error) {
	code := brief.Code(in.Code)
	if !code.Valid() {
		return nil, brief.Errorf(brief.CodeInvalidArgument, "no such code: %s", in.Code)
	}
	return nil, brief.NewError(code, in.Message)
}

// Find returns Conflict (with the contract's doc as its message) when asked to,
// NotFound{id, what: "item"} with the message "no item with id <id>" for ids <= 0,
// and the id otherwise.
func (Service) Find(_ context.Context, in *probe.FindIn) (*probe.Found, error) {
	if in.Conflict {
		return nil, &probe.Conflict{}
	}
	if in.ID <= 0 {
		what := "item"
		return nil, (&probe.NotFound{ID: in.ID, What: &what}).WithMessage(fmt.Sprintf("no item with id %d", in.ID))
	}
	return &probe.Found{ID: in.ID}, nil
}

// Crash panics.
func (Service) Crash(context.Context, *probe.Empty) (*probe.Empty, error) {
	panic("the crash rpc panics on purpose")
}

// Sleep sleeps for the given milliseconds, or until the deadline.
func (Service) Sleep(ctx context.Context, in *probe.SleepIn) (*probe.Empty, error) {
	t := time.NewTimer(time.Duration(max(in.Millis, 0)) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return &probe.Empty{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hop reports what it saw, then calls the first of next with the rest and appends
// what the downstream hops saw.
func (Service) Hop(ctx context.Context, in *probe.HopIn) (*probe.HopOut, error) {
	out := &probe.HopOut{Seen: []probe.Seen{Seen(ctx)}}
	if len(in.Next) == 0 {
		return out, nil
	}
	client, err := probe.NewProbeClient(brief.WithBaseURL(in.Next[0]))
	if err != nil {
		return nil, err
	}
	downstream, err := client.Hop(ctx, &probe.HopIn{Next: in.Next[1:]})
	if err != nil {
		return nil, err
	}
	out.Seen = append(out.Seen, downstream.Seen...)
	return out, nil
}
