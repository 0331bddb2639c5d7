package runtime

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestMurmur2MatchesKafka(t *testing.T) {
	// Golden values of Kafka's Utils.murmur2 (its UtilsTest.testMurmur2).
	cases := map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "abc": 479470107,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
	}
	for k, want := range cases {
		if got := int32(Murmur2([]byte(k))); got != want {
			t.Errorf("Murmur2(%q) = %d, want %d", k, got, want)
		}
	}
}

// pageViews is the clickstream example in miniature: page views per user
// per 10 ms tumbling window, with a late side output.
func pageViews(t *Task) error {
	counts, err := NewWindowAggregate[string, int64, int64](t, "views", WindowSpec[string]{
		Assigner:        TumblingWindows(10*time.Millisecond, 0),
		AllowedLateness: 5 * time.Millisecond,
		LateData:        NewOutputTag[string]("late-views"),
	}, countAgg{}, Int64Codec{}, NodeFunc[Windowed[int64]](func(c *Context, w *Windowed[int64]) error {
		return c.Task().sink.Send(&OutRecord{
			Topic: "views-per-user", Partition: AnyPartition, Key: append([]byte(nil), c.Key()...),
			Value: fmt.Appendf(nil, "[%d,%d)=%d", w.Window.Start, w.Window.End, w.Value), Timestamp: c.Timestamp(),
		})
	}))
	if err != nil {
		return err
	}
	_, err = AddSource(t, SourceConfig[string]{
		Topic: "views", Deserializer: ValueDeserializer[string](StringCodec{}),
		Watermark: WatermarkStrategy{OutOfOrderness: 2 * time.Millisecond},
	}, counts)
	return err
}

type countAgg struct{}

func (countAgg) CreateAccumulator() int64       { return 0 }
func (countAgg) Add(_ *string, acc int64) int64 { return acc + 1 }
func (countAgg) Merge(a, b int64) int64         { return a + b }
func (countAgg) Result(acc int64) int64         { return acc }

func render(rs []OutRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %s@%d", r.Key, r.Value, r.Timestamp))
	}
	return out
}

func TestDriverEndToEnd(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 3}, pageViews)
	ok(t, err)
	defer d.Close()
	for i, user := range []string{"ann", "bob", "ann", "cid", "ann"} {
		ok(t, d.Pipe("views", []byte(user), []byte("/page"), int64(i)))
	}
	if len(d.Output("views-per-user")) != 0 {
		t.Fatal("windows fired before the watermark")
	}
	// Each partition's watermark follows its own records; an explicit
	// advance fires everything.
	ok(t, d.AdvanceWatermark(9))
	got := render(d.TakeOutput("views-per-user"))
	want := map[string]bool{"ann [0,10)=3@9": true, "bob [0,10)=1@9": true, "cid [0,10)=1@9": true}
	if len(got) != 3 {
		t.Fatalf("got %v", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("unexpected result %q in %v", g, got)
		}
	}
	// Late but allowed, then too late.
	ok(t, d.Pipe("views", []byte("ann"), []byte("/late"), 8))
	if got := render(d.TakeOutput("views-per-user")); !reflect.DeepEqual(got, []string{"ann [0,10)=4@9"}) {
		t.Fatalf("late re-fire %v", got)
	}
	ok(t, d.AdvanceWatermark(20))
	ok(t, d.Pipe("views", []byte("ann"), []byte("/too-late"), 3))
	late := d.TakeSideOutput("late-views")
	if len(late) != 1 || late[0].Value != "/too-late" || string(late[0].Key) != "ann" || late[0].Task != TaskID(d.PartitionFor([]byte("ann"))) {
		t.Fatalf("late side output %+v", late)
	}
	if _, err := StateHandle[*ValueState[int64]](d.Task(0), "views/acc"); err == nil {
		t.Fatal("window internals exposed as a state handle")
	}
	if d.Task(d.PartitionFor([]byte("ann"))).Stats().Records != 5 {
		t.Fatalf("ann's task saw %d records", d.Task(d.PartitionFor([]byte("ann"))).Stats().Records)
	}
}

func TestDriverReopenAndRestore(t *testing.T) {
	for _, mode := range []string{"reopen", "restore"} {
		t.Run(mode, func(t *testing.T) {
			d, err := NewDriver(DriverConfig{Dir: t.TempDir(), Partitions: 2, Store: StoreOptions{CacheEntries: 2}}, pageViews)
			ok(t, err)
			defer d.Close()
			users := []string{"u1", "u2", "u3", "u4", "u5"}
			for i, u := range users {
				ok(t, d.Pipe("views", []byte(u), nil, int64(10+i)))
				ok(t, d.Pipe("views", []byte(u), nil, int64(11+i)))
			}
			if mode == "reopen" {
				ok(t, d.Reopen())
			} else {
				ok(t, d.RestoreFromChangelog())
			}
			ok(t, d.Pipe("views", []byte("u1"), nil, 19))
			ok(t, d.AdvanceWatermark(19))
			got := map[string]bool{}
			for _, r := range render(d.TakeOutput("views-per-user")) {
				got[r] = true
			}
			want := map[string]bool{"u1 [10,20)=3@19": true, "u2 [10,20)=2@19": true, "u3 [10,20)=2@19": true, "u4 [10,20)=2@19": true, "u5 [10,20)=2@19": true}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after %s got %v, want %v", mode, got, want)
			}
		})
	}
}

func TestDriverManualCommitAndAbort(t *testing.T) {
	d, err := NewDriver(DriverConfig{Dir: t.TempDir(), ManualCommit: true, StartTime: 1000}, pageViews)
	ok(t, err)
	defer d.Close()
	ok(t, d.Pipe("views", []byte("a"), nil, 1))
	ok(t, d.Commit())
	ok(t, d.Pipe("views", []byte("a"), nil, 2))
	ok(t, d.AdvanceWatermark(9))
	if len(d.Output("views-per-user")) != 0 {
		t.Fatal("uncommitted output visible")
	}
	ok(t, d.Abort())
	ok(t, d.AdvanceWatermark(9))
	ok(t, d.Commit())
	if got := render(d.Output("views-per-user")); !reflect.DeepEqual(got, []string{"a [0,10)=1@9"}) {
		t.Fatalf("after abort and replay got %v", got)
	}
	if len(d.Changelog(0)) == 0 || d.ProcessingTime() != 1000 {
		t.Fatalf("changelog %d records, processing time %d", len(d.Changelog(0)), d.ProcessingTime())
	}
	ok(t, d.AdvanceProcessingTime(time.Second))
	if d.Task(0).ProcessingTime() != 2000 {
		t.Fatalf("task processing time %d", d.Task(0).ProcessingTime())
	}
	if err := d.PipeRecord(Record{Topic: "views", Partition: 5}); err == nil {
		t.Fatal("record for a missing partition accepted")
	}
}
