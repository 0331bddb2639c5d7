package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// pauseEvent is one PartitionPaused call.
type pauseEvent struct {
	topic     string
	partition int32
	paused    bool
	reason    PauseReason
}

// pauseLog is an Observer that records pauses, records read per
// partition and task assignments.
type pauseLog struct {
	NopObserver
	mu       sync.Mutex
	alignWM  int64 // the last AlignmentWatermark
	events   []pauseEvent
	in       map[topicPart]int
	assigned [][]int32
}

func newPauseLog() *pauseLog { return &pauseLog{in: map[topicPart]int{}} }

func (l *pauseLog) PartitionPaused(topic string, p int32, paused bool, reason PauseReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, pauseEvent{topic, p, paused, reason})
}

func (l *pauseLog) AlignmentWatermark(wm int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.alignWM = wm
}

func (l *pauseLog) alignmentWatermark() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.alignWM
}

func (l *pauseLog) RecordsIn(topic string, p int32, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.in[topicPart{topic, p}] += n
}

func (l *pauseLog) TasksAssigned(tasks []int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.assigned = append(l.assigned, slices.Clone(tasks))
}

// alignmentPauses returns, per partition of topic, how many times it was
// paused for watermark alignment and whether it is paused now.
func (l *pauseLog) alignmentPauses(topic string) (count map[int32]int, pausedNow map[int32]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	count, pausedNow = map[int32]int{}, map[int32]bool{}
	for _, e := range l.events {
		if e.topic != topic {
			continue
		}
		if e.paused && e.reason == PauseWatermarkAlignment {
			count[e.partition]++
		}
		pausedNow[e.partition] = e.paused
	}
	return count, pausedNow
}

func (l *pauseLog) read(topic string, p int32) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.in[topicPart{topic, p}]
}

func (l *pauseLog) lastAssigned() []int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.assigned) == 0 {
		return nil
	}
	return l.assigned[len(l.assigned)-1]
}

// waitUntil polls cond until it holds or ctx ends.
func waitUntil(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// alignBuild counts clicks of two co-partitioned inputs together in
// 1-minute event-time windows; the slow input has idle timeout idle.
func alignBuild(slow, fast, output string, idle time.Duration) runtime.BuildFunc {
	return func(t *runtime.Task) error {
		out, err := runtime.NewSink(t, output, runtime.SerializerFunc[runtime.Windowed[int64]](func(c *runtime.Context, w runtime.Windowed[int64], o *runtime.OutRecord) error {
			o.Key = append([]byte(nil), c.Key()...)
			o.Value = fmt.Appendf(nil, "%s %d %d", c.Key(), w.Window.Start, w.Value)
			return nil
		}))
		if err != nil {
			return err
		}
		window, err := runtime.NewWindowAggregate[string, int64, int64](t, "clicks", runtime.WindowSpec[string]{
			Assigner: runtime.TumblingWindows(time.Minute, 0),
		}, clickCount{}, runtime.Int64Codec{}, out)
		if err != nil {
			return err
		}
		for _, in := range []struct {
			topic string
			wm    runtime.WatermarkStrategy
		}{{slow, runtime.WatermarkStrategy{IdleTimeout: idle}}, {fast, runtime.WatermarkStrategy{}}} {
			if _, err := runtime.AddSource(t, runtime.SourceConfig[string]{
				Topic:        in.topic,
				Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
				Watermark:    in.wm,
			}, window); err != nil {
				return err
			}
		}
		return nil
	}
}

// Two co-partitioned inputs; the fast one's backlog is an hour ahead in
// event time. With watermark alignment the fast partitions are paused
// (seen through the Observer) and resumed once the slow input catches up,
// or goes idle, or the partitions move to a second instance; every window
// comes out exactly once.
func TestWatermarkAlignment(t *testing.T) {
	const parts = alignParts
	cases := []struct {
		name    string
		idle    time.Duration // the slow input's idle timeout
		catchUp bool          // slow records past the fast backlog follow
		second  bool          // a second instance joins while paused
	}{
		{name: "slow input catches up", catchUp: true},
		{name: "slow input goes idle", idle: 3 * time.Second},
		{name: "second instance joins", catchUp: true, second: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae := newAlignEnv(t, "align", tc.idle)
			e, slow, fast, slowGen, fastGen := ae.e, ae.slow, ae.fast, ae.slowGen, ae.fastGen
			start := func(id string, obs Observer) *running { return ae.start(t, id, obs) }
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			a := newPauseLog()
			runA := start("a", a)
			defer func() {
				if runA != nil {
					runA.stop(t)
				}
			}()

			// The slow input trickles (never idle) until both fast
			// partitions are paused.
			stopTrickle := make(chan struct{})
			trickled := make(chan struct{})
			go func() {
				defer close(trickled)
				for {
					recs := slowGen.records(slow, 10)
					if err := e.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
						t.Errorf("producing: %v", err)
						return
					}
					select {
					case <-stopTrickle:
						return
					case <-time.After(100 * time.Millisecond):
					}
				}
			}()
			waitUntil(ctx, t, "slow records on every partition", func() bool {
				return a.read(slow, 0) > 0 && a.read(slow, 1) > 0
			})
			fastN := map[int32]int{}
			for i := 0; i < 40; i++ {
				recs := fastGen.records(fast, 50)
				for _, r := range recs {
					fastN[r.Partition]++
				}
				e.produce(recs)
			}
			waitUntil(ctx, t, "every fast partition paused for alignment", func() bool {
				n, now := a.alignmentPauses(fast)
				return n[0] > 0 && n[1] > 0 && now[0] && now[1]
			})
			// Paused partitions are not read further.
			for p := int32(0); p < parts; p++ {
				if got := a.read(fast, p); got >= fastN[p] {
					t.Errorf("fast partition %d: %d of %d records read while paused", p, got, fastN[p])
				}
			}
			close(stopTrickle)
			<-trickled
			if n, _ := a.alignmentPauses(slow); len(n) > 0 {
				t.Errorf("slow partitions paused for alignment: %v", n)
			}

			insts := []*pauseLog{a}
			if tc.second {
				b := newPauseLog()
				insts = append(insts, b)
				runB := start("b", b)
				defer runB.stop(t)
				waitUntil(ctx, t, "a task moving to the second instance", func() bool {
					return len(b.lastAssigned()) > 0 && len(a.lastAssigned()) < parts
				})
				// The instance the tasks left resumed their partitions.
				_, now := a.alignmentPauses(fast)
				for p := int32(0); p < parts; p++ {
					if !slices.Contains(a.lastAssigned(), p) && now[p] {
						t.Errorf("fast partition %d left instance a still paused", p)
					}
				}
				// The new owner restored the watermarks and pauses too.
				waitUntil(ctx, t, "the second instance pausing its fast partition", func() bool {
					n, _ := b.alignmentPauses(fast)
					return len(n) > 0
				})
			}
			if tc.catchUp {
				slowGen.next = alignAhead + 1900 // the fast backlog ends at alignAhead+2000
				e.produce(slowGen.records(slow, 200))
			}
			waitUntil(ctx, t, "the fast partitions resumed", func() bool {
				for _, l := range insts {
					_, now := l.alignmentPauses(fast)
					for _, p := range l.lastAssigned() {
						if now[p] {
							return false
						}
					}
				}
				return true
			})

			ae.finish(ctx, t, func() { runA.stop(t); runA = nil })
		})
	}
}

// TestWatermarkAlignmentAcrossInstances checks alignment across the
// consumer group: two instances own one task each; the slow input has
// records only on the second instance's partition and the fast input,
// an hour ahead, only on the first's. Each instance alone sees one
// partition with a watermark and would pause nothing; through the
// watermarks topic the first learns the second's watermark and pauses
// its fast partition until the slow one catches up. The results stay
// exact.
func TestWatermarkAlignmentAcrossInstances(t *testing.T) {
	ae := newAlignEnv(t, "galign", 0)
	// Alignment from the spec (watermark_alignment.max_drift), not an
	// option.
	ae.spec.MaxWatermarkDrift = time.Minute
	e, slow, fast, slowGen, fastGen := ae.e, ae.slow, ae.fast, ae.slowGen, ae.fastGen
	start := func(id string, obs Observer) *running { return ae.start(t, id, obs, InstanceID(id)) }
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	a, b := newPauseLog(), newPauseLog()
	runA, runB := start("a", a), start("b", b)
	defer func() {
		for _, r := range []*running{runA, runB} {
			if r != nil {
				r.stop(t)
			}
		}
	}()
	waitUntil(ctx, t, "one task on each instance", func() bool {
		return len(a.lastAssigned()) == 1 && len(b.lastAssigned()) == 1
	})
	pa, pb := a.lastAssigned()[0], b.lastAssigned()[0]

	e.produce(slowGen.recordsOn(slow, pb, 50))
	waitUntil(ctx, t, "the second instance reading the slow input", func() bool { return b.read(slow, pb) > 0 })
	for i := 0; i < 40; i++ {
		e.produce(fastGen.recordsOn(fast, pa, 50))
	}
	waitUntil(ctx, t, "the first instance pausing its fast partition for the second's watermark", func() bool {
		_, now := a.alignmentPauses(fast)
		return now[pa]
	})
	// The first instance reports the second's watermark as the one it
	// aligns to: within the slow input's events, an hour behind its own.
	if wm, slowEnd := a.alignmentWatermark(), clickBase+int64(slowGen.next)*alignStep; wm < clickBase || wm > slowEnd {
		t.Errorf("instance a aligns to %d, want the slow input's watermark in [%d, %d]", wm, clickBase, slowEnd)
	}
	if n, _ := b.alignmentPauses(slow); len(n) > 0 {
		t.Errorf("slow partitions paused for alignment: %v", n)
	}

	// The slow partition catches up past the fast backlog: the fast one
	// resumes once the second instance reports it.
	slowGen.next = fastGen.next - 100 // the fast backlog's end
	e.produce(slowGen.recordsOn(slow, pb, 200))
	waitUntil(ctx, t, "the fast partition resumed", func() bool {
		_, now := a.alignmentPauses(fast)
		return !now[pa]
	})

	ae.finish(ctx, t, func() {
		runA.stop(t)
		runB.stop(t)
		runA, runB = nil, nil
	})
}

// alignEnv is the pipeline of the alignment tests: a slow and a fast
// input of two partitions each, counted per key and minute exactly once;
// the fast input's events start an hour of event time ahead.
type alignEnv struct {
	e                     *eosEnv
	slow, fast, out, name string
	spec                  runtime.PipelineSpec
	slowGen, fastGen      *clicks
	log                   *slog.Logger
}

const (
	alignParts = 2   // partitions of each topic
	alignStep  = 100 // ms of event time between events
	// alignAhead is how far ahead the fast input starts, in events.
	alignAhead = int(time.Hour / time.Millisecond / alignStep)
)

func newAlignEnv(t *testing.T, prefix string, idle time.Duration) *alignEnv {
	const parts = alignParts
	e := newEOSEnv(t)
	ae := &alignEnv{e: e, slow: e.topic("slow", parts, nil), fast: e.topic("fast", parts, nil),
		out: e.topic("counts", parts, nil), name: e.name(prefix), log: newTestLogger(t)}
	ae.spec = runtime.PipelineSpec{
		Name: ae.name,
		Inputs: []runtime.InputSpec{
			{Name: "slow", Topics: []string{ae.slow}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}},
			{Name: "fast", Topics: []string{ae.fast}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}},
		},
		Outputs: []runtime.OutputSpec{{Name: "counts", Topic: ae.out, Delivery: runtime.ExactlyOnce, Partitioner: runtime.KeyHash}},
		Build:   alignBuild(ae.slow, ae.fast, ae.out, idle),
	}
	ae.slowGen, ae.fastGen = newClicks(50, parts, alignStep), newClicks(50, parts, alignStep)
	ae.slowGen.prefix, ae.fastGen.prefix = "s", "f"
	ae.fastGen.next = alignAhead
	return ae
}

// start runs an instance of the pipeline with a one-minute drift (the
// spec's, or else an option), its pauses and reads logged to obs.
func (ae *alignEnv) start(t *testing.T, id string, obs Observer, opts ...Opt) *running {
	base := []Opt{Brokers(ae.e.brokers...), StateDir(t.TempDir()), ObserverOpt(obs), Logger(ae.log.With("instance", id)),
		// One record batch per partition per fetch: a pause leaves
		// most of the fast backlog unread.
		ClientOpts(kgo.SessionTimeout(6*time.Second), kgo.FetchMaxPartitionBytes(1))}
	if ae.spec.MaxWatermarkDrift == 0 {
		base = append(base, MaxWatermarkDrift(time.Minute))
	}
	return startRun(ae.spec, append(base, opts...)...)
}

// TestMaxWatermarkDriftFromSpec checks which drift a runner aligns with:
// the spec's unless an option sets one, and 0 from an option turns it
// off.
func TestMaxWatermarkDriftFromSpec(t *testing.T) {
	for _, tc := range []struct {
		name      string
		spec      time.Duration
		opts      []Opt
		wantDrift time.Duration
	}{
		{"neither", 0, nil, 0},
		{"spec", time.Minute, nil, time.Minute},
		{"option", 0, []Opt{MaxWatermarkDrift(time.Second)}, time.Second},
		{"option beats spec", time.Minute, []Opt{MaxWatermarkDrift(time.Second)}, time.Second},
		{"option turns it off", time.Minute, []Opt{MaxWatermarkDrift(0)}, 0},
	} {
		c := newConfig(tc.opts)
		c.fromSpec(&runtime.PipelineSpec{MaxWatermarkDrift: tc.spec})
		if c.maxDrift != tc.wantDrift {
			t.Errorf("%s: drift %v, want %v", tc.name, c.maxDrift, tc.wantDrift)
		}
	}
}

// finish moves every partition's watermark past all windows, waits
// until the pipeline has read everything, stops it, and checks every
// window's count is there exactly once.
func (ae *alignEnv) finish(ctx context.Context, t *testing.T, stop func()) {
	t.Helper()
	ae.e.produce(ae.slowGen.flush(ae.slow))
	ae.e.produce(ae.fastGen.flush(ae.fast))
	if err := ae.e.waitCaughtUp(ctx, ae.name, ae.slow, ae.fast); err != nil {
		t.Fatal(err)
	}
	stop()
	recs, err := ae.e.readCommitted(ctx, ae.out)
	if err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(ae.slowGen.want)
	maps.Copy(want, ae.fastGen.want)
	if err := checkCounts(want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}
}

// recordsOn returns the next n of c's events whose keys fall on partition
// p; the events it skips are not expected in the results.
func (c *clicks) recordsOn(topic string, p int32, n int) []*kgo.Record {
	var out []*kgo.Record
	for len(out) < n {
		r := c.records(topic, 1)[0]
		if r.Partition == p {
			out = append(out, r)
			continue
		}
		ts := r.Timestamp.UnixMilli()
		k := fmt.Sprintf("%s %d", r.Key, ts-ts%60_000)
		if c.want[k]--; c.want[k] == 0 {
			delete(c.want, k)
		}
	}
	return out
}

func TestMetricsPartitionPaused(t *testing.T) {
	m := NewMetrics(nil)
	m.TasksAssigned([]int32{0, 1})
	m.PartitionPaused("clicks", 0, true, PauseWatermarkAlignment)
	m.PartitionPaused("clicks", 1, true, PauseTaskNotReady)
	m.PartitionPaused("clicks", 1, false, PauseTaskNotReady)
	m.PartitionPaused("clicks", 2, true, PauseTaskNotReady) // its task is not open yet
	for _, c := range []struct {
		p    string
		want float64
	}{{"0", 1}, {"1", 0}, {"2", 1}} {
		if got := testutil.ToFloat64(m.paused.WithLabelValues("clicks", c.p)); got != c.want {
			t.Errorf("paused{partition=%s} = %v, want %v", c.p, got, c.want)
		}
	}
	// Task 1 leaves: its 0 goes; partition 2 stays paused (1) until its
	// task opens.
	m.TasksAssigned([]int32{0})
	if n := testutil.CollectAndCount(m.paused); n != 2 {
		t.Errorf("%d paused series after task 1 left, want 2", n)
	}
	reg := prometheus.NewRegistry()
	NewMetrics(reg).PartitionPaused("views", 3, true, PauseWatermarkAlignment)
	if n, err := testutil.GatherAndCount(reg, "streamgen_partition_paused"); err != nil || n != 1 {
		t.Errorf("gathered %d streamgen_partition_paused series (%v), want 1", n, err)
	}
}

// TestMetricsAlignmentWatermark checks the alignment gauge: set in
// seconds, and absent when there is no watermark to align to.
func TestMetricsAlignmentWatermark(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	count := func() int {
		n, err := testutil.GatherAndCount(reg, "streamgen_alignment_watermark_seconds")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("%d series before any report, want 0", n)
	}
	m.AlignmentWatermark(1_700_000_000_500)
	if got := testutil.ToFloat64(m.alignWM.WithLabelValues()); got != 1_700_000_000.5 || count() != 1 {
		t.Fatalf("gauge %v with %d series, want 1.7000000005e+09 with 1", got, count())
	}
	m.AlignmentWatermark(runtime.NoWatermark)
	if n := count(); n != 0 {
		t.Fatalf("%d series after NoWatermark, want 0", n)
	}
}

// TestGroupWatermarkReports checks the bookkeeping of the other
// instances' reports: the lowest live one counts, a report older than
// watermarkReportTTL or a NoWatermark report drops the instance, and the
// report's encoding round-trips.
func TestGroupWatermarkReports(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	g := &groupWatermarks{reports: map[string]watermarkReport{}, now: func() time.Time { return now }}
	steps := []struct {
		name     string
		do       func()
		want     int64
		from     string
		reported int
	}{
		{"none", func() {}, math.MaxInt64, "", 0},
		{"one", func() { g.apply("b", 500) }, 500, "b", 1},
		{"a lower one", func() { g.apply("c", 200) }, 200, "c", 2},
		{"the lower one rises", func() { g.apply("c", 900) }, 500, "b", 2},
		{"b stops reporting", func() {
			now = now.Add(watermarkReportTTL / 2)
			g.apply("c", 950)
			now = now.Add(watermarkReportTTL/2 + time.Millisecond)
		}, 950, "c", 1},
		{"c has no watermark", func() { g.apply("c", runtime.NoWatermark) }, math.MaxInt64, "", 0},
	}
	for _, st := range steps {
		st.do()
		if got, from := g.lowest(); got != st.want || from != st.from || len(g.reports) != st.reported {
			t.Fatalf("%s: lowest %d from %q with %d reports, want %d from %q with %d", st.name, got, from, len(g.reports), st.want, st.from, st.reported)
		}
	}
	for _, wm := range []int64{0, -1, 1_700_000_000_123, runtime.NoWatermark, math.MaxInt64} {
		if got, ok := decodeWatermarkReport(encodeWatermarkReport(wm)); !ok || got != wm {
			t.Errorf("report %d decodes as %d, %v", wm, got, ok)
		}
	}
	if _, ok := decodeWatermarkReport([]byte("short")); ok {
		t.Error("a 5-byte report decodes")
	}
}
