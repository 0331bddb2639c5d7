package runtime

import (
	"fmt"
	"reflect"
	"testing"
)

// timerProbe registers the timers its input asks for and reports fires.
type timerProbe struct {
	domain TimeDomain
	onFire func(c *Context, tm Timer) error
}

// timerCmd asks the probe to register (or, with Delete, delete) a timer.
type timerCmd struct {
	At     int64
	Delete bool
}

func (p *timerProbe) ProcessElement(c *Context, v *timerCmd, out *Emitter[string]) error {
	switch {
	case p.domain == ProcessingTime && v.Delete:
		return c.DeleteProcessingTimer(v.At)
	case p.domain == ProcessingTime:
		return c.RegisterProcessingTimer(v.At)
	case v.Delete:
		return c.DeleteEventTimer(v.At)
	}
	return c.RegisterEventTimer(v.At)
}

func (p *timerProbe) OnTimer(c *Context, tm Timer, out *Emitter[string]) error {
	if c.Timestamp() != tm.Time || string(c.Key()) != string(tm.Key) || tm.Domain != p.domain {
		return fmt.Errorf("timer context mismatch: ts %d key %q for %+v", c.Timestamp(), c.Key(), tm)
	}
	if err := out.Emit(fmt.Sprintf("%s@%d", tm.Key, tm.Time)); err != nil {
		return err
	}
	if p.onFire != nil {
		return p.onFire(c, tm)
	}
	return nil
}

func timerTask(t *testing.T, s *Store, p *timerProbe) (*Task, *Source[timerCmd], *collector[string]) {
	t.Helper()
	task := openTask(t, s, 0, TaskConfig{})
	out := &collector[string]{}
	proc := must[Node[timerCmd]](t)(NewProcess[timerCmd, string](task, "probe", p, out))
	src := must[*Source[timerCmd]](t)(AddSource(task, SourceConfig[timerCmd]{
		Topic:        "cmds",
		Deserializer: DeserializerFunc[timerCmd](func(*Record) (timerCmd, error) { return timerCmd{}, nil }),
	}, proc))
	return task, src, out
}

func TestEventTimersFireInOrderDedupAndDelete(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task, src, out := timerTask(t, s, &timerProbe{domain: EventTime})
	cmds := []struct {
		key string
		cmd timerCmd
	}{
		{"b", timerCmd{At: 30}}, {"a", timerCmd{At: 10}}, {"a", timerCmd{At: 30}},
		{"a", timerCmd{At: 10}},                                        // duplicate: fires once
		{"c", timerCmd{At: 20}}, {"c", timerCmd{At: 20, Delete: true}}, // deleted
		{"d", timerCmd{At: 25}}, {"d", timerCmd{At: 40}},
	}
	for _, c := range cmds {
		ok(t, src.Push([]byte(c.key), c.cmd, -1000))
	}
	ok(t, task.AdvanceWatermark(29))
	if want := []string{"a@10", "d@25"}; !reflect.DeepEqual(out.values(), want) {
		t.Fatalf("fired %v, want %v", out.values(), want)
	}
	ok(t, task.AdvanceWatermark(35))
	ok(t, task.AdvanceWatermark(34)) // never goes back: nothing fires twice
	if want := []string{"a@10", "d@25", "a@30", "b@30"}; !reflect.DeepEqual(out.values(), want) {
		t.Fatalf("fired %v, want %v", out.values(), want)
	}
	if task.Watermark() != 35 {
		t.Fatalf("watermark went back to %d", task.Watermark())
	}
}

func TestTimerCallbacksRegisterAndDeleteDueTimers(t *testing.T) {
	s := testStore(t, StoreOptions{})
	p := &timerProbe{domain: EventTime}
	task, src, out := timerTask(t, s, p)
	p.onFire = func(c *Context, tm Timer) error {
		switch {
		case string(tm.Key) == "a" && tm.Time == 10:
			// Due now and earlier than b@20: must fire before it.
			if err := c.RegisterEventTimer(15); err != nil {
				return err
			}
			// A later timer in the same round: must not fire.
			c.SetKey([]byte("c"))
			return c.DeleteEventTimer(18)
		}
		return nil
	}
	for _, c := range []struct {
		k  string
		at int64
	}{{"a", 10}, {"b", 20}, {"c", 18}, {"z", 100}} {
		ok(t, src.Push([]byte(c.k), timerCmd{At: c.at}, -1))
	}
	ok(t, task.AdvanceWatermark(50))
	if want := []string{"a@10", "a@15", "b@20"}; !reflect.DeepEqual(out.values(), want) {
		t.Fatalf("fired %v, want %v", out.values(), want)
	}
}

func TestManyTimersAcrossChunks(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task, src, out := timerTask(t, s, &timerProbe{domain: EventTime})
	const n = 3*timerChunk + 17
	for i := n - 1; i >= 0; i-- {
		ok(t, src.Push(key8(int64(i%7)), timerCmd{At: int64(i)}, -1))
	}
	commit(t, task)
	ok(t, task.AdvanceWatermark(n))
	if len(out.got) != n {
		t.Fatalf("fired %d timers, want %d", len(out.got), n)
	}
	for i, e := range out.got {
		if e.TS != int64(i) {
			t.Fatalf("timer %d fired at position %d", e.TS, i)
		}
	}
}

func TestProcessingTimers(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task, src, out := timerTask(t, s, &timerProbe{domain: ProcessingTime})
	ok(t, src.Push([]byte("k"), timerCmd{At: 200}, 0))
	ok(t, src.Push([]byte("k"), timerCmd{At: 100}, 0))
	ok(t, src.Push([]byte("j"), timerCmd{At: 150}, 0))
	ok(t, src.Push([]byte("j"), timerCmd{At: 150, Delete: true}, 0))
	ok(t, task.AdvanceWatermark(1000)) // event time does not fire them
	if len(out.got) != 0 {
		t.Fatalf("processing timers fired on watermark: %v", out.values())
	}
	ok(t, task.SetProcessingTime(150))
	ok(t, task.SetProcessingTime(250))
	if want := []string{"k@100", "k@200"}; !reflect.DeepEqual(out.values(), want) {
		t.Fatalf("fired %v, want %v", out.values(), want)
	}
}

func TestTimersSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(dir, StoreOptions{BlockCacheSize: 1 << 20, MemTableSize: 1 << 20})
	ok(t, err)
	task, src, _ := timerTask(t, s, &timerProbe{domain: EventTime})
	ok(t, src.Push([]byte("kept"), timerCmd{At: 10}, -1))
	commit(t, task)
	ok(t, src.Push([]byte("lost"), timerCmd{At: 5}, -1)) // never committed
	ok(t, s.Close())

	s, err = OpenStore(dir, StoreOptions{BlockCacheSize: 1 << 20, MemTableSize: 1 << 20})
	ok(t, err)
	defer s.Close()
	task, _, out := timerTask(t, s, &timerProbe{domain: EventTime})
	ok(t, task.AdvanceWatermark(100))
	if want := []string{"kept@10"}; !reflect.DeepEqual(out.values(), want) {
		t.Fatalf("after reopen fired %v, want %v", out.values(), want)
	}
}

func TestTimersNeedProcessOperatorAndKey(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	c := task.ContextFor([]byte("k"))
	if err := c.RegisterEventTimer(1); err != ErrNoTimers {
		t.Fatalf("timer outside a process operator: %v", err)
	}
	if _, err := task.RegisterTimerHandler("", nil); err == nil {
		t.Fatal("empty operator name accepted")
	}
	p := &timerProbe{domain: EventTime}
	_, err := NewProcess[timerCmd, string](task, "p", p, &collector[string]{})
	ok(t, err)
	if _, err := NewProcess[timerCmd, string](task, "p", p, &collector[string]{}); err == nil {
		t.Fatal("duplicate operator name accepted")
	}
}
