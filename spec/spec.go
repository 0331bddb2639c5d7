// Package spec reads the pipeline spec (streamgen.yaml), checks it against
// a schema set, and resolves it into the IR the generator works from: the
// sources, operators and sinks of one pipeline, every stream between them
// with its value type and key type, and the operators in topological order.
//
// Reading happens in two steps. Parse (or ParseFile) reads the YAML and
// checks its shape: known keys, required keys, enum values, durations,
// names. Check then resolves every type name against the schemas, every
// field path against the types, and every input against the streams, and
// validates the graph. Both steps report every problem they find at once,
// as a schema.ErrorList whose entries name file:line:col and a short path
// inside the spec such as "operators.views.window.aggregate.output".
package spec

import (
	"time"

	"github.com/streamgen/streamgen/schema"
)

// Version1 is the only spec version this package knows.
const Version1 = 1

// Spec is one pipeline spec. Parse fills in what the file says (with
// defaults); Check resolves types and streams and sorts the operators.
type Spec struct {
	// File is the path of the spec file as given to Parse.
	File string
	// Version is the format version (always Version1 after a successful
	// Parse).
	Version int
	// Name is the pipeline name ([a-z][a-z0-9-]*): the default consumer
	// group and transactional id prefix.
	Name string
	// Package is the Go package name of the generated code; by default the
	// name with its hyphens removed.
	Package string
	// Out is the output directory for generated files, resolved against the
	// directory of the spec file and made absolute (default: that
	// directory).
	Out string
	// Schemas are the schema files, resolved against the directory of the
	// spec file and made absolute, globs expanded (sorted within each
	// pattern), without duplicates, in the order the patterns are listed.
	Schemas []string
	// Sources, Operators and Sinks are in file order after Parse. Check
	// sorts Operators topologically (each operator after every operator it
	// reads from; ties keep file order).
	Sources   []*Source
	Operators []*Operator
	Sinks     []*Sink
	// Commit says how often the pipeline commits.
	Commit Commit
	// MaxWatermarkDrift turns on watermark alignment across all input
	// partitions of all instances (watermark_alignment.max_drift; 0: off).
	MaxWatermarkDrift time.Duration
	// Pos is the start of the document.
	Pos schema.Pos

	// set by Check
	streams    []*Stream
	streamByID map[string]*Stream
}

// Format is a serialization format of a Kafka record key or value.
type Format string

// The formats.
const (
	// FormatAvro is the Avro binary encoding of a schema type, no framing.
	FormatAvro Format = "avro"
	// FormatAvroConfluent is the Confluent wire format: a magic byte and a
	// 4-byte Schema Registry id before the Avro binary.
	FormatAvroConfluent Format = "avro-confluent"
	// FormatAvroSingleObject is Avro's single-object encoding: a 2-byte
	// marker and the 8-byte schema fingerprint before the Avro binary.
	FormatAvroSingleObject Format = "avro-single-object"
	// FormatJSON is JSON of a JSON Schema type.
	FormatJSON Format = "json"
	// FormatString is UTF-8 text; the Go type is string.
	FormatString Format = "string"
	// FormatBytes is the raw bytes; the Go type is []byte.
	FormatBytes Format = "bytes"
	// FormatNone ignores the key on read and writes no key (a null key).
	FormatNone Format = "none"
)

// Formats lists every format, in documentation order.
var Formats = []Format{FormatAvro, FormatAvroConfluent, FormatAvroSingleObject, FormatJSON, FormatString, FormatBytes, FormatNone}

// IsAvro reports whether f is one of the Avro formats.
func (f Format) IsAvro() bool {
	return f == FormatAvro || f == FormatAvroConfluent || f == FormatAvroSingleObject
}

// NeedsType reports whether f needs a schema type (the Avro formats and
// JSON).
func (f Format) NeedsType() bool { return f.IsAvro() || f == FormatJSON }

// The Go builtin types an operator output or a state may name instead of a
// schema type.
const (
	BuiltinString  = "string"
	BuiltinBytes   = "bytes"
	BuiltinInt32   = "int32"
	BuiltinInt64   = "int64"
	BuiltinFloat32 = "float32"
	BuiltinFloat64 = "float64"
	BuiltinBool    = "bool"
)

// Builtins lists the builtin type names.
var Builtins = []string{BuiltinString, BuiltinBytes, BuiltinInt32, BuiltinInt64, BuiltinFloat32, BuiltinFloat64, BuiltinBool}

// TypeRef is a reference to a type: a schema type by full name, a Go
// builtin, or (for keys taken from a field) the field's schema type.
//
// Exactly one of these holds after Check:
//   - Builtin is set ("string", "int64", ...): the Go builtin type. Schema
//     may also be set when the type came from a schema field (a plain
//     string, int, long or bytes field).
//   - Builtin is empty and Schema is set: the schema type; Name is its full
//     name when it is named, or a description such as "string(uuid)" for
//     an anonymous type taken from a field.
type TypeRef struct {
	Name    string
	Schema  *schema.Type
	Builtin string
	// Pos is where the type was named (or the field it came from).
	Pos schema.Pos
}

// String returns the type's name.
func (r *TypeRef) String() string {
	if r == nil {
		return "<none>"
	}
	return r.Name
}

// Equal reports whether r and o denote the same type: the same builtin, the
// same named schema type (by full name), or structurally identical
// anonymous schema types.
func (r *TypeRef) Equal(o *TypeRef) bool {
	if r == nil || o == nil {
		return r == o
	}
	if r.Builtin != "" || o.Builtin != "" {
		return r.Builtin == o.Builtin
	}
	return sameType(r.Schema, o.Schema)
}

// Serde is how a record key or value is serialized.
type Serde struct {
	// Format is the serialization format.
	Format Format
	// Type is the type named by the "type" key for the Avro formats and
	// JSON; for string and bytes Check sets the builtin; nil for none.
	Type *TypeRef
	// Field is, for a sink key only, the field of the value the key is
	// taken from; nil means the stream key.
	Field *FieldRef
	// Pos is where the key or value is declared.
	Pos schema.Pos
}

// FieldRef is a dotted field path into a record type ("user.id"). The path
// "." means the whole value (key_by only).
type FieldRef struct {
	// Path is the path as written.
	Path string
	// Fields are the fields along the path, resolved by Check (empty for ".").
	Fields []*schema.Field
	// Type is the type at the end of the path, set by Check.
	Type *TypeRef
	// Pos is where the path is written.
	Pos schema.Pos
}

// IsValue reports whether the path is "." (the whole value).
func (f *FieldRef) IsValue() bool { return f != nil && f.Path == "." }

// Source reads one or more Kafka topics.
type Source struct {
	Name string
	// Topics are the topics to read; empty when TopicPattern is set.
	Topics []string
	// TopicPattern is a Go regular expression for the topics to read.
	TopicPattern string
	// Key and Value say how records are decoded. Key defaults to none.
	Key, Value Serde
	// PartitionedBy, when set, declares that the source's topics are
	// already partitioned by this field of the value ("." for the whole
	// value): every record with the same value there is on the same
	// partition number of every topic of the source. A key_by on that path
	// then keys in place; any other key_by repartitions. nil means the
	// partitioning is unknown.
	PartitionedBy *FieldRef
	// Start says where to start reading.
	Start Start
	// EventTime says where event time comes from.
	EventTime EventTime
	// Watermark configures watermarks.
	Watermark Watermark
	// OnError is the policy for records that cannot be decoded.
	OnError ErrorPolicy
	// DeadLetterTopic is where undecodable records go under
	// ErrorDeadLetter.
	DeadLetterTopic string
	// ObjectReuse decodes every record of the source into one value per
	// task, reusing its slices and maps (Avro values only).
	ObjectReuse    bool
	ObjectReusePos schema.Pos
	Pos            schema.Pos
}

// StartMode is where a source starts reading a partition.
type StartMode string

// The start modes.
const (
	StartEarliest  StartMode = "earliest"
	StartLatest    StartMode = "latest"
	StartCommitted StartMode = "committed"
	StartTimestamp StartMode = "timestamp"
	StartOffsets   StartMode = "offsets"
)

// Start is where a source starts.
type Start struct {
	// Mode is the start mode (default StartCommitted).
	Mode StartMode
	// Fallback is where StartCommitted starts a partition that has no
	// committed offset: StartEarliest (default) or StartLatest.
	Fallback StartMode
	// Timestamp is the first record time to read (StartTimestamp).
	Timestamp time.Time
	// Offsets are explicit start offsets by partition, sorted by
	// partition (StartOffsets). Partitions not listed start at Fallback.
	Offsets []PartitionOffset
	Pos     schema.Pos
}

// PartitionOffset is the start offset of one partition.
type PartitionOffset struct {
	Partition int32
	Offset    int64
}

// EventTime says where a source's records get their event time.
type EventTime struct {
	// Field is the timestamp field of the value; nil means the Kafka record
	// timestamp.
	Field *FieldRef
	// KafkaTimestamp is true when event time is the Kafka record timestamp
	// (the default).
	KafkaTimestamp bool
	Pos            schema.Pos
}

// Watermark configures bounded out-of-orderness watermarks.
type Watermark struct {
	// OutOfOrderness is how far behind the highest event time seen the
	// watermark trails (default 0).
	OutOfOrderness time.Duration
	// Idleness is how long a partition may stay silent before it stops
	// holding the watermark back; 0 means never.
	Idleness time.Duration
	Pos      schema.Pos
}

// WindowEmit is when a window fires.
type WindowEmit string

// The emit modes of a window.
const (
	// EmitOnEnd fires a window when the watermark passes its end, and
	// again for each late record within allowed_lateness (Flink's
	// event-time trigger).
	EmitOnEnd WindowEmit = "on_end"
	// EmitOnClose fires a window once, when the watermark passes its end
	// plus allowed_lateness (Kafka Streams' onWindowClose, or suppress
	// untilWindowCloses).
	EmitOnClose WindowEmit = "on_close"
)

// ErrorPolicy is what a source does with a record it cannot decode.
type ErrorPolicy string

// The error policies.
const (
	ErrorStop       ErrorPolicy = "stop"
	ErrorDeadLetter ErrorPolicy = "dead-letter"
)

// OperatorKind is the kind of an operator.
type OperatorKind string

// The operator kinds; each is also the YAML key that selects it.
const (
	KindKeyBy   OperatorKind = "key_by"
	KindMap     OperatorKind = "map"
	KindFilter  OperatorKind = "filter"
	KindFlatMap OperatorKind = "flat_map"
	KindWindow  OperatorKind = "window"
	KindProcess OperatorKind = "process"
	KindUnion   OperatorKind = "union"
	KindJoin    OperatorKind = "join"
)

// OperatorKinds lists the operator kinds in documentation order.
var OperatorKinds = []OperatorKind{KindKeyBy, KindMap, KindFilter, KindFlatMap, KindWindow, KindProcess, KindUnion, KindJoin}

// Operator is one step of the pipeline. Kind says which of the kind fields
// is set.
type Operator struct {
	Name string
	Kind OperatorKind
	// Inputs are the streams read: one for every kind but union, which has
	// two or more, and join, which has two (left, then right).
	Inputs []string
	// InputPos are the positions of Inputs.
	InputPos []schema.Pos

	// KeyBy is the key field (KindKeyBy).
	KeyBy *FieldRef
	// Repartition is set by Check for a key_by whose input is not already
	// partitioned by its key: the stream goes through the repartition
	// topic RepartitionTopic(pipeline name, operator name) before the
	// key_by's readers see it.
	Repartition bool
	// Output is the output value type of map, flat_map, process and join; for
	// map and flat_map without an output it is the input type (set by
	// Check).
	Output *TypeRef
	// Window is set for KindWindow.
	Window *Window
	// Process is set for KindProcess.
	Process *Process
	// Join is set for KindJoin.
	Join *Join

	// Out is the operator's main output stream, set by Check.
	Out *Stream
	Pos schema.Pos
}

// WindowKind is the kind of window assigner.
type WindowKind string

// The window kinds.
const (
	WindowTumbling WindowKind = "tumbling"
	WindowSliding  WindowKind = "sliding"
	WindowSession  WindowKind = "session"
)

// WindowFunc is what a window computes.
type WindowFunc string

// The window functions.
const (
	// WindowAggregate folds records into an accumulator and emits an output.
	WindowAggregate WindowFunc = "aggregate"
	// WindowReduce combines records of the input type pairwise.
	WindowReduce WindowFunc = "reduce"
	// WindowProcess sees all records of the window at once.
	WindowProcess WindowFunc = "process"
)

// Window is a keyed event-time window.
type Window struct {
	Kind WindowKind
	// Size is the window length (tumbling, sliding).
	Size time.Duration
	// Slide is how far consecutive sliding windows are apart.
	Slide time.Duration
	// Gap is the inactivity gap that closes a session.
	Gap time.Duration
	// Offset shifts window boundaries (tumbling, sliding).
	Offset time.Duration
	// AllowedLateness is how long after the window end late records still
	// update the window.
	AllowedLateness time.Duration
	// LateOutput names the side-output stream for records later than
	// that; empty means late records are dropped.
	LateOutput    string
	LateOutputPos schema.Pos
	// Emit is when the window fires: EmitOnEnd (default) or EmitOnClose.
	Emit WindowEmit
	// Func is the window function.
	Func WindowFunc
	// Accumulator is the accumulator type (aggregate).
	Accumulator *TypeRef
	// Output is the result type: the named output for aggregate and
	// process, the input type for reduce (set by Check).
	Output *TypeRef
	Pos    schema.Pos
}

// JoinType says what a join does with a left record that finds no right
// value.
type JoinType string

// The join types.
const (
	// JoinInner drops a left record with no right value.
	JoinInner JoinType = "inner"
	// JoinLeft joins it with no right value (a nil pointer).
	JoinLeft JoinType = "left"
)

// Join joins two keyed streams. Without Within it is an event-time
// temporal join (Flink's temporal table join, Kafka Streams' stream-table
// join on a versioned table): each record of the left stream is joined
// with the right stream's latest value for its key at the left record's
// event time, once the watermark has passed it. With Within it is an
// interval join (Flink's interval join, Kafka Streams' windowed
// stream-stream join): each left record is joined with every right record
// of its key whose event time is in the interval around its own. The
// operator's Inputs are the left stream, then the right one.
type Join struct {
	// Type is JoinInner (default) or JoinLeft.
	Type JoinType
	// TableTTL, when positive, forgets a key's right values after that
	// long (processing time) without a right record for the key (temporal
	// joins only).
	TableTTL time.Duration
	// Within, when set, makes the join an interval join.
	Within *JoinWithin
	Pos    schema.Pos
}

// JoinWithin bounds an interval join: a right record at time tr joins a
// left record at tl when tl-Before <= tr <= tl+After.
type JoinWithin struct {
	Before, After time.Duration
}

// Process is a keyed process function with state and timers.
type Process struct {
	// State lists the declared state, in file order.
	State []*State
	// Timers says whether the function uses timers.
	Timers bool
	// SideOutputs lists the side outputs, in file order; each is the stream
	// "operator.name".
	SideOutputs []*SideOutput
	Pos         schema.Pos
}

// StateKind is the kind of a keyed state.
type StateKind string

// The state kinds.
const (
	StateValue    StateKind = "value"
	StateMap      StateKind = "map"
	StateList     StateKind = "list"
	StateReducing StateKind = "reducing"
)

// State is one keyed state of a process function.
type State struct {
	Name string
	Kind StateKind
	// Key is the map key type (StateMap only).
	Key *TypeRef
	// Value is the value type (the element type for lists).
	Value *TypeRef
	// TTL is how long an entry lives after its last write; 0 means forever.
	TTL time.Duration
	Pos schema.Pos
}

// SideOutput is a named extra output of a process function.
type SideOutput struct {
	Name string
	Type *TypeRef
	Pos  schema.Pos
}

// Partitioner picks the partition a sink writes a record to.
type Partitioner string

// The partitioners.
const (
	// PartitionKeyHash hashes the serialized key with murmur2, as the Java
	// client does.
	PartitionKeyHash Partitioner = "key-hash"
	// PartitionRoundRobin spreads records over all partitions.
	PartitionRoundRobin Partitioner = "round-robin"
	// PartitionFixed writes every record to Sink.Partition.
	PartitionFixed Partitioner = "fixed"
)

// Delivery is a sink's delivery guarantee.
type Delivery string

// The delivery guarantees.
const (
	DeliveryExactlyOnce Delivery = "exactly-once"
	DeliveryAtLeastOnce Delivery = "at-least-once"
	DeliveryNone        Delivery = "none"
)

// Sink writes a stream to a Kafka topic.
type Sink struct {
	Name     string
	Input    string
	InputPos schema.Pos
	Topic    string
	// Key says how the record key is written; Key.Field picks a field of
	// the value, otherwise the stream key is written. Format none (the
	// default) writes no key.
	Key Serde
	// Value says how the record value is written.
	Value       Serde
	Partitioner Partitioner
	// Partition is the partition for PartitionFixed.
	Partition int32
	Delivery  Delivery
	// Stream is the stream written, set by Check.
	Stream *Stream
	Pos    schema.Pos
}

// Commit configures the commit cadence.
type Commit struct {
	// Interval is the time between commits (default 100ms).
	Interval time.Duration
	// MaxRecords commits early after this many records; 0 means no limit.
	MaxRecords int
	Pos        schema.Pos
}

// StreamKind says what produces a stream.
type StreamKind string

// The stream kinds.
const (
	// StreamSource is the records of a source.
	StreamSource StreamKind = "source"
	// StreamMain is an operator's main output.
	StreamMain StreamKind = "main"
	// StreamSide is a process function's side output ("op.name").
	StreamSide StreamKind = "side"
	// StreamLate is a window's late-record output.
	StreamLate StreamKind = "late"
)

// Stream is a named flow of records: the output of a source or an operator.
type Stream struct {
	// Name is how inputs refer to the stream: a source or operator name,
	// "operator.side_output", or a window's late_output name.
	Name string
	Kind StreamKind
	// Type is the value type.
	Type *TypeRef
	// Key is the key type; nil means the stream is not keyed.
	Key *TypeRef
	// Producer is the name of the source or operator that emits it.
	Producer string
	// Readers are the operators (in topological order) and then the sinks
	// (in file order) that read the stream.
	Readers []string
	// PartitionedBy is the field path of Type ("." for the whole value) by
	// which the stream's records are partitioned across tasks: records with
	// equal values there are in the same task. Empty when unknown (after a
	// map, a flat_map, a window or a process, or from a source without
	// partitioned_by).
	PartitionedBy string
	// Repartitioned reports that the stream's records reached their task
	// through a repartition topic (hashed by their key), rather than on the
	// partition the source's producer chose.
	Repartitioned bool
	Pos           schema.Pos
}

// RepartitionSuffix ends the name of every repartition topic.
const RepartitionSuffix = "-repartition"

// RepartitionTopic is the name of the repartition topic of the key_by
// operator op in the pipeline named pipeline, as Kafka Streams names
// them: "<pipeline>-<op>-repartition".
func RepartitionTopic(pipeline, op string) string {
	return pipeline + "-" + op + RepartitionSuffix
}

// UpstreamSources returns the sources whose records can reach the stream
// named name, in spec order: through every operator input, side output and
// late output upstream of it. It needs a checked spec.
func (s *Spec) UpstreamSources(name string) []*Source {
	seen := map[string]bool{}
	found := map[string]bool{}
	var walk func(stream string)
	walk = func(stream string) {
		if seen[stream] {
			return
		}
		seen[stream] = true
		st, ok := s.streamByID[stream]
		if !ok {
			return
		}
		if st.Kind == StreamSource {
			found[st.Producer] = true
			return
		}
		if op, ok := s.Operator(st.Producer); ok {
			for _, in := range op.Inputs {
				walk(in)
			}
		}
	}
	walk(name)
	var out []*Source
	for _, src := range s.Sources {
		if found[src.Name] {
			out = append(out, src)
		}
	}
	return out
}

// Keyed reports whether the stream is keyed.
func (s *Stream) Keyed() bool { return s.Key != nil }

// Streams returns every stream after a successful Check: each source, then
// each operator in topological order with its main output, its side
// outputs and its late output. It returns nil before Check.
func (s *Spec) Streams() []*Stream { return s.streams }

// Stream returns the stream with the given name after Check.
func (s *Spec) Stream(name string) (*Stream, bool) {
	st, ok := s.streamByID[name]
	return st, ok
}

// Source returns the source with the given name.
func (s *Spec) Source(name string) (*Source, bool) {
	for _, src := range s.Sources {
		if src.Name == name {
			return src, true
		}
	}
	return nil, false
}

// Operator returns the operator with the given name.
func (s *Spec) Operator(name string) (*Operator, bool) {
	for _, op := range s.Operators {
		if op.Name == name {
			return op, true
		}
	}
	return nil, false
}

// Sink returns the sink with the given name.
func (s *Spec) Sink(name string) (*Sink, bool) {
	for _, sk := range s.Sinks {
		if sk.Name == name {
			return sk, true
		}
	}
	return nil, false
}

// sameType reports whether a and b are the same schema type: the same
// node, the same named type by full name, or equal anonymous types.
func sameType(a, b *schema.Type) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || a.Kind != b.Kind || a.Origin != b.Origin {
		return false
	}
	if a.Kind.IsNamed() {
		return a.Name.Full() == b.Name.Full()
	}
	if (a.Logical == nil) != (b.Logical == nil) || (a.Logical != nil && *a.Logical != *b.Logical) {
		return false
	}
	switch a.Kind {
	case schema.Array:
		return sameType(a.Items, b.Items)
	case schema.Map:
		return sameType(a.Values, b.Values)
	case schema.Union:
		if len(a.Branches) != len(b.Branches) {
			return false
		}
		for i := range a.Branches {
			if !sameType(a.Branches[i], b.Branches[i]) {
				return false
			}
		}
	}
	return true
}
