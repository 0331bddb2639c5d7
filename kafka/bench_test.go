package kafka

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// The benchmarks run kfake in a process of its own (this test binary
// re-run in broker mode), load a backlog, and run the measured workload in
// a third process (worker mode), which reports its processing time, peak
// RSS (VmHWM) and CPU time. Run them one at a time, once:
//
//	go test ./kafka -run '^$' -bench 'Ceiling|Runner' -benchtime 1x
//	go test ./kafka -run '^$' -bench 'Restore' -benchtime 1x
//
// (-short: 100k records and keys instead of 1M; STREAMGEN_TASK_PARALLELISM=n
// runs the pipelines with TaskParallelism(n) instead of the default, and
// STREAMGEN_MAX_WATERMARK_DRIFT=d with MaxWatermarkDrift(d).)

// benchReport is what a benchmark worker prints on its last line.
type benchReport struct {
	Records int64 `json:"records"`
	// Seconds is the time from the first record read to the last
	// committed, the span the ceiling is timed over.
	Seconds float64 `json:"seconds"`
	// Startup is the time from the start (of Run, or of the ceiling's
	// client) to the first record read: group join, topic checks,
	// restore.
	Startup float64 `json:"startup_seconds"`
	// Commits is the number of commits, CommitSeconds their total time.
	Commits       int64   `json:"commits"`
	CommitSeconds float64 `json:"commit_seconds"`
	VmHWMKiB      int64   `json:"vmhwm_kib"`
	CPU           float64 `json:"cpu_seconds"`
}

const benchReportPrefix = "BENCH-REPORT "

func benchSize() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

// startBrokerProcess runs kfake in its own process and returns its address.
func startBrokerProcess(b testing.TB) []string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWorker$", "-test.count=1")
	cmd.Env = append(os.Environ(), workerEnv+"=broker")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addrs, ok := strings.CutPrefix(sc.Text(), "BROKERS "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return strings.Split(addrs, ",")
		}
	}
	b.Fatalf("the broker process did not start: %v", sc.Err())
	return nil
}

// runBrokerMode serves a kfake cluster until SIGTERM.
func runBrokerMode() error {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Printf("BROKERS %s\n", strings.Join(c.ListenAddrs(), ","))
	ctx, stop := signalContext()
	defer stop()
	<-ctx.Done()
	return nil
}

// benchEnv is a benchmark's view of the broker process.
type benchEnv struct {
	b       *testing.B
	brokers []string
	cl      *kgo.Client
	adm     *kadm.Client
	n       int
}

// newBenchEnv connects to the cluster KAFKA_BROKERS names, or starts
// kfake in a process of its own.
func newBenchEnv(b *testing.B) *benchEnv {
	var brokers []string
	if env := os.Getenv("KAFKA_BROKERS"); env != "" {
		brokers = strings.Split(env, ",")
	} else {
		brokers = startBrokerProcess(b)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(50*time.Millisecond), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cl.Close)
	return &benchEnv{b: b, brokers: brokers, cl: cl, adm: kadm.NewClient(cl)}
}

func (e *benchEnv) topic(name string, parts int32) string {
	e.n++
	name = fmt.Sprintf("%s-%d-%s", name, e.n, randomSuffix())
	if _, err := e.adm.CreateTopic(context.Background(), parts, -1, nil, name); err != nil {
		e.b.Fatal(err)
	}
	return name
}

// backlog produces n records keyed by "k<i mod keys>" over parts
// partitions, with event times 10ms apart.
func (e *benchEnv) backlog(topic string, parts int32, n, keys int) {
	p := e.producer()
	for i := 0; i < n; i++ {
		key := []byte("k" + strconv.Itoa(i%keys))
		p.produce(&kgo.Record{Topic: topic, Partition: KeyPartition(key, parts), Key: key,
			Value: []byte("v0123456789abcdef"), Timestamp: time.UnixMilli(clickBase + int64(i)*10)})
	}
	p.wait()
}

// benchProducer produces a benchmark's records asynchronously and keeps
// the first error.
type benchProducer struct {
	e      *benchEnv
	failed atomic.Value
}

func (e *benchEnv) producer() *benchProducer { return &benchProducer{e: e} }

func (p *benchProducer) produce(r *kgo.Record) {
	p.e.cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
		if err != nil {
			p.failed.CompareAndSwap(nil, err)
		}
	})
}

// wait flushes and fails the benchmark if any record failed.
func (p *benchProducer) wait() {
	if err := p.e.cl.Flush(context.Background()); err != nil {
		p.e.b.Fatal(err)
	}
	if err, _ := p.failed.Load().(error); err != nil {
		p.e.b.Fatal(err)
	}
}

// runWorkerProcess runs a benchmark worker to completion and returns its
// report and its stderr.
func (e *benchEnv) runWorkerProcess(mode string, env ...string) (benchReport, string) {
	e.b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWorker$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), workerEnv+"="+mode, "WORKER_BROKERS="+strings.Join(e.brokers, ",")), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	crashed := slices.Contains(env, "WORKER_CRASH=1")
	if err != nil && !crashed {
		e.b.Fatalf("%s worker: %v\n%s\n%s", mode, err, out, stderr.String())
	}
	for _, l := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(l, benchReportPrefix); ok {
			var rep benchReport
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				e.b.Fatal(err)
			}
			return rep, stderr.String()
		}
	}
	e.b.Fatalf("%s worker printed no report:\n%s\n%s", mode, out, stderr.String())
	return benchReport{}, ""
}

func reportThroughput(b *testing.B, rep benchReport) {
	b.ReportMetric(float64(rep.Records)/rep.Seconds, "records/s")
	if rep.Startup > 0 {
		b.ReportMetric(rep.Startup, "startup-s")
		// The same, timed from the start: what a run from a cold start
		// takes over a backlog.
		b.ReportMetric(float64(rep.Records)/(rep.Seconds+rep.Startup), "records/s-from-start")
	}
	if rep.Commits > 0 {
		// The share of the run spent in commits, during which no record
		// is processed.
		b.ReportMetric(rep.CommitSeconds/rep.Seconds, "commit-share")
		b.ReportMetric(rep.CommitSeconds/float64(rep.Commits)*1e3, "ms/commit")
	}
	b.ReportMetric(float64(rep.VmHWMKiB)/1024, "peak-RSS-MiB")
	b.ReportMetric(rep.CPU/(float64(rep.Records)/1e6), "CPU-s/M-records")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCeiling is the ceiling the runner is measured against: plain
// franz-go, a GroupTransactSession consuming the backlog and producing every
// record unchanged, one transaction per 100ms (the runner's default commit
// interval), no processing, no state.
func BenchmarkCeiling(b *testing.B) {
	e := newBenchEnv(b)
	n := benchSize()
	for i := 0; i < b.N; i++ {
		in := e.topic("bench-in", 8)
		out := e.topic("bench-out", 8)
		e.backlog(in, 8, n, 100_000)
		rep, _ := e.runWorkerProcess("ceiling", "WORKER_INPUT="+in, "WORKER_OUTPUT="+out, "WORKER_N="+strconv.Itoa(n))
		reportThroughput(b, rep)
	}
}

// BenchmarkRunner runs the click pipeline (per-key counts in 1-minute
// event-time windows, pebble state, changelog, window results to Kafka)
// over the same backlog with the runner, exactly once.
func BenchmarkRunner(b *testing.B) {
	e := newBenchEnv(b)
	n := benchSize()
	for i := 0; i < b.N; i++ {
		in := e.topic("bench-in", 8)
		out := e.topic("bench-out", 8)
		e.backlog(in, 8, n, 100_000)
		rep, _ := e.runWorkerProcess("runner", "WORKER_INPUT="+in, "WORKER_OUTPUT="+out,
			"WORKER_STATE="+b.TempDir(), "WORKER_NAME=bench-"+randomSuffix())
		reportThroughput(b, rep)
	}
}

// BenchmarkRestore builds 1M keys of state (one count per key), SIGKILLs
// the instance, and measures the time until processing resumes: after a
// restart on the same state directory (only the changelog tail is
// replayed) and on an empty one (the whole changelog is restored).
func BenchmarkRestore(b *testing.B) {
	e := newBenchEnv(b)
	keys := benchSize()
	for i := 0; i < b.N; i++ {
		in := e.topic("keys-in", 8)
		name := "restore-" + randomSuffix()
		state := b.TempDir()
		e.backlog(in, 8, keys, keys)
		env := []string{"WORKER_INPUT=" + in, "WORKER_STATE=" + state, "WORKER_NAME=" + name}
		load, _ := e.runWorkerProcess("keycount", append(env, "WORKER_CRASH=1")...)
		b.Logf("built %d keys of state in %.1fs", keys, load.Seconds)
		e.backlog(in, 8, 8, 8)
		tail, tailLog := e.runWorkerProcess("keycount", append(env, "WORKER_CRASH=1")...)
		os.RemoveAll(state)
		e.backlog(in, 8, 8, 8)
		full, fullLog := e.runWorkerProcess("keycount", env...)
		// From the start of Run until the new records are committed.
		b.ReportMetric(tail.Startup+tail.Seconds, "tail-restart-s")
		b.ReportMetric(full.Startup+full.Seconds, "full-restore-s")
		b.ReportMetric(float64(full.VmHWMKiB)/1024, "full-restore-peak-RSS-MiB")
		b.ReportMetric(0, "ns/op")
		b.Logf("tail restart: %s", restoredLine(tailLog))
		if os.Getenv("STREAMGEN_BENCH_LOG") != "" {
			b.Logf("tail restart log:\n%s", tailLog)
		}
		b.Logf("full restore: %s", restoredLine(fullLog))
	}
}

func restoredLine(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "tasks restored") {
			if i := strings.Index(l, "tasks="); i >= 0 {
				out = append(out, l[i:])
			}
		}
	}
	return strings.Join(out, "; ")
}

// runBenchWorker runs a benchmark workload in this process and prints its
// report.
func runBenchWorker(mode string) error {
	brokers := strings.Split(os.Getenv("WORKER_BROKERS"), ",")
	in, out := os.Getenv("WORKER_INPUT"), os.Getenv("WORKER_OUTPUT")
	var (
		rep benchReport
		err error
	)
	if path := os.Getenv("WORKER_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	switch mode {
	case "ceiling":
		n, _ := strconv.Atoi(os.Getenv("WORKER_N"))
		rep, err = ceilingPassThrough(brokers, in, out, int64(n))
	case "runner":
		spec := clickSpec(os.Getenv("WORKER_NAME"), in, out, "")
		rep, err = runUntilCaughtUp(brokers, spec, os.Getenv("WORKER_STATE"), false)
	case "clickstream":
		rep, err = runClickstreamWorker(brokers)
	case "keycount":
		rep, err = runUntilCaughtUp(brokers, keyCountSpec(os.Getenv("WORKER_NAME"), in), os.Getenv("WORKER_STATE"),
			os.Getenv("WORKER_CRASH") != "")
	default:
		return fmt.Errorf("unknown worker mode %q", mode)
	}
	if err != nil {
		return err
	}
	rep.VmHWMKiB = vmHWM()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		rep.CPU = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	js, _ := json.Marshal(rep)
	fmt.Printf("%s%s\n", benchReportPrefix, js)
	if os.Getenv("WORKER_CRASH") != "" {
		// A crash: no clean shutdown, no final commit, no leave.
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return nil
}

// vmHWM reads the peak resident set size from /proc/self/status.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// ceilingPassThrough consumes n records in a GroupTransactSession and
// produces each unchanged, ending a transaction every 100ms.
func ceilingPassThrough(brokers []string, in, out string, n int64) (benchReport, error) {
	begin := time.Now()
	sess, err := kgo.NewGroupTransactSession(kgo.SeedBrokers(brokers...), kgo.ConsumerGroup("ceiling-"+randomSuffix()),
		kgo.ConsumeTopics(in), kgo.TransactionalID("ceiling-"+randomSuffix()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		return benchReport{}, err
	}
	defer sess.Close()
	ctx := context.Background()
	var done int64
	var start time.Time
	last := time.Now()
	begun := false
	for done < n {
		fs := sess.PollRecords(ctx, defaultMaxPoll)
		if err := fs.Err0(); err != nil {
			return benchReport{}, err
		}
		if start.IsZero() {
			start = time.Now()
		}
		fs.EachRecord(func(r *kgo.Record) {
			if !begun {
				sess.Begin()
				begun = true
			}
			sess.Produce(ctx, &kgo.Record{Topic: out, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}, nil)
			done++
		})
		if begun && (time.Since(last) >= 100*time.Millisecond || done >= n) {
			committed, err := sess.End(ctx, kgo.TryCommit)
			if err != nil {
				return benchReport{}, err
			}
			if !committed {
				return benchReport{}, fmt.Errorf("ceiling transaction aborted")
			}
			begun = false
			last = time.Now()
		}
	}
	return benchReport{Records: done, Seconds: time.Since(start).Seconds(), Startup: start.Sub(begin).Seconds()}, nil
}

// runUntilCaughtUp runs spec until its group has committed the end of its
// input, and reports the time from the first record read, as the ceiling
// is timed, and the startup before it (with crash, it does not stop Run:
// the caller kills the process).
func runUntilCaughtUp(brokers []string, spec runtime.PipelineSpec, state string, crash bool, opts ...Opt) (benchReport, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.MetadataMinAge(50*time.Millisecond))
	if err != nil {
		return benchReport{}, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var in []string
	for _, i := range spec.Inputs {
		in = append(in, i.Topics...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		// After a crash run the process is killed with Run still going.
		if !crash {
			cancel()
		}
	}()
	ends, err := adm.ListEndOffsets(ctx, in...)
	if err != nil {
		return benchReport{}, err
	}
	var total int64
	ends.Each(func(lo kadm.ListedOffset) { total += lo.Offset })
	log := slogStderr()
	start := time.Now()
	obs := &runObserver{}
	opts = append(opts, ObserverOpt(obs))
	done := make(chan error, 1)
	go func() {
		drift, _ := time.ParseDuration(os.Getenv("STREAMGEN_MAX_WATERMARK_DRIFT"))
		base := []Opt{Brokers(brokers...), StateDir(filepath.Clean(state)), InstanceID("bench"), Logger(log),
			MaxWatermarkDrift(drift), ClientOpts(kgo.SessionTimeout(6*time.Second), kgo.RebalanceTimeout(5*time.Second))}
		if par, _ := strconv.Atoi(os.Getenv("STREAMGEN_TASK_PARALLELISM")); par > 0 {
			base = append(base, TaskParallelism(par))
		}
		done <- Run(ctx, spec, append(base, opts...)...)
	}()
	for {
		select {
		case err := <-done:
			return benchReport{}, fmt.Errorf("Run returned early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		committed, err := adm.FetchOffsets(ctx, spec.Name)
		if err != nil {
			continue
		}
		caught := true
		ends.Each(func(lo kadm.ListedOffset) {
			if c, ok := committed.Lookup(lo.Topic, lo.Partition); !ok || c.At < lo.Offset {
				caught = false
			}
		})
		if caught {
			break
		}
	}
	// The run ends when the commit of the last offsets returns, as the
	// ceiling's does; the check above sees it up to 20ms later.
	end := time.Now()
	if t := obs.last.Load(); t != nil {
		end = *t
	}
	rep := benchReport{Records: total, Seconds: end.Sub(start).Seconds()}
	if t := obs.at.Load(); t != nil {
		rep.Seconds, rep.Startup = end.Sub(*t).Seconds(), t.Sub(start).Seconds()
	}
	rep.Commits, rep.CommitSeconds = obs.n.Load(), time.Duration(obs.commits.Load()).Seconds()
	if !crash {
		cancel()
		if err := <-done; err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// runObserver is the benchmark's Observer: it notes when the first record
// is read, when the last commit returned, and how long the commits took.
type runObserver struct {
	NopObserver
	at      atomic.Pointer[time.Time]
	last    atomic.Pointer[time.Time]
	commits atomic.Int64 // nanoseconds
	n       atomic.Int64
}

func (f *runObserver) Committed(d time.Duration, _ int, _ int64) {
	now := time.Now()
	f.last.Store(&now)
	f.commits.Add(int64(d))
	f.n.Add(1)
}

func (f *runObserver) RecordsIn(string, int32, int) {
	if f.at.Load() == nil {
		now := time.Now()
		f.at.CompareAndSwap(nil, &now)
	}
}

// keyCountSpec counts records per key in value state (one pebble key per
// record key) and writes nothing.
func keyCountSpec(name, input string) runtime.PipelineSpec {
	return runtime.PipelineSpec{
		Name:   name,
		Inputs: []runtime.InputSpec{{Name: "keys", Topics: []string{input}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}},
		Build: func(t *runtime.Task) error {
			count, err := runtime.NewValueState(t, "count", runtime.Int64Codec{}, 0)
			if err != nil {
				return err
			}
			_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
				Topic: input, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
			}, runtime.NodeFunc[string](func(c *runtime.Context, _ *string) error {
				n, _, err := count.Get(c)
				if err != nil {
					return err
				}
				return count.Set(c, n+1)
			}))
			return err
		},
	}
}
