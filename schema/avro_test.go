package schema

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// src is a shorthand for a Source.
func src(name, data string) Source { return Source{Name: name, Data: []byte(data)} }

// expandPos replaces every «marker» or «marker|n» in want with the
// file:line:col of the n-th occurrence (default the first) of marker in the
// sources, searched in order, so expected positions cannot drift from the
// inputs.
func expandPos(t *testing.T, want string, srcs []Source) string {
	t.Helper()
	for {
		i := strings.Index(want, "«")
		if i < 0 {
			return want
		}
		j := strings.Index(want[i:], "»")
		if j < 0 {
			t.Fatalf("unterminated marker in %q", want)
		}
		marker, nth := want[i+len("«"):i+j], 1
		if k := strings.LastIndex(marker, "|"); k >= 0 {
			fmt.Sscanf(marker[k+1:], "%d", &nth)
			marker = marker[:k]
		}
		pos := ""
		for _, s := range srcs {
			data := string(s.Data)
			off := -1
			for n, from := 0, 0; n < nth; n++ {
				k := strings.Index(data[from:], marker)
				if k < 0 {
					off = -1
					break
				}
				off = from + k
				from = off + 1
			}
			if off >= 0 {
				line := strings.Count(data[:off], "\n") + 1
				col := len([]rune(data[strings.LastIndex(data[:off], "\n")+1 : off]))
				pos = fmt.Sprintf("%s:%d:%d", s.Name, line, col+1)
				break
			}
			nth -= strings.Count(data, marker)
		}
		if pos == "" {
			t.Fatalf("marker %q not found in the sources", marker)
		}
		want = want[:i] + pos + want[i+j+len("»"):]
	}
}

func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestParseAvroErrors(t *testing.T) {
	tests := []struct {
		name string
		srcs []Source
		want []string // every error, in order; «x» is the position of x
	}{
		{"unknown type in a field",
			[]Source{src("click.avsc", `{"type": "record", "name": "Click", "namespace": "com.acme",
 "fields": [
  {"name": "page", "type": "string"},
  {"name": "at", "type": "long"},
  {"name": "user", "type": "Usr"}]}`)},
			[]string{`click.avsc:5:28: com.acme.Click.fields[2](user).type: unknown type "Usr"`}},
		{"unknown type deep inside",
			[]Source{src("a.avsc", `{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":{"type":"array","items":["null","Nope"]}}}]}`)},
			[]string{`«"Nope"»: R.fields[0](m).type.values.items[1]: unknown type "Nope"`}},
		{"unknown type at the root", []Source{src("p.avsc", `{"type":"panther"}`)},
			[]string{`«"panther"»: unknown type "panther"`}},
		{"reference resolves in the enclosing namespace only",
			[]Source{src("a.avsc", `{"type":"record","name":"a.R","fields":[
 {"name":"x","type":{"type":"fixed","name":"b.F","size":1}},
 {"name":"y","type":"F"}]}`)},
			[]string{`«"F"»: a.R.fields[1](y).type: unknown type "F"`}},
		{"invalid names",
			[]Source{src("n.avsc", `[
 {"type":"enum","name":"2d2","symbols":["A"]},
 {"type":"fixed","name":"ok","namespace":"a..b","size":1},
 {"type":"fixed","name":"a.b.","size":1},
 {"type":"fixed","name":".X","size":1},
 {"type":"record","name":"has space","fields":[]},
 {"type":"fixed","name":"N","namespace":"1a","size":1}]`)},
			[]string{
				`«"2d2"»: [0].name: invalid name "2d2": must match [A-Za-z_][A-Za-z0-9_]*`,
				`«"a..b"»: [1].namespace: invalid namespace "a..b": must be empty or dot-separated names matching [A-Za-z_][A-Za-z0-9_]*`,
				`«"a.b."»: [2].name: invalid full name "a.b.": each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*`,
				`«".X"»: [3].name: invalid full name ".X": each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*`,
				`«"has space"»: [4].name: invalid name "has space": must match [A-Za-z_][A-Za-z0-9_]*`,
				`«"1a"»: [5].namespace: invalid namespace "1a": must be empty or dot-separated names matching [A-Za-z_][A-Za-z0-9_]*`,
			}},
		{"primitive names cannot be defined",
			[]Source{src("p.avsc", `[{"type":"record","name":"int","fields":[]},{"type":"fixed","name":"com.x.string","size":1}]`)},
			[]string{
				`«"int"»: [0].name: a named type may not be called "int": primitive type names cannot be defined in any namespace`,
				`«"com.x.string"»: [1].name: a named type may not be called "string": primitive type names cannot be defined in any namespace`,
			}},
		{"redefinition in one file",
			[]Source{src("r.avsc", `{"type":"record","name":"R","namespace":"x","fields":[
 {"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}},
 {"name":"b","type":{"type":"fixed","name":"x.E","size":2}}]}`)},
			[]string{`«"x.E"»: x.R.fields[1](b).type: fixed "x.E" is already defined at «{"type":"enum"»`}},
		{"redefinition across files",
			[]Source{
				src("one.avsc", `{"type":"fixed","name":"M","namespace":"n","size":16}`),
				src("two.avsc", `{"type":"record","name":"n.R","fields":[{"name":"m","type":{"type":"fixed","name":"M","size":16}}]}`),
			},
			[]string{`«"M"|2»: n.R.fields[0](m).type: fixed "n.M" is already defined at one.avsc:1:1`}},
		{"missing attributes",
			[]Source{src("m.avsc", `[
 {"name":"NoType"},
 {"type":"record","fields":[]},
 {"type":"record","name":"NoFields"},
 {"type":"enum","name":"NoSymbols"},
 {"type":"fixed","name":"NoSize"},
 {"type":"array"},
 {"type":"map","values":"int","items":"int"}]`)},
			[]string{
				`«{"name":"NoType"}»: [0]: missing "type"`,
				`«{"type":"record","fields"»: [1]: missing "name"`,
				`«{"type":"record","name":"NoFields"}»: NoFields: record schema is missing "fields"`,
				`«{"type":"enum"»: NoSymbols: enum schema is missing "symbols"`,
				`«{"type":"fixed"»: NoSize: fixed schema is missing "size"`,
				`«{"type":"array"}»: [5]: array schema is missing "items"`,
			}},
		{"fields",
			[]Source{src("f.avsc", `{"type":"record","name":"R","fields":[
 "int",
 {"type":"int"},
 {"name":"a"},
 {"name":7,"type":"int"},
 {"name":"b-c","type":"int"},
 {"name":"d","type":"int"},
 {"name":"d","type":"long"},
 {"name":"e","type":"int","order":"up"},
 {"name":"f","type":"int","doc":5},
 {"name":"g","type":"int","aliases":"x"},
 {"name":"h","type":"int","aliases":["ok",1]}]}`)},
			[]string{
				`«"int"»: R.fields[0]: a field must be an object, got string "int"`,
				`«{"type":"int"}»: R.fields[1]: field is missing "name"`,
				`«{"name":"a"}»: R.fields[2](a): field is missing "type"`,
				`«7»: R.fields[3].name: "name" must be a string, got number 7`,
				`«"b-c"»: R.fields[4](b-c).name: invalid field name "b-c": must match [A-Za-z_][A-Za-z0-9_]*`,
				`«"d"|2»: R.fields[6](d).name: duplicate field name "d" (first defined at «{"name":"d"»)`,
				`«"up"»: R.fields[7](e).order: "order" must be "ascending", "descending" or "ignore", got string "up"`,
				`«5»: R.fields[8](f).doc: "doc" must be a string, got number 5`,
				`«"x"»: R.fields[9](g).aliases: "aliases" must be an array of strings, got string "x"`,
				`«1]»: R.fields[10](h).aliases[1]: "aliases" must hold strings, got number 1`,
			}},
		{"field aliases are unique in their record",
			[]Source{src("fa.avsc", `{"type":"record","name":"R","fields":[
 {"name":"a","type":"int","aliases":["a","old"]},
 {"name":"b","type":"int","aliases":["a"]},
 {"name":"c","type":"int","aliases":["old","c0"]}]}`)},
			[]string{
				`«"a"]»: R.fields[1](b).aliases[0]: field alias "a" is the name of another field (defined at «{"name":"a"»)`,
				`«"old"|2»: R.fields[2](c).aliases[0]: field alias "old" is also an alias of field "a"`,
			}},
		{"fields not an array",
			[]Source{src("f.avsc", `{"type":"record","name":"R","fields":{"a":"int"}}`)},
			[]string{`«{"a"»: R.fields: "fields" must be an array, got object {"a":"int"}`}},
		{"enum symbols and default",
			[]Source{src("e.avsc", `[
 {"type":"enum","name":"A","symbols":"x y"},
 {"type":"enum","name":"B","symbols":["ok","1x","ok",3],"default":"nope"},
 {"type":"enum","name":"C","symbols":["X"],"default":1}]`)},
			[]string{
				`«"x y"»: A.symbols: "symbols" must be an array of strings, got string "x y"`,
				`«"1x"»: B.symbols[1]: invalid enum symbol "1x": must match [A-Za-z_][A-Za-z0-9_]*`,
				`«"ok"|2»: B.symbols[2]: duplicate enum symbol "ok"`,
				`«3]»: B.symbols[3]: an enum symbol must be a string, got number 3`,
				`«"nope"»: B.default: enum default "nope" is not one of the symbols`,
				`«1}»: C.default: an enum default must be a string, got number 1`,
			}},
		{"fixed size",
			[]Source{src("s.avsc", `[
 {"type":"fixed","name":"A","size":-1},
 {"type":"fixed","name":"B","size":16.0},
 {"type":"fixed","name":"C","size":"16"},
 {"type":"fixed","name":"D","size":4294967296}]`)},
			[]string{
				`«-1»: A.size: size must be a non-negative integer, got number -1`,
				`«16.0»: B.size: size must be a non-negative integer, got number 16.0`,
				`«"16"»: C.size: size must be a non-negative integer, got string "16"`,
				`«4294967296»: D.size: size 4294967296 is too large (at most 2147483647)`,
			}},
		{"unions",
			[]Source{src("u.avsc", `{"type":"record","name":"R","fields":[
 {"name":"a","type":["null",["int","long"]]},
 {"name":"b","type":["int","string",{"type":"int","logicalType":"date"}]},
 {"name":"c","type":[{"type":"array","items":"int"},{"type":"array","items":"long"}]},
 {"name":"d","type":[{"type":"map","values":"int"},"null",{"type":"map","values":"int"}]},
 {"name":"e","type":[{"type":"fixed","name":"F","size":1},"F"]},
 {"name":"f","type":[{"type":"fixed","name":"G","size":1},{"type":"fixed","name":"H","size":1}]}]}`)},
			[]string{
				`«["int","long"]»: R.fields[0](a).type[1]: a union may not directly contain another union`,
				`«{"type":"int","logicalType"»: R.fields[1](b).type[2]: union contains the unnamed type "int" twice (branches 0 and 2)`,
				`«{"type":"array","items":"long"}»: R.fields[2](c).type[1]: union contains the unnamed type "array" twice (branches 0 and 1)`,
				`«{"type":"map","values":"int"}]»: R.fields[3](d).type[2]: union contains the unnamed type "map" twice (branches 0 and 2)`,
				`«"F"]»: R.fields[4](e).type[1]: union contains the type "F" twice (branches 0 and 1)`,
			}},
		{"type attribute and schema kinds",
			[]Source{src("t.avsc", `{"type":"record","name":"R","fields":[
 {"name":"a","type":{"type":{"type":"int"}}},
 {"name":"b","type":12},
 {"name":"c","type":{"type":"array","items":true}}]}`)},
			[]string{
				`«{"type":"int"}»: R.fields[0](a).type.type: "type" must be a string naming the type, got object {"type":"int"}`,
				`«12»: R.fields[1](b).type: a schema must be a type name, an object or an array (union), got number 12`,
				`«true»: R.fields[2](c).type.items: a schema must be a type name, an object or an array (union), got boolean true`,
			}},
		{"aliases must be unique",
			[]Source{src("a.avsc", `[
 {"type":"fixed","name":"A","namespace":"n","size":1,"aliases":["B"]},
 {"type":"fixed","name":"B","namespace":"n","size":1},
 {"type":"fixed","name":"C","namespace":"n","size":1,"aliases":["n.Old"]},
 {"type":"fixed","name":"D","namespace":"n","size":1,"aliases":["Old"]}]`)},
			[]string{
				`«{"type":"fixed","name":"A"»: n.A.aliases: alias "n.B" is the name of the fixed defined at «{"type":"fixed","name":"B"»`,
				`«{"type":"fixed","name":"D"»: n.D.aliases: alias "n.Old" is also an alias of n.C (defined at «{"type":"fixed","name":"C"»)`,
			}},
		{"doc and namespace types",
			[]Source{src("d.avsc", `{"type":"record","name":"R","doc":["x"],"namespace":5,"fields":[]}`)},
			[]string{
				`«["x"]»: doc: "doc" must be a string, got array ["x"]`,
				`«5»: namespace: "namespace" must be a string, got number 5`,
			}},
		{"invalid JSON", []Source{src("j.avsc", "{\"type\": \"enum\"\n  \"symbols\": []}")},
			[]string{`j.avsc:2:3: invalid JSON: expected ',' or '}' in object`}},
		{"columns count characters, not bytes",
			[]Source{src("c.avsc", `{"doc":"été","type":"fixed","name":"F","size":-1}`)},
			[]string{`c.avsc:1:47: F.size: size must be a non-negative integer, got number -1`}},
		{"invalid escape late on a line",
			[]Source{src("e.avsc", `{"type":"fixed","doc":"ü","size":1,"name":"F\q"}`)},
			[]string{`e.avsc:1:45: invalid JSON: invalid escape \q`}},
		{"errors from every file of a set, in file order",
			[]Source{
				src("b.avsc", `{"type":"record","name":"B","fields":[{"name":"x","type":"Missing"}]}`),
				src("a.avsc", `{"type":"enum","name":"A","symbols":["1"]}`),
			},
			[]string{
				`«"Missing"»: B.fields[0](x).type: unknown type "Missing"`,
				`«"1"»: A.symbols[0]: invalid enum symbol "1": must match [A-Za-z_][A-Za-z0-9_]*`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseAvro(tt.srcs...)
			if err == nil {
				t.Fatalf("ParseAvro succeeded (%d roots), want errors", len(s.Roots))
			}
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := errorLines(err)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = expandPos(t, w, tt.srcs)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestParseAvroDefaultErrors(t *testing.T) {
	tests := []struct {
		typ, def string
		want     string // message after "file:line:col: R.fields[0](f).default<suffix>: "
	}{
		{`"null"`, `0`, `: null default must be null, got number 0`},
		{`"boolean"`, `"true"`, `: boolean default must be true or false, got string "true"`},
		{`"int"`, `2147483648`, `: int default 2147483648 does not fit in 32 bits`},
		{`"int"`, `-2147483649`, `: int default -2147483649 does not fit in 32 bits`},
		{`"int"`, `1.5`, `: int default must be an integer, got number 1.5`},
		{`"int"`, `1.0`, `: int default must be an integer, got number 1.0`},
		{`"int"`, `1e2`, `: int default must be an integer, got number 1e2`},
		{`"long"`, `9223372036854775808`, `: long default 9223372036854775808 does not fit in 64 bits`},
		{`"long"`, `"5"`, `: long default must be an integer, got string "5"`},
		{`"float"`, `3.5e38`, `: float default 3.5e38 is out of range`},
		{`"double"`, `-1e309`, `: double default -1e309 is out of range`},
		{`"double"`, `"NaN"`, `: double default must be a number, got string "NaN"`},
		{`"float"`, `"Infinity"`, `: float default must be a number, got string "Infinity"`},
		{`"string"`, `5`, `: string default must be a string, got number 5`},
		{`"bytes"`, `"\u0100"`, `: bytes default must be a string of code points 0-255 (one per byte), got string "Ā"`},
		{`"bytes"`, `[1]`, `: bytes default must be a string of code points 0-255, got array [1]`},
		{`{"type":"fixed","name":"F","size":2}`, `"abc"`, `: fixed F default has 3 bytes, want 2`},
		{`{"type":"enum","name":"E","symbols":["A"]}`, `"B"`, `: "B" is not a symbol of enum E`},
		{`{"type":"array","items":"int"}`, `[1,"x"]`, `[1]: int default must be an integer, got string "x"`},
		{`{"type":"array","items":"int"}`, `{}`, `: array default must be an array, got object {}`},
		{`{"type":"map","values":"long"}`, `{"a":1,"b":null}`, `["b"]: long default must be an integer, got null`},
		{`{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}`, `{}`, `: record In default leaves out field "a", which has no default of its own`},
		{`{"type":"record","name":"In","fields":[{"name":"a","type":"int","default":1}]}`, `{"b":2}`, `: record In has no field "b"`},
		{`{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}`, `{"a":"x"}`, `.a: int default must be an integer, got string "x"`},
		{`{"type":"record","name":"In","fields":[{"name":"a","type":"int"}]}`, `[]`, `: record In default must be an object, got array []`},
		{`["null","string"]`, `1`, `: default number 1 matches no branch of union [null, string]`},
		{`["int"]`, `"x"`, `: int default must be an integer, got string "x"`},
		{`[]`, `null`, `: the empty union has no values, so it cannot have a default`},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"="+tt.def, func(t *testing.T) {
			text := `{"type":"record","name":"R","fields":[{"name":"f","type":` + tt.typ + `,"default":` + tt.def + `}]}`
			_, err := ParseAvro(src("d.avsc", text))
			got := errorLines(err)
			// The offending value is the default itself or, for nested
			// problems, an element inside it; locate it by the suffix.
			if len(got) != 1 {
				t.Fatalf("errors = %q, want one", got)
			}
			wantSuffix := `R.fields[0](f).default` + tt.want
			if !strings.HasSuffix(got[0], wantSuffix) {
				t.Errorf("error = %q, want it to end in %q", got[0], wantSuffix)
			}
			if !strings.HasPrefix(got[0], "d.avsc:1:") {
				t.Errorf("error = %q, want a d.avsc:1:col position", got[0])
			}
		})
	}
}

func TestParseAvroDefaultPositions(t *testing.T) {
	text := `{"type":"record","name":"R","fields":[
 {"name":"a","type":{"type":"array","items":"int"},"default":[1, 2, "three"]},
 {"name":"b","type":{"type":"record","name":"S","fields":[{"name":"x","type":"int"}]},"default":{"x":1,"y":2}},
 {"name":"c","type":"S","default":{}}]}`
	srcs := []Source{src("p.avsc", text)}
	_, err := ParseAvro(srcs...)
	want := []string{
		expandPos(t, `«"three"»: R.fields[0](a).default[2]: int default must be an integer, got string "three"`, srcs),
		expandPos(t, `«"y"»: R.fields[1](b).default: record S has no field "y"`, srcs),
		expandPos(t, `«{}»: R.fields[2](c).default: record S default leaves out field "x", which has no default of its own`, srcs),
	}
	if got := errorLines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseAvroDefaultCycle(t *testing.T) {
	// The default of n leaves out n, whose default is the very value being
	// checked: there is no finite value, so it is an error, not a hang.
	text := `{"type":"record","name":"Node","fields":[{"name":"n","type":"Node","default":{}}]}`
	_, err := ParseAvro(src("c.avsc", text))
	want := []string{`c.avsc:1:78: Node.fields[0](n).default: record Node default leaves out field "n", whose own default depends on this one`}
	if got := errorLines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestParseAvroFilesError(t *testing.T) {
	_, err := ParseAvroFiles("testdata/avro/errors/click.avsc")
	want := []string{`testdata/avro/errors/click.avsc:8:30: com.acme.Click.fields[2](user).type: unknown type "Usr"`}
	if got := errorLines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	if _, err := ParseAvroFiles("testdata/avro/does-not-exist.avsc"); err == nil {
		t.Error("ParseAvroFiles of a missing file succeeded")
	}
}

func TestParseAvroStringErrors(t *testing.T) {
	_, err := ParseAvroString(`{"type":"record","name":"R","fields":[{"name":"a","type":"B"}]}`)
	want := []string{`<schema>:1:58: R.fields[0](a).type: unknown type "B"`}
	if got := errorLines(err); !reflect.DeepEqual(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `unknown type "B"`) {
			t.Errorf("MustParseAvroString panic = %v, want the parse error", r)
		}
	}()
	MustParseAvroString(`{"type":"record","name":"R","fields":[{"name":"a","type":"B"}]}`)
}

// fullNames lists the full names of types.
func fullNames(ts []*Type) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name.Full()
	}
	return out
}

func TestParseAvroNames(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		named  []string          // Schema.Named, in definition order
		refs   map[string]string // field path "R.f" -> full name of its named type
	}{
		{"dotted name ignores namespace",
			`{"type":"record","name":"a.b.R","namespace":"ignored","fields":[
			  {"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}}]}`,
			[]string{"a.b.R", "a.b.E"}, map[string]string{"a.b.R.e": "a.b.E"}},
		{"namespace attribute and inheritance",
			`{"type":"record","name":"R","namespace":"n","fields":[
			  {"name":"a","type":{"type":"fixed","name":"F","size":1}},
			  {"name":"b","type":{"type":"fixed","name":"G","namespace":"m","size":1}},
			  {"name":"c","type":{"type":"record","name":"S","namespace":"m","fields":[
			     {"name":"g","type":"G"},{"name":"f","type":"n.F"}]}},
			  {"name":"d","type":"F"},
			  {"name":"e","type":"m.G"}]}`,
			[]string{"n.R", "n.F", "m.G", "m.S"},
			map[string]string{"n.R.a": "n.F", "n.R.b": "m.G", "m.S.g": "m.G", "m.S.f": "n.F", "n.R.d": "n.F", "n.R.e": "m.G"}},
		{"null namespace inside a namespace",
			`{"type":"record","name":"R","fields":[
			  {"name":"s","type":{"type":"record","namespace":"x","name":"Y","fields":[
			    {"name":"e","type":{"type":"record","namespace":"","name":"Z","fields":[{"name":"f","type":["null","Z"]}]}},
			    {"name":"w","type":"Z"}]}},
			  {"name":"t","type":"Z"},
			  {"name":"u","type":"x.Y"}]}`,
			[]string{"R", "x.Y", "Z"},
			map[string]string{"R.s": "x.Y", "x.Y.e": "Z", "x.Y.w": "Z", "R.t": "Z", "R.u": "x.Y"}},
		{"enclosing namespace wins over the null namespace",
			`{"type":"record","name":"R","fields":[
			  {"name":"a","type":{"type":"fixed","name":"F","size":1}},
			  {"name":"b","type":{"type":"record","name":"S","namespace":"x","fields":[
			     {"name":"c","type":{"type":"fixed","name":"F","size":2}},
			     {"name":"d","type":"F"}]}},
			  {"name":"e","type":"F"}]}`,
			[]string{"R", "F", "x.S", "x.F"},
			map[string]string{"x.S.d": "x.F", "R.e": "F"}},
		{"complex type names may be reused as names",
			`{"type":"record","name":"record","namespace":"n","fields":[
			  {"name":"a","type":{"type":"enum","name":"map","symbols":["A"]}},
			  {"name":"b","type":"map"},
			  {"name":"c","type":{"type":"map","values":"n.record"}}]}`,
			[]string{"n.record", "n.map"},
			map[string]string{"n.record.b": "n.map"}},
		{"forward reference inside one file",
			`{"type":"record","name":"R","fields":[
			  {"name":"a","type":["null","S"]},
			  {"name":"b","type":{"type":"record","name":"S","fields":[]}}]}`,
			[]string{"R", "S"}, map[string]string{"R.a": "S"}},
		{"object form of a reference",
			`{"type":"record","name":"R","fields":[
			  {"name":"a","type":{"type":"fixed","name":"F","size":4}},
			  {"name":"b","type":{"type":"F"}}]}`,
			[]string{"R", "F"}, map[string]string{"R.b": "F"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseAvro(src("n.avsc", tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			if got := fullNames(s.Named); !reflect.DeepEqual(got, tt.named) {
				t.Errorf("Named = %q, want %q", got, tt.named)
			}
			for _, n := range s.Named {
				if got, ok := s.Lookup(n.Name.Full()); !ok || got != n {
					t.Errorf("Lookup(%q) = %v, %v", n.Name.Full(), got, ok)
				}
			}
			for path, want := range tt.refs {
				i := strings.LastIndexByte(path, '.')
				rec, ok := s.Lookup(path[:i])
				if !ok {
					t.Fatalf("no record %q", path[:i])
				}
				f := fieldByName(rec, path[i+1:])
				if f == nil {
					t.Fatalf("no field %q", path)
				}
				ft := f.Type
				if inner, _, ok := ft.NonNull(); ok {
					ft = inner
				}
				if got := ft.Name.Full(); got != want {
					t.Errorf("%s refers to %q, want %q", path, got, want)
				}
				if want2, _ := s.Lookup(want); ft != want2 {
					t.Errorf("%s is not the shared definition of %s", path, want)
				}
			}
		})
	}
}

func TestParseAvroSet(t *testing.T) {
	files := []string{
		"testdata/avro/clickstream/click.avsc",
		"testdata/avro/clickstream/page.avsc",
		"testdata/avro/clickstream/user.avsc",
	}
	// Every order of the files must give the same types: references may
	// point forward, backward and across files.
	orders := [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}}
	var canon []string
	for _, order := range orders {
		paths := []string{files[order[0]], files[order[1]], files[order[2]]}
		s, err := ParseAvroFiles(paths...)
		if err != nil {
			t.Fatalf("%v: %v", paths, err)
		}
		if !reflect.DeepEqual(s.Files, paths) || len(s.Roots) != 3 {
			t.Fatalf("Files = %q, %d roots", s.Files, len(s.Roots))
		}
		click, ok := s.Lookup("com.acme.Click")
		if !ok {
			t.Fatal("no com.acme.Click")
		}
		for i, p := range paths {
			want := map[string]string{files[0]: "com.acme.Click", files[1]: "com.acme.Page", files[2]: "com.acme.users.User"}[p]
			if got := s.Roots[i].Name.Full(); got != want {
				t.Errorf("root %d (%s) = %s, want %s", i, p, got, want)
			}
		}
		canon = append(canon, click.CanonicalForm())
		user, _ := s.Lookup("com.acme.users.User")
		for _, alias := range []string{"com.acme.users.Member", "com.acme.legacy.Customer"} {
			if got, ok := s.Lookup(alias); !ok || got != user {
				t.Errorf("Lookup(%q) = %v, %v; want User", alias, got, ok)
			}
		}
		if _, ok := s.Lookup("Member"); ok {
			t.Error(`Lookup("Member") found a type; aliases are relative to the type's namespace`)
		}
		dev := click.Fields[4]
		if dev.Type.Name.Full() != "com.acme.users.Device" || dev.Default != "DESKTOP" {
			t.Errorf("device field = %s default %v", dev.Type.Name.Full(), dev.Default)
		}
		if got := fullNames(s.Named); len(got) != 4 {
			t.Errorf("Named = %q, want 4 types", got)
		}
	}
	for _, c := range canon[1:] {
		if c != canon[0] {
			t.Errorf("canonical form depends on file order:\n%s\n%s", canon[0], c)
		}
	}
	want := `{"name":"com.acme.Click","type":"record","fields":[{"name":"user","type":{"name":"com.acme.users.User","type":"record","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"devices","type":{"type":"array","items":{"name":"com.acme.users.Device","type":"enum","symbols":["DESKTOP","MOBILE","TABLET"]}}}]}},{"name":"page","type":{"name":"com.acme.Page","type":"record","fields":[{"name":"url","type":"string"},{"name":"parent","type":["null","com.acme.Page"]}]}},{"name":"at","type":"long"},{"name":"referrer","type":["null","com.acme.Page"]},{"name":"device","type":"com.acme.users.Device"}]}`
	if canon[0] != want {
		t.Errorf("canonical form:\n%s\nwant:\n%s", canon[0], want)
	}
}

func TestParseAvroRecursion(t *testing.T) {
	tests := []struct{ name, schema string }{
		{"self through union", `{"type":"record","name":"L","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","L"]}]}`},
		{"self through array", `{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"array","items":"T"}}]}`},
		{"self through map", `{"type":"record","name":"T","fields":[{"name":"kids","type":{"type":"map","values":"T"}}]}`},
		{"mutual", `{"type":"record","name":"A","fields":[{"name":"b","type":["null",{"type":"record","name":"B","fields":[{"name":"a","type":["null","A"]}]}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := MustParseAvroString(tt.schema)
			// Walk the graph: some reference must lead back to the root,
			// as the same pointer.
			found := false
			seen := map[*Type]bool{}
			var walk func(*Type)
			walk = func(x *Type) {
				if x == nil || seen[x] {
					if x == root {
						found = true
					}
					return
				}
				seen[x] = true
				for _, f := range x.Fields {
					walk(f.Type)
				}
				walk(x.Items)
				walk(x.Values)
				for _, b := range x.Branches {
					walk(b)
				}
			}
			walk(root)
			if !found {
				t.Error("no cycle back to the root")
			}
			if c := MustParseAvroString(root.CanonicalForm()).CanonicalForm(); c != root.CanonicalForm() {
				t.Errorf("canonical form not a fixpoint: %s", c)
			}
		})
	}
}

func TestParseAvroDefaults(t *testing.T) {
	tests := []struct {
		typ, def string
		want     Value
	}{
		{`"null"`, `null`, nil},
		{`"boolean"`, `true`, true},
		{`"int"`, `-2147483648`, int32(math.MinInt32)},
		{`"long"`, `9223372036854775807`, int64(math.MaxInt64)},
		{`"float"`, `1.5`, float32(1.5)},
		{`"float"`, `3`, float32(3)},
		{`"float"`, `0.1`, float32(0.1)},
		{`"double"`, `1`, float64(1)},
		{`"double"`, `-2.5e-3`, -2.5e-3},
		{`"double"`, `1e-400`, float64(0)},
		{`"bytes"`, `"\u00ff\u0000A"`, []byte{0xff, 0, 'A'}},
		{`"string"`, `"h\u00e9"`, "hé"},
		{`{"type":"enum","name":"E","symbols":["A","B"]}`, `"B"`, "B"},
		{`{"type":"fixed","name":"F","size":2}`, `"\u0001\u00fe"`, []byte{1, 0xfe}},
		{`{"type":"array","items":"int"}`, `[1,2]`, []Value{int32(1), int32(2)}},
		{`{"type":"array","items":"int"}`, `[]`, []Value{}},
		{`{"type":"map","values":"string"}`, `{"a":"x"}`, map[string]Value{"a": "x"}},
		{`{"type":"record","name":"In","fields":[{"name":"a","type":"int","default":7},{"name":"b","type":"string"},{"name":"c","type":["null","int"],"default":null}]}`,
			`{"b":"x"}`, map[string]Value{"a": int32(7), "b": "x", "c": UnionValue{Branch: 0}}},
		{`["null","string"]`, `null`, UnionValue{Branch: 0}},
		{`["string","null"]`, `"x"`, UnionValue{Branch: 0, Value: "x"}},
		// Avro 1.12: the default belongs to the first branch it matches.
		{`["null","string"]`, `"x"`, UnionValue{Branch: 1, Value: "x"}},
		{`["int","long"]`, `3000000000`, UnionValue{Branch: 1, Value: int64(3000000000)}},
		{`["int","double"]`, `1.5`, UnionValue{Branch: 1, Value: 1.5}},
		{`[{"type":"int","logicalType":"date"},"null"]`, `1234`, UnionValue{Branch: 0, Value: int32(1234)}},
		{`{"type":"array","items":["null",{"type":"record","name":"P","fields":[{"name":"x","type":"int","default":0}]}]}`,
			`[null,{}]`, []Value{UnionValue{Branch: 0}, UnionValue{Branch: 1, Value: map[string]Value{"x": int32(0)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"="+tt.def, func(t *testing.T) {
			root, err := ParseAvroString(`{"type":"record","name":"R","fields":[{"name":"f","type":` + tt.typ + `,"default":` + tt.def + `}]}`)
			if err != nil {
				t.Fatal(err)
			}
			f := root.Fields[0]
			if !f.HasDefault {
				t.Fatal("HasDefault = false")
			}
			if !reflect.DeepEqual(f.Default, tt.want) {
				t.Errorf("Default = %#v, want %#v", f.Default, tt.want)
			}
		})
	}
}

func TestParseAvroRecordDefaultUsesNestedFieldDefaults(t *testing.T) {
	// The outer default leaves out "inner", whose own default leaves out
	// "x": both gaps are filled from field defaults declared later.
	root := MustParseAvroString(`{"type":"record","name":"R","fields":[
	  {"name":"outer","type":{"type":"record","name":"O","fields":[
	     {"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"x","type":"long","default":5},{"name":"y","type":"string","default":"y"}]},"default":{"y":"z"}}]},
	   "default":{}}]}`)
	want := map[string]Value{"inner": map[string]Value{"x": int64(5), "y": "z"}}
	if got := root.Fields[0].Default; !reflect.DeepEqual(got, want) {
		t.Errorf("Default = %#v, want %#v", got, want)
	}
}

func TestParseAvroAttributes(t *testing.T) {
	root := MustParseAvroString(`{
  "type": "record", "name": "R", "namespace": "n", "doc": "A record.",
  "aliases": ["Old", "other.Older"], "x-owner": {"team": "data", "ids": [1, 2]}, "x-flag": true,
  "fields": [
    {"name": "a", "type": "int", "doc": "The a.", "order": "descending", "aliases": ["a0", "a1"], "x-note": "n", "default": 3},
    {"name": "b", "type": {"type": "string", "x-len": 10}, "order": "ignore"},
    {"name": "c", "type": {"type": "enum", "name": "E", "doc": "Letters.", "symbols": ["A", "B"], "default": "A", "x-e": null}},
    {"name": "d", "type": {"type": "fixed", "name": "F", "size": 3, "doc": "Three.", "aliases": ["G"]}},
    {"name": "e", "type": {"type": "array", "items": "int", "default": [], "doc": "not a spec attribute here"}}
  ]
}`)
	if root.Doc != "A record." || !reflect.DeepEqual(root.Aliases, []Name{{"n", "Old"}, {"other", "Older"}}) {
		t.Errorf("record doc %q aliases %v", root.Doc, root.Aliases)
	}
	if want := []Prop{{"x-owner", `{"team":"data","ids":[1,2]}`}, {"x-flag", "true"}}; !reflect.DeepEqual(root.Props, want) {
		t.Errorf("record props = %v, want %v", root.Props, want)
	}
	a := root.Fields[0]
	if a.Doc != "The a." || a.Order != "descending" || !reflect.DeepEqual(a.Aliases, []string{"a0", "a1"}) ||
		!reflect.DeepEqual(a.Props, []Prop{{"x-note", `"n"`}}) || a.Index != 0 || a.Default != int32(3) {
		t.Errorf("field a = %+v", a)
	}
	b := root.Fields[1]
	if b.Order != "ignore" || b.Index != 1 || !reflect.DeepEqual(b.Type.Props, []Prop{{"x-len", "10"}}) || b.HasDefault {
		t.Errorf("field b = %+v, type props %v", b, b.Type.Props)
	}
	if root.Fields[0].Order != "descending" || root.Fields[2].Order != "ascending" {
		t.Errorf("orders = %q, %q", root.Fields[0].Order, root.Fields[2].Order)
	}
	e := root.Fields[2].Type
	if e.Kind != Enum || e.Doc != "Letters." || !e.HasEnumDefault || e.EnumDefault != "A" || !reflect.DeepEqual(e.Props, []Prop{{"x-e", "null"}}) {
		t.Errorf("enum = %+v", e)
	}
	f := root.Fields[3].Type
	if f.Kind != Fixed || f.Size != 3 || f.Doc != "Three." || !reflect.DeepEqual(f.Aliases, []Name{{"n", "G"}}) {
		t.Errorf("fixed = %+v", f)
	}
	arr := root.Fields[4].Type
	if want := []Prop{{"default", "[]"}, {"doc", `"not a spec attribute here"`}}; !reflect.DeepEqual(arr.Props, want) {
		t.Errorf("array props = %v, want %v", arr.Props, want)
	}
	for _, ty := range []*Type{root, a.Type, b.Type, e, f, arr, arr.Items} {
		if ty.Origin != FromAvro {
			t.Errorf("%s: Origin = %v", ty.Kind, ty.Origin)
		}
	}
}

func TestParseAvroPositions(t *testing.T) {
	text := `{"type": "record", "name": "R",
 "fields": [
   {"name": "a", "type": "int"},
   {"name": "b", "type": ["null", {"type": "fixed", "name": "F", "size": 2}]}
 ]}`
	srcs := []Source{src("pos.avsc", text)}
	s, err := ParseAvro(srcs...)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Roots[0]
	f, _ := s.Lookup("F")
	checks := []struct {
		what string
		got  Pos
		want string
	}{
		{"record", r.Pos, `«{"type": "record"»`},
		{"field a", r.Fields[0].Pos, `«{"name": "a"»`},
		{"type of a", r.Fields[0].Type.Pos, `«"int"»`},
		{"field b", r.Fields[1].Pos, `«{"name": "b"»`},
		{"union", r.Fields[1].Type.Pos, `«["null"»`},
		{"null branch", r.Fields[1].Type.Branches[0].Pos, `«"null"»`},
		{"fixed", f.Pos, `«{"type": "fixed"»`},
	}
	for _, c := range checks {
		if got, want := c.got.String(), expandPos(t, c.want, srcs); got != want {
			t.Errorf("%s at %s, want %s", c.what, got, want)
		}
	}
}

func TestParseAvroPrimitives(t *testing.T) {
	for name, kind := range primitiveKinds {
		for _, form := range []string{`"` + name + `"`, `{"type":"` + name + `"}`} {
			ty, err := ParseAvroString(form)
			if err != nil {
				t.Fatalf("%s: %v", form, err)
			}
			if ty.Kind != kind || ty.CanonicalForm() != `"`+name+`"` || ty.AvroJSON() != `"`+name+`"` {
				t.Errorf("%s: kind %v canonical %s json %s", form, ty.Kind, ty.CanonicalForm(), ty.AvroJSON())
			}
		}
	}
	ty := MustParseAvroString(`{"type":"string","x":1,"y":"z"}`)
	if want := []Prop{{"x", "1"}, {"y", `"z"`}}; !reflect.DeepEqual(ty.Props, want) {
		t.Errorf("props = %v, want %v", ty.Props, want)
	}
	ty = MustParseAvroString(`{"type":"error","name":"Oops","fields":[{"name":"msg","type":"string"}]}`)
	if ty.Kind != Record || ty.CanonicalForm() != `{"name":"Oops","type":"record","fields":[{"name":"msg","type":"string"}]}` {
		t.Errorf("error type = %v %s", ty.Kind, ty.CanonicalForm())
	}
	ty = MustParseAvroString(`[]`)
	if ty.Kind != Union || len(ty.Branches) != 0 || ty.CanonicalForm() != "[]" {
		t.Errorf("empty union = %v %d %s", ty.Kind, len(ty.Branches), ty.CanonicalForm())
	}
}

func TestParseAvroLogicalTypes(t *testing.T) {
	tests := []struct {
		schema string
		want   *Logical // nil: falls back to the underlying type
		props  []Prop   // what stays as custom properties
	}{
		{`{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`, &Logical{Name: "decimal", Precision: 4, Scale: 2}, nil},
		{`{"type":"bytes","logicalType":"decimal","precision":4}`, &Logical{Name: "decimal", Precision: 4}, nil},
		{`{"type":"bytes","logicalType":"decimal","precision":4,"scale":4,"x":1}`, &Logical{Name: "decimal", Precision: 4, Scale: 4}, []Prop{{"x", "1"}}},
		{`{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":9}`, &Logical{Name: "decimal", Precision: 9}, nil},
		{`{"type":"fixed","name":"D","size":4,"logicalType":"decimal","precision":10}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "10"}}},
		{`{"type":"fixed","name":"D","size":16,"logicalType":"decimal","precision":38,"scale":10}`, &Logical{Name: "decimal", Precision: 38, Scale: 10}, nil},
		{`{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "2"}, {"scale", "3"}}},
		{`{"type":"bytes","logicalType":"decimal","precision":0}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "0"}}},
		{`{"type":"bytes","logicalType":"decimal"}`, nil, []Prop{{"logicalType", `"decimal"`}}},
		{`{"type":"bytes","logicalType":"decimal","precision":5,"scale":-1}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "5"}, {"scale", "-1"}}},
		{`{"type":"bytes","logicalType":"decimal","precision":5.5}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "5.5"}}},
		{`{"type":"bytes","logicalType":"decimal","precision":"5"}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", `"5"`}}},
		{`{"type":"string","logicalType":"decimal","precision":5}`, nil, []Prop{{"logicalType", `"decimal"`}, {"precision", "5"}}},
		{`{"type":"bytes","logicalType":"big-decimal"}`, &Logical{Name: "big-decimal"}, nil},
		{`{"type":"fixed","name":"B","size":8,"logicalType":"big-decimal"}`, nil, []Prop{{"logicalType", `"big-decimal"`}}},
		{`{"type":"string","logicalType":"uuid"}`, &Logical{Name: "uuid"}, nil},
		{`{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}`, &Logical{Name: "uuid"}, nil},
		{`{"type":"fixed","name":"U","size":15,"logicalType":"uuid"}`, nil, []Prop{{"logicalType", `"uuid"`}}},
		{`{"type":"bytes","logicalType":"uuid"}`, nil, []Prop{{"logicalType", `"uuid"`}}},
		{`{"type":"int","logicalType":"date"}`, &Logical{Name: "date"}, nil},
		{`{"type":"long","logicalType":"date"}`, nil, []Prop{{"logicalType", `"date"`}}},
		{`{"type":"int","logicalType":"time-millis"}`, &Logical{Name: "time-millis"}, nil},
		{`{"type":"long","logicalType":"time-millis"}`, nil, []Prop{{"logicalType", `"time-millis"`}}},
		{`{"type":"long","logicalType":"time-micros"}`, &Logical{Name: "time-micros"}, nil},
		{`{"type":"int","logicalType":"time-micros"}`, nil, []Prop{{"logicalType", `"time-micros"`}}},
		{`{"type":"long","logicalType":"timestamp-millis"}`, &Logical{Name: "timestamp-millis"}, nil},
		{`{"type":"long","logicalType":"timestamp-micros"}`, &Logical{Name: "timestamp-micros"}, nil},
		{`{"type":"long","logicalType":"timestamp-nanos"}`, &Logical{Name: "timestamp-nanos"}, nil},
		{`{"type":"long","logicalType":"local-timestamp-millis"}`, &Logical{Name: "local-timestamp-millis"}, nil},
		{`{"type":"long","logicalType":"local-timestamp-micros"}`, &Logical{Name: "local-timestamp-micros"}, nil},
		{`{"type":"long","logicalType":"local-timestamp-nanos"}`, &Logical{Name: "local-timestamp-nanos"}, nil},
		{`{"type":"int","logicalType":"timestamp-millis"}`, nil, []Prop{{"logicalType", `"timestamp-millis"`}}},
		{`{"type":"fixed","name":"Du","size":12,"logicalType":"duration"}`, &Logical{Name: "duration"}, nil},
		{`{"type":"fixed","name":"Du","size":16,"logicalType":"duration"}`, nil, []Prop{{"logicalType", `"duration"`}}},
		{`{"type":"string","logicalType":"fixed-size-string","minLength":1}`, nil, []Prop{{"logicalType", `"fixed-size-string"`}, {"minLength", "1"}}},
		{`{"type":"long","logicalType":7}`, nil, []Prop{{"logicalType", "7"}}},
		{`{"type":"enum","name":"E","symbols":["A"],"logicalType":"custom-enum"}`, nil, []Prop{{"logicalType", `"custom-enum"`}}},
		{`{"type":"long","precision":3,"logicalType":"timestamp-millis"}`, &Logical{Name: "timestamp-millis"}, []Prop{{"precision", "3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			ty, err := ParseAvroString(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ty.Logical, tt.want) {
				t.Errorf("Logical = %+v, want %+v", ty.Logical, tt.want)
			}
			if !reflect.DeepEqual(ty.Props, tt.props) {
				t.Errorf("Props = %v, want %v", ty.Props, tt.props)
			}
			back, err := ParseAvroString(ty.AvroJSON())
			if err != nil {
				t.Fatalf("AvroJSON %s: %v", ty.AvroJSON(), err)
			}
			if !reflect.DeepEqual(back.Logical, ty.Logical) || !reflect.DeepEqual(back.Props, ty.Props) {
				t.Errorf("after AvroJSON %s: Logical %+v Props %v", ty.AvroJSON(), back.Logical, back.Props)
			}
		})
	}
}

func TestMaxDecimalDigits(t *testing.T) {
	tests := []struct{ size, want int }{
		{0, 0}, {1, 2}, {2, 4}, {3, 6}, {4, 9}, {5, 11}, {6, 14}, {7, 16}, {8, 18}, {12, 28}, {16, 38}, {32, 76},
	}
	for _, tt := range tests {
		if got := maxDecimalDigits(tt.size); got != tt.want {
			t.Errorf("maxDecimalDigits(%d) = %d, want %d", tt.size, got, tt.want)
		}
	}
	// Above 2^16 bits the function switches from exact arithmetic to
	// floating point; check both sides of the switch against big.Int.
	for _, size := range []int{8192, 8193, 9000} {
		x := new(big.Int).Lsh(big.NewInt(1), uint(8*size-1))
		x.Sub(x, big.NewInt(1))
		if got, want := maxDecimalDigits(size), len(x.String())-1; got != want {
			t.Errorf("maxDecimalDigits(%d) = %d, want %d", size, got, want)
		}
	}
}
