package pipeline_wordcount

import (
	"flag"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/streamgen/streamgen/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

type words struct{}

func (words) FlatMap(_ *runtime.Context, line string, out *runtime.Emitter[string]) error {
	for _, w := range strings.FieldsFunc(strings.ToLower(line), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if err := out.Emit(w); err != nil {
			return err
		}
	}
	return nil
}

type ones struct{}

func (ones) Map(*runtime.Context, string) (int64, error) { return 1, nil }

type counts struct{}

func (counts) Reduce(a, b int64) (int64, error) { return a + b, nil }

type formatted struct{}

func (formatted) Map(_ *runtime.Context, n int64) (string, error) {
	return strconv.FormatInt(n, 10), nil
}

func ops() Operators {
	return Operators{Words: words{}, Ones: ones{}, Counts: counts{}, Formatted: formatted{}}
}

func TestCountsPerMinute(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithPartitions(3))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d.PipeLines("To be, or not to be!", t0.Add(time.Second))
	d.PipeLines("Be quick.", t0.Add(70*time.Second))
	d.AdvanceWatermark(t0.Add(2 * time.Minute))
	var got []string
	for _, o := range d.ReadCountsOut() {
		got = append(got, o.Timestamp.Format("15:04:05.000")+" "+o.Key+"="+o.Value)
	}
	sort.Strings(got)
	want := []string{"00:00:59.999 be=2", "00:00:59.999 not=1", "00:00:59.999 or=1", "00:00:59.999 to=2", "00:01:59.999 be=1", "00:01:59.999 quick=1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("counts\n got %q\nwant %q", got, want)
	}
}

func TestGolden(t *testing.T) {
	NewTestDriver(t, ops()).Golden(t, filepath.Join("testdata", "lines.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}
