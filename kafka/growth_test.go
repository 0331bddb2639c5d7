package kafka

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// Partitions added to the input at runtime are found within the discovery
// interval and read from their earliest offset (even though the input
// starts at "latest"), the changelog grows with them, and their windows
// are exact.
func TestPartitionGrowth(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 4, nil)
	name := e.name("growth")
	spec := clickSpec(name, in, out, "")
	spec.Inputs[0].Start = runtime.StartPosition{Mode: runtime.StartLatest}
	r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), InstanceID("g0"),
		PartitionDiscoveryInterval(500*time.Millisecond), Logger(newTestLogger(t)))
	defer r.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	waitAssigned(t, ctx, e, name)

	// Users u* live on the first two partitions, users v* (hashed over
	// four) are written only after the growth; keys never change task.
	before := newClicks(40, 2, 100)
	e.produce(before.records(in, 2000))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.CreatePartitions(ctx, 2, in); err != nil {
		t.Fatal(err)
	}
	after := newClicks(40, 4, 100)
	after.prefix, after.next = "v", before.next
	// Written at once: the runner has not seen the new partitions yet, so
	// only reading them from the earliest offset finds these records.
	e.produceFresh(append(after.records(in, 4000), after.flush(in)...))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	r.stop(t)
	want := before.want
	for k, v := range after.want {
		want[k] = v
	}
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCounts(want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}
	tds, err := e.adm.ListTopics(ctx, changelogTopic(name))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tds[changelogTopic(name)].Partitions); n != 4 {
		t.Fatalf("changelog has %d partitions, want 4 (one per input partition)", n)
	}
}

// A topic created at runtime that matches an input's pattern is picked up
// and read from its earliest offset. Records of pattern-matched topics
// reach the source registered under the pattern. The pattern also covers
// the pipeline's own changelog and watermarks topics, which it must not
// read: with watermark alignment on, the watermarks topic gets reports
// all the time.
func TestPatternDiscovery(t *testing.T) {
	e := newEOSEnv(t)
	first := e.topic("events", 2, nil)
	out := e.topic("copied", 1, nil)
	pattern := "^events-(extra-)?" + e.prefix + "(-.*)?$"
	name := "events-" + e.prefix + "-pipeline" // its internal topics match pattern
	spec := runtime.PipelineSpec{
		Name:    name,
		Inputs:  []runtime.InputSpec{{Name: "events", TopicPattern: pattern, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}},
		Outputs: []runtime.OutputSpec{{Name: "out", Topic: out}},
		Build: func(t *runtime.Task) error {
			sink, err := runtime.NewSink(t, out, runtime.SerializerFunc[string](func(c *runtime.Context, v string, o *runtime.OutRecord) error {
				o.Value = fmt.Appendf(nil, "%s@%s", v, c.Record().Topic)
				return nil
			}))
			if err != nil {
				return err
			}
			_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
				Topic: pattern, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
			}, sink)
			return err
		},
	}
	r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), PartitionDiscoveryInterval(500*time.Millisecond),
		MaxWatermarkDrift(time.Hour), Logger(newTestLogger(t)))
	defer r.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e.produce([]*kgo.Record{{Topic: first, Partition: 0, Value: []byte("a")}, {Topic: first, Partition: 1, Value: []byte("b")}})
	if err := e.waitCaughtUp(ctx, name, first); err != nil {
		t.Fatal(err)
	}
	extra := e.topic("events-extra", 2, nil)
	e.produce([]*kgo.Record{{Topic: extra, Partition: 0, Value: []byte("c")}, {Topic: extra, Partition: 1, Value: []byte("d")}})
	if err := e.waitCaughtUp(ctx, name, first, extra); err != nil {
		t.Fatal(err)
	}
	r.stop(t)
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	got := recordLines(recs)
	sort.Strings(got)
	want := []string{"a@" + pattern, "b@" + pattern, "c@" + pattern, "d@" + pattern}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("copied %v, want %v", got, want)
	}
}
