package kafka

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A zombie (an older incarnation with the same transactional id, here a
// bare client that opened a transaction and wrote an output) is fenced when
// the instance starts: its open transaction is aborted, it can neither
// write nor commit any more, and read_committed consumers never see its
// records. The instance's own results are exact.
func TestZombieCannotCommit(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("zombie")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	zombie, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.TransactionalID(name+"-f0"),
		kgo.TransactionTimeout(time.Minute), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer zombie.Close()
	if err := zombie.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.ProduceSync(ctx, &kgo.Record{Topic: out, Partition: 0, Value: []byte("zombie before")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	gen := newClicks(20, 2, 1000)
	e.produce(gen.records(in, 1000))
	e.produce(gen.flush(in))
	r := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()), InstanceID("f0"),
		Logger(newTestLogger(t)))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	produceErr := zombie.ProduceSync(ctx, &kgo.Record{Topic: out, Partition: 1, Value: []byte("zombie after")}).FirstErr()
	endErr := zombie.EndTransaction(ctx, kgo.TryCommit)
	if produceErr == nil && endErr == nil {
		t.Fatal("the fenced zombie produced and committed without an error")
	}
	t.Logf("zombie: produce %v; commit %v", produceErr, endErr)
	r.stop(t)
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range recordLines(recs) {
		if strings.HasPrefix(l, "zombie") {
			t.Errorf("read_committed sees the zombie's record %q", l)
			continue
		}
		lines = append(lines, l)
	}
	if err := checkCounts(gen.want, lines); err != nil {
		t.Fatal(err)
	}
}

// An instance whose producer is fenced in the middle of its work (a new
// incarnation with the same transactional id initialized it) aborts, drops
// its tasks, rejoins and goes on; it never crashes, and the results stay
// exact.
func TestFencedInstanceRejoins(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("fenced")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	obs := &taskLog{}
	r := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()), InstanceID("f1"),
		ObserverOpt(obs), Logger(newTestLogger(t)), ClientOpts(kgo.SessionTimeout(6*time.Second)))
	gen := newClicks(30, 2, 200)
	e.produce(gen.records(in, 2000))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	fences := 0
	for round := 0; round < 5; round++ {
		// Input keeps flowing while another producer takes the
		// transactional id.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 10; i++ {
				e.produce(gen.records(in, 200))
				time.Sleep(20 * time.Millisecond)
			}
		}()
		time.Sleep(100 * time.Millisecond)
		thief, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.TransactionalID(name+"-f1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := thief.ProducerID(ctx); err == nil {
			fences++
		}
		thief.Close()
		<-done
	}
	e.produce(gen.flush(in))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	r.stop(t)
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCounts(gen.want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	aborted := len(obs.aborted)
	obs.mu.Unlock()
	if fences == 0 || aborted == 0 {
		t.Fatalf("%d fencing producers, %d aborted transactions: the fencing was not exercised", fences, aborted)
	}
	t.Logf("%d fencing producers, %d aborted transactions", fences, aborted)
}
