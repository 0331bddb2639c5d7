package runtime

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// queryBuild registers one state of each kind in every task.
func queryBuild(t *Task) error {
	if _, err := NewValueState(t, "op.bytes", BytesCodec{}, 0); err != nil {
		return err
	}
	if _, err := NewReducingState(t, "op.sum", Int64Codec{}, func(a, b int64) (int64, error) { return a + b, nil }, 0); err != nil {
		return err
	}
	if _, err := NewListState(t, "op.list", StringCodec{}, 0); err != nil {
		return err
	}
	_, err := NewMapState(t, "op.map", StringCodec{}, BytesCodec{}, 0)
	return err
}

// Queries find a key's state in whichever task holds it, return copies,
// and tell a missing key or state from a found one.
func TestQueryState(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 3}, queryBuild)
	ok(t, err)
	task := d.Task(2)
	c := task.ContextFor([]byte("k"))
	ok(t, must[*ValueState[[]byte]](t)(StateHandle[*ValueState[[]byte]](task, "op.bytes")).Set(c, []byte("abc")))
	sum := must[*ReducingState[int64]](t)(StateHandle[*ReducingState[int64]](task, "op.sum"))
	ok(t, sum.Add(c, 2))
	ok(t, sum.Add(c, 3))
	ok(t, must[*ListState[string]](t)(StateHandle[*ListState[string]](task, "op.list")).Add(c, "x", "y"))
	m := must[*MapState[string, []byte]](t)(StateHandle[*MapState[string, []byte]](task, "op.map"))
	ok(t, m.Put(c, "b", []byte("2")))
	ok(t, m.Put(c, "a", []byte("1")))
	ctx := context.Background()

	b, found, err := QueryValue[[]byte](ctx, d, "op.bytes", []byte("k"))
	if err != nil || !found || string(b) != "abc" {
		t.Fatalf("QueryValue(op.bytes) = %q %v %v", b, found, err)
	}
	b[0] = 'X' // a copy: the state does not change
	if b, _, _ := QueryValue[[]byte](ctx, d, "op.bytes", []byte("k")); string(b) != "abc" {
		t.Errorf("the state changed with the returned value: %q", b)
	}
	if v, found, err := QueryValue[int64](ctx, d, "op.sum", []byte("k")); err != nil || !found || v != 5 {
		t.Errorf("QueryValue(op.sum) = %d %v %v", v, found, err)
	}
	if v, found, err := QueryValue[int64](ctx, d, "op.sum", []byte("other")); err != nil || found || v != 0 {
		t.Errorf("QueryValue of a missing key = %d %v %v", v, found, err)
	}
	if vs, err := QueryList[string](ctx, d, "op.list", []byte("k")); err != nil || !slices.Equal(vs, []string{"x", "y"}) {
		t.Errorf("QueryList = %q %v", vs, err)
	}
	if vs, err := QueryList[string](ctx, d, "op.list", []byte("other")); err != nil || vs != nil {
		t.Errorf("QueryList of a missing key = %q %v", vs, err)
	}
	var entries []string
	found, err = QueryMap(ctx, d, "op.map", []byte("k"), func(k string, v []byte) { entries = append(entries, k+"="+string(v)) })
	if err != nil || !found || !slices.Equal(entries, []string{"a=1", "b=2"}) {
		t.Errorf("QueryMap = %q %v %v", entries, found, err)
	}

	// A state that is not there, or not of the asked type, is an error.
	if _, _, err := QueryValue[int64](ctx, d, "op.nothing", []byte("k")); err == nil {
		t.Error("QueryValue of an unknown state: no error")
	}
	if _, _, err := QueryValue[string](ctx, d, "op.sum", []byte("k")); err == nil {
		t.Error("QueryValue with the wrong type: no error")
	}
	if _, err := QueryList[int64](ctx, d, "op.list", []byte("k")); err == nil {
		t.Error("QueryList with the wrong type: no error")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := QueryValue[int64](canceled, d, "op.sum", []byte("k")); err == nil {
		t.Error("QueryValue with a canceled context: no error")
	}
}

// Uncommitted tells a task whose state is its last commit's from one with
// writes since, cached or in the batch.
func TestUncommitted(t *testing.T) {
	for _, entries := range []int{-1, 10} {
		s := testStore(t, StoreOptions{CacheEntries: entries})
		task := openTask(t, s, 0, TaskConfig{})
		v := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
		l := must[*ListState[int64]](t)(NewListState(task, "l", Int64Codec{}, 0))
		c := task.ContextFor([]byte("k"))
		steps := []struct {
			name string
			do   func() error
			want bool
		}{
			{"opened", func() error { return nil }, false},
			{"value set", func() error { return v.Set(c, 1) }, true},
			{"committed", func() error { commit(t, task); return nil }, false},
			{"read", func() error { _, _, err := v.Get(c); return err }, false},
			{"list added", func() error { return l.Add(c, 2) }, true},
			{"aborted", task.Abort, false},
		}
		for _, st := range steps {
			ok(t, st.do())
			if got := task.Uncommitted(); got != st.want {
				t.Errorf("cache %d, %s: Uncommitted() = %v, want %v", entries, st.name, got, st.want)
			}
		}
	}
}

type elemsDiscard struct{}

func (elemsDiscard) Process(*Context, Window, []string, *Emitter[string]) error { return nil }

// windowsBuild reads "clicks" (value: a page) into a tumbling 10ms count
// with 5ms of lateness, a session (gap 10ms) that concatenates pages, and
// a tumbling 10ms process window that keeps them.
func windowsBuild(t *Task) error {
	counts, err := NewWindowAggregate[string, int64, int64](t, "counts", WindowSpec[string]{
		Assigner: TumblingWindows(10*time.Millisecond, 0), AllowedLateness: 5 * time.Millisecond,
	}, countAgg{}, Int64Codec{}, Discard[Windowed[int64]]())
	if err != nil {
		return err
	}
	sessions, err := NewWindowReduce(t, "sessions", WindowSpec[string]{Assigner: SessionWindows(10 * time.Millisecond)},
		func(a, b string) (string, error) { return a + b, nil }, StringCodec{}, Discard[Windowed[string]]())
	if err != nil {
		return err
	}
	elems, err := NewWindowProcess[string, string](t, "elems", WindowSpec[string]{Assigner: TumblingWindows(10*time.Millisecond, 0)},
		elemsDiscard{}, StringCodec{}, Discard[string]())
	if err != nil {
		return err
	}
	sliding, err := NewWindowAggregate[string, int64, int64](t, "sliding", WindowSpec[string]{
		Assigner: SlidingWindows(10*time.Millisecond, 5*time.Millisecond, 0),
	}, countAgg{}, Int64Codec{}, Discard[Windowed[int64]]())
	if err != nil {
		return err
	}
	_, err = AddSource(t, SourceConfig[string]{Topic: "clicks", Deserializer: ValueDeserializer[string](StringCodec{}),
		Watermark: WatermarkStrategy{OutOfOrderness: time.Second}}, // the test moves the watermark
		Fanout(counts, sessions, elems, sliding))
	return err
}

// A window query finds the windows an operator still holds for a key,
// fired ones within their lateness too, each with its contents.
func TestQueryWindows(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 2}, windowsBuild)
	ok(t, err)
	for _, r := range []struct {
		key, page string
		ts        int64
	}{{"u", "a", 1}, {"u", "b", 3}, {"v", "c", 4}, {"u", "d", 12}, {"u", "e", 40}} {
		ok(t, d.Pipe("clicks", []byte(r.key), []byte(r.page), r.ts))
	}
	ctx := context.Background()
	render := func(name string, ws any, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return fmt.Sprint(ws)
	}
	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %s, want %s", what, got, want)
		}
	}
	counts := func(key string) string {
		ws, err := QueryWindows[int64](ctx, d, "counts", []byte(key))
		return render("counts", ws, err)
	}
	check("counts of u", counts("u"), "[{{0 10} 2} {{10 20} 1} {{40 50} 1}]")
	check("counts of v", counts("v"), "[{{0 10} 1}]")
	check("counts of nobody", counts("nobody"), "[]")
	ws, err := QueryWindows[string](ctx, d, "sessions", []byte("u"))
	check("sessions of u", render("sessions", ws, err), "[{{1 22} abd} {{40 50} e}]")
	es, err := QueryWindows[[]string](ctx, d, "elems", []byte("u"))
	check("elements of u", render("elems", es, err), "[{{0 10} [a b]} {{10 20} [d]} {{40 50} [e]}]")
	// Sliding windows of 10ms every 5ms: each element is in two.
	sl, err := QueryWindows[int64](ctx, d, "sliding", []byte("u"))
	check("sliding counts of u", render("sliding", sl, err), "[{{-5 5} 2} {{0 10} 2} {{5 15} 1} {{10 20} 1} {{35 45} 1} {{40 50} 1}]")

	// [0,10) fired at 12 and stays until 9+5 < the watermark.
	ok(t, d.AdvanceWatermark(12))
	check("counts of u, fired within its lateness", counts("u"), "[{{0 10} 2} {{10 20} 1} {{40 50} 1}]")
	ok(t, d.AdvanceWatermark(15))
	check("counts of u, cleaned", counts("u"), "[{{10 20} 1} {{40 50} 1}]")
	check("counts of v, cleaned", counts("v"), "[]")
	// From pebble, after a restart: the windows come from the stored
	// timers, the contents from the stored state.
	ok(t, d.Reopen())
	check("counts of u after a reopen", counts("u"), "[{{10 20} 1} {{40 50} 1}]")
	ws, err = QueryWindows[string](ctx, d, "sessions", []byte("u"))
	check("sessions of u after a reopen", render("sessions", ws, err), "[{{1 22} abd} {{40 50} e}]")

	if _, err := QueryWindows[string](ctx, d, "counts", []byte("u")); err == nil {
		t.Error("QueryWindows with the wrong type: no error")
	}
	if _, err := QueryWindows[int64](ctx, d, "nothing", []byte("u")); err == nil {
		t.Error("QueryWindows of an unknown operator: no error")
	}
}
