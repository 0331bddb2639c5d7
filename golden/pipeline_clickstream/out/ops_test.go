package pipeline_clickstream

import (
	"flag"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The operators a user of this pipeline writes.

type pageViews struct{}

func (pageViews) Filter(_ *runtime.Context, c Click) (bool, error) {
	return c.Kind == ClickKindPageView, nil
}

type views struct{}

func (views) CreateAccumulator() ViewAcc { return ViewAcc{Urls: map[string]int32{}} }

func (views) Add(c Click, acc ViewAcc) ViewAcc {
	if acc.Urls == nil {
		acc.Urls = map[string]int32{}
	}
	acc.Views++
	acc.Urls[c.URL]++
	return acc
}

func (views) Merge(a, b ViewAcc) ViewAcc {
	for u, n := range b.Urls {
		a.Urls[u] += n
	}
	a.Views += b.Views
	return a
}

func (views) Result(user string, w runtime.Window, acc ViewAcc) (UserViews, error) {
	return UserViews{
		UserID:       user,
		WindowStart:  time.UnixMilli(w.Start).UTC(),
		WindowEnd:    time.UnixMilli(w.End).UTC(),
		Views:        acc.Views,
		DistinctUrls: int32(len(acc.Urls)),
	}, nil
}

type trails struct{}

func (trails) Process(_ *runtime.Context, user string, w runtime.Window, clicks []Click, out *runtime.Emitter[string]) error {
	urls := make([]string, len(clicks))
	for i, c := range clicks {
		urls[i] = c.URL
	}
	return out.Emit(fmt.Sprintf("%s %s..%s: %s", user, time.UnixMilli(w.Start).UTC().Format("15:04"), time.UnixMilli(w.End).UTC().Format("15:04"), strings.Join(urls, " > ")))
}

func ops() Operators { return Operators{PageViews: pageViews{}, Views: views{}, Trails: trails{}} }

func at(min, sec int) time.Time { return time.Date(2026, 1, 2, 10, min, sec, 0, time.UTC) }

func click(user, url string, ts time.Time, kind ClickKind) Click {
	return Click{EventID: codec.NewRandomUUID(), UserID: user, URL: url, Ts: ts, Kind: kind}
}

func TestViewsPerUserPerMinute(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithPartitions(4))
	for _, c := range []Click{
		click("ann", "/home", at(0, 5), ClickKindPageView),
		click("ann", "/docs", at(0, 20), ClickKindPageView),
		click("ann", "/docs", at(0, 40), ClickKindPageView),
		click("ann", "/buy", at(0, 50), ClickKindClick), // not a page view
		click("bob", "/home", at(0, 30), ClickKindPageView),
	} {
		d.PipeClicks(c.UserID, c, c.Ts)
	}
	d.AdvanceWatermark(at(1, 0))
	got := d.ReadViewsOut()
	sort.Slice(got, func(i, j int) bool { return got[i].Key < got[j].Key })
	want := []runtime.Output[string, UserViews]{
		{Key: "ann", Timestamp: at(0, 59).Add(999 * time.Millisecond), Value: UserViews{UserID: "ann", WindowStart: at(0, 0), WindowEnd: at(1, 0), Views: 3, DistinctUrls: 2}},
		{Key: "bob", Timestamp: at(0, 59).Add(999 * time.Millisecond), Value: UserViews{UserID: "bob", WindowStart: at(0, 0), WindowEnd: at(1, 0), Views: 1, DistinctUrls: 1}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("views\n got %+v\nwant %+v", got, want)
	}
}

func TestLateViewsGoToTheirTopic(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeClicks("ann", click("ann", "/a", at(0, 10), ClickKindPageView), at(0, 10))
	d.AdvanceWatermark(at(2, 0)) // past the window and its 30s of lateness
	if got := d.ReadViewsOut(); len(got) != 1 {
		t.Fatalf("views %+v", got)
	}
	late := click("ann", "/late", at(0, 30), ClickKindPageView)
	d.PipeClicks("ann", late, at(2, 1))
	if got := d.ReadViewsOut(); len(got) != 0 {
		t.Fatalf("a closed window fired again: %+v", got)
	}
	out := d.ReadLateOut()
	if len(out) != 1 || out[0].Key != "ann" || out[0].Value != late {
		t.Fatalf("late-views topic %+v", out)
	}
	if side := d.ReadLateViews(); len(side) != 1 || side[0] != late {
		t.Fatalf("late output %+v", side)
	}
}

func TestPoisonClickIsDeadLettered(t *testing.T) {
	d := NewTestDriver(t, ops())
	if err := d.PipeClicksRaw([]byte("ann"), []byte("not avro"), at(0, 0)); err != nil {
		t.Fatal(err)
	}
	dl := d.ReadClicksDeadLetters()
	if len(dl) != 1 || string(dl[0].Value) != "not avro" {
		t.Fatalf("dead letters %+v", dl)
	}
}

func TestGolden(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.Golden(t, filepath.Join("testdata", "clicks.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}

// BenchmarkTask runs encoded clicks of 1,000 users through one task as the
// kafka runner does (decode, filter, key_by, both windows, sinks), with a
// commit every 1,000 records.
func BenchmarkTask(b *testing.B) {
	reg := runtime.NewMemoryRegistryFraming()
	p, err := NewPipeline(ops(), runtime.WithFraming(runtime.FormatAvroConfluent, reg))
	if err != nil {
		b.Fatal(err)
	}
	store, err := runtime.OpenStore(b.TempDir(), runtime.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	task, err := store.OpenTask(0, runtime.TaskConfig{Sink: runtime.SinkFunc(func(*runtime.OutRecord) error { return nil })})
	if err != nil {
		b.Fatal(err)
	}
	defer task.Close()
	if err := p.Spec().Build(task); err != nil {
		b.Fatal(err)
	}
	values := make([][]byte, 1000)
	keys := make([][]byte, len(values))
	for i := range values {
		user := fmt.Sprintf("user-%d", i)
		c := click(user, fmt.Sprintf("/page/%d", i%7), at(0, 0), ClickKindPageView)
		if values[i], err = p.appendAvroConfluentClick(nil, "clicks", &c); err != nil {
			b.Fatal(err)
		}
		keys[i] = []byte(user)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := runtime.Record{Topic: "clicks", Offset: int64(i), Key: keys[i%len(keys)], Value: values[i%len(values)], Timestamp: int64(i)}
		if err := task.Process(&rec); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			if _, err := task.Prepare(); err != nil {
				b.Fatal(err)
			}
			if err := task.Committed(runtime.ChangelogOffset{Topic: "changelog", Offset: int64(i)}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
