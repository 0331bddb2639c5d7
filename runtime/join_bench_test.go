package runtime

import (
	"testing"
	"time"
)

// joinBench builds two int64 sources ("left", "right", keyed by the
// record key, watermarks with no out-of-orderness, so timers fire as the
// data goes on) into a join made by mk, and counts its outputs.
func joinBench(b *testing.B, mk func(t *Task, next Node[int64]) (Node[int64], Node[int64], error)) (*Store, *Task, *Source[int64], *Source[int64], *int) {
	b.Helper()
	s, err := OpenStore(b.TempDir(), StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	task, err := s.OpenTask(0, TaskConfig{})
	if err != nil {
		b.Fatal(err)
	}
	outputs := new(int)
	left, right, err := mk(task, NodeFunc[int64](func(*Context, *int64) error { *outputs++; return nil }))
	if err != nil {
		b.Fatal(err)
	}
	src := func(topic string, next Node[int64]) *Source[int64] {
		sc, err := AddSource(task, SourceConfig[int64]{Topic: topic, Deserializer: ValueDeserializer[int64](Int64Codec{})}, next)
		if err != nil {
			b.Fatal(err)
		}
		return sc
	}
	return s, task, src("left", left), src("right", right), outputs
}

func sumJoin(_ *Context, l, r *int64) (int64, error) {
	if r == nil {
		return *l, nil
	}
	return *l + *r, nil
}

// runJoinBench pushes b.N records over 10,000 keys, 100 per event-time
// millisecond, in passes over every key (each key gets one record every
// 100 ms): every rightEvery-th pass goes to the right input, the others
// to the left; it commits every 10,000 records.
func runJoinBench(b *testing.B, task *Task, left, right *Source[int64], outputs *int, rightEvery int) {
	const keys, commitEvery = 10_000, 10_000
	var key [8]byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := appendOrderedInt64(key[:0], int64(i*7919%keys))
		src := left
		if (i/keys)%rightEvery == 0 {
			src = right
		}
		if err := src.Push(k, int64(i), int64(i/100)); err != nil {
			b.Fatal(err)
		}
		if i%commitEvery == commitEvery-1 {
			benchCommit(b, task)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(*outputs)/float64(b.N), "outputs/record")
}

// BenchmarkTemporalJoin: a right record (a new version of its key's
// value) for every ten left records; each left record waits for the
// watermark in the waiting list and is joined when its timer fires.
func BenchmarkTemporalJoin(b *testing.B) {
	s, task, left, right, outputs := joinBench(b, func(t *Task, next Node[int64]) (Node[int64], Node[int64], error) {
		return NewTemporalJoin(t, "j", TemporalJoinSpec[int64, int64, int64]{Left: Int64Codec{}, Right: Int64Codec{}, Join: sumJoin}, next)
	})
	defer s.Close()
	runJoinBench(b, task, left, right, outputs, 10)
}

// BenchmarkIntervalJoin: left and right records alike, each joined with
// the other side's records of its key within 500 ms either way (about
// five of each buffered per key), a left join.
func BenchmarkIntervalJoin(b *testing.B) {
	s, task, left, right, outputs := joinBench(b, func(t *Task, next Node[int64]) (Node[int64], Node[int64], error) {
		return NewIntervalJoin(t, "j", IntervalJoinSpec[int64, int64, int64]{Type: LeftJoin, Left: Int64Codec{}, Right: Int64Codec{},
			Before: 500 * time.Millisecond, After: 500 * time.Millisecond, Join: sumJoin}, next)
	})
	defer s.Close()
	runJoinBench(b, task, left, right, outputs, 2)
}
