package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/format"
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
	"anyOf.json#4":                "every branch of anyOf is false: no value can be valid",
	"defs.json#0":                 `unresolved $ref "https://json-schema.org/draft/2020-12/schema"`,
	"enum.json#14":                "no value can be valid",
	"items.json#3":                "prefixItems (tuples) is not supported",
	"items.json#5":                "prefixItems (tuples) is not supported",
	"items.json#6":                "prefixItems (tuples) is not supported",
	"items.json#7":                "prefixItems (tuples) is not supported",
	"items.json#8":                "prefixItems (tuples) is not supported",
	"oneOf.json#5":                "every branch of oneOf is false: no value can be valid",
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
	gotest.Go(t, mod, "vet", "./...")
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
	// The CDEvents event type, a one-value enum with a default, is a Go const.
	if want := `const ArtifactPublishedEventContextType = "dev.cdevents.artifact.published.0.3.0"`; !strings.Contains(string(files["cdevents/json.gen.go"]), want) {
		t.Errorf("cdevents code lacks %s", want)
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

// orderSchema exercises every keyword the generator supports, for the
// behaviour tests below.
const orderSchema = `{
  "title": "Order",
  "description": "An order.\n\nIt has lines.",
  "type": "object",
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "kind": {"const": "order"},
    "placed": {"type": "string", "format": "date-time"},
    "day": {"type": "string", "format": "date"},
    "email": {"type": "string", "format": "email"},
    "qty": {"type": "integer", "minimum": 1, "maximum": 100},
    "price": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01},
    "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$", "minLength": 5, "maxLength": 10},
    "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3},
    "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}, "minItems": 1},
    "attrs": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "maxProperties": 2},
    "note": {"type": ["string", "null"], "maxLength": 5},
    "status": {"enum": ["new", "paid", "shipped"]},
    "parent": {"$ref": "#"},
    "extra": {"type": "object"},
    "payment": {"oneOf": [{"$ref": "#/$defs/card"}, {"$ref": "#/$defs/cash"}]},
    "ref": {"type": ["integer", "string"]},
    "grid": {"type": "array", "items": {"type": "array", "items": {"type": "integer", "maximum": 9}}}
  },
  "required": ["id", "kind", "placed", "qty", "lines", "payment"],
  "additionalProperties": false,
  "$defs": {
    "line": {"type": "object", "properties": {"sku": {"type": "string"}, "n": {"type": "integer"}}, "required": ["sku"], "additionalProperties": {"type": "string", "minLength": 1}},
    "card": {"type": "object", "properties": {"method": {"const": "card"}, "last4": {"type": "string", "pattern": "^[0-9]{4}$"}}, "required": ["method", "last4"]},
    "cash": {"type": "object", "properties": {"method": {"const": "cash"}}, "required": ["method"]}
  }
}`

// orderProgram builds orders in Go, and prints what marshaling and
// validating them gives.
const orderProgram = `package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/streamgen/streamgen/runtime/codec"

	"example.com/scratch/order"
)

func main() {
	id, _ := codec.ParseJSONUUID("2eb8aa08-aa98-11ea-b4aa-73b441d16380")
	o := order.Order{
		ID:      id,
		Placed:  time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		Qty:     2,
		Lines:   []order.Line{{Sku: "a", AdditionalProperties: map[string]string{"color": "red"}}},
		Payment: &order.Card{Last4: "1234"},
		Status:  new(order.OrderStatus),
		Ref:     order.OrderRefInteger(7),
	}
	*o.Status = order.OrderStatusPaid
	b, err := json.Marshal(o)
	fmt.Println(string(b), err)
	var back order.Order
	fmt.Println(json.Unmarshal(b, &back), back.Payment.(*order.Card).Last4, *back.Status, back.Ref)

	noPayment := o
	noPayment.Payment = nil
	fmt.Println(noPayment.Validate())

	noLines := o
	noLines.Lines = nil
	b, _ = json.Marshal(noLines)
	fmt.Println(string(b))
	fmt.Println(noLines.Validate())

	bad := o
	bad.Status = new(order.OrderStatus)
	*bad.Status = "lost"
	fmt.Println(bad.Validate())

	nan := o
	nan.Price = new(float64)
	*nan.Price = 0
	fmt.Println(nan.Validate())
}
`

func TestJSONGeneratedBehaviour(t *testing.T) {
	s, err := schema.ParseJSONSchema(schema.Source{Name: "order.json", Data: []byte(orderSchema)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := JSONTypes(s, Options{Package: "order"})
	if err != nil {
		t.Fatal(err)
	}
	src := string(out[0].Content)
	for _, want := range []string{
		"type Order struct {",
		"ID      codec.UUID         `json:\"id\"`",
		"Placed  time.Time          `json:\"placed\"`",
		"Day     *time.Time         `json:\"day,omitempty\"`",
		"Tags    []string           `json:\"tags,omitempty\"`",
		"Note    *string            `json:\"note,omitempty\"`",
		"Parent  *Order             `json:\"parent,omitempty\"`",
		"Extra   json.RawMessage    `json:\"extra,omitempty\"`",
		"Payment OrderPayment       `json:\"payment\"`",
		"Grid    [][]int64          `json:\"grid,omitempty\"`",
		"AdditionalProperties map[string]string `json:\"-\"`",
		`Its property "kind" is always`,
		`const OrderKind = "order"`,
		"// An order.\n//\n// It has lines.\ntype Order struct",
		"type OrderStatus string",
		`OrderStatusShipped OrderStatus = "shipped"`,
		"type OrderPayment interface {",
		"func (*Card) isOrderPayment() {}",
		"type OrderRefInteger int64",
		"jsonPattern1 = regexp.MustCompile(",
	} {
		if norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }; !strings.Contains(norm(src), norm(want)) {
			t.Errorf("generated code lacks %q", want)
		}
	}
	if strings.Count(src, "codec.EnforceVersion(") != 2 || !strings.HasPrefix(src, "// "+Header) {
		t.Error("the file must start with the header and check the runtime version once")
	}

	files := map[string][]byte{"order/" + out[0].Name: out[0].Content, "construct/main.go": []byte(orderProgram)}
	samples := []jsonSample{
		{"order", "minimal", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, ""},
		{"order", "full", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05.5+01:00","day":"2024-02-29","email":"a@b.example","qty":100,"price":9.99,"code":"ABC-12","tags":["x","y"],"lines":[{"sku":"a","n":2,"color":"red"}],"attrs":{"w":1,"h":0},"note":"hi","status":"shipped","parent":{"id":"00000000-0000-0000-0000-000000000000","kind":"order","placed":"2024-01-01T00:00:00Z","qty":1,"lines":[{"sku":"b"}],"payment":{"method":"card","last4":"0000"}},"extra":{"any":[1,{"x":null}]},"payment":{"method":"card","last4":"4242"},"ref":"r-1","grid":[[1,2],[]]}`, ""},
		{"order", "integer ref", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"},"ref":12}`, ""},
		{"order", "missing id", `{"kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "id: required property is missing"},
		{"order", "missing const", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "kind: required property is missing"},
		{"order", "bad uuid", `{"id":"2eb8aa08","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `id: "2eb8aa08" is not a valid uuid`},
		{"order", "bad date", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","day":"2023-02-29","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `day: "2023-02-29" is not a valid date`},
		{"order", "bad email", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","email":"nobody","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `email: "nobody" is not a valid email address`},
		{"order", "qty too big", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":101,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "qty: 101 is greater than the maximum 100"},
		{"order", "qty fractional", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1.5,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "qty: expected an integer, got 1.5"},
		{"order", "free price", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"price":0,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "price: 0 is not greater than the exclusive minimum 0"},
		{"order", "price in tenths of cents", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"price":1.001,"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "price: 1.001 is not a multiple of 0.01"},
		{"order", "bad code", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"code":"abc-12","lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `code: "abc-12" does not match the pattern "^[A-Z]{3}-[0-9]+$"`},
		{"order", "long code", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"code":"ABC-1234567","lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `code: "ABC-1234567" is longer than maxLength 10`},
		{"order", "duplicate tags", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"tags":["x","y","x"],"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "tags[2]: duplicate of item 0 (uniqueItems)"},
		{"order", "no lines", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[],"payment":{"method":"cash"}}`, "lines: has 0 items, fewer than minItems 1"},
		{"order", "empty extra line property", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a","color":""}],"payment":{"method":"cash"}}`, `lines[0].color: "" is shorter than minLength 1`},
		{"order", "negative attr", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"attrs":{"w":-1},"payment":{"method":"cash"}}`, "attrs.w: -1 is less than the minimum 0"},
		{"order", "too many attrs", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"attrs":{"a":1,"b":2,"c":3},"payment":{"method":"cash"}}`, "attrs: has 3 properties, more than maxProperties 2"},
		{"order", "long note", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"note":"123456","lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `note: "123456" is longer than maxLength 5`},
		{"order", "bad status", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"status":"lost","lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, `status: "lost" is not one of the enum values "new", "paid", "shipped"`},
		{"order", "bad parent", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"},"parent":{"kind":"order"}}`, "parent.id: required property is missing"},
		{"order", "extra not an object", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"extra":[],"lines":[{"sku":"a"}],"payment":{"method":"cash"}}`, "extra: expected object, got an array"},
		{"order", "bad card", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"card","last4":"12"}}`, `payment.last4: "12" does not match the pattern "^[0-9]{4}$"`},
		{"order", "unknown payment", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"iou"}}`, `payment.method: "iou" is not one of the discriminator values "card", "cash"`},
		{"order", "boolean ref", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"},"ref":true}`, "ref: expected number or string, got boolean"},
		{"order", "grid cell", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"},"grid":[[1],[2,10]]}`, "grid[1][1]: 10 is greater than the maximum 9"},
		{"order", "unknown property", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":1,"lines":[{"sku":"a"}],"payment":{"method":"cash"},"coupon":"X"}`, "coupon: unknown property (additionalProperties is false)"},
		{"order", "syntax error", `{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380",}`, "invalid character"},
	}
	var entries strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&entries, "\t{check[order.Order], %s},\n", strconv.Quote(s.data))
	}
	files["main.go"] = []byte("package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"strconv\"\n\n\t\"github.com/streamgen/streamgen/runtime/codec\"\n\t\"example.com/scratch/order\"\n)\n" +
		jsonRealisticHarness + "\nvar cases = []testCase{\n" + entries.String() + "}\n")
	mod := gotest.Module(t, files)
	gotest.Go(t, mod, "vet", "./...")
	lines := strings.Split(strings.TrimSpace(gotest.Go(t, mod, "run", ".")), "\n")
	if len(lines) != len(samples) {
		t.Fatalf("harness printed %d lines for %d samples", len(lines), len(samples))
	}
	for i, s := range samples {
		got, _ := strconv.Unquote(lines[i])
		switch {
		case s.wantErr == "" && got != "ok":
			t.Errorf("%s: %s", s.name, got)
		case s.wantErr != "" && !strings.Contains(got, "error: "+s.wantErr):
			t.Errorf("%s: got %q, want an error containing %q", s.name, got, s.wantErr)
		}
	}

	got := strings.Split(strings.TrimSpace(gotest.Go(t, mod, "run", "./construct")), "\n")
	want := []string{
		`{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":2,"lines":[{"sku":"a","color":"red"}],"status":"paid","payment":{"method":"card","last4":"1234"},"ref":7} <nil>`,
		"<nil> 1234 paid 7",
		"payment: required property is missing",
		`{"id":"2eb8aa08-aa98-11ea-b4aa-73b441d16380","kind":"order","placed":"2024-01-02T03:04:05Z","qty":2,"lines":[],"status":"paid","payment":{"method":"card","last4":"1234"},"ref":7}`,
		"lines: has 0 items, fewer than minItems 1",
		`status: "lost" is not one of the enum values "new", "paid", "shipped"`,
		"price: 0 is not greater than the exclusive minimum 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("construct program printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJSONTypesOutput(t *testing.T) {
	s, err := schema.ParseJSONSchema(schema.Source{Name: "order.json", Data: []byte(orderSchema)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := JSONTypes(s, Options{Package: "order"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := JSONTypes(s, Options{Package: "order"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || a[0].Name != "json.gen.go" || string(a[0].Content) != string(b[0].Content) {
		t.Fatal("output is not one deterministic json.gen.go")
	}
	formatted, err := format.Source(a[0].Content)
	if err != nil || string(formatted) != string(a[0].Content) {
		t.Errorf("output is not gofmt-clean (%v)", err)
	}
	if _, err := JSONTypes(s, Options{}); err == nil {
		t.Error("no package name: no error")
	}
	v, err := JSONTypes(s, Options{Package: "order", Version: "v1.2.3"})
	if err != nil || !strings.Contains(string(v[0].Content), "streamgen v1.2.3") {
		t.Errorf("version block: %v", err)
	}

	// Roots get named Go types; names avoid the set's Avro types.
	avro := &schema.Type{Kind: schema.Record, Origin: schema.FromAvro, Name: schema.Name{Name: "Count"}}
	tests := []struct {
		src  string
		want string
	}{
		{`{"title":"Count","type":"integer"}`, "Count2"},
		{`{"title":"Event","type":"object","properties":{"a":{}}}`, "Event"},
		{`{"title":"Data","type":["string","object"]}`, "Data"},
		{`{"title":"P","oneOf":[{"type":"null"},{"title":"Q","type":"object","properties":{"x":{}}}]}`, "QOrNull"},
		{`{"title":"Color","enum":["red"]}`, "Color"},
	}
	for _, tt := range tests {
		s, err := schema.ParseJSONSchema(schema.Source{Name: "x.json", Data: []byte(tt.src)})
		if err != nil {
			t.Fatal(err)
		}
		s.Named = append(s.Named, avro)
		if got := JSONRootNames(s); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: root names %q, want %q", tt.src, got, tt.want)
		}
	}
	if files, err := JSONTypes(&schema.Schema{}, Options{Package: "p"}); err != nil || files != nil {
		t.Errorf("no JSON Schema types: %v, %v", files, err)
	}
}

// miscSchema covers the corners: an enum with a format, a union of JSON
// types with a typed format, an object const, overlapping anyOf branches,
// an array enum, the null type, and a property named like a method.
const miscSchema = `{
  "title": "Misc",
  "type": "object",
  "properties": {
    "when": {"type": "string", "format": "date-time", "enum": ["2020-01-01T00:00:00Z", "not a time"]},
    "either": {"type": ["string", "integer"], "format": "date"},
    "pair": {"type": "object", "properties": {"a": {"type": "integer"}}, "const": {"a": 1}},
    "choice": {"anyOf": [{"type": "string", "maxLength": 2}, {"type": "string", "minLength": 4}]},
    "just": {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 10}]},
    "nums": {"type": "array", "items": {"type": "number"}, "enum": [[1, 2], [3]]},
    "nothing": {"type": "null"},
    "nulls": {"type": "array", "items": {"type": "null"}},
    "validate": {"type": "boolean", "const": true},
    "empty": {"type": "array", "items": false}
  },
  "required": ["nothing"]
}`

func TestJSONGeneratedCorners(t *testing.T) {
	s, err := schema.ParseJSONSchema(schema.Source{Name: "misc.json", Data: []byte(miscSchema)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := JSONTypes(s, Options{Package: "misc"})
	if err != nil {
		t.Fatal(err)
	}
	src := string(out[0].Content)
	for _, want := range []string{"type MiscWhen string", "Either MiscEither", "type MiscEitherString time.Time", "Pair *MiscPair",
		"type MiscChoice json.RawMessage", "Nothing codec.Null", "Nulls []codec.Null", "Validate2 *bool `json:\"validate,omitempty\"`"} {
		if norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }; !strings.Contains(norm(src), norm(want)) {
			t.Errorf("generated code lacks %q", want)
		}
	}
	samples := []jsonSample{
		{"misc", "minimal", `{"nothing":null}`, ""},
		{"misc", "all", `{"when":"2020-01-01T00:00:00Z","either":"2024-02-29","pair":{"a":1},"choice":"ab","just":-5,"nums":[3],"nothing":null,"nulls":[null,null],"validate":true,"empty":[]}`, ""},
		{"misc", "integer either", `{"either":12,"nothing":null}`, ""},
		{"misc", "enum value without the format", `{"when":"not a time","nothing":null}`, `when: "not a time" is not a valid date-time`},
		{"misc", "enum value outside", `{"when":"2021-01-01T00:00:00Z","nothing":null}`, `when: "2021-01-01T00:00:00Z" is not one of the enum values`},
		{"misc", "bad date branch", `{"either":"2023-02-29","nothing":null}`, `either: "2023-02-29" is not a valid date`},
		{"misc", "pair not the const", `{"pair":{"a":2},"nothing":null}`, `pair: {"a":2} does not equal the const value {"a":1}`},
		{"misc", "choice in the gap", `{"choice":"abc","nothing":null}`, "choice: matches none of the 2 branches of anyOf"},
		{"misc", "just in both", `{"just":5,"nothing":null}`, "just: matches 2 branches of oneOf, not exactly one"},
		{"misc", "just in neither", `{"just":"x","nothing":null}`, "just: matches none of the 2 branches of oneOf"},
		{"misc", "nums outside", `{"nums":[1],"nothing":null}`, "nums: [1] is not one of the enum values [1,2], [3]"},
		{"misc", "nothing not null", `{"nothing":0}`, "nothing: expected null, got a number"},
		{"misc", "nothing missing", `{}`, "nothing: required property is missing"},
		{"misc", "validate false", `{"validate":false,"nothing":null}`, "validate: false does not equal the const value true"},
		{"misc", "not empty", `{"empty":[1],"nothing":null}`, "empty: has 1 items, more than maxItems 0"},
	}
	var entries strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&entries, "\t{check[misc.Misc], %s},\n", strconv.Quote(s.data))
	}
	files := map[string][]byte{
		"misc/" + out[0].Name: out[0].Content,
		"main.go": []byte("package main\n\nimport (\n\t\"encoding/json\"\n\t\"fmt\"\n\t\"strconv\"\n\n\t\"github.com/streamgen/streamgen/runtime/codec\"\n\t\"example.com/scratch/misc\"\n)\n" +
			jsonRealisticHarness + "\nvar cases = []testCase{\n" + entries.String() + "}\n"),
	}
	mod := gotest.Module(t, files)
	gotest.Go(t, mod, "vet", "./...")
	lines := strings.Split(strings.TrimSpace(gotest.Go(t, mod, "run", ".")), "\n")
	if len(lines) != len(samples) {
		t.Fatalf("harness printed %d lines for %d samples", len(lines), len(samples))
	}
	for i, s := range samples {
		got, _ := strconv.Unquote(lines[i])
		switch {
		case s.wantErr == "" && got != "ok":
			t.Errorf("%s: %s", s.name, got)
		case s.wantErr != "" && !strings.Contains(got, "error: "+s.wantErr):
			t.Errorf("%s: got %q, want an error containing %q", s.name, got, s.wantErr)
		}
	}
}

// FuzzJSONTypes checks that every schema the front-end accepts generates
// syntactically valid Go without panicking.
func FuzzJSONTypes(f *testing.F) {
	f.Add([]byte(orderSchema))
	f.Add([]byte(miscSchema))
	f.Add([]byte(`{"oneOf":[{"type":"null"},{"enum":["a",1]},{"type":"array","items":{"$ref":"#"}}]}`))
	f.Add([]byte(`{"type":["object","array"],"additionalProperties":{"anyOf":[{"type":"integer"},{"minimum":3}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := schema.ParseJSONSchema(schema.Source{Name: "f.json", Data: data})
		if err != nil {
			return
		}
		if _, err := JSONTypes(s, Options{Package: "p"}); err != nil {
			t.Fatalf("JSONTypes: %v", err)
		}
	})
}
