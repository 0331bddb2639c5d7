package pipeline_alerts

import (
	"flag"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// monitor raises a spike alert when a reading is more than twice the mean
// of the sensor's last three, and a silent alert when a sensor sends
// nothing for a minute of event time; every hour of processing time it
// writes a debug line per sensor.
type monitor struct{}

const silence = time.Minute

func (monitor) ProcessElement(c *MonitorContext, r Reading, out *runtime.Emitter[Alert]) error {
	if r.Value < 0 {
		return c.EmitInvalid(fmt.Sprintf("%s: negative value %g", c.Key(), r.Value))
	}
	recent, err := c.State.Recent.Get(c.Context)
	if err != nil {
		return err
	}
	if len(recent) == 3 {
		mean := (recent[0] + recent[1] + recent[2]) / 3
		if r.Value > 2*mean {
			if err := raise(c, out, Alert{SensorID: c.Key(), Kind: AlertKindSpike, At: r.Ts, Value: &r.Value}); err != nil {
				return err
			}
		}
		recent = recent[1:]
	}
	if err := c.State.Recent.Update(c.Context, append(recent, r.Value)); err != nil {
		return err
	}
	n, _, err := c.State.Count.Get(c.Context)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := c.RegisterProcessingTimer(c.ProcessingTime() + time.Hour.Milliseconds()); err != nil {
			return err
		}
	}
	if err := c.State.Count.Set(c.Context, n+1); err != nil {
		return err
	}
	if err := c.State.Peak.Add(c.Context, r.Value); err != nil {
		return err
	}
	if err := c.State.Last.Set(c.Context, r); err != nil {
		return err
	}
	return c.RegisterEventTimer(r.Ts.Add(silence).UnixMilli())
}

func raise(c *MonitorContext, out *runtime.Emitter[Alert], a Alert) error {
	n, _, err := c.State.Kinds.Get(c.Context, a.Kind)
	if err != nil {
		return err
	}
	if err := c.State.Kinds.Put(c.Context, a.Kind, n+1); err != nil {
		return err
	}
	return out.Emit(a)
}

func (monitor) OnTimer(c *MonitorContext, tm runtime.Timer, out *runtime.Emitter[Alert]) error {
	if tm.Domain == runtime.ProcessingTime {
		n, _, err := c.State.Count.Get(c.Context)
		if err != nil {
			return err
		}
		if err := c.EmitDebug(fmt.Sprintf("%s: %d readings", c.Key(), n)); err != nil {
			return err
		}
		return c.RegisterProcessingTimer(tm.Time + time.Hour.Milliseconds())
	}
	last, ok, err := c.State.Last.Get(c.Context)
	if err != nil || !ok || last.Ts.Add(silence).UnixMilli() != tm.Time {
		return err // a newer reading moved the deadline
	}
	return raise(c, out, Alert{SensorID: c.Key(), Kind: AlertKindSilent, At: time.UnixMilli(tm.Time).UTC()})
}

func (monitor) ReducePeak(a, b float64) (float64, error) { return max(a, b), nil }

func ops() Operators { return Operators{Monitor: monitor{}} }

func at(sec int) time.Time {
	return time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(sec) * time.Second)
}

// The spec's watermark_alignment reaches the runner through Spec.
func TestSpecCarriesWatermarkAlignment(t *testing.T) {
	p, err := NewPipeline(ops())
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Spec().MaxWatermarkDrift; d != 10*time.Minute {
		t.Fatalf("MaxWatermarkDrift = %v, want 10m", d)
	}
}

func TestSpikesSilenceStateAndRestart(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithStartTime(at(0)))
	for i, v := range []float64{10, 12, 11, 40} {
		d.PipeReadings("s1", Reading{SensorID: "s1", Ts: at(i * 10), Value: v}, at(i*10))
	}
	d.PipeReadings("s1", Reading{SensorID: "s1", Ts: at(45), Value: -1}, at(45))
	alerts := d.ReadAlertsOut()
	if len(alerts) != 1 || alerts[0].Key != "s1" || alerts[0].Value.Kind != AlertKindSpike || *alerts[0].Value.Value != 40 {
		t.Fatalf("spike alerts %+v", alerts)
	}
	if got := d.ReadInvalidOut(); len(got) != 1 || got[0].Value != "s1: negative value -1" {
		t.Fatalf("invalid readings %+v", got)
	}
	if n, _ := d.MonitorCount("s1"); n != 4 {
		t.Fatalf("count %d", n)
	}
	if got := d.MonitorRecent("s1"); !reflect.DeepEqual(got, []float64{12, 11, 40}) {
		t.Fatalf("recent %v", got)
	}
	if p, ok := d.MonitorPeak("s1"); !ok || p != 40 {
		t.Fatalf("peak %v %v", p, ok)
	}

	d.Reopen() // state and both kinds of timers survive
	d.AdvanceWatermark(at(200))
	alerts = d.ReadAlertsOut()
	if len(alerts) != 1 || alerts[0].Value.Kind != AlertKindSilent || !alerts[0].Value.At.Equal(at(90)) {
		t.Fatalf("silence alerts %+v", alerts)
	}
	if got := d.MonitorKinds("s1"); !reflect.DeepEqual(got, map[AlertKind]int64{AlertKindSpike: 1, AlertKindSilent: 1}) {
		t.Fatalf("kinds %v", got)
	}
	d.AdvanceProcessingTime(2 * time.Hour)
	if got := d.ReadMonitorDebug(); !reflect.DeepEqual(got, []string{"s1: 4 readings", "s1: 4 readings"}) {
		t.Fatalf("debug %q", got)
	}
	// last expires a day of processing time after its last write.
	if _, ok := d.MonitorLast("s1"); !ok {
		t.Fatal("last expired early")
	}
	d.AdvanceProcessingTime(24 * time.Hour)
	if _, ok := d.MonitorLast("s1"); ok {
		t.Fatal("last outlived its TTL")
	}
}

func TestInvalidJSONIsDeadLettered(t *testing.T) {
	d := NewTestDriver(t, ops())
	for _, bad := range []string{`{"sensor_id":"","ts":"2026-03-01T08:00:00Z","value":1}`, `{"sensor_id":"s1"}`, `not json`} {
		if err := d.PipeReadingsRaw([]byte("s1"), []byte(bad), at(0)); err != nil {
			t.Fatal(err)
		}
	}
	dl := d.ReadReadingsDeadLetters()
	if len(dl) != 3 {
		t.Fatalf("dead letters %+v", dl)
	}
	for _, r := range dl {
		if r.Topic != "readings-dlq" || len(r.Headers) != 4 || r.Headers[0].Key != runtime.HeaderDLQError {
			t.Fatalf("dead letter %+v", r)
		}
	}
}

func TestGolden(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithStartTime(at(0)))
	d.Golden(t, filepath.Join("testdata", "readings.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}

// The generated QueryHandler answers every state kind as JSON.
func TestQueryHandler(t *testing.T) {
	d := NewTestDriver(t, ops(), runtime.WithStartTime(at(0)))
	for i, v := range []float64{10, 12, 11, 40} {
		d.PipeReadings("s1", Reading{SensorID: "s1", Ts: at(i * 10), Value: v}, at(i*10))
	}
	h := QueryHandler(d.Runtime())
	for _, c := range []struct {
		path string
		code int
		body string
	}{
		{"/state/monitor/count?key=s1", 200, `4`},
		{"/state/monitor/peak?key=s1", 200, `40`},
		{"/state/monitor/recent?key=s1", 200, `[12,11,40]`},
		{"/state/monitor/kinds?key=s1", 200, `[{"key":"spike","value":1}]`},
		{"/state/monitor/last?key=s1", 200, `{"sensor_id":"s1","ts":"2026-03-01T08:00:30Z","value":40}`},
		{"/state/monitor/count?key=s2", 404, "nothing for this key here"},
		{"/state/monitor/count", 400, "the key is missing: add ?key="},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.code || strings.TrimSpace(rec.Body.String()) != c.body {
			t.Errorf("%s: %d %s, want %d %s", c.path, rec.Code, rec.Body.String(), c.code, c.body)
		}
	}
}
