package gen_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/streamgen/streamgen/gen"
)

// operatorsFields parses a generated operators.gen.go and returns its
// Operators struct as field name -> type name, in order.
func operatorsFields(t *testing.T, src []byte) [][2]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "operators.gen.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Operators" {
			return true
		}
		for _, fld := range ts.Type.(*ast.StructType).Fields.List {
			out = append(out, [2]string{fld.Names[0].Name, fld.Type.(*ast.Ident).Name})
		}
		return false
	})
	return out
}

// UserOperators names exactly the fields and interfaces that Pipeline
// generates, for every pipeline spec of the test corpus.
func TestUserOperatorsMatchGeneratedCode(t *testing.T) {
	var specs []string
	for _, c := range pipelineCases {
		specs = append(specs, filepath.Join("testdata", "pipeline", c, "streamgen.yaml"))
	}
	golden, err := filepath.Glob(filepath.Join("..", "golden", "pipeline_*", "in", "streamgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range golden {
		if filepath.Base(filepath.Dir(filepath.Dir(g))) == "pipeline_fail_unkeyed_window" {
			continue
		}
		specs = append(specs, g)
	}
	for _, path := range specs {
		t.Run(path, func(t *testing.T) {
			s, set := loadSpec(t, path)
			opts := gen.Options{Package: s.Package}
			files, err := gen.Pipeline(s, set, opts)
			if err != nil {
				t.Fatal(err)
			}
			var want [][2]string
			for _, f := range files {
				if f.Name == "operators.gen.go" {
					want = operatorsFields(t, f.Content)
				}
			}
			ops, err := gen.UserOperators(s, set, opts)
			if err != nil {
				t.Fatal(err)
			}
			var got [][2]string
			for _, o := range ops {
				got = append(got, [2]string{o.Field, o.Interface})
				if o.Op == nil || o.Op.Pos.Line == 0 {
					t.Errorf("%s: no spec operator with a position", o.Field)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("UserOperators %v\nOperators struct %v", got, want)
			}
		})
	}
}

func TestUserOperators(t *testing.T) {
	const taken = `{"type":"record","name":"ViewsOperator","namespace":"t","fields":[{"name":"user","type":"string"},{"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}}]}`
	tests := []struct {
		name    string
		yaml    string
		schemas map[string]string
		want    []string // Field Interface Path
	}{
		{
			name: "every kind with user code; key_by and union have none",
			yaml: `version: 1
name: words
sources:
  lines: {topics: [lines], value: {format: string}}
  more: {topics: [more], value: {format: string}}
operators:
  all: {union: [lines, more]}
  clean: {input: all, filter: {}}
  words: {input: clean, flat_map: {}}
  upper: {input: words, map: {}}
  by_word: {input: upper, key_by: .}
  counts:
    input: by_word
    window: {sliding: {size: 10m, slide: 5m}, reduce: {}}
  seen:
    input: by_word
    process: {output: string, state: {n: {value: int64}}, timers: true}
sinks:
  out: {input: counts, topic: out, key: {format: string}, value: {format: string}}
  seen_out: {input: seen, topic: seen, key: {format: string}, value: {format: string}}
`,
			want: []string{
				"Clean CleanOperator operators.clean (filter)",
				"Words WordsOperator operators.words (flat_map)",
				"Upper UpperOperator operators.upper (map)",
				"Counts CountsOperator operators.counts (sliding 10m every 5m window, reduce)",
				"Seen SeenOperator operators.seen (keyed process function)",
			},
		},
		{
			name:    "a schema type that takes the interface name",
			schemas: map[string]string{"v.avsc": taken},
			yaml: `version: 1
name: views
schemas: [v.avsc]
sources:
  clicks: {topics: [c], value: {format: avro, type: t.ViewsOperator}, event_time: {field: ts}}
operators:
  by_user: {input: clicks, key_by: user}
  views:
    input: by_user
    window: {session: {gap: 30m}, process: {output: string}}
sinks:
  out: {input: views, topic: out, key: {format: string}, value: {format: string}}
`,
			want: []string{"Views ViewsOperator2 operators.views (session gap 30m window, process)"},
		},
		{
			name: "no user code",
			yaml: "version: 1\nname: copy\nsources:\n  a: {topics: [a], value: {format: string}}\nsinks:\n  o: {input: a, topic: o, value: {format: string}}\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, set := loadSpec(t, writeSpec(t, tc.yaml, tc.schemas))
			ops, err := gen.UserOperators(s, set, gen.Options{Package: s.Package})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range ops {
				got = append(got, o.Field+" "+o.Interface+" "+o.Path())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestUserOperatorsNeedsACheckedSpec(t *testing.T) {
	if _, err := gen.UserOperators(nil, nil, gen.Options{Package: "p"}); err == nil {
		t.Error("nil spec: no error")
	}
	s, set := loadSpec(t, filepath.Join("testdata", "pipeline", "words", "streamgen.yaml"))
	if _, err := gen.UserOperators(s, set, gen.Options{}); err == nil {
		t.Error("no package: no error")
	}
}
