package brief

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
)

// DataBusService is the data bus's service name: publishers find it from
// SERVICE_DATA_BUS_URL.
const DataBusService = "data-bus"

// PublishRPC is the data bus's publish rpc as its contract
// (bus/rpc/data-bus.brief) declares it: idempotent (the bus stores an event
// id once, so a retry is safe), 5 s.
var PublishRPC = RPC{Service: DataBusService, Name: "publish", Idempotent: true, Timeout: 5 * time.Second}

// OutgoingEvent is one event built by Publisher.Event, ready to send: the
// whole CloudEvent as JSON.
type OutgoingEvent struct {
	// ID is the event's id (a UUID): the bus stores it once.
	ID   string
	json []byte
}

// JSON returns the CloudEvent as it travels.
func (e OutgoingEvent) JSON() []byte { return e.json }

// Publisher sends events to the data bus. It is safe for concurrent use;
// make one and share it.
//
// Publish builds the CloudEvent (a new UUID as id, SERVICE_NAME as source,
// the topic as type, the current time, and the trace of ctx) and returns
// once the bus has stored it: the call goes through the Client of every rpc
// (deadline, interceptors such as retries, metrics).
//
// With WithEventBuffer, events the bus cannot take because it is unreachable
// wait in a bounded in-memory buffer and are sent in order once it is back;
// Publish then returns as soon as the event is buffered. Off by default: a
// buffered event is lost if the process ends before it is sent.
type Publisher struct {
	client *Client
	source string
	buffer *eventBuffer
	logger *slog.Logger
}

// PublisherOption configures a Publisher.
type PublisherOption func(*Publisher)

// WithPublisherClient sets the client of the data bus (default: NewClient of
// "data-bus", found from SERVICE_DATA_BUS_URL).
func WithPublisherClient(c *Client) PublisherOption { return func(p *Publisher) { p.client = c } }

// WithSource sets the events' source (default: SERVICE_NAME).
func WithSource(source string) PublisherOption { return func(p *Publisher) { p.source = source } }

// WithEventBuffer keeps up to capacity events in memory while the bus is
// unreachable. When it is full, Publish fails with resource_exhausted.
func WithEventBuffer(capacity int) PublisherOption {
	return func(p *Publisher) { p.buffer = &eventBuffer{capacity: capacity} }
}

// WithPublisherLogger sets where buffering is reported (default slog.Default()).
func WithPublisherLogger(l *slog.Logger) PublisherOption { return func(p *Publisher) { p.logger = l } }

// NewPublisher returns a publisher. Without options it reads
// SERVICE_DATA_BUS_URL and SERVICE_NAME and fails naming the one missing.
func NewPublisher(opts ...PublisherOption) (*Publisher, error) {
	p := &Publisher{source: strings.TrimSpace(os.Getenv("SERVICE_NAME"))}
	for _, o := range opts {
		o(p)
	}
	if p.source == "" {
		return nil, errors.New("brief: set SERVICE_NAME: the publishing service's name is every event's source (or use brief.WithSource)")
	}
	if p.client == nil {
		c, err := NewClient(DataBusService)
		if err != nil {
			return nil, err
		}
		p.client = c
	}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	return p, nil
}

// Source returns the events' source.
func (p *Publisher) Source() string { return p.source }

// Event builds the CloudEvent for data on topic, with the trace of ctx.
func (p *Publisher) Event(ctx context.Context, topic string, data Encodable) OutgoingEvent {
	info := CallInfoFromContext(ctx)
	if info == nil {
		info = NewCallInfo()
	}
	id := NewRequestID()
	b := make([]byte, 0, 320)
	b = append(b, `{"specversion":"1.0","id":`...)
	b = appendString(b, id)
	b = append(b, `,"source":`...)
	b = appendString(b, p.source)
	b = append(b, `,"type":`...)
	b = appendString(b, topic)
	b = append(b, `,"time":`...)
	b = AppendTime(b, time.Now())
	b = append(b, `,"datacontenttype":"application/json","traceparent":`...)
	b = appendString(b, info.Traceparent())
	if info.TraceState != "" {
		b = append(b, `,"tracestate":`...)
		b = appendString(b, info.TraceState)
	}
	b = append(b, `,"data":`...)
	b = AppendMessage(b, data)
	b = append(b, '}')
	return OutgoingEvent{ID: id, json: b}
}

// Publish publishes one event and returns its id once the bus has stored it
// (or, with a buffer, once it is buffered).
func (p *Publisher) Publish(ctx context.Context, topic string, data Encodable) (string, error) {
	e := p.Event(ctx, topic, data)
	if err := p.Send(ctx, e); err != nil {
		return "", err
	}
	return e.ID, nil
}

// Send sends built events (of any topics) in one request: all stored, or none.
func (p *Publisher) Send(ctx context.Context, events ...OutgoingEvent) error {
	if len(events) == 0 {
		return nil
	}
	if p.buffer == nil {
		return p.post(ctx, events)
	}
	// Events wait behind those already buffered, so that order is kept.
	if p.buffer.len() == 0 {
		err := p.post(ctx, events)
		if err == nil || !busUnreachable(err) {
			return err
		}
		p.logger.Warn("brief: data bus unreachable: buffering events", "error", err)
	}
	if err := p.buffer.push(events); err != nil {
		return err
	}
	p.startFlusher()
	return nil
}

// Buffered returns the number of events waiting in the buffer.
func (p *Publisher) Buffered() int {
	if p.buffer == nil {
		return 0
	}
	return p.buffer.len()
}

// Flush waits until the buffer is empty (every buffered event stored by the
// bus) or ctx ends; then it fails with deadline_exceeded or canceled.
func (p *Publisher) Flush(ctx context.Context) error {
	if p.buffer == nil {
		return nil
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for p.buffer.len() > 0 {
		p.startFlusher()
		select {
		case <-ctx.Done():
			e := ToError(ctx.Err())
			e.Message = fmt.Sprintf("%d events still buffered: the data bus is unreachable", p.buffer.len())
			return e
		case <-tick.C:
		}
	}
	return nil
}

// publishBody is the body of a publish: {"events":[...]}.
type publishBody struct{ events []OutgoingEvent }

func (b *publishBody) EncodeBrief(e *ObjectEncoder) {
	n := 2
	for _, ev := range b.events {
		n += len(ev.json) + 1
	}
	arr := make([]byte, 0, n)
	arr = append(arr, '[')
	for i, ev := range b.events {
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = append(arr, ev.json...)
	}
	e.Raw("events", append(arr, ']'))
}

type publishOut struct{ accepted int64 }

func (o *publishOut) DecodeBrief(d *ObjectDecoder) { Required(d, "accepted", &o.accepted, Int) }

func (p *Publisher) post(ctx context.Context, events []OutgoingEvent) error {
	var out publishOut
	return p.client.Call(ctx, &PublishRPC, &publishBody{events: events}, &out)
}

// busUnreachable tells failures after which the bus may take the events later.
func busUnreachable(err error) bool {
	c := CodeOf(err)
	return c == CodeUnavailable || c == CodeDeadlineExceeded
}

// flushBatch is the number of buffered events sent in one request.
const flushBatch = 500

func (p *Publisher) startFlusher() {
	if !p.buffer.claimFlusher() {
		return
	}
	go func() {
		backoff := 50 * time.Millisecond
		for {
			batch := p.buffer.front(flushBatch)
			if len(batch) == 0 {
				if p.buffer.releaseFlusherIfEmpty() {
					return
				}
				continue
			}
			err := p.post(context.Background(), batch)
			switch {
			case err == nil:
				p.buffer.pop(len(batch))
				backoff = 50 * time.Millisecond
			case busUnreachable(err):
				time.Sleep(backoff)
				backoff = min(backoff*2, 5*time.Second)
			default:
				// The bus refused them for good: keeping them would block every
				// later event.
				p.logger.Error("brief: data bus rejected buffered events", "error", err, "dropped", len(batch))
				p.buffer.pop(len(batch))
			}
		}
	}()
}

type eventBuffer struct {
	capacity int
	mu       sync.Mutex
	events   []OutgoingEvent
	flushing bool
}

func (b *eventBuffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events)
}

// push adds all of events, or none when they do not fit.
func (b *eventBuffer) push(events []OutgoingEvent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.events)+len(events) > b.capacity {
		return Errorf(CodeResourceExhausted, "event buffer full (%d of %d events): the data bus is unreachable", len(b.events), b.capacity)
	}
	b.events = append(b.events, events...)
	return nil
}

func (b *eventBuffer) front(n int) []OutgoingEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]OutgoingEvent(nil), b.events[:min(n, len(b.events))]...)
}

func (b *eventBuffer) pop(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n = min(n, len(b.events))
	clear(b.events[:n])
	b.events = b.events[n:]
}

func (b *eventBuffer) claimFlusher() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.flushing {
		return false
	}
	b.flushing = true
	return true
}

func (b *eventBuffer) releaseFlusherIfEmpty() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.events) == 0 {
		b.flushing = false
	}
	return !b.flushing
}

// Event is an event the bus delivered: its CloudEvents attributes and the
// typed message.
type Event[T any] struct {
	// ID is the event's id: the same on every delivery of this event, so a
	// consumer that must not act twice remembers it (delivery is at least
	// once).
	ID string
	// Source is the publishing service.
	Source string
	// Topic is the topic (the CloudEvents type).
	Topic string
	// Time is when the event happened (zero when the publisher did not say).
	Time time.Time
	// Subject is what the event is about ("" when the publisher did not say).
	Subject string
	// Data is the message.
	Data T
}

// cloudEventIn is a delivered CloudEvent as the consumer reads it; attributes
// it does not name (datacontenttype, traceparent, extensions) are ignored.
type cloudEventIn[T any, PT interface {
	*T
	Decodable
	Encodable
}] struct {
	specversion, eventType string
	when                   *time.Time
	subject                *string
	ev                     Event[T]
}

func (c *cloudEventIn[T, PT]) DecodeBrief(d *ObjectDecoder) {
	Required(d, "specversion", &c.specversion, String)
	Required(d, "id", &c.ev.ID, String)
	Required(d, "source", &c.ev.Source, String)
	Required(d, "type", &c.eventType, String)
	Optional(d, "time", &c.when, Time)
	Optional(d, "subject", &c.subject, String)
	Required(d, "data", &c.ev.Data, Message[T, PT]())
}

// DecodeEvent decodes a delivered event of topic with the strict rules of
// rpc inputs; errors are invalid_argument naming the field
// ("data.userId: required field missing").
func DecodeEvent[T any, PT interface {
	*T
	Decodable
	Encodable
}](topic string, body []byte) (*Event[T], error) {
	in := new(cloudEventIn[T, PT])
	if err := Unmarshal(body, in); err != nil {
		return nil, err
	}
	if in.specversion != "1.0" {
		return nil, Errorf(CodeInvalidArgument, "specversion: %q is not supported: expected \"1.0\"", in.specversion)
	}
	if in.eventType != topic {
		return nil, Errorf(CodeInvalidArgument, "type: %q delivered to the consumer of %q", in.eventType, topic)
	}
	ev := &in.ev
	ev.Topic = in.eventType
	if in.when != nil {
		ev.Time = *in.when
	}
	if in.subject != nil {
		ev.Subject = *in.subject
	}
	return ev, nil
}

// NewConsumer binds a consumer of topic to service: served at
// /{service}/events/{topic}, it decodes the body as an Event of T (bad input
// is answered invalid_argument without calling fn), answers 200 when fn
// returns nil (the bus takes the event as delivered) and fn's error
// otherwise (the bus delivers the event again later). Generated
// New<Topic>Consumer functions call it.
func NewConsumer[T any, PT interface {
	*T
	Decodable
	Encodable
}](service, topic string, fn func(ctx context.Context, event *Event[T]) error) Procedure {
	return Procedure{
		RPC: &RPC{Service: service, Name: "events/" + topic, Idempotent: true},
		call: func(ctx context.Context, body []byte, out []byte) ([]byte, error) {
			ev, err := DecodeEvent[T, PT](topic, body)
			if err != nil {
				return nil, err
			}
			if err := fn(ctx, ev); err != nil {
				return nil, err
			}
			return append(out, "{}"...), nil
		},
	}
}
