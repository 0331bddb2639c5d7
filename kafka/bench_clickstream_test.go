package kafka

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
)

// BenchmarkClickstream runs the generated clickstream pipeline
// (examples/clickstream: Avro clicks in the Confluent wire format, page
// views per user per minute and engagement per session, exactly once, state
// in pebble) over a backlog of click events on 8 partitions of its two
// input topics, with a Schema Registry (srfake over loopback) in the
// benchmark process. It is the figure the issue compares with
// BenchmarkCeiling:
//
//	go test ./kafka -run '^$' -bench 'Ceiling|Clickstream' -benchtime 1x
func BenchmarkClickstream(b *testing.B) {
	e := newBenchEnv(b)
	n := benchSize()
	reg := srfake.New()
	b.Cleanup(reg.Close)
	for i := 0; i < b.N; i++ {
		name := "clickstream-" + randomSuffix()
		spec, err := clickstreamBenchSpec(name, nil)
		if err != nil {
			b.Fatal(err)
		}
		// The pipeline's topics, named as in streamgen.yaml, on this
		// benchmark's own broker process; the changelog is the runner's.
		for _, t := range PipelineTopics(&spec, 8) {
			if _, err := e.adm.CreateTopic(context.Background(), t.Partitions, -1, nil, t.Name); err != nil {
				b.Fatal(err)
			}
		}
		e.clickBacklog(reg.URL(), n, 10_000, 8)
		rep, _ := e.runWorkerProcess("clickstream", "WORKER_NAME="+name, "WORKER_STATE="+b.TempDir(), "WORKER_SR="+reg.URL())
		reportThroughput(b, rep)
		// It did the work: window results were written, no click was a
		// dead letter.
		if views, dlq := e.endOffsets("user-views"), e.endOffsets("clicks-dlq"); views == 0 || dlq != 0 {
			b.Fatalf("user-views holds %d offsets, clicks-dlq %d", views, dlq)
		}
	}
}

// endOffsets sums the end offsets of topic's partitions.
func (e *benchEnv) endOffsets(topic string) int64 {
	ends, err := e.adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		e.b.Fatal(err)
	}
	var n int64
	ends.Each(func(lo kadm.ListedOffset) { n += lo.Offset })
	return n
}

// clickstreamBenchSpec is the generated clickstream pipeline named name,
// its Confluent framing connected to the registry cl (if not nil).
func clickstreamBenchSpec(name string, cl *sr.Client) (runtime.PipelineSpec, error) {
	framing := NewConfluentFraming()
	if cl != nil {
		framing.Connect(cl, true) // the pipeline registers its output schemas
	}
	p, err := clickstream.NewPipeline(clickstream.NewOperators(), runtime.WithFraming(runtime.FormatAvroConfluent, framing))
	if err != nil {
		return runtime.PipelineSpec{}, err
	}
	spec := p.Spec()
	spec.Name = name
	return spec, nil
}

// clickBacklog produces n clicks of users users, in the Confluent wire
// format with the Click schema registered at registry: event times 0.6ms
// apart (100,000 clicks per minute, so about ten per user and minute; for
// fewer than a million clicks, further apart, so they still span ten
// minutes and windows fire),
// each user on web-clicks or app-clicks, keyed by user id and partitioned
// like the Java client.
func (e *benchEnv) clickBacklog(registry string, n, users int, parts int32) {
	cl, err := sr.NewClient(sr.URLs(registry))
	if err != nil {
		e.b.Fatal(err)
	}
	framing := NewConfluentFraming(RegistryClient(cl), AutoRegister(true))
	rng := rand.New(rand.NewPCG(2026, 11))
	pages := make([]string, 50)
	for i := range pages {
		pages[i] = "https://shop.example.com/p/" + strconv.Itoa(i)
	}
	ref := "https://www.example.org/search"
	kinds := []clickstream.ClickKind{clickstream.ClickKindPageView, clickstream.ClickKindPageView, clickstream.ClickKindPageView,
		clickstream.ClickKindClick, clickstream.ClickKindScroll}
	stepMicros := max(600, int64(600e6)/int64(n))
	p := e.producer()
	var buf []byte
	for i := 0; i < n; i++ {
		u := rng.IntN(users)
		user := fmt.Sprintf("user-%05d", u)
		ts := time.UnixMilli(clickBase + int64(i)*stepMicros/1000).UTC()
		c := clickstream.Click{
			EventID:    codec.UUID{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i), 0x40},
			UserID:     user,
			SessionID:  user + "-" + strconv.FormatInt(ts.Unix()/1800, 10),
			Ts:         ts,
			Kind:       kinds[rng.IntN(len(kinds))],
			URL:        pages[rng.IntN(len(pages))],
			DurationMs: rng.Int64N(60_000),
			Tags:       []string{"campaign-a", "mobile"},
			Attrs:      map[string]string{"browser": "firefox", "lang": "en"},
			IsBot:      rng.IntN(100) == 0,
		}
		if rng.IntN(4) == 0 {
			c.Referrer = &ref
		}
		topic := "web-clicks"
		if u%3 == 0 {
			topic = "app-clicks"
		}
		buf, err = framing.Frame(buf[:0], topic, false, c.AvroType())
		if err == nil {
			buf, err = c.AppendAvro(buf)
		}
		if err != nil {
			e.b.Fatal(err)
		}
		key := []byte(user)
		p.produce(&kgo.Record{Topic: topic, Partition: KeyPartition(key, parts), Key: key,
			Value: append([]byte(nil), buf...), Timestamp: ts})
	}
	p.wait()
}

// runClickstreamWorker is the "clickstream" benchmark workload: the
// generated pipeline until it has committed the whole backlog.
func runClickstreamWorker(brokers []string) (benchReport, error) {
	cl, err := sr.NewClient(sr.URLs(os.Getenv("WORKER_SR")))
	if err != nil {
		return benchReport{}, err
	}
	spec, err := clickstreamBenchSpec(os.Getenv("WORKER_NAME"), cl)
	if err != nil {
		return benchReport{}, err
	}
	// As cmd/clickstream: a cache sized for the users a partition sees.
	return runUntilCaughtUp(brokers, spec, os.Getenv("WORKER_STATE"), false,
		StoreOptions(runtime.StoreOptions{CacheEntries: 100_000}))
}
