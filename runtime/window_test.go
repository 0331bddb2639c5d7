package runtime

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sumAgg sums int64 elements.
type sumAgg struct{}

func (sumAgg) CreateAccumulator() int64      { return 0 }
func (sumAgg) Add(v *int64, acc int64) int64 { return acc + *v }
func (sumAgg) Merge(a, b int64) int64        { return a + b }
func (sumAgg) Result(acc int64) int64        { return acc }
func maxReduce(a, b int64) (int64, error)    { return max(a, b), nil }

// listWindow emits "[start,end) e1,e2,..." with elements sorted.
type listWindow struct{}

func (listWindow) Process(c *Context, w Window, elems []int64, out *Emitter[string]) error {
	s := slices.Clone(elems)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return out.Emit(fmt.Sprintf("%s [%d,%d) %s", c.Key(), w.Start, w.End, strings.Join(parts, ",")))
}

// input is one element piped into a window test: a key, a value, an event
// time; or, with wm set, a watermark advance.
type input struct {
	key string
	v   int64
	ts  int64
	wm  int64
}

func el(key string, v, ts int64) input { return input{key: key, v: v, ts: ts} }
func wm(w int64) input                 { return input{wm: w} }

// windowHarness runs inputs through a one-source task whose chain build
// returns, and renders what reached the output and the late side output.
type windowHarness struct {
	task *Task
	src  *Source[int64]
	late []string
}

func newWindowHarness(t *testing.T, s *Store, build func(task *Task) Node[int64]) *windowHarness {
	t.Helper()
	h := &windowHarness{task: openTask(t, s, 0, TaskConfig{})}
	h.task.OnUnroutedSideOutput(func(c *Context, tag string, v any) error {
		h.late = append(h.late, fmt.Sprintf("%s:%s=%v@%d", tag, c.Key(), v, c.Timestamp()))
		return nil
	})
	h.src = must[*Source[int64]](t)(AddSource(h.task, SourceConfig[int64]{
		Topic:        "in",
		Deserializer: ValueDeserializer[int64](Int64Codec{}),
		// Watermarks come only from explicit advances in these tests.
		Watermark: WatermarkStrategy{OutOfOrderness: time.Hour},
	}, build(h.task)))
	return h
}

func (h *windowHarness) run(t *testing.T, ins []input) {
	t.Helper()
	for _, in := range ins {
		if in.wm != 0 {
			ok(t, h.task.AdvanceWatermark(in.wm))
			continue
		}
		ok(t, h.src.Push([]byte(in.key), in.v, in.ts))
	}
}

// storedKeys counts the task's stored keys of one kind (state or timer).
func storedKeys(t *testing.T, task *Task, kind byte) int {
	t.Helper()
	lo := append(appendTaskPrefix(nil, task.id), kind)
	n := 0
	ok(t, task.kvScan(lo, prefixEnd(lo), func(_, _ []byte) (bool, error) { n++; return true, nil }))
	return n
}

func renderWindowed(c *collector[Windowed[int64]]) []string {
	var out []string
	for _, e := range c.got {
		out = append(out, fmt.Sprintf("%s [%d,%d)=%d@%d", e.Key, e.V.Window.Start, e.V.Window.End, e.V.Value, e.TS))
	}
	return out
}

func TestWindowAggregate(t *testing.T) {
	lateTag := NewOutputTag[int64]("late")
	cases := []struct {
		name     string
		spec     WindowSpec[int64]
		in       []input
		want     []string
		wantLate []string
		dropped  uint64
	}{
		{
			name: "tumbling",
			spec: WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0)},
			in:   []input{el("a", 1, 1), el("a", 2, 5), el("b", 4, 7), el("a", 8, 12), wm(9), wm(19)},
			want: []string{"a [0,10)=3@9", "b [0,10)=4@9", "a [10,20)=8@19"},
		},
		{
			name: "tumbling with offset and negative times",
			spec: WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 3*time.Millisecond)},
			in:   []input{el("a", 1, -9), el("a", 2, 2), el("a", 4, 3), wm(-8), wm(2), wm(12)},
			want: []string{"a [-17,-7)=1@-8", "a [-7,3)=2@2", "a [3,13)=4@12"},
		},
		{
			name: "sliding puts an element in several windows",
			spec: WindowSpec[int64]{Assigner: SlidingWindows(10*time.Millisecond, 5*time.Millisecond, 0)},
			in:   []input{el("a", 1, 7), el("a", 2, 12), wm(100)},
			want: []string{"a [0,10)=1@9", "a [5,15)=3@14", "a [10,20)=2@19"},
		},
		{
			name: "sliding with gaps drops elements between windows without calling them late",
			spec: WindowSpec[int64]{Assigner: SlidingWindows(5*time.Millisecond, 10*time.Millisecond, 0), LateData: lateTag},
			in:   []input{el("a", 1, 3), el("a", 2, 7), el("a", 4, 12), wm(100)},
			want: []string{"a [0,5)=1@4", "a [10,15)=4@14"},
		},
		{
			name: "allowed lateness re-fires, too late goes to the side output",
			spec: WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond, LateData: lateTag},
			in: []input{
				el("a", 1, 2), wm(9), // fires [0,10)=1
				el("a", 2, 3),         // late but allowed: fires again with 3
				el("b", 5, 8),         // new window, late but allowed: fires at once
				wm(13), el("a", 4, 4), // still allowed (cleanup at 14)
				wm(14), el("a", 100, 5), // too late: side output
			},
			want:     []string{"a [0,10)=1@9", "a [0,10)=3@9", "b [0,10)=5@9", "a [0,10)=7@9"},
			wantLate: []string{"late:a=100@5"},
		},
		{
			name:    "too late without a side output is dropped and counted",
			spec:    WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0)},
			in:      []input{el("a", 1, 2), wm(9), el("a", 2, 3), wm(30)},
			want:    []string{"a [0,10)=1@9"},
			dropped: 1,
		},
		{
			name: "session merging with a bridging element",
			spec: WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond)},
			in: []input{
				el("a", 1, 0), el("a", 2, 18), el("b", 100, 5), // a: [0,10) and [18,28)
				el("a", 4, 9),  // bridges both: [0,28)
				wm(15),         // b's [5,15) fires; a's old [0,10) must not
				el("a", 8, 20), // extends the merged session to [0,30)
				wm(28), wm(29), wm(100),
			},
			want: []string{"b [5,15)=100@14", "a [0,30)=15@29"},
		},
		{
			name: "session extended by an element inside it",
			spec: WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond)},
			in:   []input{el("a", 1, 0), el("a", 2, 5), el("a", 4, 30), wm(100)},
			want: []string{"a [0,15)=3@14", "a [30,40)=4@39"},
		},
		{
			name: "late session element merging into a live session is kept",
			spec: WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond), LateData: lateTag},
			in: []input{
				el("a", 1, 100), wm(50),
				el("a", 2, 30), // [30,40) is late and touches nothing
				wm(105),
				el("a", 4, 92), // [92,102) is late alone but merges into [100,110)
				wm(200),
			},
			want:     []string{"a [92,110)=5@109"},
			wantLate: []string{"late:a=2@30"},
		},
		{
			name: "fired session grown past the watermark by allowed-late elements fires again at its new end",
			spec: WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond), AllowedLateness: 20 * time.Millisecond},
			in: []input{
				el("a", 1, 0), wm(9), // fires [0,10)
				el("a", 2, 5), // [0,15) ends after the watermark: waits
				wm(14),        // fires [0,15)
				el("a", 4, 8), // [0,18): waits again
				wm(20), wm(100),
			},
			want: []string{"a [0,10)=1@9", "a [0,15)=3@14", "a [0,18)=7@17"},
		},
		{
			name: "fired session grown by an allowed-late element that stays behind the watermark fires at once",
			spec: WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond), AllowedLateness: 20 * time.Millisecond},
			in:   []input{el("a", 1, 0), wm(12), el("a", 2, 1), wm(100)},
			want: []string{"a [0,10)=1@9", "a [0,11)=3@10"},
		},
	}
	for _, tc := range cases {
		// A cache of one entry evicts between a read and its write (a
		// session set, while merging sessions' contents), four keeps
		// most, -1 has none.
		for _, cache := range []int{1, 4, -1} {
			t.Run(fmt.Sprintf("%s/cache=%d", tc.name, cache), func(t *testing.T) {
				s := testStore(t, StoreOptions{CacheEntries: cache})
				out := &collector[Windowed[int64]]{}
				h := newWindowHarness(t, s, func(task *Task) Node[int64] {
					return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "w", tc.spec, sumAgg{}, Int64Codec{}, out))
				})
				h.run(t, tc.in)
				if got := renderWindowed(out); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("results\n got %v\nwant %v", got, tc.want)
				}
				if !reflect.DeepEqual(h.late, tc.wantLate) {
					t.Fatalf("late side output %v, want %v", h.late, tc.wantLate)
				}
				if d := h.task.Stats().LateDropped; d != tc.dropped {
					t.Fatalf("dropped %d late elements, want %d", d, tc.dropped)
				}
				commit(t, h.task)
				if n, m := storedKeys(t, h.task, kindState), storedKeys(t, h.task, kindTimer); n != 0 || m != 0 {
					t.Fatalf("after every window closed: %d state keys and %d timers left", n, m)
				}
			})
		}
	}
}

func TestWindowReduceAndProcess(t *testing.T) {
	in := []input{
		el("a", 3, 1), el("a", 9, 2), el("a", 4, 12), // sessions [1,7) and [12,17)
		el("a", 1, 7), // [7,12) touches both: one session [1,17)
		wm(1000),
	}
	sessions := WindowSpec[int64]{Assigner: SessionWindows(5 * time.Millisecond)}
	t.Run("reduce", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		out := &collector[Windowed[int64]]{}
		h := newWindowHarness(t, s, func(task *Task) Node[int64] {
			return must[Node[int64]](t)(NewWindowReduce(task, "max", sessions, maxReduce, Int64Codec{}, out))
		})
		h.run(t, in)
		if want := []string{"a [1,17)=9@16"}; !reflect.DeepEqual(renderWindowed(out), want) {
			t.Fatalf("got %v, want %v", renderWindowed(out), want)
		}
	})
	t.Run("process", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		out := &collector[string]{}
		h := newWindowHarness(t, s, func(task *Task) Node[int64] {
			return must[Node[int64]](t)(NewWindowProcess[int64, string](task, "all", sessions, listWindow{}, Int64Codec{}, out))
		})
		h.run(t, in)
		if want := []string{"a [1,17) 1,3,4,9"}; !reflect.DeepEqual(out.values(), want) {
			t.Fatalf("got %v, want %v", out.values(), want)
		}
		commit(t, h.task)
		if n := storedKeys(t, h.task, kindState); n != 0 {
			t.Fatalf("%d state keys left", n)
		}
	})
	t.Run("process tumbling with lateness", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		out := &collector[string]{}
		spec := WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 10 * time.Millisecond}
		h := newWindowHarness(t, s, func(task *Task) Node[int64] {
			return must[Node[int64]](t)(NewWindowProcess[int64, string](task, "all", spec, listWindow{}, Int64Codec{}, out))
		})
		h.run(t, []input{el("k", 2, 1), el("k", 1, 5), wm(9), el("k", 7, 3), wm(30)})
		if want := []string{"k [0,10) 1,2", "k [0,10) 1,2,7"}; !reflect.DeepEqual(out.values(), want) {
			t.Fatalf("got %v, want %v", out.values(), want)
		}
	})
}

func TestWindowSpecValidation(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	bad := []WindowSpec[int64]{
		{},
		{Assigner: TumblingWindows(0, 0)},
		{Assigner: SlidingWindows(time.Second, 0, 0)},
		{Assigner: SessionWindows(0)},
		{Assigner: TumblingWindows(time.Second, 0), AllowedLateness: -1},
	}
	for i, spec := range bad {
		if _, err := NewWindowAggregate[int64, int64, int64](task, fmt.Sprint("w", i), spec, sumAgg{}, Int64Codec{}, Discard[Windowed[int64]]()); err == nil {
			t.Errorf("spec %d accepted: %+v", i, spec)
		}
	}
	w := must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "ok", WindowSpec[int64]{Assigner: TumblingWindows(time.Second, 0)}, sumAgg{}, Int64Codec{}, Discard[Windowed[int64]]()))
	if err := w.Push(&task.ctx, new(int64(1))); err == nil {
		t.Error("window without a key accepted an element")
	}
}

// TestWindowFiringPrefetch fires many windows in one timer round while
// their accumulators are spread over the DB, the batch and the cache
// (dirty and clean), so the ordered prefetch must agree with point reads.
func TestWindowFiringPrefetch(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 64})
	out := &collector[Windowed[int64]]{}
	h := newWindowHarness(t, s, func(task *Task) Node[int64] {
		return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "w", WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0)}, sumAgg{}, Int64Codec{}, out))
	})
	const keys = 700
	var ins []input
	for round := int64(1); round <= 3; round++ {
		for k := 0; k < keys; k++ {
			ins = append(ins, el(fmt.Sprintf("k%04d", k), round*int64(k), int64(k%10)))
		}
		h.run(t, ins)
		ins = ins[:0]
		if round == 1 {
			commit(t, h.task) // round 1 in the DB; later rounds in batch and cache
		}
	}
	h.run(t, []input{wm(9)})
	if len(out.got) != keys {
		t.Fatalf("%d results, want %d", len(out.got), keys)
	}
	for i, e := range out.got {
		if want := int64(6 * i); string(e.Key) != fmt.Sprintf("k%04d", i) || e.V.Value != want {
			t.Fatalf("result %d: %s=%d, want k%04d=%d", i, e.Key, e.V.Value, i, want)
		}
	}
	commit(t, h.task)
	if n := storedKeys(t, h.task, kindState); n != 0 {
		t.Fatalf("%d accumulators left", n)
	}
}

// TestWindowTimersPerWindow checks that a non-merging window keeps one
// trigger and one cleanup timer per window, however many keys it holds,
// and that they fire every key's contents, in key order, also when the
// contents were committed before a reopen or the timers armed before an
// abort.
func TestWindowTimersPerWindow(t *testing.T) {
	dir := t.TempDir()
	spec := WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond}
	open := func() (*Store, *windowHarness, *collector[Windowed[int64]]) {
		s := must[*Store](t)(OpenStore(dir, StoreOptions{CacheEntries: 16}))
		out := &collector[Windowed[int64]]{}
		h := newWindowHarness(t, s, func(task *Task) Node[int64] {
			return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "w", spec, sumAgg{}, Int64Codec{}, out))
		})
		return s, h, out
	}
	s, h, out := open()
	const keys = 100
	var ins []input
	for k := keys - 1; k >= 0; k-- {
		ins = append(ins, el(fmt.Sprintf("k%03d", k), 1, int64(k%10)), el(fmt.Sprintf("k%03d", k), 2, 10+int64(k%10)))
	}
	h.run(t, ins)
	// Two windows: two trigger and two cleanup timers, for 200 contents.
	if n := storedKeys(t, h.task, kindTimer); n != 4 {
		t.Fatalf("%d timers stored, want 4", n)
	}
	commit(t, h.task)
	// Arm a third window, then abort it away: the armed window is
	// forgotten, so a later element arms it again.
	h.run(t, []input{el("k000", 5, 25)})
	ok(t, h.task.Abort())
	h.run(t, []input{el("k001", 7, 25)})
	commit(t, h.task)
	ok(t, h.task.Close())
	ok(t, s.Close())

	s, h, out = open()
	defer s.Close()
	h.run(t, []input{wm(9)})
	if len(out.got) != keys {
		t.Fatalf("first window: %d results, want %d", len(out.got), keys)
	}
	for i, e := range out.got {
		if string(e.Key) != fmt.Sprintf("k%03d", i) || e.V.Value != 1 || e.TS != 9 {
			t.Fatalf("result %d: %s=%d@%d, want k%03d=1@9", i, e.Key, e.V.Value, e.TS, i)
		}
	}
	// Allowed lateness: a late element fires its key's window again.
	h.run(t, []input{el("k042", 3, 4), wm(14)})
	if got := renderWindowed(out)[keys:]; !slices.Equal(got, []string{"k042 [0,10)=4@9"}) {
		t.Fatalf("late firing: %v", got)
	}
	h.run(t, []input{wm(40)})
	got := renderWindowed(out)[keys+1:]
	if len(got) != keys+1 || got[0] != "k000 [10,20)=2@19" || got[keys] != "k001 [20,30)=7@29" {
		t.Fatalf("second and third windows: %d results %v", len(got), got)
	}
	commit(t, h.task)
	if n := storedKeys(t, h.task, kindState) + storedKeys(t, h.task, kindTimer); n != 0 {
		t.Fatalf("%d state and timer keys left after cleanup", n)
	}
}

// TestSessionTimerLazy checks that a session growing with every element
// keeps one pending timer, which sets itself again when it fires before
// the session's end.
func TestSessionTimerLazy(t *testing.T) {
	s := testStore(t, StoreOptions{})
	out := &collector[Windowed[int64]]{}
	h := newWindowHarness(t, s, func(task *Task) Node[int64] {
		return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "s", WindowSpec[int64]{Assigner: SessionWindows(10 * time.Millisecond)}, sumAgg{}, Int64Codec{}, out))
	})
	var ins []input
	for ts := int64(0); ts < 50; ts++ {
		ins = append(ins, el("a", 1, ts))
	}
	h.run(t, ins)
	if n := storedKeys(t, h.task, kindTimer); n != 1 {
		t.Fatalf("%d timers for one growing session, want 1", n)
	}
	h.run(t, []input{wm(30)}) // the first timer (at 9) fires early and moves to 58
	if len(out.got) != 0 || storedKeys(t, h.task, kindTimer) != 1 {
		t.Fatalf("after an early timer: %v, %d timers", renderWindowed(out), storedKeys(t, h.task, kindTimer))
	}
	h.run(t, []input{wm(100)})
	if got := renderWindowed(out); !slices.Equal(got, []string{"a [0,59)=50@58"}) {
		t.Fatalf("results %v", got)
	}
	// The timer fired twice: early at 9, then at the session's end.
	if n := h.task.Stats().TimersFired; n != 2 {
		t.Fatalf("%d timers fired, want 2", n)
	}
}

// TestNewKeysReadOnce checks which window state a key's first element
// reads from pebble: nothing for a tumbling window (its fresh filter knows
// the window is new), only the session set for a session window (a new
// session's contents cannot exist).
func TestNewKeysReadOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		assigner WindowAssigner
		want     uint64 // reads per new key
	}{
		{"tumbling", TumblingWindows(10*time.Millisecond, 0), 0},
		{"session", SessionWindows(10 * time.Millisecond), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t, StoreOptions{})
			out := &collector[Windowed[int64]]{}
			h := newWindowHarness(t, s, func(task *Task) Node[int64] {
				return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "w", WindowSpec[int64]{Assigner: tc.assigner}, sumAgg{}, Int64Codec{}, out))
			})
			h.run(t, []input{el("warm-up", 1, 0)})
			before := h.task.Stats().Cache.StoreReads
			const keys = 20
			var ins []input
			for i := range keys {
				ins = append(ins, el("k"+itoa(int64(i)), 1, 1))
			}
			h.run(t, ins)
			if got := h.task.Stats().Cache.StoreReads - before; got != keys*tc.want {
				t.Fatalf("%d state reads for %d new keys, want %d", got, keys, keys*tc.want)
			}
			h.run(t, []input{wm(100)})
			if len(out.got) != keys+1 {
				t.Fatalf("%d results, want %d", len(out.got), keys+1)
			}
		})
	}
}

// TestSortKeySpans checks the firing scan's key sort against bytes.Compare
// on keys with long shared prefixes, prefixes of each other, and empty
// keys, where the eight-byte sort keys tie.
func TestSortKeySpans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name     string
		prefix   string
		minExtra int // random bytes after the prefix, at least
		n        int
	}{
		{"none", "", 0, 500},
		{"shared", "user-000000", 0, 500},
		{"diverging", "user-000000", 1, 500},
		{"one", "k", 0, 1},
		{"two", "same-prefix-longer-than-eight", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var arena []byte
			var spans []keySpan
			var want [][]byte
			for i := 0; i < tc.n; i++ {
				k := []byte(tc.prefix)
				for j := tc.minExtra + rng.IntN(12); j > 0; j-- {
					k = append(k, byte(rng.IntN(3))) // small alphabet: many ties and prefixes
				}
				begin := len(arena)
				arena = append(arena, k...)
				spans = append(spans, keySpan{begin: begin, end: len(arena)})
				want = append(want, k)
			}
			sortKeySpans(spans, arena)
			slices.SortFunc(want, bytes.Compare)
			for i, sp := range spans {
				if got := arena[sp.begin:sp.end]; !bytes.Equal(got, want[i]) {
					t.Fatalf("key %d: got %q, want %q", i, got, want[i])
				}
			}
		})
	}
}

// TestWindowAggregateRandom runs random elements of many keys through a
// tumbling window with allowed lateness and, beside it, a session window
// (each operator's cache entries hint at the other's), with random
// watermark advances,
// commits and aborts (each abort replays the input since the last commit,
// as the Kafka runner does, and drops the outputs since), and checks that
// every cache size, checkpoint cadence and sequence of aborts commits the
// same results as a task without a cache that never aborts. It covers
// how firing finds a window's keys: stored, listed as created by the
// operator (a cache large enough), or found by walking the cache's newer
// entries (a cache too small for the lists).
func TestWindowAggregateRandom(t *testing.T) {
	spec := WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond}
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		var ins []input
		var ts, mark int64
		for range 1500 {
			switch r := rng.IntN(100); {
			case r < 8:
				mark = max(mark, ts-int64(rng.IntN(8)))
				ins = append(ins, wm(mark))
			case r < 12:
				ins = append(ins, input{wm: -1}) // commit here
			default:
				ts += int64(rng.IntN(2))
				ins = append(ins, el(fmt.Sprintf("k%02d", rng.IntN(60)), int64(rng.IntN(9)+1), ts-int64(rng.IntN(12))))
			}
		}
		ins = append(ins, wm(ts+100))
		run := func(t *testing.T, opts StoreOptions, abortPct int) []string {
			s := testStore(t, opts)
			out := &collector[Windowed[int64]]{}
			h := newWindowHarness(t, s, func(task *Task) Node[int64] {
				tumbling := must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "w", spec, sumAgg{}, Int64Codec{}, out))
				sessions := must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "s",
					WindowSpec[int64]{Assigner: SessionWindows(4 * time.Millisecond), AllowedLateness: 3 * time.Millisecond}, sumAgg{}, Int64Codec{}, out))
				return Fanout(tumbling, sessions)
			})
			arng := rand.New(rand.NewPCG(seed, uint64(abortPct)))
			var offset int64
			last, kept := 0, 0 // input and output positions at the last commit
			for i := 0; i < len(ins); i++ {
				in := ins[i]
				switch {
				case in.wm == -1 || i == len(ins)-1:
					if in.wm != -1 {
						h.run(t, []input{in})
					}
					if arng.IntN(100) < abortPct {
						ok(t, h.task.Abort())
						out.got = out.got[:kept]
						i = last - 1 // replay from the last commit
						continue
					}
					offset++
					commitTo(t, h.task, offset)
					last, kept = i+1, len(out.got)
				default:
					h.run(t, []input{in})
				}
			}
			return renderWindowed(out)
		}
		want := run(t, StoreOptions{CacheEntries: -1}, 0)
		if len(want) < 100 {
			t.Fatalf("seed %d: only %d results", seed, len(want))
		}
		for _, cache := range []int{1, 4, 16, 200, 0} {
			for _, cp := range []int{4, 1 << 20} {
				name := fmt.Sprintf("seed=%d/cache=%d/checkpoint=%d", seed, cache, cp)
				t.Run(name, func(t *testing.T) {
					got := run(t, StoreOptions{CacheEntries: cache, CheckpointRecords: cp}, 30)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("committed results differ from the uncached run\n got %v\nwant %v", got, want)
					}
				})
			}
		}
	}
}

// emitBuild counts clicks per key in tumbling 10ms windows and in
// sessions (gap 10ms), both with 5ms of allowed lateness, firing on close
// or not, to "tumbling" and "sessions" as "key [start,end)=count".
func emitBuild(onClose bool) BuildFunc {
	return func(t *Task) error {
		out := func(topic string) Node[Windowed[int64]] {
			return NodeFunc[Windowed[int64]](func(c *Context, w *Windowed[int64]) error {
				return c.Task().sink.Send(&OutRecord{Topic: topic, Partition: AnyPartition, Key: append([]byte(nil), c.Key()...),
					Value: fmt.Appendf(nil, "[%d,%d)=%d", w.Window.Start, w.Window.End, w.Value), Timestamp: c.Timestamp()})
			})
		}
		tumbling, err := NewWindowAggregate[string, int64, int64](t, "tumbling", WindowSpec[string]{
			Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond, EmitOnClose: onClose,
		}, countAgg{}, Int64Codec{}, out("tumbling"))
		if err != nil {
			return err
		}
		sessions, err := NewWindowAggregate[string, int64, int64](t, "sessions", WindowSpec[string]{
			Assigner: SessionWindows(10 * time.Millisecond), AllowedLateness: 5 * time.Millisecond, EmitOnClose: onClose,
		}, countAgg{}, Int64Codec{}, out("sessions"))
		if err != nil {
			return err
		}
		_, err = AddSource(t, SourceConfig[string]{Topic: "clicks", Deserializer: ValueDeserializer[string](StringCodec{}),
			Watermark: WatermarkStrategy{OutOfOrderness: time.Second}}, // the test moves the watermark
			Fanout(tumbling, sessions))
		return err
	}
}

// A window that fires on close fires once, when the watermark passes its
// end plus the allowed lateness, with the late elements within it; by
// default it fires at its end and again for each of them.
func TestWindowEmitOnClose(t *testing.T) {
	type step struct {
		ts int64 // an element at ts, or
		wm int64 // the watermark advanced to wm
	}
	steps := []step{
		{ts: 1}, {ts: 3}, {wm: 10}, // [0,10) is due at 9; the session [1,13) is not
		{ts: 5},  // late for [0,10), within its lateness; grows the session to [1,15)
		{wm: 17}, // [0,10) closes (9+5); the session is due at 14
		{ts: 9},  // too late for [0,10); grows the session to [1,19), which is due again at 18
		{wm: 30}, // the session closes (18+5)
		{ts: 2},  // too late for both
	}
	cases := []struct {
		onClose            bool
		tumbling, sessions []string
	}{
		{false,
			[]string{"u [0,10)=2@9", "u [0,10)=3@9"},
			[]string{"u [1,15)=3@14", "u [1,19)=4@18"}},
		{true,
			[]string{"u [0,10)=3@9"},
			[]string{"u [1,19)=4@18"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("on close %v", c.onClose), func(t *testing.T) {
			d, err := NewDriver(DriverConfig{Dir: t.TempDir()}, emitBuild(c.onClose))
			ok(t, err)
			for _, s := range steps {
				if s.wm != 0 {
					ok(t, d.AdvanceWatermark(s.wm))
				} else {
					ok(t, d.Pipe("clicks", []byte("u"), []byte("/"), s.ts))
				}
			}
			if got := render(d.Output("tumbling")); !reflect.DeepEqual(got, c.tumbling) {
				t.Errorf("tumbling: %q, want %q", got, c.tumbling)
			}
			if got := render(d.Output("sessions")); !reflect.DeepEqual(got, c.sessions) {
				t.Errorf("sessions: %q, want %q", got, c.sessions)
			}
			if n := d.Task(0).Stats().LateDropped; n != 3 {
				t.Errorf("%d late elements dropped, want 3 (ts 9 by the tumbling window, ts 2 by both)", n)
			}
		})
	}
}
