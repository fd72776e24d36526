package brief

import (
	"maps"
	"slices"
	"strings"
)

// Codec reads and writes one JSON value of Go type T: the JSON mapping of
// one brief type. Generated code builds its codecs from the ones of this
// package (Int, List(String), Message[Item](), ...).
type Codec[T any] struct {
	// decode reads a present value, which may be the literal null: codecs
	// reject it, since elements of lists and values of maps are never null
	// (field helpers handle null before calling decode).
	decode func(d *decoder, v value, out *T) error
	// append writes the canonical form.
	append func(b []byte, v T) []byte
}

// Decode reads data, one JSON value, into out. Errors are *DecodeError.
func (c Codec[T]) Decode(data []byte, out *T) error {
	if err := decodeDocument(data, func(d *decoder, v value) error { return c.decode(d, v, out) }); err != nil {
		return err
	}
	return nil
}

// Append appends the canonical JSON of v to b.
func (c Codec[T]) Append(b []byte, v T) []byte { return c.append(b, v) }

// List returns the codec of `[]T`: a JSON array whose elements are never null.
// A nil slice encodes as [].
func List[T any](elem Codec[T]) Codec[[]T] {
	return Codec[[]T]{
		decode: func(d *decoder, v value, out *[]T) error {
			if d.doc.data[v.start] != '[' {
				return decodeErr("expected an array, got " + describe(d.raw(v)))
			}
			var s []T
			c := d.items(v)
			for i := 0; ; i++ {
				_, _, item, ok := c.next()
				if !ok {
					break
				}
				s = append(s, *new(T))
				if err := elem.decode(d, item, &s[i]); err != nil {
					return within(err, index(i))
				}
			}
			if s == nil {
				s = []T{}
			}
			*out = s
			return nil
		},
		append: func(b []byte, v []T) []byte {
			b = append(b, '[')
			for i := range v {
				if i > 0 {
					b = append(b, ',')
				}
				b = elem.append(b, v[i])
			}
			return append(b, ']')
		},
	}
}

// Map returns the codec of `map[string]T`: a JSON object whose values are
// never null and whose keys appear once. A nil map encodes as {}; keys are
// written sorted.
func Map[T any](elem Codec[T]) Codec[map[string]T] {
	return Codec[map[string]T]{
		decode: func(d *decoder, v value, out *map[string]T) error {
			if d.doc.data[v.start] != '{' {
				return decodeErr("expected an object, got " + describe(d.raw(v)))
			}
			if at := d.doc.tape[v.tape].dup; at >= 0 {
				return within(decodeErr("duplicate key"), mapKey(d.keyAt(int(at))))
			}
			m := make(map[string]T)
			c := d.items(v)
			for {
				key, escaped, item, ok := c.next()
				if !ok {
					break
				}
				k := string(key)
				if escaped {
					k = unescape(key)
				}
				var x T
				if err := elem.decode(d, item, &x); err != nil {
					return within(err, mapKey(k))
				}
				m[k] = x
			}
			*out = m
			return nil
		},
		append: func(b []byte, v map[string]T) []byte {
			b = append(b, '{')
			for i, k := range slices.Sorted(maps.Keys(v)) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, k)
				b = append(b, ':')
				b = elem.append(b, v[k])
			}
			return append(b, '}')
		},
	}
}

// Enum returns the codec of a closed enum whose Go type is a string type with
// the given values. Decoding any other value fails.
func Enum[E ~string](values ...E) Codec[E] {
	return Codec[E]{
		decode: func(d *decoder, v value, out *E) error {
			raw := d.raw(v)
			if raw[0] != '"' {
				return decodeErr("expected one of " + enumNames(values) + ", got " + describe(raw))
			}
			s := stringValue(raw)
			for _, e := range values {
				if string(e) == s {
					*out = e
					return nil
				}
			}
			return decodeErr("unknown enum value " + quote(s) + " (expected one of " + enumNames(values) + ")")
		},
		append: func(b []byte, v E) []byte { return appendString(b, string(v)) },
	}
}

func enumNames[E ~string](values []E) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// Message returns the codec of a generated message type T (whose pointer
// implements Decodable and Encodable), e.g. brief.Message[Item]().
func Message[T any, PT interface {
	*T
	Decodable
	Encodable
}]() Codec[T] {
	return Codec[T]{
		decode: func(d *decoder, v value, out *T) error {
			return d.message(v, PT(out))
		},
		append: func(b []byte, v T) []byte {
			return AppendMessage(b, PT(&v))
		},
	}
}
