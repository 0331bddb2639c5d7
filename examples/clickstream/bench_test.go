//go:build unix

package clickstream

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"syscall"
	"testing"
	"time"

	"github.com/streamgen/streamgen/examples/clickstream/internal/minute"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// The benchmarks run generated pipelines in process, with no broker, on
// one core (GOMAXPROCS=1, pebble's background work included): Kafka
// records in the Confluent wire format go into a runtime task, which
// decodes them, filters, keys by user, aggregates in windows with state
// and timers in pebble, and encodes the results. Every commitEvery
// records the task commits as the Kafka runner does: Prepare (flush the
// write-back cache, collect the changelog records) and Committed (apply
// the batch to pebble). Sending outputs and changelog to Kafka is not
// part of it (DESIGN.md has the broker's numbers). The records of each
// commit interval are generated and encoded with the timer stopped.
//
//	go test ./examples/clickstream -run '^$' -bench 'MinuteViews|Pipeline$' -benchtime 2000000x -cpu 1
//	go test ./examples/clickstream -run '^$' -bench DistinctUsers -benchtime 1000000x -cpu 1
//
// Besides records/s (wall clock), each reports records/cpu-s: records per
// second of CPU time of the whole process (every thread, pebble's
// included) while the timer runs. On a shared machine the wall clock
// counts time other processes had the core; the CPU time does not.
//
// BenchmarkMinuteViews is decode → keyed tumbling window aggregate →
// encode alone (internal/minute: this pipeline without sessions);
// BenchmarkPipeline is this whole pipeline.

const (
	// commitEvery is the commit cadence. The runner commits every 100ms
	// (or CommitMaxRecords); at the target of a million records a second
	// that is 100,000 records, so 50,000 is on the frequent side.
	commitEvery = 50_000
	// eventsPerMinute spreads event time: with benchUsers users, each has
	// about ten events in each one-minute window.
	eventsPerMinute = 100_000
	benchUsers      = 10_000
	// fewUsers is a small set of hot keys, for comparison.
	fewUsers = 200
	// smallCache is a write-back cache too small for benchUsers active
	// users, who need about 40,000 entries: each has a views accumulator
	// for the current minute and the last one (kept for the allowed
	// lateness), a session set and a session accumulator. The default
	// (100,000 entries for the process's one task) holds them.
	smallCache = 10_000
)

// BenchmarkMinuteViews reports the throughput of the page views alone
// (internal/minute) over 10,000 active users, in records/s, with the
// default cache and one too small for the users; and, with the default
// cache, over 200 active users (about 500 events per user and minute), to
// show what the number of live keys costs: fewer windows to create, flush
// and fire per record, and state that stays in the CPU's caches.
func BenchmarkMinuteViews(b *testing.B) {
	views := func(reg runtime.AvroFraming) (runtime.PipelineSpec, error) {
		p, err := minute.NewPipeline(minute.NewOperators(), runtime.WithFraming(runtime.FormatAvroConfluent, reg))
		if err != nil {
			return runtime.PipelineSpec{}, err
		}
		return p.Spec(), nil
	}
	for _, cache := range []int{0, smallCache} {
		b.Run(fmt.Sprintf("cache=%d", cache), func(b *testing.B) {
			benchThroughput(b, runtime.StoreOptions{CacheEntries: cache}, benchUsers, views)
		})
	}
	b.Run(fmt.Sprintf("cache=0/users=%d", fewUsers), func(b *testing.B) {
		benchThroughput(b, runtime.StoreOptions{}, fewUsers, views)
	})
}

// BenchmarkPipeline reports the throughput of the whole clickstream
// pipeline over 10,000 active users, in records/s, with the default cache
// and one too small for the users.
func BenchmarkPipeline(b *testing.B) {
	for _, cache := range []int{0, smallCache} {
		b.Run(fmt.Sprintf("cache=%d", cache), func(b *testing.B) {
			benchThroughput(b, runtime.StoreOptions{CacheEntries: cache}, benchUsers, clickstreamSpec)
		})
	}
}

func clickstreamSpec(reg runtime.AvroFraming) (runtime.PipelineSpec, error) {
	p, err := NewPipeline(NewOperators(), runtime.WithFraming(runtime.FormatAvroConfluent, reg))
	if err != nil {
		return runtime.PipelineSpec{}, err
	}
	return p.Spec(), nil
}

func benchThroughput(b *testing.B, opts runtime.StoreOptions, users int, pipeline func(runtime.AvroFraming) (runtime.PipelineSpec, error)) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	feed := newClickFeed(b, users)
	p := openBenchPipeline(b, opts, feed.reg, pipeline)
	clock := &cpuClock{b: b}
	b.ReportAllocs()
	b.ResetTimer()
	clock.start()
	for done := 0; done < b.N; done += commitEvery {
		clock.stop()
		recs := feed.next(b, min(commitEvery, b.N-done))
		clock.start()
		p.process(b, recs)
		p.commit(b)
	}
	clock.stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/clock.cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(p.outputs), "outputs")
}

// cpuClock stops and starts the benchmark timer and adds up the process's
// CPU time while it runs.
type cpuClock struct {
	b     *testing.B
	cpu   time.Duration
	since time.Duration
}

func (c *cpuClock) start() {
	c.b.StartTimer()
	c.since = processCPU(c.b)
}

func (c *cpuClock) stop() {
	c.cpu += processCPU(c.b) - c.since
	c.b.StopTimer()
}

// processCPU returns the user and system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPipelineDistinctUsers feeds b.N records to the whole pipeline,
// each from a user not seen before: every user's session (30-minute gap)
// stays open, so with -benchtime 1000000x a million sessions live at once,
// while the views windows of ten minutes of event time fire. It reports
// the live Go heap after 100,000 users and after all of them: state and
// timers live in pebble and the write-back cache is bounded, so the heap
// stays flat, at a level set by the cache size.
func BenchmarkPipelineDistinctUsers(b *testing.B) {
	for _, cache := range []int{0, smallCache} {
		b.Run(fmt.Sprintf("cache=%d", cache), func(b *testing.B) {
			defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
			feed := newClickFeed(b, 0)
			p := openBenchPipeline(b, runtime.StoreOptions{CacheEntries: cache}, feed.reg, clickstreamSpec)
			clock := &cpuClock{b: b}
			at100k := math.NaN()
			b.ResetTimer()
			clock.start()
			for done := 0; done < b.N; done += commitEvery {
				clock.stop()
				if done == 100_000 {
					at100k = gotest.LiveHeapMiB()
				}
				recs := feed.next(b, min(commitEvery, b.N-done))
				clock.start()
				p.process(b, recs)
				p.commit(b)
			}
			clock.stop()
			b.ReportMetric(at100k, "heapMB@100k")
			b.ReportMetric(gotest.LiveHeapMiB(), "heapMB@end")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(b.N)/clock.cpu.Seconds(), "records/cpu-s")
		})
	}
}

// benchPipeline is task 0 of a pipeline on its own store, committed as
// the Kafka runner commits it.
type benchPipeline struct {
	task      *runtime.Task
	outputs   int   // records the sinks wrote
	changelog int64 // changelog records so far: the next changelog offset
}

func openBenchPipeline(b *testing.B, opts runtime.StoreOptions, reg runtime.AvroFraming, pipeline func(runtime.AvroFraming) (runtime.PipelineSpec, error)) *benchPipeline {
	b.Helper()
	spec, err := pipeline(reg)
	if err != nil {
		b.Fatal(err)
	}
	store, err := runtime.OpenStore(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := store.Close(); err != nil {
			b.Error(err)
		}
	})
	p := &benchPipeline{}
	p.task, err = store.OpenTask(0, runtime.TaskConfig{Sink: runtime.SinkFunc(func(*runtime.OutRecord) error {
		p.outputs++
		return nil
	})})
	if err != nil {
		b.Fatal(err)
	}
	if err := spec.Build(p.task); err != nil {
		b.Fatal(err)
	}
	// Only web-clicks gets records: let app-clicks go idle first, so it
	// does not hold event time back.
	if err := p.task.SetProcessingTime(idleness.Milliseconds()); err != nil {
		b.Fatal(err)
	}
	return p
}

func (p *benchPipeline) process(b *testing.B, recs []runtime.Record) {
	for i := range recs {
		if err := p.task.Process(&recs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

func (p *benchPipeline) commit(b *testing.B) {
	recs, err := p.task.Prepare()
	if err != nil {
		b.Fatal(err)
	}
	p.changelog += int64(len(recs))
	if err := p.task.Committed(runtime.ChangelogOffset{Topic: "clickstream-changelog", Offset: p.changelog}); err != nil {
		b.Fatal(err)
	}
}

// clickFeed makes a click stream as Kafka records: a page view in seven
// events, one in ten up to 4s out of order, one in fifty from a bot, URLs
// from a site of fifty pages.
type clickFeed struct {
	rng    *rand.Rand
	reg    *runtime.MemoryRegistryFraming
	writer *schema.Type // the tracker's Click schema
	users  []string     // empty: every record has a new user
	urls   []string
	start  time.Time
	n      int64 // records made so far: the next offset

	recs  []runtime.Record
	arena []byte
	ends  [][2]int // per record, where its value and its key end in arena
}

// newClickFeed returns a feed of clicks by users users (0: a new user
// per click). Its registry holds the tracker's schema, parsed on its own
// as a registry client parses it: the pipeline sees a writer schema that
// is not its own *schema.Type, as in production, and checks that it
// needs no resolution.
func newClickFeed(b *testing.B, users int) *clickFeed {
	set, err := schema.Load("schemas/click.avsc")
	if err != nil {
		b.Fatal(err)
	}
	writer, _ := set.Lookup("com.example.clickstream.Click")
	f := &clickFeed{
		rng:    rand.New(rand.NewPCG(1, 2)),
		reg:    runtime.NewMemoryRegistryFraming(),
		writer: writer,
		start:  time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC),
	}
	for i := range users {
		f.users = append(f.users, fmt.Sprintf("user-%07d", i))
	}
	for _, section := range []string{"docs", "blog", "shop", "help", "news"} {
		for i := range 10 {
			f.urls = append(f.urls, fmt.Sprintf("https://www.example.com/%s/page-%d", section, i))
		}
	}
	return f
}

var benchKinds = [...]ClickKind{
	ClickKindPageView, ClickKindPageView, ClickKindPageView, ClickKindPageView, ClickKindPageView,
	ClickKindPageView, ClickKindPageView, ClickKindClick, ClickKindClick, ClickKindScroll,
}

// next returns the next n records, encoded as a tracker encodes them.
// They are valid until the following call.
func (f *clickFeed) next(b *testing.B, n int) []runtime.Record {
	f.recs, f.arena, f.ends = f.recs[:0], f.arena[:0], f.ends[:0]
	for range n {
		var user string
		if len(f.users) == 0 {
			user = fmt.Sprintf("user-%07d", f.n)
		} else {
			user = f.users[f.rng.IntN(len(f.users))]
		}
		ts := f.start.Add(time.Duration(f.n) * time.Minute / eventsPerMinute)
		if f.rng.IntN(10) == 0 {
			ts = ts.Add(-time.Duration(f.rng.IntN(4000)) * time.Millisecond)
		}
		c := Click{
			EventID:    codec.NewRandomUUID(),
			UserID:     user,
			SessionID:  "s-" + user,
			Ts:         ts,
			Kind:       benchKinds[f.rng.IntN(len(benchKinds))],
			URL:        f.urls[f.rng.IntN(len(f.urls))],
			DurationMs: int64(f.rng.IntN(60_000)),
			Tags:       []string{"web"},
			Attrs:      map[string]string{"ua": "Mozilla/5.0"},
			IsBot:      f.rng.IntN(50) == 0,
		}
		var err error
		if f.arena, err = f.reg.Frame(f.arena, "web-clicks", false, f.writer); err != nil {
			b.Fatal(err)
		}
		if f.arena, err = c.AppendAvro(f.arena); err != nil {
			b.Fatal(err)
		}
		valueEnd := len(f.arena)
		f.arena = append(f.arena, user...)
		f.ends = append(f.ends, [2]int{valueEnd, len(f.arena)})
		f.recs = append(f.recs, runtime.Record{Topic: "web-clicks", Offset: f.n, Timestamp: ts.UnixMilli()})
		f.n++
	}
	// The arena has stopped growing: point the records into it.
	start := 0
	for i, e := range f.ends {
		f.recs[i].Value = f.arena[start:e[0]:e[0]]
		f.recs[i].Key = f.arena[e[0]:e[1]:e[1]]
		start = e[1]
	}
	return f.recs
}
