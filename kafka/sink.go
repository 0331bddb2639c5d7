package kafka

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// taskSink is the runtime.Sink of one task: records for a 2PC sink go to
// the task's transaction with it; the others are produced to Kafka by
// their output's delivery guarantee (the transactional producer for
// exactly-once outputs and dead-letter topics).
type taskSink struct {
	r *runner
	t *task
}

// Send implements runtime.Sink.
func (s *taskSink) Send(o *runtime.OutRecord) error {
	r, t := s.r, s.t
	if sink := r.twoPC[o.Topic]; sink != nil {
		return s.send2PC(sink, o)
	}
	out, known := r.outputs[o.Topic]
	if !known {
		out = outputInfo{delivery: runtime.ExactlyOnce, partitioner: runtime.KeyHash, partition: -1}
	}
	kr := &kgo.Record{Topic: o.Topic, Key: o.Key, Value: o.Value}
	if o.Timestamp > 0 || (o.Timestamp == 0 && r.repartition[o.Topic]) {
		// The event time crosses a repartition topic as the record
		// timestamp, epoch included.
		kr.Timestamp = time.UnixMilli(o.Timestamp)
	}
	if len(o.Headers) > 0 {
		kr.Headers = make([]kgo.RecordHeader, len(o.Headers))
		for i, h := range o.Headers {
			kr.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
	switch {
	case o.Partition >= 0:
		kr.Partition = o.Partition
	case out.partitioner == runtime.Fixed && out.partition >= 0:
		kr.Partition = out.partition
	case out.partitioner == runtime.Fixed:
		kr.Partition = fixedPartitionCode(t.id)
	default:
		kr.Partition = partHash
	}
	if r.dlqs[o.Topic] {
		r.obs.DeadLettered(o.Topic)
	}
	r.obs.RecordsOut(o.Topic, 1)
	switch out.delivery {
	case runtime.AtLeastOnce:
		r.alo.Produce(r.prodCtx, kr, r.aloPromise)
		return nil
	case runtime.NoGuarantee:
		r.alo.Produce(r.prodCtx, kr, r.nopPromise)
		return nil
	}
	if err := r.ensureBegun(); err != nil {
		return err
	}
	t.active = true
	t.outN++
	t.outBytes += int64(len(kr.Key) + len(kr.Value))
	r.sess.Produce(r.prodCtx, kr, r.txnPromise)
	return nil
}

func (s *taskSink) send2PC(sink TwoPhaseSink, o *runtime.OutRecord) error {
	r, t := s.r, s.t
	name := r.twoPCName[o.Topic]
	txn := t.txns[name]
	if txn == nil {
		var err error
		txn, err = sink.Begin(t.id)
		if err != nil {
			return fmt.Errorf("kafka: 2PC sink %s: beginning a transaction: %w", name, err)
		}
		if t.txns == nil {
			t.txns = map[string]Txn{}
		}
		t.txns[name] = txn
	}
	// The handle travels in the Kafka transaction's offset commit, so the
	// Kafka transaction must exist even if nothing else is produced.
	if err := r.ensureBegun(); err != nil {
		return err
	}
	t.active = true
	t.outN++
	t.outBytes += int64(len(o.Key) + len(o.Value))
	r.obs.RecordsOut(o.Topic, 1)
	return txn.Write(o)
}

func (r *runner) aloPromise(_ *kgo.Record, err error) {
	if err == nil {
		return
	}
	r.aloMu.Lock()
	if r.aloErr == nil {
		r.aloErr = err
	}
	r.aloMu.Unlock()
}

func (r *runner) nopPromise(kr *kgo.Record, err error) {
	if err != nil {
		r.log.Warn("dropped a no-guarantee output record", "topic", kr.Topic, "err", err)
	}
}
