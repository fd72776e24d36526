package brief

import (
	"bytes"
	"encoding/json"
	"sync"
)

// Decodable is implemented by generated messages: DecodeBrief reads the
// message's fields from d with Required, Optional and Collection.
type Decodable interface {
	DecodeBrief(d *ObjectDecoder)
}

// Unmarshal decodes a JSON object into a generated message; generated
// UnmarshalJSON methods call it. Errors are *Error with code
// invalid_argument and a message naming the field path.
func Unmarshal(data []byte, m Decodable) error {
	if err := decodeMessage(data, m); err != nil {
		return &Error{Code: CodeInvalidArgument, Message: err.Error(), cause: err}
	}
	return nil
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

func decodeMessage(data []byte, m Decodable) *DecodeError {
	if len(bytes.TrimSpace(data)) == 0 {
		return decodeErr("expected a JSON object, got an empty body")
	}
	return decodeDocument(data, func(d *decoder, v value) error { return d.message(v, m) })
}

// decodeDocument scans data, runs decode on its value, and then rejects a
// repeated key that no decoder met (inside the value of an unknown field).
func decodeDocument(data []byte, decode func(d *decoder, v value) error) *DecodeError {
	st := states.Get().(*decodeState)
	defer st.release()
	doc, err := st.scanner.scan(data)
	if err != nil {
		return decodeErr(err.Error())
	}
	d := &st.decoder
	d.doc = doc
	if err := decode(d, d.root()); err != nil {
		return asDecodeError(err).finish()
	}
	if doc.dup >= 0 {
		return decodeErr("duplicate key " + quote(d.keyAt(doc.dup)) + " inside the value of an unknown field")
	}
	return nil
}

// decodeState is the memory one decode works in, pooled: in the steady state
// decoding allocates only what it returns.
type decodeState struct {
	scanner scanner
	decoder decoder
}

var states = sync.Pool{New: func() any { return new(decodeState) }}

// keepMax is the most entries a pooled buffer keeps between decodes, so that
// one huge request does not pin its memory.
const keepMax = 1 << 12

func (st *decodeState) release() {
	s, d := &st.scanner, &st.decoder
	if cap(s.tape) > keepMax || cap(s.keys) > keepMax || cap(s.open) > keepMax ||
		cap(d.members) > keepMax || cap(d.objects) > keepMax {
		return
	}
	s.data, d.doc = nil, document{}
	clear(d.members[:cap(d.members)])
	d.members = d.members[:0]
	for _, o := range d.objects {
		*o = ObjectDecoder{}
	}
	states.Put(st)
}

// decoder walks one scanned document. Objects decode depth first, so the
// members of the objects being decoded share one stack, and the object
// decoders are reused level by level.
type decoder struct {
	doc     document
	members []member
	objects []*ObjectDecoder // one per level of messages being decoded
	level   int
}

// value is a JSON value of the document: data[start:end], and for an object
// or array its index in the tape (-1 for a scalar).
type value struct {
	start, end int
	tape       int32
}

// member is a key of an object (the bytes between its quotes) and its value.
type member struct {
	key     []byte
	escaped bool
	val     value
}

func (d *decoder) raw(v value) []byte { return d.doc.data[v.start:v.end] }

func (d *decoder) isNull(v value) bool { return d.doc.data[v.start] == 'n' }

// root is the document's value, between any surrounding whitespace.
func (d *decoder) root() value {
	data := d.doc.data
	start := 0
	for data[start] == ' ' || data[start] == '\t' || data[start] == '\n' || data[start] == '\r' {
		start++
	}
	c := cursor{d: d, pos: start, tape: 0}
	return c.value()
}

// keyAt returns the key whose opening quote is at offset at.
func (d *decoder) keyAt(at int) string {
	c := cursor{d: d, pos: at}
	key, escaped := c.key()
	if escaped {
		return unescape(key)
	}
	return string(key)
}

// items returns a cursor over the elements of the array, or the members of
// the object, v.
func (d *decoder) items(v value) cursor {
	return cursor{d: d, pos: v.start + 1, tape: v.tape + 1, object: d.doc.data[v.start] == '{'}
}

// cursor steps through the direct contents of an object or array, jumping
// over nested ones with the tape. The document is valid, so it checks
// nothing.
type cursor struct {
	d      *decoder
	pos    int
	tape   int32 // tape index of the next object or array to come
	object bool
}

// next returns the next element (key nil) or member, and false at the end.
func (c *cursor) next() (key []byte, escaped bool, v value, ok bool) {
	data := c.d.doc.data
	c.skipSpace()
	if data[c.pos] == ',' {
		c.pos++
		c.skipSpace()
	}
	if data[c.pos] == '}' || data[c.pos] == ']' {
		return nil, false, value{}, false
	}
	if c.object {
		key, escaped = c.key()
		c.skipSpace()
		c.pos++ // ':'
		c.skipSpace()
	}
	return key, escaped, c.value(), true
}

// key reads the string at the cursor: the bytes between its quotes.
func (c *cursor) key() (key []byte, escaped bool) {
	data := c.d.doc.data
	start := c.pos + 1
	i := start
	for data[i] != '"' {
		if data[i] == '\\' {
			escaped = true
			i++
		}
		i++
	}
	c.pos = i + 1
	return data[start:i], escaped
}

// value reads the value at the cursor.
func (c *cursor) value() value {
	data := c.d.doc.data
	start := c.pos
	switch data[start] {
	case '{', '[':
		t := c.d.doc.tape[c.tape]
		v := value{start: start, end: int(t.end) + 1, tape: c.tape}
		c.tape = t.next
		c.pos = v.end
		return v
	case '"':
		c.key()
	default:
		for c.pos < len(data) {
			switch data[c.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return value{start: start, end: c.pos, tape: -1}
			}
			c.pos++
		}
	}
	return value{start: start, end: c.pos, tape: -1}
}

func (c *cursor) skipSpace() {
	data := c.d.doc.data
	for c.pos < len(data) {
		switch data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

// message decodes the object v into m.
func (d *decoder) message(v value, m Decodable) error {
	o, err := d.object(v)
	if err != nil {
		return err
	}
	d.level++
	m.DecodeBrief(o)
	d.level--
	d.members = d.members[:o.base]
	if o.err != nil {
		return o.err
	}
	return nil
}

// object checks that v is an object without repeated keys and lists its
// members.
func (d *decoder) object(v value) (*ObjectDecoder, error) {
	if d.doc.data[v.start] != '{' {
		return nil, decodeErr("expected a JSON object, got " + describe(d.raw(v)))
	}
	if at := d.doc.tape[v.tape].dup; at >= 0 {
		return nil, within(decodeErr("duplicate key"), field(d.keyAt(int(at))))
	}
	if d.level == len(d.objects) {
		d.objects = append(d.objects, new(ObjectDecoder))
	}
	o := d.objects[d.level]
	*o = ObjectDecoder{d: d, base: len(d.members)}
	c := d.items(v)
	for {
		key, escaped, val, ok := c.next()
		if !ok {
			break
		}
		d.members = append(d.members, member{key: key, escaped: escaped, val: val})
	}
	o.members = d.members[o.base:]
	return o, nil
}

// ObjectDecoder gives generated DecodeBrief methods the fields of one JSON
// object. Field helpers record the first error; Err returns it.
type ObjectDecoder struct {
	d       *decoder
	base    int // where this object's members start in d.members
	members []member
	byName  map[string]int // for objects with many members, built on first use
	err     *DecodeError
}

// manyMembers is where looking a field up by name switches from a scan of the
// members to a map: a hostile object with thousands of unknown keys costs one
// pass, not one per field.
const manyMembers = 16

// lookup returns the value of the member named name.
func (o *ObjectDecoder) lookup(name string) (value, bool) {
	if len(o.members) > manyMembers {
		if o.byName == nil {
			o.byName = make(map[string]int, len(o.members))
			for i, m := range o.members {
				o.byName[memberName(m)] = i
			}
		}
		i, ok := o.byName[name]
		if !ok {
			return value{}, false
		}
		return o.members[i].val, true
	}
	for _, m := range o.members {
		if !m.escaped && string(m.key) == name || m.escaped && unescape(m.key) == name {
			return m.val, true
		}
	}
	return value{}, false
}

func memberName(m member) string {
	if m.escaped {
		return unescape(m.key)
	}
	return string(m.key)
}

// Err returns the first error met while decoding, as a *DecodeError.
func (o *ObjectDecoder) Err() error {
	if o.err == nil {
		return nil
	}
	return o.err
}

// Fail records err (if it is the first) against the field name; generated
// code may use it for custom checks.
func (o *ObjectDecoder) Fail(name string, err error) {
	if o.err == nil && err != nil {
		o.err = within(err, field(name))
	}
}

// Raw returns the raw JSON of a field, and false when it is absent or null.
func (o *ObjectDecoder) Raw(name string) (json.RawMessage, bool) {
	if o.err != nil {
		return nil, false
	}
	v, ok := o.lookup(name)
	if !ok || o.d.isNull(v) {
		return nil, false
	}
	return o.d.raw(v), true
}

// Required decodes a required field: absent or null is an error naming the
// field.
func Required[T any](o *ObjectDecoder, name string, out *T, c Codec[T]) {
	if o.err != nil {
		return
	}
	v, ok := o.lookup(name)
	if !ok || o.d.isNull(v) {
		o.err = within(decodeErr("required field missing"), field(name))
		return
	}
	if err := c.decode(o.d, v, out); err != nil {
		o.err = within(err, field(name))
	}
}

// Optional decodes an optional field (`T?`, Go type *T): absent or null
// leaves *out nil.
func Optional[T any](o *ObjectDecoder, name string, out **T, c Codec[T]) {
	if o.err != nil {
		return
	}
	v, ok := o.lookup(name)
	if !ok || o.d.isNull(v) {
		*out = nil
		return
	}
	p := new(T)
	if err := c.decode(o.d, v, p); err != nil {
		o.err = within(err, field(name))
		return
	}
	*out = p
}

// Collection decodes a list or map field, required or optional: absent or
// null leaves *out at its zero value (a nil slice or map, which encodes as
// empty for a required field and as absent for an optional one).
func Collection[T any](o *ObjectDecoder, name string, out *T, c Codec[T]) {
	if o.err != nil {
		return
	}
	v, ok := o.lookup(name)
	if !ok || o.d.isNull(v) {
		var zero T
		*out = zero
		return
	}
	if err := c.decode(o.d, v, out); err != nil {
		o.err = within(err, field(name))
	}
}
