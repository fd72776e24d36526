package brief_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// bestPerByte is the fastest of several timings of decoding body, per byte.
func bestPerByte(t *testing.T, body []byte) time.Duration {
	t.Helper()
	best := time.Duration(1<<63 - 1)
	for round := 0; round < 7; round++ {
		n := 0
		start := time.Now()
		for time.Since(start) < 20*time.Millisecond || n == 0 {
			if err := brief.Unmarshal(body, new(vecNode)); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if d := time.Since(start) / time.Duration(n*len(body)); d < best {
			best = d
		}
	}
	return best
}

// Decoding time grows linearly with depth: per byte, the deepest chain the
// limit allows costs about what a shallow one does. (It grew with the square
// of the depth: every level read the whole rest of the input again.) The
// bound is generous, far above noise and far below the 16x of quadratic
// time.
func TestDecodeTimeIsLinearInDepth(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	// A chain of n messages nests 2n-1 levels deep.
	shallow := bestPerByte(t, chain(64))
	deep := bestPerByte(t, chain(brief.MaxDepth/2))
	if deep > 5*shallow+time.Nanosecond {
		t.Fatalf("%v per byte %d levels deep, %v 127 levels deep: not linear", deep, brief.MaxDepth-1, shallow)
	}
}

// Far deeper input than the limit is rejected after reading MaxDepth levels,
// without recursion and without a path.
func TestHostileNestingIsRejected(t *testing.T) {
	want := fmt.Sprintf("JSON nested deeper than %d levels", brief.MaxDepth)
	for _, body := range []string{
		strings.Repeat(`{"next":`, 1<<16),
		strings.Repeat(`{"children":[`, 1<<16),
		`{"x":` + strings.Repeat(`[`, 1<<20),
	} {
		err := brief.Unmarshal([]byte(body), new(vecNode))
		var be *brief.Error
		if !errors.As(err, &be) || be.Message != want {
			t.Errorf("got %v, want %q", err, want)
		}
	}
	if err := brief.Unmarshal(chain(brief.MaxDepth/2), new(vecNode)); err != nil {
		t.Errorf("chain of %d: %v", brief.MaxDepth/2, err)
	}
	if err := brief.Unmarshal(chain(brief.MaxDepth/2+1), new(vecNode)); err == nil {
		t.Errorf("chain of %d decoded", brief.MaxDepth/2+1)
	}
}

func TestCodecDecodesOneValue(t *testing.T) {
	var ids []int64
	if err := brief.List(brief.Int).Decode([]byte(` [1, "2", 3e0] `), &ids); err != nil || fmt.Sprint(ids) != "[1 2 3]" {
		t.Fatalf("%v %v", ids, err)
	}
	var m map[string]int64
	err := brief.Map(brief.Int).Decode([]byte(`{"a":1,"b":"x"}`), &m)
	var de *brief.DecodeError
	if !errors.As(err, &de) || de.Path != `["b"]` {
		t.Fatalf("got %v, want a DecodeError at [\"b\"]", err)
	}
	var s string
	if err := brief.String.Decode([]byte(`"a\u00e9\ud83d\ude00\n\/"`), &s); err != nil || s != "aé😀\n/" {
		t.Fatalf("%q %v", s, err)
	}
	for _, bad := range []string{``, `"a`, `"a" "b"`, `"\ud800"`, "\"\xff\""} {
		if err := brief.String.Decode([]byte(bad), &s); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// Objects with many members look their fields up in a map and find repeated
// keys with a set; both must agree with the small-object paths.
func TestObjectsWithManyMembers(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"items":[],`)
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, `"u%d":{"x":[%d]},`, i, i)
	}
	b.WriteString(`"\u0061":5,"b":6}`)
	var in SumIn
	if err := brief.Unmarshal([]byte(b.String()), &in); err != nil || in.A != 5 || in.B != 6 {
		t.Fatalf("%+v %v", in, err)
	}
	dup := strings.Replace(b.String(), `"b":6`, `"b":6,"u500":1`, 1)
	err := brief.Unmarshal([]byte(dup), &in)
	if err == nil || err.(*brief.Error).Message != "u500: duplicate key" {
		t.Fatalf("got %v", err)
	}
}
