package brief_test

// Runs the language-neutral test vectors in tests/vectors/ (at the repository
// root) against the Go runtime. The Rust runtime runs the same files
// (runtime/rust/tests/vectors.rs); the format is described in tests/vectors/README.md.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	brief "github.com/brief-rpc/brief/runtime/go"
)

func vecLoad(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "tests", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// The shapes the vectors use.

// vecColor is `enum Color { red darkBlue }`.
type vecColor string

var vecColorCodec = brief.Enum(vecColor("red"), vecColor("darkBlue"))

// vecItem is `message Item { id int  name string? }`.
type vecItem struct {
	ID   int64
	Name *string
}

func (m *vecItem) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Required(d, "id", &m.ID, brief.Int)
	brief.Optional(d, "name", &m.Name, brief.String)
}

func (m vecItem) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "id", m.ID, brief.Int)
	brief.PutOptional(e, "name", m.Name, brief.String)
}

// vecNode is `message Node { children []Node  next Node? }`.
type vecNode struct {
	Children []vecNode
	Next     *vecNode
}

func (m *vecNode) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Collection(d, "children", &m.Children, brief.List(brief.Message[vecNode]()))
	brief.Optional(d, "next", &m.Next, brief.Message[vecNode]())
}

func (m vecNode) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "children", m.Children, brief.List(brief.Message[vecNode]()))
	brief.PutOptional(e, "next", m.Next, brief.Message[vecNode]())
}

// vecMsg is a message with one field "v".
type vecMsg interface {
	brief.Decodable
	brief.Encodable
}

// vecReq has one required scalar, enum or message field.
type vecReq[T any] struct {
	v T
	c brief.Codec[T]
}

func (m *vecReq[T]) DecodeBrief(d *brief.ObjectDecoder) { brief.Required(d, "v", &m.v, m.c) }
func (m vecReq[T]) EncodeBrief(e *brief.ObjectEncoder)  { brief.Put(e, "v", m.v, m.c) }

// vecColl has one required list or map field.
type vecColl[T any] struct {
	v T
	c brief.Codec[T]
}

func (m *vecColl[T]) DecodeBrief(d *brief.ObjectDecoder) { brief.Collection(d, "v", &m.v, m.c) }
func (m vecColl[T]) EncodeBrief(e *brief.ObjectEncoder)  { brief.Put(e, "v", m.v, m.c) }

// vecOpt has one optional scalar, enum or message field.
type vecOpt[T any] struct {
	v *T
	c brief.Codec[T]
}

func (m *vecOpt[T]) DecodeBrief(d *brief.ObjectDecoder) { brief.Optional(d, "v", &m.v, m.c) }
func (m vecOpt[T]) EncodeBrief(e *brief.ObjectEncoder)  { brief.PutOptional(e, "v", m.v, m.c) }

// vecOptList has one optional list field ([]T?).
type vecOptList[T any] struct {
	v    []T
	elem brief.Codec[T]
}

func (m *vecOptList[T]) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Collection(d, "v", &m.v, brief.List(m.elem))
}
func (m vecOptList[T]) EncodeBrief(e *brief.ObjectEncoder) {
	brief.PutOptionalList(e, "v", m.v, m.elem)
}

// vecOptMap has one optional map field (map[string]T?).
type vecOptMap[T any] struct {
	v    map[string]T
	elem brief.Codec[T]
}

func (m *vecOptMap[T]) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Collection(d, "v", &m.v, brief.Map(m.elem))
}
func (m vecOptMap[T]) EncodeBrief(e *brief.ObjectEncoder) {
	brief.PutOptionalMap(e, "v", m.v, m.elem)
}

func vecNew(t *testing.T, typ string) vecMsg {
	item := brief.Message[vecItem]()
	switch typ {
	case "int":
		return &vecReq[int64]{c: brief.Int}
	case "float":
		return &vecReq[float64]{c: brief.Float}
	case "bool":
		return &vecReq[bool]{c: brief.Bool}
	case "string":
		return &vecReq[string]{c: brief.String}
	case "bytes":
		return &vecReq[[]byte]{c: brief.Bytes}
	case "time":
		return &vecReq[time.Time]{c: brief.Time}
	case "Color":
		return &vecReq[vecColor]{c: vecColorCodec}
	case "Item":
		return &vecReq[vecItem]{c: item}
	case "[]int":
		return &vecColl[[]int64]{c: brief.List(brief.Int)}
	case "[]bytes":
		return &vecColl[[][]byte]{c: brief.List(brief.Bytes)}
	case "[]time":
		return &vecColl[[]time.Time]{c: brief.List(brief.Time)}
	case "[]string":
		return &vecColl[[]string]{c: brief.List(brief.String)}
	case "[][]int":
		return &vecColl[[][]int64]{c: brief.List(brief.List(brief.Int))}
	case "[]Item":
		return &vecColl[[]vecItem]{c: brief.List(item)}
	case "[]Color":
		return &vecColl[[]vecColor]{c: brief.List(vecColorCodec)}
	case "map[string]int":
		return &vecColl[map[string]int64]{c: brief.Map(brief.Int)}
	case "map[string][]int":
		return &vecColl[map[string][]int64]{c: brief.Map(brief.List(brief.Int))}
	case "map[string]Item":
		return &vecColl[map[string]vecItem]{c: brief.Map(item)}
	case "int?":
		return &vecOpt[int64]{c: brief.Int}
	case "float?":
		return &vecOpt[float64]{c: brief.Float}
	case "bool?":
		return &vecOpt[bool]{c: brief.Bool}
	case "string?":
		return &vecOpt[string]{c: brief.String}
	case "bytes?":
		return &vecOpt[[]byte]{c: brief.Bytes}
	case "time?":
		return &vecOpt[time.Time]{c: brief.Time}
	case "Color?":
		return &vecOpt[vecColor]{c: vecColorCodec}
	case "Item?":
		return &vecOpt[vecItem]{c: item}
	case "[]int?":
		return &vecOptList[int64]{elem: brief.Int}
	case "map[string]int?":
		return &vecOptMap[int64]{elem: brief.Int}
	case "Node":
		return &vecReq[vecNode]{c: brief.Message[vecNode]()}
	}
	t.Fatalf("values.json uses type %q, which this runner does not know", typ)
	return nil
}

// vecJSONEqual compares JSON values with numbers by value: integers exactly,
// other numbers as doubles (encoders may format floats their own way).
func vecJSONEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		xi, err1 := x.Int64()
		yi, err2 := y.Int64()
		if err1 == nil && err2 == nil {
			return xi == yi
		}
		xf, err1 := x.Float64()
		yf, err2 := y.Float64()
		return err1 == nil && err2 == nil && xf == yf
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !vecJSONEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !vecJSONEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func vecParse(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// vecPart is a piece of a text: Text Times times, or the bytes Hex spells.
type vecPart struct {
	Text  *string `json:"text"`
	Times *int    `json:"times"`
	Hex   string  `json:"hex"`
}

func vecJoin(parts []vecPart) []byte {
	var b []byte
	for _, p := range parts {
		if p.Text == nil {
			h, err := hex.DecodeString(p.Hex)
			if err != nil {
				panic(err)
			}
			b = append(b, h...)
			continue
		}
		times := 1
		if p.Times != nil {
			times = *p.Times
		}
		b = append(b, strings.Repeat(*p.Text, times)...)
	}
	return b
}

type vecValueCase struct {
	Type            string          `json:"type"`
	Input           json.RawMessage `json:"input"` // nil: the field is absent
	InputParts      []vecPart       `json:"input_parts"`
	BodyParts       *[]vecPart      `json:"body_parts"`
	Canonical       json.RawMessage `json:"canonical"`
	CanonicalParts  []vecPart       `json:"canonical_parts"`
	Omitted         bool            `json:"omitted"`
	Error           bool            `json:"error"`
	Path            string          `json:"path"`
	MessageContains string          `json:"message_contains"`
	MessageMaxLen   int             `json:"message_max_len"`
}

func (c vecValueCase) body() []byte {
	if c.BodyParts != nil {
		return vecJoin(*c.BodyParts)
	}
	input := []byte(c.Input)
	if c.InputParts != nil {
		input = vecJoin(c.InputParts)
	}
	if input == nil {
		return []byte("{}")
	}
	return append(append([]byte(`{"v":`), input...), '}')
}

func vecCheckValue(t *testing.T, c vecValueCase) error {
	m := vecNew(t, c.Type)
	err := brief.Unmarshal(c.body(), m)
	if c.Error {
		if err == nil {
			out, _ := brief.Marshal(m)
			return fmt.Errorf("decoded, want an error; re-encoded as %s", vecCut(out))
		}
		var be *brief.Error
		if !errors.As(err, &be) || be.Code != brief.CodeInvalidArgument {
			return fmt.Errorf("error %v, want invalid_argument", err)
		}
		if c.Path != "" && !strings.HasPrefix(be.Message, c.Path+": ") {
			return fmt.Errorf("error message %q does not start with the path %q", be.Message, c.Path)
		}
		if c.MessageContains != "" && !strings.Contains(be.Message, c.MessageContains) {
			return fmt.Errorf("error message %q does not contain %q", be.Message, c.MessageContains)
		}
		if n := utf8.RuneCountInString(be.Message); c.MessageMaxLen > 0 && n > c.MessageMaxLen {
			return fmt.Errorf("error message of %d characters, at most %d", n, c.MessageMaxLen)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("decode failed: %v", err)
	}
	out, err := brief.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode failed: %v", err)
	}
	parsed, err := vecParse(out)
	if err != nil {
		return fmt.Errorf("encoder wrote invalid JSON %s: %v", out, err)
	}
	got, present := parsed.(map[string]any)["v"]
	if c.Omitted {
		if present {
			return fmt.Errorf("encoder wrote %s, want the field omitted", out)
		}
		return nil
	}
	canonical := []byte(c.Canonical)
	if c.CanonicalParts != nil {
		canonical = vecJoin(c.CanonicalParts)
	}
	if canonical == nil {
		return fmt.Errorf("bad vector: no canonical, omitted or error")
	}
	want, err := vecParse(canonical)
	if err != nil {
		return err
	}
	if !present {
		return fmt.Errorf("encoder omitted the field, want %s", vecCut(canonical))
	}
	if !vecJSONEqual(got, want) {
		return fmt.Errorf("encoder wrote %s, want %s", vecCut(out), vecCut(canonical))
	}
	return nil
}

// vecCut shortens a long text for a failure message.
func vecCut(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func TestVectorValues(t *testing.T) {
	var doc struct {
		Cases []vecValueCase `json:"cases"`
	}
	vecLoad(t, "values.json", &doc)
	if len(doc.Cases) < 300 {
		t.Fatalf("only %d cases", len(doc.Cases))
	}
	for i, c := range doc.Cases {
		if err := vecCheckValue(t, c); err != nil {
			t.Errorf("case %d %s body %s: %v", i, c.Type, vecCut(c.body()), err)
		}
	}
}

type vecErrorsDoc struct {
	Codes []struct {
		Code   string `json:"code"`
		Status int    `json:"status"`
	} `json:"codes"`
	HTTPStatus []struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	} `json:"http_status"`
	Bodies []vecBodyCase `json:"bodies"`
}

type vecBodyCase struct {
	Name            string  `json:"name"`
	Status          int     `json:"status"`
	ContentType     string  `json:"content_type"`
	Body            string  `json:"body"`
	Code            string  `json:"code"`
	Message         *string `json:"message"`
	MessageContains string  `json:"message_contains"`
	Details         []struct {
		Type      string          `json:"type"`
		Value     string          `json:"value"`
		ValueJSON json.RawMessage `json:"value_json"`
		Debug     json.RawMessage `json:"debug"`
	} `json:"details"`
	Encode bool `json:"encode"`
}

func TestVectorCodes(t *testing.T) {
	var doc vecErrorsDoc
	vecLoad(t, "errors.json", &doc)
	if len(doc.Codes) != 16 || len(brief.Codes) != 16 {
		t.Fatalf("%d codes in the vectors, %d in the runtime", len(doc.Codes), len(brief.Codes))
	}
	for i, c := range doc.Codes {
		code := brief.Code(c.Code)
		if !code.Valid() {
			t.Errorf("%s: not a valid code", c.Code)
		}
		if brief.Codes[i] != code {
			t.Errorf("codes[%d] = %s, want %s", i, brief.Codes[i], code)
		}
		if code.HTTPStatus() != c.Status {
			t.Errorf("%s: status %d, want %d", c.Code, code.HTTPStatus(), c.Status)
		}
	}
	for _, c := range doc.HTTPStatus {
		if got := brief.CodeFromHTTPStatus(c.Status); string(got) != c.Code {
			t.Errorf("status %d: %s, want %s", c.Status, got, c.Code)
		}
	}
}

// TestVectorErrorBodies serves each body from a test server and calls it with
// the real client, so the client's whole error path is exercised.
func TestVectorErrorBodies(t *testing.T) {
	var doc vecErrorsDoc
	vecLoad(t, "errors.json", &doc)
	cases := append([]vecBodyCase(nil), doc.Bodies...)
	for _, s := range doc.HTTPStatus {
		cases = append(cases, vecBodyCase{Name: fmt.Sprintf("bare %d", s.Status), Status: s.Status, Code: s.Code})
	}
	var current vecBodyCase
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if current.ContentType != "" {
			w.Header().Set("Content-Type", current.ContentType)
		} else {
			w.Header()["Content-Type"] = nil
		}
		w.WriteHeader(current.Status)
		io := []byte(current.Body)
		w.Write(io)
	}))
	defer srv.Close()
	client, err := brief.NewClient("vectors", brief.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	rpc := &brief.RPC{Service: "vectors", Name: "call", Timeout: 5 * time.Second}
	for _, c := range cases {
		current = c
		var out map[string]any
		err := client.Call(context.Background(), rpc, map[string]any{}, &out)
		if err := vecCheckBody(c, err); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

func vecCheckBody(c vecBodyCase, err error) error {
	var be *brief.Error
	if !errors.As(err, &be) {
		return fmt.Errorf("got %v, want a *brief.Error", err)
	}
	if string(be.Code) != c.Code {
		return fmt.Errorf("code %s, want %s (message %q)", be.Code, c.Code, be.Message)
	}
	if c.Message != nil && be.Message != *c.Message {
		return fmt.Errorf("message %q, want %q", be.Message, *c.Message)
	}
	if c.MessageContains != "" && !strings.Contains(be.Message, c.MessageContains) {
		return fmt.Errorf("message %q does not contain %q", be.Message, c.MessageContains)
	}
	if c.Details != nil {
		if len(be.Details) != len(c.Details) {
			return fmt.Errorf("%d details, want %d", len(be.Details), len(c.Details))
		}
		for i, w := range c.Details {
			d := be.Details[i]
			if d.Type != w.Type {
				return fmt.Errorf("detail type %q, want %q", d.Type, w.Type)
			}
			if v := base64.StdEncoding.EncodeToString(d.Value); v != w.Value {
				return fmt.Errorf("detail value %s, want %s", v, w.Value)
			}
			if w.ValueJSON != nil {
				var got any
				if _, err := be.DecodeDetail(w.Type, &got); err != nil {
					return fmt.Errorf("detail value is not JSON: %v", err)
				}
				if !vecRawEqual(d.Value, w.ValueJSON) {
					return fmt.Errorf("detail value JSON %s, want %s", d.Value, w.ValueJSON)
				}
			}
			if (d.Debug == nil) != (w.Debug == nil) || (w.Debug != nil && !vecRawEqual(d.Debug, w.Debug)) {
				return fmt.Errorf("detail debug %s, want %s", d.Debug, w.Debug)
			}
		}
	}
	if c.Encode {
		built := brief.NewError(be.Code, *c.Message)
		for _, w := range c.Details {
			var fields any
			if _, err := vecParse(w.ValueJSON); err != nil {
				return err
			}
			json.Unmarshal(w.ValueJSON, &fields)
			d, err := brief.NewTypedDetail(w.Type, fields)
			if err != nil {
				return err
			}
			d.Debug = w.Debug
			built.AddDetail(d)
		}
		ours, err := json.Marshal(built)
		if err != nil {
			return err
		}
		if !vecRawEqual(ours, []byte(c.Body)) {
			return fmt.Errorf("encoder wrote %s, want %s", ours, c.Body)
		}
	}
	return nil
}

func vecRawEqual(a, b []byte) bool {
	x, err1 := vecParse(a)
	y, err2 := vecParse(b)
	return err1 == nil && err2 == nil && vecJSONEqual(x, y)
}
