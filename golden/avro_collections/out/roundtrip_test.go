package avro_collections

import (
	"reflect"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestCollectionsRoundTrip(t *testing.T) {
	s := "x"
	in := &Collections{
		Ints:          []int32{1, -2, 3},
		Matrix:        [][]float64{{1, 2}, {}, {3}},
		NestedMaps:    map[string]map[string]int64{"a": {"b": 1, "c": 2}, "d": {}},
		OptionalItems: []*string{nil, &s},
		MixedItems:    []CollectionsMixedItemsItem{nil, CollectionsMixedItemsItemLong(4), CollectionsMixedItemsItemString("s")},
		MixedValues: map[string]CollectionsMixedValuesValue{
			"l": CollectionsMixedValuesValueLong(1),
			"s": CollectionsMixedValuesValueString("v"),
			"a": CollectionsMixedValuesValueArray{CollectionsMixedValuesValueArrayItemLong(2), CollectionsMixedValuesValueArrayItemString("w")},
		},
		Nulls:   make([]codec.Null, 4),
		Records: map[string]Point{"o": {}, "p": {X: 1, Y: -1}},
	}
	b, err := in.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out Collections
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip:\n in %#v\nout %#v", in, &out)
	}
}
