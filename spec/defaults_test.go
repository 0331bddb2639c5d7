package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	src := `version: 1
name: click-stream
sources:
  a: {topics: a, value: {format: string}}
operators:
  f:
    input: a
    filter:
  k: {input: f, key_by: .}
  w:
    input: k
    window:
      tumbling: 1m
      reduce:
sinks:
  s: {input: w, topic: out, value: {format: string}}
`
	s, err := Parse(testFile, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if s.Package != "clickstream" || s.Out != dir || s.Schemas != nil {
		t.Errorf("package %q, out %q, schemas %q", s.Package, s.Out, s.Schemas)
	}
	if s.Commit.Interval != DefaultCommitInterval || s.Commit.MaxRecords != 0 || s.MaxWatermarkDrift != 0 {
		t.Errorf("commit = %+v, watermark alignment %v", s.Commit, s.MaxWatermarkDrift)
	}
	a := s.Sources[0]
	if !reflect.DeepEqual(a.Topics, []string{"a"}) || a.Key.Format != FormatNone || a.Key.Type != nil {
		t.Errorf("source topics %q key %+v", a.Topics, a.Key)
	}
	if a.Start.Mode != StartCommitted || a.Start.Fallback != StartEarliest {
		t.Errorf("start = %+v", a.Start)
	}
	if !a.EventTime.KafkaTimestamp || a.EventTime.Field != nil || a.Watermark.OutOfOrderness != 0 || a.Watermark.Idleness != 0 || a.OnError != ErrorStop {
		t.Errorf("source = %+v", a)
	}
	w := s.Operators[2].Window
	if w.Offset != 0 || w.AllowedLateness != 0 || w.LateOutput != "" || w.Func != WindowReduce {
		t.Errorf("window = %+v", w)
	}
	sk := s.Sinks[0]
	if sk.Partitioner != PartitionKeyHash || sk.Delivery != DeliveryExactlyOnce || sk.Key.Format != FormatNone || sk.Partition != 0 {
		t.Errorf("sink = %+v", sk)
	}
	// A spec of builtins needs no schemas.
	if err := s.Check(nil); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stream("w"); st.Type.Builtin != BuiltinString || st.Key.Builtin != BuiltinString {
		t.Errorf("w = %+v", st)
	}
}

func TestPackageFromName(t *testing.T) {
	for _, tt := range []struct{ name, pkg string }{
		{"clickstream", "clickstream"},
		{"click-stream-2", "clickstream2"},
		{"go", "gopipeline"},
		{"type", "typepipeline"},
	} {
		src := "version: 1\nname: " + tt.name + "\nsources:\n  a: {topics: [a], value: {format: bytes}}\n"
		s, err := Parse(testFile, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if s.Package != tt.pkg {
			t.Errorf("name %s: package %q, want %q", tt.name, s.Package, tt.pkg)
		}
	}
}

func TestParseAnchorsAndNulls(t *testing.T) {
	src := `version: 1
name: t
sources:
  a: &src
    topics: [a]
    value: {format: string}
    start: {committed: }
  b: *src
operators:
  u: {union: [a, b]}
sinks:
  s: {input: u, topic: out, value: {format: string}}
`
	s, err := Parse(testFile, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sources) != 2 || s.Sources[1].Name != "b" || !reflect.DeepEqual(s.Sources[1].Topics, []string{"a"}) {
		t.Errorf("aliased source = %+v", s.Sources[1])
	}
	if st := s.Sources[0].Start; st.Mode != StartCommitted || st.Fallback != StartEarliest {
		t.Errorf("start = %+v", st)
	}
	if err := s.Check(nil); err != nil {
		t.Fatal(err)
	}
}

func TestParseNoSources(t *testing.T) {
	for _, src := range []string{"version: 1\nname: t\nsources: {}\n", "version: 1\nname: t\nsources:\n"} {
		_, err := Parse(testFile, []byte(src))
		diffLines(t, errorLines(t, err), []string{"testdata/p.yaml:3:1: sources: a pipeline needs at least one source"})
	}
}

func TestParseFile(t *testing.T) {
	if _, err := ParseFile(filepath.Join("testdata", "no-such-file.yaml")); !os.IsNotExist(err) {
		t.Errorf("ParseFile of a missing file: %v", err)
	}
	s, err := ParseFile(filepath.Join("testdata", "full", "streamgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.File != filepath.Join("testdata", "full", "streamgen.yaml") {
		t.Errorf("File = %q", s.File)
	}
}

func TestEditDistanceAndSuggest(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"abc", "", 3},
		{"sorces", "sources", 1},
		{"kye_by", "key_by", 1}, // a transposition counts once
		{"agregate", "aggregate", 1},
		{"kitten", "sitting", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
	keys := objectKeys["source"]
	for _, tt := range []struct{ in, want string }{
		{"topic", "topics"},
		{"Topics", "topics"},
		{"evnt_time", "event_time"},
		{"on_eror", "on_error"},
		{"colour", ""},
		{"x", ""},
	} {
		if got := suggest(tt.in, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "1m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{30 * time.Second, "30s"},
		{100 * time.Millisecond, "100ms"},
		{time.Hour + time.Second, "1h0m1s"},
		{0, "0s"},
	} {
		if got := shortDuration(tt.d); got != tt.want {
			t.Errorf("shortDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestTypeRefEqual(t *testing.T) {
	s := checkedFull(t)
	click := func(name string) *TypeRef { st, _ := s.Stream(name); return st.Type }
	str := &TypeRef{Name: "string", Builtin: BuiltinString}
	userKey := func() *TypeRef { st, _ := s.Stream("by_user"); return st.Key }()
	for _, tt := range []struct {
		a, b *TypeRef
		want bool
	}{
		{click("clicks"), click("more_clicks"), true},
		{click("clicks"), click("enriched"), false},
		{str, &TypeRef{Name: "string", Builtin: BuiltinString}, true},
		{str, userKey, true}, // a plain string field is the string builtin
		{str, &TypeRef{Name: "bytes", Builtin: BuiltinBytes}, false},
		{str, click("clicks"), false},
		{nil, nil, true},
		{nil, str, false},
	} {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("%v.Equal(%v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
