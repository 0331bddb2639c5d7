package runtime

import (
	"testing"
	"time"
)

func TestWatermarks(t *testing.T) {
	type step struct {
		observe  int   // input index, -1 for none
		ts       int64 // event time observed
		now      int64 // processing time
		advance  int64 // explicit watermark, when not 0
		want     int64
		wantIdle []bool
	}
	bounded := WatermarkStrategy{OutOfOrderness: 5 * time.Millisecond}
	idle := WatermarkStrategy{IdleTimeout: 100 * time.Millisecond}
	cases := []struct {
		name   string
		inputs []WatermarkStrategy
		steps  []step
	}{
		{"bounded out of orderness", []WatermarkStrategy{bounded}, []step{
			{observe: -1, want: NoWatermark},
			{observe: 0, ts: 100, want: 94},
			{observe: 0, ts: 90, want: 94}, // out of order: no change
			{observe: 0, ts: 120, want: 114},
		}},
		{"minimum over inputs", []WatermarkStrategy{{}, {}}, []step{
			{observe: 0, ts: 100, want: NoWatermark}, // input 1 has none yet
			{observe: 1, ts: 50, want: 49},
			{observe: 1, ts: 200, want: 99},
			{observe: 0, ts: 300, want: 199},
		}},
		{"idle input stops holding back", []WatermarkStrategy{idle, idle}, []step{
			{observe: 0, ts: 100, now: 10, want: NoWatermark, wantIdle: []bool{false, false}},
			{observe: 0, ts: 500, now: 100, want: 499, wantIdle: []bool{false, true}},
			{observe: 1, ts: 50, now: 120, want: 499, wantIdle: []bool{false, false}}, // active again; never back
			{observe: 1, ts: 800, now: 130, want: 499},
			{observe: 0, ts: 900, now: 140, want: 799},
		}},
		{"all idle: max over inputs", []WatermarkStrategy{idle, idle}, []step{
			{observe: 0, ts: 100, now: 0, want: NoWatermark},
			{observe: 1, ts: 300, now: 50, want: 99},
			{observe: -1, now: 200, want: 299, wantIdle: []bool{true, true}},
		}},
		{"explicit advance", []WatermarkStrategy{{}}, []step{
			{observe: 0, ts: 10, want: 9},
			{observe: -1, advance: 1000, want: 1000},
			{observe: 0, ts: 20, want: 1000},
			{observe: 0, ts: 5000, want: 4999},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWatermarks()
			for i, s := range tc.inputs {
				w.AddInput(string(rune('a'+i)), s, 0)
			}
			for i, s := range tc.steps {
				if s.observe >= 0 {
					w.Observe(s.observe, s.ts, s.now)
				}
				if s.advance != 0 {
					w.Advance(s.advance)
				}
				if got := w.Update(s.now); got != s.want {
					t.Fatalf("step %d: watermark %d, want %d", i, got, s.want)
				}
				for j, idle := range s.wantIdle {
					if w.Idle(j) != idle {
						t.Fatalf("step %d: input %d idle=%v, want %v", i, j, w.Idle(j), idle)
					}
				}
			}
		})
	}
}

// TestTaskIdlenessFiresTimers shows an idle partition no longer holding
// back a task's event-time timers.
func TestTaskIdlenessFiresTimers(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	p := &timerProbe{domain: EventTime}
	out := &collector[string]{}
	proc := must[Node[timerCmd]](t)(NewProcess[timerCmd, string](task, "probe", p, out))
	mk := func(topic string) *Source[timerCmd] {
		return must[*Source[timerCmd]](t)(AddSource(task, SourceConfig[timerCmd]{
			Topic:        topic,
			Deserializer: DeserializerFunc[timerCmd](func(*Record) (timerCmd, error) { return timerCmd{}, nil }),
			Watermark:    WatermarkStrategy{IdleTimeout: time.Second},
		}, proc))
	}
	busy, quiet := mk("busy"), mk("quiet")
	ok(t, quiet.Push([]byte("q"), timerCmd{At: 1_000_000}, 10))
	ok(t, task.SetProcessingTime(900))
	ok(t, busy.Push([]byte("k"), timerCmd{At: 50}, 100))
	ok(t, busy.Push([]byte("k"), timerCmd{At: 1_000_000}, 200))
	if len(out.got) != 0 || task.Watermark() != 9 {
		t.Fatalf("quiet input should hold the watermark at 9, got %d, fired %v", task.Watermark(), out.values())
	}
	ok(t, task.SetProcessingTime(1500))
	if !task.Watermarks().Idle(1) || task.Watermarks().Idle(0) {
		t.Fatal("want the quiet input idle and the busy one active")
	}
	if task.Watermark() != 199 || len(out.got) != 1 {
		t.Fatalf("after idleness watermark %d, fired %v", task.Watermark(), out.values())
	}
}
