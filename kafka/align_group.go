package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// Watermark alignment across the consumer group. Each instance's align
// (pause.go) knows the watermarks of its own input partitions only; to
// hold back a partition that is ahead of a slower partition on another
// instance, as Flink aligns all of a source's subtasks, every instance
// publishes the lowest watermark of its input partitions to the
// pipeline's watermarks topic once per alignInterval, reads the others'
// reports from it, and aligns to the lowest of all. The reports are
// advice for throughput and memory, not state: they are produced outside
// the transactions, read from the end of the topic at start (an instance
// knows the others' watermarks within an alignInterval), and a report
// older than watermarkReportTTL (an instance that stopped, or lost its
// partitions) no longer counts.

// watermarksTopic is the name of a pipeline's watermarks topic.
func watermarksTopic(name string) string { return name + "-watermarks" }

// watermarkReportTTL is how long an instance's last report counts: a few
// report intervals, so one late report does not release the others.
const watermarkReportTTL = 5 * alignInterval

// ensureWatermarksTopic creates the pipeline's watermarks topic when it is
// missing: one partition (the reports are few and every instance reads
// them all), deleted after an hour (only the latest reports matter).
func ensureWatermarksTopic(ctx context.Context, adm *kadm.Client, name string, exists bool, c *config) error {
	if exists {
		return checkNotCompacted(ctx, adm, name)
	}
	resp, err := adm.CreateTopic(ctx, 1, int16(c.replication), map[string]*string{
		"cleanup.policy": kadm.StringPtr("delete"),
		"retention.ms":   kadm.StringPtr("3600000"),
	}, name)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("kafka: creating watermarks topic %s%s: %w", name, replicationNote(c), errors.Join(err, errorMessage(resp.ErrMessage)))
	}
	return nil
}

// groupWatermarks publishes this instance's lowest input watermark and
// keeps the other instances' latest reports.
type groupWatermarks struct {
	cl    *kgo.Client
	topic string
	self  string // this instance's key in the topic
	log   *slog.Logger
	// now is the clock of report ages (tests replace it).
	now func() time.Time

	mu      sync.Mutex
	reports map[string]watermarkReport // by instance, this one's excluded
	sent    time.Time                  // when this instance last published
	failed  bool                       // the last publish failed (logged once)

	done chan struct{}
}

// watermarkReport is an instance's lowest watermark, and when it arrived
// here (this instance's clock: no skew between machines).
type watermarkReport struct {
	wm int64
	at time.Time
}

// newGroupWatermarks starts reading the watermarks topic from its end
// with a client of its own (not transactional); self names this instance.
func newGroupWatermarks(c *config, topic, self string, log *slog.Logger) (*groupWatermarks, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.FetchMaxWait(alignInterval),
		kgo.WithLogger(kgoLogger{log}),
	}, c.clientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: watermarks client: %w", err)
	}
	g := &groupWatermarks{cl: cl, topic: topic, self: self, log: log, now: time.Now,
		reports: map[string]watermarkReport{}, done: make(chan struct{})}
	go g.read()
	return g, nil
}

// read applies the reports of the other instances until the client
// closes.
func (g *groupWatermarks) read() {
	defer close(g.done)
	for {
		fs := g.cl.PollFetches(context.Background())
		if fs.IsClientClosed() {
			return
		}
		fs.EachRecord(func(rec *kgo.Record) {
			if string(rec.Key) == g.self {
				return
			}
			wm, ok := decodeWatermarkReport(rec.Value)
			if !ok {
				g.log.Warn("ignoring a malformed watermark report", "topic", rec.Topic, "partition", rec.Partition, "offset", rec.Offset)
				return
			}
			g.apply(string(rec.Key), wm)
		})
	}
}

// apply records instance's report; NoWatermark (an instance with no
// watermark to align to) forgets it.
func (g *groupWatermarks) apply(instance string, wm int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if wm == runtime.NoWatermark {
		delete(g.reports, instance)
		return
	}
	g.reports[instance] = watermarkReport{wm: wm, at: g.now()}
}

// lowest returns the lowest watermark the other live instances reported
// and the instance that reported it, or math.MaxInt64 when none did
// within watermarkReportTTL.
func (g *groupWatermarks) lowest() (wm int64, instance string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	wm = math.MaxInt64
	for id, r := range g.reports {
		if now.Sub(r.at) > watermarkReportTTL {
			delete(g.reports, id)
			continue
		}
		if r.wm < wm || (r.wm == wm && id < instance) {
			wm, instance = r.wm, id
		}
	}
	return wm, instance
}

// publish sends this instance's lowest watermark (NoWatermark: none to
// align to) unless it did less than alignInterval ago. A failure is
// logged, once until a publish succeeds: the others then align without
// this instance until its report arrives.
func (g *groupWatermarks) publish(wm int64) {
	g.mu.Lock()
	now := g.now()
	if now.Sub(g.sent) < alignInterval {
		g.mu.Unlock()
		return
	}
	g.sent = now
	g.mu.Unlock()
	rec := &kgo.Record{Topic: g.topic, Key: []byte(g.self), Value: encodeWatermarkReport(wm)}
	g.cl.Produce(context.Background(), rec, func(_ *kgo.Record, err error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if err != nil && !g.failed {
			g.log.Warn("publishing the instance's watermark for alignment", "topic", g.topic, "err", err)
		}
		g.failed = err != nil
	})
}

// close stops reading and publishing.
func (g *groupWatermarks) close() {
	g.cl.Close()
	<-g.done
}

// encodeWatermarkReport is a report's value: the watermark, 8 bytes big
// endian (NoWatermark as is).
func encodeWatermarkReport(wm int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(wm))
}

func decodeWatermarkReport(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(b)), true
}
