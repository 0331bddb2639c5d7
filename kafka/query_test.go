package kafka

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/examples/alerts"
	"github.com/streamgen/streamgen/runtime"
)

// createPipelineTopics creates the inputs, outputs and dead-letter topics
// of spec with parts partitions each, unless they exist (a shared
// cluster).
func (e *eosEnv) createPipelineTopics(ctx context.Context, spec *runtime.PipelineSpec, parts int32) {
	e.t.Helper()
	for _, tc := range PipelineTopics(spec, parts) {
		if _, err := e.adm.CreateTopic(ctx, tc.Partitions, -1, nil, tc.Name); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			e.t.Fatal(err)
		}
	}
}

// Interactive queries of the generated alerts pipeline (a value state of
// the last activity per user) while it runs on Kafka: every user's last
// activity is found, a query reads only committed state, and queries
// fail once Run returns.
func TestQueries(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := e.name("activity")
	// Commits 2s apart: a query waits for the next one.
	p, err := alerts.NewPipeline(alerts.NewOperators(), runtime.WithName(e.name("alerts")), runtime.WithTopics("activity", in),
		runtime.WithCommitInterval(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	e.createPipelineTopics(ctx, &spec, 4)
	q := NewQueries()
	if _, _, err := alerts.QueryQuietLastSeen(ctx, q, "u0"); !errors.Is(err, ErrQueriesStopped) {
		t.Fatalf("a query before Run: %v, want ErrQueriesStopped", err)
	}

	base := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	activity := func(user string, ts time.Time, action string) *kgo.Record {
		a := alerts.Activity{UserID: user, Ts: ts, Action: action}
		v, err := a.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		return &kgo.Record{Topic: in, Partition: KeyPartition([]byte(user), 4), Key: []byte(user), Value: v, Timestamp: ts}
	}
	const users = 40
	want := map[string]alerts.Activity{}
	var recs []*kgo.Record
	for i := range 400 {
		user := fmt.Sprintf("u%d", i%users)
		ts := base.Add(time.Duration(i) * time.Second)
		recs = append(recs, activity(user, ts, fmt.Sprintf("view-%d", i)))
		want[user] = alerts.Activity{UserID: user, Ts: ts, Action: fmt.Sprintf("view-%d", i)}
	}
	e.produce(recs)

	run := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)), QueryOpt(q))
	if err := e.waitCaughtUp(ctx, spec.Name, in); err != nil {
		t.Fatal(err)
	}
	for user, w := range want {
		got, found, err := alerts.QueryQuietLastSeen(ctx, q, user)
		if err != nil || !found || got.Action != w.Action || !got.Ts.Equal(w.Ts) {
			t.Errorf("QueryQuietLastSeen(%s) = %+v %v %v, want %+v", user, got, found, err, w)
		}
	}
	if got, found, err := alerts.QueryQuietLastSeen(ctx, q, "nobody"); err != nil || found {
		t.Errorf("QueryQuietLastSeen(nobody) = %+v %v %v, want not found", got, found, err)
	}

	// A new activity, then a query at once: the query waits for the
	// commit that carries the activity and reads the state it made
	// durable, so when it returns the new value, the group's committed
	// offset is already past the record.
	late := activity("u0", base.Add(time.Hour), "logout")
	e.produce([]*kgo.Record{late})
	for {
		got, _, err := alerts.QueryQuietLastSeen(ctx, q, "u0")
		if err != nil {
			t.Fatal(err)
		}
		if got.Action == "logout" {
			break
		}
		if got.Action != want["u0"].Action {
			t.Fatalf("QueryQuietLastSeen(u0) = %+v", got)
		}
	}
	offs, err := e.adm.FetchOffsets(ctx, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup(in, late.Partition); !ok || o.At <= late.Offset {
		t.Errorf("the query saw the logout before the commit of offset %d (committed: %+v)", late.Offset, o)
	}

	// A query whose context ends while it waits gives up.
	short, cancelShort := context.WithTimeout(ctx, time.Millisecond)
	defer cancelShort()
	if _, _, err := alerts.QueryQuietLastSeen(short, q, "u1"); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a query with a short deadline: %v", err)
	}

	run.stop(t)
	if _, _, err := alerts.QueryQuietLastSeen(ctx, q, "u0"); !errors.Is(err, ErrQueriesStopped) {
		t.Errorf("a query after Run returned: %v, want ErrQueriesStopped", err)
	}
}

// A window query on Kafka: a user's open window and its count, from the
// cached, committed state of a running pipeline; a window is gone once
// the watermark has passed it.
func TestQueryWindowsOnKafka(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("qwin")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	click := func(user string, ts int64) *kgo.Record {
		return &kgo.Record{Topic: in, Partition: KeyPartition([]byte(user), 2), Key: []byte(user), Value: []byte("/"), Timestamp: time.UnixMilli(ts)}
	}
	var recs []*kgo.Record
	for i := range 300 {
		recs = append(recs, click(fmt.Sprintf("u%d", i%30), clickBase+int64(i)*100))
	}
	e.produce(recs)
	q := NewQueries()
	run := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)), QueryOpt(q))
	defer run.stop(t)
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	first := runtime.Window{Start: clickBase, End: clickBase + 60_000}
	for _, user := range []string{"u0", "u17", "u29"} {
		ws, err := runtime.QueryWindows[int64](ctx, q, "clicks", []byte(user))
		if err != nil || len(ws) != 1 || ws[0].Window != first || ws[0].Value != 10 {
			t.Errorf("windows of %s: %+v %v, want 10 clicks in %v", user, ws, err, first)
		}
	}
	// A click two minutes on moves u0's partition's watermark past the
	// first window: it fires and is cleaned there.
	late := click("u0", clickBase+120_000)
	e.produce([]*kgo.Record{late})
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	ws, err := runtime.QueryWindows[int64](ctx, q, "clicks", []byte("u0"))
	if want := (runtime.Window{Start: clickBase + 120_000, End: clickBase + 180_000}); err != nil || len(ws) != 1 || ws[0].Window != want || ws[0].Value != 1 {
		t.Errorf("windows of u0 after its partition moved on: %+v %v, want 1 click in %v", ws, err, want)
	}
}
