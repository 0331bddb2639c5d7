package kafka

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ReadCommitted returns every committed record of topic, as a downstream
// read_committed consumer sees them, in partition and offset order per
// partition. It first waits until the last stable offset equals the high
// watermark on every partition (no transaction is open), polling every
// 100ms, so it sees the outcome of every transaction begun before the
// call. It is for tests and tools that check what a pipeline committed
// (the demo's end-to-end check, the crash tests); ctx bounds the wait.
func ReadCommitted(ctx context.Context, brokers []string, topic string) ([]*kgo.Record, error) {
	admCl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.MetadataMinAge(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	var ends kadm.ListedOffsets
	for {
		if ends, err = adm.ListEndOffsets(ctx, topic); err != nil {
			return nil, err
		}
		stable, err := adm.ListCommittedOffsets(ctx, topic)
		if err != nil {
			return nil, err
		}
		settled := true
		ends.Each(func(o kadm.ListedOffset) {
			if s, ok := stable.Lookup(o.Topic, o.Partition); !ok || s.Err != nil || o.Err != nil || s.Offset != o.Offset {
				settled = false
			}
		})
		if settled {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: the last stable offset never reached the high watermark (a transaction stayed open): %w", topic, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	start := map[int32]kgo.Offset{}
	left := map[int32]int64{} // partition -> end offset still to reach
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			start[o.Partition] = kgo.NewOffset().AtStart()
			left[o.Partition] = o.Offset
		}
	})
	if len(left) == 0 {
		return nil, nil
	}
	// Transaction markers take offsets too: keep them to see where each
	// partition ends, and skip them.
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []*kgo.Record
	for len(left) > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w (end offsets still to reach: %v)", topic, err, left)
		}
		if err := fetches.Err0(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", topic, err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= left[r.Partition] {
				delete(left, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	return out, nil
}
