package schema

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/internal/gotest"
)

// avroCorpusCase is one file of the Apache Avro corpus, or a set of files
// that only make sense parsed together.
type avroCorpusCase struct {
	files   []string // relative to conformance/avro
	valid   bool
	why     string // where the expectation comes from, when not plain INDEX.md
	wantErr string // for an invalid case: what the error must say
}

// avroSets are the corpus files that reference each other. They are parsed
// together; each file is also checked alone where that is meaningful.
var avroSets = []avroCorpusCase{
	{files: []string{"misc/ApplicationEvent.avsc", "misc/DocumentInfo.avsc"}, valid: true,
		why: "INDEX.md: ApplicationEvent references model.DocumentInfo defined in DocumentInfo.avsc (multi-file set)"},
	{files: []string{"misc/ApplicationEvent.avsc"}, valid: false,
		why:     "alone, ApplicationEvent's reference to model.DocumentInfo cannot resolve",
		wantErr: `ApplicationEvent.avsc:21:18: model.ApplicationEvent.fields[2](documents).type[1].items: unknown type "model.DocumentInfo"`},
	{files: []string{"misc/ApplicationEvent.avsc", "misc/DocumentInfo.avsc", "misc/MyResponse.avsc"}, valid: false,
		why: "INDEX.md: MyResponse.avsc repeats the definition of model.MyResponse made inline in ApplicationEvent.avsc; " +
			"the specification forbids two definitions of one full name in a schema set, so the three files are not one set",
		wantErr: `MyResponse.avsc:5:11: record "model.MyResponse" is already defined at `},
}

// avroFailReasons is what the error for each invalid corpus file must say,
// so that a file is rejected for the reason INDEX.md gives and not another.
var avroFailReasons = map[string]string{
	"c-schema-tests/fail/enum_nonarray_symbols.avsc":          `enum_nonarray_symbols.avsc:3:13: Status.symbols: "symbols" must be an array of strings`,
	"c-schema-tests/fail/enum_nonstring_name.avsc":            `enum_nonstring_name.avsc:2:10: name: "name" must be a string, got array`,
	"c-schema-tests/fail/enum_without_name.avsc":              `enum_without_name.avsc:2:3: invalid JSON: expected ',' or '}' in object`,
	"c-schema-tests/fail/fixed_without_name.avsc":             `fixed_without_name.avsc:1:1: missing "name"`,
	"c-schema-tests/fail/fixed_without_size.avsc":             `fixed_without_size.avsc:1:1: fixed schema is missing "size"`,
	"c-schema-tests/fail/illegal_type.avsc":                   `illegal_type.avsc:1:9: unknown type "panther"`,
	"c-schema-tests/fail/invalid_avro_id.avsc":                `invalid_avro_id.avsc:1:12: name: invalid name "2d2"`,
	"c-schema-tests/fail/record_with_field_missing_name.avsc": `record_with_field_missing_name.avsc:4:6: Address.fields[0]: field is missing "name"`,
	"c-schema-tests/fail/record_with_field_missing_type.avsc": `record_with_field_missing_type.avsc:4:5: Event.fields[0](Sponsor): field is missing "type"`,
	"c-schema-tests/fail/record_with_invalid_reference.avsc":  `record_with_invalid_reference.avsc:5:62: recursive.fields[1](children).type.items: unknown type "foobar"`,
	"c-schema-tests/fail/record_with_nonarray_fields.avsc":    `record_with_nonarray_fields.avsc:3:3: invalid JSON`,
	"c-schema-tests/fail/record_with_nonstring_name.avsc":     `record_with_nonstring_name.avsc:1:10: name: "name" must be a string, got array`,
	"cpp-jsonschemas/nested.error.avsc":                       `nested.error.avsc:12:17: LongList.fields[1](next).type[0]: unknown type "LongLister"`,
	"cpp-jsonschemas/verboseint.avsc":                         `verboseint.avsc:1:42: invalid JSON: expected a string key`,
}

// avroExpectationNotes explain corpus files whose expectation differs from
// the folder they are in; the expectation itself comes from INDEX.md.
var avroExpectationNotes = map[string]string{
	"cpp-jsonschemas/verboseint.avsc": "not JSON (unquoted keys); INDEX.md says a strict parser should reject it, and ours is strict",
}

// goavroRejects lists corpus roots that goavro v2.15.0 refuses even in their
// original text, with the reason; for these the goavro cross-check cannot
// run. Every entry must still be rejected, so the list cannot go stale.
var goavroRejects = map[string]string{
	"c-schema-tests/pass/namespace_null_enum.avsc":   goavroNullNamespace,
	"c-schema-tests/pass/namespace_null_fixed.avsc":  goavroNullNamespace,
	"c-schema-tests/pass/namespace_null_record.avsc": goavroNullNamespace,
}

const goavroNullNamespace = `goavro treats "namespace": "" like an absent namespace, so Z defined inside x.Y becomes x.Z ` +
	`and the reference "Z" from record R fails; the specification says the empty string is the null namespace, ` +
	`so Z is Z and we are right`

// goavroCanonicalDiffs lists roots whose canonical form from goavro differs
// from ours (after goavroCanonicalFixes), with who is right per the
// specification. Every entry must still differ.
var goavroCanonicalDiffs = map[string]string{
	"c-schema-tests/pass/namespace_enum.avsc":              goavroNestedNamespace,
	"c-schema-tests/pass/namespace_fixed.avsc":             goavroNestedNamespace,
	"c-schema-tests/pass/namespace_recursive.avsc":         goavroNestedNamespace,
	"cpp-jsonschemas/large_schema.avsc":                    goavroNestedNamespace,
	"cpp-jsonschemas/tweet.avsc":                           goavroNestedNamespace,
	"java-codegen/nested_records_different_namespace.avsc": goavroNestedNamespace,
}

const goavroNestedNamespace = `goavro prefixes the enclosing namespace to a nested type whose name is dotted or that has ` +
	`its own namespace (other.namespace.OtherEnum inside org.apache.avro.tests.Hello becomes ` +
	`org.apache.avro.tests.other.namespace.OtherEnum, while references keep the short form); the specification ` +
	`says a dotted name is a full name and a namespace attribute replaces the enclosing one, so ours is right`

// goavroCanonicalFixes undo goavro v2.15.0's departures from the
// canonical-form rules that apply to many schemas, so the comparison checks
// everything else:
//   - PRIMITIVES: goavro writes {"type":"long"} for a primitive that had
//     extra attributes (a logical type or a custom property);
//   - goavro names a primitive that carries a logical type after it, such
//     as {"name":"bytes.decimal","type":"bytes"} (a field looks the same,
//     but its name cannot contain a dot);
//   - STRIP: goavro keeps a spurious "name" on arrays and maps.
var goavroCanonicalFixes = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\{"name":"(?:null|boolean|int|long|float|double|bytes|string)\.[^"]*","type":"(null|boolean|int|long|float|double|bytes|string)"\}`), `"$1"`},
	{regexp.MustCompile(`\{"type":"(null|boolean|int|long|float|double|bytes|string)"\}`), `"$1"`},
	{regexp.MustCompile(`\{"name":"[^"]*","type":"(array|map)",`), `{"type":"$1",`},
}

// readAvroIndex returns the .avsc files INDEX.md describes and whether each
// must parse: a file described as "MUST FAIL" or "NOT valid JSON" must not.
func readAvroIndex(t *testing.T, dir string) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "INDEX.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([^`]+\\.avsc)` \\| ([^|]*)\\|")
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		desc := m[2]
		out[m[1]] = !strings.Contains(desc, "MUST FAIL") && !strings.Contains(desc, "NOT valid JSON")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// avroCorpusCases lists every .avsc file of the corpus as a case (files in
// a set are covered by the set), and fails the test for a file INDEX.md does
// not describe, so nothing is skipped silently.
func avroCorpusCases(t *testing.T, dir string) []avroCorpusCase {
	t.Helper()
	index := readAvroIndex(t, dir)
	inSet := map[string]bool{}
	for _, s := range avroSets {
		if s.valid {
			for _, f := range s.files {
				inSet[f] = true
			}
		}
	}
	var onDisk []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".avsc") {
			rel, _ := filepath.Rel(dir, path)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(onDisk)
	cases := append([]avroCorpusCase{}, avroSets...)
	for _, rel := range onDisk {
		valid, described := index[rel]
		if !described {
			t.Errorf("%s is not described in INDEX.md: add it there so its expectation is known", rel)
			continue
		}
		if strings.Contains(rel, "/fail/") && valid {
			t.Errorf("%s is under fail/ but INDEX.md does not say it must fail", rel)
		}
		if inSet[rel] {
			continue
		}
		c := avroCorpusCase{files: []string{rel}, valid: valid, why: avroExpectationNotes[rel], wantErr: avroFailReasons[rel]}
		if !valid && c.wantErr == "" {
			t.Errorf("%s must fail but avroFailReasons does not say why", rel)
		}
		cases = append(cases, c)
	}
	for rel := range avroFailReasons {
		if valid, ok := index[rel]; !ok || valid {
			t.Errorf("avroFailReasons lists %s, which INDEX.md does not say must fail", rel)
		}
	}
	for rel := range index {
		if !contains(onDisk, rel) {
			t.Errorf("INDEX.md describes %s, which is not in the corpus", rel)
		}
	}
	return cases
}

var errorPosition = regexp.MustCompile(`^(.+\.avsc):(\d+):(\d+): `)

func TestAvroConformance(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	cases := avroCorpusCases(t, dir)
	valid, invalid := 0, 0
	for _, c := range cases {
		name := strings.Join(c.files, "+")
		paths := make([]string, len(c.files))
		for i, f := range c.files {
			paths[i] = filepath.Join(dir, f)
		}
		t.Run(name, func(t *testing.T) {
			s, err := ParseAvroFiles(paths...)
			if !c.valid {
				invalid++
				if err == nil {
					t.Fatalf("parsed, but must be rejected (%s)", c.why)
				}
				if !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error does not say %q:\n%v", c.wantErr, err)
				}
				// Every problem names one of the files and a line:col.
				for _, line := range errorLines(err) {
					m := errorPosition.FindStringSubmatch(line)
					if m == nil || !contains(paths, m[1]) {
						t.Errorf("error without file:line:col of the input: %s", line)
					}
				}
				return
			}
			valid++
			if err != nil {
				t.Fatalf("must parse (%s): %v", c.why, err)
			}
			if len(s.Roots) != len(c.files) {
				t.Fatalf("%d roots for %d files", len(s.Roots), len(c.files))
			}
			for i, root := range s.Roots {
				checkRoundTrip(t, root)
				checkGoavro(t, c.files[i], paths[i], root)
			}
			for _, n := range s.Named {
				if got, ok := s.Lookup(n.Name.Full()); !ok || got != n {
					t.Errorf("Lookup(%q) does not find the type", n.Name.Full())
				}
				// Each root already covers its file's types; a named type
				// written alone must be self-contained too. Large sets are
				// covered by their roots only, to keep the test fast.
				if len(s.Named) <= 40 {
					checkRoundTrip(t, n)
				}
			}
		})
	}
	t.Logf("%d valid and %d invalid cases", valid, invalid)
}

// checkGoavro cross-checks a valid root with goavro: the codec must accept
// our AvroJSON, and its canonical form should be ours. Disagreements must
// be listed, with the reason, in goavroRejects or goavroCanonicalDiffs.
func checkGoavro(t *testing.T, rel, path string, root *Type) {
	t.Helper()
	codec, err := goavro.NewCodec(root.AvroJSON())
	if err != nil {
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		_, origErr := goavro.NewCodec(string(data))
		switch {
		case origErr == nil:
			t.Errorf("goavro accepts the original but not our AvroJSON: %v\n%s", err, root.AvroJSON())
		case goavroRejects[rel] == "":
			t.Errorf("goavro rejects this schema (unlisted): %v", origErr)
		}
		return
	}
	if reason := goavroRejects[rel]; reason != "" {
		t.Errorf("goavro now accepts this schema; drop it from goavroRejects (%s)", reason)
	}
	got, want := codec.CanonicalSchema(), root.CanonicalForm()
	for _, fix := range goavroCanonicalFixes {
		got = fix.re.ReplaceAllString(got, fix.repl)
	}
	reason, listed := goavroCanonicalDiffs[rel]
	switch {
	case got != want && !listed:
		t.Errorf("goavro's canonical form differs (unlisted):\ngoavro %s\nours   %s", got, want)
	case got == want && listed:
		t.Errorf("goavro's canonical form now agrees; drop it from goavroCanonicalDiffs (%s)", reason)
	}
}
