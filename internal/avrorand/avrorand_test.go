package avrorand

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
)

const testSeeds = 300

// Every random schema is valid JSON, accepted by goavro and by Parse; every
// random datum is accepted by goavro, encodes as goavro encodes it, and
// survives goavro's decoder, including when arrays and maps are split into
// random blocks.
func TestSchemasAndDatumsAgreeWithGoavro(t *testing.T) {
	for seed := uint64(1); seed <= testSeeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		text := Schema(r, Options{})
		if !json.Valid([]byte(text)) {
			t.Fatalf("seed %d: invalid JSON: %s", seed, text)
		}
		codec, err := goavro.NewCodec(text)
		if err != nil {
			t.Fatalf("seed %d: goavro rejects the schema: %v\n%s", seed, err, text)
		}
		p, err := Parse(text)
		if err != nil {
			t.Fatalf("seed %d: Parse: %v\n%s", seed, err, text)
		}
		for i := 0; i < 10; i++ {
			v, err := p.Datum(r)
			if err != nil {
				t.Fatalf("seed %d: Datum: %v", seed, err)
			}
			want, err := codec.BinaryFromNative(nil, v)
			if err != nil {
				t.Fatalf("seed %d datum %d: goavro cannot encode: %v\nschema %s\ndatum %#v", seed, i, err, text, v)
			}
			got, err := p.Append(nil, v, nil)
			if err != nil {
				t.Fatalf("seed %d datum %d: Append: %v", seed, i, err)
			}
			if p.OrderSensitive(v) {
				if len(got) != len(want) {
					t.Fatalf("seed %d datum %d: Append wrote %d bytes, goavro %d", seed, i, len(got), len(want))
				}
			} else if !bytes.Equal(got, want) {
				t.Fatalf("seed %d datum %d: Append = %x, goavro = %x\nschema %s", seed, i, got, want, text)
			}
			back, rest, err := codec.NativeFromBinary(want)
			if err != nil || len(rest) != 0 {
				t.Fatalf("seed %d datum %d: goavro decode: %v (%d bytes left)", seed, i, err, len(rest))
			}
			if d := Diff(v, back); d != "" {
				t.Fatalf("seed %d datum %d: goavro round trip differs: %s\nschema %s", seed, i, d, text)
			}
			blocked, err := p.Append(nil, v, r)
			if err != nil {
				t.Fatalf("seed %d datum %d: blocked Append: %v", seed, i, err)
			}
			back, rest, err = codec.NativeFromBinary(blocked)
			if err != nil || len(rest) != 0 {
				t.Fatalf("seed %d datum %d: goavro decode of blocked encoding: %v (%d bytes left)", seed, i, err, len(rest))
			}
			if d := Diff(v, back); d != "" {
				t.Fatalf("seed %d datum %d: blocked round trip differs: %s", seed, i, d)
			}
		}
	}
}

func TestSchemaIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		a := Schema(rand.New(rand.NewPCG(seed, 7)), Options{})
		b := Schema(rand.New(rand.NewPCG(seed, 7)), Options{})
		if a != b {
			t.Fatalf("seed %d: two schemas from the same seed differ", seed)
		}
	}
}

// Over the default seed range the generator reaches every feature the
// package documents.
func TestSchemaCoverage(t *testing.T) {
	seen := map[string]int{}
	for seed := uint64(1); seed <= testSeeds; seed++ {
		text := Schema(rand.New(rand.NewPCG(seed, 0)), Options{})
		p, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.all() {
			seen[n.typ]++
			if n.logical != "" {
				seen[n.typ+"."+n.logical]++
			}
			if n.typ == "enum" && n.hasEnumDef {
				seen["enum-default"]++
			}
			if n.typ == "enum" && !n.hasEnumDef {
				seen["enum-no-default"]++
			}
			if n.named() && n.namespace != "" {
				seen["namespace"]++
			}
			if n.typ == "union" {
				if _, null, ok := nullable(n); ok {
					seen[[]string{"null-first", "null-second"}[null]]++
				} else {
					seen["multi-branch"]++
					for _, b := range n.branches {
						if b.named() || b.typ == "array" || b.typ == "map" {
							seen["multi-branch-"+b.typ]++
						}
					}
				}
			}
			for _, f := range n.fields {
				if f.def != nil {
					seen["default"]++
					if f.typ.typ == "record" {
						seen["default-record"]++
					}
				}
			}
		}
		if recursive(p) {
			seen["recursion"]++
		}
		if strings.Contains(text, `"name":"`) && dottedName(text) {
			seen["dotted-name"]++
		}
	}
	want := []string{
		"null", "boolean", "int", "long", "float", "double", "bytes", "string",
		"record", "enum", "fixed", "array", "map", "union",
		"bytes.decimal", "fixed.decimal", "string.uuid", "int.date", "int.time-millis",
		"long.time-micros", "long.timestamp-millis", "long.timestamp-micros", "long.timestamp-nanos",
		"long.local-timestamp-millis", "long.local-timestamp-micros", "long.local-timestamp-nanos",
		"fixed.duration", "bytes.big-decimal", "enum-default", "enum-no-default", "namespace", "null-first", "null-second",
		"multi-branch", "multi-branch-record", "multi-branch-enum", "multi-branch-fixed",
		"multi-branch-array", "multi-branch-map", "default", "default-record", "recursion", "dotted-name",
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Errorf("no schema in %d seeds has %s", testSeeds, w)
		}
	}
}

func nullable(u *node) (*node, int, bool) {
	if len(u.branches) != 2 {
		return nil, 0, false
	}
	switch {
	case u.branches[0].typ == "null" && u.branches[1].typ != "null":
		return u.branches[1], 0, true
	case u.branches[1].typ == "null" && u.branches[0].typ != "null":
		return u.branches[0], 1, true
	}
	return nil, 0, false
}

// recursive reports whether some record can reach itself.
func recursive(p *Parsed) bool {
	for _, n := range p.order {
		if n.typ != "record" {
			continue
		}
		seen := map[*node]bool{}
		var reach func(m *node) bool
		reach = func(m *node) bool {
			if m == n {
				return true
			}
			if seen[m] {
				return false
			}
			seen[m] = true
			for _, f := range m.fields {
				if reach(f.typ) {
					return true
				}
			}
			if m.items != nil && reach(m.items) || m.values != nil && reach(m.values) {
				return true
			}
			for _, b := range m.branches {
				if reach(b) {
					return true
				}
			}
			return false
		}
		for _, f := range n.fields {
			if reach(f.typ) {
				return true
			}
		}
	}
	return false
}

func dottedName(text string) bool {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			if t, _ := x["type"].(string); t == "record" || t == "enum" || t == "fixed" {
				if name, _ := x["name"].(string); strings.Contains(name, ".") {
					return true
				}
			}
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return false
	}
	return walk(v)
}

func TestParseResolvesNames(t *testing.T) {
	tests := []struct {
		name    string
		schema  string
		records []string
		wantErr string
	}{
		{"inherit", `{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"record","name":"B","fields":[]}},{"name":"c","type":"B"}]}`, []string{"x.A", "x.B"}, ""},
		{"dotted", `{"type":"record","name":"x.A","fields":[{"name":"b","type":{"type":"record","name":"y.B","fields":[{"name":"c","type":{"type":"record","name":"C","fields":[]}}]}},{"name":"d","type":"y.C"}]}`, []string{"x.A", "y.B", "y.C"}, ""},
		{"null namespace", `{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":{"type":"enum","name":"E","namespace":"","symbols":["S"]}},{"name":"c","type":"E"}]}`, []string{"x.A"}, ""},
		{"unknown", `{"type":"record","name":"A","fields":[{"name":"b","type":"Nope"}]}`, nil, `unknown type "Nope"`},
		{"duplicate", `{"type":"record","name":"A","fields":[{"name":"b","type":{"type":"fixed","name":"A","size":1}}]}`, nil, "defined twice"},
		{"no symbols", `{"type":"enum","name":"E","symbols":[]}`, nil, "without symbols"},
		{"bad json", `{"type":`, nil, "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.schema)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Records(), ","); got != strings.Join(tt.records, ",") {
				t.Fatalf("Records() = %s, want %s", got, strings.Join(tt.records, ","))
			}
		})
	}
}

func TestStandaloneJSONIsUsableByGoavro(t *testing.T) {
	const text = `{"type":"record","name":"A","namespace":"x","fields":[
		{"name":"b","type":{"type":"record","name":"B","fields":[{"name":"e","type":{"type":"enum","name":"E","namespace":"y","symbols":["P","Q"],"default":"P"}},{"name":"next","type":["null","B"]}]}},
		{"name":"c","type":{"type":"array","items":"y.E"}}]}`
	p, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.StandaloneJSON("x.B")
	if err != nil {
		t.Fatal(err)
	}
	codec, err := goavro.NewCodec(s)
	if err != nil {
		t.Fatalf("goavro rejects %s: %v", s, err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20; i++ {
		v, err := p.NamedDatum(r, "x.B")
		if err != nil {
			t.Fatal(err)
		}
		want, err := codec.BinaryFromNative(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.NamedAppend(nil, "x.B", v, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("NamedAppend = %x, goavro = %x", got, want)
		}
	}
}

func TestTwosComplement(t *testing.T) {
	tests := []struct {
		x    int64
		size int
		want []byte
	}{
		{0, 0, []byte{0}},
		{1, 0, []byte{1}},
		{127, 0, []byte{0x7f}},
		{128, 0, []byte{0x00, 0x80}},
		{-1, 0, []byte{0xff}},
		{-128, 0, []byte{0x80}},
		{-129, 0, []byte{0xff, 0x7f}},
		{-1, 4, []byte{0xff, 0xff, 0xff, 0xff}},
		{300, 3, []byte{0, 0x01, 0x2c}},
		{0, 2, []byte{0, 0}},
	}
	for _, tt := range tests {
		got, err := twosComplement(big.NewInt(tt.x), tt.size)
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("twosComplement(%d, %d) = %x, %v; want %x", tt.x, tt.size, got, err, tt.want)
		}
	}
	if _, err := twosComplement(big.NewInt(128), 1); err == nil {
		t.Errorf("twosComplement(128, 1) did not fail")
	}
}

func TestMaxDecimalPrecision(t *testing.T) {
	for size, want := range map[int]int{1: 2, 2: 4, 4: 9, 8: 18, 16: 38} {
		if got := maxDecimalPrecision(size); got != want {
			t.Errorf("maxDecimalPrecision(%d) = %d, want %d", size, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	nan := math.NaN()
	ts := time.Date(2020, 1, 2, 3, 4, 5, 6e6, time.UTC)
	tests := []struct {
		name string
		a, b any
		same bool
	}{
		{"nan", nan, nan, true},
		{"nan32", float32(nan), float32(nan), true},
		{"signed zero", 0.0, math.Copysign(0, -1), false},
		{"float types", float32(1), 1.0, false},
		{"time zones", ts, ts.In(time.FixedZone("x", 3600)), true},
		{"rat", big.NewRat(1, 2), big.NewRat(50, 100), true},
		{"rat differs", big.NewRat(1, 2), big.NewRat(1, 3), false},
		{"nil bytes", []byte(nil), []byte{}, true},
		{"bytes", []byte{1}, []byte{2}, false},
		{"empty array", []any{}, nil, true},
		{"nested", map[string]any{"a": []any{int32(1)}}, map[string]any{"a": []any{int32(2)}}, false},
		{"missing key", map[string]any{"a": nil}, map[string]any{}, false},
		{"int kinds", int32(1), int64(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := Diff(tt.a, tt.b); (d == "") != tt.same {
				t.Fatalf("Diff = %q, want same=%v", d, tt.same)
			}
		})
	}
}
