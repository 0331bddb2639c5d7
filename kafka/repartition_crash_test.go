package kafka

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	err = Run(ctx, wordCountSpec(w.Name, w.Input, w.Output), workerOpts(w, log)...)
	if err != nil {
		t.Fatal(err)
	}
}

// crashWorkers produces events in chunks with produce while it SIGKILLs
// a random one of workers after each chunk (now and then wiping its state
// directory, so its tasks come back from the changelog) and restarts it
// with start, at least kills times, restarting too the workers that
// killed themselves at a fault point. At the end it restarts every
// worker without fault points, to read what is left. It returns the
// SIGKILLs, the self-kills and the wipes.
func crashWorkers(t *testing.T, workers []*workerProc, start func(*testing.T, *workerProc), events, chunk, kills int, produce func(n int)) (killed, selfKilled, wiped int) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for sent := 0; sent < events || killed < kills; sent += chunk {
		if sent < events {
			produce(chunk)
		}
		time.Sleep(time.Duration(150+rng.IntN(600)) * time.Millisecond)
		for _, w := range workers {
			if w.crashed(t) {
				selfKilled++
				start(t, w)
			}
		}
		w := workers[rng.IntN(len(workers))]
		w.kill()
		killed++
		if rng.IntN(4) == 0 {
			os.RemoveAll(w.cfg.StateDir)
			wiped++
		}
		start(t, w)
	}
	for _, w := range workers {
		w.kill()
		w.cfg.Faults = ""
		start(t, w)
	}
	return killed, selfKilled, wiped
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
	killed, selfKilled, wiped := crashWorkers(t, workers, startRepartWorker, events, chunk, kills,
		func(n int) { e.produce(gen.records(in, n)) })
	// Then the flush moves event time past every window.
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
