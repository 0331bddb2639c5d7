package wordcount

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// t0 is the start of the first minute of every test.
var t0 = time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)

// counts reads word-counts and renders each record as
// "09:00 to=2": the window's minute, the word (the key) and the count.
func counts(d *TestDriver) []string {
	var s []string
	for _, o := range d.ReadCountsOut() {
		minute := o.Timestamp.Add(time.Millisecond - time.Minute) // the window's last ms -> its start
		s = append(s, fmt.Sprintf("%s %s=%s", minute.Format("15:04"), o.Key, o.Value))
	}
	slices.Sort(s)
	return s
}

func check(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("word-counts\n got: %q\nwant: %q", got, want)
	}
}

// TestWords checks how lines are split into words.
func TestWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"To be, or not to be!", []string{"be=2", "not=1", "or=1", "to=2"}},
		{"Don't panic: 'tis 42.", []string{"42=1", "don't=1", "panic=1", "tis=1"}},
		{"Ça va? ÇA VA.", []string{"va=2", "ça=2"}},
		{"東京 and 東京", []string{"and=1", "東京=2"}},
		{"  -- ... ''' !!!", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			d := NewTestDriver(t, NewOperators())
			d.PipeLines(tt.line, t0)
			d.AdvanceWatermark(t0.Add(time.Minute))
			var got []string
			for _, c := range counts(d) {
				got = append(got, strings.TrimPrefix(c, "09:00 "))
			}
			check(t, got, tt.want)
		})
	}
}

// TestCountsPerMinute counts words in one-minute windows of the lines'
// Kafka timestamps. A minute is written once event time passes its end:
// when a line 2s (the out-of-orderness bound) past it arrives.
func TestCountsPerMinute(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	d.PipeLines("the quick brown fox", t0.Add(10*time.Second))
	d.PipeLines("jumps over the lazy dog", t0.Add(61*time.Second))
	d.PipeLines("the end", t0.Add(59*time.Second)) // 2s out of order: still in the first minute
	check(t, counts(d), nil)
	d.PipeLines("the dog sleeps", t0.Add(62*time.Second)) // event time reaches 09:01:00
	check(t, counts(d), []string{"09:00 brown=1", "09:00 end=1", "09:00 fox=1", "09:00 quick=1", "09:00 the=2"})
	d.AdvanceWatermark(t0.Add(2 * time.Minute))
	check(t, counts(d), []string{"09:01 dog=2", "09:01 jumps=1", "09:01 lazy=1", "09:01 over=1", "09:01 sleeps=1", "09:01 the=2"})
}

// TestCountsSurviveRestart stops the pipeline in the middle of a minute:
// the counts so far are state in pebble, committed with the input offsets,
// and the restarted pipeline goes on from them.
func TestCountsSurviveRestart(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	d.PipeLines("a rose is a rose", t0.Add(5*time.Second))
	d.Reopen()
	d.PipeLines("is a rose", t0.Add(30*time.Second))
	d.AdvanceWatermark(t0.Add(time.Minute))
	check(t, counts(d), []string{"09:00 a=3", "09:00 is=2", "09:00 rose=3"})
}

// TestCountsAreGlobalAcrossPartitions feeds the same words on different
// input partitions: by_word repartitions them by word, so each word is
// counted once, in the task its key hashes to, not once per partition.
func TestCountsAreGlobalAcrossPartitions(t *testing.T) {
	tests := []struct {
		partitions int32
		lines      map[int32]string
		want       []string
	}{
		{2, map[int32]string{0: "the cat", 1: "the dog"}, []string{"09:00 cat=1", "09:00 dog=1", "09:00 the=2"}},
		{3, map[int32]string{0: "a b", 1: "b a", 2: "a"}, []string{"09:00 a=3", "09:00 b=2"}},
		{4, map[int32]string{1: "x", 3: "x x"}, []string{"09:00 x=3"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.partitions), func(t *testing.T) {
			d := NewTestDriver(t, NewOperators(), runtime.WithPartitions(tt.partitions))
			for p := range tt.partitions {
				line, ok := tt.lines[p]
				if !ok {
					continue
				}
				r := runtime.Record{Topic: "lines", Partition: p, Value: []byte(line), Timestamp: t0.Add(time.Second).UnixMilli()}
				if err := d.Runtime().PipeRecord(r); err != nil {
					t.Fatal(err)
				}
			}
			d.AdvanceWatermark(t0.Add(time.Minute))
			check(t, counts(d), tt.want)
		})
	}
}

// TestGolden feeds testdata/lines.jsonl and compares the counts with
// testdata/outputs.golden (go test -run TestGolden -update rewrites it).
func TestGolden(t *testing.T) {
	NewTestDriver(t, NewOperators()).Golden(t, filepath.Join("testdata", "lines.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}

// TestGeneratedCodeIsCurrent fails when streamgen.yaml or the generator
// changed without a go generate.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	diff, err := gen.StaleDiff("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the committed generated code is stale; run go generate ./examples/wordcount\n%s", diff)
	}
}
