package schema

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
)

// specCase is one case of the Avro project's schema-tests.txt.
type specCase struct {
	label       string // the "// NNN" comment before the case
	input       string
	canonical   string
	fingerprint string // signed int64 in decimal, or "" when not given
}

// readSpecCases parses schema-tests.txt: "<<INPUT text" or a "<<INPUT"
// line followed by text up to a line "INPUT", then "<<canonical text" and
// an optional "<<fingerprint n". Lines starting with "//" or "#" outside
// a multi-line input are comments.
func readSpecCases(t *testing.T, path string) []specCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []specCase
	var cur *specCase
	label := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "//"), strings.HasPrefix(line, "#"):
			if l := strings.TrimSpace(strings.TrimPrefix(line, "//")); len(l) == 3 {
				if _, err := strconv.Atoi(l); err == nil {
					label = l
				}
			}
		case line == "<<INPUT":
			var b strings.Builder
			for sc.Scan() && sc.Text() != "INPUT" {
				b.WriteString(sc.Text())
				b.WriteByte('\n')
			}
			cases = append(cases, specCase{label: label, input: b.String()})
			cur = &cases[len(cases)-1]
		case strings.HasPrefix(line, "<<INPUT "):
			cases = append(cases, specCase{label: label, input: strings.TrimPrefix(line, "<<INPUT ")})
			cur = &cases[len(cases)-1]
		case strings.HasPrefix(line, "<<canonical "):
			if cur == nil {
				t.Fatalf("canonical before any input: %q", line)
			}
			cur.canonical = strings.TrimPrefix(line, "<<canonical ")
		case strings.HasPrefix(line, "<<fingerprint "):
			if cur == nil {
				t.Fatalf("fingerprint before any input: %q", line)
			}
			cur.fingerprint = strings.TrimPrefix(line, "<<fingerprint ")
		case strings.TrimSpace(line) == "":
		default:
			t.Fatalf("unexpected line in %s: %q", path, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestSpecCanonicalForms(t *testing.T) {
	path := filepath.Join(gotest.SharedDir(t), "conformance", "avro", "share-test-data", "schema-tests.txt")
	cases := readSpecCases(t, path)
	if len(cases) != 34 {
		t.Fatalf("read %d cases from %s, want 34", len(cases), path)
	}
	fingerprints := 0
	for i, c := range cases {
		if want := fmt.Sprintf("%03d", i); c.label != want {
			t.Errorf("case %d is labelled %q", i, c.label)
		}
		t.Run(c.label, func(t *testing.T) {
			ty, err := ParseAvroString(c.input)
			if err != nil {
				t.Fatalf("parse %s: %v", c.input, err)
			}
			got := ty.CanonicalForm()
			if got != c.canonical {
				t.Errorf("canonical form of %s\n got %s\nwant %s", c.input, got, c.canonical)
			}
			back, err := ParseAvroString(got)
			if err != nil || back.CanonicalForm() != got {
				t.Errorf("canonical form is not a fixpoint: %v", err)
			}
			if c.fingerprint == "" {
				return
			}
			fingerprints++
			want, err := strconv.ParseInt(c.fingerprint, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if fp := int64(ty.Fingerprint64()); fp != want {
				t.Errorf("fingerprint = %d, want %d", fp, want)
			}
		})
	}
	if fingerprints != 26 {
		t.Errorf("checked %d fingerprints, want 26", fingerprints)
	}
}

func TestCanonicalForm(t *testing.T) {
	tests := []struct{ name, schema, want string }{
		{"FULLNAMES through nesting",
			`{"type":"record","name":"R","namespace":"a","fields":[
			   {"name":"x","type":{"type":"record","name":"S","fields":[{"name":"y","type":{"type":"enum","name":"b.E","symbols":["A"]}}]}},
			   {"name":"z","type":"S"},{"name":"w","type":"b.E"}]}`,
			`{"name":"a.R","type":"record","fields":[{"name":"x","type":{"name":"a.S","type":"record","fields":[{"name":"y","type":{"name":"b.E","type":"enum","symbols":["A"]}}]}},{"name":"z","type":"a.S"},{"name":"w","type":"b.E"}]}`},
		{"STRIP doc, aliases, defaults, order, logical types and custom properties",
			`{"type":"record","name":"R","doc":"d","aliases":["Q"],"x":1,"fields":[
			   {"name":"a","type":{"type":"long","logicalType":"timestamp-millis","x":2},"default":0,"order":"ignore","doc":"f","aliases":["b"],"y":3},
			   {"name":"c","type":{"type":"fixed","name":"F","size":16,"logicalType":"uuid"}},
			   {"name":"d","type":{"type":"enum","name":"E","symbols":["A"],"default":"A"}},
			   {"name":"e","type":{"type":"bytes","logicalType":"decimal","precision":3}}]}`,
			`{"name":"R","type":"record","fields":[{"name":"a","type":"long"},{"name":"c","type":{"name":"F","type":"fixed","size":16}},{"name":"d","type":{"name":"E","type":"enum","symbols":["A"]}},{"name":"e","type":"bytes"}]}`},
		{"ORDER of attributes",
			`{"size":4,"name":"F","type":"fixed"}`,
			`{"name":"F","type":"fixed","size":4}`},
		{"STRINGS unescaped",
			`{"type":"enum","name":"\u0045num","symbols":["\u0041","caf\u0065","\u005f_"]}`,
			`{"name":"Enum","type":"enum","symbols":["A","cafe","__"]}`},
		{"WHITESPACE removed",
			"{ \"type\" :\n \"array\" ,\t\"items\" : [ \"null\" , { \"type\" : \"map\" , \"values\" : \"int\" } ] }",
			`{"type":"array","items":["null",{"type":"map","values":"int"}]}`},
		{"later occurrences by name, across unions, arrays and maps",
			`{"type":"record","name":"T","fields":[{"name":"l","type":["null","T"]},{"name":"m","type":{"type":"map","values":"T"}},{"name":"a","type":{"type":"array","items":"T"}}]}`,
			`{"name":"T","type":"record","fields":[{"name":"l","type":["null","T"]},{"name":"m","type":{"type":"map","values":"T"}},{"name":"a","type":{"type":"array","items":"T"}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ty := MustParseAvroString(tt.schema)
			if got := ty.CanonicalForm(); got != tt.want {
				t.Errorf("canonical form\n got %s\nwant %s", got, tt.want)
			}
			if got := MustParseAvroString(tt.want).CanonicalForm(); got != tt.want {
				t.Errorf("canonical form is not a fixpoint: %s", got)
			}
		})
	}
}

// TestCanonicalFormNullNamespace pins down a defect of the specification's
// canonical form: FULLNAMES drops namespace attributes, so a type in the
// null namespace defined inside a namespaced type is written with its bare
// name, which reads back as a name in the enclosing namespace. We write
// what the specification (and the Java implementation) write, so that
// fingerprints agree, and accept that such a canonical form is not a
// fixpoint.
func TestCanonicalFormNullNamespace(t *testing.T) {
	ty := MustParseAvroString(`{"type":"record","name":"R","namespace":"x","fields":[{"name":"z","type":{"type":"fixed","name":"Z","namespace":"","size":1}}]}`)
	want := `{"name":"x.R","type":"record","fields":[{"name":"z","type":{"name":"Z","type":"fixed","size":1}}]}`
	if got := ty.CanonicalForm(); got != want {
		t.Errorf("canonical form\n got %s\nwant %s", got, want)
	}
	if !canonicalLosesNullNamespace(ty) {
		t.Error("canonicalLosesNullNamespace = false")
	}
	reread := `{"name":"x.R","type":"record","fields":[{"name":"z","type":{"name":"x.Z","type":"fixed","size":1}}]}`
	if got := MustParseAvroString(want).CanonicalForm(); got != reread {
		t.Errorf("re-read canonical form = %s, want %s", got, reread)
	}
	// AvroJSON keeps the namespace, so it round-trips exactly.
	if got := MustParseAvroString(ty.AvroJSON()).Fields[0].Type.Name.Full(); got != "Z" {
		t.Errorf("through AvroJSON the fixed is %q, want Z", got)
	}
}

// canonicalLosesNullNamespace reports whether the canonical form of t
// defines a type of the null namespace inside a namespaced definition,
// which FULLNAMES cannot express (see TestCanonicalFormNullNamespace).
func canonicalLosesNullNamespace(t *Type) bool {
	seen := map[*Type]bool{}
	var walk func(t *Type, ns string) bool
	walk = func(t *Type, ns string) bool {
		if t == nil {
			return false
		}
		if t.Kind.IsNamed() {
			if seen[t] {
				return false
			}
			seen[t] = true
			if t.Name.Namespace == "" && ns != "" {
				return true
			}
			ns = t.Name.Namespace
		}
		for _, f := range t.Fields {
			if walk(f.Type, ns) {
				return true
			}
		}
		for _, b := range t.Branches {
			if walk(b, ns) {
				return true
			}
		}
		return walk(t.Items, ns) || walk(t.Values, ns)
	}
	return walk(t, "")
}

func TestFingerprint64Of(t *testing.T) {
	signed := func(i int64) uint64 { return uint64(i) }
	tests := []struct {
		in   string
		want uint64
	}{
		// The fingerprint of nothing is the initial value, EMPTY.
		{"", 0xc15d213aa4d7a795},
		// From the specification's schema-tests.txt (cases 000 and 014),
		// which gives fingerprints as signed 64-bit numbers.
		{`"null"`, signed(7195948357588979594)},
		{`"string"`, signed(-8142146995180207161)},
	}
	for _, tt := range tests {
		if got := Fingerprint64Of([]byte(tt.in)); got != tt.want {
			t.Errorf("Fingerprint64Of(%q) = %#x, want %#x", tt.in, got, tt.want)
		}
	}
	// Single-object encoding fixture: C3 01, the little-endian fingerprint
	// of the writer schema, then the body.
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro", "share-test-data", "messageV1")
	msg, err := os.ReadFile(filepath.Join(dir, "test_message.bin"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseAvroFiles(filepath.Join(dir, "test_schema.avsc"))
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	for i := 9; i >= 2; i-- {
		want = want<<8 | uint64(msg[i])
	}
	if msg[0] != 0xc3 || msg[1] != 0x01 {
		t.Fatalf("message does not start with C3 01: % x", msg[:2])
	}
	if got := s.Roots[0].Fingerprint64(); got != want {
		t.Errorf("Fingerprint64 = %#x, want %#x (from the message header)", got, want)
	}
}

// equivalent reports the first difference between two type graphs in
// everything AvroJSON promises to keep: names, aliases, docs, symbols,
// sizes, logical types, custom properties, field attributes and defaults.
func equivalent(a, b *Type) error {
	seen := map[[2]*Type]bool{}
	var walk func(path string, a, b *Type) error
	same := func(x, y any) bool {
		vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
		if vx.Kind() == reflect.Slice && vy.Kind() == reflect.Slice && vx.Len() == 0 && vy.Len() == 0 {
			return true
		}
		return reflect.DeepEqual(x, y)
	}
	walk = func(path string, a, b *Type) error {
		if a == nil || b == nil {
			if a != b {
				return fmt.Errorf("%s: one type is nil", path)
			}
			return nil
		}
		if seen[[2]*Type{a, b}] {
			return nil
		}
		seen[[2]*Type{a, b}] = true
		switch {
		case a.Kind != b.Kind:
			return fmt.Errorf("%s: kind %v != %v", path, a.Kind, b.Kind)
		case a.Name != b.Name:
			return fmt.Errorf("%s: name %v != %v", path, a.Name, b.Name)
		case !same(a.Aliases, b.Aliases):
			return fmt.Errorf("%s: aliases %v != %v", path, a.Aliases, b.Aliases)
		case a.Doc != b.Doc:
			return fmt.Errorf("%s: doc %q != %q", path, a.Doc, b.Doc)
		case !same(a.Symbols, b.Symbols) || a.EnumDefault != b.EnumDefault || a.HasEnumDefault != b.HasEnumDefault:
			return fmt.Errorf("%s: symbols %v/%q != %v/%q", path, a.Symbols, a.EnumDefault, b.Symbols, b.EnumDefault)
		case a.Size != b.Size:
			return fmt.Errorf("%s: size %d != %d", path, a.Size, b.Size)
		case !reflect.DeepEqual(a.Logical, b.Logical):
			return fmt.Errorf("%s: logical %+v != %+v", path, a.Logical, b.Logical)
		case !same(a.Props, b.Props):
			return fmt.Errorf("%s: props %v != %v", path, a.Props, b.Props)
		case len(a.Fields) != len(b.Fields) || len(a.Branches) != len(b.Branches):
			return fmt.Errorf("%s: %d fields, %d branches != %d, %d", path, len(a.Fields), len(a.Branches), len(b.Fields), len(b.Branches))
		}
		for i, fa := range a.Fields {
			fb := b.Fields[i]
			fpath := fmt.Sprintf("%s.fields[%d](%s)", path, i, fa.Name)
			switch {
			case fa.Name != fb.Name || fa.Doc != fb.Doc || fa.Order != fb.Order || fa.Index != fb.Index:
				return fmt.Errorf("%s: name/doc/order/index %q %q %q %d != %q %q %q %d", fpath, fa.Name, fa.Doc, fa.Order, fa.Index, fb.Name, fb.Doc, fb.Order, fb.Index)
			case !same(fa.Aliases, fb.Aliases):
				return fmt.Errorf("%s: aliases %v != %v", fpath, fa.Aliases, fb.Aliases)
			case fa.HasDefault != fb.HasDefault || !reflect.DeepEqual(fa.Default, fb.Default):
				return fmt.Errorf("%s: default %#v != %#v", fpath, fa.Default, fb.Default)
			case !same(fa.Props, fb.Props):
				return fmt.Errorf("%s: props %v != %v", fpath, fa.Props, fb.Props)
			}
			if err := walk(fpath+".type", fa.Type, fb.Type); err != nil {
				return err
			}
		}
		for i := range a.Branches {
			if err := walk(fmt.Sprintf("%s[%d]", path, i), a.Branches[i], b.Branches[i]); err != nil {
				return err
			}
		}
		if err := walk(path+".items", a.Items, b.Items); err != nil {
			return err
		}
		return walk(path+".values", a.Values, b.Values)
	}
	return walk("", a, b)
}

// checkRoundTrip checks what AvroJSON promises for t: the output parses back
// to an equivalent schema with the same canonical form, writing it again
// gives the same text, and the canonical form is a fixpoint (except where
// the specification's canonical form drops a null namespace).
func checkRoundTrip(t *testing.T, ty *Type) {
	t.Helper()
	js := ty.AvroJSON()
	back, err := ParseAvroString(js)
	if err != nil {
		t.Fatalf("AvroJSON does not parse: %v\n%s", err, js)
	}
	if back.CanonicalForm() != ty.CanonicalForm() {
		t.Errorf("canonical form changed through AvroJSON:\n%s\n%s", ty.CanonicalForm(), back.CanonicalForm())
	}
	if err := equivalent(ty, back); err != nil {
		t.Errorf("AvroJSON lost something: %v\n%s", err, js)
	}
	if again := back.AvroJSON(); again != js {
		t.Errorf("AvroJSON is not a fixpoint:\n%s\n%s", js, again)
	}
	canon := ty.CanonicalForm()
	if canonicalLosesNullNamespace(ty) {
		return
	}
	c, err := ParseAvroString(canon)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, canon)
	}
	if c.CanonicalForm() != canon {
		t.Errorf("canonical form is not a fixpoint:\n%s\n%s", canon, c.CanonicalForm())
	}
}

func TestAvroJSON(t *testing.T) {
	tests := []struct{ name, schema, want string }{
		{"primitives stay short", `{"type":"int"}`, `"int"`},
		{"primitive with logical type and property",
			`{"type":"long","x":[1, 2],"logicalType":"timestamp-micros"}`,
			`{"type":"long","logicalType":"timestamp-micros","x":[1,2]}`},
		{"everything a record keeps",
			`{"type":"record","name":"R","namespace":"n","doc":"A \"quoted\" doc\n","aliases":["Old","x.Y"],"x-p":[1, {"a" : null}],
			  "fields":[
			   {"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"default":"\u00ff\u0001a","doc":"d","order":"descending","aliases":["z"],"x-f":1},
			   {"name":"b","type":{"type":"record","name":"S","namespace":"m","fields":[
			      {"name":"z","type":{"type":"fixed","name":"Z","namespace":"","size":2}},
			      {"name":"back","type":["null","n.R"],"default":null}]}},
			   {"name":"c","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"B","logicalType":"weird"},"default":"A"},
			   {"name":"d","type":{"type":"map","values":["null",{"type":"long","logicalType":"timestamp-micros"}]},"default":{"k2":null,"k1":5}},
			   {"name":"e","type":["float","null"],"default":1e10},
			   {"name":"g","type":"m.S","default":{"z":"ab"}}]}`,
			`{"type":"record","name":"R","namespace":"n","doc":"A \"quoted\" doc\n","aliases":["Old","x.Y"],"fields":[` +
				`{"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"doc":"d","default":"\u00ff\u0001a","order":"descending","aliases":["z"],"x-f":1},` +
				`{"name":"b","type":{"type":"record","name":"S","namespace":"m","fields":[{"name":"z","type":{"type":"fixed","name":"Z","namespace":"","size":2}},{"name":"back","type":["null","n.R"],"default":null}]}},` +
				`{"name":"c","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"B","logicalType":"weird"},"default":"A"},` +
				`{"name":"d","type":{"type":"map","values":["null",{"type":"long","logicalType":"timestamp-micros"}]},"default":{"k1":5,"k2":null}},` +
				`{"name":"e","type":["float","null"],"default":1e+10},` +
				`{"name":"g","type":"m.S","default":{"z":"ab","back":null}}],"x-p":[1,{"a":null}]}`},
		{"invalid logical type kept as properties",
			`{"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":10,"scale":1}`,
			`{"type":"fixed","name":"F","size":2,"logicalType":"decimal","precision":10,"scale":1}`},
		{"numbers in defaults",
			`{"type":"record","name":"N","fields":[{"name":"f","type":"float","default":0.1},{"name":"d","type":"double","default":-2.5e-300},{"name":"l","type":"long","default":-9223372036854775808}]}`,
			`{"type":"record","name":"N","fields":[{"name":"f","type":"float","default":0.1},{"name":"d","type":"double","default":-2.5e-300},{"name":"l","type":"long","default":-9223372036854775808}]}`},
		{"union default on a later branch",
			`{"type":"record","name":"U","fields":[{"name":"u","type":["null","string"],"default":"x"}]}`,
			`{"type":"record","name":"U","fields":[{"name":"u","type":["null","string"],"default":"x"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ty := MustParseAvroString(tt.schema)
			if got := ty.AvroJSON(); got != tt.want {
				t.Errorf("AvroJSON\n got %s\nwant %s", got, tt.want)
			}
			checkRoundTrip(t, ty)
		})
	}
}

func TestAvroJSONSetIsSelfContained(t *testing.T) {
	s, err := ParseAvroFiles("testdata/avro/clickstream/page.avsc", "testdata/avro/clickstream/click.avsc", "testdata/avro/clickstream/user.avsc")
	if err != nil {
		t.Fatal(err)
	}
	// Each root, and each named type, written alone must parse alone.
	for _, ty := range append(append([]*Type{}, s.Roots...), s.Named...) {
		t.Run(ty.Name.Full(), func(t *testing.T) {
			checkRoundTrip(t, ty)
		})
	}
}

func TestWriteJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t\b\f\x00\x1f", `"\n\r\t\b\f\u0000\u001f"`},
		{"été \u2028", "\"été \u2028\""},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
	}
	for _, tt := range tests {
		var b strings.Builder
		writeJSONString(&b, tt.in)
		if got := b.String(); got != tt.want {
			t.Errorf("writeJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		n, err := parseJSON("s", []byte(tt.want))
		if err != nil {
			t.Fatalf("%s does not parse: %v", tt.want, err)
		}
		if want := strings.ToValidUTF8(tt.in, "\uFFFD"); n.str != want {
			t.Errorf("%s parses back as %q, want %q", tt.want, n.str, want)
		}
	}
}

func TestWriteLatin1(t *testing.T) {
	in := []byte{0, 'a', '"', '\\', 0x1f, 0x7f, 0x80, 0xff}
	var b strings.Builder
	writeLatin1(&b, in)
	want := `"\u0000a\"\\\u001f\u007f\u0080\u00ff"`
	if got := b.String(); got != want {
		t.Errorf("writeLatin1 = %s, want %s", got, want)
	}
	n, err := parseJSON("s", []byte(want))
	if err != nil {
		t.Fatal(err)
	}
	if back, ok := latin1(n.str); !ok || string(back) != string(in) {
		t.Errorf("parses back as % x, want % x", back, in)
	}
}
