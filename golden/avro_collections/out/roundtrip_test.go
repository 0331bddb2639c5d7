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

// Maps of every size round-trip: small ones (at most eight entries, made
// without a larger size hint) are encoded through codec.MapEntries' direct
// read of the map's one slot group, the others through range.
func TestCollectionsMapSizesRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 8, 9, 33} {
		for _, hint := range []int{0, 64} {
			inner := make(map[string]int64, hint)
			records := make(map[string]Point, hint)
			nested := make(map[string]map[string]int64, hint)
			for i := range n {
				k := string(rune('a'+i%26)) + string(rune('A'+i/26))
				inner[k] = int64(i) << 33
				records[k] = Point{X: float64(i), Y: -float64(i)}
				nested[k] = map[string]int64{k: int64(i)}
			}
			nested["inner"] = inner
			in := &Collections{NestedMaps: nested, Records: records, MixedValues: map[string]CollectionsMixedValuesValue{}}
			b, err := in.AppendAvro(nil)
			if err != nil {
				t.Fatal(err)
			}
			var out Collections
			if err := out.UnmarshalAvro(b); err != nil {
				t.Fatalf("%d entries, hint %d: %v", n, hint, err)
			}
			in.Ints, in.Matrix, in.OptionalItems, in.MixedItems, in.Nulls = []int32{}, [][]float64{}, []*string{}, []CollectionsMixedItemsItem{}, []codec.Null{}
			if !reflect.DeepEqual(in, &out) {
				t.Errorf("%d entries, hint %d: round trip:\n in %#v\nout %#v", n, hint, in, &out)
			}
		}
	}
}
