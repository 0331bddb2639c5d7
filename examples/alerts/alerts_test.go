package alerts

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// start is the processing time (the wall clock) when every test begins.
var start = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// at returns start + mm:ss, the event time of a test activity.
func at(mmss string) time.Time {
	var m, s int
	if _, err := fmt.Sscanf(mmss, "%d:%d", &m, &s); err != nil {
		panic(err)
	}
	return start.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

func newDriver(t *testing.T, opts ...TestDriverOption) *TestDriver {
	return NewTestDriver(t, NewOperators(), append([]TestDriverOption{runtime.WithStartTime(start)}, opts...)...)
}

// act feeds user's action at event time mm:ss, keyed by user id as the app
// keys it.
func act(d *TestDriver, user, action, mmss string) {
	d.PipeActivity(user, Activity{UserID: user, Ts: at(mmss), Action: action}, at(mmss))
}

// alerts reads user-alerts and renders each as
// "10:13:00 ann inactive since 10:03:00 (view)": the record's timestamp
// (when the deadline passed), the user, the kind, the last activity.
func alerts(d *TestDriver) []string {
	var s []string
	for _, o := range d.ReadAlertsOut() {
		a := o.Value
		if o.Key != a.UserID {
			s = append(s, fmt.Sprintf("alert keyed %q for %q", o.Key, a.UserID))
		}
		s = append(s, fmt.Sprintf("%s %s %s since %s (%s)", o.Timestamp.Format("15:04:05"), a.UserID, a.Kind, a.LastSeen.Format("15:04:05"), a.LastAction))
	}
	return s
}

func check(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s\n got: %q\nwant: %q", what, got, want)
	}
}

// TestInactiveInEventTime: ann stops while bob goes on. Bob's events move
// event time (the watermark trails the latest event by the 10s
// out-of-orderness bound and 1ms); when it reaches ann's last activity +
// 10 minutes, the event-time timer raises the alert.
func TestInactiveInEventTime(t *testing.T) {
	d := newDriver(t)
	act(d, "ann", "login", "00:00")
	act(d, "ann", "view", "03:00")
	act(d, "bob", "login", "01:00")
	act(d, "bob", "edit", "13:10") // watermark 12:59.999: not yet
	check(t, "alerts before the deadline", alerts(d))
	act(d, "bob", "edit", "13:11") // watermark 13:00.999: past ann's deadline
	check(t, "alerts", alerts(d), "10:13:00 ann inactive since 10:03:00 (view)")
	// Bob is still active and ann was alerted once: nothing more.
	act(d, "bob", "edit", "20:00")
	check(t, "alerts after", alerts(d))
}

// TestActivityMovesTheDeadline: every activity starts the 10 minutes
// over, and an older activity arriving out of order does not.
func TestActivityMovesTheDeadline(t *testing.T) {
	d := newDriver(t)
	act(d, "ann", "login", "00:00")
	act(d, "ann", "view", "09:00")
	act(d, "ann", "view", "08:55") // out of order
	d.AdvanceWatermark(at("18:59"))
	check(t, "alerts at 18:59", alerts(d))
	d.AdvanceWatermark(at("19:00"))
	check(t, "alerts at 19:00", alerts(d), "10:19:00 ann inactive since 10:09:00 (view)")
}

// TestNoDataInProcessingTime: nothing arrives at all, so event time stands
// still and the event-time timer cannot fire; after 10 minutes of
// wall-clock time the processing-time timer raises the alert, and cancels
// the event-time one.
func TestNoDataInProcessingTime(t *testing.T) {
	d := newDriver(t)
	act(d, "ann", "login", "00:00")
	d.AdvanceProcessingTime(5 * time.Minute)
	act(d, "ann", "view", "05:00") // arrives at 10:05 wall-clock time
	d.AdvanceProcessingTime(9*time.Minute + 59*time.Second)
	check(t, "alerts at 10:14:59", alerts(d))
	d.AdvanceProcessingTime(time.Second)
	check(t, "alerts at 10:15:00", alerts(d), "10:15:00 ann no_data since 10:05:00 (view)")
	d.AdvanceWatermark(at("30:00")) // the event-time timer was cancelled
	check(t, "alerts after event time moved", alerts(d))
}

// TestTimersSurviveRestart: timers are state, committed with the input
// offsets; after a restart they fire as if nothing happened, in both
// domains.
func TestTimersSurviveRestart(t *testing.T) {
	d := newDriver(t, runtime.WithPartitions(3))
	act(d, "ann", "login", "00:00")
	act(d, "bob", "login", "00:00")
	d.AdvanceProcessingTime(2 * time.Minute)
	act(d, "bob", "view", "02:00")
	d.Reopen()
	d.AdvanceWatermark(at("10:00")) // ann's event-time deadline; bob's is 12:00
	check(t, "alerts after the restart", alerts(d), "10:10:00 ann inactive since 10:00:00 (login)")
	d.Reopen()
	d.AdvanceProcessingTime(10 * time.Minute) // 10:12: bob's processing-time deadline
	check(t, "alerts after the second restart", alerts(d), "10:12:00 bob no_data since 10:02:00 (view)")
}

// TestStateExpiresAfterADay: a user's state lives 24 hours of processing
// time after the last activity, so users who left do not stay in the
// store forever; a user who comes back starts afresh.
func TestStateExpiresAfterADay(t *testing.T) {
	d := newDriver(t)
	act(d, "ann", "logout", "00:00")
	d.AdvanceProcessingTime(23 * time.Hour)
	check(t, "alerts", alerts(d), "10:10:00 ann no_data since 10:00:00 (logout)")
	if last, ok := d.QuietLastSeen("ann"); !ok || last.Action != "logout" {
		t.Fatalf("after 23h: last seen %+v, %v; want ann's logout", last, ok)
	}
	d.AdvanceProcessingTime(time.Hour)
	if last, ok := d.QuietLastSeen("ann"); ok {
		t.Fatalf("after 24h: last seen %+v; want it expired", last)
	}
	if _, ok := d.QuietLastArrival("ann"); ok {
		t.Fatal("after 24h: last arrival still there")
	}
	act(d, "ann", "login", "1440:00") // ann is back, a day later
	if last, ok := d.QuietLastSeen("ann"); !ok || last.Action != "login" {
		t.Fatalf("after ann came back: last seen %+v, %v", last, ok)
	}
}

// TestInvalidActivityIsDeadLettered: records that are not Activity JSON
// go to user-activity-dlq with the reason, and the pipeline goes on.
func TestInvalidActivityIsDeadLettered(t *testing.T) {
	tests := []struct {
		value string
		error string // a part of the streamgen.error header
	}{
		{`{"user_id":"ann","ts":"2026-03-01T10:00:00Z"}`, "action"},
		{`{"user_id":"","ts":"2026-03-01T10:00:00Z","action":"view"}`, "user_id"},
		{`{"user_id":"ann","ts":"yesterday","action":"view"}`, "ts"},
		{`not json`, ""},
	}
	d := newDriver(t)
	for _, tt := range tests {
		if err := d.PipeActivityRaw([]byte("ann"), []byte(tt.value), start); err != nil {
			t.Fatalf("%s: the pipeline stopped: %v", tt.value, err)
		}
		dl := d.ReadActivityDeadLetters()
		if len(dl) != 1 || dl[0].Topic != "user-activity-dlq" || string(dl[0].Value) != tt.value {
			t.Fatalf("%s: dead letters %+v", tt.value, dl)
		}
		if h := dl[0].Headers[0]; h.Key != runtime.HeaderDLQError || !strings.Contains(string(h.Value), tt.error) {
			t.Errorf("%s: first header %s=%q, want %s mentioning %q", tt.value, h.Key, h.Value, runtime.HeaderDLQError, tt.error)
		}
	}
	act(d, "ann", "view", "00:00")
	d.AdvanceWatermark(at("10:00"))
	check(t, "alerts", alerts(d), "10:10:00 ann inactive since 10:00:00 (view)")
}

// TestGolden feeds testdata/activity.jsonl and compares the alerts with
// testdata/outputs.golden (go test -run TestGolden -update rewrites it).
func TestGolden(t *testing.T) {
	newDriver(t).Golden(t, filepath.Join("testdata", "activity.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}

// TestGeneratedCodeIsCurrent fails when streamgen.yaml, the schemas or the
// generator changed without a go generate.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	diff, err := gen.StaleDiff("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the committed generated code is stale; run go generate ./examples/alerts\n%s", diff)
	}
}

// The last-seen endpoint answers from the pipeline's state, through the
// same generated query a running pipeline serves with kafka.Queries.
func TestLastSeenHandler(t *testing.T) {
	d := newDriver(t)
	act(d, "ann", "login", "00:00")
	act(d, "ann", "view", "00:30")
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}/last-seen", LastSeenHandler(d.Runtime()))
	for _, c := range []struct {
		user string
		code int
		body string
	}{
		{"ann", 200, `{"user_id":"ann","ts":"2026-03-01T10:00:30Z","action":"view"}`},
		{"bob", 404, "no activity of this user here"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/users/"+c.user+"/last-seen", nil))
		if rec.Code != c.code || strings.TrimSpace(rec.Body.String()) != c.body {
			t.Errorf("%s: %d %q, want %d %q", c.user, rec.Code, rec.Body.String(), c.code, c.body)
		}
	}
}
