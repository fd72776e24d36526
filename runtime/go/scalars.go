package brief

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The codecs of brief's scalar types.
var (
	// Bool is the codec of `bool`.
	Bool = Codec[bool]{decode: decodeBool, append: strconv.AppendBool}
	// Int is the codec of `int`: decodes a JSON number that is an integer
	// (1e3 and 2.0 included) or a string of decimal digits, encodes a JSON
	// number.
	Int = Codec[int64]{decode: decodeInt, append: func(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }}
	// Float is the codec of `float`: decodes a JSON number or a string holding
	// a number, "NaN", "Infinity" or "-Infinity"; encodes a number (the three
	// special values as those strings).
	Float = Codec[float64]{decode: decodeFloat, append: appendFloat}
	// String is the codec of `string`.
	String = Codec[string]{decode: decodeString, append: appendString}
	// Bytes is the codec of `bytes`: standard padded base64 on encode;
	// standard or URL-safe (not both in one value), padded or unpadded on
	// decode.
	Bytes = Codec[[]byte]{decode: decodeBytes, append: appendBytes}
)

func decodeBool(d *decoder, v value, out *bool) error {
	switch raw := d.raw(v); raw[0] {
	case 't':
		*out = true
	case 'f':
		*out = false
	default:
		return decodeErr("expected a boolean, got " + describe(raw))
	}
	return nil
}

func decodeInt(d *decoder, v value, out *int64) error {
	raw := d.raw(v)
	if raw[0] == '"' {
		s := stringValue(raw)
		if !isDecimal(s) {
			return decodeErr("expected an integer, got the string " + quote(s))
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return decodeErr("integer " + quote(s) + " out of 64-bit range")
		}
		*out = n
		return nil
	}
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return decodeErr("expected an integer, got " + describe(raw))
	}
	text := string(raw)
	n, err := strconv.ParseInt(text, 10, 64)
	if err == nil {
		*out = n
		return nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return decodeErr("integer " + cut(text) + " out of 64-bit range")
	}
	// 1e3 or 2.0: accept numbers that are exact integers.
	f, _ := strconv.ParseFloat(text, 64)
	if f != math.Trunc(f) {
		return decodeErr("expected an integer, got the number " + cut(text))
	}
	if f < -(1<<63) || f >= 1<<63 {
		return decodeErr("integer " + cut(text) + " out of 64-bit range")
	}
	*out = int64(f)
	return nil
}

// isDecimal reports whether s is an optional '-' followed by 1+ ASCII digits.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
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

func decodeFloat(d *decoder, v value, out *float64) error {
	raw := d.raw(v)
	text := string(raw)
	if raw[0] == '"' {
		s := stringValue(raw)
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
		if !isJSONNumber(s) {
			return decodeErr("expected a number, got the string " + quote(s))
		}
		text = s
	} else if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return decodeErr("expected a number, got " + describe(raw))
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && math.IsInf(f, 0) {
		return decodeErr("number " + cut(text) + " out of range")
	}
	*out = f
	return nil
}

// isJSONNumber reports whether s has the syntax of a JSON number (-1.5e3;
// not inf, .5, +1, 01).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	start := i
	if n := digits(); n == 0 || n > 1 && s[start] == '0' {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
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

func decodeString(d *decoder, v value, out *string) error {
	raw := d.raw(v)
	if raw[0] != '"' {
		return decodeErr("expected a string, got " + describe(raw))
	}
	*out = stringValue(raw)
	return nil
}

// stringValue returns the text of a scanned (so valid) JSON string.
func stringValue(raw []byte) string {
	return unescape(raw[1 : len(raw)-1])
}

// unescape returns the text of the inside of a scanned JSON string.
func unescape(in []byte) string {
	i := 0
	for i < len(in) && in[i] != '\\' {
		i++
	}
	if i == len(in) {
		return string(in)
	}
	out := make([]byte, i, len(in))
	copy(out, in[:i])
	for i < len(in) {
		c := in[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch in[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(in[i+2:])
			if utf16.IsSurrogate(r) {
				lo, _ := hex4(in[i+8:])
				r = utf16.DecodeRune(r, lo)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			i += 6
			continue
		default: // " \ /
			out = append(out, in[i+1])
		}
		i += 2
	}
	return string(out)
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
	if strings.ContainsAny(s, "\r\n") {
		// encoding/base64 skips line breaks; the JSON mapping has none.
		return nil, errors.New("line break in base64")
	}
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

func decodeBytes(d *decoder, v value, out *[]byte) error {
	raw := d.raw(v)
	if raw[0] != '"' {
		return decodeErr("expected a base64 string, got " + describe(raw))
	}
	b, err := decodeBase64(stringValue(raw))
	if err != nil {
		return decodeErr("invalid base64: " + err.Error())
	}
	*out = b
	return nil
}

func appendBytes(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}
