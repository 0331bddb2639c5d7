package clicks

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// The operator implementations a user of the clicks pipeline writes.

type views struct{}

func (views) CreateAccumulator() int64     { return 0 }
func (views) Add(_ Click, acc int64) int64 { return acc + 1 }
func (views) Merge(a, b int64) int64       { return a + b }
func (views) Result(key string, w runtime.Window, acc int64) (UserViews, error) {
	return UserViews{UserID: key, WindowStart: time.UnixMilli(w.Start).UTC(), WindowEnd: time.UnixMilli(w.End).UTC(), Views: acc}, nil
}

type perClick struct{}

func (perClick) Map(_ *runtime.Context, _ Click) (int64, error) { return 1, nil }

type sessions struct{}

func (sessions) Reduce(a, b int64) (int64, error) { return a + b, nil }

type sessionText struct{}

func (sessionText) Map(c *runtime.Context, n int64) (string, error) {
	return fmt.Sprintf("%d clicks, session ends at %d", n, c.Timestamp()+1), nil
}

type pages struct{}

func (pages) Process(_ *runtime.Context, key string, w runtime.Window, elems []Click, out *runtime.Emitter[string]) error {
	urls := make([]string, len(elems))
	for i, e := range elems {
		urls[i] = e.URL
	}
	return out.Emit(fmt.Sprintf("%s [%d,%d): %s", key, w.Start, w.End, strings.Join(urls, " ")))
}

// quiet alerts when a user goes 30s of event time without a click, pings
// every minute of processing time, and keeps every kind of state.
type quiet struct{}

func (quiet) ProcessElement(c *QuietContext, v Click, out *runtime.Emitter[Alert]) error {
	n, _, err := c.State.Counts.Get(c.Context, v.URL)
	if err != nil {
		return err
	}
	if err := c.State.Counts.Put(c.Context, v.URL, n+1); err != nil {
		return err
	}
	if err := c.State.LastSeen.Set(c.Context, c.Timestamp()); err != nil {
		return err
	}
	if err := c.State.Recent.Add(c.Context, v); err != nil {
		return err
	}
	if err := c.State.Total.Add(c.Context, 1); err != nil {
		return err
	}
	if v.URL == "" {
		if err := c.EmitErrors("empty url for " + c.Key()); err != nil {
			return err
		}
	}
	if err := c.EmitNotes("seen " + v.URL); err != nil {
		return err
	}
	if err := c.RegisterProcessingTimer(c.ProcessingTime() + 60_000); err != nil {
		return err
	}
	return c.RegisterEventTimer(c.Timestamp() + 30_000)
}

func (quiet) OnTimer(c *QuietContext, tm runtime.Timer, out *runtime.Emitter[Alert]) error {
	if tm.Domain == runtime.ProcessingTime {
		return out.Emit(Alert{UserID: c.Key(), Message: "ping"})
	}
	last, ok, err := c.State.LastSeen.Get(c.Context)
	if err != nil || !ok || last+30_000 != tm.Time {
		return err
	}
	return out.Emit(Alert{UserID: c.Key(), Message: fmt.Sprintf("quiet since %d", last)})
}

func (quiet) ReduceTotal(a, b int64) (int64, error) { return a + b, nil }

func ops() Operators {
	return Operators{
		Views:       views{},
		PerClick:    perClick{},
		Sessions:    sessions{},
		SessionText: sessionText{},
		Pages:       pages{},
		Quiet:       quiet{},
	}
}

func at(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func click(user, url string, ms int64) Click { return Click{UserID: user, URL: url, Ts: at(ms)} }

func TestTumblingWindowLatenessAndLateOutput(t *testing.T) {
	d := NewTestDriver(t, ops())
	for _, c := range []Click{click("ann", "/a", 0), click("ann", "/b", 10_000), click("bob", "/a", 20_000), click("ann", "/c", 30_000)} {
		d.PipeClicks(c.UserID, c, c.Ts)
	}
	if got := d.ReadViewsOut(); len(got) != 0 {
		t.Fatalf("window fired before the watermark passed it: %+v", got)
	}
	// 70s moves the watermark to 68.999s (1s out of orderness): [0,60s) fires.
	d.PipeClicks("ann", click("ann", "/d", 70_000), at(70_000))
	got := d.ReadViewsOut()
	want := []runtime.Output[string, UserViews]{
		{Key: "ann", Value: UserViews{UserID: "ann", WindowStart: at(0), WindowEnd: at(60_000), Views: 3}, Timestamp: at(59_999)},
		{Key: "bob", Value: UserViews{UserID: "bob", WindowStart: at(0), WindowEnd: at(60_000), Views: 1}, Timestamp: at(59_999)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("views:\n got %+v\nwant %+v", got, want)
	}
	// Late but within the allowed 10s: the window fires again, updated.
	d.PipeClicks("ann", click("ann", "/e", 55_000), at(55_000))
	if got := d.ReadViewsOut(); len(got) != 1 || got[0].Value.Views != 4 || got[0].Key != "ann" {
		t.Fatalf("late firing: %+v", got)
	}
	// 85s moves the watermark past 69.999s: the window is gone, and a
	// record for it goes to the late output.
	d.PipeClicks("ann", click("ann", "/f", 85_000), at(85_000))
	d.PipeClicks("ann", click("ann", "/late", 50_000), at(50_000))
	if got := d.ReadViewsOut(); len(got) != 0 {
		t.Fatalf("a closed window fired: %+v", got)
	}
	if late := d.ReadLateClicks(); len(late) != 1 || late[0].URL != "/late" {
		t.Fatalf("late output: %+v", late)
	}
}

func TestSessionWindowsMerge(t *testing.T) {
	d := NewTestDriver(t, ops())
	// [0,5m) and [5m0.5s,10m0.5s) do not touch; the watermark (5m0.5s - 1s)
	// has not closed the first.
	for _, ms := range []int64{0, 300_500} {
		d.PipeClicks("carl", click("carl", "/x", ms), at(ms))
	}
	if got := d.ReadSessionsOut(); len(got) != 0 {
		t.Fatalf("sessions fired early: %+v", got)
	}
	// A click at 5m touches both: one session of three.
	d.PipeClicks("carl", click("carl", "/x", 300_000), at(300_000))
	d.AdvanceWatermark(at(3_600_000))
	got := d.ReadSessionsOut()
	if len(got) != 1 || got[0].Key != "carl" || got[0].Value != "3 clicks, session ends at 600500" || !got[0].Timestamp.Equal(at(600_499)) {
		t.Fatalf("sessions: %+v", got)
	}
}

func TestSlidingWindowProcess(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeClicks("dan", click("dan", "/a", 30_000), at(30_000))
	d.PipeClicks("dan", click("dan", "/b", 90_000), at(90_000))
	d.AdvanceWatermark(at(600_000))
	var got []string
	for _, o := range d.ReadPagesOut() {
		got = append(got, o.Key+" | "+o.Value)
	}
	want := []string{
		"dan | dan [-60000,60000): /a",
		"dan | dan [0,120000): /a /b",
		"dan | dan [60000,180000): /b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pages:\n got %q\nwant %q", got, want)
	}
}

func TestProcessStateTimersSideOutputsAndReopen(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithPartitions(3))
	d.PipeClicks("ann", click("ann", "/a", 1_000), at(1_000))
	d.PipeClicks("ann", click("ann", "", 2_000), at(2_000))
	d.PipeClicks("bob", click("bob", "/a", 2_500), at(2_500))

	if got := d.QuietCounts("ann"); !reflect.DeepEqual(got, map[string]int64{"/a": 1, "": 1}) {
		t.Fatalf("counts: %v", got)
	}
	if n, ok := d.QuietTotal("ann"); !ok || n != 2 {
		t.Fatalf("total: %d %v", n, ok)
	}
	if last, ok := d.QuietLastSeen("ann"); !ok || last != 2_000 {
		t.Fatalf("last seen: %d %v", last, ok)
	}
	if recent := d.QuietRecent("ann"); len(recent) != 2 || recent[1].URL != "" || recent[0].URL != "/a" {
		t.Fatalf("recent: %+v", recent)
	}
	if _, ok := d.QuietTotal("nobody"); ok {
		t.Fatal("state for a key never seen")
	}
	// A side output read by a sink, seen both ways; one nothing reads.
	if got := d.ReadErrorsOut(); len(got) != 1 || got[0].Value != "empty url for ann" {
		t.Fatalf("errors sink: %+v", got)
	}
	if got := d.ReadQuietErrors(); !reflect.DeepEqual(got, []string{"empty url for ann"}) {
		t.Fatalf("errors side output: %q", got)
	}
	if got := d.ReadQuietNotes(); !reflect.DeepEqual(got, []string{"seen /a", "seen ", "seen /a"}) {
		t.Fatalf("notes: %q", got)
	}

	// State and timers survive a restart.
	d.Reopen()
	if n, ok := d.QuietTotal("ann"); !ok || n != 2 {
		t.Fatalf("total after reopen: %d %v", n, ok)
	}
	d.AdvanceWatermark(at(40_000))
	if got, want := alertTexts(d.ReadAlertsOut()), []string{"ann: quiet since 2000", "bob: quiet since 2500"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("event-time alerts %q, want %q", got, want)
	}
	// One processing-time timer per key: registering it twice keeps one.
	d.AdvanceProcessingTime(2 * time.Minute)
	if got, want := alertTexts(d.ReadAlertsOut()), []string{"ann: ping", "bob: ping"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("processing-time alerts %q, want %q", got, want)
	}
	// last_seen has a TTL of 1h of processing time.
	d.AdvanceProcessingTime(2 * time.Hour)
	if _, ok := d.QuietLastSeen("ann"); ok {
		t.Fatal("last_seen outlived its TTL")
	}
	if n, ok := d.QuietTotal("ann"); !ok || n != 2 {
		t.Fatalf("total has no TTL but is %d %v", n, ok)
	}
}

// alertTexts renders alerts as "key: message", sorted (tasks fire in
// partition order).
func alertTexts(outs []runtime.Output[string, Alert]) []string {
	var s []string
	for _, a := range outs {
		s = append(s, a.Key+": "+a.Value.Message)
	}
	sort.Strings(s)
	return s
}

func TestManualCommitAndAbort(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithManualCommit())
	d.PipeClicks("eve", click("eve", "/a", 1_000), at(1_000))
	d.Abort()
	if _, ok := d.QuietTotal("eve"); ok {
		t.Fatal("aborted state is still there")
	}
	d.PipeClicks("eve", click("eve", "/a", 1_000), at(1_000))
	if got := d.ReadQuietNotes(); len(got) != 0 {
		t.Fatalf("uncommitted side outputs are visible: %q", got)
	}
	d.Commit()
	if n, ok := d.QuietTotal("eve"); !ok || n != 1 {
		t.Fatalf("committed total %d %v", n, ok)
	}
	if got := d.ReadQuietNotes(); len(got) != 1 {
		t.Fatalf("committed notes: %q", got)
	}
}

func TestDeadLetters(t *testing.T) {
	d := NewTestDriver(t, ops())
	if err := d.PipeClicksRaw([]byte("ann"), []byte{0x02, 0xff}, at(5_000), runtime.Header{Key: "trace", Value: []byte("t1")}); err != nil {
		t.Fatalf("a dead-letter source failed on a poison record: %v", err)
	}
	dl := d.ReadClicksDeadLetters()
	if len(dl) != 1 {
		t.Fatalf("dead letters: %+v", dl)
	}
	r := dl[0]
	headers := map[string]string{}
	for _, h := range r.Headers {
		headers[h.Key] = string(h.Value)
	}
	if string(r.Key) != "ann" || !bytes.Equal(r.Value, []byte{0x02, 0xff}) || r.Topic != "clicks-dlq" ||
		headers["trace"] != "t1" || headers[runtime.HeaderDLQTopic] != "clicks" || headers[runtime.HeaderDLQOffset] != "0" ||
		headers[runtime.HeaderDLQPartition] != "0" || headers[runtime.HeaderDLQError] == "" {
		t.Fatalf("dead letter %+v, headers %v", r, headers)
	}
	// The pipeline goes on.
	d.PipeClicks("ann", click("ann", "/a", 6_000), at(6_000))
	if n, ok := d.QuietTotal("ann"); !ok || n != 1 {
		t.Fatalf("total after a poison record: %d %v", n, ok)
	}
}

// recorder is a testing.TB that records Errorf instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestGoldenFixtures(t *testing.T) {
	dir := t.TempDir()
	inputs := filepath.Join(dir, "inputs.jsonl")
	golden := filepath.Join(dir, "outputs.golden")
	fixture := `# two clicks, then the watermark moves on
{"source":"clicks","key":"ann","ts":"1970-01-01T00:00:01Z","value":{"user_id":"ann","url":"/a","ts":1000}}
{"source":"clicks","key":"ann","ts":"1970-01-01T00:00:02Z","value":{"user_id":"ann","url":"/b","ts":2000}}

{"advance_watermark":"1970-01-01T00:10:00Z"}
{"advance_processing_time":"90s"}
`
	if err := os.WriteFile(inputs, []byte(fixture), 0o644); err != nil {
		t.Fatal(err)
	}
	NewTestDriver(t, ops()).Golden(t, inputs, golden, true)
	got, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"output":"views_out","ts":"1970-01-01T00:00:59.999Z","key":"ann","value":{"user_id":"ann","views":2,"window_end":60000,"window_start":0}}
{"output":"sessions_out","ts":"1970-01-01T00:05:01.999Z","key":"ann","value":"2 clicks, session ends at 302000"}
{"output":"pages_out","ts":"1970-01-01T00:00:59.999Z","key":"ann","value":"ann [-60000,60000): /a /b"}
{"output":"pages_out","ts":"1970-01-01T00:01:59.999Z","key":"ann","value":"ann [0,120000): /a /b"}
{"output":"alerts_out","ts":"1970-01-01T00:00:32Z","key":"ann","value":{"message":"quiet since 2000","user_id":"ann"}}
{"output":"alerts_out","ts":"1970-01-01T00:01:00Z","key":"ann","value":{"message":"ping","user_id":"ann"}}
{"output":"quiet.notes","ts":"1970-01-01T00:00:01Z","key":"ann","value":"seen /a"}
{"output":"quiet.notes","ts":"1970-01-01T00:00:02Z","key":"ann","value":"seen /b"}
`
	if string(got) != want {
		t.Fatalf("golden file:\n%s\nwant:\n%s", got, want)
	}
	// The same fixtures against the written file pass...
	NewTestDriver(t, ops()).Golden(t, inputs, golden, false)
	// ...and a changed expectation is reported.
	if err := os.WriteFile(golden, []byte(strings.Replace(want, `"views":2`, `"views":3`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	NewTestDriver(t, ops()).Golden(rec, inputs, golden, false)
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "line 1:") {
		t.Fatalf("a stale golden file was not reported: %q", rec.errors)
	}
}

func TestNewPipelineNamesMissingOperators(t *testing.T) {
	o := ops()
	o.Pages, o.Quiet = nil, nil
	_, err := NewPipeline(o)
	if err == nil || !strings.Contains(err.Error(), "operators.pages") || !strings.Contains(err.Error(), "operators.quiet") || !strings.Contains(err.Error(), "Operators.Quiet") {
		t.Fatalf("NewPipeline with missing operators: %v", err)
	}
	if _, err := NewPipeline(ops(), runtime.WithTopics("nope", "x")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("NewPipeline with an unknown source: %v", err)
	}
	p, err := NewPipeline(ops(), runtime.WithName("clicks-copy"), runtime.WithTopics("clicks", "c1", "c2"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Spec()
	if s.Name != "clicks-copy" || len(s.Inputs) != 1 || !reflect.DeepEqual(s.Inputs[0].Topics, []string{"c1", "c2"}) ||
		s.Inputs[0].DeadLetterTopic != "clicks-dlq" || len(s.Outputs) != 5 || s.Outputs[0].Topic != "user-views" || s.CommitInterval != 100*time.Millisecond {
		t.Fatalf("spec %+v", s)
	}
}

// TestHotPathAllocations checks that the generated serde costs what the
// bytes need and nothing more: decoding a Click allocates its one string
// arena; serializing an alert allocates its key and its value.
func TestHotPathAllocations(t *testing.T) {
	p, err := NewPipeline(ops())
	if err != nil {
		t.Fatal(err)
	}
	c := click("ann", "/home", 1_000)
	data, err := p.appendAvroClick(nil, "clicks", &c)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if _, err := p.decodeAvroClick("clicks", data); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("decoding a Click allocates %v times, want at most 1", n)
	}
	store, err := runtime.OpenStore(t.TempDir(), runtime.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	task, err := store.OpenTask(0, runtime.TaskConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer task.Close()
	ctx := task.ContextFor([]byte("ann"))
	s := &sgAlertsOutSerializer{p: p}
	var out runtime.OutRecord
	alert := Alert{UserID: "ann", Message: "quiet"}
	if n := testing.AllocsPerRun(100, func() {
		out = runtime.OutRecord{Topic: "alerts"}
		if err := s.Serialize(ctx, alert, &out); err != nil {
			t.Fatal(err)
		}
	}); n != 2 {
		t.Errorf("serializing an alert allocates %v times, want 2 (key and value)", n)
	}
	var back Alert
	if err := back.UnmarshalAvro(out.Value); err != nil || back != alert || string(out.Key) != "ann" {
		t.Fatalf("serialized %q %q: %+v %v", out.Key, out.Value, back, err)
	}
}
