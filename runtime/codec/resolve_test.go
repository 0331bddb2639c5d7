package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/internal/avrorand"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
)

// rtRecord builds the JSON of a record schema from field declarations.
func rtRecord(name string, fields ...string) string {
	return `{"type":"record","name":"` + name + `","fields":[` + strings.Join(fields, ",") + `]}`
}

// rtField declares a field; def, when not empty, is its default (JSON).
func rtField(name, typ, def string) string {
	s := `{"name":"` + name + `","type":` + typ
	if def != "" {
		s += `,"default":` + def
	}
	return s + "}"
}

func rtEncode(t testing.TB, schemaJSON string, native any) []byte {
	t.Helper()
	c, err := goavro.NewCodec(schemaJSON)
	if err != nil {
		t.Fatalf("goavro cannot parse %s: %v", schemaJSON, err)
	}
	b, err := c.BinaryFromNative(nil, native)
	if err != nil {
		t.Fatalf("goavro cannot encode %v: %v", native, err)
	}
	return b
}

func rtDecode(t testing.TB, schemaJSON string, bin []byte) any {
	t.Helper()
	c, err := goavro.NewCodec(schemaJSON)
	if err != nil {
		t.Fatalf("goavro cannot parse %s: %v", schemaJSON, err)
	}
	v, rest, err := c.NativeFromBinary(bin)
	if err != nil {
		t.Fatalf("goavro cannot decode % x: %v", bin, err)
	}
	if len(rest) != 0 {
		t.Fatalf("goavro left %d bytes of % x", len(rest), bin)
	}
	return v
}

type rtMap = map[string]any

func TestResolverRules(t *testing.T) {
	color := func(def string, symbols ...string) string {
		s := `{"type":"enum","name":"Color","symbols":["` + strings.Join(symbols, `","`) + `"]`
		if def != "" {
			s += `,"default":"` + def + `"`
		}
		return s + "}"
	}
	point := rtRecord("Point", rtField("x", `"int"`, ""), rtField("y", `"int"`, ""))
	tests := []struct {
		name           string
		writer, reader string
		in, want       any
		// decodeErr, when set, is part of the error Transcode must return.
		decodeErr string
	}{
		{name: "same primitive", writer: `"string"`, reader: `"string"`, in: "héllo", want: "héllo"},
		{name: "int to long", writer: `"int"`, reader: `"long"`, in: int32(-7), want: int64(-7)},
		{name: "int to float", writer: `"int"`, reader: `"float"`, in: int32(1 << 20), want: float32(1 << 20)},
		{name: "int to double", writer: `"int"`, reader: `"double"`, in: int32(-3), want: float64(-3)},
		{name: "long to float", writer: `"long"`, reader: `"float"`, in: int64(1 << 40), want: float32(1 << 40)},
		{name: "long to double", writer: `"long"`, reader: `"double"`, in: int64(-1 << 50), want: float64(-1 << 50)},
		{name: "float to double", writer: `"float"`, reader: `"double"`, in: float32(1.5), want: float64(1.5)},
		{name: "string to bytes", writer: `"string"`, reader: `"bytes"`, in: "abc", want: []byte("abc")},
		{name: "bytes to string", writer: `"bytes"`, reader: `"string"`, in: []byte("xyz"), want: "xyz"},
		{
			name:   "promotions in a record",
			writer: rtRecord("R", rtField("a", `"int"`, ""), rtField("b", `"long"`, ""), rtField("c", `"float"`, ""), rtField("d", `"string"`, "")),
			reader: rtRecord("R", rtField("a", `"double"`, ""), rtField("b", `"float"`, ""), rtField("c", `"double"`, ""), rtField("d", `"bytes"`, "")),
			in:     rtMap{"a": int32(3), "b": int64(4), "c": float32(0.25), "d": "s"},
			want:   rtMap{"a": float64(3), "b": float32(4), "c": float64(0.25), "d": []byte("s")},
		},
		{
			name:   "reordered fields",
			writer: rtRecord("R", rtField("a", `"int"`, ""), rtField("b", `"string"`, ""), rtField("c", `"boolean"`, "")),
			reader: rtRecord("R", rtField("c", `"boolean"`, ""), rtField("a", `"long"`, ""), rtField("b", `"string"`, "")),
			in:     rtMap{"a": int32(1), "b": "two", "c": true},
			want:   rtMap{"a": int64(1), "b": "two", "c": true},
		},
		{
			name: "removed fields of every kind",
			writer: rtRecord("R",
				rtField("a", `"int"`, ""),
				rtField("arr", `{"type":"array","items":`+point+`}`, ""),
				rtField("m", `{"type":"map","values":["null","string"]}`, ""),
				rtField("b", `"string"`, ""),
				rtField("fx", `{"type":"fixed","name":"F4","size":4}`, ""),
				rtField("e", color("", "RED", "GREEN"), ""),
				rtField("u", `["null","double","bytes"]`, ""),
				rtField("f", `"float"`, "")),
			reader: rtRecord("R", rtField("b", `"string"`, ""), rtField("a", `"int"`, "")),
			in: rtMap{
				"a": int32(5), "b": "kept", "f": float32(2),
				"arr": []any{rtMap{"x": int32(1), "y": int32(2)}, rtMap{"x": int32(3), "y": int32(4)}},
				"m":   rtMap{"k": nil, "l": rtMap{"string": "v"}},
				"fx":  []byte{1, 2, 3, 4}, "e": "GREEN", "u": rtMap{"bytes": []byte{9}},
			},
			want: rtMap{"a": int32(5), "b": "kept"},
		},
		{
			name:   "added fields with defaults",
			writer: rtRecord("R", rtField("id", `"long"`, "")),
			reader: rtRecord("R",
				rtField("before", `"int"`, "42"),
				rtField("id", `"long"`, ""),
				rtField("s", `"string"`, `"dflt"`),
				rtField("bs", `"bytes"`, `"\u00ff\u0001"`),
				rtField("opt", `["null","string"]`, "null"),
				rtField("nonnull", `["string","null"]`, `"x"`),
				rtField("arr", `{"type":"array","items":"long"}`, "[1,2,3]"),
				rtField("m", `{"type":"map","values":"double"}`, `{"k":1.5}`),
				rtField("p", point, `{"x":7,"y":8}`),
				rtField("e", color("", "RED", "GREEN"), `"GREEN"`),
				rtField("fx", `{"type":"fixed","name":"F2","size":2}`, `"ab"`),
				rtField("pu", `["Point","null"]`, `{"x":1,"y":2}`),
				rtField("nested", rtRecord("N", rtField("q", `"int"`, "1"), rtField("r", `["null","N"]`, "null")), `{"q":3}`)),
			in: rtMap{"id": int64(99)},
			want: rtMap{
				"before": int32(42), "id": int64(99), "s": "dflt", "bs": []byte{0xff, 1},
				"opt": nil, "nonnull": rtMap{"string": "x"}, "arr": []any{int64(1), int64(2), int64(3)},
				"m": rtMap{"k": 1.5}, "p": rtMap{"x": int32(7), "y": int32(8)}, "e": "GREEN", "fx": []byte("ab"),
				"pu":     rtMap{"Point": rtMap{"x": int32(1), "y": int32(2)}},
				"nested": rtMap{"q": int32(3), "r": nil},
			},
		},
		{
			name:   "added, removed and reordered together",
			writer: rtRecord("R", rtField("a", `"int"`, ""), rtField("gone", `"string"`, ""), rtField("b", `"int"`, "")),
			reader: rtRecord("R", rtField("b", `"long"`, ""), rtField("new", `"string"`, `"n"`), rtField("a", `"int"`, "")),
			in:     rtMap{"a": int32(1), "gone": "x", "b": int32(2)},
			want:   rtMap{"a": int32(1), "b": int64(2), "new": "n"},
		},
		{
			name:   "enum symbols remapped",
			writer: color("", "RED", "GREEN", "BLUE"), reader: color("", "BLUE", "GREEN", "RED"),
			in: "RED", want: "RED",
		},
		{
			name:   "enum default for unknown symbol",
			writer: color("", "RED", "GREEN", "BLUE"), reader: color("RED", "RED", "GREEN"),
			in: "BLUE", want: "RED",
		},
		{
			name:   "enum symbol missing without default",
			writer: color("", "RED", "GREEN", "BLUE"), reader: color("", "RED", "GREEN"),
			in: "BLUE", decodeErr: `writer symbol "BLUE" is not in the reader's enum`,
		},
		{
			name:   "enum symbol missing but not used",
			writer: color("", "RED", "GREEN", "BLUE"), reader: color("", "RED", "GREEN"),
			in: "GREEN", want: "GREEN",
		},
		{name: "writer union to non-union", writer: `["null","string"]`, reader: `"string"`, in: rtMap{"string": "s"}, want: "s"},
		{name: "writer union to non-union promoted", writer: `["int","long"]`, reader: `"double"`, in: rtMap{"int": int32(2)}, want: float64(2)},
		{
			name:   "writer union branch unreadable",
			writer: `["null","string"]`, reader: `"string"`,
			in: nil, decodeErr: "the reader cannot read this writer branch",
		},
		{
			name:   "writer union branch missing from reader union",
			writer: `["null","string","int"]`, reader: `["null","string"]`,
			in: rtMap{"int": int32(5)}, decodeErr: "matches no branch of the reader union",
		},
		{name: "writer union branch present in reader union", writer: `["null","string","int"]`, reader: `["string","null"]`, in: rtMap{"string": "ok"}, want: rtMap{"string": "ok"}},
		{name: "non-union to reader union", writer: `"int"`, reader: `["null","long"]`, in: int32(5), want: rtMap{"long": int64(5)}},
		{name: "null to reader union", writer: `"null"`, reader: `["string","null"]`, in: nil, want: nil},
		{
			name:   "both unions reordered",
			writer: `["int","string","null"]`, reader: `["null","string","long"]`,
			in: rtMap{"int": int32(-9)}, want: rtMap{"long": int64(-9)},
		},
		{
			name:   "both unions named branch",
			writer: `["null",` + point + `]`, reader: `[` + rtRecord("Point", rtField("y", `"long"`, ""), rtField("x", `"int"`, ""), rtField("z", `"int"`, "0")) + `,"null"]`,
			in: rtMap{"Point": rtMap{"x": int32(1), "y": int32(2)}}, want: rtMap{"Point": rtMap{"x": int32(1), "y": int64(2), "z": int32(0)}},
		},
		{
			name:   "record alias and field alias",
			writer: `{"type":"record","name":"old.Click","fields":[{"name":"uid","type":"int"}]}`,
			reader: `{"type":"record","name":"com.acme.View","aliases":["old.Click"],"fields":[{"name":"user","type":"long","aliases":["uid"]}]}`,
			in:     rtMap{"uid": int32(12)}, want: rtMap{"user": int64(12)},
		},
		{
			name:   "enum alias",
			writer: `{"type":"enum","name":"Old","symbols":["A","B"]}`,
			reader: `{"type":"enum","name":"New","aliases":["Old"],"symbols":["B","A"]}`,
			in:     "B", want: "B",
		},
		{
			name:   "fixed",
			writer: `{"type":"fixed","name":"F","size":3}`, reader: `{"type":"fixed","name":"F","size":3}`,
			in: []byte{1, 2, 3}, want: []byte{1, 2, 3},
		},
		{
			name:   "array of records resolved",
			writer: `{"type":"array","items":` + point + `}`,
			reader: `{"type":"array","items":` + rtRecord("Point", rtField("y", `"double"`, ""), rtField("x", `"long"`, "")) + `}`,
			in:     []any{rtMap{"x": int32(1), "y": int32(2)}, rtMap{"x": int32(3), "y": int32(4)}},
			want:   []any{rtMap{"x": int64(1), "y": float64(2)}, rtMap{"x": int64(3), "y": float64(4)}},
		},
		{
			name:   "map values promoted",
			writer: `{"type":"map","values":"int"}`, reader: `{"type":"map","values":"long"}`,
			in: rtMap{"a": int32(1), "b": int32(-2)}, want: rtMap{"a": int64(1), "b": int64(-2)},
		},
		{
			name:   "array of empty records gains defaults",
			writer: `{"type":"array","items":{"type":"record","name":"E","fields":[]}}`,
			reader: `{"type":"array","items":{"type":"record","name":"E","fields":[{"name":"v","type":"int","default":7}]}}`,
			in:     []any{rtMap{}, rtMap{}, rtMap{}},
			want:   []any{rtMap{"v": int32(7)}, rtMap{"v": int32(7)}, rtMap{"v": int32(7)}},
		},
		{
			name:   "array of nulls",
			writer: `{"type":"array","items":"null"}`, reader: `{"type":"array","items":["null","int"]}`,
			in: []any{nil, nil}, want: []any{nil, nil},
		},
		{
			name:   "recursive list",
			writer: `{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]}`,
			reader: `{"type":"record","name":"L","fields":[{"name":"tag","type":"string","default":"t"},{"name":"next","type":["null","L"]},{"name":"v","type":"long"}]}`,
			in:     rtMap{"v": int32(1), "next": rtMap{"L": rtMap{"v": int32(2), "next": nil}}},
			want:   rtMap{"tag": "t", "v": int64(1), "next": rtMap{"L": rtMap{"tag": "t", "v": int64(2), "next": nil}}},
		},
		{
			name:   "recursive field buffered at every level",
			writer: `{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"int"}]}`,
			reader: `{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["L","null"]},{"name":"w","type":"int","default":5}]}`,
			in:     rtMap{"v": int32(1), "next": rtMap{"L": rtMap{"v": int32(2), "next": rtMap{"L": rtMap{"v": int32(3), "next": nil}}}}},
			want:   rtMap{"v": int32(1), "w": int32(5), "next": rtMap{"L": rtMap{"v": int32(2), "w": int32(5), "next": rtMap{"L": rtMap{"v": int32(3), "w": int32(5), "next": nil}}}}},
		},
		{
			name: "fields buffered in nested records",
			writer: rtRecord("R", rtField("c", `"string"`, ""), rtField("in", rtRecord("I", rtField("y", `"int"`, ""), rtField("x", `"int"`, "")), ""),
				rtField("b", `"int"`, ""), rtField("a", `"int"`, "")),
			reader: rtRecord("R", rtField("a", `"int"`, ""), rtField("b", `"int"`, ""), rtField("in", rtRecord("I", rtField("x", `"int"`, ""), rtField("y", `"int"`, "")), ""),
				rtField("c", `"string"`, "")),
			in:   rtMap{"c": "c", "in": rtMap{"x": int32(1), "y": int32(2)}, "b": int32(3), "a": int32(4)},
			want: rtMap{"c": "c", "in": rtMap{"x": int32(1), "y": int32(2)}, "b": int32(3), "a": int32(4)},
		},
		{
			name:   "logical types resolve by underlying type",
			writer: rtRecord("R", rtField("d", `{"type":"int","logicalType":"date"}`, "")),
			reader: rtRecord("R", rtField("d", `"long"`, "")),
			in:     rtMap{"d": int32(19000)}, want: rtMap{"d": int64(19000)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewResolver(schema.MustParseAvroString(tt.writer), schema.MustParseAvroString(tt.reader))
			if err != nil {
				t.Fatal(err)
			}
			in := rtEncode(t, tt.writer, tt.in)
			prefix := []byte("keep")
			out, err := res.Transcode(prefix, in)
			if tt.decodeErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.decodeErr) {
					t.Fatalf("Transcode error = %v, want one containing %q", err, tt.decodeErr)
				}
				if string(out) != "keep" {
					t.Errorf("Transcode changed dst on error: %q", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("Transcode dropped dst: % x", out)
			}
			got := rtDecode(t, tt.reader, out[len(prefix):])
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestTranscodeDoesNotAllocate(t *testing.T) {
	writer := rtRecord("R", rtField("a", `"int"`, ""), rtField("gone", `{"type":"array","items":"string"}`, ""),
		rtField("n", rtRecord("N", rtField("p", `"string"`, ""), rtField("q", `"float"`, "")), ""))
	reader := rtRecord("R", rtField("n", rtRecord("N", rtField("q", `"double"`, ""), rtField("p", `"string"`, "")), ""),
		rtField("added", `{"type":"map","values":"int"}`, `{"k":1}`), rtField("a", `"long"`, ""))
	res, err := NewResolver(schema.MustParseAvroString(writer), schema.MustParseAvroString(reader))
	if err != nil {
		t.Fatal(err)
	}
	src := rtEncode(t, writer, rtMap{"a": int32(1), "gone": []any{"x", "y"}, "n": rtMap{"p": "p", "q": float32(2)}})
	dst := make([]byte, 0, 256)
	if _, err := res.Transcode(dst, src); err != nil {
		t.Fatal(err)
	}
	// The race detector's instrumentation allocates; the count holds in
	// normal builds only.
	if n := testing.AllocsPerRun(100, func() { _, _ = res.Transcode(dst[:0], src) }); n != 0 && !gotest.RaceEnabled {
		t.Errorf("Transcode allocates %v times per call", n)
	}
}

func TestResolverNegativeBlockCounts(t *testing.T) {
	writer := `{"type":"map","values":{"type":"array","items":"int"}}`
	reader := `{"type":"map","values":{"type":"array","items":"long"}}`
	res, err := NewResolver(schema.MustParseAvroString(writer), schema.MustParseAvroString(reader))
	if err != nil {
		t.Fatal(err)
	}
	// A map block of -1 entries (3 bytes), then a block of 1: each value is
	// an array written as a block of -2 items (2 bytes) and a block of 1.
	arr := []byte{3, 4, 2, 4, 2, 6, 0}      // [1, 2] in a sized block, [3] in a plain one
	entry := append([]byte{2, 'k'}, arr...) // "k" -> arr
	var src []byte
	src = append(src, 1, byte(2*len(entry))) // count -1, then the block size
	src = append(src, entry...)
	src = append(src, 2) // count 1
	src = append(src, 2, 'j')
	src = append(src, 0) // the empty array
	src = append(src, 0) // end of map
	out, err := res.Transcode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	got := rtDecode(t, reader, out)
	want := rtMap{"k": []any{int64(1), int64(2), int64(3)}, "j": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestNewResolverErrors(t *testing.T) {
	tests := []struct {
		name, writer, reader string
		want                 []string
	}{
		{
			name:   "missing default",
			writer: rtRecord("R", rtField("a", `"int"`, "")),
			reader: rtRecord("R", rtField("a", `"int"`, ""), rtField("b", `"int"`, "")),
			want:   []string{"R.fields(b): reader field has no default and writer lacks it"},
		},
		{
			name:   "type mismatch lists every incompatibility",
			writer: rtRecord("R", rtField("a", `"string"`, ""), rtField("e", `{"type":"enum","name":"E","symbols":["A","B"]}`, "")),
			reader: rtRecord("R", rtField("a", `"int"`, ""), rtField("e", `{"type":"enum","name":"E","symbols":["A"]}`, "")),
			want: []string{
				"R.fields(a).type: reader type int cannot read writer type string",
				"R.fields(e).type: writer enum symbols B are not in the reader enum E, which has no default",
			},
		},
		{
			name:   "no writer union branch readable",
			writer: `["int","string"]`, reader: `"boolean"`,
			want: []string{"boolean[writer 0]: reader type boolean cannot read writer type int", "boolean[writer 1]"},
		},
		{
			name:   "fixed size",
			writer: `{"type":"fixed","name":"F","size":3}`, reader: `{"type":"fixed","name":"F","size":4}`,
			want: []string{"F: reader fixed F has size 4 but the writer's has size 3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewResolver(schema.MustParseAvroString(tt.writer), schema.MustParseAvroString(tt.reader))
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *ResolveError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if len(re.Problems) == 0 {
				t.Errorf("no problems listed")
			}
		})
	}
	if _, err := NewResolver(nil, schema.MustParseAvroString(`"int"`)); err == nil {
		t.Error("NewResolver(nil, ...) succeeded")
	}
}

func TestResolverIdentity(t *testing.T) {
	a := schema.MustParseAvroString(rtRecord("R", rtField("a", `{"type":"long","logicalType":"timestamp-millis"}`, "")))
	b := schema.MustParseAvroString(`{"type":"record","name":"R","doc":"same data","fields":[{"name":"a","type":"long","default":0}]}`)
	c := schema.MustParseAvroString(rtRecord("R", rtField("a", `"int"`, "")))
	for _, tt := range []struct {
		w, r *schema.Type
		want bool
	}{{a, a, true}, {a, b, true}, {c, a, false}} {
		res, err := NewResolver(tt.w, tt.r)
		if err != nil {
			t.Fatal(err)
		}
		if res.Identity() != tt.want {
			t.Errorf("Identity(%s, %s) = %v", tt.w.CanonicalForm(), tt.r.CanonicalForm(), !tt.want)
		}
		if res.Writer() != tt.w || res.Reader() != tt.r {
			t.Error("Writer/Reader do not return the schemas given")
		}
	}
}

// TestResolverHostileInput feeds malformed and hostile data: every case
// must fail with an error, never panic or allocate what the input cannot
// justify.
func TestResolverHostileInput(t *testing.T) {
	huge := AppendLong(nil, 1<<62)
	tests := []struct {
		name, writer, reader string
		src                  []byte
		want                 string
	}{
		{"empty input", `"long"`, `"long"`, nil, "truncated"},
		{"trailing bytes", `"int"`, `"long"`, []byte{2, 0}, "1 trailing bytes"},
		{"huge string length", `"string"`, `"bytes"`, huge, "exceeds"},
		{"negative string length", `"string"`, `"string"`, []byte{1}, "negative length"},
		{"truncated string", `"string"`, `"string"`, []byte{10, 'a'}, "exceeds"},
		{"truncated fixed", `{"type":"fixed","name":"F","size":8}`, `{"type":"fixed","name":"F","size":8}`, []byte{1, 2}, "need 8 bytes"},
		{"bad boolean", `"boolean"`, `"boolean"`, []byte{7}, "invalid byte"},
		{"int overflow", `"int"`, `"long"`, AppendLong(nil, 1<<40), "reading int"},
		{"varint too long", `"long"`, `"long"`, bytes.Repeat([]byte{0xff}, 11), "varint"},
		{"enum index out of range", `{"type":"enum","name":"E","symbols":["A"]}`, `{"type":"enum","name":"E","symbols":["A"]}`, []byte{2}, "out of range"},
		{"union index out of range", `["null","int"]`, `["null","long"]`, []byte{4}, "out of range"},
		{"huge array count", `{"type":"array","items":"long"}`, `{"type":"array","items":"long"}`, huge, "exceed"},
		{"huge map count", `{"type":"map","values":"null"}`, `{"type":"map","values":"null"}`, huge, "exceed"},
		{"huge block size", `{"type":"array","items":"long"}`, `{"type":"array","items":"long"}`, append([]byte{1}, huge...), "block size"},
		{"huge zero-size count", `{"type":"array","items":"null"}`, `{"type":"array","items":"null"}`, huge, "MaxZeroSizeItems"},
		{
			"zero-size items beyond the expansion budget",
			`{"type":"array","items":{"type":"record","name":"E","fields":[]}}`,
			`{"type":"array","items":{"type":"record","name":"E","fields":[{"name":"s","type":"string","default":"0123456789abcdef0123456789abcdef"}]}}`,
			bytes.Repeat(AppendLong(nil, int64(MaxZeroSizeItems)), 2000), "expand",
		},
		{"skipped field truncated", rtRecord("R", rtField("gone", `{"type":"array","items":"string"}`, ""), rtField("a", `"int"`, "")), rtRecord("R", rtField("a", `"int"`, "")), []byte{2, 20, 'x'}, "exceeds"},
		{"reordered record truncated", rtRecord("R", rtField("a", `"int"`, ""), rtField("b", `"string"`, "")), rtRecord("R", rtField("b", `"string"`, ""), rtField("a", `"int"`, "")), []byte{2}, "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := NewResolver(schema.MustParseAvroString(tt.writer), schema.MustParseAvroString(tt.reader))
			if err != nil {
				t.Fatal(err)
			}
			out, err := res.Transcode(nil, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Transcode = % x, %v; want an error containing %q", out, err, tt.want)
			}
			if len(out) != 0 {
				t.Errorf("Transcode returned %d bytes with its error", len(out))
			}
		})
	}
}

func TestResolverDepthLimit(t *testing.T) {
	list := `{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`
	res, err := NewResolver(schema.MustParseAvroString(list), schema.MustParseAvroString(list))
	if err != nil {
		t.Fatal(err)
	}
	deep := append(bytes.Repeat([]byte{2}, MaxDepth+5), 0)
	if _, err := res.Transcode(nil, deep); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("Transcode of %d nested records = %v, want a depth error", MaxDepth+5, err)
	}
	ok := append(bytes.Repeat([]byte{2}, 100), 0)
	out, err := res.Transcode(nil, ok)
	if err != nil || !bytes.Equal(out, ok) {
		t.Fatalf("Transcode of 100 nested records = % x, %v", out, err)
	}
}

// TestResolverDeepReorder moves a recursive field from last to first at
// every level of a deep list, and back: the data must survive both ways.
func TestResolverDeepReorder(t *testing.T) {
	a := schema.MustParseAvroString(`{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]},{"name":"v","type":"string"}]}`)
	b := schema.MustParseAvroString(`{"type":"record","name":"L","fields":[{"name":"v","type":"string"},{"name":"next","type":["L","null"]}]}`)
	ab, err := NewResolver(a, b)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := NewResolver(b, a)
	if err != nil {
		t.Fatal(err)
	}
	const depth = 5000
	// Under a, the unions of every level come first, then the strings of
	// the deepest level first.
	src := bytes.Repeat([]byte{2}, depth-1)
	src = append(src, 0)
	for i := depth - 1; i >= 0; i-- {
		src = AppendString(src, strconv.Itoa(i))
	}
	mid, err := ab.Transcode(nil, src)
	if err != nil {
		t.Fatal(err)
	}
	// Under b, each level is its string, then the union.
	var want []byte
	for i := 0; i < depth; i++ {
		want = AppendString(want, strconv.Itoa(i))
		if i < depth-1 {
			want = append(want, 0)
		} else {
			want = append(want, 2)
		}
	}
	if !bytes.Equal(mid, want) {
		t.Fatalf("a to b: got %d bytes, want %d", len(mid), len(want))
	}
	back, err := ba.Transcode(nil, mid)
	if err != nil || !bytes.Equal(back, src) {
		t.Fatalf("b to a did not restore the data: %v", err)
	}
}

func TestResolverCache(t *testing.T) {
	reader := schema.MustParseAvroString(rtRecord("R", rtField("a", `"long"`, ""), rtField("b", `"string"`, `"x"`)))
	w1 := schema.MustParseAvroString(rtRecord("R", rtField("a", `"int"`, "")))
	w1again := schema.MustParseAvroString(`{"type":"record","name":"R","doc":"same canonical form","fields":[{"name":"a","type":"int"}]}`)
	w2 := schema.MustParseAvroString(rtRecord("R", rtField("a", `"long"`, "")))
	bad := schema.MustParseAvroString(rtRecord("R", rtField("a", `"string"`, "")))
	c := NewResolverCache(reader)

	var wg sync.WaitGroup
	got := make([][3]*Resolver, 8)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, w := range []*schema.Type{w1, w1again, w2} {
				r, err := c.Get(w)
				if err != nil {
					t.Error(err)
					return
				}
				got[g][i] = r
			}
		}()
	}
	wg.Wait()
	for g := range got {
		if got[g][0] != got[0][0] || got[g][2] != got[0][2] {
			t.Fatal("concurrent Gets returned different Resolvers for one writer")
		}
		if got[g][1] != got[0][0] {
			t.Fatal("writers with one canonical form got different Resolvers")
		}
	}
	if got[0][0] == got[0][2] {
		t.Fatal("different writers share a Resolver")
	}
	// Repeated and alternating writers: each Get answers for its own
	// writer, whether from the last one returned or from the map.
	for i, w := range []*schema.Type{w1, w1, w2, w2, w1again, w1, w2} {
		want := got[0][0]
		if w == w2 {
			want = got[0][2]
		}
		if r, err := c.Get(w); err != nil || r != want {
			t.Fatalf("Get %d: a Resolver of another writer (%v)", i, err)
		}
	}
	_, err1 := c.Get(bad)
	_, err2 := c.Get(bad)
	if err1 == nil || err1 != err2 {
		t.Fatalf("Get(bad) = %v then %v, want the same cached error", err1, err2)
	}
	if _, err := c.Get(nil); err == nil {
		t.Error("Get(nil) succeeded")
	}
}

// TestResolverRandomIdentity resolves random schemas against themselves
// and checks the data survives, with every valid blocking of arrays and
// maps (negative counts with sizes included).
func TestResolverRandomIdentity(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		text := avrorand.Schema(r, avrorand.Options{})
		p, err := avrorand.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		st, err := schema.ParseAvroString(text)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, text)
		}
		res, err := NewResolver(st, st)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !res.Identity() {
			t.Errorf("seed %d: a schema is not identical to itself", seed)
		}
		for i := 0; i < 5; i++ {
			v, err := p.Datum(r)
			if err != nil {
				t.Fatal(err)
			}
			src, err := p.Append(nil, v, r)
			if err != nil {
				t.Fatal(err)
			}
			out, err := res.Transcode(nil, src)
			if err != nil {
				t.Fatalf("seed %d datum %d: %v\n%s", seed, i, err, text)
			}
			got := rtDecode(t, text, out)
			if d := avrorand.Diff(v, got); d != "" {
				t.Fatalf("seed %d datum %d: %s\n%s", seed, i, d, text)
			}
		}
	}
}

// TestResolverConformance resolves the evolution pairs of the Apache Avro
// corpus on data made by goavro.
func TestResolverConformance(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	read := func(name string) (string, *schema.Type) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		st, err := schema.ParseAvroString(string(data))
		if err != nil {
			t.Fatal(err)
		}
		return string(data), st
	}
	v2text, v2 := read("java-codegen/full_record_v2.avsc")
	v1text, v1 := read("java-codegen/full_record_v1.avsc")
	// The two records have different names; a reader alias is how Avro
	// lets v1 read v2's data.
	v1.Aliases = append(v1.Aliases, v2.Name)
	res, err := NewResolver(v2, v1)
	if err != nil {
		t.Fatal(err)
	}
	in := rtMap{
		"b": true, "i64": int32(-64), "i32": int32(32), "f64": int64(1) << 40,
		"f32": rtMap{"float": float32(1.5)}, "newfield": "skipped", "h": []byte("bytes"),
		"myMap": rtMap{"k": "v", "l": "w"},
	}
	out, err := res.Transcode(nil, rtEncode(t, v2text, in))
	if err != nil {
		t.Fatal(err)
	}
	got := rtDecode(t, v1text, out)
	want := rtMap{
		"b": true, "i32": int32(32), "i64": int64(-64), "f32": float32(1.5), "f64": float64(1 << 40),
		"s": nil, "h": rtMap{"string": "bytes"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	// The writer's f32 may be null, which the reader's float cannot hold:
	// that fails only when the data says so.
	in["f32"] = nil
	if _, err := res.Transcode(nil, rtEncode(t, v2text, in)); err == nil || !strings.Contains(err.Error(), "fields(f32).type[writer 1]") {
		t.Errorf("null f32: got %v, want an error naming the field", err)
	}
}

// TestResolverRandomEvolution evolves random writer schemas into reader
// schemas (fields dropped, reordered, promoted, and added with defaults),
// transcodes random data and checks what goavro decodes under the reader
// schema against the writer's datum evolved the same way.
func TestResolverRandomEvolution(t *testing.T) {
	tested := 0
	for seed := uint64(1); seed <= 100; seed++ {
		r := rand.New(rand.NewPCG(seed, 11))
		wtext := avrorand.Schema(r, avrorand.Options{})
		p, err := avrorand.Parse(wtext)
		if err != nil {
			t.Fatal(err)
		}
		if root := schema.MustParseAvroString(wtext); rtReaches(root, root) {
			// The evolution would apply inside the datum too, at every
			// level the root recurs; the expected values are computed at
			// the top level only.
			continue
		}
		tested++
		ev, rtext := rtEvolve(t, r, wtext)
		res, err := NewResolver(schema.MustParseAvroString(wtext), schema.MustParseAvroString(rtext))
		if err != nil {
			t.Fatalf("seed %d: %v\nwriter %s\nreader %s", seed, err, wtext, rtext)
		}
		for i := 0; i < 4; i++ {
			v, err := p.Datum(r)
			if err != nil {
				t.Fatal(err)
			}
			src, err := p.Append(nil, v, r)
			if err != nil {
				t.Fatal(err)
			}
			out, err := res.Transcode(nil, src)
			if err != nil {
				t.Fatalf("seed %d datum %d: %v\nwriter %s\nreader %s", seed, i, err, wtext, rtext)
			}
			got := rtDecode(t, rtext, out)
			if d := avrorand.Diff(ev.apply(v), got); d != "" {
				t.Fatalf("seed %d datum %d: %s\nwriter %s\nreader %s", seed, i, d, wtext, rtext)
			}
		}
	}
	t.Logf("%d random schemas evolved", tested)
	if tested < 30 {
		t.Fatalf("only %d of 100 random schemas were not recursive at the root", tested)
	}
}

// rtReaches reports whether target is reachable from the types inside t.
func rtReaches(t, target *schema.Type) bool {
	seen := map[*schema.Type]bool{}
	var walk func(*schema.Type) bool
	walk = func(x *schema.Type) bool {
		if x == nil || seen[x] {
			return false
		}
		seen[x] = true
		kids := append([]*schema.Type{x.Items, x.Values}, x.Branches...)
		for _, f := range x.Fields {
			kids = append(kids, f.Type)
		}
		for _, k := range kids {
			if k == target || walk(k) {
				return true
			}
		}
		return false
	}
	return walk(t)
}

// rtEvolution says how a top-level record evolved: which fields were
// dropped, how field values were promoted, and which fields were added
// with what value.
type rtEvolution struct {
	dropped  map[string]bool
	promoted map[string]func(any) any
	added    map[string]any
}

func (e rtEvolution) apply(v any) any {
	in := v.(map[string]any)
	out := map[string]any{}
	for k, x := range in {
		if e.dropped[k] {
			continue
		}
		if f := e.promoted[k]; f != nil {
			x = f(x)
		}
		out[k] = x
	}
	for k, x := range e.added {
		out[k] = x
	}
	return out
}

// rtEvolve returns an evolved copy of the writer schema's top-level record
// (as JSON) and how its data evolves. Dropping or reordering a field can
// move the definition of a named type after a reference to it, which
// goavro cannot parse; such mutations are undone.
func rtEvolve(t *testing.T, r *rand.Rand, wtext string) (rtEvolution, string) {
	t.Helper()
	var root map[string]any
	dec := json.NewDecoder(strings.NewReader(wtext))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	fields := root["fields"].([]any)
	ev := rtEvolution{dropped: map[string]bool{}, promoted: map[string]func(any) any{}, added: map[string]any{}}
	var kept []any
	for _, f := range fields {
		fm := f.(map[string]any)
		name := fm["name"].(string)
		if r.IntN(5) == 0 {
			ev.dropped[name] = true
			continue
		}
		switch fm["type"] {
		case "int":
			if r.IntN(2) == 0 {
				fm["type"], ev.promoted[name] = "long", func(x any) any { return int64(x.(int32)) }
			} else {
				fm["type"], ev.promoted[name] = "double", func(x any) any { return float64(x.(int32)) }
			}
			delete(fm, "default")
		case "long":
			fm["type"], ev.promoted[name] = "double", func(x any) any { return float64(x.(int64)) }
			delete(fm, "default")
		case "float":
			fm["type"], ev.promoted[name] = "double", func(x any) any { return float64(x.(float32)) }
			delete(fm, "default")
		case "string":
			fm["type"], ev.promoted[name] = "bytes", func(x any) any { return []byte(x.(string)) }
			delete(fm, "default")
		}
		kept = append(kept, fm)
	}
	adds := []struct {
		typ, def any
		native   any
	}{
		{"long", json.Number("77"), int64(77)},
		{[]any{"null", "string"}, nil, nil},
		{map[string]any{"type": "array", "items": "int"}, []any{json.Number("1"), json.Number("2")}, []any{int32(1), int32(2)}},
		{"string", "dflt", "dflt"},
	}
	for i := 0; i < 1+r.IntN(3); i++ {
		a := adds[r.IntN(len(adds))]
		name := "zz_added_" + strconv.Itoa(i)
		at := r.IntN(len(kept) + 1)
		kept = append(kept[:at], append([]any{map[string]any{"name": name, "type": a.typ, "default": a.def}}, kept[at:]...)...)
		ev.added[name] = a.native
	}
	shuffled := append([]any(nil), kept...)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, candidate := range [][]any{shuffled, kept} {
		root["fields"] = candidate
		text, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := goavro.NewCodec(string(text)); err == nil {
			return ev, string(text)
		}
	}
	// A dropped field defined a named type that a kept field uses: keep
	// every field, in order, with only the promotions and additions.
	ev.dropped = map[string]bool{}
	all := append([]any(nil), fields...)
	for _, f := range kept {
		if _, ok := ev.added[f.(map[string]any)["name"].(string)]; ok {
			all = append(all, f)
		}
	}
	root["fields"] = all
	text, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := goavro.NewCodec(string(text)); err != nil {
		t.Fatalf("evolved schema does not parse in goavro: %v\n%s", err, text)
	}
	return ev, string(text)
}

// rtFuzzPairs are the (writer, reader) pairs FuzzTranscode exercises.
var rtFuzzPairs = [][2]string{
	{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"gone","type":{"type":"map","values":["null","string",{"type":"fixed","name":"F","size":3}]}},{"name":"b","type":["null","string"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}},{"name":"next","type":["null","R"]}]}`,
		`{"type":"record","name":"R","fields":[{"name":"next","type":["null","R"]},{"name":"e","type":{"type":"enum","name":"E","symbols":["Z","X"],"default":"X"}},{"name":"b","type":["null","bytes"]},{"name":"a","type":"double"},{"name":"added","type":{"type":"array","items":"long"},"default":[1,2,3]}]}`,
	},
	{
		`{"type":"array","items":{"type":"record","name":"E","fields":[{"name":"n","type":"null"}]}}`,
		`{"type":"array","items":{"type":"record","name":"E","fields":[{"name":"s","type":"string","default":"filled in"}]}}`,
	},
	{
		`{"type":"map","values":{"type":"array","items":["int","string","null"]}}`,
		`{"type":"map","values":{"type":"array","items":["null","string","long"]}}`,
	},
	{`["float","long","bytes"]`, `["double","string"]`},
}

func FuzzTranscode(f *testing.F) {
	type pair struct {
		res, check *Resolver // check: the reader schema against itself
		reader     *goavro.Codec
	}
	var pairs []pair
	for _, p := range rtFuzzPairs {
		w, r := schema.MustParseAvroString(p[0]), schema.MustParseAvroString(p[1])
		res, err := NewResolver(w, r)
		if err != nil {
			f.Fatal(err)
		}
		check, err := NewResolver(r, r)
		if err != nil {
			f.Fatal(err)
		}
		c, err := goavro.NewCodec(p[1])
		if err != nil {
			f.Fatal(err)
		}
		pairs = append(pairs, pair{res, check, c})
	}
	seeds := []struct {
		pair   uint8
		native any
	}{
		{0, rtMap{"a": int32(1), "gone": rtMap{"k": nil, "l": rtMap{"string": "v"}, "m": rtMap{"F": []byte("abc")}}, "b": rtMap{"string": "s"}, "e": "Y", "next": rtMap{"R": rtMap{"a": int32(2), "gone": rtMap{}, "b": nil, "e": "Z", "next": nil}}}},
		{1, []any{rtMap{"n": nil}, rtMap{"n": nil}}},
		{2, rtMap{"a": []any{rtMap{"int": int32(1)}, nil, rtMap{"string": "x"}}}},
		{3, rtMap{"bytes": []byte{1, 2}}},
		{3, rtMap{"long": int64(-5)}},
	}
	for _, s := range seeds {
		f.Add(s.pair, rtEncode(f, rtFuzzPairs[s.pair][0], s.native))
	}
	f.Add(uint8(1), []byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		p := pairs[int(which)%len(pairs)]
		out, err := p.res.Transcode(nil, data)
		if err != nil {
			return
		}
		if limit := zeroSizeExpansionBase + 64*len(data) + 64; len(out) > limit {
			t.Fatalf("%d input bytes became %d output bytes", len(data), len(out))
		}
		if again, err := p.check.Transcode(nil, out); err != nil || !bytes.Equal(again, out) {
			t.Fatalf("the output % x does not read back under the reader schema: %v", out, err)
		}
		// goavro also refuses maps with a repeated key, which Avro data
		// may hold (readers keep the last value) and Transcode passes on.
		if _, rest, err := p.reader.NativeFromBinary(out); (err != nil && !strings.Contains(err.Error(), "duplicate key")) || (err == nil && len(rest) != 0) {
			t.Fatalf("the output % x does not decode under the reader schema: %v (%d bytes left)", out, err, len(rest))
		}
	})
}

// BenchmarkTranscode measures a ten-field record read by a reader that
// reorders, promotes, drops and adds fields.
func BenchmarkTranscode(b *testing.B) {
	writer := rtRecord("Click",
		rtField("id", `"long"`, ""), rtField("user", `"string"`, ""), rtField("ts", `"long"`, ""),
		rtField("page", `"string"`, ""), rtField("ref", `["null","string"]`, ""), rtField("dur", `"int"`, ""),
		rtField("score", `"float"`, ""), rtField("tags", `{"type":"array","items":"string"}`, ""),
		rtField("kind", `{"type":"enum","name":"K","symbols":["A","B","C"]}`, ""), rtField("debug", `"bytes"`, ""))
	reader := rtRecord("Click",
		rtField("user", `"string"`, ""), rtField("id", `"long"`, ""), rtField("ts", `"long"`, ""),
		rtField("page", `"string"`, ""), rtField("ref", `["null","string"]`, ""), rtField("dur", `"long"`, ""),
		rtField("score", `"double"`, ""), rtField("tags", `{"type":"array","items":"string"}`, ""),
		rtField("kind", `{"type":"enum","name":"K","symbols":["C","B","A"]}`, ""), rtField("country", `"string"`, `"NL"`))
	res, err := NewResolver(schema.MustParseAvroString(writer), schema.MustParseAvroString(reader))
	if err != nil {
		b.Fatal(err)
	}
	src := rtEncode(b, writer, rtMap{
		"id": int64(123456789), "user": "user-42", "ts": int64(1700000000000), "page": "/products/123",
		"ref": rtMap{"string": "https://example.com"}, "dur": int32(1500), "score": float32(0.75),
		"tags": []any{"a", "b"}, "kind": "B", "debug": []byte("0123456789"),
	})
	dst := make([]byte, 0, 256)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := res.Transcode(dst[:0], src); err != nil {
			b.Fatal(err)
		}
	}
}

// TestResolverBigRecord reads random data of the corpus' bigrecord with its
// reader variant bigrecord_r (fields reordered, records added with
// defaults): goavro must decode the result, and every field the two
// schemas share with the same type must come through unchanged.
func TestResolverBigRecord(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro", "cpp-jsonschemas")
	wdata, err := os.ReadFile(filepath.Join(dir, "bigrecord.avsc"))
	if err != nil {
		t.Fatal(err)
	}
	rdata, err := os.ReadFile(filepath.Join(dir, "bigrecord_r.avsc"))
	if err != nil {
		t.Fatal(err)
	}
	w, r := schema.MustParseAvroString(string(wdata)), schema.MustParseAvroString(string(rdata))
	res, err := NewResolver(w, r)
	if err != nil {
		t.Fatal(err)
	}
	p, err := avrorand.Parse(string(wdata))
	if err != nil {
		t.Fatal(err)
	}
	shared := 0
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20; i++ {
		v, err := p.Datum(rng)
		if err != nil {
			t.Fatal(err)
		}
		src, err := p.Append(nil, v, rng)
		if err != nil {
			t.Fatal(err)
		}
		out, err := res.Transcode(nil, src)
		if err != nil {
			t.Fatal(err)
		}
		got := rtDecode(t, string(rdata), out).(rtMap)
		if len(got) != len(r.Fields) {
			t.Fatalf("decoded %d fields, want %d", len(got), len(r.Fields))
		}
		for _, rf := range r.Fields {
			wf := schema.MatchField(rf, w)
			if wf == nil || wf.Type.CanonicalForm() != rf.Type.CanonicalForm() {
				continue
			}
			shared++
			if d := avrorand.Diff(v.(rtMap)[wf.Name], got[rf.Name]); d != "" {
				t.Fatalf("field %s: %s", rf.Name, d)
			}
		}
	}
	if shared == 0 {
		t.Fatal("no shared fields compared")
	}
}
