package brief

import (
	"fmt"
	"strings"
	"time"
)

// Time is the codec of `time`: RFC 3339 with any offset and up to nine
// fractional digits on decode (truncated to microseconds, returned in UTC);
// UTC with "Z" and 0, 3 or 6 fractional digits on encode.
var Time = Codec[time.Time]{decode: decodeTime, append: AppendTime}

// ParseTime parses an RFC 3339 timestamp with any offset and up to nine
// fractional digits, truncated to microseconds and returned in UTC.
func ParseTime(s string) (time.Time, error) {
	if strings.IndexByte(s, ',') >= 0 {
		// time.Parse also takes a comma before the fraction; RFC 3339 does not.
		return time.Time{}, fmt.Errorf("expected an RFC 3339 timestamp, got %s", quote(s))
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
			return time.Time{}, fmt.Errorf("more than 9 fractional digits in %s", quote(s))
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an RFC 3339 timestamp, got %s", quote(s))
	}
	// time.Parse accepts offsets up to +99:99; RFC 3339 allows hours 00-23 and
	// minutes 00-59.
	if n := len(s); n >= 6 && (s[n-6] == '+' || s[n-6] == '-') && (s[n-5:n-3] > "23" || s[n-2:] > "59") {
		return time.Time{}, fmt.Errorf("offset out of range in %s", quote(s))
	}
	return t.Truncate(time.Microsecond).UTC(), nil
}

func decodeTime(d *decoder, v value, out *time.Time) error {
	raw := d.raw(v)
	if raw[0] != '"' {
		return decodeErr("expected an RFC 3339 timestamp string, got " + describe(raw))
	}
	t, err := ParseTime(stringValue(raw))
	if err != nil {
		return decodeErr(err.Error())
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
