package avro_recursive

import (
	"reflect"
	"strings"
	"testing"
)

func roundTrip[T any, P interface {
	*T
	AppendAvro([]byte) ([]byte, error)
	UnmarshalAvro([]byte) error
}](t *testing.T, in P) {
	t.Helper()
	b, err := in.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	out := P(new(T))
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n in %#v\nout %#v", in, out)
	}
	buf := make([]byte, 0, 2*len(b))
	if n := testing.AllocsPerRun(10, func() { _, _ = in.AppendAvro(buf[:0]) }); n != 0 {
		t.Errorf("AppendAvro allocated %v times", n)
	}
}

func TestRecursiveRoundTrip(t *testing.T) {
	roundTrip(t, &LongList{Value: 1, Next: &LongList{Value: 2}})
	leaf := Tree{Label: "leaf", Children: []Tree{}, ByName: map[string]Tree{}}
	roundTrip(t, &Tree{Label: "root", Children: []Tree{leaf, leaf}, ByName: map[string]Tree{"x": {Label: "x", Children: []Tree{leaf}, ByName: map[string]Tree{"y": leaf}}}})
	roundTrip(t, &Ping{Pong: Pong{Ping: &Ping{Pong: Pong{Count: 2}}, Count: 1}})
	roundTrip(t, &JSON{Value: JSONValueMap{"a": {Value: JSONValueArray{{Value: JSONValueLong(1)}, {Value: nil}, {Value: JSONValueBoolean(true)}}}}})
}

func TestRecursiveRegistry(t *testing.T) {
	if got := strings.Join(AvroRecordNames(), ","); got != "golden.recursive.Json,golden.recursive.LongList,golden.recursive.Ping,golden.recursive.Pong,golden.recursive.Tree" {
		t.Errorf("AvroRecordNames = %s", got)
	}
	for _, name := range []string{"golden.recursive.LongList", "golden.recursive.LinkedLongs"} {
		if r, ok := NewAvroRecord(name); !ok || r.AvroFullName() != "golden.recursive.LongList" {
			t.Errorf("NewAvroRecord(%q) = %v, %v", name, r, ok)
		}
	}
}
