package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
)

// produce sends the clicks in arrival order, keyed by user id, as the
// trackers do: Kafka's default partitioner puts a user's clicks on the
// same partition of both topics. A tracker bug also sends poison
// truncated copies of clicks (spread over the stream), which no decoder
// accepts. bar shows the progress.
func produce(ctx context.Context, brokers []string, framing *kafka.ConfluentFraming, tr *traffic, poison int, bar *progress) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	var acked atomic.Int64
	var firstErr atomic.Value
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			firstErr.CompareAndSwap(nil, err)
		}
		acked.Add(1)
	}
	corrupt := map[int]bool{} // indexes of the clicks sent twice, the second time truncated
	for k := range poison {
		corrupt[(k+1)*len(tr.sent)/(poison+1)] = true
	}
	total := int64(len(tr.sent) + len(corrupt))
	for i, s := range tr.sent {
		value, err := framing.Frame(nil, s.topic, false, s.click.AvroType())
		if err == nil {
			value, err = s.click.AppendAvro(value)
		}
		if err != nil {
			return fmt.Errorf("encoding a click: %w", err)
		}
		cl.Produce(ctx, &kgo.Record{Topic: s.topic, Key: []byte(s.click.UserID), Value: value, Timestamp: s.arrives}, done)
		if corrupt[i] {
			cl.Produce(ctx, &kgo.Record{Topic: s.topic, Key: []byte(s.click.UserID), Value: value[:len(value)/2], Timestamp: s.arrives}, done)
		}
		if i%1000 == 0 {
			bar.set(acked.Load())
		}
	}
	for acked.Load() < total {
		bar.set(acked.Load())
		time.Sleep(50 * time.Millisecond)
	}
	bar.done()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	if len(corrupt) != poison {
		return fmt.Errorf("%d clicks are too few to hide %d corrupt records among", len(tr.sent), poison)
	}
	return nil
}

// closeTheDay sends one click by a synthetic monitor, flagged as a bot, to
// every partition of both input topics, with an event time past the last
// session's end: event time moves past every window and session, so they
// all close. (The pipeline drops the monitor's clicks as bots; only their
// time counts.)
func closeTheDay(ctx context.Context, brokers []string, framing *kafka.ConfluentFraming, tr *traffic, partitions int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	at := tr.last.Add(time.Hour)
	c := clickstream.Click{UserID: "synthetic-monitor", SessionID: "monitor", Ts: at, Kind: clickstream.ClickKindPageView, URL: "https://www.example.com/health", IsBot: true}
	var recs []*kgo.Record
	for _, topic := range []string{"web-clicks", "app-clicks"} {
		value, err := framing.Frame(nil, topic, false, c.AvroType())
		if err == nil {
			value, err = c.AppendAvro(value)
		}
		if err != nil {
			return err
		}
		for p := range partitions {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Key: []byte(c.UserID), Value: value, Timestamp: at})
		}
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

// waitProcessed waits until the pipeline's consumer group has committed
// the end offset of every partition of the input topics, showing the
// progress: every click is processed and its results committed.
func waitProcessed(ctx context.Context, adm *kadm.Client, group string, topics []string, bar *progress) error {
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return err
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	bar.total = total
	for {
		committed, err := adm.FetchOffsetsForTopics(ctx, group, topics...)
		if err != nil {
			return err
		}
		var done int64
		ends.Each(func(o kadm.ListedOffset) {
			if c, ok := committed.Lookup(o.Topic, o.Partition); ok && c.Err == nil && c.At >= 0 {
				done += min(c.At, o.Offset)
			}
		})
		bar.set(done)
		if done == total {
			bar.done()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the pipeline: %w (%d of %d records committed)", ctx.Err(), done, total)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errMismatch reports that the end-to-end check failed.
var errMismatch = errors.New("the outputs do not add up to the input")
