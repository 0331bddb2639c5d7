package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestStatelessOperators(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	c := &task.ctx
	double := func(_ *Context, v *int64) (int64, error) { return 2 * *v, nil }
	even := func(_ *Context, v *int64) (bool, error) { return *v%2 == 0, nil }
	repeat := func(_ *Context, v *int64, out *Emitter[string]) error {
		for i := int64(0); i < *v; i++ {
			if err := out.Emit(strconv.FormatInt(*v, 10)); err != nil {
				return err
			}
		}
		return nil
	}
	cases := []struct {
		name string
		in   []int64
		run  func(out *collector[string]) Node[int64]
		want []string
	}{
		{"map", []int64{1, 2}, func(out *collector[string]) Node[int64] {
			return Map(double, Map(func(_ *Context, v *int64) (string, error) { return fmt.Sprint(*v), nil }, Node[string](out)))
		}, []string{"2", "4"}},
		{"filter", []int64{1, 2, 3, 4}, func(out *collector[string]) Node[int64] {
			return Filter(even, FlatMap(repeat, Node[string](out)))
		}, []string{"2", "2", "4", "4", "4", "4"}},
		{"flatmap to nothing", []int64{0, 0}, func(out *collector[string]) Node[int64] {
			return FlatMap(repeat, Node[string](out))
		}, nil},
		{"fanout and union", []int64{1, 3}, func(out *collector[string]) Node[int64] {
			u := Union[string](out)
			toS := func(prefix string) Node[int64] {
				return Map(func(_ *Context, v *int64) (string, error) { return prefix + fmt.Sprint(*v), nil }, u)
			}
			return Fanout(toS("x"), Filter(func(_ *Context, v *int64) (bool, error) { return *v > 1, nil }, toS("y")))
		}, []string{"x1", "x3", "y3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := &collector[string]{}
			n := tc.run(out)
			for _, v := range tc.in {
				ok(t, n.Push(c, &v))
			}
			if got := out.values(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	boom := errors.New("boom")
	failing := Map(func(*Context, *int64) (int64, error) { return 0, boom }, Discard[int64]())
	if err := failing.Push(c, new(int64(1))); !errors.Is(err, boom) {
		t.Fatalf("map error not returned: %v", err)
	}
}

type word struct {
	User string
	Text string
}

func TestKeyByScopesDownstreamAndRestoresKey(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	byUser := &collector[word]{}
	after := &collector[word]{}
	chain := Fanout(
		KeyBy(func(w *word) string { return w.User }, Codec[string](StringCodec{}), Node[word](byUser)),
		Node[word](after),
	)
	c := &task.ctx
	c.SetKey([]byte("record-key"))
	ok(t, chain.Push(c, &word{User: "ann"}))
	c.SetKey(nil)
	c.keyed = false
	if _, err := KeyAs(c, Codec[string](StringCodec{})); err != ErrNoKey {
		t.Fatalf("KeyAs without key: %v", err)
	}
	c.SetKey([]byte("record-key"))
	if k, err := KeyAs(c, Codec[string](StringCodec{})); err != nil || k != "record-key" {
		t.Fatalf("KeyAs = %q, %v", k, err)
	}
	if string(byUser.got[0].Key) != "ann" {
		t.Fatalf("KeyBy set key %q", byUser.got[0].Key)
	}
	if string(after.got[0].Key) != "record-key" {
		t.Fatalf("sibling branch saw key %q; KeyBy must restore the key", after.got[0].Key)
	}
}

// counter counts per key in value state and emits "key=count"; on a
// timer it emits "key expired".
type counter struct{ count *ValueState[int64] }

func (p *counter) ProcessElement(c *Context, v *string, out *Emitter[string]) error {
	n, _, err := p.count.Get(c)
	if err != nil {
		return err
	}
	n++
	if err := p.count.Set(c, n); err != nil {
		return err
	}
	if err := c.RegisterEventTimer(c.Timestamp() + 100); err != nil {
		return err
	}
	return out.Emit(fmt.Sprintf("%s=%d", c.Key(), n))
}

func (p *counter) OnTimer(c *Context, tm Timer, out *Emitter[string]) error {
	n, found, err := p.count.Get(c)
	if err != nil || !found {
		return err
	}
	if err := p.count.Clear(c); err != nil {
		return err
	}
	return out.Emit(fmt.Sprintf("%s expired after %d", c.Key(), n))
}

func TestProcessWithStateTimersAndSink(t *testing.T) {
	s := testStore(t, StoreOptions{})
	var sent []*OutRecord
	task := openTask(t, s, 7, TaskConfig{Sink: SinkFunc(func(r *OutRecord) error { sent = append(sent, r); return nil })})
	count := must[*ValueState[int64]](t)(NewValueState(task, "counter.count", Int64Codec{}, 0))
	sink := must[Node[string]](t)(NewSink(task, "counts", ValueSerializer[string](StringCodec{})))
	proc := must[Node[string]](t)(NewProcess[string, string](task, "counter", &counter{count: count}, sink))
	_, err := AddSource(task, SourceConfig[string]{
		Topic:        "words",
		Deserializer: ValueDeserializer[string](StringCodec{}),
		EventTime:    func(r *Record, v *string) int64 { return r.Timestamp + int64(len(*v)) },
	}, KeyBy(func(v *string) string { return strings.ToLower(*v) }, Codec[string](StringCodec{}), proc))
	ok(t, err)
	for i, w := range []string{"Go", "go", "Rust", "GO"} {
		ok(t, task.Process(&Record{Topic: "words", Partition: 7, Offset: int64(i), Value: []byte(w), Timestamp: int64(10 * i)}))
	}
	var got []string
	for _, r := range sent {
		got = append(got, fmt.Sprintf("%s %s:%s@%d", r.Topic, r.Key, r.Value, r.Timestamp))
	}
	want := []string{"counts go:go=1@2", "counts go:go=2@12", "counts rust:rust=1@24", "counts go:go=3@32"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("sent\n %v\nwant %v", got, want)
	}
	// Timers: go at 102, 112 and 132, rust at 124. At 102 go's count is
	// cleared, so go's later timers find nothing to report.
	ok(t, task.AdvanceWatermark(125))
	ok(t, task.AdvanceWatermark(200))
	got = got[:0]
	for _, r := range sent[4:] {
		got = append(got, fmt.Sprintf("%s:%s@%d", r.Key, r.Value, r.Timestamp))
	}
	if want := []string{"go:go expired after 3@102", "rust:rust expired after 1@124"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("timer outputs %v, want %v", got, want)
	}
	if task.Stats().Outputs != 6 || task.Stats().TimersFired != 4 {
		t.Fatalf("stats %+v", task.Stats())
	}
	if _, err := NewSink(openTask(t, s, 8, TaskConfig{}), "x", ValueSerializer[string](StringCodec{})); err == nil {
		t.Fatal("sink without a task Sink accepted")
	}
}

// reentrant calls back into its own task from a timer and an element.
type reentrant struct{}

func (reentrant) ProcessElement(c *Context, v *string, out *Emitter[string]) error {
	if err := c.Task().AdvanceWatermark(100); err != errReentrant {
		return fmt.Errorf("AdvanceWatermark from an element: %v", err)
	}
	if err := c.Task().Abort(); err != errReentrant {
		return fmt.Errorf("Abort from an element: %v", err)
	}
	return c.RegisterEventTimer(5)
}

func (reentrant) OnTimer(c *Context, tm Timer, out *Emitter[string]) error {
	if _, err := c.Task().Prepare(); err != errReentrant {
		return fmt.Errorf("Prepare from a timer: %v", err)
	}
	return out.Emit("fired")
}

func TestReentrantCallsAreRefused(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	out := &collector[string]{}
	proc := must[Node[string]](t)(NewProcess[string, string](task, "r", reentrant{}, out))
	src := must[*Source[string]](t)(AddSource(task, SourceConfig[string]{Topic: "in", Deserializer: ValueDeserializer[string](StringCodec{})}, proc))
	ok(t, src.Push([]byte("k"), "x", 1))
	ok(t, task.AdvanceWatermark(10))
	if !reflect.DeepEqual(out.values(), []string{"fired"}) {
		t.Fatalf("got %v", out.values())
	}
}

func TestSideOutputs(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	odd := NewOutputTag[int64]("odd")
	unrouted := NewOutputTag[string]("unrouted")
	wrongType := NewOutputTag[string]("odd")
	oddOut, main := &collector[int64]{}, &collector[int64]{}
	ok(t, RouteSideOutput(task, odd, Node[int64](oddOut)))
	if err := RouteSideOutput(task, odd, Node[int64](oddOut)); err == nil {
		t.Fatal("routing a tag twice accepted")
	}
	split := FlatMap(func(c *Context, v *int64, out *Emitter[int64]) error {
		if *v%2 == 1 {
			return odd.Emit(c, *v)
		}
		return out.Emit(*v)
	}, Node[int64](main))
	c := &task.ctx
	for v := int64(1); v <= 5; v++ {
		ok(t, split.Push(c, &v))
	}
	if !reflect.DeepEqual(oddOut.values(), []int64{1, 3, 5}) || !reflect.DeepEqual(main.values(), []int64{2, 4}) {
		t.Fatalf("odd %v main %v", oddOut.values(), main.values())
	}
	ok(t, unrouted.Emit(c, "dropped"))
	var hooked []any
	task.OnUnroutedSideOutput(func(_ *Context, tag string, v any) error { hooked = append(hooked, tag, v); return nil })
	ok(t, ToSideOutput(unrouted).Push(c, new("seen")))
	if !reflect.DeepEqual(hooked, []any{"unrouted", "seen"}) || task.Stats().SideOutputs != 2 {
		t.Fatalf("unrouted hook got %v, stats %d", hooked, task.Stats().SideOutputs)
	}
	if err := wrongType.Emit(c, "x"); err == nil {
		t.Fatal("emitting a string to an int64 route succeeded")
	}
}
