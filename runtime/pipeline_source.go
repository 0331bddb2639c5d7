package runtime

import "fmt"

// decodeResult is a decoded value, or why the record could not be decoded.
type decodeResult[T any] struct {
	v   T
	err error
}

// deadLetterNode sends undecodable records to a dead-letter topic and
// passes the others on.
type deadLetterNode[T any] struct {
	t    *Task
	dlq  string
	next Node[T]
}

func (n *deadLetterNode[T]) Push(c *Context, d decodeResult[T]) error {
	if d.err == nil {
		return n.next.Push(c, d.v)
	}
	t := n.t
	t.stats.DecodeErrors++
	r := c.Record()
	if r == nil {
		return d.err
	}
	t.stats.DeadLettered++
	return t.sink.Send(DeadLetterRecord(n.dlq, r, d.err))
}

// AddSourceWithDeadLetter attaches an input topic like AddSource, with a
// dead-letter policy of its own: a record cfg.Deserializer rejects goes
// to topic dlq (see DeadLetterRecord: the original key, value, headers
// and timestamp plus the error headers) and the task goes on, whatever the
// task's TaskConfig.DeadLetterTopic says. Generated pipelines use it for
// sources with on_error: dead-letter, so each source keeps its own policy
// in a task that reads several. A dead-lettered record does not move the
// input's watermark. With dlq empty it is AddSource.
func AddSourceWithDeadLetter[T any](t *Task, cfg SourceConfig[T], dlq string, next Node[T]) error {
	if dlq == "" {
		_, err := AddSource(t, cfg, next)
		return err
	}
	if cfg.Deserializer == nil {
		return fmt.Errorf("runtime: task %d: source %s has no deserializer", t.id, cfg.Topic)
	}
	if t.sink == nil {
		return fmt.Errorf("runtime: task %d: source %s dead-letters to %s, but the task has no sink", t.id, cfg.Topic, dlq)
	}
	de := cfg.Deserializer
	eventTime := cfg.EventTime
	inner := SourceConfig[decodeResult[T]]{
		Topic: cfg.Topic,
		Deserializer: DeserializerFunc[decodeResult[T]](func(r *Record) (decodeResult[T], error) {
			v, err := de.Deserialize(r)
			return decodeResult[T]{v: v, err: err}, nil
		}),
		EventTime: func(r *Record, d decodeResult[T]) int64 {
			switch {
			case d.err != nil:
				return NoWatermark
			case eventTime != nil:
				return eventTime(r, d.v)
			}
			return r.Timestamp
		},
		Watermark: cfg.Watermark,
	}
	_, err := AddSource(t, inner, &deadLetterNode[T]{t: t, dlq: dlq, next: next})
	return err
}
