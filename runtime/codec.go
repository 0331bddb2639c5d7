package runtime

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// Codec encodes values of T for state, keys and serde. Append appends the
// encoding of v to dst. Decode must not retain src after it returns: the
// runtime hands it memory that is reused.
//
// Codecs used for keys or map-state keys define the iteration order of
// MapState (byte order of the encodings); the primitive codecs below are
// order-preserving.
type Codec[T any] interface {
	Append(dst []byte, v T) ([]byte, error)
	Decode(src []byte) (T, error)
}

// Int64Codec encodes an int64 in 8 big-endian bytes with the sign bit
// flipped, so byte order equals numeric order.
type Int64Codec struct{}

// Append implements Codec.
func (Int64Codec) Append(dst []byte, v int64) ([]byte, error) {
	return appendOrderedInt64(dst, v), nil
}

// Decode implements Codec.
func (Int64Codec) Decode(src []byte) (int64, error) {
	if len(src) != 8 {
		return 0, fmt.Errorf("runtime: int64 codec: want 8 bytes, got %d", len(src))
	}
	return readOrderedInt64(src), nil
}

// Int32Codec encodes an int32 in 4 big-endian bytes with the sign bit
// flipped, so byte order equals numeric order.
type Int32Codec struct{}

// Append implements Codec.
func (Int32Codec) Append(dst []byte, v int32) ([]byte, error) {
	return binary.BigEndian.AppendUint32(dst, uint32(v)^(1<<31)), nil
}

// Decode implements Codec.
func (Int32Codec) Decode(src []byte) (int32, error) {
	if len(src) != 4 {
		return 0, fmt.Errorf("runtime: int32 codec: want 4 bytes, got %d", len(src))
	}
	return int32(binary.BigEndian.Uint32(src) ^ (1 << 31)), nil
}

// Float64Codec encodes a float64 in 8 bytes whose byte order equals the
// numeric order (NaNs sort after +Inf).
type Float64Codec struct{}

// Append implements Codec.
func (Float64Codec) Append(dst []byte, v float64) ([]byte, error) {
	b := math.Float64bits(v)
	if b&(1<<63) != 0 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	return binary.BigEndian.AppendUint64(dst, b), nil
}

// Decode implements Codec.
func (Float64Codec) Decode(src []byte) (float64, error) {
	if len(src) != 8 {
		return 0, fmt.Errorf("runtime: float64 codec: want 8 bytes, got %d", len(src))
	}
	b := binary.BigEndian.Uint64(src)
	if b&(1<<63) != 0 {
		b &^= 1 << 63
	} else {
		b = ^b
	}
	return math.Float64frombits(b), nil
}

// BoolCodec encodes a bool in one byte.
type BoolCodec struct{}

// Append implements Codec.
func (BoolCodec) Append(dst []byte, v bool) ([]byte, error) {
	if v {
		return append(dst, 1), nil
	}
	return append(dst, 0), nil
}

// Decode implements Codec.
func (BoolCodec) Decode(src []byte) (bool, error) {
	if len(src) != 1 || src[0] > 1 {
		return false, fmt.Errorf("runtime: bool codec: want one byte 0 or 1, got % x", src)
	}
	return src[0] == 1, nil
}

// StringCodec encodes a string as its raw bytes.
type StringCodec struct{}

// Append implements Codec.
func (StringCodec) Append(dst []byte, v string) ([]byte, error) { return append(dst, v...), nil }

// Decode implements Codec.
func (StringCodec) Decode(src []byte) (string, error) { return string(src), nil }

// BytesCodec encodes a byte slice as itself; Decode returns a copy.
type BytesCodec struct{}

// Append implements Codec.
func (BytesCodec) Append(dst []byte, v []byte) ([]byte, error) { return append(dst, v...), nil }

// Decode implements Codec.
func (BytesCodec) Decode(src []byte) ([]byte, error) { return append([]byte{}, src...), nil }

// AvroRecord is the method set of a pointer to a generated Avro record
// type: streamgen emits AppendAvro and UnmarshalAvro for every named
// record.
type AvroRecord[T any] interface {
	*T
	AppendAvro(dst []byte) ([]byte, error)
	UnmarshalAvro(src []byte) error
}

// AvroCodec adapts a generated Avro record type to Codec, e.g.
// AvroCodec[PageView, *PageView]{}. Decode copies src first, so the record
// may keep slices of it.
type AvroCodec[T any, P AvroRecord[T]] struct{}

// Append implements Codec.
func (AvroCodec[T, P]) Append(dst []byte, v T) ([]byte, error) {
	return P(&v).AppendAvro(dst)
}

// Decode implements Codec.
func (AvroCodec[T, P]) Decode(src []byte) (T, error) {
	var v T
	err := P(&v).UnmarshalAvro(append([]byte(nil), src...))
	return v, err
}

// JSONCodec adapts any encoding/json-compatible type (generated JSON
// Schema types included) to Codec.
type JSONCodec[T any] struct{}

// Append implements Codec.
func (JSONCodec[T]) Append(dst []byte, v T) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// Decode implements Codec.
func (JSONCodec[T]) Decode(src []byte) (T, error) {
	var v T
	err := json.Unmarshal(src, &v)
	return v, err
}

// copyVia returns a copy of *v made by encoding it (into *buf, reused)
// and decoding that: *v is only valid during Push, and its slices may be
// reused by the next record. Decode does not keep its input (Codec), so
// the copy shares nothing with *buf.
func copyVia[T any](codec Codec[T], buf *[]byte, v *T) (T, error) {
	b, err := codec.Append((*buf)[:0], *v)
	if b != nil {
		*buf = b[:0]
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return codec.Decode(b)
}
