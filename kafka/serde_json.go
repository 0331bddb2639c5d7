package kafka

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/streamgen/streamgen/runtime"
)

// JSONSerde reads and writes JSON keys or values of T with encoding/json
// (generated JSON Schema types validate themselves in UnmarshalJSON), as
// plain JSON or in the Confluent wire format of JSON Schema serializers: a
// zero magic byte and the 4-byte registry id of the JSON Schema, then the
// JSON text. It is a runtime.Deserializer and runtime.Serializer and is
// safe for concurrent use.
type JSONSerde[T any] struct {
	isKey   bool
	framing *ConfluentFraming
	schema  string
	title   string // the schema's title, for the record name strategies
}

// NewJSONSerde returns a serde of plain JSON values (isKey false) or keys.
func NewJSONSerde[T any](isKey bool) *JSONSerde[T] {
	return &JSONSerde[T]{isKey: isKey}
}

// NewConfluentJSONSerde returns a serde of values or keys in the Confluent
// JSON Schema wire format. It writes with jsonSchema (the JSON Schema
// document of T), registered as a JSON schema under the subject f's
// strategy picks (the record strategies use the schema's "title" as the
// record name, as Confluent's serializer does), and reads only records
// whose id names a JSON schema in f's registry.
func NewConfluentJSONSerde[T any](f *ConfluentFraming, isKey bool, jsonSchema string) (*JSONSerde[T], error) {
	var doc struct {
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(jsonSchema), &doc); err != nil {
		return nil, fmt.Errorf("kafka: the JSON Schema does not parse: %w", err)
	}
	return &JSONSerde[T]{isKey: isKey, framing: f, schema: jsonSchema, title: doc.Title}, nil
}

// Decode reads a T from data read from topic.
func (s *JSONSerde[T]) Decode(topic string, data []byte) (T, error) {
	var v T
	if s.framing != nil {
		what := "value"
		if s.isKey {
			what = "key"
		}
		if len(data) < 5 {
			return v, fmt.Errorf("confluent wire format: %s on topic %s has %d bytes, too short for the 5-byte header", what, topic, len(data))
		}
		if data[0] != confluentMagic {
			return v, fmt.Errorf("confluent wire format: %s on topic %s starts with magic byte %#02x, want 0x00", what, topic, data[0])
		}
		id := int(binary.BigEndian.Uint32(data[1:5]))
		if err := s.framing.checkID(id, sr.TypeJSON); err != nil {
			return v, fmt.Errorf("confluent wire format: %s on topic %s: %w", what, topic, err)
		}
		data = data[5:]
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("json on topic %s: %w", topic, err)
	}
	return v, nil
}

// Encode appends v, framed for topic, to dst.
func (s *JSONSerde[T]) Encode(dst []byte, topic string, v T) ([]byte, error) {
	if s.framing != nil {
		subject, err := s.framing.cfg.strategy.subject(topic, s.isKey, s.title, "a JSON Schema without a title")
		if err != nil {
			return dst, fmt.Errorf("confluent wire format: topic %s: %w", topic, err)
		}
		e := s.framing.textEntry(subject, s.schema, sr.TypeJSON)
		if e.err != nil {
			return dst, fmt.Errorf("confluent wire format: topic %s: %w", topic, e.err)
		}
		dst = binary.BigEndian.AppendUint32(append(dst, confluentMagic), e.id)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("json for topic %s: %w", topic, err)
	}
	return append(dst, b...), nil
}

// Deserialize implements runtime.Deserializer.
func (s *JSONSerde[T]) Deserialize(r *runtime.Record) (T, error) {
	if s.isKey {
		return s.Decode(r.Topic, r.Key)
	}
	return s.Decode(r.Topic, r.Value)
}

// Serialize implements runtime.Serializer, setting the key from the
// context's current key for a value serde, as AvroSerde does.
func (s *JSONSerde[T]) Serialize(c *runtime.Context, v T, out *runtime.OutRecord) error {
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

var (
	_ runtime.Deserializer[int] = (*JSONSerde[int])(nil)
	_ runtime.Serializer[int]   = (*JSONSerde[int])(nil)
)
