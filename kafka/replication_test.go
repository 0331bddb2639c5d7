package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestInternalTopicReplication runs the word count (a repartition topic and
// a changelog) with watermark alignment (a watermarks topic) on a
// three-broker cluster: every internal topic Run creates has the
// replication factor InternalTopicReplication asks for, and a factor the
// cluster cannot hold, or one that is no factor, fails before any record
// is read, naming the topic and the option.
func TestInternalTopicReplication(t *testing.T) {
	e := newEOSEnv(t, kfake.NumBrokers(3))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	brokers, err := e.adm.ListBrokers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := len(brokers)
	in := e.topic("lines", 2, nil)
	out := e.topic("counts", 2, nil)
	opts := func(replication int) []Opt {
		return []Opt{Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)),
			InternalTopicReplication(replication), MaxWatermarkDrift(time.Minute)}
	}

	name := e.name("replicated")
	spec := wordCountSpec(name, in, out)
	r := startRun(spec, opts(n)...)
	waitAssigned(t, ctx, e, name)
	r.stop(t)
	internal := []string{changelogTopic(name), spec.Inputs[1].Topics[0], watermarksTopic(name)}
	topics, err := e.adm.ListTopics(ctx, internal...)
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range internal {
		td, ok := topics[topic]
		if !ok || td.Err != nil || len(td.Partitions) == 0 {
			t.Fatalf("internal topic %s: listed %v, %+v", topic, ok, td)
		}
		for _, p := range td.Partitions {
			if len(p.Replicas) != n {
				t.Errorf("%s[%d] has replicas %v, want %d", topic, p.Partition, p.Replicas, n)
			}
		}
	}

	over := e.name("over")
	for _, c := range []struct {
		replication int
		want        string
	}{
		{n + 1, fmt.Sprintf("creating watermarks topic %s with replication factor %d (InternalTopicReplication): INVALID_REPLICATION_FACTOR", watermarksTopic(over), n+1)},
		{0, "InternalTopicReplication 0: want -1 (the brokers' default) or a replication factor from 1 to 32767"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := Run(ctx, wordCountSpec(over, in, out), opts(c.replication)...)
		failedFast := ctx.Err() == nil
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("replication %d: Run: %v\nwant an error containing %q", c.replication, err, c.want)
		}
		if !failedFast {
			t.Fatalf("replication %d: the check did not fail fast", c.replication)
		}
	}
	all, err := e.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{changelogTopic(over), over + "-by_word-repartition"} {
		if all.Has(topic) {
			t.Errorf("a run whose first internal topic failed created %s", topic)
		}
	}
}
