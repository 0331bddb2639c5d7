package spec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// jsonSchemaDoc reads docs/streamgen.schema.json.
func jsonSchemaDoc(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "streamgen.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/streamgen.schema.json is not valid JSON: %v", err)
	}
	return doc
}

func propertyNames(obj map[string]any) []string {
	props, _ := obj["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func sorted(s []string) []string {
	out := make([]string, len(s))
	copy(out, s)
	sort.Strings(out)
	return out
}

// TestJSONSchemaMatchesParser walks the parser's key table and the JSON
// Schema's definitions and requires the same keys on both sides.
func TestJSONSchemaMatchesParser(t *testing.T) {
	doc := jsonSchemaDoc(t)
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want the 2020-12 meta-schema", doc["$schema"])
	}
	defs, _ := doc["$defs"].(map[string]any)
	if defs == nil {
		t.Fatal("no $defs")
	}
	if got, want := propertyNames(doc), sorted(objectKeys["spec"]); !reflect.DeepEqual(got, want) {
		t.Errorf("top-level properties %q, parser keys %q", got, want)
	}
	for kind, keys := range objectKeys {
		if kind == "spec" {
			continue
		}
		def, ok := defs[kind].(map[string]any)
		if !ok {
			t.Errorf("the parser reads a %s mapping that $defs does not define", kind)
			continue
		}
		if _, ok := def["properties"]; !ok {
			t.Errorf("$defs/%s has no properties", kind)
		}
		if got, want := propertyNames(def), sorted(keys); !reflect.DeepEqual(got, want) {
			t.Errorf("$defs/%s properties %q, parser keys %q", kind, got, want)
		}
		if def["additionalProperties"] != false {
			t.Errorf("$defs/%s allows additional properties; the parser rejects unknown keys", kind)
		}
		types := fmt.Sprint(def["type"])
		if nullable := strings.Contains(types, "null"); nullable != nullableKinds[kind] {
			t.Errorf("$defs/%s type %s, but the parser accepts null there: %v", kind, types, nullableKinds[kind])
		}
	}
	for name, def := range defs {
		d, _ := def.(map[string]any)
		if _, isObject := d["properties"]; isObject {
			if _, ok := objectKeys[name]; !ok {
				t.Errorf("$defs/%s has properties, but the parser has no %s mapping", name, name)
			}
		}
		if enum, ok := d["enum"].([]any); ok {
			want, known := enumValues[name]
			if !known {
				t.Errorf("$defs/%s is an enum the parser does not list", name)
				continue
			}
			got := make([]string, len(enum))
			for i, v := range enum {
				got[i] = fmt.Sprint(v)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("$defs/%s enum %q, parser values %q", name, got, want)
			}
		}
	}
	for name := range enumValues {
		if _, ok := defs[name]; !ok {
			t.Errorf("the parser's enum %s has no $defs entry", name)
		}
	}
	// Every $ref points at a definition.
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := defs[strings.TrimPrefix(ref, "#/$defs/")]; !ok || !strings.HasPrefix(ref, "#/$defs/") {
					t.Errorf("%s: $ref %q points nowhere", path, ref)
				}
			}
			for k, x := range v {
				walk(x, path+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	walk(doc, "#")
}

// keyWalker checks a YAML document's keys and enum values against a JSON
// Schema: a small validator for what editors use the schema for.
type keyWalker struct {
	defs map[string]any
	errs []string
}

func (w *keyWalker) resolve(s map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		s, _ = w.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
	return s
}

// branches returns s and every branch of its allOf, oneOf and anyOf,
// resolved.
func (w *keyWalker) branches(s map[string]any) []map[string]any {
	s = w.resolve(s)
	out := []map[string]any{s}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := s[k].([]any)
		for _, b := range list {
			if bm, ok := b.(map[string]any); ok {
				out = append(out, w.branches(bm)...)
			}
		}
	}
	return out
}

func (w *keyWalker) walk(s map[string]any, n *yaml.Node, path string) {
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	bs := w.branches(s)
	switch n.Kind {
	case yaml.MappingNode:
		var objs []map[string]any
		for _, b := range bs {
			_, hasProps := b["properties"]
			_, hasAddl := b["additionalProperties"].(map[string]any)
			if hasProps || hasAddl {
				objs = append(objs, b)
			}
		}
		if len(objs) == 0 {
			w.errs = append(w.errs, path+": a mapping is not allowed here")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i].Value, n.Content[i+1]
			found := false
			for _, o := range objs {
				props, _ := o["properties"].(map[string]any)
				if sub, ok := props[key].(map[string]any); ok {
					w.walk(sub, val, path+"."+key)
					found = true
					break
				}
				if addl, ok := o["additionalProperties"].(map[string]any); ok {
					w.walk(addl, val, path+"."+key)
					found = true
					break
				}
			}
			if !found {
				w.errs = append(w.errs, fmt.Sprintf("%s: key %q is not in the JSON Schema", path, key))
			}
		}
	case yaml.SequenceNode:
		for _, b := range bs {
			if items, ok := b["items"].(map[string]any); ok {
				for i, e := range n.Content {
					w.walk(items, e, fmt.Sprintf("%s[%d]", path, i))
				}
				return
			}
		}
		w.errs = append(w.errs, path+": a list is not allowed here")
	case yaml.ScalarNode:
		var enums []string
		free := false
		for _, b := range bs {
			if e, ok := b["enum"].([]any); ok {
				for _, v := range e {
					enums = append(enums, fmt.Sprint(v))
				}
			} else if c, ok := b["const"]; ok {
				enums = append(enums, fmt.Sprint(c))
			} else if _, typed := b["type"]; typed {
				free = true
			} else if _, pat := b["pattern"]; pat {
				free = true
			}
		}
		if !free && len(enums) > 0 {
			for _, e := range enums {
				if e == n.Value {
					return
				}
			}
			w.errs = append(w.errs, fmt.Sprintf("%s: %q is not one of %q", path, n.Value, enums))
		}
	}
}

func walkYAML(t *testing.T, doc map[string]any, src []byte) []string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(src, &n); err != nil {
		t.Fatal(err)
	}
	defs, _ := doc["$defs"].(map[string]any)
	w := &keyWalker{defs: defs}
	w.walk(doc, &n, "$")
	return w.errs
}

// TestJSONSchemaAcceptsFullExample checks the full example (which uses
// every key) against the JSON Schema, and that the check itself catches
// unknown keys and values.
func TestJSONSchemaAcceptsFullExample(t *testing.T) {
	doc := jsonSchemaDoc(t)
	src, err := os.ReadFile(filepath.Join("testdata", "full", "streamgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if errs := walkYAML(t, doc, src); len(errs) > 0 {
		t.Errorf("the full example does not fit docs/streamgen.schema.json:\n%s", strings.Join(errs, "\n"))
	}
	bad := "version: 1\nname: x\nbogus: 1\nsources:\n  a: {topics: [a], value: {format: avor}, colour: red}\n"
	want := []string{
		`$: key "bogus" is not in the JSON Schema`,
		`$.sources.a.value.format: "avor" is not one of ["avro" "avro-confluent" "avro-single-object" "json" "string" "bytes" "none"]`,
		`$.sources.a: key "colour" is not in the JSON Schema`,
	}
	if got := walkYAML(t, doc, []byte(bad)); !reflect.DeepEqual(got, want) {
		t.Errorf("walking a bad spec:\n got %q\nwant %q", got, want)
	}
}

// TestSpecDocMentionsEveryKey requires docs/spec.md to name every key and
// enum value the parser accepts, and to show the full example.
func TestSpecDocMentionsEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "spec.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for kind, keys := range objectKeys {
		for _, k := range keys {
			if !strings.Contains(doc, "`"+k+"`") {
				t.Errorf("docs/spec.md does not document the key `%s` (of %s)", k, kind)
			}
		}
	}
	for name, values := range enumValues {
		for _, v := range values {
			if !strings.Contains(doc, "`"+v+"`") {
				t.Errorf("docs/spec.md does not document the %s value `%s`", name, v)
			}
		}
	}
	example, err := os.ReadFile(filepath.Join("testdata", "full", "streamgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The example in the doc is the test's full example, without its first
	// comment line.
	body := string(example)
	body = body[strings.IndexByte(body, '\n')+1:]
	if !strings.Contains(doc, body) {
		t.Error("docs/spec.md does not show testdata/full/streamgen.yaml (below its first line) verbatim")
	}
}
