package avro_unions

import (
	"reflect"
	"testing"
)

func TestUnionsRoundTrip(t *testing.T) {
	s := "https://example.com"
	score := 0.5
	values := []EventValue{
		nil, EventValueBoolean(true), EventValueInt(-1), EventValueLong(1 << 40), EventValueFloat(2.5),
		EventValueDouble(-0.125), EventValueBytes{0, 255}, EventValueString("s"), &User{ID: 7}, ColorGreen,
		Pair{1, 2}, EventValueArray{1, 2, 3}, EventValueMap{"u": {ID: 1}},
	}
	for _, v := range values {
		for _, in := range []*Event{
			{Value: v, Key: EventKeyString("k"), OtherKey: EventKeyLong(2), Single: &User{}},
			{Referrer: &s, Score: &score, Payload: []byte{}, Tags: []string{}, Attrs: map[string]string{}, User: &User{ID: 1}, Value: v, Key: EventKeyLong(-5), OtherKey: EventKeyString(""), Single: &User{ID: 3}},
		} {
			b, err := in.AppendAvro(nil)
			if err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			var out Event
			if err := out.UnmarshalAvro(b); err != nil {
				t.Fatalf("%T: %v", v, err)
			}
			if !reflect.DeepEqual(in, &out) {
				t.Errorf("%T round trip:\n in %#v\nout %#v", v, in, &out)
			}
		}
	}
	if _, err := (&Event{Key: EventKeyString("k"), OtherKey: EventKeyLong(1)}).AppendAvro(nil); err == nil {
		t.Error("a nil single-branch union encoded")
	}
}
