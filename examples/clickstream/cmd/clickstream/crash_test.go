package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
	"github.com/streamgen/streamgen/runtime"
)

// crashPartitions is the partition count of every topic of the test.
const crashPartitions = 4

// group is the pipeline's consumer group: its name.
const group = "clickstream"

// workerIDs are the workers' instance ids (static group members).
var workerIDs = []string{"w0", "w1"}

// pipelineTopics are the topics the binary reads and writes, as its spec
// names them; it creates its changelog topic itself.
func pipelineTopics(t *testing.T) []string {
	p, err := clickstream.NewPipeline(clickstream.NewOperators(), runtime.WithFraming(runtime.FormatAvroConfluent, kafka.NewConfluentFraming()))
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	var names []string
	for _, tc := range kafka.PipelineTopics(&spec, 1) {
		names = append(names, tc.Name)
	}
	return names
}

// TestCrashExactlyOnce runs the real clickstream binary (go build of this
// package) as two worker processes, each with static membership
// (--instance-id) and its own --state-dir, while about 100k clicks are
// produced to web-clicks and app-clicks. At random wall-clock times (not
// at chosen points of the commit protocol: the binary has no fault
// hooks) one worker, now and then both, is SIGKILLed and restarted, at
// least 30 times; one restart in six first wipes the worker's state
// directory, so its tasks restore in full from the changelog. At the end
// a click with an event time an hour past the last one closes every
// window and session, the workers catch up and stop, and a read_committed
// consumer, once the last stable offset equals the high watermark on every
// partition, must find every per-minute user-views result and every
// user-engagement session exactly once with its exact values, nothing on
// late-views, and each corrupt record exactly once on clicks-dlq.
//
// It runs against an embedded kfake broker over loopback and an srfake
// Schema Registry, or against KAFKA_BROKERS (and SCHEMA_REGISTRY_URL when
// set); the binary's topic and group names are fixed, so on a real
// cluster the test deletes and recreates them, and runs only when
// STREAMGEN_CRASH_RECREATE_TOPICS=1 says that is fine (it is skipped
// otherwise, naming the topics it would delete). STREAMGEN_CRASH_LONG=1:
// 1M clicks and at least 300 kills. STREAMGEN_CRASH_LOGDIR keeps the
// workers' logs and state in a new directory under it.
func TestCrashExactlyOnce(t *testing.T) {
	events, users, minKills, chunk := 100_000, 400, 30, 2500
	pace := 700 * time.Millisecond
	if os.Getenv("STREAMGEN_CRASH_LONG") != "" {
		events, users, minKills, chunk = 1_000_000, 2000, 300, 5000
		pace = 500 * time.Millisecond
	}
	began := time.Now()
	bin := buildBinary(t)
	env := newCrashEnv(t)
	tr := simulate(2026, users, events, 5)

	dir := t.TempDir()
	if d := os.Getenv("STREAMGEN_CRASH_LOGDIR"); d != "" {
		// A new directory per run: a state directory of an earlier run
		// would describe another cluster's changelog.
		var err error
		if dir, err = os.MkdirTemp(d, "clickstream-crash-"); err != nil {
			t.Fatal(err)
		}
		t.Logf("workers' logs and state in %s", dir)
	}
	var workers []*worker
	for _, id := range workerIDs {
		w := &worker{id: id, bin: bin, log: filepath.Join(dir, id+".log"), stateDir: filepath.Join(dir, id, "state"),
			args: []string{"--brokers", strings.Join(env.brokers, ","), "--schema-registry", env.registry,
				"--instance-id", id, "--metrics-addr=", "--log-format", "text", "--auto-register"}}
		w.start(t)
		workers = append(workers, w)
	}
	defer func() {
		for _, w := range workers {
			w.killIfRunning()
		}
		if t.Failed() {
			for _, w := range workers {
				t.Logf("worker %s log (tail):\n%s", w.id, tail(w.log, 6000))
			}
		}
	}()

	// Produce at a steady pace while the killer works.
	prodErr := make(chan error, 1)
	go func() {
		for sent := 0; sent < len(tr.sent); sent += chunk {
			if err := env.produce(tr.sent[sent:min(sent+chunk, len(tr.sent))]); err != nil {
				prodErr <- err
				return
			}
			time.Sleep(pace)
		}
		prodErr <- nil
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	kills, wipes := 0, 0
	produced := false
	for !produced || kills < minKills {
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		select {
		case err := <-prodErr:
			if err != nil {
				t.Fatal(err)
			}
			produced = true
		default:
		}
		for _, w := range workers {
			w.checkRunning(t)
		}
		victims := []*worker{workers[rng.IntN(2)]}
		if rng.IntN(8) == 0 {
			victims = workers // both at once
		}
		for _, w := range victims {
			w.kill()
			kills++
			if rng.IntN(6) == 0 {
				if err := os.RemoveAll(w.stateDir); err != nil {
					t.Fatal(err)
				}
				wipes++
			}
		}
		for _, w := range victims {
			w.start(t)
		}
		if time.Since(began) > 15*time.Minute {
			t.Fatalf("only %d kills in 15 minutes", kills)
		}
	}
	killed := time.Since(began)

	// Event time an hour past the last click on every partition of both
	// topics closes every window and session (the crawler's clicks are
	// a bot's: the pipeline drops them, only their time counts).
	if err := env.closeTheDay(tr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := env.waitCaughtUp(ctx, workers); err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		w.stop(t)
	}
	got, err := env.readResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d clicks (%d corrupt), %d users: %d SIGKILLs (%d with the state directory wiped) in %v; %d user-views and %d user-engagement records; %v in all",
		len(tr.sent), tr.poison, users, kills, wipes, killed.Round(time.Second), got.viewRecords, got.sessionRecords, time.Since(began).Round(time.Second))
	for _, err := range tr.check(got) {
		t.Error(err)
	}
	if len(env.poison) != tr.poison {
		t.Errorf("%d corrupt records sent, %d acknowledged", tr.poison, len(env.poison))
	}
	if err := env.checkDeadLetters(got); err != nil {
		t.Error(err)
	}
}

// buildBinary builds this package's binary, the production clickstream
// command, into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "clickstream")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// worker is one clickstream process.
type worker struct {
	id, bin, log, stateDir string
	args                   []string
	cmd                    *exec.Cmd
	done                   chan struct{}
}

func (w *worker) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(w.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(w.stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.bin, append([]string{"--state-dir", w.stateDir}, w.args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	w.cmd, w.done = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		f.Close()
		close(w.done)
	}()
}

// checkRunning fails the test when the worker ended on its own.
func (w *worker) checkRunning(t *testing.T) {
	t.Helper()
	select {
	case <-w.done:
		t.Fatalf("worker %s exited on its own: %v; log %s:\n%s", w.id, w.cmd.ProcessState, w.log, tail(w.log, 4000))
	default:
	}
}

// kill SIGKILLs the worker and waits until it is gone.
func (w *worker) kill() {
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
}

func (w *worker) killIfRunning() {
	select {
	case <-w.done:
	default:
		w.kill()
	}
}

// stop asks the worker to commit and leave (SIGTERM) and checks that it
// exits cleanly.
func (w *worker) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(time.Minute):
		w.kill()
		t.Errorf("worker %s ignored SIGTERM for a minute", w.id)
		return
	}
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("worker %s exited with %v at SIGTERM; log %s:\n%s", w.id, w.cmd.ProcessState, w.log, tail(w.log, 4000))
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// crashEnv is the cluster, the registry and the test's clients.
type crashEnv struct {
	t        *testing.T
	brokers  []string
	registry string
	cl       *kgo.Client
	adm      *kadm.Client
	framing  *kafka.ConfluentFraming
	topics   []string // the pipeline's topics (pipelineTopics)
	// poison holds where each corrupt record landed: topic/partition/offset.
	poison map[string]bool
}

// newCrashEnv starts kfake and srfake, or connects to KAFKA_BROKERS and
// SCHEMA_REGISTRY_URL, and creates the pipeline's topics.
func newCrashEnv(t *testing.T) *crashEnv {
	t.Helper()
	e := &crashEnv{t: t, poison: map[string]bool{}, topics: pipelineTopics(t)}
	real := os.Getenv("KAFKA_BROKERS") != ""
	if real && os.Getenv("STREAMGEN_CRASH_RECREATE_TOPICS") != "1" {
		t.Skipf("KAFKA_BROKERS is set: this test would delete and recreate the topics %s and the binary's consumer group there; set STREAMGEN_CRASH_RECREATE_TOPICS=1 to allow it", strings.Join(e.topics, ", "))
	}
	if real {
		for _, b := range strings.Split(os.Getenv("KAFKA_BROKERS"), ",") {
			if b = strings.TrimSpace(b); b != "" {
				e.brokers = append(e.brokers, b)
			}
		}
	} else {
		b, err := kafka.StartBroker(kafka.BrokerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		e.brokers = []string{b.Addr()}
	}
	if url := os.Getenv("SCHEMA_REGISTRY_URL"); url != "" {
		e.registry = url
	} else {
		reg := srfake.New()
		t.Cleanup(reg.Close)
		e.registry = reg.URL()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.MetadataMinAge(50*time.Millisecond), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	e.cl, e.adm = cl, kadm.NewClient(cl)
	srcl, err := sr.NewClient(sr.URLs(e.registry))
	if err != nil {
		t.Fatal(err)
	}
	// The trackers register the Click schema as they produce; the test
	// decodes the outputs with the schemas the pipeline registered.
	e.framing = kafka.NewConfluentFraming(kafka.RegistryClient(srcl), kafka.AutoRegister(true))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if real {
		if err := e.reset(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, topic := range e.topics {
		if err := e.createTopic(ctx, topic); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// reset removes what an earlier run left on a real cluster: the
// pipeline's topics, its changelog and its consumer group. The workers'
// static members outlive them (until the session timeout), so they are
// removed from the group first.
func (e *crashEnv) reset(ctx context.Context) error {
	if _, err := e.adm.LeaveGroup(ctx, kadm.LeaveGroup(group).InstanceIDs(workerIDs...).Reason("crash test reset")); err != nil &&
		!errors.Is(err, kerr.GroupIDNotFound) && !errors.Is(err, kerr.UnknownMemberID) {
		return fmt.Errorf("removing the static members of group %s: %w", group, err)
	}
	for {
		_, err := e.adm.DeleteGroup(ctx, group)
		if err == nil || errors.Is(err, kerr.GroupIDNotFound) {
			break
		}
		if !errors.Is(err, kerr.NonEmptyGroup) {
			return fmt.Errorf("deleting group %s: %w", group, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deleting group %s: still has members: %w", group, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
	topics := append([]string{group + "-changelog"}, e.topics...)
	resp, err := e.adm.DeleteTopics(ctx, topics...)
	if err != nil {
		return fmt.Errorf("deleting the topics of an earlier run: %w", err)
	}
	for _, r := range resp {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("deleting topic %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

// createTopic creates topic, retrying while a deletion of the same name
// is still under way.
func (e *crashEnv) createTopic(ctx context.Context, topic string) error {
	for {
		resp, err := e.adm.CreateTopic(ctx, crashPartitions, -1, nil, topic)
		if err == nil {
			err = resp.Err
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating topic %s: %w", topic, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("creating topic %s: still exists after deleting it: %w", topic, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// produce sends clicks keyed by user id, each to the partition Kafka's
// default (murmur2) partitioner picks for its key, the same on both
// topics, and remembers where the corrupt ones landed.
func (e *crashEnv) produce(clicks []sentClick) error {
	recs := make([]*kgo.Record, len(clicks))
	for i := range clicks {
		value, err := clicks[i].encode(e.framing)
		if err != nil {
			return err
		}
		key := []byte(clicks[i].click.UserID)
		recs[i] = &kgo.Record{Topic: clicks[i].topic, Partition: kafka.KeyPartition(key, crashPartitions), Key: key,
			Value: value, Timestamp: clicks[i].arrives}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := e.cl.ProduceSync(ctx, recs...)
	if err := res.FirstErr(); err != nil {
		return fmt.Errorf("producing clicks: %w", err)
	}
	// The results come in the order the partitions answered.
	poison := map[*kgo.Record]bool{}
	for i := range clicks {
		if clicks[i].poison {
			poison[recs[i]] = true
		}
	}
	for _, r := range res {
		if poison[r.Record] {
			e.poison[fmt.Sprintf("%s/%d/%d", r.Record.Topic, r.Record.Partition, r.Record.Offset)] = true
		}
	}
	return nil
}

// closeTheDay sends one bot click an hour past the last click to every
// partition of both input topics.
func (e *crashEnv) closeTheDay(tr *traffic) error {
	at := tr.last.Add(time.Hour)
	var recs []*kgo.Record
	for _, topic := range inputTopics {
		s := sentClick{topic: topic, click: clickstream.Click{UserID: "monitor", SessionID: "monitor", Ts: at,
			Kind: clickstream.ClickKindPageView, URL: "https://www.example.com/health", Tags: []string{}, Attrs: map[string]string{}, IsBot: true}}
		value, err := s.encode(e.framing)
		if err != nil {
			return err
		}
		for p := range int32(crashPartitions) {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Key: []byte("monitor"), Value: value, Timestamp: at})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return e.cl.ProduceSync(ctx, recs...).FirstErr()
}

// waitCaughtUp waits until the pipeline's group has committed the end
// offset of every input partition, failing early when a worker dies.
func (e *crashEnv) waitCaughtUp(ctx context.Context, workers []*worker) error {
	ends, err := e.adm.ListEndOffsets(ctx, inputTopics...)
	if err != nil {
		return err
	}
	for {
		for _, w := range workers {
			w.checkRunning(e.t)
		}
		committed, err := e.adm.FetchOffsetsForTopics(ctx, group, inputTopics...)
		if err == nil {
			done := true
			ends.Each(func(o kadm.ListedOffset) {
				if c, ok := committed.Lookup(o.Topic, o.Partition); !ok || c.Err != nil || c.At < o.Offset {
					done = false
				}
			})
			if done {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the workers did not commit every input offset: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readCommitted returns the records of topic a read_committed consumer
// sees once no transaction is open (kafka.ReadCommitted).
func (e *crashEnv) readCommitted(ctx context.Context, topic string) ([]*kgo.Record, error) {
	return kafka.ReadCommitted(ctx, e.brokers, topic)
}

// results is what the pipeline committed.
type results struct {
	views          map[viewKey][]clickstream.UserViews
	sessions       map[sessionKey][]clickstream.Engagement
	viewRecords    int
	sessionRecords int
	late           []clickstream.Click
	deadLetters    map[string]int // topic/partition/offset -> records
	malformed      []string
}

// readAvro reads topic's committed records and decodes each value as a T;
// keep says whether a decoded record is well-formed (its key matches).
// Malformed records are listed in res.
func readAvro[T any, P kafka.AvroRecordPtr[T]](ctx context.Context, e *crashEnv, res *results, topic string, keep func(r *kgo.Record, v T) bool) error {
	serde := kafka.NewAvroSerde[T, P](e.framing, false)
	recs, err := e.readCommitted(ctx, topic)
	if err != nil {
		return err
	}
	for _, r := range recs {
		v, err := serde.Decode(r.Topic, r.Value)
		if err != nil || !keep(r, v) {
			res.malformed = append(res.malformed, fmt.Sprintf("%s %d/%d key %q: %v %v", topic, r.Partition, r.Offset, r.Key, v, err))
		}
	}
	return nil
}

func (e *crashEnv) readResults(ctx context.Context) (*results, error) {
	res := &results{views: map[viewKey][]clickstream.UserViews{}, sessions: map[sessionKey][]clickstream.Engagement{}, deadLetters: map[string]int{}}
	if err := readAvro(ctx, e, res, "user-views", func(r *kgo.Record, v clickstream.UserViews) bool {
		if string(r.Key) != v.UserID {
			return false
		}
		k := viewKey{v.UserID, v.WindowStart.UnixMilli()}
		res.views[k] = append(res.views[k], v)
		res.viewRecords++
		return true
	}); err != nil {
		return nil, err
	}
	if err := readAvro(ctx, e, res, "user-engagement", func(r *kgo.Record, s clickstream.Engagement) bool {
		if string(r.Key) != s.UserID {
			return false
		}
		k := sessionKey{s.UserID, s.SessionStart.UnixMilli()}
		res.sessions[k] = append(res.sessions[k], s)
		res.sessionRecords++
		return true
	}); err != nil {
		return nil, err
	}
	if err := readAvro(ctx, e, res, "late-views", func(_ *kgo.Record, c clickstream.Click) bool {
		res.late = append(res.late, c)
		return true
	}); err != nil {
		return nil, err
	}
	recs, err := e.readCommitted(ctx, "clicks-dlq")
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		h := map[string]string{}
		for _, x := range r.Headers {
			h[x.Key] = string(x.Value)
		}
		res.deadLetters[h[runtime.HeaderDLQTopic]+"/"+h[runtime.HeaderDLQPartition]+"/"+h[runtime.HeaderDLQOffset]]++
	}
	return res, nil
}

// check compares the results with the traffic's expected outputs: every
// minute and session exactly once with its exact values, no late views,
// every corrupt record dead-lettered exactly once. It returns at most a
// few errors of each kind, each with the totals.
func (tr *traffic) check(got *results) []error {
	var errs []error
	report := func(kind string, bad []string) {
		if len(bad) == 0 {
			return
		}
		sort.Strings(bad)
		errs = append(errs, fmt.Errorf("%s: %d, for example:\n  %s", kind, len(bad), strings.Join(bad[:min(len(bad), 8)], "\n  ")))
	}
	report("malformed output records", got.malformed)

	var lost, dup, wrong, extra []string
	for k, w := range tr.views {
		rs := got.views[k]
		switch {
		case len(rs) == 0:
			lost = append(lost, fmt.Sprintf("%s %s", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly)))
			continue
		case len(rs) > 1:
			dup = append(dup, fmt.Sprintf("%s %s written %d times", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly), len(rs)))
		}
		v := rs[0]
		if v.Views != w.views || int(v.DistinctUrls) != len(w.urls) || v.WindowEnd.UnixMilli() != k.start+60_000 {
			wrong = append(wrong, fmt.Sprintf("%s %s: %d views, %d URLs, end %v; want %d, %d", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly),
				v.Views, v.DistinctUrls, v.WindowEnd.UTC(), w.views, len(w.urls)))
		}
	}
	for k, rs := range got.views {
		if tr.views[k] == nil {
			extra = append(extra, fmt.Sprintf("%s %s: %+v", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly), rs[0]))
		}
	}
	report(fmt.Sprintf("user-views minutes lost (of %d)", len(tr.views)), lost)
	report("user-views minutes duplicated", dup)
	report("user-views minutes with wrong values", wrong)
	report("user-views minutes that should not exist", extra)

	lost, dup, wrong, extra = nil, nil, nil, nil
	for k, w := range tr.sessions {
		rs := got.sessions[k]
		switch {
		case len(rs) == 0:
			lost = append(lost, fmt.Sprintf("%s %s", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly)))
			continue
		case len(rs) > 1:
			dup = append(dup, fmt.Sprintf("%s %s written %d times", k.user, time.UnixMilli(k.start).UTC().Format(time.TimeOnly), len(rs)))
		}
		s := rs[0]
		if s.SessionEnd.UnixMilli() != w.SessionEnd.UnixMilli() || s.DurationMs != w.DurationMs || s.Events != w.Events ||
			s.PageViews != w.PageViews || s.Bounce != w.Bounce {
			wrong = append(wrong, fmt.Sprintf("%+v, want %+v", s, w))
		}
	}
	for k, rs := range got.sessions {
		if _, ok := tr.sessions[k]; !ok {
			extra = append(extra, fmt.Sprintf("%+v", rs[0]))
		}
	}
	report(fmt.Sprintf("user-engagement sessions lost (of %d)", len(tr.sessions)), lost)
	report("user-engagement sessions duplicated", dup)
	report("user-engagement sessions with wrong values", wrong)
	report("user-engagement sessions that should not exist", extra)

	var late []string
	for _, c := range got.late {
		late = append(late, fmt.Sprintf("%s at %s on %s", c.UserID, c.Ts.UTC().Format(time.TimeOnly), c.Attrs["src"]))
	}
	report("clicks on late-views (the input has no late click)", late)
	return errs
}

// checkDeadLetters compares the dead-lettered records with the corrupt
// records sent: each exactly once.
func (e *crashEnv) checkDeadLetters(got *results) error {
	var bad []string
	for where := range e.poison {
		if n := got.deadLetters[where]; n != 1 {
			bad = append(bad, fmt.Sprintf("%s dead-lettered %d times", where, n))
		}
	}
	for where, n := range got.deadLetters {
		if !e.poison[where] {
			bad = append(bad, fmt.Sprintf("%s (not corrupt) dead-lettered %d times", where, n))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("clicks-dlq, %d corrupt records sent: %s", len(e.poison), strings.Join(bad, "; "))
	}
	return nil
}
