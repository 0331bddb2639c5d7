package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/internal/avrorand"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
)

// ajParse parses JSON text into a generic value, keeping numbers as
// json.Number.
func ajParse(t testing.TB, text []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %s: %v", text, err)
	}
	return v
}

func TestAvroJSONExamples(t *testing.T) {
	rec := `{"type":"record","name":"Click","namespace":"com.acme","fields":[` +
		`{"name":"id","type":"long"},` +
		`{"name":"tags","type":{"type":"array","items":"string"}},` +
		`{"name":"attrs","type":{"type":"map","values":["null","int"]}},` +
		`{"name":"kind","type":{"type":"enum","name":"Kind","symbols":["VIEW","BUY"]}},` +
		`{"name":"hash","type":{"type":"fixed","name":"H","size":2}},` +
		`{"name":"ref","type":["null","Click"]},` +
		`{"name":"any","type":["string","Kind",{"type":"array","items":"int"},{"type":"map","values":"H"},"boolean"]}]}`
	tests := []struct {
		name, schema string
		native       any
		json         string
	}{
		{"null", `"null"`, nil, `null`},
		{"boolean", `"boolean"`, true, `true`},
		{"int", `"int"`, int32(-42), `-42`},
		{"long", `"long"`, int64(math.MaxInt64), `9223372036854775807`},
		{"float", `"float"`, float32(0.1), `0.1`},
		{"double", `"double"`, 1e300, `1e+300`},
		{"NaN", `"double"`, math.NaN(), `"NaN"`},
		{"infinity", `"float"`, float32(math.Inf(-1)), `"-Infinity"`},
		{"bytes as code points", `"bytes"`, []byte{0, 'a', '"', 0x7f, 0x80, 0xff}, `"\u0000a\"\u007f\u0080\u00ff"`},
		{"string", `"string"`, "é\n😀\u2028", `"é\n😀\u2028"`},
		{"nullable null", `["null","string"]`, nil, `null`},
		{"nullable value", `["null","string"]`, map[string]any{"string": "x"}, `{"string":"x"}`},
		{"logical branch by underlying name", `["null",{"type":"long","logicalType":"timestamp-millis"}]`, map[string]any{"long.timestamp-millis": int64(5)}, `{"long":5}`},
		{
			"record",
			rec,
			map[string]any{
				"id": int64(1), "tags": []any{"a", "b"}, "attrs": map[string]any{"k": nil, "l": map[string]any{"int": int32(3)}},
				"kind": "BUY", "hash": []byte{1, 0xfe}, "ref": map[string]any{"com.acme.Click": map[string]any{
					"id": int64(2), "tags": []any{}, "attrs": map[string]any{}, "kind": "VIEW", "hash": []byte("hi"), "ref": nil,
					"any": map[string]any{"array": []any{int32(1)}},
				}},
				"any": map[string]any{"com.acme.Kind": "VIEW"},
			},
			`{"id":1,"tags":["a","b"],"attrs":{"k":null,"l":{"int":3}},"kind":"BUY","hash":"\u0001\u00fe",` +
				`"ref":{"com.acme.Click":{"id":2,"tags":[],"attrs":{},"kind":"VIEW","hash":"hi","ref":null,"any":{"array":[1]}}},` +
				`"any":{"com.acme.Kind":"VIEW"}}`,
		},
	}
	// goavro writes a map's entries in Go's random iteration order, so its
	// bytes are compared by meaning; the JSON text, exactly.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := schema.MustParseAvroString(tt.schema)
			bin := rtEncode(t, tt.schema, tt.native)
			back, err := AvroJSONToBinary([]byte("y"), st, []byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if d := avrorand.Diff(rtDecode(t, tt.schema, bin), rtDecode(t, tt.schema, back[1:])); d != "" {
				t.Errorf("AvroJSONToBinary = % x, which goavro reads as another value than its own % x: %s", back[1:], bin, d)
			}
			got, err := AppendAvroJSON([]byte("x"), st, back[1:])
			if err != nil {
				t.Fatal(err)
			}
			if string(got[1:]) != tt.json {
				t.Errorf("AppendAvroJSON = %s\nwant            %s", got[1:], tt.json)
			}
			// goavro's own bytes go to JSON and back unchanged.
			js, err := AppendAvroJSON(nil, st, bin)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := AvroJSONToBinary(nil, st, js); err != nil || !bytes.Equal(again, bin) {
				t.Errorf("goavro's % x as JSON %s reads back as % x, %v", bin, js, again, err)
			}
		})
	}
}

func TestAvroJSONToBinaryInputs(t *testing.T) {
	rec := `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"dflt"},{"name":"c","type":["null","double"],"default":null}]}`
	tests := []struct {
		name, schema, json string
		want               any // goavro native form of the result
	}{
		{"fields in any order", rec, `{"b":"x","a":1}`, map[string]any{"a": int32(1), "b": "x", "c": nil}},
		{"missing fields take defaults", rec, `{"a":2}`, map[string]any{"a": int32(2), "b": "dflt", "c": nil}},
		{"early field around a missing one", rec, `{"c":{"double":1.5},"a":2}`, map[string]any{"a": int32(2), "b": "dflt", "c": map[string]any{"double": 1.5}}},
		{"reversed fields", rec, `{"c":null,"b":"y","a":3}`, map[string]any{"a": int32(3), "b": "y", "c": nil}},
		{"integral float for int", `"int"`, `3.0`, int32(3)},
		{"exponent for long", `"long"`, `1e3`, int64(1000)},
		{"NaN string", `"double"`, `"NaN"`, math.NaN()},
		{"goavro NaN", `"double"`, `null`, math.NaN()},
		{"goavro infinity", `"double"`, `1e999`, math.Inf(1)},
		{"Infinity string", `"float"`, `"Infinity"`, float32(math.Inf(1))},
		{"goavro logical branch name", `["null",{"type":"int","logicalType":"date"}]`, `{"int.date":7}`, map[string]any{"int.date": time.Unix(7*86400, 0).UTC()}},
		{"whitespace", `{"type":"array","items":"int"}`, " [ 1 ,\n 2 ] \n", []any{int32(1), int32(2)}},
		{"escaped bytes", `"bytes"`, `"\u00ff\u0000A"`, []byte{0xff, 0, 'A'}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, err := AvroJSONToBinary(nil, schema.MustParseAvroString(tt.schema), []byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			got := rtDecode(t, tt.schema, bin)
			if d := avrorand.Diff(tt.want, got); d != "" {
				t.Errorf("%s", d)
			}
		})
	}
}

func TestAvroJSONToBinaryErrors(t *testing.T) {
	rec := `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"u","type":["null","string"],"default":null}]}`
	tests := []struct{ name, schema, json, want string }{
		{"empty", `"int"`, ``, "unexpected end"},
		{"malformed", `"int"`, `{`, "want an integer"},
		{"trailing data", `"int"`, `1 2`, "trailing data"},
		{"int overflow", `"int"`, `2147483648`, "2147483648 overflows 32 bits"},
		{"fraction for long", `"long"`, `1.5`, "not a 64-bit integer"},
		{"string for int", `"int"`, `"1"`, `want an integer, got string "1"`},
		{"bad boolean", `"boolean"`, `1`, "want a boolean"},
		{"null not null", `"null"`, `0`, "want null"},
		{"byte above U+00FF", `"bytes"`, `"\u0100"`, "above U+00FF"},
		{"fixed size", `{"type":"fixed","name":"F","size":2}`, `"abc"`, "needs 2 bytes"},
		{"unknown symbol", `{"type":"enum","name":"E","symbols":["A"]}`, `"B"`, "not a symbol"},
		{"unknown field", rec, `{"a":1,"z":2}`, `has no field "z"`},
		{"duplicate field", rec, `{"a":1,"a":2}`, "appears twice"},
		{"missing field without default", rec, `{"u":null}`, `field "a" is missing`},
		{"bare union value", rec, `{"a":1,"u":"x"}`, `want null or {"<branch type>": value}`},
		{"unknown branch", rec, `{"a":1,"u":{"int":1}}`, `"int" is not a branch`},
		{"two branch keys", rec, `{"a":1,"u":{"string":"x","null":null}}`, "exactly one key"},
		{"empty union object", rec, `{"a":1,"u":{}}`, "empty object"},
		{"null without null branch", `["int","string"]`, `null`, "no null branch"},
		{"array not array", `{"type":"array","items":"int"}`, `{}`, "want '['"},
		{"map not object", `{"type":"map","values":"int"}`, `[]`, "want '{'"},
		{"bad number", `"double"`, `"x"`, `"x" is not a number`},
		{"nested path", `{"type":"map","values":{"type":"array","items":"int"}}`, `{"k":[1,"x"]}`, `map["k"][1]: want an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AvroJSONToBinary([]byte("keep"), schema.MustParseAvroString(tt.schema), []byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}
}

func TestAppendAvroJSONErrors(t *testing.T) {
	tests := []struct {
		name, schema string
		src          []byte
		want         string
	}{
		{"truncated", `"double"`, []byte{1, 2}, "need 8 bytes"},
		{"trailing", `"int"`, []byte{2, 2}, "trailing bytes"},
		{"huge length", `"string"`, AppendLong(nil, 1<<60), "exceeds"},
		{"bad union index", `["null","int"]`, []byte{9}, "union index"},
		{"bad enum index", `{"type":"enum","name":"E","symbols":["A"]}`, []byte{4}, "out of range"},
		{"huge count", `{"type":"array","items":"int"}`, AppendLong(nil, 1<<40), "exceed"},
		{
			"zero-size items beyond the budget", `{"type":"array","items":"null"}`,
			bytes.Repeat(AppendLong(nil, int64(MaxZeroSizeItems)), 1000), "zero-size items",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AppendAvroJSON([]byte("keep"), schema.MustParseAvroString(tt.schema), tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}
}

func TestAppendValue(t *testing.T) {
	tests := []struct {
		name, schema string
		value        schema.Value
		want         any // goavro native form
		err          string
	}{
		{name: "int from int", schema: `"int"`, value: 5, want: int32(5)},
		{name: "long from float64", schema: `"long"`, value: float64(1 << 40), want: int64(1 << 40)},
		{name: "float from int32", schema: `"float"`, value: int32(2), want: float32(2)},
		{name: "bytes from string", schema: `"bytes"`, value: "\u00ff", want: []byte{0xff}},
		{name: "string from bytes", schema: `"string"`, value: []byte("s"), want: "s"},
		{name: "union plain value", schema: `["null","int"]`, value: int32(3), want: map[string]any{"int": int32(3)}},
		{name: "union pointer", schema: `["null","int"]`, value: &schema.UnionValue{Branch: 0}, want: nil},
		{
			name: "record fills defaults", schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"d"}]}`,
			value: map[string]schema.Value{"a": int32(1)}, want: map[string]any{"a": int32(1), "b": "d"},
		},
		{name: "int overflow", schema: `"int"`, value: int64(1 << 40), err: "overflows 32 bits"},
		{name: "fraction", schema: `"long"`, value: 1.5, err: "not an integer"},
		{name: "wrong shape", schema: `"boolean"`, value: "true", err: "boolean: got string"},
		{name: "null not nil", schema: `"null"`, value: 0, err: "null: got int"},
		{name: "fixed size", schema: `{"type":"fixed","name":"F","size":2}`, value: []byte{1}, err: "1 bytes, want 2"},
		{name: "enum symbol", schema: `{"type":"enum","name":"E","symbols":["A"]}`, value: "B", err: `"B" is not a symbol`},
		{name: "union branch range", schema: `["null","int"]`, value: schema.UnionValue{Branch: 2}, err: "branch 2 out of range"},
		{name: "no branch fits", schema: `["null","int"]`, value: "s", err: "no branch accepts a string"},
		{name: "missing field", schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`, value: map[string]schema.Value{}, err: "field a is missing"},
		{name: "array item", schema: `{"type":"array","items":"int"}`, value: []schema.Value{int32(1), "x"}, err: "[1]: int"},
		{name: "map value", schema: `{"type":"map","values":"int"}`, value: map[string]schema.Value{"k": "x"}, err: `["k"]: int`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AppendValue([]byte("keep"), schema.MustParseAvroString(tt.schema), tt.value)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				if string(out) != "keep" {
					t.Errorf("dst changed on error: %q", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rtDecode(t, tt.schema, out[4:]); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestAppendValueDefaults encodes every field default of the conformance
// corpus and of random schemas and checks goavro reads each one back as
// the default the schema declares.
func TestAppendValueDefaults(t *testing.T) {
	var texts []string
	for seed := uint64(1); seed <= 40; seed++ {
		texts = append(texts, avrorand.Schema(rand.New(rand.NewPCG(seed, 3)), avrorand.Options{}))
	}
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	for _, name := range []string{"java-codegen/SchemaBuilder.avsc", "cpp-jsonschemas/bigrecord_r.avsc", "misc/big.avsc", "share-test-schemas/RecordWithRequiredFields.avsc"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(data))
	}
	checked := 0
	for _, text := range texts {
		st, err := schema.ParseAvroString(text)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[*schema.Type]bool{}
		var walk func(*schema.Type)
		walk = func(x *schema.Type) {
			if x == nil || seen[x] {
				return
			}
			seen[x] = true
			walk(x.Items)
			walk(x.Values)
			for _, b := range x.Branches {
				walk(b)
			}
			for _, f := range x.Fields {
				walk(f.Type)
				if !f.HasDefault {
					continue
				}
				bin, err := AppendValue(nil, f.Type, f.Default)
				if err != nil {
					t.Fatalf("%s.%s: %v", x.Name.Full(), f.Name, err)
				}
				// The default, as JSON in the schema, is the value in the
				// Avro JSON encoding except that a union takes its branch's
				// plain value: check the binary through our JSON decoder.
				js, err := AppendAvroJSON(nil, f.Type, bin)
				if err != nil {
					t.Fatalf("%s.%s: %v", x.Name.Full(), f.Name, err)
				}
				again, err := AvroJSONToBinary(nil, f.Type, js)
				if err != nil || !bytes.Equal(again, bin) {
					t.Fatalf("%s.%s: %s does not convert back: % x, %v", x.Name.Full(), f.Name, js, again, err)
				}
				checked++
			}
		}
		walk(st)
	}
	if checked < 50 {
		t.Fatalf("only %d defaults checked", checked)
	}
}

// TestAvroJSONRandom converts random data of random schemas to Avro JSON
// and back, and cross-checks with goavro in both directions: goavro's JSON
// must convert to the same binary, and the two JSON texts must hold the
// same values (up to the spelling of floats that JSON lacks and of union
// branches with logical types).
func TestAvroJSONRandom(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		text := avrorand.Schema(r, avrorand.Options{})
		p, err := avrorand.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		st := schema.MustParseAvroString(text)
		codec, err := goavro.NewCodec(text)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			v, err := p.Datum(r)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := p.Append(nil, v, r)
			if err != nil {
				t.Fatal(err)
			}
			js, err := AppendAvroJSON(nil, st, bin)
			if err != nil {
				t.Fatalf("seed %d datum %d: %v", seed, i, err)
			}
			back, err := AvroJSONToBinary(nil, st, js)
			if err != nil {
				t.Fatalf("seed %d datum %d: %v\n%s", seed, i, err, js)
			}
			if d := avrorand.Diff(v, rtDecode(t, text, back)); d != "" {
				t.Fatalf("seed %d datum %d: round trip: %s\n%s", seed, i, d, js)
			}

			native, _, err := codec.NativeFromBinary(bin)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := codec.TextualFromNative(nil, native)
			if err != nil {
				t.Fatal(err)
			}
			if d := ajDiff("$", ajParse(t, js), ajParse(t, theirs)); d != "" {
				t.Fatalf("seed %d datum %d: JSON differs from goavro's at %s\nours   %s\ngoavro %s", seed, i, d, js, theirs)
			}
			fromTheirs, err := AvroJSONToBinary(nil, st, theirs)
			if err != nil {
				t.Fatalf("seed %d datum %d: reading goavro's JSON: %v\n%s", seed, i, err, theirs)
			}
			if d := avrorand.Diff(v, rtDecode(t, text, fromTheirs)); d != "" {
				t.Fatalf("seed %d datum %d: goavro's JSON: %s\n%s", seed, i, d, theirs)
			}
		}
	}
}

// ajLogicalBranch matches goavro's union branch names for logical types
// ("long.timestamp-millis"), which standard Avro JSON spells by the
// underlying type.
var ajLogicalBranch = regexp.MustCompile(`^(int|long|bytes|string)\.[a-z-]+$`)

// ajDiff compares our JSON value a with goavro's b and describes the first
// difference, or returns "".
func ajDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		for k, yv := range y {
			ours := k
			if m := ajLogicalBranch.FindStringSubmatch(k); m != nil && len(y) == 1 {
				ours = m[1]
			}
			xv, ok := x[ours]
			if !ok {
				return fmt.Sprintf("%s: key %q missing", path, ours)
			}
			if d := ajDiff(path+"."+ours, xv, yv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		for i := range x {
			if d := ajDiff(path+"["+strconv.Itoa(i)+"]", x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		if x == y {
			return ""
		}
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		if err1 != nil || err2 != nil || fx != fy {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		return ""
	case string:
		// goavro writes NaN as null and infinities as ±1e999.
		switch {
		case x == "NaN" && b == nil:
			return ""
		case x == "Infinity" && b == json.Number("1e999"), x == "-Infinity" && b == json.Number("-1e999"):
			return ""
		}
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s: %#v vs %#v", path, a, b)
	}
	return ""
}

// FuzzAppendAvroJSON feeds arbitrary binary data to AppendAvroJSON: no
// panic, and whatever it accepts must be valid JSON that converts back to
// the same binary (blocks rewritten as single ones, so compare values).
func FuzzAppendAvroJSON(f *testing.F) {
	texts := []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":["null","string",{"type":"fixed","name":"F","size":2}]},{"name":"m","type":{"type":"map","values":{"type":"array","items":"double"}}},{"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},{"name":"next","type":["null","R"]}]}`,
		`{"type":"array","items":["null",{"type":"record","name":"Z","fields":[]},"bytes","float"]}`,
	}
	var types []*schema.Type
	for _, s := range texts {
		types = append(types, schema.MustParseAvroString(s))
	}
	f.Add(uint8(0), rtEncode(f, texts[0], map[string]any{
		"a": map[string]any{"F": []byte{1, 2}}, "m": map[string]any{"k": []any{1.5, math.Inf(1)}}, "e": "B",
		"next": map[string]any{"R": map[string]any{"a": nil, "m": map[string]any{}, "e": "A", "next": nil}},
	}))
	f.Add(uint8(1), rtEncode(f, texts[1], []any{nil, map[string]any{"Z": map[string]any{}}, map[string]any{"bytes": []byte{0xff}}}))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		i := int(which) % len(types)
		js, err := AppendAvroJSON(nil, types[i], data)
		if err != nil {
			return
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %s", js)
		}
		back, err := AvroJSONToBinary(nil, types[i], js)
		if err != nil {
			t.Fatalf("%s does not convert back: %v", js, err)
		}
		again, err := AppendAvroJSON(nil, types[i], back)
		if err != nil || !bytes.Equal(again, js) {
			t.Fatalf("JSON %s became %s (%v)", js, again, err)
		}
	})
}

// TestAvroJSONConformance round-trips random data of the Apache Avro
// corpus schemas through the JSON encoding, and transcodes it with each
// schema resolved against itself.
func TestAvroJSONConformance(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	files := []string{
		"share-test-schemas/interop.avsc", "cpp-jsonschemas/bigrecord.avsc", "cpp-jsonschemas/big_union.avsc",
		"misc/Json.avsc", "cpp-jsonschemas/crossref.avsc", "cpp-jsonschemas/union_redundant_types.avsc",
		"java-codegen/SchemaBuilder.avsc", "share-test-schemas/RecordWithRequiredFields.avsc", "misc/HandshakeResponse.avsc",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		p, err := avrorand.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st := schema.MustParseAvroString(text)
		res, err := NewResolver(st, st)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 0; i < 10; i++ {
			v, err := p.Datum(r)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := p.Append(nil, v, r)
			if err != nil {
				t.Fatal(err)
			}
			js, err := AppendAvroJSON(nil, st, bin)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			back, err := AvroJSONToBinary(nil, st, js)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, js)
			}
			if d := avrorand.Diff(v, rtDecode(t, text, back)); d != "" {
				t.Fatalf("%s: JSON round trip: %s\n%s", name, d, js)
			}
			out, err := res.Transcode(nil, bin)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d := avrorand.Diff(v, rtDecode(t, text, out)); d != "" {
				t.Fatalf("%s: Transcode: %s", name, d)
			}
		}
	}
}
