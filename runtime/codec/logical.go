package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// This file maps Avro's time-based logical types and duration to Go:
//
//	date                        time.Time, UTC midnight of the day
//	time-millis, time-micros    time.Duration since midnight
//	timestamp-millis/-micros/-nanos        time.Time in UTC
//	local-timestamp-millis/-micros/-nanos  time.Time holding the wall clock as UTC
//	duration                    Duration
//
// Timestamps encode the instant: a time.Time in any location encodes the
// same as its UTC equivalent, and decodes in UTC. A local timestamp has no
// time zone: it encodes the wall-clock reading of the time.Time in its own
// location (10:00 in Paris encodes as 10:00) and decodes as that wall clock
// in UTC (10:00 UTC). A date encodes the calendar day of the time.Time in
// its own location and decodes as midnight UTC of that day. Values finer
// than the unit of the type are truncated toward the past.

const secondsPerDay = 86400

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// AppendDate appends t as the Avro date logical type: the number of days
// from 1970-01-01 to t's calendar day (in t's location), an Avro int. Days
// outside the int32 range are an error.
func AppendDate(dst []byte, t time.Time) ([]byte, error) {
	_, off := t.Zone()
	days := floorDiv(t.Unix()+int64(off), secondsPerDay)
	if days < math.MinInt32 || days > math.MaxInt32 {
		return dst, &EncodeError{What: "date", Msg: fmt.Sprintf("%s is outside the int32 day range", t)}
	}
	return AppendInt(dst, int32(days)), nil
}

// ReadDate reads the Avro date logical type as midnight UTC of the day.
func (r *Reader) ReadDate() time.Time {
	days := r.ReadInt()
	return time.Unix(int64(days)*secondsPerDay, 0).UTC()
}

// AppendTimeMillis appends d as the Avro time-millis logical type: whole
// milliseconds, an Avro int. Durations whose milliseconds overflow int32
// are an error (Avro does not require the time of day to be below 24h).
func AppendTimeMillis(dst []byte, d time.Duration) ([]byte, error) {
	ms := floorDiv(int64(d), int64(time.Millisecond))
	if ms < math.MinInt32 || ms > math.MaxInt32 {
		return dst, &EncodeError{What: "time-millis", Msg: fmt.Sprintf("%s overflows an int of milliseconds", d)}
	}
	return AppendInt(dst, int32(ms)), nil
}

// ReadTimeMillis reads the Avro time-millis logical type.
func (r *Reader) ReadTimeMillis() time.Duration {
	return time.Duration(r.ReadInt()) * time.Millisecond
}

// AppendTimeMicros appends d as the Avro time-micros logical type: whole
// microseconds, an Avro long.
func AppendTimeMicros(dst []byte, d time.Duration) []byte {
	return AppendLong(dst, floorDiv(int64(d), int64(time.Microsecond)))
}

// ReadTimeMicros reads the Avro time-micros logical type. Values beyond the
// range of time.Duration (about 292 years) are an error.
func (r *Reader) ReadTimeMicros() time.Duration {
	start := r.off
	v := r.ReadLong()
	if v > math.MaxInt64/int64(time.Microsecond) || v < math.MinInt64/int64(time.Microsecond) {
		r.failAt(start, "time-micros", fmt.Sprintf("%d microseconds overflow time.Duration", v))
		return 0
	}
	return time.Duration(v) * time.Microsecond
}

// AppendTimestampMillis appends t as the Avro timestamp-millis logical
// type: milliseconds since the Unix epoch, an Avro long.
func AppendTimestampMillis(dst []byte, t time.Time) []byte {
	return AppendLong(dst, t.UnixMilli())
}

// ReadTimestampMillis reads the Avro timestamp-millis logical type, in UTC.
func (r *Reader) ReadTimestampMillis() time.Time {
	return time.UnixMilli(r.ReadLong()).UTC()
}

// AppendTimestampMicros appends t as the Avro timestamp-micros logical
// type: microseconds since the Unix epoch, an Avro long.
func AppendTimestampMicros(dst []byte, t time.Time) []byte {
	return AppendLong(dst, t.UnixMicro())
}

// ReadTimestampMicros reads the Avro timestamp-micros logical type, in UTC.
func (r *Reader) ReadTimestampMicros() time.Time {
	return time.UnixMicro(r.ReadLong()).UTC()
}

// AppendTimestampNanos appends t as the Avro timestamp-nanos logical type:
// nanoseconds since the Unix epoch, an Avro long. Times outside the years
// 1678 to 2262 do not fit and are an error.
func AppendTimestampNanos(dst []byte, t time.Time) ([]byte, error) {
	if !fitsNanos(t) {
		return dst, &EncodeError{What: "timestamp-nanos", Msg: fmt.Sprintf("%s is outside the int64 nanosecond range", t)}
	}
	return AppendLong(dst, t.UnixNano()), nil
}

// ReadTimestampNanos reads the Avro timestamp-nanos logical type, in UTC.
func (r *Reader) ReadTimestampNanos() time.Time {
	return time.Unix(0, r.ReadLong()).UTC()
}

// The instants an int64 of nanoseconds since the epoch can hold: the
// years 1677 to 2262, both ends included.
var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// fitsNanos reports whether t is an int64 of nanoseconds since the epoch.
func fitsNanos(t time.Time) bool { return !t.Before(minNanoTime) && !t.After(maxNanoTime) }

// wallOffset returns the seconds to add to t's instant to get its wall
// clock as if it were UTC.
func wallOffset(t time.Time) int64 {
	_, off := t.Zone()
	return int64(off)
}

// AppendLocalTimestampMillis appends the wall clock of t (in its own
// location) as the Avro local-timestamp-millis logical type.
func AppendLocalTimestampMillis(dst []byte, t time.Time) []byte {
	return AppendLong(dst, t.UnixMilli()+wallOffset(t)*1000)
}

// ReadLocalTimestampMillis reads the Avro local-timestamp-millis logical
// type: the wall clock, held in UTC.
func (r *Reader) ReadLocalTimestampMillis() time.Time {
	return time.UnixMilli(r.ReadLong()).UTC()
}

// AppendLocalTimestampMicros appends the wall clock of t (in its own
// location) as the Avro local-timestamp-micros logical type.
func AppendLocalTimestampMicros(dst []byte, t time.Time) []byte {
	return AppendLong(dst, t.UnixMicro()+wallOffset(t)*1e6)
}

// ReadLocalTimestampMicros reads the Avro local-timestamp-micros logical
// type: the wall clock, held in UTC.
func (r *Reader) ReadLocalTimestampMicros() time.Time {
	return time.UnixMicro(r.ReadLong()).UTC()
}

// AppendLocalTimestampNanos appends the wall clock of t (in its own
// location) as the Avro local-timestamp-nanos logical type. Wall clocks
// outside the years 1678 to 2262 are an error.
func AppendLocalTimestampNanos(dst []byte, t time.Time) ([]byte, error) {
	wall := t.Add(time.Duration(wallOffset(t)) * time.Second)
	if !fitsNanos(wall) {
		return dst, &EncodeError{What: "local-timestamp-nanos", Msg: fmt.Sprintf("%s is outside the int64 nanosecond range", t)}
	}
	return AppendLong(dst, wall.UnixNano()), nil
}

// ReadLocalTimestampNanos reads the Avro local-timestamp-nanos logical
// type: the wall clock, held in UTC.
func (r *Reader) ReadLocalTimestampNanos() time.Time {
	return time.Unix(0, r.ReadLong()).UTC()
}

// Duration is the Go type of Avro's duration logical type: an amount of
// time in three independent parts, as a calendar would count it. It is
// written as fixed(12): three little-endian unsigned 32-bit integers.
type Duration struct {
	Months uint32
	Days   uint32
	Millis uint32
}

// String formats d as "P<months>M<days>DT<seconds>S" (ISO 8601).
func (d Duration) String() string {
	return fmt.Sprintf("P%dM%dDT%d.%03dS", d.Months, d.Days, d.Millis/1000, d.Millis%1000)
}

// AppendDuration appends d as the Avro duration logical type.
func AppendDuration(dst []byte, d Duration) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, d.Months)
	dst = binary.LittleEndian.AppendUint32(dst, d.Days)
	return binary.LittleEndian.AppendUint32(dst, d.Millis)
}

// ReadDuration reads the Avro duration logical type.
func (r *Reader) ReadDuration() Duration {
	if len(r.buf)-r.off < 12 {
		r.truncated("duration", 12)
		return Duration{}
	}
	b := r.buf[r.off : r.off+12]
	r.off += 12
	return Duration{
		Months: binary.LittleEndian.Uint32(b),
		Days:   binary.LittleEndian.Uint32(b[4:]),
		Millis: binary.LittleEndian.Uint32(b[8:]),
	}
}
