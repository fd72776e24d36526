package brief_test

// This file stands in for generated code: the summer service of
// examples/summer plus a richer message and a typed error.

import (
	"context"
	"fmt"
	"net/http"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// SumIn is the input of sum.
type SumIn struct {
	A int64 `json:"a"`
	B int64 `json:"b"`
}

func (m *SumIn) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "a", &m.A, brief.Int)
	brief.Required(d, "b", &m.B, brief.Int)
}
func (m SumIn) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "a", m.A, brief.Int)
	brief.Put(e, "b", m.B, brief.Int)
}
func (m *SumIn) UnmarshalJSON(b []byte) error { return brief.Unmarshal(b, m) }
func (m SumIn) MarshalJSON() ([]byte, error)  { return brief.Marshal(m) }

// SumOut is the output of sum.
type SumOut struct {
	Sum  int64   `json:"sum"`
	Info *string `json:"info,omitempty"`
}

func (m *SumOut) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "sum", &m.Sum, brief.Int)
	brief.Optional(d, "info", &m.Info, brief.String)
}
func (m SumOut) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "sum", m.Sum, brief.Int)
	brief.PutOptional(e, "info", m.Info, brief.String)
}
func (m *SumOut) UnmarshalJSON(b []byte) error { return brief.Unmarshal(b, m) }
func (m SumOut) MarshalJSON() ([]byte, error)  { return brief.Marshal(m) }

// Color is a closed enum.
type Color string

const (
	ColorRed   Color = "red"
	ColorGreen Color = "green"
)

var colorCodec = brief.Enum(ColorRed, ColorGreen)

// Item is a nested message.
type Item struct {
	UserID int64    `json:"userId"`
	Color  Color    `json:"color"`
	Tags   []string `json:"tags"`
}

func (m *Item) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "userId", &m.UserID, brief.Int)
	brief.Required(d, "color", &m.Color, colorCodec)
	brief.Collection(d, "tags", &m.Tags, brief.List(brief.String))
}
func (m Item) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "userId", m.UserID, brief.Int)
	brief.Put(e, "color", m.Color, colorCodec)
	brief.Put(e, "tags", m.Tags, brief.List(brief.String))
}

// Order uses every type.
type Order struct {
	ID       int64              `json:"id"`
	Price    float64            `json:"price"`
	Paid     bool               `json:"paid"`
	Note     *string            `json:"note,omitempty"`
	Blob     []byte             `json:"blob"`
	At       time.Time          `json:"at"`
	Items    []Item             `json:"items"`
	Labels   map[string]int64   `json:"labels"`
	Main     Item               `json:"main"`
	Extra    *Item              `json:"extra,omitempty"`
	Maybe    []int64            `json:"maybe,omitempty"`
	Colors   map[string]Color   `json:"colors"`
	Nested   [][]int64          `json:"nested"`
	When     *time.Time         `json:"when,omitempty"`
	Optional map[string]float64 `json:"optional,omitempty"`
}

func (m *Order) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "id", &m.ID, brief.Int)
	brief.Required(d, "price", &m.Price, brief.Float)
	brief.Required(d, "paid", &m.Paid, brief.Bool)
	brief.Optional(d, "note", &m.Note, brief.String)
	brief.Required(d, "blob", &m.Blob, brief.Bytes)
	brief.Required(d, "at", &m.At, brief.Time)
	brief.Collection(d, "items", &m.Items, brief.List(brief.Message[Item]()))
	brief.Collection(d, "labels", &m.Labels, brief.Map(brief.Int))
	brief.Required(d, "main", &m.Main, brief.Message[Item]())
	brief.Optional(d, "extra", &m.Extra, brief.Message[Item]())
	brief.Collection(d, "maybe", &m.Maybe, brief.List(brief.Int))
	brief.Collection(d, "colors", &m.Colors, brief.Map(colorCodec))
	brief.Collection(d, "nested", &m.Nested, brief.List(brief.List(brief.Int)))
	brief.Optional(d, "when", &m.When, brief.Time)
	brief.Collection(d, "optional", &m.Optional, brief.Map(brief.Float))
}

func (m Order) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "id", m.ID, brief.Int)
	brief.Put(e, "price", m.Price, brief.Float)
	brief.Put(e, "paid", m.Paid, brief.Bool)
	brief.PutOptional(e, "note", m.Note, brief.String)
	brief.Put(e, "blob", m.Blob, brief.Bytes)
	brief.Put(e, "at", m.At, brief.Time)
	brief.Put(e, "items", m.Items, brief.List(brief.Message[Item]()))
	brief.Put(e, "labels", m.Labels, brief.Map(brief.Int))
	brief.Put(e, "main", m.Main, brief.Message[Item]())
	brief.PutOptional(e, "extra", m.Extra, brief.Message[Item]())
	brief.PutOptionalList(e, "maybe", m.Maybe, brief.Int)
	brief.Put(e, "colors", m.Colors, brief.Map(colorCodec))
	brief.Put(e, "nested", m.Nested, brief.List(brief.List(brief.Int)))
	brief.PutOptional(e, "when", m.When, brief.Time)
	brief.PutOptionalMap(e, "optional", m.Optional, brief.Float)
}
func (m *Order) UnmarshalJSON(b []byte) error { return brief.Unmarshal(b, m) }
func (m Order) MarshalJSON() ([]byte, error)  { return brief.Marshal(m) }

// GetIn / GetOut are the messages of the readonly rpc get.
type GetIn struct {
	ID int64 `json:"id"`
}

func (m *GetIn) DecodeBrief(d *brief.ObjectDecoder) { brief.Required(d, "id", &m.ID, brief.Int) }
func (m GetIn) EncodeBrief(e *brief.ObjectEncoder)  { brief.Put(e, "id", m.ID, brief.Int) }

type GetOut struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

func (m *GetOut) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "id", &m.ID, brief.Int)
	brief.Required(d, "text", &m.Text, brief.String)
}
func (m GetOut) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "id", m.ID, brief.Int)
	brief.Put(e, "text", m.Text, brief.String)
}

// NotFound is `error NotFound(not_found) { id int }`.
type NotFound struct {
	ID int64 `json:"id"`
}

func (e *NotFound) Error() string                      { return fmt.Sprintf("NotFound: id=%d", e.ID) }
func (e *NotFound) BriefCode() brief.Code              { return brief.CodeNotFound }
func (e *NotFound) BriefType() string                  { return "summer.NotFound" }
func (m *NotFound) DecodeBrief(d *brief.ObjectDecoder) { brief.Required(d, "id", &m.ID, brief.Int) }
func (m NotFound) EncodeBrief(e *brief.ObjectEncoder)  { brief.Put(e, "id", m.ID, brief.Int) }

// SummerServer is the generated server interface.
type SummerServer interface {
	Sum(ctx context.Context, in *SumIn) (*SumOut, error)
	Get(ctx context.Context, in *GetIn) (*GetOut, error)
	Echo(ctx context.Context, in *Order) (*Order, error)
}

var (
	sumRPC  = brief.RPC{Service: "summer", Name: "sum", Idempotent: true, Timeout: 300 * time.Millisecond}
	getRPC  = brief.RPC{Service: "summer", Name: "get", Idempotent: true, Readonly: true, Throws: map[string]func() brief.TypedError{"summer.NotFound": func() brief.TypedError { return new(NotFound) }}}
	echoRPC = brief.RPC{Service: "summer", Name: "echo"}
)

// NewSummerHandler is the generated handler constructor.
func NewSummerHandler(impl SummerServer, opts ...brief.HandlerOption) http.Handler {
	return brief.NewHandler([]brief.Procedure{
		brief.NewProcedure(&sumRPC, impl.Sum),
		brief.NewProcedure(&getRPC, impl.Get),
		brief.NewProcedure(&echoRPC, impl.Echo),
	}, opts...)
}

// SummerClient is the generated client.
type SummerClient struct{ c *brief.Client }

func NewSummerClient(opts ...brief.ClientOption) (*SummerClient, error) {
	c, err := brief.NewClient("summer", opts...)
	if err != nil {
		return nil, err
	}
	return &SummerClient{c: c}, nil
}

func (c *SummerClient) Sum(ctx context.Context, in *SumIn, opts ...brief.CallOption) (*SumOut, error) {
	out := new(SumOut)
	err := c.c.Call(ctx, &sumRPC, in, out, opts...)
	return out, err
}

func (c *SummerClient) Get(ctx context.Context, in *GetIn, opts ...brief.CallOption) (*GetOut, error) {
	out := new(GetOut)
	err := c.c.Call(ctx, &getRPC, in, out, opts...)
	return out, err
}

func (c *SummerClient) Echo(ctx context.Context, in *Order, opts ...brief.CallOption) (*Order, error) {
	out := new(Order)
	err := c.c.Call(ctx, &echoRPC, in, out, opts...)
	return out, err
}
