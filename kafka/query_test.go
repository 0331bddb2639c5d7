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
	for _, tc := range PipelineTopics(&spec, 4) {
		if _, err := e.adm.CreateTopic(ctx, tc.Partitions, -1, nil, tc.Name); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			t.Fatal(err)
		}
	}
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
