package runtime

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

const wordsTopic = "wc-by_word-repartition"

// wordCount is the word count in miniature, split at a repartitioning
// key_by: lines are split into words, keyed by the word and shuffled
// through wordsTopic; downstream, 10 ms tumbling windows count each word.
func wordCount(t *Task) error {
	counts, err := NewWindowAggregate[string, int64, int64](t, "counts", WindowSpec[string]{
		Assigner: TumblingWindows(10*time.Millisecond, 0),
	}, countAgg{}, Int64Codec{}, NodeFunc[Windowed[int64]](func(c *Context, w *Windowed[int64]) error {
		return c.Task().sink.Send(&OutRecord{
			Topic: "counts", Partition: AnyPartition, Key: append([]byte(nil), c.Key()...),
			Value: fmt.Appendf(nil, "[%d,%d)=%d@task%d", w.Window.Start, w.Window.End, w.Value, c.TaskID()), Timestamp: c.Timestamp(),
		})
	}))
	if err != nil {
		return err
	}
	wm := WatermarkStrategy{OutOfOrderness: 2 * time.Millisecond}
	if err := AddRepartitionSource[string](t, wordsTopic, StringCodec{}, wm, counts); err != nil {
		return err
	}
	shuffle, err := NewRepartitionSink[string](t, wordsTopic, StringCodec{})
	if err != nil {
		return err
	}
	byWord := KeyBy[string, string](func(w *string) string { return *w }, StringCodec{}, shuffle)
	split := FlatMap[string, string](func(_ *Context, line *string, out *Emitter[string]) error {
		for _, w := range strings.Fields(*line) {
			if err := out.Emit(w); err != nil {
				return err
			}
		}
		return nil
	}, byWord)
	_, err = AddSource(t, SourceConfig[string]{
		Topic: "lines", Deserializer: ValueDeserializer[string](StringCodec{}), Watermark: wm,
	}, split)
	return err
}

func TestRepartitionCountsAreGlobal(t *testing.T) {
	tests := []struct {
		name       string
		partitions int32
		manual     bool
	}{
		{"one partition", 1, false},
		{"three partitions", 3, false},
		{"four partitions, manual commit", 4, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: tc.partitions, ManualCommit: tc.manual}, wordCount)
			ok(t, err)
			defer d.Close()
			// The same words arrive on every input partition.
			for p := range tc.partitions {
				ok(t, d.PipeRecord(Record{Topic: "lines", Partition: p, Value: []byte("to be or not to be"), Timestamp: int64(p)}))
			}
			if len(d.Output(wordsTopic)) != 0 {
				t.Fatalf("repartition records are outputs: %v", render(d.Output(wordsTopic)))
			}
			ok(t, d.AdvanceWatermark(9))
			if tc.manual {
				if n := len(d.Output("counts")); n != 0 {
					t.Fatalf("%d outputs visible before the commit", n)
				}
				ok(t, d.Commit())
			}
			got := render(d.TakeOutput("counts"))
			sort.Strings(got)
			n := int(tc.partitions)
			task := func(w string) int32 { return KeyPartition([]byte(w), tc.partitions) }
			want := []string{
				fmt.Sprintf("be [0,10)=%d@task%d@9", 2*n, task("be")),
				fmt.Sprintf("not [0,10)=%d@task%d@9", n, task("not")),
				fmt.Sprintf("or [0,10)=%d@task%d@9", n, task("or")),
				fmt.Sprintf("to [0,10)=%d@task%d@9", 2*n, task("to")),
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("counts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestRepartitionChained crosses two repartition topics: words by word,
// then their first letters by letter, counting letters per window.
func TestRepartitionChained(t *testing.T) {
	build := func(t *Task) error {
		counts, err := NewWindowAggregate[string, int64, int64](t, "letters", WindowSpec[string]{
			Assigner: TumblingWindows(10*time.Millisecond, 0),
		}, countAgg{}, Int64Codec{}, NodeFunc[Windowed[int64]](func(c *Context, w *Windowed[int64]) error {
			return c.Task().sink.Send(&OutRecord{Topic: "letters", Key: append([]byte(nil), c.Key()...),
				Value: fmt.Appendf(nil, "%d", w.Value), Timestamp: c.Timestamp()})
		}))
		if err != nil {
			return err
		}
		if err := AddRepartitionSource[string](t, "by_letter", StringCodec{}, WatermarkStrategy{}, counts); err != nil {
			return err
		}
		toLetters, err := NewRepartitionSink[string](t, "by_letter", StringCodec{})
		if err != nil {
			return err
		}
		byLetter := KeyBy[string, string](func(w *string) string { return (*w)[:1] }, StringCodec{}, toLetters)
		// Downstream of the first shuffle, a word must be in the task its
		// key hashes to.
		check := NodeFunc[string](func(c *Context, w *string) error {
			if want := KeyPartition([]byte(*w), 3); TaskID(want) != c.TaskID() || string(c.Key()) != *w {
				return fmt.Errorf("word %q (key %q) in task %d, want %d", *w, c.Key(), c.TaskID(), want)
			}
			return byLetter.Push(c, w)
		})
		if err := AddRepartitionSource[string](t, "by_word", StringCodec{}, WatermarkStrategy{}, check); err != nil {
			return err
		}
		toWords, err := NewRepartitionSink[string](t, "by_word", StringCodec{})
		if err != nil {
			return err
		}
		byWord := KeyBy[string, string](func(w *string) string { return *w }, StringCodec{}, toWords)
		_, err = AddSource(t, SourceConfig[string]{Topic: "words", Deserializer: ValueDeserializer[string](StringCodec{})}, byWord)
		return err
	}
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 3}, build)
	ok(t, err)
	defer d.Close()
	for i, w := range []string{"apple", "avocado", "banana", "apple", "blueberry", "cherry", "apricot"} {
		ok(t, d.PipeRecord(Record{Topic: "words", Partition: int32(i % 3), Value: []byte(w), Timestamp: int64(i)}))
	}
	ok(t, d.AdvanceWatermark(9))
	got := render(d.TakeOutput("letters"))
	sort.Strings(got)
	if want := []string{"a 4@9", "b 2@9", "c 1@9"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("letters %v, want %v", got, want)
	}
}

func TestRepartitionAbortDropsShuffledWork(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 2, ManualCommit: true}, wordCount)
	ok(t, err)
	defer d.Close()
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 0, Value: []byte("a a"), Timestamp: 1}))
	ok(t, d.Abort())
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 1, Value: []byte("a"), Timestamp: 2}))
	ok(t, d.AdvanceWatermark(9))
	ok(t, d.Commit())
	got := render(d.TakeOutput("counts"))
	want := fmt.Sprintf("a [0,10)=1@task%d@9", KeyPartition([]byte("a"), 2))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("after an abort: %v, want [%s]", got, want)
	}
}

func TestRepartitionStateSurvivesRestore(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 2}, wordCount)
	ok(t, err)
	defer d.Close()
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 0, Value: []byte("x"), Timestamp: 1}))
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 1, Value: []byte("x"), Timestamp: 2}))
	ok(t, d.RestoreFromChangelog())
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 1, Value: []byte("x"), Timestamp: 3}))
	ok(t, d.AdvanceWatermark(9))
	got := render(d.TakeOutput("counts"))
	want := fmt.Sprintf("x [0,10)=3@task%d@9", KeyPartition([]byte("x"), 2))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("after a restore: %v, want [%s]", got, want)
	}
}

func TestRepartitionEventTimeAndWatermark(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 1}, wordCount)
	ok(t, err)
	defer d.Close()
	// The repartition input's time follows the record timestamps (the
	// upstream event times): 12 - 2 - 1 = 9 closes [0,10) on both inputs.
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 0, Value: []byte("early"), Timestamp: 5}))
	ok(t, d.PipeRecord(Record{Topic: "lines", Partition: 0, Value: []byte("later"), Timestamp: 12}))
	got := render(d.TakeOutput("counts"))
	if len(got) != 1 || got[0] != "early [0,10)=1@task0@9" {
		t.Fatalf("got %v", got)
	}
	task := d.Task(0)
	if !task.IsRepartitionTopic(wordsTopic) || task.IsRepartitionTopic("lines") {
		t.Error("IsRepartitionTopic does not tell the repartition input from the source")
	}
}

func TestRepartitionSinkNeedsKey(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir()}, func(t *Task) error {
		shuffle, err := NewRepartitionSink[string](t, "r", StringCodec{})
		if err != nil {
			return err
		}
		_, err = AddSource(t, SourceConfig[string]{Topic: "in", Deserializer: ValueDeserializer[string](StringCodec{})}, shuffle)
		return err
	})
	ok(t, err)
	defer d.Close()
	err = d.PipeRecord(Record{Topic: "in", Value: []byte("v")})
	if err == nil || !strings.Contains(err.Error(), "has no key") {
		t.Fatalf("unkeyed record to a repartition sink: %v", err)
	}
}

func TestRepartitionSinkNeedsTimestamp(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir()}, wordCount)
	ok(t, err)
	defer d.Close()
	err = d.PipeRecord(Record{Topic: "lines", Value: []byte("old"), Timestamp: -5})
	if err == nil || !strings.Contains(err.Error(), "event time -5 is before 1970") {
		t.Fatalf("a negative event time to a repartition sink: %v", err)
	}
}

func TestKeyPartitionMatchesKafka(t *testing.T) {
	// toPositive(murmur2("foobar")) % 7 with murmur2("foobar") = -790332482.
	h := int32(-790332482)
	if got := KeyPartition([]byte("foobar"), 7); got != (h&0x7fffffff)%7 {
		t.Errorf("KeyPartition = %d", got)
	}
	if got := KeyPartition([]byte{}, 5); got != int32((Murmur2(nil)&0x7fffffff)%5) {
		t.Errorf("an empty key hashes like Kafka's: %d", got)
	}
}

// BenchmarkWordCountDriver measures lines of 6 words through the word
// count on 4 partitions in the Driver, committing every 1,000 lines: with
// the words repartitioned, and keyed in place (as if the lines were
// partitioned by word), so the difference is the repartition's cost.
func BenchmarkWordCountDriver(b *testing.B) {
	inPlace := func(t *Task) error {
		counts, err := NewWindowAggregate[string, int64, int64](t, "counts", WindowSpec[string]{
			Assigner: TumblingWindows(10*time.Millisecond, 0),
		}, countAgg{}, Int64Codec{}, Discard[Windowed[int64]]())
		if err != nil {
			return err
		}
		byWord := KeyBy[string, string](func(w *string) string { return *w }, StringCodec{}, counts)
		split := FlatMap[string, string](func(_ *Context, line *string, out *Emitter[string]) error {
			for _, w := range strings.Fields(*line) {
				if err := out.Emit(w); err != nil {
					return err
				}
			}
			return nil
		}, byWord)
		_, err = AddSource(t, SourceConfig[string]{Topic: "lines", Deserializer: ValueDeserializer[string](StringCodec{})}, split)
		return err
	}
	for _, bc := range []struct {
		name  string
		build BuildFunc
	}{{"repartitioned", wordCount}, {"in-place", inPlace}} {
		b.Run(bc.name, func(b *testing.B) {
			d, err := NewDriver(DriverConfig{Dir: b.TempDir(), Partitions: 4, ManualCommit: true}, bc.build)
			ok(b, err)
			defer d.Close()
			line := []byte("the quick brown fox jumps over")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ok(b, d.PipeRecord(Record{Topic: "lines", Partition: int32(i % 4), Value: line, Timestamp: int64(i / 1000)}))
				if i%1000 == 999 {
					ok(b, d.Commit())
					d.TakeOutput("counts")
				}
			}
		})
	}
}
