package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// TestBrokerRestart stops the broker under a running pipeline and starts
// it again a few seconds later with its data (kfake persisting to a
// directory, on the same free port), as a broker restart or an outage
// does: Run rides it out, retrying, and every window count is exact once
// the rest of the input arrives. It makes a broker of its own, also when
// KAFKA_BROKERS names a cluster: that one it cannot restart.
func TestBrokerRestart(t *testing.T) {
	port := freePort(t)
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(t.TempDir())}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e := connectEOSEnv(t, c.ListenAddrs())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("restart")
	gen := newClicks(30, 2, 1_000)
	r := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	e.produce(gen.records(in, 1_000))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	c.Close()
	time.Sleep(3 * time.Second) // the pipeline's clients retry against a closed port
	if c, err = kfake.NewCluster(opts...); err != nil {
		t.Fatalf("restarting the broker on port %d: %v", port, err)
	}
	defer c.Close()
	e.produce(gen.records(in, 1_000))
	e.produce(gen.flush(in))
	if err := waitCounts(ctx, e, out, gen.want); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		t.Fatalf("Run returned during the outage: %v", err)
	default:
	}
	r.stop(t)
}
