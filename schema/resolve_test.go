package schema

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
)

// rec builds a record schema named ns.Name from field declarations.
func rec(name string, fields ...string) string {
	return `{"type":"record","name":"` + name + `","namespace":"com.acme","fields":[` + strings.Join(fields, ",") + `]}`
}

func fld(name, typ string) string { return `{"name":"` + name + `","type":` + typ + `}` }

func fldDef(name, typ, def string) string {
	return `{"name":"` + name + `","type":` + typ + `,"default":` + def + `}`
}

func TestCanRead(t *testing.T) {
	color := func(def string, symbols ...string) string {
		s := `{"type":"enum","name":"Color","symbols":["` + strings.Join(symbols, `","`) + `"]`
		if def != "" {
			s += `,"default":"` + def + `"`
		}
		return s + "}"
	}
	tests := []struct {
		name           string
		reader, writer string
		// want lists "path: message" of every incompatibility, in order.
		want []string
	}{
		{name: "same record", reader: rec("Click", fld("id", `"long"`)), writer: rec("Click", fld("id", `"long"`))},
		{name: "int to long", reader: `"long"`, writer: `"int"`},
		{name: "int to float", reader: `"float"`, writer: `"int"`},
		{name: "int to double", reader: `"double"`, writer: `"int"`},
		{name: "long to float", reader: `"float"`, writer: `"long"`},
		{name: "long to double", reader: `"double"`, writer: `"long"`},
		{name: "float to double", reader: `"double"`, writer: `"float"`},
		{name: "string to bytes", reader: `"bytes"`, writer: `"string"`},
		{name: "bytes to string", reader: `"string"`, writer: `"bytes"`},
		{name: "long to int", reader: `"int"`, writer: `"long"`, want: []string{"int: reader type int cannot read writer type long"}},
		{name: "double to float", reader: `"float"`, writer: `"double"`, want: []string{"float: reader type float cannot read writer type double"}},
		{
			name:   "field narrowed",
			reader: rec("Click", fld("user_id", `"int"`)), writer: rec("Click", fld("user_id", `"long"`)),
			want: []string{"com.acme.Click.fields(user_id).type: reader type int cannot read writer type long"},
		},
		{
			name:   "added field with default",
			reader: rec("Click", fld("id", `"long"`), fldDef("country", `"string"`, `"US"`)), writer: rec("Click", fld("id", `"long"`)),
		},
		{
			name:   "added field without default",
			reader: rec("Click", fld("id", `"long"`), fld("country", `"string"`)), writer: rec("Click", fld("id", `"long"`)),
			want: []string{"com.acme.Click.fields(country): reader field has no default and writer lacks it"},
		},
		{
			name:   "removed field",
			reader: rec("Click", fld("id", `"long"`)), writer: rec("Click", fld("id", `"long"`), fld("gone", `{"type":"array","items":"string"}`)),
		},
		{
			name:   "field alias",
			reader: rec("Click", `{"name":"user","type":"long","aliases":["user_id"]}`), writer: rec("Click", fld("user_id", `"int"`)),
		},
		{
			name:   "record alias",
			reader: `{"type":"record","name":"View","namespace":"com.acme","aliases":["old.Click"],"fields":[{"name":"a","type":"int"}]}`,
			writer: `{"type":"record","name":"Click","namespace":"old","fields":[{"name":"a","type":"int"}]}`,
		},
		{
			name:   "unqualified record name",
			reader: `{"type":"record","name":"Click","namespace":"com.acme","fields":[]}`,
			writer: `{"type":"record","name":"Click","namespace":"org.other","fields":[]}`,
		},
		{
			name:   "record name differs",
			reader: `{"type":"record","name":"View","fields":[]}`, writer: `{"type":"record","name":"Click","fields":[]}`,
			want: []string{"View: reader record View cannot read writer record Click: the names differ and no reader alias matches"},
		},
		{name: "enum same", reader: color("", "RED", "GREEN"), writer: color("", "RED", "GREEN")},
		{name: "enum reader has more", reader: color("", "RED", "GREEN", "BLUE"), writer: color("", "GREEN", "RED")},
		{
			name:   "enum writer has more",
			reader: color("", "RED"), writer: color("", "RED", "GREEN", "BLUE"),
			want: []string{"Color: writer enum symbols GREEN, BLUE are not in the reader enum Color, which has no default"},
		},
		{name: "enum default covers", reader: color("RED", "RED"), writer: color("", "RED", "GREEN")},
		{
			name:   "enum name differs",
			reader: `{"type":"enum","name":"Hue","symbols":["A"]}`, writer: `{"type":"enum","name":"Color","symbols":["A"]}`,
			want: []string{"Hue: reader enum Hue cannot read writer enum Color: the names differ and no reader alias matches"},
		},
		{name: "fixed same", reader: `{"type":"fixed","name":"MD5","size":16}`, writer: `{"type":"fixed","name":"MD5","size":16}`},
		{
			name:   "fixed size differs",
			reader: `{"type":"fixed","name":"MD5","size":16}`, writer: `{"type":"fixed","name":"MD5","size":8}`,
			want: []string{"MD5: reader fixed MD5 has size 16 but the writer's has size 8"},
		},
		{
			name:   "fixed name differs",
			reader: `{"type":"fixed","name":"MD5","size":16}`, writer: `{"type":"fixed","name":"Hash","size":16}`,
			want: []string{"MD5: reader fixed MD5 cannot read writer fixed Hash: the names differ and no reader alias matches"},
		},
		{name: "array items promote", reader: `{"type":"array","items":"double"}`, writer: `{"type":"array","items":"int"}`},
		{
			name:   "array items differ",
			reader: `{"type":"array","items":"int"}`, writer: `{"type":"array","items":"string"}`,
			want: []string{"array.items: reader type int cannot read writer type string"},
		},
		{
			name:   "map values differ",
			reader: `{"type":"map","values":"boolean"}`, writer: `{"type":"map","values":"long"}`,
			want: []string{"map.values: reader type boolean cannot read writer type long"},
		},
		{name: "array vs map", reader: `{"type":"array","items":"int"}`, writer: `{"type":"map","values":"int"}`, want: []string{"array: reader type array<int> cannot read writer type map<int>"}},
		{name: "reader union promotes", reader: `["null","long"]`, writer: `"int"`},
		{name: "reader union exact first", reader: `["null","double","long"]`, writer: `"long"`},
		{
			name:   "reader union no branch",
			reader: `["null","long"]`, writer: `"string"`,
			want: []string{"union: no branch of the reader union union[null, long] can read the writer's string"},
		},
		{
			name:   "writer union to non-union",
			reader: rec("R", fld("a", `"string"`)), writer: rec("R", fld("a", `["null","string"]`)),
			want: []string{"com.acme.R.fields(a).type[writer 0]: reader type string cannot read writer type null"},
		},
		{name: "writer union all readable", reader: `"double"`, writer: `["int","long","float"]`},
		{
			name:   "both unions",
			reader: `["null","string"]`, writer: `["string","null","int"]`,
			want: []string{"union: writer union branch 2 (int) matches no branch of the reader union union[null, string]"},
		},
		{
			name:   "union branch record differs deep",
			reader: `["null",` + rec("R", fld("a", `"int"`)) + `]`, writer: `["null",` + rec("R", fld("a", `"string"`)) + `]`,
			want: []string{"union[1].fields(a).type: reader type int cannot read writer type string"},
		},
		{
			name:   "reader union record needs a name match",
			reader: `["null",{"type":"record","name":"B","fields":[{"name":"a","type":"long"}]}]`,
			writer: `{"type":"record","name":"A","fields":[{"name":"a","type":"int"}]}`,
			want:   []string{"union: no branch of the reader union union[null, B] can read the writer's record A"},
		},
		{
			name:   "reader union record by unqualified name",
			reader: `["null",{"type":"record","name":"x.A","fields":[{"name":"a","type":"long"}]}]`,
			writer: `{"type":"record","name":"y.A","fields":[{"name":"a","type":"int"}]}`,
		},
		{
			name:   "logical types resolve by underlying type",
			reader: rec("R", fld("t", `"long"`), fld("d", `{"type":"long","logicalType":"timestamp-micros"}`)),
			writer: rec("R", fld("t", `{"type":"long","logicalType":"timestamp-millis"}`), fld("d", `{"type":"int","logicalType":"date"}`)),
		},
		{
			name:   "logical type underlying mismatch",
			reader: `{"type":"int","logicalType":"date"}`, writer: `{"type":"long","logicalType":"timestamp-millis"}`,
			want: []string{"int: reader type int cannot read writer type long"},
		},
		{
			name:   "recursive list with added field",
			reader: `{"type":"record","name":"List","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","List"]},{"name":"tag","type":"string","default":""}]}`,
			writer: `{"type":"record","name":"List","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","List"]}]}`,
		},
		{
			name:   "recursive list incompatible reported once",
			reader: `{"type":"record","name":"List","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","List"]}]}`,
			writer: `{"type":"record","name":"List","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","List"]}]}`,
			want:   []string{"List.fields(v).type: reader type int cannot read writer type long"},
		},
		{
			name: "nested record paths and several problems",
			reader: rec("Outer",
				fld("inner", rec("Inner", fld("x", `"int"`), fld("y", `"string"`))),
				fld("tags", `{"type":"map","values":"int"}`)),
			writer: rec("Outer",
				fld("inner", rec("Inner", fld("x", `"string"`))),
				fld("tags", `{"type":"map","values":"long"}`)),
			want: []string{
				"com.acme.Outer.fields(inner).type.fields(x).type: reader type int cannot read writer type string",
				"com.acme.Outer.fields(inner).type.fields(y): reader field has no default and writer lacks it",
				"com.acme.Outer.fields(tags).type.values: reader type int cannot read writer type long",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := MustParseAvroString(tt.reader)
			writer := MustParseAvroString(tt.writer)
			var got []string
			for _, inc := range CanRead(reader, writer) {
				got = append(got, inc.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("CanRead:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCanReadPositions(t *testing.T) {
	set, err := ParseAvro(
		Source{Name: "reader.avsc", Data: []byte("{\"type\":\"record\",\"name\":\"R\",\"fields\":[\n  {\"name\":\"a\",\"type\":\"int\"},\n  {\"name\":\"b\",\"type\":\"string\"}\n]}")},
	)
	if err != nil {
		t.Fatal(err)
	}
	writer := MustParseAvroString(`{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}`)
	incs := CanRead(set.Roots[0], writer)
	if len(incs) != 2 {
		t.Fatalf("got %d incompatibilities, want 2: %v", len(incs), incs)
	}
	for i, want := range []struct {
		path string
		line int
	}{{"R.fields(a).type", 2}, {"R.fields(b)", 3}} {
		inc := incs[i]
		if inc.Path != want.path || inc.ReaderPos.File != "reader.avsc" || inc.ReaderPos.Line != want.line {
			t.Errorf("incompatibility %d: path %q at %v, want %q at reader.avsc:%d", i, inc.Path, inc.ReaderPos, want.path, want.line)
		}
		if inc.WriterPos.File != "<schema>" || inc.WriterPos.Line == 0 {
			t.Errorf("incompatibility %d: writer position %v, want one in <schema>", i, inc.WriterPos)
		}
	}
}

func TestReaderBranch(t *testing.T) {
	tests := []struct {
		reader, writer string
		want           int
	}{
		{`["null","string"]`, `"null"`, 0},
		{`["null","string"]`, `"string"`, 1},
		{`["null","string"]`, `"bytes"`, 1},
		{`["float","long"]`, `"int"`, 0}, // no exact match: the first branch int promotes to
		{`["double","float"]`, `"float"`, 1},
		{`["string","bytes"]`, `"bytes"`, 1},
		{`["null",{"type":"fixed","name":"F","size":2},{"type":"fixed","name":"G","size":2}]`, `{"type":"fixed","name":"G","size":2}`, 2},
		{`["null",{"type":"array","items":"int"}]`, `{"type":"array","items":"string"}`, 1},
		{`["null","int"]`, `{"type":"map","values":"int"}`, -1},
	}
	for _, tt := range tests {
		got := ReaderBranch(MustParseAvroString(tt.reader), MustParseAvroString(tt.writer))
		if got != tt.want {
			t.Errorf("ReaderBranch(%s, %s) = %d, want %d", tt.reader, tt.writer, got, tt.want)
		}
	}
}

// TestCanReadConformance resolves the evolution pairs of the Apache Avro
// corpus: full_record_v2 (writer) read by full_record_v1, and the
// bigrecord variants.
func TestCanReadConformance(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	tests := []struct {
		reader, writer string
		want           []string // the paths of the incompatibilities
	}{
		// The records are named FullRecordV1 and FullRecordV2: by the
		// specification (and Java's SchemaCompatibility) the names must
		// match, so the only problem is the name; everything else in this
		// resolution matrix resolves.
		{"java-codegen/full_record_v1.avsc", "java-codegen/full_record_v2.avsc", []string{"org.apache.avro.specific.test.FullRecordV1"}},
		{"cpp-jsonschemas/bigrecord_r.avsc", "cpp-jsonschemas/bigrecord.avsc", nil},
		{"cpp-jsonschemas/bigrecord.avsc", "cpp-jsonschemas/bigrecord.avsc", nil},
		{"share-test-schemas/interop.avsc", "share-test-schemas/interop.avsc", nil},
		{"cpp-jsonschemas/bigrecord.avsc", "cpp-jsonschemas/bigrecord2.avsc", []string{
			"RootRecord.fields(mylong).type",
			"RootRecord.fields(mymap).type.values",
			"RootRecord.fields(recordmap)",
			"RootRecord.fields(myunion).type[1].values",
			"RootRecord.fields(mybool)",
			"RootRecord.fields(myfixed).type[writer 0]",
			"RootRecord.fields(null)",
		}},
	}
	for _, tt := range tests {
		reader := parseFile(t, filepath.Join(dir, tt.reader))
		writer := parseFile(t, filepath.Join(dir, tt.writer))
		incs := CanRead(reader, writer)
		var got []string
		for _, inc := range incs {
			got = append(got, inc.Path)
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("CanRead(%s, %s) = %v, want incompatibilities at %q", tt.reader, tt.writer, incs, tt.want)
		}
		for _, inc := range incs {
			if inc.Path == "" || inc.Msg == "" || inc.ReaderPos.Line == 0 {
				t.Errorf("CanRead(%s, %s): incomplete incompatibility %+v", tt.reader, tt.writer, inc)
			}
		}
	}
}

func parseFile(t *testing.T, path string) *Type {
	t.Helper()
	set, err := ParseAvroFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	return set.Roots[0]
}
