package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file holds the Avro binary encoders that generated AppendAvro methods
// call. Every function appends to dst and returns the extended slice, like
// strconv.AppendInt; none of them allocates when dst has room. They are
// small enough to be inlined by the compiler.

// Null is the Go type of the Avro null type. It has one value, Null{}, and
// encodes to nothing.
type Null struct{}

// AppendBoolean appends an Avro boolean: one byte, 0 or 1.
func AppendBoolean(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendInt appends an Avro int: a zig-zag varint of at most 5 bytes.
func AppendInt(dst []byte, v int32) []byte {
	u := uint32(v<<1) ^ uint32(v>>31)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// AppendLong appends an Avro long: a zig-zag varint of at most 10 bytes.
func AppendLong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// AppendFloat appends an Avro float: 4 bytes, IEEE 754, little-endian.
func AppendFloat(dst []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
}

// AppendDouble appends an Avro double: 8 bytes, IEEE 754, little-endian.
func AppendDouble(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
}

// AppendBytes appends Avro bytes: the length as a long, then the bytes.
func AppendBytes(dst []byte, v []byte) []byte {
	return append(AppendLong(dst, int64(len(v))), v...)
}

// AppendString appends an Avro string: the length in bytes as a long, then
// the UTF-8 bytes. The string is written as is; Avro does not require
// valid UTF-8 on the wire and neither does this encoder.
func AppendString(dst []byte, v string) []byte {
	return append(AppendLong(dst, int64(len(v))), v...)
}

// AppendFixed appends an Avro fixed: the bytes themselves, with no length.
// Generated code for a fixed type T ([N]byte) calls AppendFixed(dst, v[:]).
func AppendFixed(dst []byte, v []byte) []byte {
	return append(dst, v...)
}

// AppendUnionIndex appends the branch index of a union value (an Avro
// long). Generated code writes small constant indices as literal bytes.
func AppendUnionIndex(dst []byte, i int) []byte {
	return AppendLong(dst, int64(i))
}

// AppendEnum appends the index of an enum symbol (an Avro int). It fails
// when v is not in [0, n), n being the number of symbols; what names the
// value in the error ("com.acme.Card.suit"). Generated code inlines the
// same check and calls EnumRangeError.
func AppendEnum(dst []byte, v int32, n int, what string) ([]byte, error) {
	if uint32(v) >= uint32(n) {
		return dst, EnumRangeError(what, v, n)
	}
	return AppendInt(dst, v), nil
}

// EnumRangeError returns the error for an enum value v that is not one of
// the n symbols; what names the field.
func EnumRangeError(what string, v int32, n int) error {
	return &EncodeError{What: what, Msg: fmt.Sprintf("enum value %d out of range [0, %d)", v, n)}
}

// AppendBlockCount appends the item count that starts an array or map
// block. Generated encoders write every non-empty array or map as one block
// with a positive count, followed by the terminating zero count (a single
// 0 byte, appended by the caller).
func AppendBlockCount(dst []byte, n int) []byte {
	return AppendLong(dst, int64(n))
}

// EncodeError is an error met while encoding a value: a value the schema
// cannot represent (an enum value out of range, a nil record pointer in a
// non-nullable field, a decimal too wide for its precision, a time outside
// the range of its logical type, ...).
type EncodeError struct {
	// What names the value: the record full name and field path, or the
	// logical type.
	What string
	// Msg says what is wrong.
	Msg string
}

// Error formats the problem as "avro: encoding <what>: <msg>".
func (e *EncodeError) Error() string {
	if e.What == "" {
		return "avro: encoding: " + e.Msg
	}
	return "avro: encoding " + e.What + ": " + e.Msg
}

// FieldError returns err, met while encoding the value at path (a record
// full name and field path), as an *EncodeError naming that path. The
// message of an *EncodeError from a logical type encoder is kept.
func FieldError(path string, err error) error {
	var ee *EncodeError
	if errors.As(err, &ee) {
		return &EncodeError{What: path, Msg: ee.Msg}
	}
	return &EncodeError{What: path, Msg: err.Error()}
}

// ErrNil returns the error generated encoders report for a nil value where
// the schema has no null: a nil record pointer in a non-nullable field, or a
// nil interface for a union without a null branch. what names the field.
func ErrNil(what string) error {
	return &EncodeError{What: what, Msg: "nil value for a type without null"}
}
