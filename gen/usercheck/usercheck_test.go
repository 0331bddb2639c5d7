package usercheck_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/gen/usercheck"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// specYAML is the pipeline of every case (its name and out directory
// vary): a filter, a key_by and a tumbling aggregate window over strings.
const specYAML = `version: 1
name: NAME
out: OUT
sources:
  lines: {topics: [lines], key: {format: string}, value: {format: string}}
operators:
  clean:
    input: lines
    filter: {}
  by_word:
    input: clean
    key_by: .
  views:
    input: by_word
    window:
      tumbling: 1m
      aggregate: {accumulator: int64, output: string}
sinks:
  out: {input: views, topic: out, key: {format: string}, value: {format: string}}
`

// Operator implementations, in pieces the cases combine.
const (
	header = "package PKG\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/streamgen/streamgen/runtime\"\n)\n\nvar _ = fmt.Sprint\n\n"
	clean  = "type clean struct{}\n\nfunc (clean) Filter(_ *runtime.Context, s string) (bool, error) { return s != \"\", nil }\n\n"
	views  = "type views struct{}\n\nfunc (views) CreateAccumulator() int64 { return 0 }\nfunc (views) Add(_ string, acc int64) int64 { return acc + 1 }\nfunc (views) Merge(a, b int64) int64 { return a + b }\n"
	result = "func (views) Result(key string, w runtime.Window, acc int64) (string, error) {\n\treturn fmt.Sprint(key, acc), nil\n}\n\n"
)

// A case is one pipeline package of the scratch module: its spec, the user
// code beside it, and what check reports.
type checkCase struct {
	name  string
	out   string            // the spec's out, "." by default
	files map[string]string // user files, relative to the case directory; PKG is the package name
	stale bool              // the generated code is stale: edit operators.gen.go after generating...
	extra bool              // ...or add a generated file the generator no longer produces
	nogen bool              // do not generate

	want      []string // Problem.String() of every problem, in order
	wantPkgs  []string // checked packages, relative to the module path
	generated bool
}

var cases = []checkCase{
	{
		name: "ok",
		files: map[string]string{
			"ops.go":      header + clean + views + result + "func ops() Operators { return Operators{Clean: clean{}, Views: views{}} }\n",
			"ops_test.go": "package PKG\n\nimport \"testing\"\n\nfunc TestOps(t *testing.T) { NewTestDriver(t, ops()) }\n",
		},
		generated: true,
		wantPkgs:  []string{"ok"},
	},
	{
		name: "wrongsig",
		files: map[string]string{
			"ops.go": header + clean + views +
				"func (views) Result(key string, w runtime.Window, acc int64) string { return fmt.Sprint(key, acc) }\n\n" +
				"func ops() Operators {\n\treturn Operators{\n\t\tClean: clean{},\n\t\tViews: views{},\n\t}\n}\n",
		},
		generated: true,
		want: []string{
			"streamgen.yaml:13:3: operators.views (tumbling 1m window, aggregate): wrongsig/ops.go:25:3: type views does not implement ViewsOperator: method Result has signature func(string, runtime.Window, int64) string, want func(string, runtime.Window, int64) (string, error)",
		},
		wantPkgs: []string{"wrongsig"},
	},
	{
		name: "missing",
		files: map[string]string{
			"ops.go": header + views + result +
				"type noFilter struct{}\n\ntype ptrClean struct{}\n\nfunc (*ptrClean) Filter(_ *runtime.Context, s string) (bool, error) { return true, nil }\n\n" +
				"var a = Operators{Clean: noFilter{}, Views: views{}}\n\nvar b = Operators{ptrClean{}, views{}}\n",
		},
		generated: true,
		want: []string{
			"streamgen.yaml:7:3: operators.clean (filter): missing/ops.go:26:19: type noFilter does not implement CleanOperator: missing method Filter func(*runtime.Context, string) (bool, error)",
			"streamgen.yaml:7:3: operators.clean (filter): missing/ops.go:28:19: type ptrClean does not implement CleanOperator: method Filter has a pointer receiver: put a *ptrClean in the field",
		},
		wantPkgs: []string{"missing"},
	},
	{
		name: "leftout",
		files: map[string]string{
			"ops.go":      header + clean + views + result + "var ops = Operators{Clean: clean{}, Views: nil}\n",
			"ops_test.go": "package PKG_test\n\nimport (\n\t\"testing\"\n\n\tp \"example.com/scratch/leftout\"\n)\n\nfunc TestOps(t *testing.T) {\n\tp.NewTestDriver(t, p.Operators{})\n}\n",
		},
		generated: true,
		want: []string{
			"streamgen.yaml:7:3: warning: operators.clean (filter): leftout/ops_test.go:10:21: the Operators literal leaves Clean out: NewPipeline fails with it",
			"streamgen.yaml:13:3: warning: operators.views (tumbling 1m window, aggregate): leftout/ops.go:24:37: Operators.Views is nil: NewPipeline fails with it",
			"streamgen.yaml:13:3: warning: operators.views (tumbling 1m window, aggregate): leftout/ops_test.go:10:21: the Operators literal leaves Views out: NewPipeline fails with it",
		},
		wantPkgs: []string{"leftout"},
	},
	{
		// The operators live in another package, the spec's generated code
		// in gen/, and the compiler's own errors are mapped to the spec.
		name: "elsewhere",
		out:  "gen",
		files: map[string]string{
			"gen/doc.go": "package PKG\n",
			"main.go": "package main\n\nimport (\n\t\"github.com/streamgen/streamgen/runtime\"\n\n\tp \"example.com/scratch/elsewhere/gen\"\n)\n\n" +
				"type clean struct{}\n\nfunc (clean) Filter(_ *runtime.Context, s string) bool { return s != \"\" }\n\n" +
				"var _ p.CleanOperator = clean{}\n\nvar undefinedThing = nope\n\n" +
				"func main() { _, _ = p.NewPipeline(p.Operators{Clean: clean{}}) }\n",
			"other/other.go": "package other\n\nvar notChecked = nope\n",
		},
		generated: true,
		want: []string{
			"streamgen.yaml:7:3: operators.clean (filter): elsewhere/main.go:13:25: cannot use clean{} (value of struct type clean) as elsewhere.CleanOperator value in variable declaration: clean does not implement elsewhere.CleanOperator (wrong type for method Filter); have Filter(*runtime.Context, string) bool; want Filter(*runtime.Context, string) (bool, error)",
			"streamgen.yaml:7:3: operators.clean (filter): elsewhere/main.go:17:48: type clean does not implement elsewhere.CleanOperator: method Filter has signature func(*runtime.Context, string) bool, want func(*runtime.Context, string) (bool, error)",
			"streamgen.yaml:13:3: warning: operators.views (tumbling 1m window, aggregate): elsewhere/main.go:17:36: the Operators literal leaves Views out: NewPipeline fails with it",
			"elsewhere/main.go:15:22: undefined: nope",
		},
		wantPkgs: []string{"elsewhere", "elsewhere/gen"},
	},
	{
		name: "stale",
		files: map[string]string{
			"ops.go": header + clean + views + "var _ = Operators{Clean: clean{}, Views: views{}}\n",
		},
		stale:     true,
		generated: true,
		want:      []string{"streamgen.yaml:1:1: the generated code is stale (stale/operators.gen.go): run go generate (or streamgen generate)"},
	},
	{
		name: "leftover",
		files: map[string]string{
			"ops.go": header + clean + views + result + "var _ = Operators{Clean: clean{}, Views: views{}}\n",
		},
		stale:     true,
		extra:     true,
		generated: true,
		want:      []string{"streamgen.yaml:1:1: the generated code is stale (generated files no longer produced in leftover): run go generate (or streamgen generate)"},
	},
	{
		name:  "nogen",
		files: map[string]string{"ops.go": "package PKG\n\nvar broken = nope\n"},
		nogen: true,
	},
}

// TestCheck builds one scratch module holding every case's package and
// checks each.
func TestCheck(t *testing.T) {
	files := map[string][]byte{}
	for _, tc := range cases {
		for name, src := range tc.files {
			files[filepath.Join(tc.name, name)] = []byte(strings.ReplaceAll(src, "PKG", tc.name))
		}
		out := tc.out
		if out == "" {
			out = "."
		}
		y := strings.NewReplacer("NAME", tc.name, "OUT", out).Replace(specYAML)
		files[filepath.Join(tc.name, "streamgen.yaml")] = []byte(y)
	}
	root := gotest.Module(t, files)
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	for _, tc := range cases {
		s, set := load(t, filepath.Join(root, tc.name, "streamgen.yaml"))
		if tc.nogen {
			continue
		}
		generated, err := gen.Pipeline(s, set, gen.Options{Package: s.Package})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gen.WriteDir(s.Out, generated); err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.extra:
			old := "// " + gen.Header + "\n\npackage " + tc.name + "\n"
			if err := os.WriteFile(filepath.Join(s.Out, "old.gen.go"), []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
		case tc.stale:
			p := filepath.Join(s.Out, "operators.gen.go")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, append(data, "\n// edited\n"...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specPath := filepath.Join(root, tc.name, "streamgen.yaml")
			s, set := load(t, specPath)
			// Spec positions are reported with the path the spec was
			// opened with: make it the short one a user types.
			s.Pos.File = "streamgen.yaml"
			for _, op := range s.Operators {
				op.Pos.File = "streamgen.yaml"
			}
			r, err := usercheck.Check(s, set, usercheck.Options{RelTo: root, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range r.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
			}
			var pkgs []string
			for _, p := range r.Packages {
				pkgs = append(pkgs, strings.TrimPrefix(p, "example.com/scratch/"))
			}
			if !reflect.DeepEqual(pkgs, tc.wantPkgs) {
				t.Errorf("packages %q, want %q", pkgs, tc.wantPkgs)
			}
			if r.Generated != tc.generated || r.Stale != tc.stale || (r.Diff != "") != tc.stale {
				t.Errorf("generated %v stale %v diff %q, want generated %v stale %v", r.Generated, r.Stale, r.Diff, tc.generated, tc.stale)
			}
			wantErrors := 0
			for _, w := range tc.want {
				if !strings.Contains(w, ": warning: ") {
					wantErrors++
				}
			}
			if r.Errors() != wantErrors {
				t.Errorf("%d errors, want %d", r.Errors(), wantErrors)
			}
		})
	}
}

func load(t *testing.T, path string) (*spec.Spec, *schema.Schema) {
	t.Helper()
	s, set, err := spec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, set
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    usercheck.Problem
		want string
	}{
		{usercheck.Problem{Msg: "m"}, "m"},
		{usercheck.Problem{GoPos: "a.go:1:2", Msg: "m"}, "a.go:1:2: m"},
		{usercheck.Problem{Pos: schema.Pos{File: "s.yaml", Line: 3, Col: 4}, Path: "operators.x (map)", GoPos: "a.go:1:2", Msg: "m", Warning: true}, "s.yaml:3:4: warning: operators.x (map): a.go:1:2: m"},
		{usercheck.Problem{Pos: schema.Pos{File: "s.yaml", Line: 1, Col: 1}, Msg: "m"}, "s.yaml:1:1: m"},
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
