package kafka

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// The tests run against franz-go's kfake over loopback TCP, one cluster
// per test, or against the cluster KAFKA_BROKERS names (topic and group
// names are unique per test, so a real cluster can be shared).

// eosEnv is one test's cluster and clients.
type eosEnv struct {
	t       testing.TB
	brokers []string
	cluster *kfake.Cluster // nil on a real cluster
	cl      *kgo.Client
	adm     *kadm.Client
	prefix  string
}

func newEOSEnv(t testing.TB, opts ...kfake.Opt) *eosEnv {
	t.Helper()
	if env := os.Getenv("KAFKA_BROKERS"); env != "" {
		return connectEOSEnv(t, strings.Split(env, ","))
	}
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	e := connectEOSEnv(t, c.ListenAddrs())
	e.cluster = c
	return e
}

// connectEOSEnv is a test's environment on the cluster at brokers.
func connectEOSEnv(t testing.TB, brokers []string) *eosEnv {
	t.Helper()
	e := &eosEnv{t: t, prefix: randomSuffix(), brokers: brokers}
	// kadm answers from cached metadata up to MetadataMinAge old: keep it
	// short, the tests create topics and partitions and list them.
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	e.cl, e.adm = cl, kadm.NewClient(cl)
	return e
}

func randomSuffix() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// name returns a name unique to this test run.
func (e *eosEnv) name(base string) string { return base + "-" + e.prefix }

// topic creates a topic with a unique name.
func (e *eosEnv) topic(base string, parts int32, configs map[string]*string) string {
	e.t.Helper()
	name := e.name(base)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.adm.CreateTopic(ctx, parts, -1, configs, name); err != nil {
		e.t.Fatalf("creating %s: %v", name, err)
	}
	return name
}

func (e *eosEnv) produce(recs []*kgo.Record) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("producing: %v", err)
	}
}

// produceFresh produces with a new client, which sees partitions added
// since the environment's client loaded its metadata.
func (e *eosEnv) produceFresh(recs []*kgo.Record) {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		e.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		e.t.Fatalf("producing: %v", err)
	}
}

// waitCaughtUp waits until group has committed, for every partition of
// topics, the partition's end offset.
func (e *eosEnv) waitCaughtUp(ctx context.Context, group string, topics ...string) error {
	for {
		ends, err := e.adm.ListEndOffsets(ctx, topics...)
		if err != nil {
			return err
		}
		committed, err := e.adm.FetchOffsets(ctx, group)
		if err == nil {
			done := true
			ends.Each(func(lo kadm.ListedOffset) {
				c, ok := committed.Lookup(lo.Topic, lo.Partition)
				if lo.Offset > 0 && (!ok || c.At < lo.Offset) {
					done = false
				}
			})
			if done {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group %s did not catch up with %v: %w", group, topics, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// readCommitted reads every committed record of topic (ReadCommitted).
func (e *eosEnv) readCommitted(ctx context.Context, topic string) ([]*kgo.Record, error) {
	return ReadCommitted(ctx, e.brokers, topic)
}

// testLog collects a run's log and prints it when the test fails.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func newTestLogger(t testing.TB) *slog.Logger {
	l := &testLog{}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("STREAMGEN_KAFKA_LOG") != "" {
			l.mu.Lock()
			t.Logf("runner log:\n%s", l.buf.String())
			l.mu.Unlock()
		}
	})
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// The test pipeline: clicks keyed by user (value: anything, event time:
// the record timestamp) → count per user in 1-minute tumbling event-time
// windows → "user windowStart count" records keyed by user on the output
// topic (and, optionally, the same lines through a 2PC file sink).

type clickCount struct{}

func (clickCount) CreateAccumulator() int64       { return 0 }
func (clickCount) Add(_ *string, acc int64) int64 { return acc + 1 }
func (clickCount) Merge(a, b int64) int64         { return a + b }
func (clickCount) Result(acc int64) int64         { return acc }

const (
	clickBase   = int64(1_704_067_200_000) // 2024-01-01T00:00:00Z
	flushPrefix = "~flush"
)

func clickBuild(input, output, fileTopic string) runtime.BuildFunc {
	return func(t *runtime.Task) error {
		ser := runtime.SerializerFunc[runtime.Windowed[int64]](func(c *runtime.Context, w runtime.Windowed[int64], o *runtime.OutRecord) error {
			o.Key = append([]byte(nil), c.Key()...)
			o.Value = fmt.Appendf(nil, "%s %d %d", c.Key(), w.Window.Start, w.Value)
			return nil
		})
		out, err := runtime.NewSink(t, output, ser)
		if err != nil {
			return err
		}
		next := out
		if fileTopic != "" {
			file, err := runtime.NewSink(t, fileTopic, ser)
			if err != nil {
				return err
			}
			next = runtime.Fanout(out, file)
		}
		window, err := runtime.NewWindowAggregate[string, int64, int64](t, "clicks", runtime.WindowSpec[string]{
			Assigner: runtime.TumblingWindows(time.Minute, 0),
		}, clickCount{}, runtime.Int64Codec{}, next)
		if err != nil {
			return err
		}
		_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
			Topic:        input,
			Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
		}, window)
		return err
	}
}

func clickSpec(name, input, output, fileTopic string) runtime.PipelineSpec {
	return runtime.PipelineSpec{
		Name:    name,
		Inputs:  []runtime.InputSpec{{Name: "clicks", Topics: []string{input}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}},
		Outputs: []runtime.OutputSpec{{Name: "counts", Topic: output, Delivery: runtime.ExactlyOnce, Partitioner: runtime.KeyHash}},
		Build:   clickBuild(input, output, fileTopic),
	}
}

// clicks generates click records and knows the exact window counts.
type clicks struct {
	prefix string // user name prefix
	users  int
	parts  int32
	step   int64 // ms between consecutive events
	next   int
	want   map[string]int64 // "user windowStart" -> count
}

func newClicks(users int, parts int32, step int64) *clicks {
	return &clicks{prefix: "u", users: users, parts: parts, step: step, want: map[string]int64{}}
}

// records returns the next n events, each on its key's partition, with
// event times increasing by step.
func (c *clicks) records(topic string, n int) []*kgo.Record {
	out := make([]*kgo.Record, 0, n)
	for i := 0; i < n; i++ {
		seq := c.next
		c.next++
		// A fixed pseudo-random user per sequence number.
		u := int((uint64(seq)*0x9E3779B97F4A7C15)>>40) % c.users
		user := fmt.Sprintf("%s%05d", c.prefix, u)
		ts := clickBase + int64(seq)*c.step
		start := ts - ts%60_000
		c.want[fmt.Sprintf("%s %d", user, start)]++
		out = append(out, &kgo.Record{
			Topic:     topic,
			Partition: KeyPartition([]byte(user), c.parts),
			Key:       []byte(user),
			Value:     []byte("e" + strconv.Itoa(seq)),
			Timestamp: time.UnixMilli(ts),
		})
	}
	return out
}

// flush returns one record per partition far in the future, which moves
// every partition's watermark past all windows so far.
func (c *clicks) flush(topic string) []*kgo.Record {
	var out []*kgo.Record
	for p := int32(0); p < c.parts; p++ {
		for i := 0; ; i++ {
			key := fmt.Sprintf("%s-%d-%d", flushPrefix, p, i)
			if KeyPartition([]byte(key), c.parts) == p {
				out = append(out, &kgo.Record{Topic: topic, Partition: p, Key: []byte(key), Value: []byte("flush"),
					Timestamp: time.UnixMilli(clickBase + int64(c.next+1)*c.step + 24*3600*1000)})
				break
			}
		}
	}
	return out
}

// checkCounts compares window-count lines with the expected counts:
// every window exactly once with its exact count.
func checkCounts(want map[string]int64, lines []string) error {
	seen := map[string]int{}
	var errs []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 {
			errs = append(errs, fmt.Sprintf("malformed output %q", l))
			continue
		}
		if strings.HasPrefix(f[0], flushPrefix) {
			continue
		}
		k := f[0] + " " + f[1]
		seen[k]++
		n, _ := strconv.ParseInt(f[2], 10, 64)
		if w, ok := want[k]; !ok {
			errs = append(errs, fmt.Sprintf("unexpected window %s = %d", k, n))
		} else if n != w {
			errs = append(errs, fmt.Sprintf("window %s = %d, want %d", k, n, w))
		}
	}
	dups, lost := 0, 0
	for k, n := range seen {
		if n > 1 {
			dups += n - 1
			if len(errs) < 20 {
				errs = append(errs, fmt.Sprintf("window %s emitted %d times", k, n))
			}
		}
	}
	for k := range want {
		if seen[k] == 0 {
			lost++
			if len(errs) < 20 {
				errs = append(errs, fmt.Sprintf("window %s missing", k))
			}
		}
	}
	if len(errs) > 0 {
		if len(errs) > 20 {
			errs = errs[:20]
		}
		return fmt.Errorf("%d windows expected, %d lines: %d duplicates, %d lost:\n%s", len(want), len(lines), dups, lost, strings.Join(errs, "\n"))
	}
	return nil
}

func recordLines(recs []*kgo.Record) []string {
	lines := make([]string, len(recs))
	for i, r := range recs {
		lines[i] = string(r.Value)
	}
	return lines
}

func fileLines(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	return lines
}

// running is a Run in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func startRun(spec runtime.PipelineSpec, opts ...Opt) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- Run(ctx, spec, opts...) }()
	return r
}

func (r *running) stop(t testing.TB) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after its context was canceled")
	}
}

// signalContext is done at SIGTERM or SIGINT.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
}

func slogStderr() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// workerEnv is the environment variable that turns the test binary into a
// crash-test worker, or a benchmark's broker or workload process (see
// TestCrashWorker).
const workerEnv = "STREAMGEN_KAFKA_WORKER"

// workerConfig is what a worker process runs.
type workerConfig struct {
	Brokers    string
	Name       string
	Input      string
	Output     string
	StateDir   string
	Instance   string
	FileDir    string
	FileTopic  string
	TxnTimeout time.Duration
	// Faults is the probability that the worker kills itself at each
	// delicate point of the commit protocol ("" or 0: never).
	Faults string
}

func (w workerConfig) env() []string {
	return []string{
		workerEnv + "=1",
		"WORKER_BROKERS=" + w.Brokers, "WORKER_NAME=" + w.Name, "WORKER_INPUT=" + w.Input,
		"WORKER_OUTPUT=" + w.Output, "WORKER_STATE=" + w.StateDir, "WORKER_INSTANCE=" + w.Instance,
		"WORKER_FILE_DIR=" + w.FileDir, "WORKER_FILE_TOPIC=" + w.FileTopic,
		"WORKER_TXN_TIMEOUT=" + w.TxnTimeout.String(), "WORKER_FAULTS=" + w.Faults,
	}
}

func workerFromEnv() (workerConfig, error) {
	d, err := time.ParseDuration(os.Getenv("WORKER_TXN_TIMEOUT"))
	if err != nil {
		return workerConfig{}, err
	}
	return workerConfig{
		Brokers: os.Getenv("WORKER_BROKERS"), Name: os.Getenv("WORKER_NAME"), Input: os.Getenv("WORKER_INPUT"),
		Output: os.Getenv("WORKER_OUTPUT"), StateDir: os.Getenv("WORKER_STATE"), Instance: os.Getenv("WORKER_INSTANCE"),
		FileDir: os.Getenv("WORKER_FILE_DIR"), FileTopic: os.Getenv("WORKER_FILE_TOPIC"), TxnTimeout: d,
		Faults: os.Getenv("WORKER_FAULTS"),
	}, nil
}

// runWorker runs the click pipeline as one instance until ctx is done.
func runWorker(ctx context.Context, w workerConfig, log *slog.Logger, extra ...Opt) error {
	opts := workerOpts(w, log)
	if w.FileDir != "" {
		fs, err := NewFileSink(w.FileDir, nil)
		if err != nil {
			return err
		}
		opts = append(opts, Sinks2PC(map[string]TwoPhaseSink{w.FileTopic: fs}))
	}
	return Run(ctx, clickSpec(w.Name, w.Input, w.Output, w.FileTopic), append(opts, extra...)...)
}

// workerOpts are the options of every crash test's worker processes.
func workerOpts(w workerConfig, log *slog.Logger) []Opt {
	opts := []Opt{
		Brokers(strings.Split(w.Brokers, ",")...),
		StateDir(w.StateDir),
		// More workers than cores: the crash tests cover tasks that
		// process and commit at the same time even on one core. (The
		// other tests run with the default, a worker per core;
		// TestRunnerRestoreAcrossRestarts with one goroutine.)
		TaskParallelism(4),
		TransactionTimeout(w.TxnTimeout),
		Logger(log),
		StoreOptions(runtime.StoreOptions{BlockCacheSize: 8 << 20, MemTableSize: 4 << 20}),
		// kfake restarts a rebalance's deadline whenever a member joins
		// or times out; a rebalance timeout well below franz-go's join
		// request timeout (rebalance timeout + 10s) lets groups with
		// dead members settle.
		ClientOpts(kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(500*time.Millisecond),
			kgo.RebalanceTimeout(5*time.Second)),
	}
	if w.Instance != "" {
		opts = append(opts, InstanceID(w.Instance))
	}
	if os.Getenv("STREAMGEN_KAFKA_KGOLOG") != "" {
		opts = append(opts, ClientOpts(kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil))))
	}
	return opts
}

// installFaults makes the worker kill itself with probability w.Faults at
// each fault point of the commit protocol.
func installFaults(w workerConfig, log *slog.Logger) {
	p, err := strconv.ParseFloat(w.Faults, 64)
	if err != nil || p <= 0 {
		return
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(os.Getpid())))
	faultHook = func(point string) {
		if rng.Float64() < p {
			log.Warn("killing myself at a fault point", "point", point)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
}

// TestCrashWorker is the entry point of the helper processes the test
// binary re-runs itself as, chosen by STREAMGEN_KAFKA_WORKER: "1" is a
// crash-test worker (one pipeline instance until SIGTERM or its SIGKILL),
// "broker" the benchmarks' kfake process, other values a benchmark
// workload. Run normally, it runs the crash-test worker in-process
// against its own cluster and checks the windows are exact.
func TestCrashWorker(t *testing.T) {
	switch mode := os.Getenv(workerEnv); mode {
	case "":
	case "1":
		w, err := workerFromEnv()
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := signalContext()
		defer stop()
		log := slogStderr()
		installFaults(w, log)
		if err := runWorker(ctx, w, log); err != nil {
			t.Fatal(err)
		}
		return
	case "broker":
		// The benchmarks' broker process (see bench_test.go).
		if err := runBrokerMode(); err != nil {
			t.Fatal(err)
		}
		return
	default:
		// A benchmark workload (see bench_test.go).
		if err := runBenchWorker(mode); err != nil {
			t.Fatal(err)
		}
		return
	}
	e := newEOSEnv(t)
	in := e.topic("clicks", 3, nil)
	out := e.topic("counts", 3, nil)
	gen := newClicks(50, 3, 700)
	e.produce(gen.records(in, 3000))
	e.produce(gen.flush(in))
	w := workerConfig{Brokers: strings.Join(e.brokers, ","), Name: e.name("worker"), Input: in, Output: out,
		StateDir: t.TempDir(), Instance: "w0", TxnTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWorker(ctx, w, newTestLogger(t)) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if err := e.waitCaughtUp(wctx, w.Name, in); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	recs, err := e.readCommitted(wctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCounts(gen.want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}
	// Outputs are keyed by user and partitioned like the Java client.
	for _, r := range recs {
		if want := KeyPartition(r.Key, 3); r.Partition != want {
			t.Fatalf("output for %s on partition %d, murmur2 says %d", r.Key, r.Partition, want)
		}
	}
}

// A restart on the same state directory replays only the changelog tail;
// a new state directory restores everything; windows that span the
// restart come out exact either way.
func TestRunnerRestoreAcrossRestarts(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("restore")
	gen := newClicks(30, 2, 500)
	stateDir := t.TempDir()
	log := newTestLogger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := func(dir string) []Opt {
		// One goroutine drives the tasks: the other tests run with the
		// default, a worker per core.
		return []Opt{Brokers(e.brokers...), StateDir(dir), InstanceID("i0"), Logger(log), TaskParallelism(1),
			ClientOpts(kgo.SessionTimeout(6 * time.Second))}
	}
	for round, dir := range []string{stateDir, stateDir, t.TempDir()} {
		e.produce(gen.records(in, 1500))
		r := startRun(clickSpec(name, in, out, ""), opts(dir)...)
		if err := e.waitCaughtUp(ctx, name, in); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		r.stop(t)
	}
	e.produce(gen.flush(in))
	r := startRun(clickSpec(name, in, out, ""), opts(stateDir)...)
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
	// The changelog holds the state: compacted, one partition per task.
	cfgs, err := e.adm.DescribeTopicConfigs(ctx, changelogTopic(name))
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cfgs.On(changelogTopic(name), nil)
	compact := false
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" && c.MaybeValue() == "compact" {
			compact = true
		}
	}
	if !compact {
		t.Errorf("changelog configs %v: not compacted", rc.Configs)
	}
}

// Start modes for partitions without a committed offset, on a stateless
// copy pipeline.
func TestStartModes(t *testing.T) {
	e := newEOSEnv(t)
	cases := []struct {
		name  string
		start runtime.StartPosition
		want  func(p int32, i int) bool // which of the 20 old records are read
	}{
		{"earliest", runtime.StartPosition{Mode: runtime.StartEarliest}, func(int32, int) bool { return true }},
		{"committed falls back to earliest", runtime.StartPosition{Mode: runtime.StartCommitted, Fallback: runtime.StartEarliest}, func(int32, int) bool { return true }},
		{"latest", runtime.StartPosition{Mode: runtime.StartLatest}, func(int32, int) bool { return false }},
		{"committed falls back to latest", runtime.StartPosition{Mode: runtime.StartCommitted, Fallback: runtime.StartLatest}, func(int32, int) bool { return false }},
		{"timestamp", runtime.StartPosition{Mode: runtime.StartTimestamp, Timestamp: time.UnixMilli(clickBase + 12_000)}, func(_ int32, i int) bool { return i >= 12 }},
		{"offsets", runtime.StartPosition{Mode: runtime.StartOffsets, Offsets: map[int32]int64{0: 7}}, func(p int32, i int) bool { return p == 1 || i/2 >= 7 }},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := e.topic(fmt.Sprintf("in%d", ci), 2, nil)
			var recs []*kgo.Record
			for i := 0; i < 20; i++ {
				recs = append(recs, &kgo.Record{Topic: in, Partition: int32(i % 2), Value: []byte("old" + strconv.Itoa(i)),
					Timestamp: time.UnixMilli(clickBase + int64(i)*1000)})
			}
			e.produce(recs)
			out := e.topic(fmt.Sprintf("out%d", ci), 1, nil)
			name := e.name(fmt.Sprintf("start%d", ci))
			spec := copySpec(name, in, out, c.start, runtime.ExactlyOnce)
			r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// New records after the start, on both partitions.
			waitAssigned(t, ctx, e, name)
			e.produce([]*kgo.Record{{Topic: in, Partition: 0, Value: []byte("new0")}, {Topic: in, Partition: 1, Value: []byte("new1")}})
			if err := e.waitCaughtUp(ctx, name, in); err != nil {
				t.Fatal(err)
			}
			r.stop(t)
			got, err := e.readCommitted(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, old := range recs {
				if c.want(old.Partition, i) {
					want = append(want, string(old.Value))
				}
			}
			want = append(want, "new0", "new1")
			gotVals := recordLines(got)
			sort.Strings(gotVals)
			sort.Strings(want)
			if strings.Join(gotVals, ",") != strings.Join(want, ",") {
				t.Fatalf("copied %v\nwant %v", gotVals, want)
			}
		})
	}
}

// waitAssigned waits until the group has a member with an assignment and
// the runner had time to resolve its start offsets.
func waitAssigned(t testing.TB, ctx context.Context, e *eosEnv, group string) {
	t.Helper()
	for {
		gs, err := e.adm.DescribeGroups(ctx, group)
		if err == nil {
			if g, ok := gs[group]; ok && g.State == "Stable" && len(g.Members) > 0 {
				assigned := 0
				for _, m := range g.Members {
					if ca, ok := m.Assigned.AsConsumer(); ok {
						for _, tp := range ca.Topics {
							assigned += len(tp.Partitions)
						}
					}
				}
				if assigned > 0 {
					time.Sleep(500 * time.Millisecond)
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("group %s never got an assignment", group)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// copySpec copies input values to output, stateless.
func copySpec(name, input, output string, start runtime.StartPosition, d runtime.Delivery) runtime.PipelineSpec {
	return runtime.PipelineSpec{
		Name:    name,
		Inputs:  []runtime.InputSpec{{Name: "in", Topics: []string{input}, Start: start}},
		Outputs: []runtime.OutputSpec{{Name: "out", Topic: output, Delivery: d, Partitioner: runtime.RoundRobin}},
		Build: func(t *runtime.Task) error {
			out, err := runtime.NewSink(t, output, runtime.ValueSerializer[string](runtime.StringCodec{}))
			if err != nil {
				return err
			}
			_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
				Topic: input, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
			}, out)
			return err
		},
	}
}

// At-least-once and no-guarantee outputs go through the plain producer;
// after a clean run every record is there.
func TestDeliveryModes(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("in", 2, nil)
	var recs []*kgo.Record
	for i := 0; i < 200; i++ {
		recs = append(recs, &kgo.Record{Topic: in, Partition: int32(i % 2), Value: []byte(strconv.Itoa(i))})
	}
	e.produce(recs)
	for _, d := range []runtime.Delivery{runtime.AtLeastOnce, runtime.NoGuarantee} {
		t.Run(fmt.Sprint(d), func(t *testing.T) {
			out := e.topic(fmt.Sprintf("out-d%d", d), 3, nil)
			name := e.name(fmt.Sprintf("delivery%d", d))
			r := startRun(copySpec(name, in, out, runtime.StartPosition{Mode: runtime.StartEarliest}, d),
				Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := e.waitCaughtUp(ctx, name, in); err != nil {
				t.Fatal(err)
			}
			r.stop(t)
			got, err := e.readCommitted(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			parts := map[int32]int{}
			for _, g := range got {
				seen[string(g.Value)] = true
				parts[g.Partition]++
			}
			if len(seen) != 200 {
				t.Fatalf("%d distinct records out, want 200", len(seen))
			}
			if len(parts) != 3 {
				t.Fatalf("round-robin used partitions %v of 3", parts)
			}
		})
	}
}

// A failing pipeline function ends Run with its error (after aborting the
// transaction), naming the record.
func TestProcessingErrorIsFatal(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("in", 1, nil)
	out := e.topic("out", 1, nil)
	e.produce([]*kgo.Record{{Topic: in, Value: []byte("ok")}, {Topic: in, Value: []byte("boom")}})
	spec := copySpec(e.name("fail"), in, out, runtime.StartPosition{}, runtime.ExactlyOnce)
	spec.Build = func(t *runtime.Task) error {
		sink, err := runtime.NewSink(t, out, runtime.ValueSerializer[string](runtime.StringCodec{}))
		if err != nil {
			return err
		}
		check := runtime.NodeFunc[string](func(c *runtime.Context, v *string) error {
			if *v == "boom" {
				return errors.New("the user function failed")
			}
			return sink.Push(c, v)
		})
		_, err = runtime.AddSource(t, runtime.SourceConfig[string]{Topic: in, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{})}, check)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Run(ctx, spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if err == nil || !strings.Contains(err.Error(), "the user function failed") || !strings.Contains(err.Error(), in+"[0]@1") {
		t.Fatalf("Run returned %v", err)
	}
	got, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("the failed transaction's output is visible: %v", recordLines(got))
	}
}

// Each violation of the checks at start is its own clear error, returned
// before any record is read.
func TestAdminChecks(t *testing.T) {
	e := newEOSEnv(t)
	in2 := e.topic("in2", 2, nil)
	in3 := e.topic("in3", 3, nil)
	out := e.topic("out", 2, nil)
	name := e.name("admin")
	deleteChangelog := e.name("deleting")
	if _, err := e.adm.CreateTopic(context.Background(), 2, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("delete")}, changelogTopic(deleteChangelog)); err != nil {
		t.Fatal(err)
	}
	ok := func() runtime.PipelineSpec {
		return copySpec(name, in2, out, runtime.StartPosition{}, runtime.ExactlyOnce)
	}
	with := func(f func(*runtime.PipelineSpec)) runtime.PipelineSpec {
		s := ok()
		f(&s)
		return s
	}
	cases := []struct {
		name string
		spec runtime.PipelineSpec
		opts []Opt
		want string
	}{
		{"no name", with(func(s *runtime.PipelineSpec) { s.Name = "" }), nil, "has no name"},
		{"no build", with(func(s *runtime.PipelineSpec) { s.Build = nil }), nil, "has no Build function"},
		{"no inputs", with(func(s *runtime.PipelineSpec) { s.Inputs = nil }), nil, "has no inputs"},
		{"no state dir", ok(), []Opt{StateDir("")}, "StateDir is required"},
		{"no brokers", ok(), []Opt{Brokers()}, "no brokers"},
		{"negative watermark drift", ok(), []Opt{MaxWatermarkDrift(-time.Second)}, "MaxWatermarkDrift -1s is negative (0 turns watermark alignment off)"},
		{"input without topics", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics = nil }), nil, `input "in" names no topics and no topic pattern`},
		{"topics and pattern", with(func(s *runtime.PipelineSpec) { s.Inputs[0].TopicPattern = "x.*" }), nil, `input "in" has both topics and a topic pattern`},
		{"bad pattern", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics, s.Inputs[0].TopicPattern = nil, "(" }), nil, `bad topic pattern "("`},
		{"transaction timeout below the commit interval", ok(), []Opt{TransactionTimeout(50 * time.Millisecond)}, "must be longer than the commit interval"},
		{"transaction timeout above the broker maximum", ok(), []Opt{TransactionTimeout(20 * time.Minute)}, "exceeds the brokers' transaction.max.timeout.ms (15m0s)"},
		{"missing input topic", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics = []string{e.name("nope")} }), nil,
			fmt.Sprintf("input topic %q of input \"in\" does not exist", e.name("nope"))},
		{"inputs not co-partitioned", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics = []string{in2, in3} }), nil,
			fmt.Sprintf("input topics are not co-partitioned (a task reads partition p of every input, so all need the same partition count): %s=2, %s=3", in2, in3)},
		{"missing output topic", with(func(s *runtime.PipelineSpec) { s.Outputs[0].Topic = e.name("gone") }), nil,
			fmt.Sprintf("output topic %q of output \"out\" does not exist (create it first: the runner does not create outputs)", e.name("gone"))},
		{"fixed partition out of range", with(func(s *runtime.PipelineSpec) {
			s.Outputs[0].Partitioner, s.Outputs[0].Partition = runtime.Fixed, 5
		}), nil, fmt.Sprintf("output \"out\" writes fixed partition 5, but topic %q has 2 partitions", out)},
		{"missing dead-letter topic", with(func(s *runtime.PipelineSpec) { s.Inputs[0].DeadLetterTopic = e.name("dlq") }), nil,
			fmt.Sprintf("dead-letter topic %q of input \"in\" does not exist", e.name("dlq"))},
		{"changelog not compacted", with(func(s *runtime.PipelineSpec) { s.Name = deleteChangelog }), nil,
			fmt.Sprintf("changelog topic %s has cleanup.policy=delete; it must be compact", changelogTopic(deleteChangelog))},
		{"output is the changelog", with(func(s *runtime.PipelineSpec) { s.Outputs[0].Topic = changelogTopic(name) }), nil, "writes the pipeline's own changelog topic"},
		{"input is the changelog", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics = []string{changelogTopic(name)} }), nil, "reads the pipeline's own changelog topic"},
		{"output is the watermarks topic", with(func(s *runtime.PipelineSpec) { s.Outputs[0].Topic = watermarksTopic(name) }), []Opt{MaxWatermarkDrift(time.Minute)}, "writes the pipeline's own watermarks topic"},
		{"input is the watermarks topic", with(func(s *runtime.PipelineSpec) { s.Inputs[0].Topics = []string{watermarksTopic(name)} }), []Opt{MaxWatermarkDrift(time.Minute)}, "reads the pipeline's own watermarks topic"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			opts := append([]Opt{Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t))}, c.opts...)
			err := Run(ctx, c.spec, opts...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run: %v\nwant an error containing %q", err, c.want)
			}
			if ctx.Err() != nil {
				t.Fatal("the check did not fail fast")
			}
		})
	}
	// None of the failed runs created the changelog; a good one creates it
	// compacted with a partition per input partition.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all, err := e.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if all.Has(changelogTopic(name)) {
		t.Fatal("a failed check created the changelog")
	}
	r := startRun(ok(), Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	waitAssigned(t, ctx, e, name)
	r.stop(t)
	all, err = e.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(all[changelogTopic(name)].Partitions); n != 2 {
		t.Fatalf("changelog has %d partitions, want 2; topics %v", n, all.Names())
	}
	if err := checkCompacted(ctx, e.adm, changelogTopic(name)); err != nil {
		t.Fatal(err)
	}
}

// quiet emits a key when a processing-time timer set 10s after its record
// fires.
type quiet struct{}

func (quiet) ProcessElement(c *runtime.Context, _ *string, _ *runtime.Emitter[string]) error {
	return c.RegisterProcessingTimer(c.ProcessingTime() + 10_000)
}

func (quiet) OnTimer(c *runtime.Context, _ runtime.Timer, out *runtime.Emitter[string]) error {
	return out.Emit(string(c.Key()) + " quiet")
}

// Processing-time timers are state: they survive a move to a new state
// directory through the changelog, and fire from the clock alone; their
// outputs commit exactly once in transactions that consume nothing (the
// task's input offsets ride along so the group generation still fences
// zombies).
func TestProcessingTimeTimers(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("in", 2, nil)
	out := e.topic("out", 2, nil)
	name := e.name("timers")
	var clock atomic.Int64
	clock.Store(clickBase)
	now := func() time.Time { return time.UnixMilli(clock.Load()) }
	spec := runtime.PipelineSpec{
		Name:    name,
		Inputs:  []runtime.InputSpec{{Name: "in", Topics: []string{in}}},
		Outputs: []runtime.OutputSpec{{Name: "out", Topic: out}},
		Build: func(t *runtime.Task) error {
			sink, err := runtime.NewSink(t, out, runtime.ValueSerializer[string](runtime.StringCodec{}))
			if err != nil {
				return err
			}
			proc, err := runtime.NewProcess[string, string](t, "quiet", quiet{}, sink)
			if err != nil {
				return err
			}
			_, err = runtime.AddSource(t, runtime.SourceConfig[string]{Topic: in, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{})}, proc)
			return err
		},
	}
	var recs []*kgo.Record
	want := map[string]bool{}
	for i := 0; i < 50; i++ {
		k := fmt.Sprintf("k%02d", i)
		want[k+" quiet"] = true
		recs = append(recs, &kgo.Record{Topic: in, Partition: KeyPartition([]byte(k), 2), Key: []byte(k), Value: []byte("x")})
	}
	e.produce(recs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := newTestLogger(t)
	r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), InstanceID("t0"), ProcessingTimeFunc(now), Logger(log), ClientOpts(kgo.RebalanceTimeout(3*time.Second)))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	r.stop(t)
	if got, err := e.readCommitted(ctx, out); err != nil || len(got) != 0 {
		t.Fatalf("outputs before the timers are due: %v %v", recordLines(got), err)
	}
	// A new state directory: the timers come back from the changelog.
	r = startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), InstanceID("t0"), ProcessingTimeFunc(now), Logger(log), ClientOpts(kgo.RebalanceTimeout(3*time.Second)))
	clock.Add(11_000)
	for {
		ends, err := e.adm.ListEndOffsets(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		ends.Each(func(lo kadm.ListedOffset) { n += lo.Offset })
		if n >= int64(len(want)) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the timers did not fire")
		case <-time.After(50 * time.Millisecond):
		}
	}
	r.stop(t)
	got, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, l := range recordLines(got) {
		seen[l]++
		if !want[l] || seen[l] > 1 {
			t.Errorf("unexpected or repeated output %q", l)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("%d distinct outputs, want %d", len(seen), len(want))
	}
}

// deadLetters counts dead-lettered records.
type deadLetters struct {
	NopObserver
	n atomic.Int64
}

func (d *deadLetters) DeadLettered(string) { d.n.Add(1) }

// Records that fail to decode go to the dead-letter topic inside the
// transaction, with the error headers; the others go on.
func TestDeadLetterTopic(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("in", 1, nil)
	out := e.topic("out", 1, nil)
	dlq := e.topic("dlq", 1, nil)
	name := e.name("dlq")
	spec := copySpec(name, in, out, runtime.StartPosition{}, runtime.ExactlyOnce)
	spec.Inputs[0].DeadLetterTopic = dlq
	spec.Build = func(t *runtime.Task) error {
		sink, err := runtime.NewSink(t, out, runtime.ValueSerializer[string](runtime.StringCodec{}))
		if err != nil {
			return err
		}
		return runtime.AddSourceWithDeadLetter(t, runtime.SourceConfig[string]{
			Topic: in,
			Deserializer: runtime.DeserializerFunc[string](func(r *runtime.Record) (string, error) {
				if strings.HasPrefix(string(r.Value), "bad") {
					return "", errors.New("not a good value")
				}
				return string(r.Value), nil
			}),
		}, dlq, sink)
	}
	e.produce([]*kgo.Record{{Topic: in, Value: []byte("good1")}, {Topic: in, Value: []byte("bad1")}, {Topic: in, Value: []byte("good2")}})
	obs := &deadLetters{}
	r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), ObserverOpt(obs), Logger(newTestLogger(t)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	r.stop(t)
	good, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := e.readCommitted(ctx, dlq)
	if err != nil {
		t.Fatal(err)
	}
	if g := strings.Join(recordLines(good), ","); g != "good1,good2" {
		t.Fatalf("output %s", g)
	}
	if len(bad) != 1 || string(bad[0].Value) != "bad1" {
		t.Fatalf("dead letters %v", recordLines(bad))
	}
	headers := map[string]string{}
	for _, h := range bad[0].Headers {
		headers[h.Key] = string(h.Value)
	}
	if headers[runtime.HeaderDLQError] != "not a good value" || headers[runtime.HeaderDLQTopic] != in || headers[runtime.HeaderDLQOffset] != "1" {
		t.Fatalf("dead-letter headers %v", headers)
	}
	if obs.n.Load() != 1 {
		t.Fatalf("observer saw %d dead letters", obs.n.Load())
	}
}

// A record that can never be produced (here: to a partition the output
// does not have) ends Run with the producer's error after a few aborted
// commits, instead of replaying forever; nothing of it becomes visible.
func TestPersistentProduceErrorIsFatal(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("in", 1, nil)
	out := e.topic("out", 1, nil)
	e.produce([]*kgo.Record{{Topic: in, Value: []byte("x")}})
	spec := copySpec(e.name("badpart"), in, out, runtime.StartPosition{}, runtime.ExactlyOnce)
	spec.Build = func(t *runtime.Task) error {
		sink, err := runtime.NewSink(t, out, runtime.SerializerFunc[string](func(_ *runtime.Context, v string, o *runtime.OutRecord) error {
			o.Value, o.Partition = []byte(v), 7
			return nil
		}))
		if err != nil {
			return err
		}
		_, err = runtime.AddSource(t, runtime.SourceConfig[string]{Topic: in, Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{})}, sink)
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Run(ctx, spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if want := "producing failed 5 commits in a row: producing to " + out + "[7]: "; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run returned %v\nwant an error containing %q", err, want)
	}
	if got, err := e.readCommitted(ctx, out); err != nil || len(got) != 0 {
		t.Fatalf("output %v %v", recordLines(got), err)
	}
}
