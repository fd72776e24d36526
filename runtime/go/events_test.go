package brief_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// fakeBus stands in for the data bus: it keeps every publish body, or answers
// unavailable while down.
type fakeBus struct {
	mu     sync.Mutex
	bodies []map[string][]map[string]any
	down   atomic.Bool
}

type accepted struct {
	Accepted int `json:"accepted"`
}

func (b *fakeBus) publish(ctx context.Context, in *json.RawMessage) (*accepted, error) {
	if b.down.Load() {
		return nil, brief.NewError(brief.CodeUnavailable, "bus restarting")
	}
	var body map[string][]map[string]any
	if err := json.Unmarshal(*in, &body); err != nil {
		return nil, brief.NewError(brief.CodeInvalidArgument, err.Error())
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, body)
	b.mu.Unlock()
	return &accepted{Accepted: len(body["events"])}, nil
}

func (b *fakeBus) events() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var all []map[string]any
	for _, body := range b.bodies {
		all = append(all, body["events"]...)
	}
	return all
}

func startFakeBus(t *testing.T) (*fakeBus, string) {
	bus := &fakeBus{}
	h := brief.NewHandler([]brief.Procedure{brief.NewProcedure(&brief.PublishRPC, bus.publish)}, brief.WithLogger(quietLogger))
	base, _, _ := serve(t, h)
	return bus, base
}

func newPublisher(t *testing.T, base string, opts ...brief.PublisherOption) *brief.Publisher {
	t.Helper()
	c, err := brief.NewClient(brief.DataBusService, brief.WithBaseURL(base))
	if err != nil {
		t.Fatal(err)
	}
	p, err := brief.NewPublisher(append([]brief.PublisherOption{brief.WithPublisherClient(c), brief.WithSource("accounts"), brief.WithPublisherLogger(quietLogger)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPublishSendsACloudEventWithTheTraceAndWaitsForTheBus(t *testing.T) {
	bus, base := startFakeBus(t)
	p := newPublisher(t, base)
	info := brief.NewCallInfo()
	ctx := brief.WithCallInfo(context.Background(), info)
	before := time.Now().Add(-time.Millisecond)
	id, err := p.Publish(ctx, "service.create", &SumIn{A: 1, B: 2})
	if err != nil {
		t.Fatal(err)
	}
	events := bus.events()
	if len(events) != 1 {
		t.Fatalf("returned before the bus stored the event: %v", events)
	}
	e := events[0]
	for k, want := range map[string]any{"id": id, "specversion": "1.0", "source": "accounts", "type": "service.create", "datacontenttype": "application/json"} {
		if e[k] != want {
			t.Errorf("%s = %v, want %v", k, e[k], want)
		}
	}
	if len(id) != 36 {
		t.Errorf("id %q is not a UUID", id)
	}
	data, _ := json.Marshal(e["data"])
	if string(data) != `{"a":1,"b":2}` {
		t.Errorf("data = %s", data)
	}
	when, err := brief.ParseTime(e["time"].(string))
	if err != nil || when.Before(before) || when.After(time.Now()) {
		t.Errorf("time = %v (%v)", e["time"], err)
	}
	tp := e["traceparent"].(string)
	if !strings.HasPrefix(tp, "00-"+info.TraceID+"-") {
		t.Errorf("traceparent %q is not under the request's trace %s", tp, info.TraceID)
	}

	// A batch of built events is one request.
	a, b := p.Event(ctx, "service.create", SumIn{A: 3}), p.Event(ctx, "service.create", SumIn{A: 4})
	if err := p.Send(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if n := len(bus.bodies); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	got := bus.events()
	if got[1]["id"] != a.ID || got[2]["id"] != b.ID || a.ID == b.ID {
		t.Errorf("batch ids %v %v, sent %s %s", got[1]["id"], got[2]["id"], a.ID, b.ID)
	}
}

func TestPublishWithoutBufferFailsWhenTheBusIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	p := newPublisher(t, base)
	_, err = p.Publish(context.Background(), "a.b", &SumIn{})
	if brief.CodeOf(err) != brief.CodeUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
}

func TestTheBufferKeepsEventsWhileTheBusIsDownAndSendsThemInOrder(t *testing.T) {
	bus, base := startFakeBus(t)
	bus.down.Store(true)
	p := newPublisher(t, base, brief.WithEventBuffer(3))
	var ids []string
	for i := range 3 {
		id, err := p.Publish(context.Background(), "t.x", &SumIn{A: int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if p.Buffered() != 3 {
		t.Fatalf("buffered %d, want 3", p.Buffered())
	}
	_, err := p.Publish(context.Background(), "t.x", &SumIn{A: 9})
	if brief.CodeOf(err) != brief.CodeResourceExhausted || !strings.Contains(err.Error(), "event buffer full (3 of 3 events)") {
		t.Fatalf("err = %v, want a full buffer", err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := p.Flush(short); brief.CodeOf(err) != brief.CodeDeadlineExceeded {
		t.Fatalf("flush while down: %v", err)
	}
	bus.down.Store(false)
	ctx, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := p.Publish(context.Background(), "t.x", &SumIn{A: 3})
	if err != nil {
		t.Fatal(err)
	}
	ids = append(ids, id)
	var sent []string
	for _, e := range bus.events() {
		sent = append(sent, e["id"].(string))
	}
	if strings.Join(sent, ",") != strings.Join(ids, ",") {
		t.Fatalf("sent %v, want %v", sent, ids)
	}
}

func TestNewPublisherNamesWhatIsMissing(t *testing.T) {
	t.Setenv("SERVICE_NAME", "")
	if _, err := brief.NewPublisher(); err == nil || !strings.Contains(err.Error(), "SERVICE_NAME") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("SERVICE_NAME", "accounts")
	t.Setenv("SERVICE_DATA_BUS_URL", "")
	if _, err := brief.NewPublisher(); err == nil || !strings.Contains(err.Error(), "SERVICE_DATA_BUS_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestAConsumerDecodesStrictlyAndItsErrorsMeanDeliverAgain(t *testing.T) {
	var mu sync.Mutex
	var got []*brief.Event[SumIn]
	consumer := brief.NewConsumer[SumIn]("billing", "service.create", func(ctx context.Context, e *brief.Event[SumIn]) error {
		if info := brief.CallInfoFromContext(ctx); info == nil || info.RequestID != e.ID {
			t.Errorf("the bus sends the event id as X-Request-Id: %+v", info)
		}
		if e.Data.A < 0 {
			return brief.NewError(brief.CodeUnavailable, "not now")
		}
		mu.Lock()
		got = append(got, e)
		mu.Unlock()
		return nil
	})
	base, _, _ := serve(t, brief.NewHandler([]brief.Procedure{consumer}, brief.WithLogger(quietLogger)))
	deliver := func(event map[string]any) (int, map[string]any) {
		body, _ := json.Marshal(event)
		req, _ := http.NewRequest("POST", base+"/billing/events/service.create", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if id, ok := event["id"].(string); ok {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	event := func(id string, data any) map[string]any {
		return map[string]any{"specversion": "1.0", "id": id, "source": "accounts", "type": "service.create",
			"time": "2026-01-02T03:04:05Z", "data": data, "ext": 1}
	}
	if status, out := deliver(event("e1", map[string]any{"a": 1, "b": "2"})); status != 200 || len(out) != 0 {
		t.Fatalf("status %d %v", status, out)
	}
	if len(got) != 1 || got[0].ID != "e1" || got[0].Source != "accounts" || got[0].Topic != "service.create" ||
		got[0].Data != (SumIn{A: 1, B: 2}) || !got[0].Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("got %+v", got)
	}
	with := func(id string, change func(map[string]any)) map[string]any {
		e := event(id, map[string]any{"a": 1, "b": 1})
		change(e)
		return e
	}
	for _, c := range []struct {
		event map[string]any
		want  string
	}{
		{event("e2", map[string]any{"a": 1}), "data.b: required field missing"},
		{event("e3", map[string]any{"a": 1.5, "b": 1}), "data.a:"},
		{with("e4", func(e map[string]any) { e["type"] = "other.topic" }), `type: "other.topic"`},
		{with("e5", func(e map[string]any) { e["specversion"] = "0.3" }), "specversion:"},
		{with("e6", func(e map[string]any) { delete(e, "id") }), "id: required field missing"},
	} {
		status, out := deliver(c.event)
		if status != 400 || out["code"] != "invalid_argument" || !strings.HasPrefix(out["message"].(string), c.want) {
			t.Errorf("%v: status %d %v, want 400 %q", c.event, status, out, c.want)
		}
	}
	if status, _ := deliver(event("e7", map[string]any{"a": -1, "b": 0})); status != 503 {
		t.Fatalf("handler error: status %d, want 503", status)
	}
	if len(got) != 1 {
		t.Fatalf("bad and failed events counted: %d", len(got))
	}
}
