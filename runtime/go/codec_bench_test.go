package brief_test

import (
	"strconv"
	"strings"
	"testing"

	brief "github.com/brief-rpc/brief/runtime/go"
)

// benchOrder is a typical request: a few scalars, a list of messages, a map.
const benchOrder = `{"id":"42","price":19.5,"paid":true,"note":"rush","blob":"AQIDBA==",` +
	`"at":"2024-05-01T12:00:00.5+02:00","items":[{"userId":1,"color":"red","tags":["a","b"]},` +
	`{"userId":2,"color":"green","tags":[]},{"userId":3,"color":"red"}],"labels":{"x":1,"y":2},` +
	`"main":{"userId":7,"color":"red"},"colors":{"k":"green"},"nested":[[1,2],[3]]}`

func benchDecode(b *testing.B, body []byte, newMsg func() brief.Decodable) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := brief.Unmarshal(body, newMsg()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeSmall(b *testing.B) {
	benchDecode(b, []byte(`{"a":1,"b":2}`), func() brief.Decodable { return new(SumIn) })
}

func BenchmarkDecodeOrder(b *testing.B) {
	benchDecode(b, []byte(benchOrder), func() brief.Decodable { return new(Order) })
}

// treeNode is `message Node { children []Node  next Node? }`.
type treeNode struct {
	Children []treeNode
	Next     *treeNode
}

func (m *treeNode) DecodeBrief(d *brief.ObjectDecoder) {
	brief.Collection(d, "children", &m.Children, brief.List(brief.Message[treeNode]()))
	brief.Optional(d, "next", &m.Next, brief.Message[treeNode]())
}

func (m treeNode) EncodeBrief(e *brief.ObjectEncoder) {
	brief.Put(e, "children", m.Children, brief.List(brief.Message[treeNode]()))
	brief.PutOptional(e, "next", m.Next, brief.Message[treeNode]())
}

// chain is a `children` chain of n messages.
func chain(n int) []byte {
	return []byte(strings.Repeat(`{"children":[`, n-1) + `{}` + strings.Repeat(`]}`, n-1))
}

func BenchmarkDecodeChain(b *testing.B) {
	for _, n := range []int{60, 512, 1024} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			benchDecode(b, chain(n), func() brief.Decodable { return new(treeNode) })
		})
	}
}
