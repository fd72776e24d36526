package brief_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// minimal valid Order, to which cases add or replace fields.
const baseOrder = `"id":1,"price":2.5,"paid":true,"blob":"AQID","at":"2024-01-02T03:04:05Z","main":{"userId":7,"color":"red"}`

// order returns the base Order's JSON with the members of extra (`"k":v,...`)
// added or replacing the base's (a key may appear only once in an object).
func order(extra string) string {
	var base, more map[string]json.RawMessage
	if err := json.Unmarshal([]byte("{"+baseOrder+"}"), &base); err != nil {
		panic(err)
	}
	if extra != "" {
		if err := json.Unmarshal([]byte("{"+extra+"}"), &more); err != nil {
			panic(err)
		}
	}
	for k, v := range more {
		base[k] = v
	}
	b, err := json.Marshal(base)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decodeOrder(t *testing.T, extra string) (*Order, error) {
	t.Helper()
	var o Order
	err := brief.Unmarshal([]byte(order(extra)), &o)
	return &o, err
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, body, want string // want: substring of the message
	}{
		{"missing required int", `{"price":1,"paid":true,"blob":"","at":"2024-01-02T03:04:05Z","main":{"userId":1,"color":"red"}}`, "id: required field missing"},
		{"null required int", order(`"id":null`), "id: required field missing"},
		{"null required message", order(`"main":null`), "main: required field missing"},
		{"null required enum", order(`"main":{"userId":1,"color":null}`), "main.color: required field missing"},
		{"missing nested required", order(`"items":[{"userId":1,"color":"red"},{"color":"red"}]`), "items[1].userId: required field missing"},
		{"unknown enum in list", order(`"items":[{"userId":1,"color":"red"},{"userId":1,"color":"red"},{"userId":2,"color":"blue"}]`), `items[2].color: unknown enum value "blue"`},
		{"unknown enum in map", order(`"colors":{"a":"red","b":"pink"}`), `colors["b"]: unknown enum value "pink"`},
		{"null list element", order(`"maybe":[1,null]`), "maybe[1]: expected an integer"},
		{"null map value", order(`"labels":{"x":null}`), `labels["x"]: expected an integer`},
		{"nested list path", order(`"nested":[[1],[2,"x"]]`), "nested[1][1]: expected an integer"},
		{"int as float with fraction", order(`"id":1.5`), "id: expected an integer"},
		{"int as non-decimal string", order(`"id":"12a"`), `id: expected an integer, got the string "12a"`},
		{"int as hex string", order(`"id":"0x10"`), "id: expected an integer"},
		{"int as empty string", order(`"id":""`), "id: expected an integer"},
		{"int overflow", order(`"id":9223372036854775808`), "id: integer 9223372036854775808 out of 64-bit range"},
		{"int string overflow", order(`"id":"-9223372036854775809"`), "out of 64-bit range"},
		{"int as bool", order(`"id":true`), "id: expected an integer"},
		{"bool as string", order(`"paid":"true"`), "paid: expected a boolean"},
		{"string as number", order(`"note":5`), "note: expected a string"},
		{"float as bool", order(`"price":false`), "price: expected a number"},
		{"float as bad string", order(`"price":"abc"`), "price: expected a number"},
		{"bytes invalid", order(`"blob":"!!!"`), "blob: invalid base64"},
		{"bytes as number", order(`"blob":12`), "blob: expected a base64 string"},
		{"time without offset", order(`"at":"2024-01-02T03:04:05"`), "at: expected an RFC 3339 timestamp"},
		{"time with 10 fractional digits", order(`"at":"2024-01-02T03:04:05.1234567891Z"`), "at: more than 9 fractional digits"},
		{"time as number", order(`"at":1700000000`), "at: expected an RFC 3339 timestamp string"},
		{"list as object", order(`"items":{}`), "items: expected an array"},
		{"map as array", order(`"labels":[]`), "labels: expected an object"},
		{"message as string", order(`"main":"x"`), "main: expected a JSON object"},
		{"malformed JSON", `{"id":1,`, "malformed JSON"},
		{"trailing garbage", `{"id":1} x`, "malformed JSON"},
		{"top-level array", `[1,2]`, "expected a JSON object"},
		{"top-level null", `null`, "expected a JSON object"},
		{"empty body", ``, "expected a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o Order
			err := brief.Unmarshal([]byte(c.body), &o)
			if err == nil {
				t.Fatalf("decoded %s without error", c.body)
			}
			var be *brief.Error
			if !errors.As(err, &be) || be.Code != brief.CodeInvalidArgument {
				t.Fatalf("error %v (%T) is not an invalid_argument *brief.Error", err, err)
			}
			if !strings.Contains(be.Message, c.want) {
				t.Fatalf("message %q does not contain %q", be.Message, c.want)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name  string
		extra string
		check func(o *Order) bool
	}{
		{"int as number", `"id":42`, func(o *Order) bool { return o.ID == 42 }},
		{"int as string", `"id":"42"`, func(o *Order) bool { return o.ID == 42 }},
		{"negative int as string", `"id":"-9223372036854775808"`, func(o *Order) bool { return o.ID == math.MinInt64 }},
		{"int as exact float", `"id":1e3`, func(o *Order) bool { return o.ID == 1000 }},
		{"int as 2.0", `"id":2.0`, func(o *Order) bool { return o.ID == 2 }},
		{"float as string", `"price":"1.25"`, func(o *Order) bool { return o.Price == 1.25 }},
		{"float NaN", `"price":"NaN"`, func(o *Order) bool { return math.IsNaN(o.Price) }},
		{"float -Infinity", `"price":"-Infinity"`, func(o *Order) bool { return math.IsInf(o.Price, -1) }},
		{"unknown fields ignored", `"zzz":{"a":[1,2,{"b":null}]},"other":"x"`, func(o *Order) bool { return o.ID == 1 }},
		{"optional absent", ``, func(o *Order) bool { return o.Note == nil && o.Extra == nil && o.When == nil }},
		{"optional null", `"note":null,"extra":null,"when":null`, func(o *Order) bool { return o.Note == nil && o.Extra == nil && o.When == nil }},
		{"optional present", `"note":"hi","extra":{"userId":3,"color":"green"}`, func(o *Order) bool {
			return o.Note != nil && *o.Note == "hi" && o.Extra != nil && o.Extra.Color == ColorGreen
		}},
		{"escaped string", `"note":"a\"b\\c\n\u00e9\ud83d\ude00"`, func(o *Order) bool { return o.Note != nil && *o.Note == "a\"b\\c\né😀" }},
		{"utf8 string", `"note":"héllo"`, func(o *Order) bool { return *o.Note == "héllo" }},
		{"list absent is nil", ``, func(o *Order) bool { return o.Items == nil && o.Labels == nil && o.Maybe == nil }},
		{"list null is empty", `"items":null,"labels":null,"maybe":null`, func(o *Order) bool { return len(o.Items) == 0 && len(o.Labels) == 0 && o.Maybe == nil }},
		{"empty list present", `"maybe":[]`, func(o *Order) bool { return o.Maybe != nil && len(o.Maybe) == 0 }},
		{"list of messages", `"items":[{"userId":"5","color":"green","tags":["x"]}]`, func(o *Order) bool {
			return len(o.Items) == 1 && o.Items[0].UserID == 5 && o.Items[0].Tags[0] == "x"
		}},
		{"map", `"labels":{"a":1,"b":"2"}`, func(o *Order) bool { return o.Labels["a"] == 1 && o.Labels["b"] == 2 }},
		{"nested list", `"nested":[[1,2],[],[3]]`, func(o *Order) bool { return len(o.Nested) == 3 && o.Nested[2][0] == 3 }},
		{"bytes std padded", `"blob":"aGk/Pz8="`, func(o *Order) bool { return string(o.Blob) == "hi???" }},
		{"bytes std unpadded", `"blob":"aGk/Pz8"`, func(o *Order) bool { return string(o.Blob) == "hi???" }},
		{"bytes url padded", `"blob":"aGk_Pz8="`, func(o *Order) bool { return string(o.Blob) == "hi???" }},
		{"bytes url unpadded", `"blob":"aGk_Pz8"`, func(o *Order) bool { return string(o.Blob) == "hi???" }},
		{"bytes empty", `"blob":""`, func(o *Order) bool { return len(o.Blob) == 0 }},
		{"time offset", `"at":"2024-01-02T05:04:05+02:00"`, func(o *Order) bool {
			return o.At.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) && o.At.Location() == time.UTC
		}},
		{"time negative offset", `"at":"2024-01-01T23:04:05.5-04:00"`, func(o *Order) bool {
			return o.At.Equal(time.Date(2024, 1, 2, 3, 4, 5, 500000000, time.UTC))
		}},
		{"time 9 digits truncated", `"at":"2024-01-02T03:04:05.123456789Z"`, func(o *Order) bool { return o.At.Nanosecond() == 123456000 }},
	}
	_ = str
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := decodeOrder(t, c.extra)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !c.check(o) {
				t.Fatalf("unexpected result %+v", o)
			}
		})
	}
}

func TestEncodeCanonical(t *testing.T) {
	note := "a\"<\n"
	when := time.Date(2024, 5, 6, 7, 8, 9, 120_000_000, time.FixedZone("X", 3600))
	o := Order{
		ID:     -3,
		Price:  math.NaN(),
		Blob:   []byte("hi???"),
		At:     time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Note:   &note,
		Main:   Item{UserID: 1, Color: ColorRed},
		Labels: map[string]int64{"b": 2, "a": 1},
		When:   &when,
	}
	b, err := brief.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json calls the generated MarshalJSON (and HTML-escapes '<').
	if jb, err := json.Marshal(o); err != nil || strings.Replace(string(jb), `\u003c`, "<", 1) != string(b) {
		t.Fatalf("json.Marshal differs: %s %v", jb, err)
	}
	want := `{"id":-3,"price":"NaN","paid":false,"note":"a\"<\n","blob":"aGk/Pz8=","at":"2024-01-02T03:04:05Z","items":[],"labels":{"a":1,"b":2},"main":{"userId":1,"color":"red","tags":[]},"colors":{},"nested":[],"when":"2024-05-06T06:08:09.120Z"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	// Round trip.
	var back Order
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Price) || string(back.Blob) != "hi???" || !back.When.Equal(when) || back.Labels["b"] != 2 {
		t.Fatalf("round trip lost data: %+v", back)
	}
	// Optional list and map present-but-empty are written; absent omitted.
	o.Maybe, o.Optional = []int64{}, map[string]float64{"x": 1e21}
	b, _ = brief.Marshal(o)
	if !strings.Contains(string(b), `"maybe":[]`) || !strings.Contains(string(b), `"optional":{"x":1e+21}`) {
		t.Fatalf("optional collections: %s", b)
	}
}

func TestTimeFormat(t *testing.T) {
	cases := []struct {
		ns   int
		want string
	}{
		{0, "2024-01-02T03:04:05Z"},
		{500_000_000, "2024-01-02T03:04:05.500Z"},
		{120_000_000, "2024-01-02T03:04:05.120Z"},
		{1_000_000, "2024-01-02T03:04:05.001Z"},
		{123_456_000, "2024-01-02T03:04:05.123456Z"},
		{100_000, "2024-01-02T03:04:05.000100Z"},
		{123_456_789, "2024-01-02T03:04:05.123456Z"}, // truncated to µs
		{999, "2024-01-02T03:04:05Z"},                // sub-µs dropped
	}
	for _, c := range cases {
		got := brief.FormatTime(time.Date(2024, 1, 2, 3, 4, 5, c.ns, time.UTC))
		if got != c.want {
			t.Errorf("ns=%d: got %s want %s", c.ns, got, c.want)
		}
	}
	// Any zone is written as UTC.
	got := brief.FormatTime(time.Date(2024, 1, 2, 0, 0, 0, 0, time.FixedZone("", -5*3600)))
	if got != "2024-01-02T05:00:00Z" {
		t.Errorf("zone: got %s", got)
	}
	// Parse accepts 0..9 digits and any offset.
	for _, s := range []string{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.1Z", "2024-01-02T04:04:05.123456789+01:00", "2024-01-02T03:04:05.12-00:00"} {
		if _, err := brief.ParseTime(s); err != nil {
			t.Errorf("ParseTime(%q): %v", s, err)
		}
	}
}

func TestFloatAndStringEncoding(t *testing.T) {
	cases := []struct {
		v    float64
		want string
	}{
		{1.5, "1.5"}, {0, "0"}, {1e21, "1e+21"}, {1e-7, "1e-7"}, {100, "100"},
		{math.Inf(1), `"Infinity"`}, {math.Inf(-1), `"-Infinity"`},
	}
	for _, c := range cases {
		if got := string(brief.Float.Append(nil, c.v)); got != c.want {
			t.Errorf("%v: got %s want %s", c.v, got, c.want)
		}
	}
	s := "tab\t ctl\x01 bad\xff q\" bs\\ \u2028"
	got := string(brief.String.Append(nil, s))
	want := `"tab\t ctl\u0001 bad\ufffd q\" bs\\ \u2028"`
	if got != want {
		t.Errorf("string: got %s want %s", got, want)
	}
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Errorf("encoded string is not valid JSON: %v", err)
	}
}

func TestEnumCodec(t *testing.T) {
	var c Color
	if err := colorCodec.Decode([]byte(`"green"`), &c); err != nil || c != ColorGreen {
		t.Fatalf("green: %v %v", c, err)
	}
	for _, bad := range []string{`"Green"`, `""`, `1`, `null`} {
		if err := colorCodec.Decode([]byte(bad), &c); err == nil {
			t.Errorf("enum accepted %s", bad)
		}
	}
}
