package kafka

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// repartWorkerEnv, when set, makes TestRepartitionCrash the worker
// process it starts: one instance of the word count of
// repartition_test.go until SIGTERM or SIGKILL.
const repartWorkerEnv = "STREAMGEN_REPART_WORKER"

// startRepartWorker re-runs the test binary as a word-count worker.
func startRepartWorker(t *testing.T, w *workerProc) {
	w.startAs(t, "TestRepartitionCrash", repartWorkerEnv+"=1")
}

// repartWorker is the worker process: the word count with fault points
// that kill the process at random during commits.
func repartWorker(t *testing.T) {
	w, err := workerFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signalContext()
	defer stop()
	log := slogStderr()
	installFaults(w, log)
	err = Run(ctx, wordCountSpec(w.Name, w.Input, w.Output),
		Brokers(strings.Split(w.Brokers, ",")...),
		StateDir(w.StateDir),
		InstanceID(w.Instance),
		TransactionTimeout(w.TxnTimeout),
		Logger(log),
		StoreOptions(runtime.StoreOptions{BlockCacheSize: 8 << 20, MemTableSize: 4 << 20}),
		ClientOpts(kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(500*time.Millisecond),
			kgo.RebalanceTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
}

// TestRepartitionCrash proves the repartition topic exactly once under
// crashes: two worker processes run the word count over 2 input
// partitions while lines are produced; they are SIGKILLed at random
// points (now and then with their state directory wiped) and kill
// themselves at the commit protocol's fault points, then restarted. A
// word that crossed the repartition topic twice, or never, would change
// a count: afterwards every word's count per window must be exact, once.
func TestRepartitionCrash(t *testing.T) {
	if os.Getenv(repartWorkerEnv) != "" {
		repartWorker(t)
		return
	}
	const (
		events = 12_000
		chunk  = 400
		kills  = 12
	)
	e := newEOSEnv(t)
	in := e.topic("lines", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("wc-crash")
	gen := &lines{parts: 2, want: map[string]int64{}}
	dir := t.TempDir()
	var workers []*workerProc
	for _, id := range []string{"w0", "w1"} {
		w := &workerProc{id: id, log: filepath.Join(dir, id+".log"),
			cfg: workerConfig{Brokers: strings.Join(e.brokers, ","), Name: name, Input: in, Output: out,
				StateDir: filepath.Join(dir, id, "state"), Instance: id, TxnTimeout: 10 * time.Second, Faults: "0.02"}}
		startRepartWorker(t, w)
		workers = append(workers, w)
	}
	defer func() { stopWorkers(t, workers) }()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	killed, selfKilled, wiped := 0, 0, 0
	for sent := 0; sent < events || killed < kills; sent += chunk {
		if sent < events {
			e.produce(gen.records(in, chunk))
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		for _, w := range workers {
			if w.crashed(t) {
				selfKilled++
				startRepartWorker(t, w)
			}
		}
		w := workers[rng.IntN(len(workers))]
		w.kill()
		killed++
		if rng.IntN(5) == 0 {
			os.RemoveAll(w.cfg.StateDir)
			wiped++
		}
		startRepartWorker(t, w)
	}
	// The end: workers without fault points read everything, then the
	// flush moves event time past every window.
	for _, w := range workers {
		w.kill()
		w.cfg.Faults = ""
		startRepartWorker(t, w)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	if err := waitTransactionalCaughtUp(ctx, e, name, name+"-by_word-repartition"); err != nil {
		t.Fatal(err)
	}
	e.produce(gen.flush(in))
	err := waitCounts(ctx, e, out, gen.want)
	for _, w := range workers {
		w.stop(t)
	}
	t.Logf("%d lines, %d windows, %d SIGKILLs (%d with the state directory wiped), %d workers killed at a fault point",
		gen.next, len(gen.want), killed, wiped, selfKilled)
	if err != nil {
		t.Fatal(err)
	}
}
