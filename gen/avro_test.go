package gen_test

import (
	"bytes"
	"fmt"
	"go/format"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
)

// avroCase is one package generated from a schema set and exercised by a
// hand-written test compiled with it in a scratch module.
type avroCase struct {
	pkg     string
	schemas []string
	test    string // Go test code of the package, after its package clause
}

// avroHelpers is compiled into every case package: check round-trips a
// value through the generated codec and cross-checks the bytes with goavro.
const avroHelpers = `
import (
	"bytes"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
	"github.com/streamgen/streamgen/runtime/codec"
)

// check encodes in, decodes the bytes into out and compares. canonical
// says whether goavro must re-encode its decoding to the same bytes (not
// so for maps of more than one entry, whose order is Go's map order).
func check(t *testing.T, in, out codec.AvroRecord, canonical bool) []byte {
	t.Helper()
	b, err := in.AppendAvro(nil)
	if err != nil {
		t.Fatalf("AppendAvro: %v", err)
	}
	pre, err := in.AppendAvro([]byte("prefix"))
	if err != nil || string(pre[:6]) != "prefix" || !bytes.Equal(pre[6:], b) {
		t.Fatalf("AppendAvro after a prefix = %q, %v", pre, err)
	}
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatalf("UnmarshalAvro(% x): %v", b, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the value:\n in: %#v\nout: %#v", in, out)
	}
	c, err := goavro.NewCodec(in.AvroSchema())
	if err != nil {
		t.Fatalf("goavro rejects AvroSchema(): %v", err)
	}
	native, rest, err := c.NativeFromBinary(b)
	if err != nil || len(rest) != 0 {
		t.Fatalf("goavro cannot decode % x: %v (%d bytes left)", b, err, len(rest))
	}
	if canonical {
		again, err := c.BinaryFromNative(nil, native)
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("goavro re-encodes % x as % x (%v)", b, again, err)
		}
	}
	if err := out.UnmarshalAvro(append(append([]byte(nil), b...), 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("a trailing byte gave %v, want an error", err)
	}
	for i := 0; i < len(b); i++ {
		if err := out.UnmarshalAvro(b[:i]); err == nil {
			t.Errorf("the first %d of %d bytes decoded without error", i, len(b))
		}
	}
	buf := make([]byte, 0, 2*len(b)+64)
	if n := testing.AllocsPerRun(20, func() { _, _ = in.AppendAvro(buf[:0]) }); n != 0 {
		t.Errorf("AppendAvro into a buffer with room allocated %v times", n)
	}
	return b
}

// fromGoavro encodes a goavro native value with the record's schema.
func fromGoavro(t *testing.T, rec codec.AvroRecord, native any) []byte {
	t.Helper()
	c, err := goavro.NewCodec(rec.AvroSchema())
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.BinaryFromNative(nil, native)
	if err != nil {
		t.Fatalf("goavro BinaryFromNative: %v", err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// allocBytes returns the bytes allocated while f runs.
func allocBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func mustErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one containing %q", err, want)
	}
}
`

var avroCases = []avroCase{
	{
		pkg: "primitives",
		schemas: []string{`{"type":"record","name":"Prims","namespace":"t.prims","fields":[
			{"name":"n","type":"null"},
			{"name":"b","type":"boolean"},
			{"name":"i","type":"int"},
			{"name":"l","type":"long"},
			{"name":"f","type":"float"},
			{"name":"d","type":"double"},
			{"name":"by","type":"bytes"},
			{"name":"s","type":"string"},
			{"name":"long_form","type":{"type":"string"}},
			{"name":"nulls","type":{"type":"array","items":"null"}},
			{"name":"null_values","type":{"type":"map","values":"null"}}]}`},
		test: `
import (
	"math"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestPrimitives(t *testing.T) {
	for _, in := range []*Prims{
		{By: []byte{}, Nulls: []codec.Null{}, NullValues: map[string]codec.Null{}},
		{B: true, I: math.MinInt32, L: math.MaxInt64, F: 1.5, D: -2.25, By: []byte{0, 1, 255}, S: "héllo", LongForm: "x", Nulls: make([]codec.Null, 3), NullValues: map[string]codec.Null{"k": {}}},
		{I: math.MaxInt32, L: math.MinInt64, F: float32(math.Inf(-1)), D: math.SmallestNonzeroFloat64, By: []byte{}, S: "", Nulls: []codec.Null{}, NullValues: map[string]codec.Null{}},
	} {
		out := new(Prims)
		check(t, in, out, true)
		if out.By == nil {
			t.Error("decoded bytes are nil")
		}
	}
	// NaN survives bit for bit (DeepEqual cannot compare it).
	in := &Prims{F: float32(math.NaN()), D: math.NaN(), Nulls: []codec.Null{}, NullValues: map[string]codec.Null{}}
	b, _ := in.AppendAvro(nil)
	var out Prims
	if err := out.UnmarshalAvro(b); err != nil || !math.IsNaN(out.D) || !math.IsNaN(float64(out.F)) {
		t.Errorf("NaN: %v %v %v", out.F, out.D, err)
	}
	// A value written by goavro decodes.
	b = fromGoavro(t, in, map[string]any{"n": nil, "b": true, "i": int32(-3), "l": int64(1) << 40, "f": float32(0.5), "d": 0.25, "by": []byte("xy"), "s": "s", "long_form": "lf", "nulls": []any{nil, nil}, "null_values": map[string]any{}})
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if out.I != -3 || out.L != 1<<40 || string(out.By) != "xy" || out.LongForm != "lf" || !out.B || len(out.Nulls) != 2 {
		t.Errorf("from goavro: %+v", out)
	}
}

func TestHostileLengths(t *testing.T) {
	var p Prims
	// boolean, int, long, float, double, then bytes claiming 2 GB.
	b := []byte{1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10}
	mustErr(t, p.UnmarshalAvro(b), "avro: decoding t.prims.Prims: reading bytes at byte 15: length 2147483648 exceeds the 0 bytes left")
	if n := allocBytes(func() { _ = p.UnmarshalAvro(b) }); n > 1<<16 {
		t.Errorf("a hostile length allocated %d bytes", n)
	}
	// A billion nulls: items that take no bytes are bounded by
	// codec.MaxZeroSizeItems instead of by the input left.
	ok, _ := (&Prims{By: []byte{}}).AppendAvro(nil)
	i := len(ok) - 2 // the nulls count, then the null_values count
	hostile := append(append(append([]byte{}, ok[:i]...), codec.AppendLong(nil, 1e9)...), ok[i+1:]...)
	mustErr(t, p.UnmarshalAvro(hostile), "1000000000 items exceed the limit of 65536 (codec.MaxZeroSizeItems)")
}
`,
	},
	{
		pkg: "logical",
		schemas: []string{`{"type":"record","name":"Logical","namespace":"t.logical","fields":[
			{"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":3}},
			{"name":"dec_fixed","type":{"type":"fixed","name":"Money","size":9,"logicalType":"decimal","precision":20,"scale":2}},
			{"name":"big","type":{"type":"bytes","logicalType":"big-decimal"}},
			{"name":"uuid","type":{"type":"string","logicalType":"uuid"}},
			{"name":"uuid_fixed","type":{"type":"fixed","name":"UUIDFixed","size":16,"logicalType":"uuid"}},
			{"name":"date","type":{"type":"int","logicalType":"date"}},
			{"name":"time_ms","type":{"type":"int","logicalType":"time-millis"}},
			{"name":"time_us","type":{"type":"long","logicalType":"time-micros"}},
			{"name":"ts_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
			{"name":"ts_us","type":{"type":"long","logicalType":"timestamp-micros"}},
			{"name":"ts_ns","type":{"type":"long","logicalType":"timestamp-nanos"}},
			{"name":"lts_ms","type":{"type":"long","logicalType":"local-timestamp-millis"}},
			{"name":"lts_us","type":{"type":"long","logicalType":"local-timestamp-micros"}},
			{"name":"lts_ns","type":{"type":"long","logicalType":"local-timestamp-nanos"}},
			{"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
			{"name":"opt_date","type":["null",{"type":"int","logicalType":"date"}]},
			{"name":"opt_dec","type":[{"type":"bytes","logicalType":"decimal","precision":4,"scale":1},"null"]},
			{"name":"either","type":["string",{"type":"long","logicalType":"timestamp-micros"},{"type":"fixed","name":"UUID16","size":16,"logicalType":"uuid"}]},
			{"name":"dates","type":{"type":"array","items":{"type":"int","logicalType":"date"}}},
			{"name":"date_props","type":{"type":"int","logicalType":"date","extra":1}},
			{"name":"invalid_logical","type":{"type":"string","logicalType":"decimal"}}]}`},
		test: `
import (
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestLogical(t *testing.T) {
	ts := time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.UTC)
	in := &Logical{
		Dec:            codec.MustParseDecimal("-123456789.123"),
		DecFixed:       codec.MustParseDecimal("-0.05"),
		Big:            codec.MustParseDecimal("-1234567890123456789012345678901234567890.5"),
		UUID:           codec.MustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
		UUIDFixed:      codec.NewRandomUUID(),
		Date:           time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC),
		TimeMs:         13*time.Hour + 5*time.Millisecond,
		TimeUs:         23*time.Hour + 7*time.Microsecond,
		TsMs:           ts.Truncate(time.Millisecond),
		TsUs:           ts.Truncate(time.Microsecond),
		TsNs:           ts,
		LtsMs:          ts.Truncate(time.Millisecond),
		LtsUs:          ts.Truncate(time.Microsecond),
		LtsNs:          ts,
		Dur:            codec.Duration{Months: 1, Days: 2, Millis: 3},
		OptDate:        ptr(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)),
		OptDec:         ptr(codec.MustParseDecimal("99.9")),
		Either:         LogicalEitherTimestampMicros(ts.Truncate(time.Microsecond)),
		Dates:          []time.Time{time.Unix(0, 0).UTC(), time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)},
		DateProps:      time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC),
		InvalidLogical: "not a decimal: the logical type is invalid, so this is a string",
	}
	b := check(t, in, new(Logical), true)
	// Wire values, checked against the specification: the date is days
	// since the epoch, the timestamp milliseconds since the epoch.
	var out Logical
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if d := int(out.Date.Sub(time.Unix(0, 0)) / (24 * time.Hour)); d != -165 {
		t.Errorf("date is day %d, want -165", d)
	}
	in.Either = LogicalEitherUUID16(codec.NewRandomUUID())
	check(t, in, new(Logical), true)
	in.Either = LogicalEitherString("plain")
	in.OptDate, in.OptDec = nil, nil
	check(t, in, new(Logical), true)

	// Local timestamps keep the wall clock, whatever the location.
	paris := time.FixedZone("CET", 3600)
	in.LtsMs = time.Date(2024, 1, 1, 10, 0, 0, 0, paris)
	b, err := in.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC); !out.LtsMs.Equal(want) {
		t.Errorf("local timestamp decoded as %v, want %v", out.LtsMs, want)
	}
}

func TestLogicalErrors(t *testing.T) {
	base := func() *Logical {
		epoch := time.Unix(0, 0).UTC()
		return &Logical{Either: LogicalEitherString(""), TsNs: epoch, LtsNs: epoch}
	}
	tests := []struct {
		name string
		mod  func(l *Logical)
		want string
	}{
		{"decimal precision", func(l *Logical) { l.Dec = codec.MustParseDecimal("1234567890.123") }, "avro: encoding t.logical.Logical.dec: 1234567890.123 has 13 digits, more than the precision 12"},
		{"decimal rounding", func(l *Logical) { l.Dec = codec.MustParseDecimal("1.0005") }, "t.logical.Logical.dec: decimal 1.0005 cannot be written with scale 3 without rounding"},
		{"fixed decimal size", func(l *Logical) { l.DecFixed = codec.MustParseDecimal("1e19") }, "t.logical.Logical.dec_fixed:"},
		{"nullable decimal", func(l *Logical) { l.OptDec = ptr(codec.MustParseDecimal("1000")) }, "t.logical.Logical.opt_dec: 1000.0 has 5 digits"},
		{"time-millis", func(l *Logical) { l.TimeMs = 1000 * time.Hour }, "t.logical.Logical.time_ms: 1000h0m0s overflows"},
		{"timestamp-nanos", func(l *Logical) { l.TsNs = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "t.logical.Logical.ts_ns:"},
		{"nil union", func(l *Logical) { l.Either = nil }, "avro: encoding t.logical.Logical.either: nil value for a type without null"},
	}
	for _, tc := range tests {
		l := base()
		tc.mod(l)
		_, err := l.AppendAvro(nil)
		mustErr(t, err, tc.want)
	}
}
`,
	},
	{
		pkg: "enums",
		schemas: []string{`{"type":"record","name":"Card","namespace":"t.cards","fields":[
			{"name":"suit","type":{"type":"enum","name":"Suit","symbols":["SPADES","HEARTS","DIAMONDS","CLUBS"],"default":"SPADES","doc":"The suit."}},
			{"name":"kw","type":{"type":"enum","name":"Keywords","symbols":["int","type","func","default","Int"]}},
			{"name":"hash","type":{"type":"fixed","name":"MD5","size":16}},
			{"name":"suits","type":{"type":"array","items":"Suit"}},
			{"name":"hashes","type":{"type":"map","values":"MD5"}},
			{"name":"opt_suit","type":["null","Suit"]},
			{"name":"opt_hash","type":["MD5","null"]}]}`},
		test: `
import "testing"

func TestEnums(t *testing.T) {
	in := &Card{Suit: SuitClubs, Kw: KeywordsInt2, Hash: MD5{1, 2, 3}, Suits: []Suit{SuitHearts, SuitDiamonds}, Hashes: map[string]MD5{"a": {9}}, OptSuit: ptr(SuitHearts), OptHash: &MD5{7}}
	check(t, in, new(Card), true)
	check(t, &Card{Suits: []Suit{}, Hashes: map[string]MD5{}}, new(Card), true)
	if SuitDiamonds.String() != "DIAMONDS" || Suit(9).String() != "Suit(9)" {
		t.Errorf("String: %s %s", SuitDiamonds, Suit(9))
	}
	if s, err := ParseSuit("CLUBS"); err != nil || s != SuitClubs {
		t.Errorf("ParseSuit = %v, %v", s, err)
	}
	_, err := ParseSuit("JOKER")
	mustErr(t, err, "unknown symbol \"JOKER\" of Avro enum t.cards.Suit")
	if KeywordsInt.String() != "int" || KeywordsType.String() != "type" || KeywordsInt2.String() != "Int" {
		t.Error("keyword symbols")
	}
	var s Suit
	if err := s.UnmarshalText([]byte("HEARTS")); err != nil || s != SuitHearts {
		t.Errorf("UnmarshalText = %v, %v", s, err)
	}
	if b, err := SuitHearts.MarshalText(); err != nil || string(b) != "HEARTS" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}

	_, err = (&Card{Suit: 4, Suits: []Suit{}}).AppendAvro(nil)
	mustErr(t, err, "avro: encoding t.cards.Card.suit: enum value 4 out of range [0, 4)")
	_, err = (&Card{Suits: []Suit{0, -1}}).AppendAvro(nil)
	mustErr(t, err, "avro: encoding t.cards.Card.suits[]: enum value -1 out of range")

	// An index out of range on the wire is an error.
	b, _ := (&Card{}).AppendAvro(nil)
	b[0] = 8
	mustErr(t, new(Card).UnmarshalAvro(b), "reading enum index at byte 1: index 4 out of range [0, 4)")
}
`,
	},
	{
		pkg: "unions",
		schemas: []string{`{"type":"record","name":"U","namespace":"t.unions","fields":[
			{"name":"null_first","type":["null","string"]},
			{"name":"null_second","type":["long","null"]},
			{"name":"opt_bytes","type":["null","bytes"]},
			{"name":"opt_array","type":["null",{"type":"array","items":"int"}]},
			{"name":"opt_map","type":[{"type":"map","values":"string"},"null"]},
			{"name":"opt_rec","type":["null",{"type":"record","name":"Leaf","fields":[{"name":"v","type":"int"}]}]},
			{"name":"multi","type":["null","boolean","int","long","float","double","bytes","string","Leaf",
				{"type":"enum","name":"Color","symbols":["RED","GREEN"]},{"type":"fixed","name":"F2","size":2},
				{"type":"array","items":["null","string"]},{"type":"map","values":["int","Leaf"]}]},
			{"name":"no_null","type":["string","Leaf"]},
			{"name":"same_again","type":["string","Leaf"]},
			{"name":"items","type":{"type":"array","items":["null","long","Leaf"]}},
			{"name":"values","type":{"type":"map","values":["null","long","Leaf"]}},
			{"name":"single","type":["int"]}]}`},
		test: `
import "testing"

func TestUnions(t *testing.T) {
	full := &U{
		NullFirst:  ptr("x"),
		NullSecond: ptr(int64(-7)),
		OptBytes:   []byte{},
		OptArray:   []int32{},
		OptMap:     map[string]string{},
		OptRec:     &Leaf{V: 3},
		Multi:      UMultiString("s"),
		NoNull:     &Leaf{V: 1},
		SameAgain:  UNoNullString("same type"),
		Items:      []UItemsItem{nil, UItemsItemLong(5), &Leaf{V: 2}},
		Values:     map[string]UItemsItem{"only": UItemsItemLong(-1)},
		Single:     USingleInt(4),
	}
	out := new(U)
	check(t, full, out, true)
	if out.OptBytes == nil || out.OptArray == nil || out.OptMap == nil {
		t.Error("empty nullable values decoded as null")
	}
	empty := &U{NoNull: UNoNullString(""), SameAgain: &Leaf{}, Items: []UItemsItem{}, Values: map[string]UItemsItem{}, Single: USingleInt(0)}
	out = new(U)
	check(t, empty, out, true)
	if out.OptBytes != nil || out.OptArray != nil || out.OptMap != nil || out.OptRec != nil || out.NullFirst != nil {
		t.Error("null values decoded as non-nil")
	}
	for _, m := range []UMulti{
		nil, UMultiBoolean(true), UMultiInt(-1), UMultiLong(1 << 50), UMultiFloat(1.5), UMultiDouble(2.5),
		UMultiBytes("raw"), UMultiString("str"), &Leaf{V: 9}, ColorGreen, F2{1, 2},
		UMultiArray{nil, ptr("a")}, UMultiMap{"k": UMultiMapValueInt(1)}, UMultiMap{"r": &Leaf{V: 1}},
	} {
		in := *full
		in.Multi = m
		check(t, &in, new(U), true)
	}
	in := *full
	in.NoNull = nil
	_, err := in.AppendAvro(nil)
	mustErr(t, err, "avro: encoding t.unions.U.no_null: nil value for a type without null")
	in = *full
	in.NoNull = (*Leaf)(nil)
	_, err = in.AppendAvro(nil)
	mustErr(t, err, "t.unions.U.no_null: nil value")
	in = *full
	in.Multi = UMultiArray{nil}
	in.Items = []UItemsItem{(*Leaf)(nil)}
	_, err = in.AppendAvro(nil)
	mustErr(t, err, "t.unions.U.items[]: nil value")

	// A branch index out of range is an error.
	b, _ := empty.AppendAvro(nil)
	b[0] = 4
	mustErr(t, new(U).UnmarshalAvro(b), "reading union t.unions.U.null_first at byte 1: index 2 out of range [0, 2)")
}
`,
	},
	{
		pkg: "recursion",
		schemas: []string{
			`{"type":"record","name":"LongList","namespace":"t.rec","aliases":["LinkedLongs"],"fields":[
				{"name":"value","type":"long"},
				{"name":"next","type":["LongList","null"]}]}`,
			`{"type":"record","name":"Node","namespace":"t.rec","fields":[
				{"name":"label","type":"string"},
				{"name":"children","type":{"type":"array","items":"Node"}},
				{"name":"by_name","type":{"type":"map","values":"Node"}}]}`,
			`{"type":"record","name":"A","namespace":"t.rec","fields":[
				{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]},{"name":"n","type":"int"}]}}]}`,
			`{"type":"record","name":"Self","namespace":"t.rec","fields":[{"name":"self","type":"Self"}]}`,
			`{"type":"record","name":"Json","namespace":"t.rec","fields":[{"name":"value","type":["long","double","string","boolean","null",{"type":"array","items":"Json"},{"type":"map","values":"Json"}]}]}`,
		},
		test: `
import (
	"strings"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestRecursion(t *testing.T) {
	list := &LongList{Value: 1, Next: &LongList{Value: 2, Next: &LongList{Value: 3}}}
	check(t, list, new(LongList), true)
	tree := &Node{Label: "root", Children: []Node{{Label: "a", Children: []Node{}, ByName: map[string]Node{}}}, ByName: map[string]Node{"b": {Label: "b", Children: []Node{}, ByName: map[string]Node{}}}}
	check(t, tree, new(Node), true)
	a := &A{B: B{A: &A{B: B{N: 2}}, N: 1}}
	check(t, a, new(A), true)
	j := &JSON{Value: JSONValueArray{{Value: JSONValueLong(1)}, {Value: JSONValueMap{"k": {Value: JSONValueString("v")}}}, {Value: nil}}}
	check(t, j, new(JSON), true)

	// A record that contains itself by value holds a pointer; it has no
	// finite value, so encoding ends at a nil pointer and decoding at the
	// depth limit.
	_, err := (&Self{Self: &Self{}}).AppendAvro(nil)
	mustErr(t, err, "avro: encoding t.rec.Self.self: nil value")
	mustErr(t, new(Self).UnmarshalAvro(nil), "records nest deeper than")

	// Hostile nesting: a long list deeper than codec.MaxDepth fails cleanly.
	deep := make([]byte, 0, 3*codec.MaxDepth)
	for i := 0; i <= codec.MaxDepth; i++ {
		deep = append(deep, 2, 0) // value 1, next: branch 0 (a LongList)
	}
	mustErr(t, new(LongList).UnmarshalAvro(deep), "records nest deeper than 10000")

	// Registry: full names and aliases.
	for _, name := range []string{"t.rec.LongList", "t.rec.LinkedLongs"} {
		r, ok := NewAvroRecord(name)
		if _, isList := r.(*LongList); !ok || !isList {
			t.Errorf("NewAvroRecord(%q) = %T, %v", name, r, ok)
		}
	}
	if _, ok := NewAvroRecord("t.rec.Nope"); ok {
		t.Error("NewAvroRecord found an unknown name")
	}
	if got := strings.Join(AvroRecordNames(), " "); got != "t.rec.A t.rec.B t.rec.Json t.rec.LongList t.rec.Node t.rec.Self" {
		t.Errorf("AvroRecordNames = %s", got)
	}
}
`,
	},
	{
		pkg: "names",
		schemas: []string{`{"type":"record","name":"Outer","namespace":"com.one","fields":[
			{"name":"a","type":{"type":"record","name":"Item","fields":[{"name":"x","type":"int"}]}},
			{"name":"b","type":{"type":"record","name":"Item","namespace":"com.two","fields":[{"name":"y","type":"string"}]}},
			{"name":"c","type":{"type":"record","name":"Item","namespace":"","fields":[{"name":"z","type":"long"}]}},
			{"name":"type","type":"string","doc":"line one\r\nline two */ /* \\ trailing\\"},
			{"name":"func","type":"int"},
			{"name":"map","type":"int"},
			{"name":"range","type":"int"},
			{"name":"AppendAvro","type":"int"},
			{"name":"avro_schema","type":"int"},
			{"name":"user_id","type":"int"},
			{"name":"userId","type":"int"},
			{"name":"_x","type":"int"},
			{"name":"X","type":"int"}]}`},
		test: `
import "testing"

func TestNames(t *testing.T) {
	in := &Outer{A: OneItem{X: 1}, B: TwoItem{Y: "y"}, C: Item{Z: 3}, Type: "t", Func: 1, Map: 2, Range: 3, AppendAvro2: 4, AvroSchema2: 5, UserID: 6, UserID2: 7, X: 8, X2: 9}
	check(t, in, new(Outer), true)
	if (*OneItem)(nil).AvroFullName() != "com.one.Item" || (*TwoItem)(nil).AvroFullName() != "com.two.Item" || (*Item)(nil).AvroFullName() != "Item" {
		t.Error("full names")
	}
}
`,
	},
	{
		pkg: "multifile",
		schemas: []string{
			`{"type":"record","name":"Event","namespace":"app","fields":[{"name":"doc","type":"model.Doc"},{"name":"docs","type":{"type":"array","items":"model.Doc"}}]}`,
			`{"type":"record","name":"Doc","namespace":"model","fields":[{"name":"id","type":{"type":"string","logicalType":"uuid"}},{"name":"size","type":"long"}]}`,
		},
		test: `
import (
	"bytes"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

func TestMultiFile(t *testing.T) {
	in := &Event{Doc: Doc{ID: codec.NewRandomUUID(), Size: 10}, Docs: []Doc{{Size: 1}, {Size: 2}}}
	check(t, in, new(Event), true)
}

func TestJSONAndResolution(t *testing.T) {
	in := &Event{Doc: Doc{ID: codec.NewRandomUUID(), Size: 10}, Docs: []Doc{{Size: 1}}}
	js, err := in.MarshalAvroJSON()
	if err != nil {
		t.Fatal(err)
	}
	var out Event
	if err := out.UnmarshalAvroJSON(js); err != nil {
		t.Fatalf("UnmarshalAvroJSON(%s): %v", js, err)
	}
	if out.Doc != in.Doc || len(out.Docs) != 1 || out.Docs[0] != in.Docs[0] {
		t.Errorf("JSON round trip: %+v", out)
	}

	// Data written with another writer schema (an extra field, size as
	// an int, the fields in another order) resolves into the current type.
	writer := schema.MustParseAvroString(` + "`" + `{"type":"record","name":"Doc","namespace":"model","fields":[{"name":"extra","type":"string"},{"name":"size","type":"int"},{"name":"id","type":{"type":"string","logicalType":"uuid"}}]}` + "`" + `)
	cache := codec.NewResolverCache((*Doc)(nil).AvroType())
	res, err := cache.Get(writer)
	if err != nil {
		t.Fatal(err)
	}
	id := codec.NewRandomUUID()
	var w []byte
	w = codec.AppendString(w, "dropped")
	w = codec.AppendInt(w, 42)
	w = codec.AppendUUIDString(w, id)
	var d Doc
	if err := d.UnmarshalAvroResolved(res, w); err != nil {
		t.Fatal(err)
	}
	if d.ID != id || d.Size != 42 {
		t.Errorf("resolved: %+v", d)
	}
	same, err := codec.NewResolver((*Doc)(nil).AvroType(), (*Doc)(nil).AvroType())
	if err != nil || !same.Identity() {
		t.Fatalf("identity resolver: %v", err)
	}
	b, _ := d.AppendAvro(nil)
	var d2 Doc
	if err := d2.UnmarshalAvroResolved(same, b); err != nil || d2 != d {
		t.Errorf("identity resolution: %+v %v", d2, err)
	}
	if !bytes.Contains([]byte((*Event)(nil).AvroSchema()), []byte(` + "`" + `"name":"Doc"` + "`" + `)) {
		t.Error("AvroSchema of Event does not define Doc")
	}
}
`,
	},
	{
		pkg: "click",
		schemas: []string{`{"type":"record","name":"Click","namespace":"bench","fields":[
			{"name":"event_id","type":"string"},
			{"name":"user_id","type":"string"},
			{"name":"url","type":"string"},
			{"name":"referrer","type":["null","string"]},
			{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
			{"name":"duration_ms","type":"long"},
			{"name":"session_id","type":"string"},
			{"name":"tags","type":{"type":"array","items":"string"}},
			{"name":"attrs","type":{"type":"map","values":"string"}},
			{"name":"is_bot","type":"boolean"}]}`},
		test: `
import (
	"testing"
	"time"
)

func sample() *Click {
	return &Click{
		EventID: "e-1", UserID: "u-42", URL: "https://example.com/a", Referrer: ptr("https://example.com/"),
		Ts: time.UnixMilli(1700000000123).UTC(), DurationMs: 1234, SessionID: "s-1",
		Tags: []string{"a", "b", "c"}, Attrs: map[string]string{"k": "v"}, IsBot: false,
	}
}

func TestClick(t *testing.T) {
	check(t, sample(), new(Click), true)
}

// Decoding allocates at most once per variable-length value, and less:
// the strings share one arena, then come the referrer's pointer, the tags
// slice and the map (its header and its table).
func TestClickDecodeAllocations(t *testing.T) {
	b, _ := sample().AppendAvro(nil)
	var c Click
	n := testing.AllocsPerRun(100, func() {
		if err := c.UnmarshalAvro(b); err != nil {
			t.Fatal(err)
		}
	})
	if n > 6 {
		t.Errorf("decoding allocated %v times, want at most 6", n)
	}
}

func TestClickHostileCounts(t *testing.T) {
	c := sample()
	c.Tags, c.Attrs = nil, nil
	b, _ := c.AppendAvro(nil)
	// Replace the empty tags (a 0 count) with a claim of a billion items.
	i := len(b) - 3 // tags count, attrs count, is_bot
	hostile := append(append(append([]byte{}, b[:i]...), 0x80, 0xa8, 0xd6, 0xb9, 0x07), b[i+1:]...)
	mustErr(t, new(Click).UnmarshalAvro(hostile), "1000000000 items of at least 1 bytes each exceed the 2 bytes left")
	var mem Click
	if n := allocBytes(func() { _ = mem.UnmarshalAvro(hostile) }); n > 1<<16 {
		t.Errorf("a hostile count allocated %d bytes", n)
	}
}

func BenchmarkClickEncode(b *testing.B) {
	c := sample()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = c.AppendAvro(buf[:0])
	}
}

func BenchmarkClickDecode(b *testing.B) {
	data, _ := sample().AppendAvro(nil)
	var c Click
	b.ReportAllocs()
	for b.Loop() {
		if err := c.UnmarshalAvro(data); err != nil {
			b.Fatal(err)
		}
	}
}
`,
	},
}

// TestTypesCompileAndRoundTrip generates every case into one scratch
// module and runs the cases' tests there, in one go command.
func TestTypesCompileAndRoundTrip(t *testing.T) {
	files := map[string][]byte{}
	for _, tc := range avroCases {
		s := avroParseSet(t, tc.pkg, tc.schemas)
		out, err := gen.Types(s, gen.Options{Package: tc.pkg})
		if err != nil {
			t.Fatalf("%s: Types: %v", tc.pkg, err)
		}
		again, err := gen.Types(s, gen.Options{Package: tc.pkg})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 3 || out[0].Name != "types.gen.go" || out[1].Name != "avro.gen.go" || out[2].Name != "registry.gen.go" {
			t.Fatalf("%s: files %v", tc.pkg, avroFileNames(out))
		}
		for i, f := range out {
			if !bytes.Equal(f.Content, again[i].Content) {
				t.Errorf("%s/%s: output differs between two runs", tc.pkg, f.Name)
			}
			if !bytes.HasPrefix(f.Content, []byte("// Code generated by streamgen. DO NOT EDIT.\n")) {
				t.Errorf("%s/%s: no header", tc.pkg, f.Name)
			}
			if formatted, err := format.Source(f.Content); err != nil || !bytes.Equal(formatted, f.Content) {
				t.Errorf("%s/%s: not gofmt-clean (%v)", tc.pkg, f.Name, err)
			}
			files[tc.pkg+"/"+f.Name] = f.Content
		}
		if n := strings.Count(string(out[2].Content), "codec.EnforceVersion(") + strings.Count(string(out[0].Content)+string(out[1].Content), "EnforceVersion"); n != 2 {
			t.Errorf("%s: EnforceVersion appears %d times, want once (two constants) in registry.gen.go", tc.pkg, n)
		}
		files[tc.pkg+"/helpers_test.go"] = []byte("package " + tc.pkg + "\n" + avroHelpers)
		files[tc.pkg+"/case_test.go"] = []byte("package " + tc.pkg + "\n" + tc.test)
	}
	dir := gotest.Module(t, files)
	gotest.Go(t, dir, "vet", "./...")
	// The Reader lives on the decoder's stack, and no record copy moves to
	// the heap (see the by-value twins of recursive records).
	escapes := gotest.Go(t, dir, "build", "-gcflags=-m", "./...")
	for _, line := range strings.Split(escapes, "\n") {
		if i := strings.Index(line, "moved to heap: "); i >= 0 {
			switch v := line[i+len("moved to heap: "):]; {
			case v == "r", v == "x", strings.HasPrefix(v, "e"), strings.HasPrefix(v, "a"):
				t.Errorf("escape analysis: %s", line)
			}
		}
	}
	out := gotest.Go(t, dir, "test", "-count=1", "./...")
	t.Log(out)
}

// TestTypesCorpusCompiles generates every valid schema of the Avro
// conformance corpus (../shared/conformance/avro) into one scratch module
// and vets it: names, unions, recursion and docs of real-world schemas
// must all produce compiling code. Round trips against goavro over the
// corpus are gen/diff_test.go's job.
func TestTypesCorpusCompiles(t *testing.T) {
	root := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	// Files that must fail (INDEX.md), and sets that only parse together.
	invalid := map[string]bool{"cpp-jsonschemas/nested.error.avsc": true, "cpp-jsonschemas/verboseint.avsc": true}
	sets := map[string][]string{"misc/ApplicationEvent.avsc": {"misc/ApplicationEvent.avsc", "misc/DocumentInfo.avsc"}}
	var rels []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !d.IsDir() && strings.HasSuffix(p, ".avsc") && !strings.Contains(rel, "/fail/") && !invalid[rel] {
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for i, rel := range rels {
		set := sets[rel]
		if set == nil {
			set = []string{rel}
		}
		var paths []string
		for _, r := range set {
			paths = append(paths, filepath.Join(root, r))
		}
		s, err := schema.ParseAvroFiles(paths...)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		pkg := fmt.Sprintf("c%02d", i)
		out, err := gen.Types(s, gen.Options{Package: pkg})
		if err != nil {
			t.Errorf("%s: Types: %v", rel, err)
			continue
		}
		for _, f := range out {
			if formatted, err := format.Source(f.Content); err != nil || !bytes.Equal(formatted, f.Content) {
				t.Errorf("%s: %s is not gofmt-clean (%v)", rel, f.Name, err)
			}
			files[pkg+"/"+f.Name] = f.Content
		}
	}
	if len(rels) < 80 {
		t.Fatalf("found %d corpus schemas, want the whole corpus", len(rels))
	}
	dir := gotest.Module(t, files)
	gotest.Go(t, dir, "vet", "./...")
}

func avroParseSet(t *testing.T, pkg string, schemas []string) *schema.Schema {
	t.Helper()
	var srcs []schema.Source
	for i, s := range schemas {
		srcs = append(srcs, schema.Source{Name: pkg + "_" + string(rune('a'+i)) + ".avsc", Data: []byte(s)})
	}
	s, err := schema.ParseAvro(srcs...)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	return s
}

func avroFileNames(fs []gen.File) []string {
	var n []string
	for _, f := range fs {
		n = append(n, f.Name)
	}
	return n
}

func TestTypesRequiresPackage(t *testing.T) {
	s := avroParseSet(t, "p", []string{`{"type":"record","name":"R","fields":[]}`})
	if _, err := gen.Types(s, gen.Options{}); err == nil || !strings.Contains(err.Error(), "Package is required") {
		t.Errorf("Types without a package: %v", err)
	}
}

// TestTypesEmitterShapes checks, without compiling, the Go shapes the
// emitters choose for each kind of schema.
func TestTypesEmitterShapes(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		file   int // 0 types.gen.go, 1 avro.gen.go, 2 registry.gen.go
		want   []string
	}{
		{"nullable pointer", `{"type":"record","name":"R","fields":[{"name":"a","type":["null","int"]}]}`, 0, []string{"A *int32 `avro:\"a\"`"}},
		{"nullable slice", `{"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"array","items":"int"}]}]}`, 0, []string{"A []int32 `avro:\"a\"`"}},
		{"nullable bytes", `{"type":"record","name":"R","fields":[{"name":"a","type":["bytes","null"]}]}`, 0, []string{"A []byte `avro:\"a\"`"}},
		{"nullable decimal", `{"type":"record","name":"R","fields":[{"name":"a","type":["null",{"type":"bytes","logicalType":"decimal","precision":3}]}]}`, 0, []string{"A *codec.Decimal `avro:\"a\"`"}},
		{"sealed union", `{"type":"record","name":"R","fields":[{"name":"a","type":["int","string"]}]}`, 0, []string{"type RA interface {", "isRA()", "type RAInt int32", "type RAString string", "func (RAInt) isRA() {}"}},
		{"union dedupe", `{"type":"record","name":"R","fields":[{"name":"a","type":["int","string"]},{"name":"b","type":["int","string"]}]}`, 0, []string{"A RA `avro:\"a\"`", "B RA `avro:\"b\"`"}},
		{"union logical differs", `{"type":"record","name":"R","fields":[{"name":"a","type":["string","long"]},{"name":"b","type":["string",{"type":"long","logicalType":"timestamp-millis"}]}]}`, 0, []string{"A RA `avro:\"a\"`", "B RB `avro:\"b\"`", "type RBTimestampMillis time.Time"}},
		{"union item names", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"map","values":{"type":"array","items":["int","string"]}}}]}`, 0, []string{"A map[string][]RAValueItem `avro:\"a\"`"}},
		{"record doc", `{"type":"record","name":"R","doc":"x */ y\r\nz","fields":[]}`, 0, []string{"// R is the Avro record R.\n//\n// x */ y\n// z\ntype R struct"}},
		{"enum default doc", `{"type":"enum","name":"E","symbols":["A","B"],"default":"B"}`, 0, []string{"uses \"B\".", "EA E = 0", "EB E = 1"}},
		{"recursive depth guard", `{"type":"record","name":"L","fields":[{"name":"n","type":["null","L"]}]}`, 1, []string{"if !r.Enter() {", "r.Leave()"}},
		{"no depth guard", `{"type":"record","name":"P","fields":[{"name":"n","type":"int"}]}`, 1, []string{"func (x *P) decodeAvro(r *codec.Reader, reuse bool) {\n\tx.N = r.ReadInt()\n}"}},
		{"min item size", `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"d","type":"double"},{"name":"f","type":{"type":"fixed","name":"F","size":3}}]}}},{"name":"m","type":{"type":"map","values":"double"}},{"name":"z","type":{"type":"array","items":"null"}}]}`, 1, []string{"r.ReadBlockCount(11)", "r.ReadBlockCount(9)", "r.ReadBlockCount(0)"}},
		{"registry aliases", `{"type":"record","name":"R","namespace":"n","aliases":["Old","o.Older"],"fields":[]}`, 2, []string{`case "n.Old", "n.R", "o.Older":`, `return []string{"n.R"}`}},
		{"bare enum root", `{"type":"enum","name":"E","symbols":["A"]}`, 2, []string{"func NewAvroRecord(fullName string) (codec.AvroRecord, bool) {\n\treturn nil, false\n}"}},
	}
	for _, tc := range tests {
		s := avroParseSet(t, "p", []string{tc.schema})
		files, err := gen.Types(s, gen.Options{Package: "p"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := string(files[tc.file].Content)
		for _, w := range tc.want {
			if !strings.Contains(avroSpaces(got), avroSpaces(w)) {
				t.Errorf("%s: %s lacks %q:\n%s", tc.name, files[tc.file].Name, w, got)
			}
		}
	}
}

// avroSpaces collapses runs of spaces so that expectations do not depend
// on gofmt's column alignment.
func avroSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
}
