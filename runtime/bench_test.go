package runtime

import (
	"testing"
	"time"

	"github.com/streamgen/streamgen/internal/gotest"
)

// countInts counts int64 elements per window.
type countInts struct{}

func (countInts) CreateAccumulator() int64      { return 0 }
func (countInts) Add(_ *int64, acc int64) int64 { return acc + 1 }
func (countInts) Merge(a, b int64) int64        { return a + b }
func (countInts) Result(acc int64) int64        { return acc }

// benchTask builds source -> keyed tumbling count (1 s windows) -> a
// counting node, on a real pebble store sized like production.
func benchTask(b *testing.B, dir string) (*Store, *Task, *Source[int64], *int) {
	b.Helper()
	s, err := OpenStore(dir, StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	task, err := s.OpenTask(0, TaskConfig{})
	if err != nil {
		b.Fatal(err)
	}
	results := new(int)
	count := NodeFunc[Windowed[int64]](func(*Context, *Windowed[int64]) error { *results++; return nil })
	win, err := NewWindowAggregate[int64, int64, int64](task, "count", WindowSpec[int64]{Assigner: TumblingWindows(time.Second, 0)}, countInts{}, Int64Codec{}, count)
	if err != nil {
		b.Fatal(err)
	}
	src, err := AddSource(task, SourceConfig[int64]{Topic: "ints", Deserializer: ValueDeserializer[int64](Int64Codec{})}, win)
	if err != nil {
		b.Fatal(err)
	}
	return s, task, src, results
}

func benchCommit(b *testing.B, task *Task) {
	if _, err := task.Prepare(); err != nil {
		b.Fatal(err)
	}
	if err := task.Committed(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkKeyedWindowAggregate feeds ints (no decoding) keyed over 10,000
// keys, 100 records per event-time millisecond (so each key gets about ten
// records per one-second window), into a tumbling count per key with
// state and timers in pebble, committing every 10,000 records.
func BenchmarkKeyedWindowAggregate(b *testing.B) {
	const keys, commitEvery = 10_000, 10_000
	s, task, src, results := benchTask(b, b.TempDir())
	defer s.Close()
	var key [8]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := appendOrderedInt64(key[:0], int64(i*7919%keys))
		if err := src.Push(k, int64(i), int64(i/100)); err != nil {
			b.Fatal(err)
		}
		if i%commitEvery == commitEvery-1 {
			benchCommit(b, task)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(*results), "windows")
}

// BenchmarkKeyedWindowAggregate1MKeys puts one million distinct keys into
// one window, so a million accumulators and timers exist at once, then
// fires them all. It reports the live heap after the first 100k keys and
// after all of them: state and timers live in pebble, so the heap stays
// flat (bounded by the write-back cache and pebble's memtable and block
// cache, not by the number of keys).
func BenchmarkKeyedWindowAggregate1MKeys(b *testing.B) {
	const keys, commitEvery = 1_000_000, 10_000
	var at100k, atEnd, fired float64
	for n := 0; n < b.N; n++ {
		s, task, src, results := benchTask(b, b.TempDir())
		var key [8]byte
		for i := 0; i < keys; i++ {
			k := appendOrderedInt64(key[:0], int64(i))
			if err := src.Push(k, 1, int64(i%1000)); err != nil {
				b.Fatal(err)
			}
			if i%commitEvery == commitEvery-1 {
				benchCommit(b, task)
			}
			if i == 100_000-1 {
				b.StopTimer()
				at100k = gotest.LiveHeapMiB()
				b.StartTimer()
			}
		}
		benchCommit(b, task)
		b.StopTimer()
		atEnd = gotest.LiveHeapMiB()
		b.StartTimer()
		if err := task.AdvanceWatermark(2000); err != nil {
			b.Fatal(err)
		}
		benchCommit(b, task)
		fired = float64(*results)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(at100k, "heapMB@100k")
	b.ReportMetric(atEnd, "heapMB@1M")
	b.ReportMetric(fired, "windows")
	b.ReportMetric(float64(b.N*keys)/b.Elapsed().Seconds(), "records/s")
}
