package brief

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// EchoMaxChars is the most characters of a received value an error message
// repeats; a longer value is cut there and followed by "...".
const EchoMaxChars = 64

// PathMaxSegments is the most segments the path of an error shows: a deeper
// path keeps its first and last halves, joined by " ... ".
const PathMaxSegments = 64

// DecodeError is a decoding failure at a field path such as
// `byId["v1.2"].items[2].userId` (empty for the whole input). Unmarshal turns
// it into an *Error with code invalid_argument and the message "path: reason".
type DecodeError struct {
	Path   string
	Reason string
	// segments, innermost first, until the path is rendered.
	segments []segment
}

func (e *DecodeError) Error() string {
	path := e.Path
	if path == "" {
		path = renderPath(e.segments)
	}
	if path == "" {
		return e.Reason
	}
	return path + ": " + e.Reason
}

// finish renders the path of an error that leaves the decoder.
func (e *DecodeError) finish() *DecodeError {
	if e.Path == "" {
		e.Path = renderPath(e.segments)
	}
	e.segments = nil
	return e
}

// segment is one step of a path: a message field, a list index or a map key.
type segment struct {
	kind  byte // '.' field, '[' index, '"' map key
	name  string
	index int
}

func decodeErr(reason string) *DecodeError { return &DecodeError{Reason: reason} }

// within returns err, which happened inside seg, as a *DecodeError.
func within(err error, seg segment) *DecodeError {
	de := asDecodeError(err)
	de.segments = append(de.segments, seg)
	return de
}

func asDecodeError(err error) *DecodeError {
	if de, ok := err.(*DecodeError); ok {
		return de
	}
	return &DecodeError{Reason: err.Error()}
}

func field(name string) segment { return segment{kind: '.', name: name} }
func index(i int) segment       { return segment{kind: '[', index: i} }
func mapKey(k string) segment   { return segment{kind: '"', name: k} }

// renderPath writes segments (innermost first) outermost first:
// `byId["v1.2"].items[2].userId`. A field whose name is not an identifier (an
// unknown key named in a duplicate-key error) is written like a map key.
func renderPath(segments []segment) string {
	n := len(segments)
	half := PathMaxSegments / 2
	var b strings.Builder
	first := true
	for i := 0; i < n; i++ {
		if n > PathMaxSegments && i >= half && i < n-half {
			if i == half {
				b.WriteString(" ... ")
				first = true
			}
			continue
		}
		seg := segments[n-1-i]
		switch {
		case seg.kind == '.' && isIdentifier(seg.name):
			if !first {
				b.WriteByte('.')
			}
			b.WriteString(seg.name)
		case seg.kind == '[':
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(seg.index))
			b.WriteByte(']')
		default:
			b.WriteByte('[')
			b.WriteString(quote(seg.name))
			b.WriteByte(']')
		}
		first = false
	}
	return b.String()
}

// isIdentifier reports whether s is a name brief accepts for a field (a
// letter or '_', then letters, digits and '_'), at most EchoMaxChars long.
func isIdentifier(s string) bool {
	if s == "" || len(s) > EchoMaxChars {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// quote writes s as a JSON string for an error message, cut after
// EchoMaxChars characters (then followed by "..."). It escapes '"', '\' and
// control characters, the latter as \b \f \n \r \t or \u00xx, as
// JavaScript's JSON.stringify does; every runtime quotes the same way so that
// paths and messages agree.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i, r := range s {
		if n == EchoMaxChars {
			b.WriteByte('"')
			b.WriteString("...")
			return b.String()
		}
		n++
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[r>>4])
			b.WriteByte(hexDigits[r&0xF])
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cut returns s, or its first EchoMaxChars characters followed by "...".
func cut(s string) string {
	n := 0
	for i := range s {
		if n == EchoMaxChars {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// describe names a raw JSON value for "expected X, got Y" messages, never
// repeating more than EchoMaxChars characters of it.
func describe(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "the string " + quote(unescape(raw[1:len(raw)-1]))
	case 't', 'f', 'n':
		return string(raw)
	}
	return "the number " + cut(string(raw))
}
