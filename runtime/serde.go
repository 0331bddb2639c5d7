package runtime

import (
	"errors"
	"fmt"
	"strconv"
)

// Header is one Kafka record header.
type Header struct {
	Key   string
	Value []byte
}

// Record is one input record as the source hands it to a task. The task
// does not keep it or its slices after Process returns.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp int64 // ms since epoch
}

// AnyPartition in OutRecord.Partition lets the sink choose the partition
// (by key hash).
const AnyPartition int32 = -1

// OutRecord is one output record handed to a Sink. The sink owns it and
// its slices after Send.
type OutRecord struct {
	Topic     string
	Partition int32 // AnyPartition, or an explicit partition
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp int64
}

// Deserializer turns an input record into a typed value; it sees the
// whole record (topic, partition, offset, key, value, headers, timestamp).
type Deserializer[T any] interface {
	Deserialize(r *Record) (T, error)
}

// DeserializerFunc adapts a function to Deserializer.
type DeserializerFunc[T any] func(r *Record) (T, error)

// Deserialize implements Deserializer.
func (f DeserializerFunc[T]) Deserialize(r *Record) (T, error) { return f(r) }

// IntoDeserializer is a Deserializer that decodes into a value the caller
// holds: a source decodes each record into its own value, which the chain
// then gets the address of, instead of copying a returned one. *v holds
// the source's previous record, so a deserializer may reuse its slices
// and maps (object reuse) or must replace them (without).
type IntoDeserializer[T any] interface {
	Deserializer[T]
	DeserializeInto(r *Record, v *T) error
}

// DeserializerIntoFunc adapts a function decoding into *v to
// IntoDeserializer.
type DeserializerIntoFunc[T any] func(r *Record, v *T) error

// Deserialize implements Deserializer: it decodes into a new value.
func (f DeserializerIntoFunc[T]) Deserialize(r *Record) (T, error) {
	var v T
	err := f(r, &v)
	return v, err
}

// DeserializeInto implements IntoDeserializer.
func (f DeserializerIntoFunc[T]) DeserializeInto(r *Record, v *T) error { return f(r, v) }

// Serializer fills out (Key, Value, Headers, and optionally Partition or
// Timestamp) from v. out arrives with Topic, Timestamp (the current event
// time) and Partition (AnyPartition) set.
type Serializer[T any] interface {
	Serialize(c *Context, v T, out *OutRecord) error
}

// SerializerFunc adapts a function to Serializer.
type SerializerFunc[T any] func(c *Context, v T, out *OutRecord) error

// Serialize implements Serializer.
func (f SerializerFunc[T]) Serialize(c *Context, v T, out *OutRecord) error { return f(c, v, out) }

// ValueDeserializer decodes the record value with codec (the key is left
// to the context as the current key).
func ValueDeserializer[T any](codec Codec[T]) Deserializer[T] {
	return DeserializerFunc[T](func(r *Record) (T, error) { return codec.Decode(r.Value) })
}

// ValueSerializer encodes v as the record value with codec and uses the
// current key (if any) as the record key, so outputs stay partitioned by
// the key they were computed under.
func ValueSerializer[T any](codec Codec[T]) Serializer[T] {
	return SerializerFunc[T](func(c *Context, v T, out *OutRecord) error {
		b, err := codec.Append(nil, v)
		if err != nil {
			return err
		}
		out.Value = b
		if c.keyed {
			out.Key = append([]byte(nil), c.key...)
		}
		return nil
	})
}

// Sink receives a task's output records (the Kafka layer's transactional
// producer, or the test driver).
type Sink interface {
	Send(r *OutRecord) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(r *OutRecord) error

// Send implements Sink.
func (f SinkFunc) Send(r *OutRecord) error { return f(r) }

type sinkNode[T any] struct {
	t     *Task
	topic string
	ser   Serializer[T]
}

func (n *sinkNode[T]) Push(c *Context, v *T) error {
	r := &OutRecord{Topic: n.topic, Partition: AnyPartition, Timestamp: c.ts}
	if err := n.ser.Serialize(c, *v, r); err != nil {
		return fmt.Errorf("runtime: serializing for %s: %w", n.topic, err)
	}
	n.t.stats.Outputs++
	return n.t.sink.Send(r)
}

// NewSink returns a node that serializes each value and sends it to topic
// through the task's Sink.
func NewSink[T any](t *Task, topic string, ser Serializer[T]) (Node[T], error) {
	if t.sink == nil {
		return nil, fmt.Errorf("runtime: task %d has no sink for topic %s", t.id, topic)
	}
	if ser == nil {
		return nil, fmt.Errorf("runtime: nil serializer for topic %s", topic)
	}
	return &sinkNode[T]{t: t, topic: topic, ser: ser}, nil
}

// Headers set on dead-letter records.
const (
	HeaderDLQError     = "streamgen.error"
	HeaderDLQTopic     = "streamgen.topic"
	HeaderDLQPartition = "streamgen.partition"
	HeaderDLQOffset    = "streamgen.offset"
)

// ErrUnavailable marks a Deserializer error whose cause is not the record
// but a service decoding needs that did not answer (a Schema Registry that
// is down, refuses the credentials, or times out). Such a record is no
// poison: it is never dead-lettered, and processing stops with a
// DecodeError naming it, whatever the source's error policy; the
// transaction aborts, so a restart once the service is back reads the
// record again. Wrap it with fmt.Errorf("...: %w", ErrUnavailable) or
// errors.Join.
var ErrUnavailable = errors.New("a service the decoding needs is unavailable")

// DecodeError is a record that its Deserializer rejected.
type DecodeError struct {
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("runtime: decoding record %s[%d]@%d: %v", e.Topic, e.Partition, e.Offset, e.Err)
}

// Unwrap returns the deserializer's error.
func (e *DecodeError) Unwrap() error { return e.Err }

// DeadLetterRecord builds the record a poison input goes to: the original
// key, value, headers and timestamp on topic dlq, plus headers naming the
// error and the input's topic, partition and offset.
func DeadLetterRecord(dlq string, r *Record, err error) *OutRecord {
	hs := make([]Header, 0, len(r.Headers)+4)
	for _, h := range r.Headers {
		hs = append(hs, Header{Key: h.Key, Value: append([]byte(nil), h.Value...)})
	}
	hs = append(hs,
		Header{Key: HeaderDLQError, Value: []byte(err.Error())},
		Header{Key: HeaderDLQTopic, Value: []byte(r.Topic)},
		Header{Key: HeaderDLQPartition, Value: strconv.AppendInt(nil, int64(r.Partition), 10)},
		Header{Key: HeaderDLQOffset, Value: strconv.AppendInt(nil, r.Offset, 10)},
	)
	return &OutRecord{
		Topic:     dlq,
		Partition: AnyPartition,
		Key:       append([]byte(nil), r.Key...),
		Value:     append([]byte(nil), r.Value...),
		Headers:   hs,
		Timestamp: r.Timestamp,
	}
}
