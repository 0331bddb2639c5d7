package clickstream

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// The tests drive the pipeline through the generated TestDriver: records
// are encoded as the trackers encode them (Confluent wire format over an
// in-memory registry), decoded by the pipeline, and the outputs decoded
// back. Event time only moves with the clicks' own timestamps (or an
// explicit AdvanceWatermark), so every test is deterministic.

// at returns the time hh:mm:ss on 2026-01-02, the day of every test click.
func at(hms string) time.Time {
	t, err := time.Parse("15:04:05", hms)
	if err != nil {
		panic(err) // a typo in a test
	}
	return time.Date(2026, 1, 2, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// event returns a click of the given kind by user on url at hh:mm:ss.
func event(kind ClickKind, user, url, hms string) Click {
	return Click{
		EventID:   codec.NewRandomUUID(),
		UserID:    user,
		SessionID: "s-" + user,
		Ts:        at(hms),
		Kind:      kind,
		URL:       url,
	}
}

// view returns a page view by user of url at hh:mm:ss.
func view(user, url, hms string) Click { return event(ClickKindPageView, user, url, hms) }

// bot marks c as sent by a bot.
func bot(c Click) Click {
	c.IsBot = true
	return c
}

// newDriver returns a test driver of the pipeline. The tests feed the
// web-clicks topic only; as in production when the app sends nothing,
// app-clicks stops holding event time back after the idleness timeout of
// processing time, which newDriver lets pass first.
func newDriver(t *testing.T, opts ...TestDriverOption) *TestDriver {
	t.Helper()
	d := NewTestDriver(t, NewOperators(), opts...)
	d.AdvanceProcessingTime(idleness)
	return d
}

// idleness is the spec's watermark.idleness.
const idleness = 30 * time.Second

// pipe feeds clicks to the web-clicks topic, keyed by user id as the
// tracker keys them, with the click time as Kafka timestamp.
func pipe(d *TestDriver, clicks ...Click) {
	for _, c := range clicks {
		d.PipeClicks(c.UserID, c, c.Ts)
	}
}

// showViews renders UserViews records as "ann 10:00-10:01 views=2 urls=1".
func showViews(outs []runtime.Output[string, UserViews]) []string {
	var s []string
	for _, o := range outs {
		v := o.Value
		if o.Key != v.UserID || !o.Timestamp.Equal(v.WindowEnd.Add(-time.Millisecond)) {
			s = append(s, fmt.Sprintf("bad record: key %q, timestamp %v for %+v", o.Key, o.Timestamp, v))
			continue
		}
		s = append(s, fmt.Sprintf("%s %s-%s views=%d urls=%d", v.UserID, v.WindowStart.Format("15:04"), v.WindowEnd.Format("15:04"), v.Views, v.DistinctUrls))
	}
	return s
}

// showSessions renders Engagement records as
// "ann 10:00:00-10:05:00 events=3 views=2 bounce=false".
func showSessions(outs []runtime.Output[string, Engagement]) []string {
	var s []string
	for _, o := range outs {
		e := o.Value
		if o.Key != e.UserID || e.DurationMs != e.SessionEnd.Sub(e.SessionStart).Milliseconds() {
			s = append(s, fmt.Sprintf("bad record: key %q for %+v", o.Key, e))
			continue
		}
		s = append(s, fmt.Sprintf("%s %s-%s events=%d views=%d bounce=%t", e.UserID, e.SessionStart.Format("15:04:05"), e.SessionEnd.Format("15:04:05"), e.Events, e.PageViews, e.Bounce))
	}
	return s
}

// showClicks renders clicks as "ann /home 10:00:50".
func showClicks(clicks []Click) []string {
	var s []string
	for _, c := range clicks {
		s = append(s, fmt.Sprintf("%s %s %s", c.UserID, c.URL, c.Ts.Format("15:04:05")))
	}
	return s
}

func sorted(lines []string) []string {
	slices.Sort(lines)
	return lines
}

func checkLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s\n got: %q\nwant: %q", what, got, want)
	}
}

// TestViewsPerMinute follows page views through the one-minute windows:
// what counts, when a window fires, and what happens to late views.
// Event time moves with the clicks: a window [10:00, 10:01) fires once a
// click at 10:01:05 or later has been seen (5s out-of-orderness), and keeps
// accepting late views until one at 10:01:35 or later (30s lateness).
func TestViewsPerMinute(t *testing.T) {
	tests := []struct {
		name   string
		clicks []Click
		views  []string // user-views, in firing order
		late   []string // late-views
	}{{
		name: "only people's page views count",
		clicks: []Click{
			view("ann", "/home", "10:00:05"),
			view("ann", "/docs", "10:00:20"),
			view("ann", "/docs", "10:00:40"),
			event(ClickKindClick, "ann", "/docs#buy", "10:00:41"),
			event(ClickKindScroll, "ann", "/docs", "10:00:42"),
			bot(view("crawler-7", "/home", "10:00:30")),
			view("bob", "/home", "10:00:30"),
			view("bob", "/home", "10:01:05"), // closes the first minute
		},
		views: []string{"ann 10:00-10:01 views=3 urls=2", "bob 10:00-10:01 views=1 urls=1"},
	}, {
		name: "a view within the 5s bound is on time",
		clicks: []Click{
			view("ann", "/a", "10:00:50"),
			view("ann", "/b", "10:01:02"),
			view("ann", "/c", "10:00:58"), // 4s behind: still on time
			view("ann", "/d", "10:01:06"), // the window fires once, with 2 views
		},
		views: []string{"ann 10:00-10:01 views=2 urls=2"},
	}, {
		name: "a late view within 30s fires the window again",
		clicks: []Click{
			view("ann", "/a", "10:00:10"),
			view("ann", "/b", "10:00:20"),
			view("bob", "/x", "10:01:10"), // the window fires with 2 views
			view("ann", "/c", "10:00:50"), // 20s late: fires again with 3
		},
		views: []string{"ann 10:00-10:01 views=2 urls=2", "ann 10:00-10:01 views=3 urls=3"},
	}, {
		name: "a view later than 30s goes to late-views",
		clicks: []Click{
			view("ann", "/a", "10:00:10"),
			view("bob", "/x", "10:01:40"), // fires and then closes ann's window
			view("ann", "/late", "10:00:55"),
		},
		views: []string{"ann 10:00-10:01 views=1 urls=1"},
		late:  []string{"ann /late 10:00:55"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDriver(t)
			pipe(d, tt.clicks...)
			checkLines(t, "user-views", showViews(d.ReadViewsOut()), tt.views)
			var late []Click
			for _, o := range d.ReadLateOut() {
				if o.Key != o.Value.UserID {
					t.Errorf("late-views record keyed %q for user %q", o.Key, o.Value.UserID)
				}
				late = append(late, o.Value)
			}
			checkLines(t, "late-views", showClicks(late), tt.late)
			checkLines(t, "late_views side output", showClicks(d.ReadLateViews()), tt.late)
		})
	}
}

// TestSessions checks the engagement records: a session ends 30 minutes
// after its last event, and an event that falls between two sessions of
// the same user joins them into one.
func TestSessions(t *testing.T) {
	tests := []struct {
		name     string
		clicks   []Click
		sessions []string
	}{{
		name: "a single page view is a bounce",
		clicks: []Click{
			view("ann", "/home", "10:00:00"),
		},
		sessions: []string{"ann 10:00:00-10:00:00 events=1 views=1 bounce=true"},
	}, {
		name: "30 minutes and 2 seconds apart: two sessions",
		clicks: []Click{
			view("ann", "/home", "10:00:00"),
			event(ClickKindClick, "ann", "/home#signup", "10:00:05"),
			view("ann", "/pricing", "10:30:07"),
		},
		sessions: []string{
			"ann 10:00:00-10:00:05 events=2 views=1 bounce=true",
			"ann 10:30:07-10:30:07 events=1 views=1 bounce=true",
		},
	}, {
		name: "an event between them merges the two sessions",
		clicks: []Click{
			view("ann", "/home", "10:00:00"),
			event(ClickKindClick, "ann", "/home#signup", "10:00:05"),
			view("ann", "/pricing", "10:30:07"),
			view("ann", "/docs", "10:30:02"), // 5s out of order: bridges the gap
		},
		sessions: []string{"ann 10:00:00-10:30:07 events=4 views=3 bounce=false"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDriver(t)
			pipe(d, tt.clicks...)
			if got := d.ReadEngagementOut(); len(got) != 0 {
				t.Fatalf("a session fired before 30 minutes passed: %q", showSessions(got))
			}
			d.AdvanceWatermark(at("12:00:00"))
			checkLines(t, "user-engagement", showSessions(d.ReadEngagementOut()), tt.sessions)
		})
	}
}

// pipeApp feeds c to the app-clicks topic as the mobile app's producer
// writes it: the Confluent wire format, with the schema registered in reg.
func pipeApp(t *testing.T, d *TestDriver, reg *runtime.MemoryRegistryFraming, c Click) {
	t.Helper()
	value, err := reg.Frame(nil, "app-clicks", false, c.AvroType())
	if err == nil {
		value, err = c.AppendAvro(value)
	}
	if err == nil {
		err = d.Runtime().Pipe("app-clicks", []byte(c.UserID), value, c.Ts.UnixMilli())
	}
	if err != nil {
		t.Fatalf("piping to app-clicks: %v", err)
	}
}

// TestIdleTopicDoesNotHoldBackEventTime reads clicks from the web site and
// the mobile app. Event time is the slower of the two, so a quiet app would
// hold every window open; after 30s of processing time without app clicks
// (idleness), the web clicks alone move it.
func TestIdleTopicDoesNotHoldBackEventTime(t *testing.T) {
	reg := runtime.NewMemoryRegistryFraming()
	d := NewTestDriver(t, NewOperators(), runtime.WithPipelineOptions(runtime.WithFraming(runtime.FormatAvroConfluent, reg)))
	pipe(d, view("ann", "/home", "10:00:10"))
	pipeApp(t, d, reg, view("ann", "/app/feed", "10:00:20"))
	d.AdvanceProcessingTime(20 * time.Second)
	pipe(d, view("ann", "/docs", "10:01:30"))
	if got := d.ReadViewsOut(); len(got) != 0 {
		t.Fatalf("the window fired while the app topic, at 10:00:20, was active: %q", showViews(got))
	}
	d.AdvanceProcessingTime(15 * time.Second) // 35s without app clicks, 15s since the last web click
	checkLines(t, "user-views", showViews(d.ReadViewsOut()), []string{"ann 10:00-10:01 views=2 urls=2"})
}

// TestStateSurvivesRestarts counts views across a restart of the process
// (the pebble store is closed and reopened) and across a move to a new
// machine (the store is rebuilt from the changelog alone).
func TestStateSurvivesRestarts(t *testing.T) {
	restarts := []struct {
		name    string
		restart func(t *testing.T, d *TestDriver)
	}{
		{"reopen", func(_ *testing.T, d *TestDriver) { d.Reopen() }},
		{"restore from changelog", func(t *testing.T, d *TestDriver) {
			if err := d.Runtime().RestoreFromChangelog(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, r := range restarts {
		t.Run(r.name, func(t *testing.T) {
			d := newDriver(t, runtime.WithPartitions(3))
			pipe(d, view("ann", "/a", "10:00:10"), view("bob", "/a", "10:00:15"), view("ann", "/b", "10:00:30"))
			r.restart(t, d)
			pipe(d, view("ann", "/c", "10:00:40"), view("bob", "/b", "10:00:45"), view("ann", "/d", "10:20:00"))
			d.AdvanceWatermark(at("11:00:00"))
			// ann and bob may live in different partitions (tasks), which
			// fire in task order: compare sorted.
			checkLines(t, "user-views", sorted(showViews(d.ReadViewsOut())), []string{
				"ann 10:00-10:01 views=3 urls=3",
				"ann 10:20-10:21 views=1 urls=1",
				"bob 10:00-10:01 views=2 urls=2",
			})
			checkLines(t, "user-engagement", sorted(showSessions(d.ReadEngagementOut())), []string{
				"ann 10:00:10-10:20:00 events=4 views=4 bounce=false",
				"bob 10:00:15-10:00:45 events=2 views=2 bounce=false",
			})
		})
	}
}

// TestPoisonClicksAreDeadLettered feeds records no Click decoder accepts:
// each goes to clicks-dlq with the original bytes and headers saying what
// failed and where it came from, and the pipeline goes on.
func TestPoisonClicksAreDeadLettered(t *testing.T) {
	reg := runtime.NewMemoryRegistryFraming()
	good := view("ann", "/home", "10:00:00")
	truncated, err := reg.Frame(nil, "web-clicks", false, good.AvroType())
	if err != nil {
		t.Fatal(err)
	}
	truncated, err = good.AppendAvro(truncated)
	if err != nil {
		t.Fatal(err)
	}
	truncated = truncated[:len(truncated)-4]
	tests := []struct {
		name  string
		value []byte
		error string // a part of the streamgen.error header
	}{
		{"not the wire format", []byte(`{"user_id":"ann"}`), "magic byte"},
		{"unknown schema id", []byte{0, 0, 0, 0, 99, 2, 'a'}, "unknown schema id 99"},
		{"truncated datum", truncated, "truncated"},
	}
	d := newDriver(t, runtime.WithPipelineOptions(runtime.WithFraming(runtime.FormatAvroConfluent, reg)))
	for i, tt := range tests {
		if err := d.PipeClicksRaw([]byte("ann"), tt.value, at("10:00:00"), runtime.Header{Key: "trace", Value: []byte(tt.name)}); err != nil {
			t.Fatalf("%s: the pipeline stopped instead of dead-lettering: %v", tt.name, err)
		}
		dl := d.ReadClicksDeadLetters()
		if len(dl) != 1 {
			t.Fatalf("%s: %d dead letters, want 1", tt.name, len(dl))
		}
		r := dl[0]
		headers := map[string]string{}
		for _, h := range r.Headers {
			headers[h.Key] = string(h.Value)
		}
		if r.Topic != "clicks-dlq" || string(r.Key) != "ann" || string(r.Value) != string(tt.value) {
			t.Errorf("%s: dead letter %s key %q value %q", tt.name, r.Topic, r.Key, r.Value)
		}
		if !strings.Contains(headers[runtime.HeaderDLQError], tt.error) {
			t.Errorf("%s: error header %q does not mention %q", tt.name, headers[runtime.HeaderDLQError], tt.error)
		}
		if headers[runtime.HeaderDLQTopic] != "web-clicks" || headers[runtime.HeaderDLQPartition] != "0" || headers[runtime.HeaderDLQOffset] != strconv.Itoa(i) || headers["trace"] != tt.name {
			t.Errorf("%s: headers %q", tt.name, headers)
		}
	}
	pipe(d, good, view("ann", "/docs", "10:01:10"))
	checkLines(t, "user-views after the poison records", showViews(d.ReadViewsOut()), []string{"ann 10:00-10:01 views=1 urls=1"})
}

// TestClicksOfTheFirstTrackerStillCount feeds a click written with the
// first version of the schema (schemas/click_v0.avsc: no kind, no is_bot),
// as a tracker that was never upgraded sends it. The registry id in the
// record names that writer schema, and the pipeline resolves it to the
// current Click by Avro's rules: the missing fields take their defaults,
// so kind is UNKNOWN. Such a click is not a page view, but it is activity:
// it counts in the session.
func TestClicksOfTheFirstTrackerStillCount(t *testing.T) {
	v0, err := schema.Load("schemas/click_v0.avsc")
	if err != nil {
		t.Fatal(err)
	}
	writer, ok := v0.Lookup("com.example.clickstream.Click")
	if !ok {
		t.Fatal("click_v0.avsc defines no com.example.clickstream.Click")
	}
	reg := runtime.NewMemoryRegistryFraming()
	value, err := reg.Frame(nil, "web-clicks", false, writer)
	if err != nil {
		t.Fatal(err)
	}
	value, err = codec.AvroJSONToBinary(value, writer, []byte(`{
		"event_id": "0b9e5cc4-5a8f-4d6e-9a43-3f5e1d3b8c21",
		"user_id": "ann",
		"session_id": "s-ann",
		"ts": `+strconv.FormatInt(at("10:00:30").UnixMilli(), 10)+`,
		"url": "/legacy"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, runtime.WithPipelineOptions(runtime.WithFraming(runtime.FormatAvroConfluent, reg)))
	pipe(d, view("ann", "/home", "10:00:00"))
	if err := d.PipeClicksRaw([]byte("ann"), value, at("10:00:30")); err != nil {
		t.Fatal(err)
	}
	if dl := d.ReadClicksDeadLetters(); len(dl) != 0 {
		t.Fatalf("the v0 click was dead-lettered: %s", dl[0].Headers[0].Value)
	}
	d.AdvanceWatermark(at("12:00:00"))
	checkLines(t, "user-views", showViews(d.ReadViewsOut()), []string{"ann 10:00-10:01 views=1 urls=1"})
	checkLines(t, "user-engagement", showSessions(d.ReadEngagementOut()), []string{"ann 10:00:00-10:00:30 events=2 views=1 bounce=true"})
}

// The generated window queries read a user's windows from the driver: the
// minutes whose views the pipeline still holds (the last fired one until
// its 30s of lateness pass) and the open session.
func TestQueryWindows(t *testing.T) {
	d := newDriver(t)
	pipe(d,
		view("ann", "/home", "10:00:05"),
		view("ann", "/docs", "10:00:20"),
		event(ClickKindScroll, "ann", "/docs", "10:00:30"),
		view("ann", "/docs", "10:01:10"),
		view("bob", "/home", "10:01:12"), // the first minute has fired
	)
	ctx := context.Background()
	views, err := QueryViews(ctx, d.Runtime(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range views {
		got = append(got, fmt.Sprintf("%s-%s views=%d urls=%d", time.UnixMilli(w.Window.Start).UTC().Format("15:04"),
			time.UnixMilli(w.Window.End).UTC().Format("15:04"), w.Value.Views, len(w.Value.Urls)))
	}
	checkLines(t, "views of ann", got, []string{"10:00-10:01 views=2 urls=2", "10:01-10:02 views=1 urls=1"})
	sessions := d.SessionsWindows("ann") // QuerySessions over the driver
	if len(sessions) != 1 || sessions[0].Value.Events != 4 || sessions[0].Value.PageViews != 3 || !sessions[0].Value.First.Equal(at("10:00:05")) {
		t.Errorf("sessions of ann: %+v", sessions)
	}
	if views, err := QueryViews(ctx, d.Runtime(), "nobody"); err != nil || views != nil {
		t.Errorf("views of nobody: %v %v", views, err)
	}
}

// The views endpoint answers from the views window's state.
func TestViewsHandler(t *testing.T) {
	d := newDriver(t)
	pipe(d, view("ann", "/home", "10:00:05"), view("ann", "/docs", "10:00:20"), view("ann", "/docs", "10:00:40"))
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}/views", ViewsHandler(d.Runtime()))
	for _, c := range []struct{ user, body string }{
		{"ann", `[{"start":"2026-01-02T10:00:00Z","end":"2026-01-02T10:01:00Z","views":3,"distinct_urls":2}]`},
		{"bob", `[]`},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/users/"+c.user+"/views", nil))
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != c.body {
			t.Errorf("%s: %d %q, want %q", c.user, rec.Code, rec.Body.String(), c.body)
		}
	}
}

// The generated QueryHandler answers a window operator with the key's
// windows and accumulators, as Avro JSON.
func TestQueryHandler(t *testing.T) {
	d := newDriver(t)
	pipe(d, view("ann", "/home", "10:00:05"), view("ann", "/docs", "10:00:20"))
	rec := httptest.NewRecorder()
	QueryHandler(d.Runtime()).ServeHTTP(rec, httptest.NewRequest("GET", "/state/views?key=ann", nil))
	var got []struct {
		Start, End string
		Value      struct {
			Views int64
			Urls  map[string]int32
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil {
		t.Fatalf("/state/views?key=ann: %d %s (%v)", rec.Code, rec.Body.String(), err)
	}
	if len(got) != 1 || got[0].Start != "2026-01-02T10:00:00Z" || got[0].End != "2026-01-02T10:01:00Z" || got[0].Value.Views != 2 ||
		!maps.Equal(got[0].Value.Urls, map[string]int32{"/docs": 1, "/home": 1}) {
		t.Errorf("/state/views?key=ann: %s", rec.Body.String())
	}
}
