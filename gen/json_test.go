package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
)

// jsonUnsupported lists the groups of the JSON Schema test suite whose
// schemas use keywords or shapes the generator does not type, with (a part
// of) the error the front-end gives for each. The conformance test checks
// that exactly these groups are rejected, each for the stated reason.
var jsonUnsupported = map[string]string{
	"additionalProperties.json#0": "patternProperties is not supported",
	"additionalProperties.json#1": "patternProperties is not supported",
	"additionalProperties.json#5": "additionalProperties beside properties from another part of an allOf/$ref cannot be merged exactly",
	"additionalProperties.json#7": "propertyNames is not supported",
	"additionalProperties.json#8": "dependentSchemas is not supported",
	"allOf.json#4":                "the schema false (no value is valid) is not supported",
	"allOf.json#5":                "the schema false (no value is valid) is not supported",
	"allOf.json#11":               "oneOf beside another oneOf/anyOf is not supported",
	"anyOf.json#0":                "anyOf branches overlap",
	"anyOf.json#1":                "anyOf branches overlap",
	"anyOf.json#2":                "anyOf branches overlap",
	"anyOf.json#3":                "the schema false (no value is valid) is not supported",
	"anyOf.json#4":                "the schema false (no value is valid) is not supported",
	"anyOf.json#5":                "anyOf branches overlap",
	"anyOf.json#6":                "anyOf branches overlap",
	"defs.json#0":                 `unresolved $ref "https://json-schema.org/draft/2020-12/schema"`,
	"enum.json#14":                "no value can be valid",
	"items.json#2":                "items: false (only empty arrays) is not supported",
	"items.json#3":                "prefixItems (tuples) is not supported",
	"items.json#5":                "prefixItems (tuples) is not supported",
	"items.json#6":                "prefixItems (tuples) is not supported",
	"items.json#7":                "prefixItems (tuples) is not supported",
	"items.json#8":                "prefixItems (tuples) is not supported",
	"oneOf.json#0":                "oneOf branches overlap",
	"oneOf.json#1":                "oneOf branches overlap",
	"oneOf.json#2":                "oneOf branches overlap",
	"oneOf.json#3":                "the schema false (no value is valid) is not supported",
	"oneOf.json#4":                "the schema false (no value is valid) is not supported",
	"oneOf.json#5":                "the schema false (no value is valid) is not supported",
	"oneOf.json#6":                "oneOf branches overlap",
	"oneOf.json#7":                "oneOf branches overlap",
	"oneOf.json#8":                "oneOf branches overlap",
	"oneOf.json#9":                "oneOf branches overlap",
	"properties.json#1":           "patternProperties is not supported",
	"properties.json#2":           "the schema false (no value is valid) is not supported",
	"ref.json#2":                  "prefixItems (tuples) is not supported",
	"ref.json#6":                  `unresolved $ref "https://json-schema.org/draft/2020-12/schema"`,
	"ref.json#10":                 "the schema false (no value is valid) is not supported",
	"ref.json#13":                 "unevaluatedProperties is not supported",
	"ref.json#29":                 "if/then/else is not supported",
	"ref.json#30":                 "if/then/else is not supported",
	"ref.json#31":                 "if/then/else is not supported",
}

// jsonSuiteFiles are the test-suite files the conformance test runs.
var jsonSuiteFiles = []string{
	"additionalProperties.json", "allOf.json", "anyOf.json", "const.json", "default.json", "defs.json", "enum.json",
	"items.json", "oneOf.json", "properties.json", "ref.json", "required.json", "type.json",
	"optional-format/date-time.json", "optional-format/date.json", "optional-format/duration.json", "optional-format/uuid.json",
}

type jsonSuiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// jsonHarness is the program that runs in the scratch module: for each
// test it unmarshals the data into the group's root type with
// encoding/json, validates it, and for valid data checks that a marshal,
// unmarshal, marshal round trip is stable. It prints one JSON line per
// test.
const jsonHarness = `
type result struct {
	ID    string ` + "`json:\"id\"`" + `
	Valid bool   ` + "`json:\"valid\"`" + `
	Err   string ` + "`json:\"err,omitempty\"`" + `
	Trip  string ` + "`json:\"trip,omitempty\"`" + `
}

type validator interface{ Validate() error }

func check[T any](data []byte) (valid bool, msg, trip string) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return false, err.Error(), ""
	}
	if err := any(&v).(validator).Validate(); err != nil {
		return false, err.Error(), ""
	}
	out, err := json.Marshal(v)
	if err != nil {
		return true, "", "marshal: " + err.Error()
	}
	var w T
	if err := json.Unmarshal(out, &w); err != nil {
		return true, "", "unmarshal of " + string(out) + ": " + err.Error()
	}
	out2, err := json.Marshal(w)
	if err != nil || string(out2) != string(out) {
		return true, "", fmt.Sprintf("unstable: %s then %s (%v)", out, out2, err)
	}
	return true, "", ""
}

type testCase struct {
	id   string
	run  func([]byte) (bool, string, string)
	data string
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, c := range cases {
		valid, msg, trip := c.run([]byte(c.data))
		if err := enc.Encode(result{ID: c.id, Valid: valid, Err: msg, Trip: trip}); err != nil {
			panic(err)
		}
	}
}
`

func TestJSONConformance(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "jsonschema", "test-suite-draft2020-12")
	files := map[string][]byte{}
	var imports, entries strings.Builder
	want := map[string]bool{}
	describe := map[string]string{}
	supported, unsupported, tests := 0, 0, 0
	seenUnsupported := map[string]bool{}
	for _, name := range jsonSuiteFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var groups []jsonSuiteGroup
		if err := json.Unmarshal(data, &groups); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		base := filepath.Base(name)
		for gi, group := range groups {
			id := fmt.Sprintf("%s#%d", base, gi)
			src := schema.Source{Name: fmt.Sprintf("%s-%d.json", strings.TrimSuffix(base, ".json"), gi), Data: group.Schema}
			s, err := schema.ParseJSONSchema(src)
			reason, listed := jsonUnsupported[id]
			if err != nil {
				switch {
				case !listed:
					t.Errorf("%s (%s): rejected but not listed as unsupported: %v", id, group.Description, err)
				case !strings.Contains(err.Error(), reason):
					t.Errorf("%s: rejected with %q, want a reason containing %q", id, err, reason)
				}
				seenUnsupported[id] = true
				unsupported++
				continue
			}
			if listed {
				t.Errorf("%s is listed as unsupported (%s) but parses", id, reason)
				continue
			}
			pkg := fmt.Sprintf("g%d", supported)
			out, err := JSONTypes(s, Options{Package: pkg})
			if err != nil {
				t.Errorf("%s: JSONTypes: %v", id, err)
				continue
			}
			for _, f := range out {
				files[pkg+"/"+f.Name] = f.Content
			}
			root := JSONRootNames(s)[0]
			fmt.Fprintf(&imports, "\t%s \"example.com/scratch/%s\"\n", pkg, pkg)
			for ti, test := range group.Tests {
				tid := fmt.Sprintf("%s/%d", id, ti)
				want[tid] = test.Valid
				describe[tid] = group.Description + ": " + test.Description
				fmt.Fprintf(&entries, "\t{%q, check[%s.%s], %s},\n", tid, pkg, root, strconv.Quote(string(test.Data)))
				tests++
			}
			supported++
		}
	}
	for id := range jsonUnsupported {
		if !seenUnsupported[id] {
			t.Errorf("%s is listed as unsupported but no such group was rejected", id)
		}
	}
	t.Logf("test-suite groups: %d supported (%d tests), %d unsupported", supported, tests, unsupported)

	main := "package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"os\"\n\n" + imports.String() + ")\n" +
		jsonHarness + "\nvar cases = []testCase{\n" + entries.String() + "}\n"
	files["main.go"] = []byte(main)
	mod := gotest.Module(t, files)
	got := gotest.Go(t, mod, "run", ".")

	seen := 0
	sc := bufio.NewScanner(strings.NewReader(got))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			ID    string `json:"id"`
			Valid bool   `json:"valid"`
			Err   string `json:"err"`
			Trip  string `json:"trip"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("harness output %q: %v", sc.Text(), err)
		}
		seen++
		w, ok := want[r.ID]
		switch {
		case !ok:
			t.Errorf("harness reported unknown test %s", r.ID)
		case r.Valid != w:
			t.Errorf("%s (%s): generated code says valid=%v (%s), the suite says %v", r.ID, describe[r.ID], r.Valid, r.Err, w)
		case r.Trip != "":
			t.Errorf("%s (%s): round trip: %s", r.ID, describe[r.ID], r.Trip)
		}
	}
	if seen != tests {
		t.Errorf("harness reported %d results, want %d", seen, tests)
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
