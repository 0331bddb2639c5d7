package runtime

import (
	"reflect"
	"testing"
	"time"
)

// TestWindowKnownAbsentState checks that skipping the read of window state
// known not to exist never hides state that does exist: after an abort,
// after a reopen and after a restore into a running task, with the cache
// on, tiny (every entry evicted at once) and off, for cached accumulators
// and for element lists.
func TestWindowKnownAbsentState(t *testing.T) {
	spec := WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond}
	builds := []struct {
		name  string
		build func(task *Task, out Node[string]) (Node[int64], error)
	}{
		{"aggregate", func(task *Task, out Node[string]) (Node[int64], error) {
			render := Map[Windowed[int64], string](func(c *Context, w *Windowed[int64]) (string, error) {
				return string(c.Key()) + " " + itoa(w.Window.Start) + "=" + itoa(w.Value), nil
			}, out)
			return NewWindowAggregate[int64, int64, int64](task, "w", spec, sumAgg{}, Int64Codec{}, render)
		}},
		{"process", func(task *Task, out Node[string]) (Node[int64], error) {
			render := Map[string, string](func(_ *Context, s *string) (string, error) { return *s, nil }, out)
			return NewWindowProcess[int64, string](task, "w", spec, sumList{}, Int64Codec{}, render)
		}},
	}
	for _, b := range builds {
		for _, cache := range []int{0, 1, -1} {
			t.Run(b.name+"/cache="+itoa(int64(cache)), func(t *testing.T) {
				opts := StoreOptions{BlockCacheSize: 1 << 20, MemTableSize: 1 << 20, CacheEntries: cache}
				open := func(dir string) (*Store, *Task, *Source[int64], *collector[string]) {
					s, err := OpenStore(dir, opts)
					ok(t, err)
					task := openTask(t, s, 0, TaskConfig{})
					out := &collector[string]{}
					win := must[Node[int64]](t)(b.build(task, out))
					src := must[*Source[int64]](t)(AddSource(task, SourceConfig[int64]{
						Topic: "in", Deserializer: ValueDeserializer[int64](Int64Codec{}),
						Watermark: WatermarkStrategy{OutOfOrderness: time.Hour},
					}, win))
					return s, task, src, out
				}
				dir := t.TempDir()
				s, task, src, _ := open(dir)
				var log memChangelog
				commitLog := func(task *Task) {
					log.recs = append(log.recs, commit(t, task)...)
					log.end = len(log.recs)
				}
				ok(t, src.Push([]byte("a"), 1, 1))
				ok(t, src.Push([]byte("b"), 2, 2))
				commitLog(task)
				ok(t, src.Push([]byte("a"), 4, 3)) // aborted
				ok(t, src.Push([]byte("c"), 64, 3))
				ok(t, task.Abort())
				ok(t, src.Push([]byte("a"), 8, 4))
				commitLog(task)
				ok(t, s.Close())

				s, task, src, out := open(dir)
				ok(t, src.Push([]byte("a"), 16, 5))
				ok(t, src.Push([]byte("b"), 32, 6))
				ok(t, src.Push([]byte("a"), 128, 12))
				commitLog(task)
				ok(t, task.AdvanceWatermark(100))
				ok(t, s.Close())
				if want := []string{"a 0=25", "b 0=34", "a 10=128"}; !reflect.DeepEqual(out.values(), want) {
					t.Fatalf("after abort and reopen fired %v, want %v", out.values(), want)
				}

				// A running task that has created window state of its own
				// restores the changelog: the restored windows are not new.
				s, task, src, out = open(t.TempDir())
				defer s.Close()
				ok(t, src.Push([]byte("z"), 1, 1))
				ok(t, src.Push([]byte("z"), 1, 11))
				commit(t, task)
				log.pos = 0
				must[int](t)(task.Restore("cl", &log))
				ok(t, src.Push([]byte("a"), 256, 13))
				ok(t, src.Push([]byte("b"), 512, 14))
				ok(t, task.AdvanceWatermark(100))
				if want := []string{"a 0=25", "b 0=34", "z 0=1", "a 10=384", "b 10=512", "z 10=1"}; !reflect.DeepEqual(out.values(), want) {
					t.Fatalf("after restore fired %v, want %v", out.values(), want)
				}
			})
		}
	}
}

// sumList renders a window's elements as "key start=sum".
type sumList struct{}

func (sumList) Process(c *Context, w Window, elems []int64, out *Emitter[string]) error {
	var sum int64
	for _, v := range elems {
		sum += v
	}
	return out.Emit(string(c.Key()) + " " + itoa(w.Start) + "=" + itoa(sum))
}

// TestMaxEventTimerPerOperator checks the horizon of one operator: its own
// latest event-time timer, past later timers of other operators (a
// session window's, a gap ahead), in the batch and in pebble; minTime when
// it has none; and the task's latest timer once more than maxHorizonSkip
// later timers of others stand in the way.
func TestMaxEventTimerPerOperator(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	tumbling := must[*TimerService](t)(task.RegisterTimerHandler("views", nil))
	sessions := must[*TimerService](t)(task.RegisterTimerHandler("sessions", nil))
	other := must[*TimerService](t)(task.RegisterTimerHandler("views2", nil))
	ok(t, tumbling.Register(EventTime, nil, []byte("w1"), 59_999))
	ok(t, tumbling.Register(EventTime, nil, []byte("w1"), 89_999))
	ok(t, tumbling.Register(ProcessingTime, nil, []byte("w1"), 1<<40))
	commit(t, task) // these reach pebble
	for i := range 5 {
		ok(t, sessions.Register(EventTime, []byte{byte('a' + i)}, nil, int64(1_800_000+i)))
	}
	horizon := func(s *TimerService) int64 { return must[int64](t)(task.maxEventTimer(s.op)) }
	if h := horizon(tumbling); h != 89_999 {
		t.Fatalf("views horizon %d, want 89999 (its own latest event-time timer)", h)
	}
	if h := horizon(sessions); h != 1_800_004 {
		t.Fatalf("sessions horizon %d, want 1800004", h)
	}
	if h := horizon(other); h != minTime {
		t.Fatalf("horizon of an operator without timers %d, want none", h)
	}
	defer func(n int) { maxHorizonSkip = n }(maxHorizonSkip)
	maxHorizonSkip = 3
	if h := horizon(tumbling); h != 1_800_004 {
		t.Fatalf("views horizon past the skip bound %d, want the task's latest timer", h)
	}
}
