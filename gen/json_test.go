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

// cdeventsLinks stands in for the CDEvents links schema that
// cdevents-artifact-published.json refers to by $id and that the corpus
// does not include.
const cdeventsLinks = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://cdevents.dev/0.6.0-draft/schema/links/embeddedlinksarray",
  "type": "array",
  "items": {
    "type": "object",
    "properties": {
      "linkType": {"type": "string", "enum": ["PATH", "END", "RELATION"]},
      "from": {"type": "object", "properties": {"contextId": {"type": "string", "minLength": 1}}, "required": ["contextId"]}
    },
    "required": ["linkType"]
  }
}`

// jsonSample is an instance of a realistic schema and what reading it
// must give: valid, or an error containing wantErr.
type jsonSample struct {
	pkg, name string
	data      string
	wantErr   string
}

// jsonRealisticHarness reads each sample into its root type and, for valid
// ones, checks that marshaling gives back an equal JSON value (members in
// any order).
const jsonRealisticHarness = `
type validator interface{ Validate() error }

func check[T any](data []byte) string {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return "error: " + err.Error()
	}
	if err := any(&v).(validator).Validate(); err != nil {
		return "error: " + err.Error()
	}
	out, err := json.Marshal(v)
	if err != nil {
		return "marshal: " + err.Error()
	}
	if !codec.JSONEqual(out, data) {
		return "round trip changed the value: " + string(out)
	}
	return "ok"
}

type testCase struct {
	run  func([]byte) string
	data string
}

func main() {
	for _, c := range cases {
		fmt.Println(strconv.Quote(c.run([]byte(c.data))))
	}
}
`

func TestJSONRealistic(t *testing.T) {
	dir := filepath.Join(gotest.SharedDir(t), "conformance", "jsonschema", "realistic")
	read := func(name string) schema.Source {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return schema.Source{Name: filepath.Join(dir, name), Data: data}
	}
	// examples returns the "examples" a schema file carries.
	examples := func(src schema.Source) []string {
		var doc struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if err := json.Unmarshal(src.Data, &doc); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range doc.Examples {
			out = append(out, string(e))
		}
		if len(out) == 0 {
			t.Fatalf("%s has no examples", src.Name)
		}
		return out
	}

	// The CDEvents schema refers to a file the set does not have: a clear
	// error naming the file, line, column and reference.
	cdevents := read("cdevents-artifact-published.json")
	_, err := schema.ParseJSONSchema(cdevents)
	if err == nil {
		t.Fatal("cdevents without its links schema: no error")
	}
	for _, want := range []string{cdevents.Name + ":41:19: ", "#/properties/context/properties/links/$ref", `unresolved $ref "links/embeddedlinksarray"`, "https://cdevents.dev/0.6.0-draft/schema/links/embeddedlinksarray"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("cdevents error %q does not contain %q", err, want)
		}
	}

	sets := []struct {
		pkg  string
		srcs []schema.Source
	}{
		{"cloudevents", []schema.Source{read("cloudevents.json")}},
		{"cdevents", []schema.Source{cdevents, {Name: "links/embeddedlinksarray.json", Data: []byte(cdeventsLinks)}}},
		{"geojson", []schema.Source{read("geojson-Feature.json")}},
		{"wmerror", []schema.Source{read("wikimedia-error-1.0.0.json")}},
		{"wmretry", []schema.Source{read("wikimedia-change-prop-retry-1.0.0.json")}},
	}
	files := map[string][]byte{}
	roots := map[string]string{}
	for _, set := range sets {
		s, err := schema.ParseJSONSchema(set.srcs...)
		if err != nil {
			t.Fatalf("%s: %v", set.pkg, err)
		}
		out, err := JSONTypes(s, Options{Package: set.pkg})
		if err != nil {
			t.Fatalf("%s: %v", set.pkg, err)
		}
		for _, f := range out {
			files[set.pkg+"/"+f.Name] = f.Content
		}
		roots[set.pkg] = JSONRootNames(s)[0]
	}

	var samples []jsonSample
	for _, e := range examples(sets[3].srcs[0]) {
		samples = append(samples, jsonSample{pkg: "wmerror", name: "schema example", data: e})
	}
	for _, e := range examples(sets[4].srcs[0]) {
		samples = append(samples, jsonSample{pkg: "wmretry", name: "schema example", data: e})
	}
	samples = append(samples,
		jsonSample{"wmerror", "bad date-time", `{"$schema":"/error/1.0.0","meta":{"stream":"s","dt":"yesterday"},"emitter_id":"e","raw_event":"{}","message":"m"}`,
			`meta.dt: "yesterday" is not a valid date-time`},
		jsonSample{"wmerror", "missing meta.stream", `{"$schema":"/error/1.0.0","meta":{"dt":"2020-07-01T00:00:00Z"},"emitter_id":"e","raw_event":"{}","message":"m"}`,
			"meta.stream: required property is missing"},
		jsonSample{"wmerror", "empty meta.domain", `{"$schema":"/error/1.0.0","meta":{"stream":"s","dt":"2020-07-01T00:00:00Z","domain":""},"emitter_id":"e","raw_event":"{}","message":"m"}`,
			`meta.domain: "" is shorter than minLength 1`},
		jsonSample{"wmretry", "original_event not an object", `{"$schema":"/change-prop/retry/1.0.0","meta":{"stream":"s","dt":"2020-07-01T00:00:00Z"},"emitter_id":"e","retries_left":1,"original_event":[1]}`,
			"original_event: expected object, got an array"},
		jsonSample{"wmretry", "retries_left not JS-safe", `{"$schema":"/change-prop/retry/1.0.0","meta":{"stream":"s","dt":"2020-07-01T00:00:00Z"},"emitter_id":"e","retries_left":9007199254740992,"original_event":{}}`,
			"retries_left: 9007199254740992 is greater than the maximum"},
		jsonSample{"cloudevents", "object data", `{"specversion":"1.0","id":"A234-1234-1234","source":"/mycontext","type":"com.example.someevent","time":"2018-04-05T17:31:00Z","datacontenttype":"application/json","data":{"appinfoA":"abc","appinfoB":123}}`, ""},
		jsonSample{"cloudevents", "string data", `{"specversion":"1.0","id":"1","source":"https://example.com/x","type":"t","data":"<much wow=\"xml\"/>","dataschema":"https://example.com/schema"}`, ""},
		jsonSample{"cloudevents", "number data", `{"specversion":"1.0","id":"1","source":"/s","type":"t","data":5}`, "data: expected string or object, got number"},
		jsonSample{"cloudevents", "missing id", `{"specversion":"1.0","source":"/s","type":"t"}`, "id: required property is missing"},
		jsonSample{"cloudevents", "bad dataschema", `{"specversion":"1.0","id":"1","source":"/s","type":"t","dataschema":"not a uri"}`, `dataschema: "not a uri" is not a valid URI`},
		jsonSample{"cdevents", "published", `{"context":{"specversion":"0.4.1","id":"271069a8-fc18-44f1-b38f-9d70a1695819","source":"/event/source/123","type":"dev.cdevents.artifact.published.0.3.0","timestamp":"2023-03-20T14:27:05.315384Z","links":[{"linkType":"PATH","from":{"contextId":"x"}}]},"subject":{"id":"pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c","source":"/event/source/123","content":{"sbom":{"uri":"https://sbom.repo/myorg/234fd47e07d1004f0aed9c.sbom"},"user":"mybot-myapp"}},"customData":"aGVsbG8=","customDataContentType":"text/plain"}`, ""},
		jsonSample{"cdevents", "custom object data", `{"context":{"specversion":"0.4.1","id":"1","source":"/s","type":"dev.cdevents.artifact.published.0.3.0","timestamp":"2023-03-20T14:27:05Z"},"subject":{"id":"x","content":{}},"customData":{"a":[1,2]}}`, ""},
		jsonSample{"cdevents", "wrong event type", `{"context":{"specversion":"0.4.1","id":"1","source":"/s","type":"dev.cdevents.artifact.packaged.0.3.0","timestamp":"2023-03-20T14:27:05Z"},"subject":{"id":"x","content":{}}}`,
			`context.type: "dev.cdevents.artifact.packaged.0.3.0" is not the const value "dev.cdevents.artifact.published.0.3.0"`},
		jsonSample{"cdevents", "unknown context property", `{"context":{"specversion":"0.4.1","id":"1","source":"/s","type":"dev.cdevents.artifact.published.0.3.0","timestamp":"2023-03-20T14:27:05Z","extra":1},"subject":{"id":"x","content":{}}}`,
			"context.extra: unknown property (additionalProperties is false)"},
		jsonSample{"cdevents", "bad link type", `{"context":{"specversion":"0.4.1","id":"1","source":"/s","type":"dev.cdevents.artifact.published.0.3.0","timestamp":"2023-03-20T14:27:05Z","links":[{"linkType":"UP"}]},"subject":{"id":"x","content":{}}}`,
			`context.links[0].linkType: "UP" is not one of the enum values "PATH", "END", "RELATION"`},
		jsonSample{"geojson", "point", `{"type":"Feature","properties":{"name":"Dinagat Islands"},"geometry":{"type":"Point","coordinates":[125.6,10.1]},"bbox":[125.6,10.1,125.6,10.1]}`, ""},
		jsonSample{"geojson", "null geometry and properties", `{"type":"Feature","properties":null,"geometry":null}`, ""},
		jsonSample{"geojson", "collection", `{"type":"Feature","properties":{},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3.5]]]}]}}`, ""},
		jsonSample{"geojson", "short point", `{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[1]}}`,
			"geometry.coordinates: has 1 items, fewer than minItems 2"},
		jsonSample{"geojson", "unknown geometry", `{"type":"Feature","properties":null,"geometry":{"type":"Circle","radius":1}}`,
			`geometry.type: "Circle" is not one of the discriminator values`},
		jsonSample{"geojson", "short ring in a collection", `{"type":"Feature","properties":null,"geometry":{"type":"GeometryCollection","geometries":[{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}]}}`,
			"geometry.geometries[0].coordinates[0]: has 3 items, fewer than minItems 4"},
		jsonSample{"geojson", "not a feature", `{"type":"Point","properties":null,"geometry":null}`, `type: "Point" is not the const value "Feature"`},
	)

	var imports, entries strings.Builder
	for _, set := range sets {
		fmt.Fprintf(&imports, "\t%q\n", "example.com/scratch/"+set.pkg)
	}
	for _, s := range samples {
		fmt.Fprintf(&entries, "\t{check[%s.%s], %s},\n", s.pkg, roots[s.pkg], strconv.Quote(s.data))
	}
	files["main.go"] = []byte("package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"strconv\"\n\n\t\"github.com/streamgen/streamgen/runtime/codec\"\n" +
		imports.String() + ")\n" + jsonRealisticHarness + "\nvar cases = []testCase{\n" + entries.String() + "}\n")
	mod := gotest.Module(t, files)
	gotest.Go(t, mod, "vet", "./...")
	out := strings.Split(strings.TrimSpace(gotest.Go(t, mod, "run", ".")), "\n")
	if len(out) != len(samples) {
		t.Fatalf("harness printed %d lines for %d samples:\n%s", len(out), len(samples), strings.Join(out, "\n"))
	}
	for i, s := range samples {
		got, err := strconv.Unquote(out[i])
		if err != nil {
			t.Fatalf("harness line %q: %v", out[i], err)
		}
		switch {
		case s.wantErr == "" && got != "ok":
			t.Errorf("%s %s: %s", s.pkg, s.name, got)
		case s.wantErr != "" && !strings.Contains(got, "error: "+s.wantErr):
			t.Errorf("%s %s: got %q, want an error containing %q", s.pkg, s.name, got, s.wantErr)
		}
	}
}
