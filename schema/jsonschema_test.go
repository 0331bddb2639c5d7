package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// describeJS writes a compact description of a JSON Schema type for tests:
// "record Event{id!:string, meta:record EventMeta{...}}", "array[long]",
// "union Data(string|json[object])", with constraints in braces.
func describeJS(t *Type, seen map[*Type]bool) string {
	if t == nil {
		return "<nil>"
	}
	if seen[t] && t.Name.Name != "" {
		return t.Name.Name
	}
	seen[t] = true
	var b strings.Builder
	switch t.Kind {
	case Record:
		fmt.Fprintf(&b, "record %s{", t.Name.Name)
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(f.Name)
			if f.Required {
				b.WriteString("!")
			}
			b.WriteString(":")
			b.WriteString(describeJS(f.Type, seen))
		}
		b.WriteString("}")
	case Enum:
		fmt.Fprintf(&b, "enum %s%q", t.Name.Name, t.Symbols)
	case Array:
		fmt.Fprintf(&b, "array[%s]", describeJS(t.Items, seen))
	case Map:
		fmt.Fprintf(&b, "map[%s]", describeJS(t.Values, seen))
	case Union:
		b.WriteString("union")
		if t.Name.Name != "" {
			b.WriteString(" " + t.Name.Name)
		}
		b.WriteString("(")
		for i, br := range t.Branches {
			if i > 0 {
				b.WriteString("|")
			}
			b.WriteString(describeJS(br, seen))
		}
		b.WriteString(")")
	case Bytes:
		b.WriteString("json")
		if t.Constraints != nil && len(t.Constraints.Types) > 0 {
			fmt.Fprintf(&b, "%v", t.Constraints.Types)
		}
	default:
		b.WriteString(t.Kind.String())
	}
	if c := t.Constraints; c != nil {
		var cs []string
		f := func(name string, p *float64) {
			if p != nil {
				cs = append(cs, fmt.Sprintf("%s=%v", name, *p))
			}
		}
		n := func(name string, p *int) {
			if p != nil {
				cs = append(cs, fmt.Sprintf("%s=%d", name, *p))
			}
		}
		f("min", c.Minimum)
		f("max", c.Maximum)
		f("xmin", c.ExclusiveMinimum)
		f("xmax", c.ExclusiveMaximum)
		f("mul", c.MultipleOf)
		n("minLen", c.MinLength)
		n("maxLen", c.MaxLength)
		n("minItems", c.MinItems)
		n("maxItems", c.MaxItems)
		n("minProps", c.MinProperties)
		n("maxProps", c.MaxProperties)
		if c.Pattern != "" {
			cs = append(cs, "pattern="+c.Pattern)
		}
		if c.Format != "" {
			cs = append(cs, "format="+c.Format)
		}
		if c.UniqueItems {
			cs = append(cs, "unique")
		}
		if len(c.Enum) > 0 {
			cs = append(cs, "enum="+strings.Join(c.Enum, ","))
		}
		if c.HasConst {
			cs = append(cs, "const="+c.Const)
		}
		if c.NoAdditionalProperties {
			cs = append(cs, "closed")
		}
		if c.AdditionalProperties != nil {
			cs = append(cs, "additional="+describeJS(c.AdditionalProperties, seen))
		}
		if c.Overlapping {
			cs = append(cs, map[bool]string{true: "overlapping oneOf", false: "overlapping anyOf"}[c.OneOf])
		}
		if c.Discriminator != "" {
			cs = append(cs, "by "+c.Discriminator+"="+strings.Join(c.DiscriminatorValues, ","))
		}
		if len(cs) > 0 {
			b.WriteString("{" + strings.Join(cs, " ") + "}")
		}
	}
	return b.String()
}

func parseOne(t *testing.T, src string) (*Schema, error) {
	t.Helper()
	return ParseJSONSchema(Source{Name: "test.json", Data: []byte(src)})
}

func TestJSONSchemaTypes(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"integer", `{"type":"integer"}`, "long"},
		{"number", `{"type":"number"}`, "double"},
		{"string", `{"type":"string"}`, "string"},
		{"boolean", `{"type":"boolean"}`, "boolean"},
		{"null", `{"type":"null"}`, "null"},
		{"any", `{}`, "json"},
		{"true", `true`, "json"},
		{"one-element type array", `{"type":["string"]}`, "string"},
		{"integer and number", `{"type":["integer","number"]}`, "double"},
		{"nullable", `{"type":["string","null"]}`, "union Test(null|string)"},
		{"types", `{"title":"Data","type":["object","string"]}`, "union Data(string|json[object])"},
		{"types with null", `{"type":["array","object","null"]}`, "union Test(null|array[json]|json[object])"},
		{"object", `{"title":"Event","type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer"}},"required":["id"]}`,
			"record Event{id!:string, n:long}"},
		{"required without property", `{"type":"object","required":["a"]}`, "record Test{a!:json}"},
		{"free-form object", `{"type":"object"}`, "json[object]"},
		{"free-form object counted", `{"type":"object","minProperties":1}`, "json[object]{minProps=1}"},
		{"map", `{"type":"object","additionalProperties":{"type":"integer"}}`, "map[long]"},
		{"closed object", `{"type":"object","properties":{"a":{}},"additionalProperties":false}`, "record Test{a:json}{closed}"},
		{"empty closed object", `{"type":"object","additionalProperties":false}`, "record Test{}{closed}"},
		{"properties and map", `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":{"type":"boolean"}}`,
			"record Test{a:string}{additional=boolean}"},
		{"array", `{"type":"array","items":{"type":"number"},"minItems":1,"maxItems":3,"uniqueItems":true}`,
			"array[double]{minItems=1 maxItems=3 unique}"},
		{"array of anything", `{"type":"array"}`, "array[json]"},
		{"empty array", `{"type":"array","items":false,"maxItems":3}`, "array[json]{maxItems=0}"},
		{"nested arrays", `{"type":"array","items":{"type":"array","items":{"type":"integer"}}}`, "array[array[long]]"},
		{"numbers", `{"type":"number","minimum":1,"maximum":9.5,"exclusiveMinimum":0,"exclusiveMaximum":10,"multipleOf":0.5}`,
			"double{min=1 max=9.5 xmin=0 xmax=10 mul=0.5}"},
		{"draft-04 exclusive bounds", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"integer","minimum":1,"exclusiveMinimum":true,"maximum":5}`,
			"long{max=5 xmin=1}"},
		{"strings", `{"type":"string","minLength":1,"maxLength":8,"pattern":"^[a-z]+$"}`, "string{minLen=1 maxLen=8 pattern=^[a-z]+$}"},
		{"date-time", `{"type":"string","format":"date-time"}`, "string{format=date-time}"},
		{"string enum", `{"title":"Color","enum":["red","green","red"]}`, `enum Color["red" "green"]`},
		{"typed string enum", `{"type":"string","enum":["a","b"]}`, `enum Test["a" "b"]`},
		{"nullable enum", `{"enum":["a",null]}`, `union TestOrNull(null|enum Test["a"])`},
		{"integer enum", `{"enum":[1,2,3]}`, "long{enum=1,2,3}"},
		{"number enum", `{"enum":[1,2.5]}`, "double{enum=1,2.5}"},
		{"enum filtered by type", `{"type":"integer","enum":[1,"a",1.5]}`, "long{enum=1}"},
		{"mixed enum", `{"enum":[6,"foo",[],true,{"foo":12}]}`, `json[boolean integer string array object]{enum=6,"foo",[],true,{"foo":12}}`},
		{"string const", `{"const":"x"}`, `enum Test["x"]`},
		{"number const", `{"const":2}`, "long{const=2}"},
		{"object const", `{"const":{"a":1}}`, `json[object]{const={"a":1}}`},
		{"null const", `{"const":null}`, "null"},
		{"enum and const", `{"enum":[1,2],"const":2}`, "long{enum=2}"},
		{"no type, properties", `{"title":"T","properties":{"a":{"type":"integer"}}}`,
			"union T(record TObject{a:long}|json[null boolean number string array])"},
		{"no type, format", `{"format":"uuid"}`, "union Test(string{format=uuid}|json[null boolean number array object])"},
		{"no type, numbers", `{"minimum":2}`, "union Test(double{min=2}|json[null boolean string array object])"},
		{"unknown format ignored for typing", `{"type":"string","format":"color"}`, "string{format=color}"},
		{"nested names", `{"title":"Event","type":"object","properties":{"meta":{"type":"object","properties":{"kind":{"enum":["a"]}}}}}`,
			`record Event{meta:record EventMeta{kind:enum EventMetaKind["a"]}}`},
		{"$defs ref", `{"$defs":{"pos-int":{"type":"integer","minimum":1}},"type":"object","properties":{"n":{"$ref":"#/$defs/pos-int"}}}`,
			"record Test{n:long{min=1}}"},
		{"definitions ref named by key", `{"definitions":{"address":{"type":"object","properties":{"city":{"type":"string"}}}},"type":"object","properties":{"home":{"$ref":"#/definitions/address"},"work":{"$ref":"#/definitions/address"}}}`,
			"record Test{home:record Address{city:string}, work:Address}"},
		{"root ref", `{"$ref":"#/definitions/event","definitions":{"event":{"type":"object","properties":{"id":{"type":"string"}}}},"type":"object"}`,
			"record Event{id:string}"},
		{"nested refs", `{"$defs":{"a":{"type":"integer"},"b":{"$ref":"#/$defs/a"},"c":{"$ref":"#/$defs/b"}},"$ref":"#/$defs/c"}`, "long"},
		{"escaped pointer", `{"$defs":{"a/b~c%d":{"type":"string"}},"type":"object","properties":{"x":{"$ref":"#/$defs/a~1b~0c%25d"}}}`,
			"record Test{x:string}"},
		{"pointer into properties", `{"type":"object","properties":{"a":{"type":"integer"},"b":{"$ref":"#/properties/a"}}}`,
			"record Test{a:long, b:long}"},
		{"anchor", `{"$defs":{"x":{"$anchor":"num","type":"number"}},"type":"object","properties":{"a":{"$ref":"#num"}}}`,
			"record Test{a:double}"},
		{"ref with siblings merges", `{"$defs":{"base":{"type":"array"}},"type":"object","properties":{"a":{"$ref":"#/$defs/base","maxItems":2}}}`,
			"record Test{a:array[json]{maxItems=2}}"},
		{"draft-07 ignores ref siblings", `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"s":{"type":"string"}},"type":"object","properties":{"a":{"$ref":"#/definitions/s","maxLength":3}}}`,
			"record Test{a:string}"},
		{"$id base", `{"$id":"http://example.com/root.json","$defs":{"A":{"$id":"item.json","type":"integer"}},"type":"array","items":{"$ref":"item.json"}}`,
			"array[long]"},
		{"urn base", `{"$id":"urn:uuid:deadbeef-1234-00ff-ff00-4321feebdaed","type":"object","properties":{"foo":{"$ref":"#/$defs/bar"}},"$defs":{"bar":{"type":"string"}}}`,
			"record Test{foo:string}"},
		{"recursion", `{"title":"Node","type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}},"next":{"$ref":"#"}}}`,
			"record Node{children:array[Node], next:Node}"},
		{"allOf merge", `{"title":"T","allOf":[{"type":"object","properties":{"a":{"type":"integer","minimum":1}},"required":["a"]},{"properties":{"a":{"minimum":3,"maximum":9},"b":{"type":"string"}},"required":["b"]}]}`,
			"record T{a!:long{min=3 max=9}, b!:string}"},
		{"allOf with ref", `{"$defs":{"base":{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}},"allOf":[{"$ref":"#/$defs/base"},{"properties":{"n":{"type":"integer"}}}]}`,
			"record Test{id!:string, n:long}"},
		{"allOf types", `{"allOf":[{"type":["string","integer"]},{"type":["integer","null"]}]}`, "long"},
		{"allOf enums", `{"allOf":[{"enum":["a","b","c"]},{"enum":["b","c","d"]}]}`, `enum Test["b" "c"]`},
		{"nullable oneOf", `{"title":"P","oneOf":[{"type":"null"},{"type":"object","properties":{"x":{"type":"number"}}}]}`,
			"union POrNull(null|record P{x:double})"},
		{"nullable free-form", `{"oneOf":[{"type":"null"},{"type":"object"}]}`, "json[null object]"},
		{"oneOf by type", `{"title":"V","oneOf":[{"type":"string"},{"type":"integer"},{"type":"object","properties":{"a":{}}}]}`,
			"union V(string|long|record VObject{a:json})"},
		{"anyOf by type", `{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]}`, "union Test(string|array[string])"},
		{"single oneOf", `{"title":"One","oneOf":[{"type":"object","properties":{"a":{"type":"string"}}}]}`, "record One{a:string}"},
		{"discriminated", `{"title":"Shape","oneOf":[` +
			`{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},` +
			`{"title":"Box","type":"object","properties":{"kind":{"enum":["box"]},"w":{"type":"number"}},"required":["kind"]}]}`,
			`union Shape(record ShapeCircle{kind!:enum ShapeOption1Kind["circle"], r!:double}|record Box{kind!:enum BoxKind["box"], w:double}){by kind=circle,box}`},
		{"discriminated with base", `{"title":"Ev","type":"object","properties":{"type":{"type":"string"},"id":{"type":"string"}},"required":["type","id"],"oneOf":[` +
			`{"properties":{"type":{"const":"a"},"x":{"type":"integer"}}},{"properties":{"type":{"const":"b"}}}]}`,
			`union Ev(record EvA{type!:enum EvOption1Type["a"], id!:string, x:long}|record EvB{type!:enum EvOption2Type["b"], id!:string}){by type=a,b}`},
		{"overlapping oneOf", `{"oneOf":[{"type":"integer"},{"type":"number"}]}`, "union Test(long|double){overlapping oneOf}"},
		{"objects without discriminator", `{"anyOf":[{"type":"object","properties":{"a":{}}},{"type":"object","properties":{"b":{}}}]}`,
			"union Test(record TestOption1{a:json}|record TestOption2{b:json}){overlapping anyOf}"},
		{"discriminator not required", `{"oneOf":[{"type":"object","properties":{"k":{"const":"a"}}},{"type":"object","properties":{"k":{"const":"b"}},"required":["k"]}]}`,
			`union Test(record TestOption1{k:enum TestOption1K["a"]}|record TestOption2{k!:enum TestOption2K["b"]}){overlapping oneOf}`},
		{"oneOf of required sets", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"oneOf":[{"required":["a"]},{"required":["b"]}]}`,
			"union Test(record TestOption1{a!:string, b:string}|record TestOption2{a:string, b!:string}){overlapping oneOf}"},
		{"oneOf with two nulls", `{"oneOf":[{"type":"null"},{"type":["string","null"]}]}`, "union Test(null|union(null|string)){overlapping oneOf}"},
		{"anyOf with two nulls", `{"anyOf":[{"type":"null"},{"type":["string","null"]}]}`, "union Test(null|string)"},
		{"false branches dropped", `{"oneOf":[false,{"type":"string"},false]}`, "string"},
		{"nested union flattened", `{"oneOf":[{"oneOf":[{"type":"null"}]}]}`, "null"},
		{"title dedup", `{"type":"object","properties":{"a":{"title":"P","type":"object","properties":{"x":{}}},"b":{"title":"P","type":"object","properties":{"x":{}}}}}`,
			"record Test{a:record P{x:json}, b:P}"},
		{"name collision", `{"title":"A","type":"object","properties":{"b":{"type":"object","properties":{"c":{"enum":["x"]}}},"bC":{"enum":["y"]}}}`,
			`record A{b:record AB{c:enum ABC["x"]}, bC:enum ABC2["y"]}`},
		{"extension keyword kept", `{"type":"string","x-go-type":"Foo"}`, "string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseOne(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := describeJS(s.Roots[0], map[*Type]bool{}); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			for _, typ := range s.Named {
				if typ.Origin != FromJSONSchema {
					t.Errorf("%s: origin %v", typ.Name.Name, typ.Origin)
				}
			}
		})
	}
}

// posOf returns the 1-based line and column of the first occurrence of at
// in src.
func posOf(t *testing.T, src, at string) (int, int) {
	t.Helper()
	i := strings.Index(src, at)
	if i < 0 {
		t.Fatalf("%q not in the source", at)
	}
	line := 1 + strings.Count(src[:i], "\n")
	col := i - strings.LastIndex(src[:i], "\n")
	return line, col
}

func TestJSONSchemaErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		at   string // the error points at the start of this text
		path string
		msg  string
	}{
		{"invalid JSON", `{"type": "string",}`, `}`, "", "invalid JSON: expected a string key"},
		{"root not a schema", `[1]`, `[1]`, "#", "a JSON Schema must be an object or a boolean"},
		{"false schema", `{"type":"object","properties":{"a":false}}`, `false`, "#/properties/a", "the schema false (no value is valid) is not supported"},
		{"unknown type", `{"type":"text"}`, `"text"`, "#/type", `unknown type "text"`},
		{"type not a name", `{"type":3}`, `3`, "#/type", "type must be a type name or a non-empty array of them"},
		{"enum not an array", `{"enum":"a"}`, `"a"`, "#/enum", "enum must be an array"},
		{"empty enum", `{"enum":[]}`, `[]`, "#/enum", "no value can be valid"},
		{"enum outside type", "{\n  \"type\": \"integer\",\n  \"enum\": [\"a\"]\n}", `["a"]`, "#/enum", "no value can be valid"},
		{"required not strings", `{"required":[1]}`, `[1]`, "#/required", "required must be an array of property names"},
		{"negative minLength", `{"type":"string","minLength":-1}`, `-1`, "#/minLength", "minLength must be a non-negative integer"},
		{"fractional maxItems", `{"type":"array","maxItems":1.5}`, `1.5`, "#/maxItems", "maxItems must be a non-negative integer"},
		{"minimum not a number", `{"type":"number","minimum":"1"}`, `"1"`, "#/minimum", "minimum must be a number"},
		{"zero multipleOf", `{"type":"number","multipleOf":0}`, `0}`, "#/multipleOf", "multipleOf must be greater than 0"},
		{"lookahead pattern", `{"type":"string","pattern":"(?=a)"}`, `"(?=a)"`, "#/pattern", `pattern "(?=a)" is not supported by Go's regexp (RE2) syntax`},
		{"format not a string", `{"type":"string","format":1}`, `1}`, "#/format", "format must be a string"},
		{"uniqueItems not a boolean", `{"type":"array","uniqueItems":1}`, `1}`, "#/uniqueItems", "uniqueItems must be a boolean"},
		{"items array", `{"type":"array","items":[{}]}`, `[{}]`, "#/items", "items as an array (tuples) is not supported"},
		{"properties not an object", `{"properties":[]}`, `[]`, "#/properties", "properties must be an object"},
		{"additionalProperties not a schema", `{"type":"object","additionalProperties":1}`, `1}`, "#/additionalProperties", "additionalProperties must be a schema"},
		{"oneOf not an array", `{"oneOf":{}}`, `{}}`, "#/oneOf", "oneOf must be a non-empty array of schemas"},
		{"allOf empty", `{"allOf":[]}`, `[]`, "#/allOf", "allOf must be a non-empty array of schemas"},
		{"two unions", `{"oneOf":[{"type":"string"}],"anyOf":[{"type":"string"}]}`, `[{"type":"string"}]}`, "#/anyOf", "anyOf beside another oneOf/anyOf is not supported"},
		{"all branches false", `{"anyOf":[false,false]}`, `[false`, "#/anyOf", "every branch of anyOf is false: no value can be valid"},
		{"invalid $id", `{"$id":"http://[::1","type":"string"}`, `"http://[::1"`, "#/$id", `invalid $id "http://[::1"`},
		{"invalid $ref", `{"$ref":"http://[::1"}`, `"http://[::1"`, "#/$ref", `invalid $ref "http://[::1"`},
		{"huge minimum", `{"type":"number","minimum":1e400}`, `1e400`, "#/minimum", "minimum 1e400 is out of range"},
		{"required not an array", `{"required":"a"}`, `"a"`, "#/required", "required must be an array of property names"},
		{"items not a schema", `{"type":"array","items":1}`, `1}`, "#/items", "items must be a schema"},
		{"pattern not a string", `{"type":"string","pattern":1}`, `1}`, "#/pattern", "pattern must be a string"},
		{"ref not a string", `{"$ref":1}`, `1}`, "#/$ref", "$ref must be a string"},
		{"unresolved pointer", `{"type":"object","properties":{"a":{"$ref":"#/$defs/missing"}}}`, `"#/$defs/missing"`, "#/properties/a/$ref", `unresolved $ref "#/$defs/missing": "$defs" not found`},
		{"unresolved anchor", `{"$ref":"#nope"}`, `"#nope"`, "#/$ref", `unresolved $ref "#nope": no anchor "nope"`},
		{"unresolved file", `{"$ref":"other.json#/a"}`, `"other.json#/a"`, "#/$ref", `unresolved $ref "other.json#/a": no schema in this set has the $id or path`},
		{"ref to a non-schema", `{"$defs":{"a":[1]},"$ref":"#/$defs/a"}`, `"#/$defs/a"`, "#/$ref", `$ref "#/$defs/a" points to a array, not a schema`},
		{"circular refs", `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, `"#/$defs/b"`, "#/$defs/a/$ref", "circular $ref"},
		{"circular allOf", `{"$defs":{"a":{"allOf":[{"$ref":"#/$defs/a"}],"type":"string"}},"$ref":"#/$defs/a"}`, `{"allOf"`, "#/$defs/a", "circular $ref/allOf"},
		{"recursion through an array", `{"type":"array","items":{"$ref":"#"}}`, `"#"`, "#/items/$ref", "recursive reference through an array"},
		{"conflicting types", `{"allOf":[{"type":"string"},{"type":"integer"}]}`, `"integer"`, "#/allOf/1/type", `type "integer" conflicts with type [string]`},
		{"conflicting consts", `{"allOf":[{"const":1},{"const":2}]}`, `2}`, "#/allOf/1/const", "const 2 conflicts with const 1"},
		{"conflicting multipleOf", `{"allOf":[{"multipleOf":2},{"multipleOf":3}]}`, `3}`, "#/allOf/1/multipleOf", "two different multipleOf values cannot be merged"},
		{"conflicting patterns", `{"allOf":[{"pattern":"a"},{"pattern":"b"}]}`, `"b"`, "#/allOf/1/pattern", "two different patterns cannot be merged"},
		{"conflicting formats", `{"allOf":[{"format":"date"},{"format":"uuid"}]}`, `"uuid"`, "#/allOf/1/format", `formats "date" and "uuid" cannot be merged`},
		{"additionalProperties across allOf", `{"allOf":[{"properties":{"a":{}}}],"additionalProperties":false}`, `false`, "#/additionalProperties", "additionalProperties beside properties from another part of an allOf/$ref cannot be merged exactly"},
		{"two additionalProperties", `{"allOf":[{"additionalProperties":false},{"additionalProperties":false}]}`, `false}]`, "#/allOf/1/additionalProperties", "additionalProperties in two parts of an allOf/$ref cannot be merged exactly"},
		{"exclusive bound without bound", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","exclusiveMaximum":true}`, `true`, "#/exclusiveMaximum", "exclusiveMaximum: true needs maximum"},
		{"duplicate $id", `{"$defs":{"a":{"$id":"http://x/a"},"b":{"$id":"http://x/a"}}}`, `"http://x/a"}}}`, "#/$defs/b/$id", `$id "http://x/a" is used by two schemas`},
		{"additionalItems with tuple", `{"type":"array","items":[{}],"additionalItems":false}`, `false`, "#/additionalItems", "additionalItems (tuples) is not supported"},
		{"multi-line position", "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"strng\"}\n  }\n}", `"strng"`, "#/properties/a/type", `unknown type "strng"`},
	}
	for kw, reason := range jsUnsupported {
		if kw == "additionalItems" {
			continue // only with an items array; see above
		}
		src := fmt.Sprintf(`{"type":"object","properties":{"p":{%q:{}}}}`, kw)
		tests = append(tests, struct{ name, src, at, path, msg string }{"unsupported " + kw, src, `{}}}}`, "#/properties/p/" + kw, reason})
	}
	sort.Slice(tests, func(i, j int) bool { return tests[i].name < tests[j].name })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOne(t, tt.src)
			if err == nil {
				t.Fatal("no error")
			}
			line, col := posOf(t, tt.src, tt.at)
			want := fmt.Sprintf("test.json:%d:%d: ", line, col)
			if tt.path != "" {
				want += tt.path + ": "
			}
			want += tt.msg
			if !strings.Contains(err.Error(), want) {
				t.Errorf("got  %s\nwant %s", err, want)
			}
			if _, ok := err.(ErrorList); !ok {
				t.Errorf("error is a %T, want ErrorList", err)
			}
		})
	}
}

func TestJSONSchemaWarnings(t *testing.T) {
	tests := []struct {
		name, src, at, path, msg string
	}{
		{"unknown keyword", `{"type":"string","x-go-type":"Foo"}`, `"Foo"`, "#/x-go-type", `unknown keyword "x-go-type" is ignored`},
		{"unknown format", `{"type":"string","format":"color"}`, `"color"`, "#/format", `format "color" is not validated`},
		{"no type", `{"properties":{"a":{}}}`, `{"properties"`, "#", `no "type": values of the types [null boolean number string array] are valid too`},
		{"draft-07 ref siblings", `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"s":{"type":"string"}},"$ref":"#/definitions/s","maxLength":3}`, `3}`, "#/maxLength", "maxLength beside $ref is ignored"},
		{"unknown $schema", `{"$schema":"http://example.com/my-meta","type":"string"}`, `"http://example.com/my-meta"`, "#/$schema", "unknown $schema"},
		{"lone additionalItems", `{"type":"array","additionalItems":false}`, `false`, "#/additionalItems", "additionalItems without an items array is ignored"},
		{"overlapping branches", `{"anyOf":[{"type":"integer"},{"minimum":2}]}`, `[{"type"`, "#/anyOf", "anyOf branches overlap (they cannot be told apart by JSON type or by a discriminator property, a property required in every object branch with a single const or enum string value in each): the value is kept as raw JSON and validated by trying each branch"},
		{"unused definition", `{"$defs":{"odd":{"not":{}}},"type":"string"}`, `{}}}`, "#/$defs/odd/not", "unused definition skipped: not is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseOne(t, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			line, col := posOf(t, tt.src, tt.at)
			want := fmt.Sprintf("test.json:%d:%d: %s: %s", line, col, tt.path, tt.msg)
			if !strings.Contains(s.Warnings.Error(), want) {
				t.Errorf("warnings:\n%s\nwant %s", s.Warnings, want)
			}
		})
	}
	s, err := parseOne(t, `{"type":"object","properties":{"a":{"type":"string"}}}`)
	if err != nil || len(s.Warnings) != 0 {
		t.Errorf("a plain schema: %v, warnings %v", err, s.Warnings)
	}
}

func TestJSONSchemaFiles(t *testing.T) {
	event := Source{Name: "schemas/event.json", Data: []byte(`{
  "title": "Event",
  "type": "object",
  "properties": {
    "user": {"$ref": "common/user.json"},
    "at": {"$ref": "https://example.com/defs.json#/$defs/time"},
    "tags": {"$ref": "common/user.json#/$defs/tags"}
  },
  "required": ["user"]
}`)}
	user := Source{Name: "schemas/common/user.json", Data: []byte(`{
  "title": "User",
  "type": "object",
  "properties": {"id": {"type": "string", "format": "uuid"}, "tags": {"$ref": "#/$defs/tags"}},
  "$defs": {"tags": {"type": "array", "items": {"type": "string"}}}
}`)}
	defs := Source{Name: "elsewhere/defs.json", Data: []byte(`{
  "$id": "https://example.com/defs.json",
  "$defs": {"time": {"type": "string", "format": "date-time"}, "Unused": {"type": "object", "properties": {"x": {"type": "integer"}}}}
}`)}
	s, err := ParseJSONSchema(event, user, defs)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describeJS(s.Roots[0], map[*Type]bool{}), "record Event{user!:record User{id:string{format=uuid}, tags:array[string]}, at:string{format=date-time}, tags:array[string]}"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := strings.Join(s.Files, ","); got != "schemas/event.json,schemas/common/user.json,elsewhere/defs.json" {
		t.Errorf("Files = %s", got)
	}
	var named []string
	for _, n := range s.Named {
		named = append(named, n.Name.Name)
	}
	if got := strings.Join(named, ","); got != "Event,User,Unused" {
		t.Errorf("Named = %s (want unused definitions too)", got)
	}
	if u, ok := s.Lookup("User"); !ok || u.Kind != Record {
		t.Errorf("Lookup(User) = %v, %v", u, ok)
	}
	if r, ok := s.Lookup("Defs"); !ok || r != s.Roots[2] {
		t.Errorf("Lookup(Defs) should find the third root, named after its $id: %v %v", r, ok)
	}
	if f := s.Roots[0].Fields[0]; f.Pos.File != "schemas/event.json" || f.Pos.Line != 5 || f.Pos.Col != 5 {
		t.Errorf("field position %v", f.Pos)
	}

	// The same set without the file the others point to: an error naming
	// the file, line and column of the reference.
	_, err = ParseJSONSchema(event, defs)
	if err == nil || !strings.Contains(err.Error(), `schemas/event.json:5:22: #/properties/user/$ref: unresolved $ref "common/user.json"`) {
		t.Errorf("missing file: %v", err)
	}
}

func TestJSONSchemaFromDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"type":"object","properties":{"b":{"$ref":"b.json"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"type":"integer"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseJSONSchemaFiles(filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := describeJS(s.Roots[0], map[*Type]bool{}); got != "record A{b:long}" {
		t.Errorf("got %s", got)
	}
	if s.Roots[1].Name.Name != "B" {
		t.Errorf("a non-record root is named after its file: %q", s.Roots[1].Name.Name)
	}
	if _, err := ParseJSONSchemaFiles(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := ParseJSONSchema(Source{Name: "a.json", Data: []byte(`{}`)}, Source{Name: "a.json", Data: []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), "file a.json is given twice") {
		t.Errorf("duplicate file: %v", err)
	}
}

func TestJSONSchemaRootNames(t *testing.T) {
	tests := []struct{ file, src, want string }{
		{"x.json", `{"title":"change-prop/retry","type":"object","properties":{"a":{}}}`, "ChangePropRetry"},
		{"x.json", `{"$id":"https://cdevents.dev/schema/artifact-published-event","type":"string"}`, "ArtifactPublishedEvent"},
		{"error-1.0.0.json", `{"$id":"/error/1.0.0","type":"string"}`, "Error100"},
		{"dir/page.view.schema.json", `{"type":"integer"}`, "PageView"},
		{"9.json", `{"type":"integer"}`, "9"},
	}
	for _, tt := range tests {
		s, err := ParseJSONSchema(Source{Name: tt.file, Data: []byte(tt.src)})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Roots[0].Name.Name; got != tt.want {
			t.Errorf("%s %s: root named %q, want %q", tt.file, tt.src, got, tt.want)
		}
	}
}

// FuzzParseJSONSchema checks that no schema makes the front-end panic, and
// that every error it returns names a position.
func FuzzParseJSONSchema(f *testing.F) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"$ref":"#"}},"required":["a"]}`,
		`{"oneOf":[{"type":"object","properties":{"k":{"const":"a"}},"required":["k"]},{"type":["string","null"]}]}`,
		`{"allOf":[{"$ref":"#/$defs/x"}],"$defs":{"x":{"anyOf":[{"minimum":1},{"type":"array","items":{"$ref":"#"}}]}}}`,
		`{"$id":"urn:x","items":{"$ref":"urn:x#/items"},"enum":[1,"a",null]}`,
		`{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseJSONSchema(Source{Name: "f.json", Data: data})
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok {
				t.Fatalf("error is a %T: %v", err, err)
			}
			for _, e := range list {
				if e.Pos.File != "f.json" || e.Pos.Line == 0 {
					t.Fatalf("error without a position: %v", e)
				}
			}
			return
		}
		if len(s.Roots) != 1 || s.Roots[0] == nil {
			t.Fatalf("no root type")
		}
	})
}
