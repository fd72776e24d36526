package brief

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Decodable is implemented by generated messages: DecodeBrief reads the
// message's fields from d with Required, Optional and Collection.
type Decodable interface {
	DecodeBrief(d *ObjectDecoder)
}

// Encodable is implemented by generated messages: EncodeBrief writes the
// message's fields to e with Put, PutOptional, PutOptionalList and
// PutOptionalMap.
type Encodable interface {
	EncodeBrief(e *ObjectEncoder)
}

// DecodeError is a decoding failure at a field path such as
// "items[2].userId" (empty for the top-level value). Unmarshal turns it into
// an *Error with code invalid_argument and the message "path: reason".
type DecodeError struct {
	Path   string
	Reason string
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// prefix returns err with seg prepended to its path. seg is a field name or
// an index/key segment such as "[2]".
func prefix(err error, seg string) error {
	de, ok := err.(*DecodeError)
	if !ok {
		return &DecodeError{Path: seg, Reason: err.Error()}
	}
	switch {
	case de.Path == "":
		de.Path = seg
	case de.Path[0] == '[':
		de.Path = seg + de.Path
	default:
		de.Path = seg + "." + de.Path
	}
	return de
}

func decodeErr(format string, args ...any) error {
	return &DecodeError{Reason: fmt.Sprintf(format, args...)}
}

// snippet quotes the start of a raw JSON value for error messages.
func snippet(data []byte) string {
	const max = 40
	if len(data) > max {
		return string(data[:max]) + "..."
	}
	return string(data)
}

// Codec reads and writes one JSON value of Go type T. Decode receives the raw
// JSON of a present value (which may be the literal null: codecs reject it,
// since elements of lists and values of maps are never null; field helpers
// handle null before calling Decode). Append writes the canonical form.
type Codec[T any] struct {
	Decode func(data []byte, out *T) error
	Append func(b []byte, v T) []byte
}

// The codecs of brief's scalar types.
var (
	// Bool is the codec of `bool`.
	Bool = Codec[bool]{Decode: decodeBool, Append: strconv.AppendBool}
	// Int is the codec of `int`: decodes a JSON number or a string of decimal
	// digits, encodes a JSON number.
	Int = Codec[int64]{Decode: decodeInt, Append: func(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }}
	// Float is the codec of `float`: decodes a JSON number or a string holding
	// a number, "NaN", "Infinity" or "-Infinity"; encodes a number (the three
	// special values as those strings).
	Float = Codec[float64]{Decode: decodeFloat, Append: appendFloat}
	// String is the codec of `string`.
	String = Codec[string]{Decode: decodeString, Append: appendString}
	// Bytes is the codec of `bytes`: standard padded base64 on encode;
	// standard or URL-safe, padded or unpadded on decode.
	Bytes = Codec[[]byte]{Decode: decodeBytes, Append: appendBytes}
	// Time is the codec of `time`: RFC 3339 with any offset and up to nine
	// fractional digits on decode (truncated to microseconds, returned in
	// UTC); UTC with "Z" and 0, 3 or 6 fractional digits on encode.
	Time = Codec[time.Time]{Decode: decodeTime, Append: AppendTime}
)

// List returns the codec of `[]T`: a JSON array whose elements are never null.
// A nil slice encodes as [].
func List[T any](elem Codec[T]) Codec[[]T] {
	return Codec[[]T]{
		Decode: func(data []byte, out *[]T) error {
			if len(data) == 0 || data[0] != '[' {
				return decodeErr("expected an array, got %s", snippet(data))
			}
			var raws []json.RawMessage
			if err := json.Unmarshal(data, &raws); err != nil {
				return decodeErr("malformed array: %v", err)
			}
			s := make([]T, len(raws))
			for i, r := range raws {
				if err := elem.Decode(r, &s[i]); err != nil {
					return prefix(err, "["+strconv.Itoa(i)+"]")
				}
			}
			*out = s
			return nil
		},
		Append: func(b []byte, v []T) []byte {
			b = append(b, '[')
			for i := range v {
				if i > 0 {
					b = append(b, ',')
				}
				b = elem.Append(b, v[i])
			}
			return append(b, ']')
		},
	}
}

// Map returns the codec of `map[string]T`: a JSON object whose values are
// never null. A nil map encodes as {}; keys are written sorted.
func Map[T any](elem Codec[T]) Codec[map[string]T] {
	return Codec[map[string]T]{
		Decode: func(data []byte, out *map[string]T) error {
			if len(data) == 0 || data[0] != '{' {
				return decodeErr("expected an object, got %s", snippet(data))
			}
			var raws map[string]json.RawMessage
			if err := json.Unmarshal(data, &raws); err != nil {
				return decodeErr("malformed object: %v", err)
			}
			m := make(map[string]T, len(raws))
			for k, r := range raws {
				var v T
				if err := elem.Decode(r, &v); err != nil {
					return prefix(err, "["+strconv.Quote(k)+"]")
				}
				m[k] = v
			}
			*out = m
			return nil
		},
		Append: func(b []byte, v map[string]T) []byte {
			b = append(b, '{')
			for i, k := range slices.Sorted(maps.Keys(v)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				b = elem.Append(b, v[k])
			}
			return append(b, '}')
		},
	}
}

// Enum returns the codec of a closed enum whose Go type is a string type with
// the given values. Decoding any other value fails.
func Enum[E ~string](values ...E) Codec[E] {
	return Codec[E]{
		Decode: func(data []byte, out *E) error {
			var s string
			if err := decodeString(data, &s); err != nil {
				return err
			}
			for _, v := range values {
				if string(v) == s {
					*out = v
					return nil
				}
			}
			names := make([]string, len(values))
			for i, v := range values {
				names[i] = string(v)
			}
			return decodeErr("unknown enum value %q (expected one of %s)", s, strings.Join(names, ", "))
		},
		Append: func(b []byte, v E) []byte { return appendString(b, string(v)) },
	}
}

// Message returns the codec of a generated message type T (whose pointer
// implements Decodable and Encodable), e.g. brief.Message[Item]().
func Message[T any, PT interface {
	*T
	Decodable
	Encodable
}]() Codec[T] {
	return Codec[T]{
		Decode: func(data []byte, out *T) error {
			return decodeInto(data, PT(out))
		},
		Append: func(b []byte, v T) []byte {
			return AppendMessage(b, PT(&v))
		},
	}
}

// ObjectDecoder gives generated DecodeBrief methods the fields of one JSON
// object. Field helpers record the first error; Err returns it.
type ObjectDecoder struct {
	fields map[string]json.RawMessage
	err    error
}

// NewObjectDecoder parses data, which must be a JSON object. A parse error is
// returned by Err (and the field helpers then do nothing).
func NewObjectDecoder(data []byte) *ObjectDecoder {
	d := new(ObjectDecoder)
	d.err = d.parse(data)
	return d
}

func (d *ObjectDecoder) parse(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		if len(data) == 0 {
			return decodeErr("expected a JSON object, got an empty body")
		}
		if data[0] == 'n' || data[0] == 't' || data[0] == 'f' || data[0] == '"' || data[0] == '[' || data[0] == '-' || (data[0] >= '0' && data[0] <= '9') {
			return decodeErr("expected a JSON object, got %s", snippet(data))
		}
		return decodeErr("malformed JSON: %s", snippet(data))
	}
	if err := json.Unmarshal(data, &d.fields); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return decodeErr("malformed JSON at offset %d: %v", se.Offset, se)
		}
		return decodeErr("malformed JSON: %v", err)
	}
	return nil
}

// Err returns the first error met while decoding, as a *DecodeError.
func (d *ObjectDecoder) Err() error { return d.err }

// Fail records err (if it is the first) against the field name; generated
// code may use it for custom checks.
func (d *ObjectDecoder) Fail(name string, err error) {
	if d.err == nil && err != nil {
		d.err = prefix(err, name)
	}
}

// Raw returns the raw JSON of a field, and false when it is absent or null.
func (d *ObjectDecoder) Raw(name string) (json.RawMessage, bool) {
	if d.err != nil {
		return nil, false
	}
	r, ok := d.fields[name]
	if !ok || isNull(r) {
		return nil, false
	}
	return r, true
}

func isNull(r []byte) bool {
	return len(r) == 4 && r[0] == 'n' && r[1] == 'u' && r[2] == 'l' && r[3] == 'l'
}

// Required decodes a required field: absent or null is an error naming the
// field.
func Required[T any](d *ObjectDecoder, name string, out *T, c Codec[T]) {
	if d.err != nil {
		return
	}
	r, ok := d.fields[name]
	if !ok || isNull(r) {
		d.err = &DecodeError{Path: name, Reason: "required field missing"}
		return
	}
	if err := c.Decode(r, out); err != nil {
		d.err = prefix(err, name)
	}
}

// Optional decodes an optional field (`T?`, Go type *T): absent or null
// leaves *out nil.
func Optional[T any](d *ObjectDecoder, name string, out **T, c Codec[T]) {
	r, ok := d.Raw(name)
	if !ok {
		*out = nil
		return
	}
	v := new(T)
	if err := c.Decode(r, v); err != nil {
		d.err = prefix(err, name)
		return
	}
	*out = v
}

// Collection decodes a list or map field, required or optional: absent or
// null leaves *out at its zero value (a nil slice or map, which encodes as
// empty for a required field and as absent for an optional one).
func Collection[T any](d *ObjectDecoder, name string, out *T, c Codec[T]) {
	r, ok := d.Raw(name)
	if !ok {
		var zero T
		*out = zero
		return
	}
	if err := c.Decode(r, out); err != nil {
		d.err = prefix(err, name)
	}
}

// Unmarshal decodes a JSON object into a generated message; generated
// UnmarshalJSON methods call it. Errors are *Error with code
// invalid_argument and a message naming the field path.
func Unmarshal(data []byte, m Decodable) error {
	if err := decodeInto(data, m); err != nil {
		return &Error{Code: CodeInvalidArgument, Message: err.Error(), cause: err}
	}
	return nil
}

func decodeInto(data []byte, m Decodable) error {
	d := NewObjectDecoder(data)
	if d.err != nil {
		return d.err
	}
	m.DecodeBrief(d)
	return d.err
}

// ObjectEncoder collects the fields of one JSON object for generated
// EncodeBrief methods.
type ObjectEncoder struct {
	buf []byte
	n   int
}

func (e *ObjectEncoder) key(name string) {
	if e.n > 0 {
		e.buf = append(e.buf, ',')
	}
	e.n++
	e.buf = appendString(e.buf, name)
	e.buf = append(e.buf, ':')
}

// Raw writes a field whose value is already-encoded JSON.
func (e *ObjectEncoder) Raw(name string, value []byte) {
	e.key(name)
	e.buf = append(e.buf, value...)
}

// Put writes a field (required fields, including lists and maps: nil ones
// are written as [] and {}).
func Put[T any](e *ObjectEncoder, name string, v T, c Codec[T]) {
	e.key(name)
	e.buf = c.Append(e.buf, v)
}

// PutOptional writes an optional field (`T?`, Go type *T) unless it is nil.
func PutOptional[T any](e *ObjectEncoder, name string, v *T, c Codec[T]) {
	if v == nil {
		return
	}
	e.key(name)
	e.buf = c.Append(e.buf, *v)
}

// PutOptionalList writes an optional list field (`[]T?`) unless it is nil;
// elem is the element codec.
func PutOptionalList[T any](e *ObjectEncoder, name string, v []T, elem Codec[T]) {
	if v == nil {
		return
	}
	Put(e, name, v, List(elem))
}

// PutOptionalMap writes an optional map field (`map[string]T?`) unless it is
// nil; elem is the value codec.
func PutOptionalMap[T any](e *ObjectEncoder, name string, v map[string]T, elem Codec[T]) {
	if v == nil {
		return
	}
	Put(e, name, v, Map(elem))
}

// AppendMessage appends the JSON object of m to b.
func AppendMessage(b []byte, m Encodable) []byte {
	e := ObjectEncoder{buf: append(b, '{')}
	m.EncodeBrief(&e)
	return append(e.buf, '}')
}

// Marshal returns the JSON object of m; generated MarshalJSON methods call it.
func Marshal(m Encodable) ([]byte, error) {
	return AppendMessage(make([]byte, 0, 64), m), nil
}

// marshalValue encodes v with the brief codecs when it is Encodable and with
// encoding/json otherwise.
func marshalValue(v any) ([]byte, error) {
	if m, ok := v.(Encodable); ok {
		return AppendMessage(nil, m), nil
	}
	return json.Marshal(v)
}

// unmarshalValue decodes data into v with the brief codecs when v is
// Decodable and with encoding/json otherwise.
func unmarshalValue(data []byte, v any) error {
	if m, ok := v.(Decodable); ok {
		return Unmarshal(data, m)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Code: CodeInvalidArgument, Message: "malformed JSON: " + err.Error(), cause: err}
	}
	return nil
}

// scalar codecs

func decodeBool(data []byte, out *bool) error {
	switch string(data) {
	case "true":
		*out = true
	case "false":
		*out = false
	default:
		return decodeErr("expected a boolean, got %s", snippet(data))
	}
	return nil
}

func decodeInt(data []byte, out *int64) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := decodeString(data, &s); err != nil {
			return err
		}
		if !isDecimal(s) {
			return decodeErr("expected an integer, got the string %q", s)
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return decodeErr("integer %s out of 64-bit range", s)
		}
		*out = v
		return nil
	}
	if len(data) == 0 || !(data[0] == '-' || (data[0] >= '0' && data[0] <= '9')) {
		return decodeErr("expected an integer, got %s", snippet(data))
	}
	v, err := strconv.ParseInt(string(data), 10, 64)
	if err == nil {
		*out = v
		return nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return decodeErr("integer %s out of 64-bit range", snippet(data))
	}
	// 1e3 or 2.0: accept numbers that are exact integers.
	f, ferr := strconv.ParseFloat(string(data), 64)
	if ferr != nil || f != math.Trunc(f) {
		return decodeErr("expected an integer, got %s", snippet(data))
	}
	if f < -(1<<63) || f >= 1<<63 {
		return decodeErr("integer %s out of 64-bit range", snippet(data))
	}
	*out = int64(f)
	return nil
}

// isDecimal reports whether s is an optional '-' followed by 1+ ASCII digits.
func isDecimal(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func decodeFloat(data []byte, out *float64) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := decodeString(data, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*out = math.NaN()
			return nil
		case "Infinity":
			*out = math.Inf(1)
			return nil
		case "-Infinity":
			*out = math.Inf(-1)
			return nil
		}
		if s == "" || !json.Valid([]byte(s)) || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
			return decodeErr("expected a number, got the string %q", s)
		}
		data = []byte(s)
	}
	if len(data) == 0 || !(data[0] == '-' || (data[0] >= '0' && data[0] <= '9')) {
		return decodeErr("expected a number, got %s", snippet(data))
	}
	f, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return decodeErr("number %s out of range", snippet(data))
	}
	*out = f
	return nil
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	// Like encoding/json: ES6 number formatting.
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func decodeString(data []byte, out *string) error {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return decodeErr("expected a string, got %s", snippet(data))
	}
	inner := data[1 : len(data)-1]
	simple := true
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			simple = false
			break
		}
	}
	if simple && utf8.Valid(inner) {
		*out = string(inner)
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return decodeErr("malformed string %s", snippet(data))
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string (invalid UTF-8 becomes U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func decodeBase64(s string) ([]byte, error) {
	if t := strings.TrimRight(s, "="); len(t) != len(s) {
		// Padded input must be padded right: a multiple of 4, at most two '='.
		if len(s)%4 != 0 || len(s)-len(t) > 2 {
			return nil, errors.New("bad padding")
		}
		s = t
	}
	if strings.ContainsAny(s, "-_") {
		if strings.ContainsAny(s, "+/") {
			return nil, errors.New("mixed standard and URL-safe base64")
		}
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func decodeBytes(data []byte, out *[]byte) error {
	var s string
	if err := decodeString(data, &s); err != nil {
		return decodeErr("expected a base64 string, got %s", snippet(data))
	}
	v, err := decodeBase64(s)
	if err != nil {
		return decodeErr("invalid base64: %v", err)
	}
	*out = v
	return nil
}

func appendBytes(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// ParseTime parses an RFC 3339 timestamp with any offset and up to nine
// fractional digits, truncated to microseconds and returned in UTC.
func ParseTime(s string) (time.Time, error) {
	if strings.IndexByte(s, ',') >= 0 {
		// time.Parse also takes a comma before the fraction; RFC 3339 does not.
		return time.Time{}, fmt.Errorf("expected an RFC 3339 timestamp, got %q", s)
	}
	if len(s) > 10 && (s[10] == 't' || s[len(s)-1] == 'z') {
		// RFC 3339 allows lowercase "t" and "z"; time.Parse does not.
		b := []byte(s)
		if b[10] == 't' {
			b[10] = 'T'
		}
		if b[len(b)-1] == 'z' {
			b[len(b)-1] = 'Z'
		}
		s = string(b)
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		n := 0
		for j := i + 1; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			n++
		}
		if n > 9 {
			return time.Time{}, fmt.Errorf("more than 9 fractional digits in %q", s)
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 timestamp, got %q", s)
	}
	// time.Parse accepts offsets up to +99:99; RFC 3339 allows hours 00-23 and
	// minutes 00-59.
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && (s[n-5:n-3] > "23" || s[n-2:] > "59") {
		return time.Time{}, fmt.Errorf("offset out of range in %q", s)
	}
	return t.Truncate(time.Microsecond).UTC(), nil
}

func decodeTime(data []byte, out *time.Time) error {
	var s string
	if err := decodeString(data, &s); err != nil {
		return decodeErr("expected an RFC 3339 timestamp string, got %s", snippet(data))
	}
	t, err := ParseTime(s)
	if err != nil {
		return decodeErr("%v", err)
	}
	*out = t
	return nil
}

// AppendTime appends t as a JSON string in brief's canonical form: UTC, "Z",
// and 0, 3 or 6 fractional digits, the fewest that hold the value truncated
// to microseconds.
func AppendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = append(b, FormatTime(t)...)
	return append(b, '"')
}

// FormatTime formats t in brief's canonical form (see AppendTime), unquoted.
func FormatTime(t time.Time) string {
	t = t.UTC()
	us := t.Nanosecond() / 1000
	var buf [40]byte
	b := t.AppendFormat(buf[:0], "2006-01-02T15:04:05")
	switch {
	case us == 0:
	case us%1000 == 0:
		b = append(b, '.')
		b = appendDigits(b, us/1000, 3)
	default:
		b = append(b, '.')
		b = appendDigits(b, us, 6)
	}
	b = append(b, 'Z')
	return string(b)
}

func appendDigits(b []byte, v, n int) []byte {
	var d [9]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}
