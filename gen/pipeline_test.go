package gen_test

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// The pipeline cases live in testdata/pipeline/<case>: a streamgen.yaml,
// its schemas, and ops_test.go, the operator implementations a user would
// write with Go tests that drive the generated TestDriver.
var pipelineCases = []string{"clicks", "words", "formats"}

// loadSpec parses and checks a spec file and loads its schemas.
func loadSpec(t *testing.T, path string) (*spec.Spec, *schema.Schema) {
	t.Helper()
	s, set, err := spec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, set
}

// generate generates the pipeline of a spec file.
func generate(t *testing.T, path string) []gen.File {
	t.Helper()
	s, set := loadSpec(t, path)
	files, err := gen.Pipeline(s, set, gen.Options{Package: s.Package})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// writeSpec writes a spec and its schema files into a temporary directory
// and returns the spec's path.
func writeSpec(t *testing.T, yaml string, schemas map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range schemas {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "streamgen.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mismatch implements the words pipeline with the flat_map's signature of
// the spec's documentation ([]Out, error) instead of the generated
// interface's.
const mismatch = `package words

import "github.com/streamgen/streamgen/runtime"

type splitWords struct{}

func (splitWords) FlatMap(_ *runtime.Context, line string) ([]string, error) { return []string{line}, nil }

var _ = Operators{Words: splitWords{}}
`

// TestPipelineBehaviour generates every case into one scratch module with
// its operator implementations and tests, vets it, and runs the tests: real
// window results, lateness and late output, session merges, timers in both
// domains, state of every kind with TTL surviving Reopen, side outputs,
// dead letters with their headers, every format, schema resolution, golden
// fixtures. The spec of docs/spec.md is generated and vetted with them. A
// second package implements an operator with the wrong signature and must
// fail to compile, naming the operator interface.
func TestPipelineBehaviour(t *testing.T) {
	files := map[string][]byte{}
	for _, c := range pipelineCases {
		dir := filepath.Join("testdata", "pipeline", c)
		for _, f := range generate(t, filepath.Join(dir, "streamgen.yaml")) {
			files[c+"/"+f.Name] = f.Content
		}
		ops, err := os.ReadFile(filepath.Join(dir, "ops_test.go"))
		if err != nil {
			t.Fatal(err)
		}
		files[c+"/ops_test.go"] = ops
	}
	for _, f := range generate(t, filepath.Join("..", "spec", "testdata", "full", "streamgen.yaml")) {
		files["full/"+f.Name] = f.Content
	}
	for _, f := range generate(t, filepath.Join("testdata", "pipeline", "words", "streamgen.yaml")) {
		files["mismatch/"+f.Name] = f.Content
	}
	files["mismatch/app.go"] = []byte(mismatch)

	dir := gotest.Module(t, files)
	gotest.Go(t, dir, "vet", "./clicks", "./words", "./formats", "./full")
	out := gotest.Go(t, dir, "test", "-count=1", "./clicks", "./words", "./formats")
	for _, c := range pipelineCases {
		if !strings.Contains(out, "ok  \texample.com/scratch/"+c) {
			t.Errorf("case %s did not pass:\n%s", c, out)
		}
	}

	msg, err := gotest.GoErr(dir, "build", "./mismatch")
	if err == nil {
		t.Fatal("an operator with the wrong method signature compiled")
	}
	if !strings.Contains(msg, "does not implement WordsOperator") || !strings.Contains(msg, "wrong type for method FlatMap") {
		t.Fatalf("the compiler error does not name the operator interface and method:\n%s", msg)
	}
}

// TestPipelineOutput checks the files themselves: names, header, gofmt,
// determinism, the version check, and the API the contract names.
func TestPipelineOutput(t *testing.T) {
	tests := []struct {
		spec     string
		names    []string
		versions map[string]bool // files that carry the version check
		contains map[string][]string
	}{
		{
			spec:     filepath.Join("testdata", "pipeline", "clicks", "streamgen.yaml"),
			names:    []string{"types.gen.go", "avro.gen.go", "registry.gen.go", "operators.gen.go", "pipeline.gen.go", "driver.gen.go"},
			versions: map[string]bool{"registry.gen.go": true},
			contains: map[string][]string{
				"operators.gen.go": {
					"type ViewsOperator interface {",
					"Result(key string, w runtime.Window, acc int64) (UserViews, error)",
					"ProcessElement(c *QuietContext, v Click, out *runtime.Emitter[Alert]) error",
					"OnTimer(c *QuietContext, tm runtime.Timer, out *runtime.Emitter[Alert]) error",
					"ReduceTotal(a, b int64) (int64, error)",
					"LastSeen *runtime.ValueState[int64]",
					"Counts *runtime.MapState[string, int64]",
					"func (c *QuietContext) Key() string",
					"func (c *QuietContext) EmitErrors(v string) error",
					"Views ViewsOperator",
				},
				"pipeline.gen.go": {
					"func NewPipeline(ops Operators, opts ...runtime.PipelineOption) (*Pipeline, error)",
					"func (p *Pipeline) Spec() runtime.PipelineSpec",
					`runtime.NewValueState[int64](t, "quiet.last_seen", runtime.Int64Codec{}, time.Hour)`,
					`runtime.AddSourceWithDeadLetter[Click](`,
					`"clicks-dlq"`,
					"AllowedLateness: 10 * time.Second",
					"runtime.SessionWindows(5 * time.Minute)",
					"EmitOnClose:     true",
					"func QueryViews(ctx context.Context, q runtime.StateQuerier, key string) ([]runtime.Windowed[int64], error)",
					"func QueryPages(ctx context.Context, q runtime.StateQuerier, key string) ([]runtime.Windowed[[]Click], error)",
					"func QueryQuietCounts(ctx context.Context, q runtime.StateQuerier, key string) (map[string]int64, error)",
					"func QueryHandler(q runtime.StateQuerier) http.Handler",
					`Path: "/state/quiet/counts"`,
					`Path: "/state/views"`,
				},
				"driver.gen.go": {
					"func NewTestDriver(t testing.TB, ops Operators, opts ...TestDriverOption) *TestDriver",
					"func (d *TestDriver) PipeClicks(key string, v Click, ts time.Time)",
					"func (d *TestDriver) PipeClicksRaw(key, value []byte, ts time.Time, headers ...runtime.Header) error",
					"func (d *TestDriver) ReadViewsOut() []runtime.Output[string, UserViews]",
					"func (d *TestDriver) ReadLateClicks() []Click",
					"func (d *TestDriver) ReadQuietNotes() []string",
					"func (d *TestDriver) QuietCounts(key string) map[string]int64",
					"func (d *TestDriver) QuietRecent(key string) []Click",
					"func (d *TestDriver) ViewsWindows(key string) []runtime.Windowed[int64]",
					"func (d *TestDriver) PagesWindows(key string) []runtime.Windowed[[]Click]",
					"func (d *TestDriver) Golden(t testing.TB, inputsPath, goldenPath string, update bool)",
				},
			},
		},
		{
			spec:     filepath.Join("testdata", "pipeline", "words", "streamgen.yaml"),
			names:    []string{"operators.gen.go", "pipeline.gen.go", "driver.gen.go"},
			versions: map[string]bool{"pipeline.gen.go": true},
			contains: map[string][]string{
				"pipeline.gen.go": {
					"runtime.AddRepartitionSource[string](t, inputs[3].Topics[0], runtime.StringCodec{}, runtime.WatermarkStrategy{}, opOnes)",
					"runtime.KeyBy[string, string](sgKeyByWord, runtime.StringCodec{}, shuffleByWord)",
					`Topics: []string{p.name + "-by_word-repartition"}`,
					"runtime.Union[string](opWords)",
					"runtime.NewWindowReduce[int64]",
					"Partitioner: runtime.Fixed",
				},
				"driver.gen.go": {
					"func (d *TestDriver) PipeMoreLines(key []byte, v string, ts time.Time)",
					"func (d *TestDriver) PipeLines(v string, ts time.Time)",
					"func (d *TestDriver) ReadReversedOut() []runtime.Output[runtime.NoKey, []byte]",
				},
			},
		},
		{
			spec:     filepath.Join("testdata", "pipeline", "formats", "streamgen.yaml"),
			names:    []string{"types.gen.go", "avro.gen.go", "registry.gen.go", "json.gen.go", "operators.gen.go", "pipeline.gen.go", "driver.gen.go"},
			versions: map[string]bool{"registry.gen.go": true, "json.gen.go": true},
			contains: map[string][]string{
				"pipeline.gen.go": {
					"type sgKindCodec struct{}",
					"type sgUUIDCodec struct{}",
					"runtime.JSONCodec[Status]{}",
					"convFmtEventToV2Event",
					"runtime.NewSingleObjectFraming(",
				},
				"operators.gen.go": {"func (c *DedupContext) Key() codec.UUID", "func (c *KindsContext) Key() Kind"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(filepath.Dir(tc.spec)), func(t *testing.T) {
			files := generate(t, tc.spec)
			again := generate(t, tc.spec)
			var names []string
			byName := map[string][]byte{}
			for i, f := range files {
				names = append(names, f.Name)
				byName[f.Name] = f.Content
				if !bytes.Equal(f.Content, again[i].Content) {
					t.Errorf("%s differs between two runs", f.Name)
				}
				if !bytes.HasPrefix(f.Content, []byte("// "+gen.Header+"\n")) {
					t.Errorf("%s lacks the header", f.Name)
				}
				formatted, err := format.Source(f.Content)
				if err != nil || !bytes.Equal(formatted, f.Content) {
					t.Errorf("%s is not gofmt-clean (%v)", f.Name, err)
				}
				has := bytes.Contains(f.Content, []byte("codec.EnforceVersion("))
				if has != tc.versions[f.Name] {
					t.Errorf("%s: version check present = %v, want %v", f.Name, has, tc.versions[f.Name])
				}
			}
			if strings.Join(names, " ") != strings.Join(tc.names, " ") {
				t.Errorf("files %v, want %v", names, tc.names)
			}
			for name, wants := range tc.contains {
				for _, w := range wants {
					if !bytes.Contains(byName[name], []byte(w)) {
						t.Errorf("%s lacks %q", name, w)
					}
				}
			}
		})
	}
}

// TestPipelineErrors lists what the generator refuses, each error naming
// the spec position and path.
func TestPipelineErrors(t *testing.T) {
	const avsc = `[
  {"type": "enum", "name": "Suit", "namespace": "t", "symbols": ["A", "B"]},
  {"type": "record", "name": "Card", "namespace": "t", "fields": [{"name": "suit", "type": "Suit"}, {"name": "n", "type": "int"}]}
]`
	const clash = `{"type": "record", "name": "Pipeline", "namespace": "u", "fields": [{"name": "x", "type": "int"}]}`
	const order = `{"title": "Order", "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "note": {"type": "string"}}}`
	tests := []struct {
		name string
		yaml string
		want *regexp.Regexp
	}{
		{
			"avro format of an enum",
			"version: 1\nname: p\nschemas: [a.avsc]\nsources:\n  s:\n    topics: [s]\n    key: {format: avro, type: t.Suit}\n    value: {format: avro, type: t.Card}\nsinks:\n  o: {input: s, topic: o, value: {format: avro, type: t.Card}}\n",
			regexp.MustCompile(`streamgen\.yaml:7:\d+: sources\.s\.key: format avro of t\.Suit is not supported: the generated pipeline reads and writes Avro records only`),
		},
		{
			"optional JSON property as a key",
			"version: 1\nname: p\nschemas: [o.json]\nsources:\n  s: {topics: [s], value: {format: json, type: Order}}\noperators:\n  k: {input: s, key_by: note}\nsinks:\n  o: {input: k, topic: o, key: {format: string}, value: {format: json, type: Order}}\n",
			regexp.MustCompile(`streamgen\.yaml:7:\d+: operators\.k\.key_by: field note: property note is optional in its JSON Schema`),
		},
		{
			"a type named like the generated API",
			"version: 1\nname: p\nschemas: [a.avsc, b.avsc]\nsources:\n  s: {topics: [s], value: {format: avro, type: t.Card}}\nsinks:\n  o: {input: s, topic: o, value: {format: avro, type: t.Card}}\n",
			regexp.MustCompile(`b\.avsc:1:1: u\.Pipeline: its Go name Pipeline is taken by the generated pipeline code \(package p\): rename the type`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeSpec(t, tc.yaml, map[string]string{"a.avsc": avsc, "b.avsc": clash, "o.json": order})
			s, set := loadSpec(t, path)
			_, err := gen.Pipeline(s, set, gen.Options{Package: "p"})
			if err == nil || !tc.want.MatchString(err.Error()) {
				t.Fatalf("error %v, want %s", err, tc.want)
			}
		})
	}
	s, err := spec.Parse("streamgen.yaml", []byte("version: 1\nname: p\nsources:\n  s: {topics: [s], value: {format: string}}\nsinks:\n  o: {input: s, topic: o, value: {format: string}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Pipeline(s, nil, gen.Options{Package: "p"}); err == nil || !strings.Contains(err.Error(), "Check") {
		t.Fatalf("an unchecked spec: %v", err)
	}
	if err := s.Check(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Pipeline(s, nil, gen.Options{}); err == nil || !strings.Contains(err.Error(), "Package") {
		t.Fatalf("no package: %v", err)
	}
	if _, err := gen.Pipeline(s, nil, gen.Options{Package: "p"}); err != nil {
		t.Fatalf("a spec of builtins only: %v", err)
	}
}
