package runtime

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// strictInt decodes a record value as a decimal int64 and its event time
// from the value.
var strictInt = DeserializerFunc[int64](func(r *Record) (int64, error) {
	return strconv.ParseInt(string(r.Value), 10, 64)
})

func TestAddSourceWithDeadLetterKeepsEachSourcesPolicy(t *testing.T) {
	var good *collector[int64]
	build := func(task *Task) error {
		good = &collector[int64]{}
		if err := AddSourceWithDeadLetter(task, SourceConfig[int64]{
			Topic:        "lenient",
			Deserializer: strictInt,
			EventTime:    func(_ *Record, v *int64) int64 { return *v },
		}, "lenient-dlq", good); err != nil {
			return err
		}
		return AddSourceWithDeadLetter(task, SourceConfig[int64]{Topic: "strict", Deserializer: strictInt}, "", good)
	}
	d, err := NewDriver(DriverConfig{Dir: t.TempDir()}, build)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ok(t, d.Pipe("lenient", []byte("k"), []byte("5000"), 1))
	// A poison record goes to the dead-letter topic and does not move the
	// watermark, even with a huge Kafka timestamp.
	ok(t, d.Pipe("lenient", []byte("k"), []byte("five"), 1<<40, Header{Key: "h", Value: []byte("v")}))
	ok(t, d.Pipe("lenient", []byte("k"), []byte("6000"), 2))
	if got := good.values(); len(got) != 2 || got[0] != 5000 || got[1] != 6000 {
		t.Fatalf("decoded values %v", got)
	}
	task := d.Task(0)
	if wm := task.Watermarks().MaxEventTime(0); wm != 6000 {
		t.Fatalf("max event time %d: the poison record moved it", wm)
	}
	dl := d.Output("lenient-dlq")
	if len(dl) != 1 {
		t.Fatalf("dead letters %+v", dl)
	}
	h := map[string]string{}
	for _, x := range dl[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if string(dl[0].Value) != "five" || string(dl[0].Key) != "k" || dl[0].Timestamp != 1<<40 || h["h"] != "v" ||
		h[HeaderDLQTopic] != "lenient" || h[HeaderDLQOffset] != "1" || !strings.Contains(h[HeaderDLQError], "invalid syntax") {
		t.Fatalf("dead letter %+v %v", dl[0], h)
	}
	if s := task.Stats(); s.DecodeErrors != 1 || s.DeadLettered != 1 {
		t.Fatalf("stats %+v", s)
	}
	// The other source of the same task stops on poison.
	err = d.Pipe("strict", nil, []byte("x"), 3)
	var derr *DecodeError
	if !errors.As(err, &derr) || derr.Topic != "strict" {
		t.Fatalf("a stop-policy source: %v", err)
	}
}

func TestAddSourceWithDeadLetterNeedsASink(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	defer task.Close()
	err := AddSourceWithDeadLetter(task, SourceConfig[int64]{Topic: "a", Deserializer: strictInt}, "a-dlq", Discard[int64]())
	if err == nil || !strings.Contains(err.Error(), "no sink") {
		t.Fatalf("dead-lettering without a sink: %v", err)
	}
	err = AddSourceWithDeadLetter(task, SourceConfig[int64]{Topic: "a"}, "a-dlq", Discard[int64]())
	if err == nil || !strings.Contains(err.Error(), "no deserializer") {
		t.Fatalf("no deserializer: %v", err)
	}
}

// TestDeadLetterIsInputActivity checks, for a source's own dead-letter
// topic and for the task's, that a dead-lettered record wakes an idle
// input (a record did arrive) without moving its watermark.
func TestDeadLetterIsInputActivity(t *testing.T) {
	for _, tc := range []struct {
		name               string
		sourceDLQ, taskDLQ string
	}{
		{"source's topic", "in-dlq", ""},
		{"task's topic", "", "task-dlq"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func(task *Task) error {
				return AddSourceWithDeadLetter(task, SourceConfig[int64]{
					Topic:        "in",
					Deserializer: strictInt,
					EventTime:    func(_ *Record, v *int64) int64 { return *v },
					Watermark:    WatermarkStrategy{IdleTimeout: time.Second},
				}, tc.sourceDLQ, Discard[int64]())
			}
			d, err := NewDriver(DriverConfig{Dir: t.TempDir(), DeadLetterTopic: tc.taskDLQ}, build)
			ok(t, err)
			defer d.Close()
			ok(t, d.Pipe("in", nil, []byte("5000"), 1))
			ok(t, d.AdvanceProcessingTime(2*time.Second))
			wm := d.Task(0).Watermarks()
			if !wm.Idle(0) {
				t.Fatal("the input is not idle after 2s without records")
			}
			ok(t, d.Pipe("in", nil, []byte("poison"), 1<<40))
			if wm.Idle(0) || wm.MaxEventTime(0) != 5000 {
				t.Fatalf("after a dead letter: idle %v, max event time %d; want active at 5000", wm.Idle(0), wm.MaxEventTime(0))
			}
			if got := len(d.Output(tc.sourceDLQ + tc.taskDLQ)); got != 1 {
				t.Fatalf("%d dead letters, want 1", got)
			}
		})
	}
}

// TestIntoDeserializer checks that a source decodes an IntoDeserializer's
// records into its own value, which holds the previous record (what
// object reuse builds on), and that a failed decode goes to the
// dead-letter topic like any other.
func TestIntoDeserializer(t *testing.T) {
	type rec struct {
		n    int64
		prev int64 // the value's n when the decode began
	}
	into := DeserializerIntoFunc[rec](func(r *Record, v *rec) error {
		n, err := strconv.ParseInt(string(r.Value), 10, 64)
		if err != nil {
			return err
		}
		v.prev, v.n = v.n, n
		return nil
	})
	if v, err := into.Deserialize(&Record{Value: []byte("7")}); err != nil || v != (rec{n: 7}) {
		t.Fatalf("Deserialize = %+v, %v; want a new value {n: 7}", v, err)
	}
	var got *collector[rec]
	build := func(task *Task) error {
		got = &collector[rec]{}
		return AddSourceWithDeadLetter(task, SourceConfig[rec]{Topic: "in", Deserializer: into}, "dlq", got)
	}
	d, err := NewDriver(DriverConfig{Dir: t.TempDir()}, build)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i, v := range []string{"1", "2", "x", "3"} {
		ok(t, d.Pipe("in", nil, []byte(v), int64(i)))
	}
	want := []rec{{n: 1, prev: 0}, {n: 2, prev: 1}, {n: 3, prev: 2}}
	if vs := got.values(); len(vs) != len(want) || vs[0] != want[0] || vs[1] != want[1] || vs[2] != want[2] {
		t.Fatalf("values %+v, want %+v", vs, want)
	}
	if dl := d.Output("dlq"); len(dl) != 1 || string(dl[0].Value) != "x" {
		t.Fatalf("dead letters %+v", dl)
	}
}
