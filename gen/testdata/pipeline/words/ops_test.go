package words

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

type splitWords struct{}

func (splitWords) FlatMap(_ *runtime.Context, line string, out *runtime.Emitter[string]) error {
	for _, w := range strings.Split(line, " ") {
		if err := out.Emit(w); err != nil {
			return err
		}
	}
	return nil
}

type nonEmpty struct{}

func (nonEmpty) Filter(_ *runtime.Context, w string) (bool, error) { return w != "", nil }

type one struct{}

func (one) Map(*runtime.Context, string) (int64, error) { return 1, nil }

type sum struct{}

func (sum) Reduce(a, b int64) (int64, error) { return a + b, nil }

type countText struct{}

func (countText) Map(_ *runtime.Context, n int64) (string, error) {
	return strconv.FormatInt(n, 10), nil
}

type reverse struct{}

func (reverse) Map(_ *runtime.Context, b []byte) ([]byte, error) {
	out := slices.Clone(b)
	slices.Reverse(out)
	return out, nil
}

func ops() Operators {
	return Operators{Words: splitWords{}, NonEmpty: nonEmpty{}, Ones: one{}, Counts: sum{}, CountText: countText{}, Reversed: reverse{}}
}

func at(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func counts(outs []runtime.Output[string, string]) map[string]string {
	m := map[string]string{}
	for _, o := range outs {
		m[o.Key] = o.Value
	}
	return m
}

func TestWordCountOverAUnionWithAPatternSource(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithPartitions(2))
	d.PipeLines("a b  a", at(1_000))
	d.PipeMoreLines([]byte("k"), "b c", at(2_000))
	if got := d.ReadCountsOut(); len(got) != 0 {
		t.Fatalf("counts before the window closed: %+v", got)
	}
	d.AdvanceWatermark(at(60_000))
	got := d.ReadCountsOut()
	if want := map[string]string{"a": "2", "b": "2", "c": "1"}; !reflect.DeepEqual(counts(got), want) || len(got) != 3 {
		t.Fatalf("counts %+v, want %v", got, want)
	}
	for _, o := range got {
		if !o.Timestamp.Equal(at(59_999)) {
			t.Fatalf("count at %v, want the window's last millisecond", o.Timestamp)
		}
	}
}

func TestPatternSourceTopicsAndSpec(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithPipelineOptions(runtime.WithTopics("more_lines", "lines.eu", "lines.us")))
	d.PipeMoreLines(nil, "x", at(1_000))
	d.AdvanceWatermark(at(60_000))
	if got := counts(d.ReadCountsOut()); !reflect.DeepEqual(got, map[string]string{"x": "1"}) {
		t.Fatalf("counts %v", got)
	}
	if out := d.Runtime().OutputTopics(); len(out) != 0 {
		t.Fatalf("unread outputs %v", out)
	}
	p, err := NewPipeline(ops())
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec()
	in := s.Inputs[1]
	if in.Name != "more_lines" || in.TopicPattern != `lines\..*` || len(in.Topics) != 0 || in.Start.Mode != runtime.StartLatest {
		t.Fatalf("pattern input %+v", in)
	}
	if b := s.Inputs[2]; b.Start.Mode != runtime.StartOffsets || b.Start.Offsets[0] != 5 {
		t.Fatalf("blobs input %+v", b)
	}
	if o := s.Outputs[1]; o.Partitioner != runtime.Fixed || o.Partition != 1 || o.Delivery != runtime.AtLeastOnce {
		t.Fatalf("reversed_out %+v", o)
	}
	if s.CommitInterval != time.Second || s.CommitMaxRecords != 100 {
		t.Fatalf("commit %v %d", s.CommitInterval, s.CommitMaxRecords)
	}
	// A runner resolving the pattern fills the topics before building.
	s.Inputs[1].Topics = []string{"lines.asia"}
	drv, err := runtime.NewDriver(runtime.DriverConfig{Dir: t.TempDir()}, s.Build)
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if err := drv.Pipe("lines.asia", nil, []byte("y y"), 1_000); err != nil {
		t.Fatal(err)
	}
	if err := drv.AdvanceWatermark(60_000); err != nil {
		t.Fatal(err)
	}
	if out := drv.Output("word-counts"); len(out) != 1 || string(out[0].Key) != "y" || string(out[0].Value) != "2" {
		t.Fatalf("runner-built task output %+v", out)
	}
	// A runner that does not resolve it hands the records of matching
	// topics over under the pattern's name.
	unresolved, err := runtime.NewDriver(runtime.DriverConfig{Dir: t.TempDir()}, p.Spec().Build)
	if err != nil {
		t.Fatal(err)
	}
	defer unresolved.Close()
	if err := unresolved.Pipe(`lines\..*`, nil, []byte("z"), 1_000); err != nil {
		t.Fatal(err)
	}
	if err := unresolved.AdvanceWatermark(60_000); err != nil {
		t.Fatal(err)
	}
	if out := unresolved.Output("word-counts"); len(out) != 1 || string(out[0].Key) != "z" {
		t.Fatalf("pattern-named task output %+v", out)
	}
}

func TestBytesAndGolden(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeBlobs([]byte{1, 2, 3}, at(5))
	if got := d.ReadReversedOut(); len(got) != 1 || !reflect.DeepEqual(got[0].Value, []byte{3, 2, 1}) || got[0].Timestamp != at(5) {
		t.Fatalf("reversed %+v", got)
	}

	dir := t.TempDir()
	inputs := filepath.Join(dir, "in.jsonl")
	golden := filepath.Join(dir, "testdata", "out.golden")
	if err := os.WriteFile(inputs, []byte(`{"source":"lines","ts":"1970-01-01T00:00:01Z","value":"to be or not to be"}
{"source":"more_lines","key":"AAE=","ts":"1970-01-01T00:00:02Z","value":"be"}
{"source":"blobs","ts":"1970-01-01T00:00:03Z","value":"AQID"}
{"advance_watermark":"1970-01-01T00:01:00Z"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	NewTestDriver(t, ops()).Golden(t, inputs, golden, true)
	got, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	// Windows of one time fire in the order of their timers' keys, which
	// sort by length first.
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	want := []string{
		`{"output":"counts_out","ts":"1970-01-01T00:00:59.999Z","key":"be","value":"3"}`,
		`{"output":"counts_out","ts":"1970-01-01T00:00:59.999Z","key":"or","value":"1"}`,
		`{"output":"counts_out","ts":"1970-01-01T00:00:59.999Z","key":"to","value":"2"}`,
		`{"output":"counts_out","ts":"1970-01-01T00:00:59.999Z","key":"not","value":"1"}`,
		`{"output":"reversed_out","ts":"1970-01-01T00:00:03Z","value":"AwIB"}`,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("golden:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	NewTestDriver(t, ops()).Golden(t, inputs, golden, false)
}
