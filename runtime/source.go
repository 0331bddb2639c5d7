package runtime

import (
	"errors"
	"fmt"
)

// SourceConfig describes one input topic of a task.
type SourceConfig[T any] struct {
	// Topic is the input topic; Task.Process routes records by it.
	Topic string
	// Deserializer decodes each record.
	Deserializer Deserializer[T]
	// EventTime extracts the event time (ms) from a decoded record; nil
	// uses the record's timestamp. It must not keep v or change *v.
	EventTime func(r *Record, v *T) int64
	// Watermark is the input's watermark strategy.
	Watermark WatermarkStrategy
}

// Source is the typed head of a task's chain for one input topic.
type Source[T any] struct {
	t    *Task
	cfg  SourceConfig[T]
	wm   int
	next Node[T]
	// dlq is the source's own dead-letter topic (AddSourceWithDeadLetter);
	// empty: the task's.
	dlq string
	// v is the value being pushed: the chain gets its address.
	v T
	// into is cfg.Deserializer when it decodes into v.
	into IntoDeserializer[T]
}

type source interface {
	process(r *Record) error
	topic() string
}

// AddSource attaches an input topic to the task: its records are decoded,
// stamped with event time, fed to next with the record key as current key,
// and advance the input's watermark.
func AddSource[T any](t *Task, cfg SourceConfig[T], next Node[T]) (*Source[T], error) {
	if cfg.Topic == "" {
		return nil, fmt.Errorf("runtime: task %d: source without a topic", t.id)
	}
	if cfg.Deserializer == nil {
		return nil, fmt.Errorf("runtime: task %d: source %s has no deserializer", t.id, cfg.Topic)
	}
	if _, dup := t.sources[cfg.Topic]; dup {
		return nil, fmt.Errorf("runtime: task %d: topic %s added twice", t.id, cfg.Topic)
	}
	s := &Source[T]{t: t, cfg: cfg, next: next}
	s.into, _ = cfg.Deserializer.(IntoDeserializer[T])
	s.wm = t.wm.AddInput(cfg.Topic, cfg.Watermark, t.procTime)
	if err := t.loadInputWatermark(s.wm, cfg.Topic); err != nil {
		return nil, err
	}
	t.sources[cfg.Topic] = s
	return s, nil
}

func (s *Source[T]) topic() string { return s.cfg.Topic }

func (s *Source[T]) process(r *Record) error {
	var err error
	if s.into != nil {
		err = s.into.DeserializeInto(r, &s.v)
	} else {
		s.v, err = s.cfg.Deserializer.Deserialize(r)
	}
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return &DecodeError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
		}
		return s.deadLetter(r, err)
	}
	ts := r.Timestamp
	if s.cfg.EventTime != nil {
		ts = s.cfg.EventTime(r, &s.v)
	}
	return s.push(r, r.Key, ts)
}

// deadLetter sends a record the deserializer rejected to the source's
// dead-letter topic, or the task's, or fails with a DecodeError naming the
// record when there is none. A dead letter counts as activity on the
// input (for idleness) but moves no watermark.
func (s *Source[T]) deadLetter(r *Record, err error) error {
	t := s.t
	t.stats.DecodeErrors++
	dlq := s.dlq
	if dlq == "" {
		dlq = t.dlq
	}
	if dlq == "" || t.sink == nil {
		return &DecodeError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
	}
	t.stats.DeadLettered++
	if err := t.sink.Send(DeadLetterRecord(dlq, r, err)); err != nil {
		return err
	}
	t.wm.Observe(s.wm, NoWatermark, t.procTime)
	return t.advanceWatermark()
}

// Push feeds an already decoded value with its key (nil for none) and
// event time, as if it had been read from the topic. It lets benchmarks
// and typed drivers skip serialization.
func (s *Source[T]) Push(key []byte, v T, eventTime int64) error {
	if err := s.t.enter(); err != nil {
		return err
	}
	defer s.t.leave()
	s.v = v
	return s.t.fail(s.push(nil, key, eventTime))
}

// push runs s.v through the chain.
func (s *Source[T]) push(r *Record, key []byte, ts int64) error {
	t := s.t
	c := &t.ctx
	c.reset()
	c.rec, c.ts = r, ts
	if key != nil {
		c.key, c.keyed = key, true
	}
	t.stats.Records++
	err := s.next.Push(c, &s.v)
	c.reset()
	if err != nil {
		return err
	}
	t.wm.Observe(s.wm, ts, t.procTime)
	return t.advanceWatermark()
}
