package kafka

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workerProc is a crash-test worker: this test binary re-run with
// STREAMGEN_KAFKA_WORKER set (see TestCrashWorker), one pipeline instance
// with its own state directory and static membership.
type workerProc struct {
	id    string
	cfg   workerConfig
	cmd   *exec.Cmd
	log   string
	done  chan struct{}
	kills int
	wipes int
}

func (w *workerProc) start(t *testing.T) { w.startAs(t, "TestCrashWorker") }

// startAs runs this test binary's test named test as the worker process,
// with extra environment variables.
func (w *workerProc) startAs(t *testing.T, test string, env ...string) {
	t.Helper()
	f, err := os.OpenFile(w.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), w.cfg.env()...), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	w.cmd = cmd
	w.done = make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(w.done)
	}()
}

// stopWorkers kills the workers still running and, if the test failed,
// logs the tail of each one's log.
func stopWorkers(t *testing.T, workers []*workerProc) {
	for _, w := range workers {
		select {
		case <-w.done:
		default:
			w.cmd.Process.Signal(syscall.SIGKILL)
			<-w.done
		}
	}
	if t.Failed() {
		for _, w := range workers {
			t.Logf("worker %s log (tail):\n%s", w.id, tail(w.log, 6000))
		}
	}
}

// crashed reports whether the worker is gone on its own: killed at a
// fault point. Any other exit fails the test.
func (w *workerProc) crashed(t *testing.T) bool {
	t.Helper()
	select {
	case <-w.done:
	default:
		return false
	}
	if ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true
	}
	t.Fatalf("worker %s exited with %v; log %s:\n%s", w.id, w.cmd.ProcessState, w.log, tail(w.log, 4000))
	return false
}

// kill SIGKILLs the worker and waits for it to be gone.
func (w *workerProc) kill() {
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	w.kills++
}

// stop asks the worker to finish (SIGTERM: commit and leave) and waits.
func (w *workerProc) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(60 * time.Second):
		w.cmd.Process.Signal(syscall.SIGKILL)
		<-w.done
		t.Errorf("worker %s ignored SIGTERM", w.id)
	}
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("worker %s exited with %d; log %s:\n%s", w.id, code, w.log, tail(w.log, 4000))
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// TestCrashExactlyOnce proves exactly-once under crashes: three worker
// processes run the stateful click pipeline (per-user counts in 1-minute
// event-time windows, to a Kafka topic and through the 2PC FileSink) while
// the input is produced; two of them are SIGKILLed at random points
// (during processing, commits, restores, one or both at once) and
// restarted, sometimes with their state directory wiped (a task that moves
// to a new machine restores from the changelog); they also kill themselves
// now and then at the most delicate points: before the transaction ends,
// after it committed but before the state store applied it, before the
// 2PC sink commits, and in the middle of a restore. Afterwards a
// read_committed consumer, reading only once the last stable offset equals
// the high watermark on every output partition, and the committed files
// must hold every window exactly once with its exact count. Default: 100k events, at least 30 kills;
// STREAMGEN_CRASH_LONG=1: 1M events, at least 300 kills.
func TestCrashExactlyOnce(t *testing.T) {
	events, minKills, chunk := 100_000, 30, 1000
	pace := 400 * time.Millisecond
	if os.Getenv("STREAMGEN_CRASH_LONG") != "" {
		events, minKills, chunk = 1_000_000, 300, 4000
		pace = 300 * time.Millisecond
	}
	e := newEOSEnv(t)
	const parts = 4
	in := e.topic("clicks", parts, nil)
	out := e.topic("counts", parts, nil)
	fileDir := t.TempDir()
	name := e.name("crash")
	gen := newClicks(500, parts, 60)
	dir := t.TempDir()
	if d := os.Getenv("STREAMGEN_CRASH_LOGDIR"); d != "" {
		dir = d // keep the workers' logs and state for inspection
	}
	// Two workers with static membership (a restart takes its tasks back
	// at once and fences its previous incarnation) are killed; a third
	// one, with dynamic membership, is not: kfake never expires a dynamic
	// member whose connection died while it waited in JoinGroup (it arms
	// the session timer only when the join response was delivered), so
	// its tasks would stay assigned to a dead member. The lingering
	// transaction of a dead dynamic instance has its own test
	// (TestDeadDynamicInstanceTransaction).
	var workers []*workerProc
	for i, id := range []string{"w0", "w1", "dynamic"} {
		instance, faults := id, "0.02"
		if i == 2 {
			instance, faults = "", ""
		}
		w := &workerProc{
			id: id,
			cfg: workerConfig{Brokers: strings.Join(e.brokers, ","), Name: name, Input: in, Output: out,
				StateDir: filepath.Join(dir, id, "state"), Instance: instance, FileDir: fileDir, FileTopic: "files",
				TxnTimeout: 10 * time.Second, Faults: faults},
			log: filepath.Join(dir, id+".log"),
		}
		w.start(t)
		workers = append(workers, w)
	}
	defer func() { stopWorkers(t, workers) }()

	// Produce the input at a steady pace while the killer works.
	var (
		produced sync.WaitGroup
		prodDone = make(chan struct{})
	)
	produced.Add(1)
	go func() {
		defer produced.Done()
		defer close(prodDone)
		for sent := 0; sent < events; sent += chunk {
			e.produce(gen.records(in, min(chunk, events-sent)))
			time.Sleep(pace)
		}
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, selfKills := 0, 0
	start := time.Now()
	for {
		finished := false
		select {
		case <-prodDone:
			finished = true
		default:
		}
		if finished && kills >= minKills {
			break
		}
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		for _, w := range workers {
			if w.crashed(t) {
				selfKills++
				w.start(t)
			}
		}
		victims := []*workerProc{workers[rng.IntN(2)]}
		if rng.IntN(8) == 0 {
			victims = workers[:2] // both at once
		}
		for _, w := range victims {
			w.kill()
			kills++
			if rng.IntN(6) == 0 {
				os.RemoveAll(w.cfg.StateDir)
				w.wipes++
			}
		}
		for _, w := range victims {
			w.start(t)
		}
		if time.Since(start) > 10*time.Minute {
			t.Fatalf("only %d kills in 10 minutes", kills)
		}
	}
	produced.Wait()
	// The end: workers without fault points finish the work.
	for _, w := range workers[:2] {
		w.kill()
		kills++
		w.cfg.Faults = ""
		w.start(t)
	}
	e.produce(gen.flush(in))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		w.stop(t)
	}
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	wipes := 0
	for _, w := range workers {
		wipes += w.wipes
	}
	t.Logf("%d events, %d windows, %d SIGKILLs (%d with the state directory wiped) and %d workers killed at a fault point of the commit protocol, %d output records, %v",
		events, len(gen.want), kills, wipes, selfKills, len(recs), time.Since(start).Round(time.Second))
	if err := checkCounts(gen.want, recordLines(recs)); err != nil {
		t.Errorf("Kafka output: %v", err)
	}
	if err := checkCounts(gen.want, fileLines(t, fileDir)); err != nil {
		t.Errorf("file sink output: %v", err)
	}
	if p, _ := os.ReadDir(filepath.Join(fileDir, pendingDir)); len(p) != 0 {
		var names []string
		for _, e := range p {
			names = append(names, e.Name())
		}
		t.Logf("pending 2PC files left by killed workers (aborted, never visible): %v", names)
	}
}
