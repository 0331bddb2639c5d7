package codec_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestTimestamps(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	inst := time.Date(2024, 3, 1, 10, 30, 15, 123456789, paris)
	utc := inst.UTC()
	tests := []struct {
		name  string
		enc   []byte
		read  func(r *codec.Reader) time.Time
		want  time.Time
		value int64
	}{
		{"timestamp-millis", codec.AppendTimestampMillis(nil, inst), (*codec.Reader).ReadTimestampMillis, utc.Truncate(time.Millisecond), utc.UnixMilli()},
		{"timestamp-micros", codec.AppendTimestampMicros(nil, inst), (*codec.Reader).ReadTimestampMicros, utc.Truncate(time.Microsecond), utc.UnixMicro()},
		{"timestamp-nanos", must(codec.AppendTimestampNanos(nil, inst)), (*codec.Reader).ReadTimestampNanos, utc, utc.UnixNano()},
		{"local-timestamp-millis", codec.AppendLocalTimestampMillis(nil, inst), (*codec.Reader).ReadLocalTimestampMillis,
			time.Date(2024, 3, 1, 10, 30, 15, 123000000, time.UTC), time.Date(2024, 3, 1, 10, 30, 15, 123000000, time.UTC).UnixMilli()},
		{"local-timestamp-micros", codec.AppendLocalTimestampMicros(nil, inst), (*codec.Reader).ReadLocalTimestampMicros,
			time.Date(2024, 3, 1, 10, 30, 15, 123456000, time.UTC), time.Date(2024, 3, 1, 10, 30, 15, 123456000, time.UTC).UnixMicro()},
		{"local-timestamp-nanos", must(codec.AppendLocalTimestampNanos(nil, inst)), (*codec.Reader).ReadLocalTimestampNanos,
			time.Date(2024, 3, 1, 10, 30, 15, 123456789, time.UTC), time.Date(2024, 3, 1, 10, 30, 15, 123456789, time.UTC).UnixNano()},
		{"date", must(codec.AppendDate(nil, inst)), (*codec.Reader).ReadDate, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 19783},
		{"date before epoch", must(codec.AppendDate(nil, time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC))), (*codec.Reader).ReadDate, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), -1},
		{"millis before epoch", codec.AppendTimestampMillis(nil, time.Unix(-1, 999000000)), (*codec.Reader).ReadTimestampMillis, time.Unix(-1, 999000000).UTC(), -1},
		{"zero time", codec.AppendTimestampMicros(nil, time.Time{}), (*codec.Reader).ReadTimestampMicros, time.Time{}, time.Time{}.UnixMicro()},
	}
	for _, tc := range tests {
		if want := codec.AppendLong(nil, tc.value); !bytes.Equal(tc.enc, want) {
			t.Errorf("%s: encoded % x, want % x (%d)", tc.name, tc.enc, want, tc.value)
		}
		r := codec.NewReader(tc.enc)
		got := tc.read(&r)
		if err := r.Finish("T"); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got != tc.want || got.Location() != time.UTC {
			t.Errorf("%s: decoded %v (%v), want %v", tc.name, got, got.Location(), tc.want)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestTimeOfDay(t *testing.T) {
	d := 13*time.Hour + 5*time.Minute + 7*time.Second + 123456*time.Microsecond + 789
	b, err := codec.AppendTimeMillis(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	b = codec.AppendTimeMicros(b, d)
	r := codec.NewReader(b)
	if got := r.ReadTimeMillis(); got != d.Truncate(time.Millisecond) {
		t.Errorf("time-millis = %v", got)
	}
	if got := r.ReadTimeMicros(); got != d.Truncate(time.Microsecond) {
		t.Errorf("time-micros = %v", got)
	}
	if err := r.Finish("T"); err != nil {
		t.Fatal(err)
	}
}

func TestLogicalRangeErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"time-millis", second(codec.AppendTimeMillis(nil, 1000*time.Hour)), "avro: encoding time-millis: 1000h0m0s overflows an int of milliseconds"},
		{"date", second(codec.AppendDate(nil, time.Date(9000000, 1, 1, 0, 0, 0, 0, time.UTC))), "avro: encoding date:"},
		{"timestamp-nanos", second(codec.AppendTimestampNanos(nil, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC))), "outside the int64 nanosecond range"},
		{"local-timestamp-nanos", second(codec.AppendLocalTimestampNanos(nil, time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC))), "outside the int64 nanosecond range"},
	}
	for _, tc := range tests {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	r := codec.NewReader(codec.AppendLong(nil, 1<<62))
	r.ReadTimeMicros()
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "overflow time.Duration") {
		t.Errorf("time-micros overflow: %v", err)
	}
}

func second(_ []byte, err error) error { return err }

func TestDuration(t *testing.T) {
	d := codec.Duration{Months: 14, Days: 3, Millis: 4*3600*1000 + 5}
	b := codec.AppendDuration(nil, d)
	want := []byte{14, 0, 0, 0, 3, 0, 0, 0, 0x05, 0xba, 0xdb, 0x00}
	if !bytes.Equal(b, want) {
		t.Errorf("AppendDuration = % x, want % x", b, want)
	}
	r := codec.NewReader(b)
	if got := r.ReadDuration(); got != d || r.Finish("D") != nil {
		t.Errorf("ReadDuration = %v", got)
	}
	if s := d.String(); s != "P14M3DT14400.005S" {
		t.Errorf("String = %q", s)
	}
	r = codec.NewReader(b[:11])
	r.ReadDuration()
	if r.Err() == nil {
		t.Error("truncated duration accepted")
	}
}

// The ends of the int64 nanosecond range are written, one past them is an
// error, for both nanosecond timestamp types.
func TestTimestampNanosRangeEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		ok   bool
	}{
		{"min", time.Unix(0, math.MinInt64), true},
		{"max", time.Unix(0, math.MaxInt64), true},
		{"before min", time.Unix(0, math.MinInt64).Add(-1), false},
		{"after max", time.Unix(0, math.MaxInt64).Add(1), false},
	} {
		for _, enc := range []struct {
			kind string
			fn   func([]byte, time.Time) ([]byte, error)
			read func(r *codec.Reader) time.Time
		}{
			{"timestamp-nanos", codec.AppendTimestampNanos, (*codec.Reader).ReadTimestampNanos},
			{"local-timestamp-nanos", codec.AppendLocalTimestampNanos, (*codec.Reader).ReadLocalTimestampNanos},
		} {
			b, err := enc.fn(nil, tc.t.UTC())
			if (err == nil) != tc.ok {
				t.Errorf("%s %s: err %v, want ok %v", enc.kind, tc.name, err, tc.ok)
				continue
			}
			if !tc.ok {
				continue
			}
			r := codec.NewReader(b)
			if back := enc.read(&r); !back.Equal(tc.t) || r.Finish("T") != nil {
				t.Errorf("%s %s: read back %s", enc.kind, tc.name, back)
			}
		}
	}
}
