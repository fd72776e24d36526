package brief

import "encoding/json"

// Encodable is implemented by generated messages: EncodeBrief writes the
// message's fields to e with Put, PutOptional, PutOptionalList and
// PutOptionalMap.
type Encodable interface {
	EncodeBrief(e *ObjectEncoder)
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
