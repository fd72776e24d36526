package brief

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the most levels of JSON nesting (objects and arrays, the
// outermost object included) a decoder accepts, the same in every runtime.
// Deeper input is invalid_argument.
const MaxDepth = 2048

// A document is a JSON text checked once, front to back, with the end of
// each object and array noted, so that decoding can step over a nested
// value without reading it again: decoding time grows linearly with the
// size of the input whatever its depth.
type document struct {
	data []byte
	// tape has one entry per object and array, in the order they open.
	tape []container
	// dup is the offset of the first key that repeats an earlier key of its
	// object, or -1.
	dup int
}

type container struct {
	end  int32 // offset of the closing '}' or ']'
	next int32 // tape index of the first container after this one's contents
	dup  int32 // offset of the first repeated key of this object, or -1
}

// keySpan is an object key: the bytes between its quotes.
type keySpan struct {
	start, end int32
	escaped    bool
}

// openContainer is an object or array the scanner is inside.
type openContainer struct {
	index    int32 // in tape
	object   bool
	firstKey int // index in scanner.keys of the object's first key
}

// scanner reads without recursion: open holds the objects and arrays it is
// inside, keys the keys of the open objects.
type scanner struct {
	data []byte
	pos  int
	tape []container
	open []openContainer
	keys []keySpan
	dup  int
}

// scan checks that data is one JSON value (RFC 8259, valid UTF-8, numbers
// within the range of a double, at most MaxDepth levels deep) and notes where
// its objects and arrays end and which keys repeat. The document's tape is the
// scanner's, reused by the next scan.
func (s *scanner) scan(data []byte) (document, error) {
	if len(data) > math.MaxInt32 {
		return document{}, errors.New("message larger than 2 GiB")
	}
	*s = scanner{data: data, tape: s.tape[:0], open: s.open[:0], keys: s.keys[:0], dup: -1}
	if err := s.run(); err != nil {
		return document{}, err
	}
	return document{data: data, tape: s.tape, dup: s.dup}, nil
}

func (s *scanner) run() error {
	for {
		opened, err := s.value()
		if err != nil {
			return err
		}
		if opened {
			continue
		}
		done, err := s.afterValue()
		if err != nil || done {
			return err
		}
	}
}

// value reads a scalar, or opens an object or array: opened is true when the
// first value inside it comes next (after the first key of an object), false
// when the container was empty and is closed already.
func (s *scanner) value() (opened bool, err error) {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return false, s.syntax("unexpected end of input")
	}
	switch c := s.data[s.pos]; c {
	case '{', '[':
		if len(s.open) >= MaxDepth {
			return false, fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
		}
		s.open = append(s.open, openContainer{index: int32(len(s.tape)), object: c == '{', firstKey: len(s.keys)})
		s.tape = append(s.tape, container{dup: -1})
		s.pos++
		s.skipSpace()
		if s.pos < len(s.data) && (s.data[s.pos] == '}' && c == '{' || s.data[s.pos] == ']' && c == '[') {
			s.close()
			return false, nil
		}
		if c == '{' {
			return true, s.key()
		}
		return true, nil
	case '"':
		_, err := s.str()
		return false, err
	case 't':
		return false, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return false, s.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return false, s.number()
		}
		return false, s.syntax(fmt.Sprintf("unexpected character %s", quoteByte(c)))
	}
}

// afterValue reads the ',' before the next value or the brackets that close
// after it; done is true after the whole document.
func (s *scanner) afterValue() (done bool, err error) {
	for {
		s.skipSpace()
		if len(s.open) == 0 {
			if s.pos != len(s.data) {
				return false, s.syntax("trailing characters after the value")
			}
			return true, nil
		}
		if s.pos >= len(s.data) {
			return false, s.syntax("unexpected end of input")
		}
		top := &s.open[len(s.open)-1]
		switch c := s.data[s.pos]; {
		case c == ',':
			s.pos++
			if top.object {
				s.skipSpace()
				return false, s.key()
			}
			return false, nil
		case c == '}' && top.object, c == ']' && !top.object:
			s.close()
		case top.object:
			return false, s.syntax("expected ',' or '}'")
		default:
			return false, s.syntax("expected ',' or ']'")
		}
	}
}

// key reads an object key and its ':'.
func (s *scanner) key() error {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return s.syntax("expected a string key")
	}
	start := s.pos + 1
	escaped, err := s.str()
	if err != nil {
		return err
	}
	s.keys = append(s.keys, keySpan{start: int32(start), end: int32(s.pos - 1), escaped: escaped})
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return s.syntax("expected ':' after a key")
	}
	s.pos++
	return nil
}

// close ends the innermost object or array at s.pos.
func (s *scanner) close() {
	top := s.open[len(s.open)-1]
	s.open = s.open[:len(s.open)-1]
	c := &s.tape[top.index]
	c.end = int32(s.pos)
	c.next = int32(len(s.tape))
	if top.object {
		if at := repeatedKey(s.data, s.keys[top.firstKey:]); at >= 0 {
			c.dup = int32(at)
			if s.dup < 0 || at < s.dup {
				s.dup = at
			}
		}
		s.keys = s.keys[:top.firstKey]
	}
	s.pos++
}

// repeatedKey returns the offset of the first key of an object that repeats
// an earlier one, or -1: pairwise for the few keys most objects have, with a
// set beyond, so that an object with many keys stays linear.
func repeatedKey(data []byte, keys []keySpan) int {
	const few = 16
	if len(keys) <= few {
		for j := 1; j < len(keys); j++ {
			for i := 0; i < j; i++ {
				if sameKey(data, keys[i], keys[j]) {
					return int(keys[j].start) - 1
				}
			}
		}
		return -1
	}
	seen := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		name := keyText(data, k)
		if _, ok := seen[name]; ok {
			return int(k.start) - 1
		}
		seen[name] = struct{}{}
	}
	return -1
}

func sameKey(data []byte, a, b keySpan) bool {
	if !a.escaped && !b.escaped {
		return bytes.Equal(data[a.start:a.end], data[b.start:b.end])
	}
	return keyText(data, a) == keyText(data, b)
}

func keyText(data []byte, k keySpan) string {
	if k.escaped {
		return unescape(data[k.start:k.end])
	}
	return string(data[k.start:k.end])
}

// str reads a string at s.pos (on its opening quote); escaped tells whether it
// has escapes.
func (s *scanner) str() (escaped bool, err error) {
	i := s.pos + 1
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			n, err := escapeLen(s.data[i:])
			if err != nil {
				s.pos = i
				return false, s.syntax(err.Error())
			}
			i += n
		case c < 0x20:
			s.pos = i
			return false, s.syntax("control character in a string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && size <= 1 {
				s.pos = i
				return false, s.syntax("invalid UTF-8 in a string")
			}
			i += size
		}
	}
	s.pos = i
	return false, s.syntax("unexpected end of input in a string")
}

// escapeLen checks the escape at the start of b and returns its length; a
// \u escape of a surrogate must be a high one followed by a low one.
func escapeLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, errors.New("unexpected end of input in a string")
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, errors.New(`invalid \u escape`)
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return 0, errors.New("lone low surrogate in a \\u escape")
		case r >= 0xD800 && r <= 0xDBFF:
			if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
				return 0, errors.New("lone high surrogate in a \\u escape")
			}
			if lo, ok := hex4(b[8:]); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return 0, errors.New("lone high surrogate in a \\u escape")
			}
			return 12, nil
		}
		return 6, nil
	}
	return 0, fmt.Errorf("invalid escape %s", quoteByte(b[1]))
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number reads a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
// whose value must be within the range of a double.
func (s *scanner) number() error {
	start := s.pos
	i := s.pos
	if s.data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intStart := i
	n := digits()
	if n == 0 || n > 1 && s.data[intStart] == '0' {
		s.pos = intStart
		return s.syntax("invalid number")
	}
	exact := true
	if i < len(s.data) && s.data[i] == '.' {
		i++
		if digits() == 0 {
			s.pos = i
			return s.syntax("invalid number")
		}
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		exact = false
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.pos = i
			return s.syntax("invalid number")
		}
	}
	s.pos = i
	// Only an exponent or more than 308 digits can leave a double's range.
	if !exact || n > 308 {
		if f, err := strconv.ParseFloat(string(s.data[start:i]), 64); err != nil && math.IsInf(f, 0) {
			s.pos = start
			return s.syntax(fmt.Sprintf("number %s out of range", cut(string(s.data[start:i]))))
		}
	}
	return nil
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		return s.syntax("invalid literal")
	}
	s.pos += len(word)
	return nil
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) syntax(what string) error {
	return fmt.Errorf("malformed JSON: %s at offset %d", what, s.pos)
}

// quoteByte shows one byte of the input: 'x', or 0xff when not printable.
func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return fmt.Sprintf("0x%02x", c)
}
