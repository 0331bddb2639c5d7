package kafka

import (
	"fmt"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// AvroRecordPtr is the method set of a pointer to a generated Avro record
// type that the framed serdes use: the straight-line codec, decoding
// through a Resolver, and the parsed reader schema.
type AvroRecordPtr[T any] interface {
	*T
	AppendAvro(dst []byte) ([]byte, error)
	UnmarshalAvro(src []byte) error
	UnmarshalAvroResolved(res *codec.Resolver, src []byte) error
	AvroType() *schema.Type
}

// AvroSerde reads and writes a generated Avro record type T framed by an
// AvroFraming (raw, Confluent with a Schema Registry, single-object). It
// decodes data written with any writer schema the framing names by Avro's
// resolution rules (one cached Resolver per writer schema) and writes with
// T's own schema. It is a runtime.Deserializer and runtime.Serializer of
// the record key or value, and is safe for concurrent use.
type AvroSerde[T any, P AvroRecordPtr[T]] struct {
	framing runtime.AvroFraming
	isKey   bool
	reader  *schema.Type
	cache   *codec.ResolverCache
}

// NewAvroSerde returns a serde of record values (isKey false) or keys
// (isKey true) of type T framed by f.
func NewAvroSerde[T any, P AvroRecordPtr[T]](f runtime.AvroFraming, isKey bool) *AvroSerde[T, P] {
	reader := P(nil).AvroType()
	return &AvroSerde[T, P]{framing: f, isKey: isKey, reader: reader, cache: codec.NewResolverCache(reader)}
}

// Reader returns T's schema, the reader schema.
func (s *AvroSerde[T, P]) Reader() *schema.Type { return s.reader }

// Decode unframes data read from topic and decodes it into a T. The
// result does not alias data.
func (s *AvroSerde[T, P]) Decode(topic string, data []byte) (T, error) {
	var v T
	writer, datum, err := s.framing.Unframe(topic, s.isKey, data)
	if err != nil {
		return v, err
	}
	datum = append([]byte(nil), datum...)
	if writer == nil || writer == s.reader {
		return v, P(&v).UnmarshalAvro(datum)
	}
	res, err := s.cache.Get(writer)
	if err != nil {
		return v, fmt.Errorf("avro: data on topic %s written with %s cannot be read as %s: %w", topic, describeSchema(writer), describeSchema(s.reader), err)
	}
	return v, P(&v).UnmarshalAvroResolved(res, datum)
}

// Encode appends v, framed for topic, to dst.
func (s *AvroSerde[T, P]) Encode(dst []byte, topic string, v T) ([]byte, error) {
	out, err := s.framing.Frame(dst, topic, s.isKey, s.reader)
	if err != nil {
		return dst, err
	}
	return P(&v).AppendAvro(out)
}

// Deserialize implements runtime.Deserializer: it decodes the record's
// key or value.
func (s *AvroSerde[T, P]) Deserialize(r *runtime.Record) (T, error) {
	if s.isKey {
		return s.Decode(r.Topic, r.Key)
	}
	return s.Decode(r.Topic, r.Value)
}

// Serialize implements runtime.Serializer. A value serde sets the value
// and, when the context has a current key, the record key (so outputs stay
// partitioned by the key they were computed under); a key serde sets the
// key only.
func (s *AvroSerde[T, P]) Serialize(c *runtime.Context, v T, out *runtime.OutRecord) error {
	b, err := s.Encode(nil, out.Topic, v)
	if err != nil {
		return err
	}
	if s.isKey {
		out.Key = b
		return nil
	}
	out.Value = b
	if c != nil && c.Keyed() {
		out.Key = append([]byte(nil), c.Key()...)
	}
	return nil
}

// AvroReader unframes Avro datums and rewrites them in a reader schema's
// encoding, for code that works on schemas rather than generated types
// (tools, generic sinks). It is safe for concurrent use.
type AvroReader struct {
	framing runtime.AvroFraming
	reader  *schema.Type
	cache   *codec.ResolverCache
}

// NewAvroReader returns a reader of data framed by f into reader's
// encoding.
func NewAvroReader(f runtime.AvroFraming, reader *schema.Type) *AvroReader {
	return &AvroReader{framing: f, reader: reader, cache: codec.NewResolverCache(reader)}
}

// Read appends to dst the datum in data (a key or value read from topic)
// re-encoded with the reader schema.
func (r *AvroReader) Read(dst []byte, topic string, isKey bool, data []byte) ([]byte, error) {
	writer, datum, err := r.framing.Unframe(topic, isKey, data)
	if err != nil {
		return dst, err
	}
	if writer == nil {
		writer = r.reader
	}
	res, err := r.cache.Get(writer)
	if err != nil {
		return dst, fmt.Errorf("avro: data on topic %s written with %s cannot be read as %s: %w", topic, describeSchema(writer), describeSchema(r.reader), err)
	}
	return res.Transcode(dst, datum)
}

func describeSchema(t *schema.Type) string {
	if t.Kind.IsNamed() {
		return fmt.Sprintf("%s %s (fingerprint %016x)", t.Kind, t.Name.Full(), t.Fingerprint64())
	}
	return fmt.Sprintf("%s schema (fingerprint %016x)", t.Kind, t.Fingerprint64())
}
