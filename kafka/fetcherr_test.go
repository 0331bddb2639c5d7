package kafka

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// TestInputTopicDeleted deletes the input topic under a running pipeline:
// Run stops with an error naming the topic and its input, as Kafka
// Streams stops at a missing source topic, instead of polling fetch errors
// forever; and the repeated fetch errors are logged once per partition,
// not once per poll.
func TestInputTopicDeleted(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	in := e.topic("clicks", 2, nil)
	out := e.topic("copies", 2, nil)
	name := e.name("deleted")
	var logs syncBuffer
	r := startRun(copySpec(name, in, out, runtime.StartPosition{Mode: runtime.StartEarliest}, runtime.ExactlyOnce),
		Brokers(e.brokers...), StateDir(t.TempDir()), Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	e.produce([]*kgo.Record{{Topic: in, Partition: 0, Value: []byte("a")}, {Topic: in, Partition: 1, Value: []byte("b")}})
	if got := readTopicCommitted(ctx, t, e.brokers, out, 2); len(got) != 2 {
		t.Fatalf("copied %d records, want 2", len(got))
	}
	if _, err := e.adm.DeleteTopics(ctx, in); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		want := `input topic "` + in + `" of input "in" was deleted while the pipeline ran`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Run: %v\nwant an error containing %q", err, want)
		}
	case <-ctx.Done():
		r.cancel()
		t.Fatalf("Run did not stop after its input topic was deleted; log:\n%.3000s", logs.String())
	}
	if n := strings.Count(logs.String(), `msg="fetch error"`); n > 2*2 {
		t.Errorf("%d fetch errors logged for 2 partitions; log:\n%.3000s", n, logs.String())
	}
}
