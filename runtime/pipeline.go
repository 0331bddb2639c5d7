package runtime

import (
	"time"

	"github.com/streamgen/streamgen/schema"
)

// PipelineSpec describes a generated pipeline to whatever runs it: the
// kafka package in production, the Driver in tests. Generated code returns
// one from (*Pipeline).Spec.
type PipelineSpec struct {
	// Name names the pipeline: the consumer group, the transactional id
	// prefix and the prefix of internal topics (changelog, repartition).
	Name string
	// Inputs are the pipeline's sources, in spec order.
	Inputs []InputSpec
	// Outputs are the pipeline's sinks, in spec order.
	Outputs []OutputSpec
	// CommitInterval is how often tasks commit (default 100ms).
	CommitInterval time.Duration
	// CommitMaxRecords, when positive, also commits after that many records
	// in a task.
	CommitMaxRecords int
	// MaxWatermarkDrift, when positive, is the spec's watermark alignment
	// (watermark_alignment.max_drift): the Kafka runner pauses an input
	// partition whose watermark is more than this ahead of the lowest of
	// the pipeline's, unless its options set kafka.MaxWatermarkDrift.
	MaxWatermarkDrift time.Duration
	// Build wires one task's operator chain.
	Build BuildFunc
}

// InputSpec describes one source of a pipeline.
type InputSpec struct {
	// Name is the source's name in the spec.
	Name string
	// Topics lists the input topics; empty when TopicPattern is used.
	Topics []string
	// TopicPattern is a Go regexp matching input topics.
	TopicPattern string
	// Start says where to begin reading partitions that have no committed
	// offset.
	Start StartPosition
	// DeadLetterTopic receives records that fail to decode; empty stops the
	// task with the error instead.
	DeadLetterTopic string
	// Repartition marks the repartition topic of a repartitioning key_by
	// (Topics holds its one topic, "<pipeline>-<operator>-repartition").
	// The pipeline writes it itself, and reads it as one more
	// co-partitioned input: the runner creates it with the partition count
	// of the other inputs, produces to it in the commit's transaction and
	// reads it read_committed.
	Repartition bool
}

// StartMode says where a source starts reading.
type StartMode int

// The start modes.
const (
	// StartCommitted resumes from the group's committed offsets, and uses
	// the fallback where there are none.
	StartCommitted StartMode = iota
	StartEarliest
	StartLatest
	// StartTimestamp starts at the first record at or after a time.
	StartTimestamp
	// StartOffsets starts at given offsets per partition.
	StartOffsets
)

// StartPosition is a start mode with its parameters.
type StartPosition struct {
	Mode StartMode
	// Fallback applies with StartCommitted to partitions without a committed
	// offset (StartEarliest or StartLatest).
	Fallback  StartMode
	Timestamp time.Time
	Offsets   map[int32]int64
}

// OutputSpec describes one sink of a pipeline.
type OutputSpec struct {
	// Name is the sink's name in the spec.
	Name        string
	Topic       string
	Delivery    Delivery
	Partitioner Partitioner
	// Partition is the partition used by PartitionFixed when set (-1: task
	// i writes partition i mod n).
	Partition int32
}

// Delivery is a sink's delivery guarantee.
type Delivery int

// The delivery guarantees.
const (
	// ExactlyOnce writes in the commit's Kafka transaction.
	ExactlyOnce Delivery = iota
	// AtLeastOnce writes outside the transaction and flushes before each
	// commit.
	AtLeastOnce
	// NoGuarantee writes and forgets.
	NoGuarantee
)

// Partitioner picks the partition of a sink record that does not name one.
type Partitioner int

// The partitioners.
const (
	// KeyHash is murmur2 of the key modulo the partition count, as the Java
	// client's default partitioner (round-robin for records without a key).
	KeyHash Partitioner = iota
	RoundRobin
	// Fixed writes task i's records to partition i mod n, or to
	// OutputSpec.Partition when it is not negative.
	Fixed
)

// AvroFraming is how Avro datums are framed in Kafka records: raw (no
// header; the writer schema is the reader's), the Confluent wire format (a
// magic byte and a Schema Registry id), or single-object encoding (a
// marker and the schema's CRC-64-AVRO fingerprint). The kafka package
// provides the registry-backed Confluent framing.
type AvroFraming interface {
	// Unframe splits a record's key or value into the schema it was written
	// with (nil: the reader's own schema) and the Avro datum.
	Unframe(topic string, isKey bool, data []byte) (writer *schema.Type, datum []byte, err error)
	// Frame appends the header for a datum of type t to dst.
	Frame(dst []byte, topic string, isKey bool, t *schema.Type) ([]byte, error)
}
