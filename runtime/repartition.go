package runtime

import "fmt"

// A repartitioning key_by splits a task's chain in two, as Kafka Streams
// does at a key change before a stateful operator: the upstream part ends
// in a repartition sink, which writes each record to the repartition topic
// under its new key, and the downstream part starts at a repartition
// source, which reads partition p of that topic in task p. Kafka (or the
// Driver) is the shuffle: every record of a key reaches the task its key
// hashes to, whichever input partition it came from.

// repartitionSink writes values to a repartition topic: the key is the
// current key, the value the codec's encoding, the timestamp the event
// time, and the partition is left to the sink's key hash (murmur2 of the
// key modulo the topic's partition count).
type repartitionSink[T any] struct {
	t     *Task
	topic string
	codec Codec[T]
	buf   []byte
}

func (n *repartitionSink[T]) Push(c *Context, v *T) error {
	if !c.keyed {
		return fmt.Errorf("runtime: repartition topic %s: the record has no key (a repartition sink follows a key_by)", n.topic)
	}
	if c.ts < 0 {
		return fmt.Errorf("runtime: repartition topic %s: event time %d is before 1970 and cannot be a Kafka record timestamp", n.topic, c.ts)
	}
	buf, err := n.codec.Append(n.buf[:0], *v)
	n.buf = buf
	if err != nil {
		return fmt.Errorf("runtime: encoding a record for repartition topic %s: %w", n.topic, err)
	}
	// Key and value share one allocation. The key is never nil, even when
	// empty: a nil key would not be hashed but spread over the partitions.
	kv := make([]byte, 0, len(c.key)+len(buf))
	kv = append(append(kv, c.key...), buf...)
	k := len(c.key)
	r := &OutRecord{
		Topic:     n.topic,
		Partition: AnyPartition,
		Key:       kv[:k:k],
		Value:     kv[k:],
		Timestamp: c.ts,
	}
	return n.t.sink.Send(r)
}

// NewRepartitionSink returns the node that ends the upstream part of a
// repartitioning key_by: each value, keyed by the current key, is encoded
// with codec and sent through the task's Sink to topic, with the key's
// bytes as the record key, the event time as the record timestamp and
// AnyPartition, so that the sink hashes the key (murmur2, as the Java
// client's default partitioner) over the topic's partitions. The Kafka
// runner produces it in the commit's transaction; the Driver routes it to
// the task of that partition.
func NewRepartitionSink[T any](t *Task, topic string, codec Codec[T]) (Node[T], error) {
	if t.sink == nil {
		return nil, fmt.Errorf("runtime: task %d has no sink for repartition topic %s", t.id, topic)
	}
	if topic == "" {
		return nil, fmt.Errorf("runtime: task %d: repartition sink without a topic", t.id)
	}
	if codec == nil {
		return nil, fmt.Errorf("runtime: nil codec for repartition topic %s", topic)
	}
	return &repartitionSink[T]{t: t, topic: topic, codec: codec}, nil
}

// repartitionSource marks a task source as reading a repartition topic.
type repartitionSource struct{ source }

// rekeyNode makes the input record's key the current key, even when it
// is empty or null: on a repartition topic the record key is the key.
type rekeyNode[T any] struct{ next Node[T] }

func (n *rekeyNode[T]) Push(c *Context, v *T) error {
	if r := c.Record(); r != nil {
		c.key, c.keyed = r.Key, true
	}
	return n.next.Push(c, v)
}

// AddRepartitionSource attaches the downstream part of a repartitioning
// key_by: records of topic (the task's partition of it) are decoded with
// codec and pushed to next with the record key as the current key and the
// record timestamp as event time. The input's watermark follows wm: pass
// the upstream sources' out-of-orderness and idleness, so the repartition
// input's time is the highest event time it has seen, as Kafka Streams'
// stream time.
func AddRepartitionSource[T any](t *Task, topic string, codec Codec[T], wm WatermarkStrategy, next Node[T]) error {
	if codec == nil {
		return fmt.Errorf("runtime: nil codec for repartition topic %s", topic)
	}
	if next == nil {
		return fmt.Errorf("runtime: repartition topic %s has no downstream node", topic)
	}
	src, err := AddSource(t, SourceConfig[T]{
		Topic:        topic,
		Deserializer: ValueDeserializer(codec),
		Watermark:    wm,
	}, &rekeyNode[T]{next: next})
	if err != nil {
		return err
	}
	t.sources[topic] = repartitionSource{src}
	return nil
}

// IsRepartitionTopic reports whether topic is a repartition topic the task
// reads (AddRepartitionSource).
func (t *Task) IsRepartitionTopic(topic string) bool {
	_, ok := t.sources[topic].(repartitionSource)
	return ok
}
