package kafka

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
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

// The open transaction of an instance that died without a stable
// InstanceID cannot be fenced by a restart: it holds the changelog
// partition's last stable offset back until the broker aborts it at its
// transaction timeout. The task's new owner waits for that before it
// restores, never applies the dead transaction's records, and its results
// are exact.
func TestDeadDynamicInstanceTransaction(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 1, nil)
	out := e.topic("counts", 1, nil)
	name := e.name("lingering")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := e.adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, changelogTopic(name)); err != nil {
		t.Fatal(err)
	}
	dead, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.TransactionalID(name+"-"+randomSuffix()),
		kgo.TransactionTimeout(3*time.Second), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	if err := dead.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	// Not a state key: restoring it would fail the task.
	if err := dead.ProduceSync(ctx, &kgo.Record{Topic: changelogTopic(name), Partition: 0, Key: []byte{0xee, 0xee}, Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	gen := newClicks(20, 1, 1000)
	e.produce(gen.records(in, 500))
	e.produce(gen.flush(in))
	log := &testLog{}
	r := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()),
		Logger(slog.New(slog.NewTextHandler(log, nil))))
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
	log.mu.Lock()
	text := log.buf.String()
	log.mu.Unlock()
	if !strings.Contains(text, "waiting for an open transaction on the changelog to end before restoring") {
		t.Fatalf("the restore did not wait for the dead transaction:\n%s", text)
	}
	if err := dead.EndTransaction(ctx, kgo.TryCommit); err == nil {
		t.Fatal("the dead instance's transaction committed after the broker timed it out")
	}
}
