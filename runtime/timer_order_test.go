package runtime

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A window fed by another window (minute counts summed per hour, Flink's
// and Kafka Streams' everyday chain) gets every result of the first,
// whatever the watermark does and whatever the operators are called: at
// a time where both fire (the last minute of an hour ends with the hour),
// the upstream one fires first, and what it emits is on time downstream.
func TestWindowChain(t *testing.T) {
	for _, names := range [][2]string{{"minute", "hour"}, {"b_minute", "a_hour"}} {
		for _, steps := range []struct {
			name string
			ins  []input
		}{
			{"one jump", []input{el("k", 1, 5), el("k", 2, 55), el("k", 4, 95), el("j", 8, 99), wm(150)}},
			{"step by step", []input{el("k", 1, 5), wm(9), el("k", 2, 55), wm(59), el("k", 4, 95), el("j", 8, 99), wm(99), wm(100), wm(150)}},
			{"to the end exactly", []input{el("k", 1, 5), el("k", 2, 55), el("k", 4, 95), el("j", 8, 99), wm(99)}},
		} {
			t.Run(names[0]+"/"+steps.name, func(t *testing.T) {
				s := testStore(t, StoreOptions{})
				out := &collector[Windowed[int64]]{}
				h := newWindowHarness(t, s, func(task *Task) Node[int64] {
					hour := must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, names[1], WindowSpec[int64]{Assigner: TumblingWindows(100*time.Millisecond, 0)}, sumAgg{}, Int64Codec{}, Node[Windowed[int64]](out)))
					value := Map(func(c *Context, w *Windowed[int64]) (int64, error) { return w.Value, nil }, hour)
					return must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, names[0], WindowSpec[int64]{Assigner: TumblingWindows(10*time.Millisecond, 0)}, sumAgg{}, Int64Codec{}, value))
				})
				h.run(t, steps.ins)
				got := renderWindowed(out)
				slices.Sort(got)
				if want := []string{"j [0,100)=8@99", "k [0,100)=7@99"}; !slices.Equal(got, want) {
					t.Errorf("hour windows %q, want %q (late dropped: %d)", got, want, h.task.stats.LateDropped)
				}
			})
		}
	}
}

// perKeyTimer sets an event timer at 99 for each key it sees and emits 1
// from it, recording the watermark its OnTimer sees.
type perKeyTimer struct{ seen []int64 }

func (p *perKeyTimer) ProcessElement(c *Context, v *int64, out *Emitter[int64]) error {
	return c.RegisterEventTimer(99)
}

func (p *perKeyTimer) OnTimer(c *Context, tm Timer, out *Emitter[int64]) error {
	p.seen = append(p.seen, c.Watermark())
	return out.Emit(1)
}

// More timers of one time than a chunk holds (the upstream process sets
// one per key, 600 at time 99) still fire upstream first: the window after
// it, whose own timer is at 99 too and whose name sorts first, sums each
// key's 1. Inside the firing, operators see the watermark as 98.
func TestTimersOfOneTimeBeyondAChunk(t *testing.T) {
	const keys = 600
	s := testStore(t, StoreOptions{})
	out := &collector[Windowed[int64]]{}
	fn := &perKeyTimer{}
	h := newWindowHarness(t, s, func(task *Task) Node[int64] {
		win := must[Node[int64]](t)(NewWindowAggregate[int64, int64, int64](task, "a_window", WindowSpec[int64]{Assigner: TumblingWindows(100*time.Millisecond, 0)}, sumAgg{}, Int64Codec{}, Node[Windowed[int64]](out)))
		return must[Node[int64]](t)(NewProcess[int64, int64](task, "z_process", fn, win))
	})
	var ins []input
	for k := range keys {
		ins = append(ins, el(fmt.Sprintf("k%03d", k), 0, 1))
	}
	h.run(t, append(ins, wm(500)))
	if len(out.got) != keys {
		t.Fatalf("%d window results, want %d (late dropped: %d)", len(out.got), keys, h.task.stats.LateDropped)
	}
	for _, e := range out.got {
		if e.V.Value != 1 || e.V.Window.End != 100 {
			t.Fatalf("result %s %+v, want 1 in [0,100)", e.Key, e.V)
		}
	}
	for _, w := range fn.seen {
		if w != 98 {
			t.Fatalf("OnTimer at 99 saw watermark %d, want 98", w)
		}
	}
	if w := h.task.Watermark(); w != 500 {
		t.Errorf("task watermark after the round %d, want 500", w)
	}
}
