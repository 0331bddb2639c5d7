package avro_logical

import (
	"reflect"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestLogicalRoundTrip(t *testing.T) {
	ts := time.Date(2023, 10, 5, 7, 8, 9, 123456789, time.UTC)
	for _, when := range []LogicalWhen{LogicalWhenString("soon"), LogicalWhenTimestampMillis(ts.Truncate(time.Millisecond))} {
		in := &Logical{
			Amount:       codec.MustParseDecimal("-1234567890.12"),
			Price:        codec.MustParseDecimal("99.9900"),
			AnyPrecision: codec.MustParseDecimal("3.14159265358979323846264338327950288419716939937510"),
			ID:           codec.NewRandomUUID(),
			RawID:        codec.NewRandomUUID(),
			Day:          time.Date(2023, 10, 5, 0, 0, 0, 0, time.UTC),
			TimeMs:       7*time.Hour + 8*time.Minute,
			TimeUs:       7*time.Hour + 8*time.Microsecond,
			TsMs:         ts.Truncate(time.Millisecond),
			TsUs:         ts.Truncate(time.Microsecond),
			TsNs:         ts,
			LocalMs:      ts.Truncate(time.Millisecond),
			LocalUs:      ts.Truncate(time.Microsecond),
			LocalNs:      ts,
			Period:       codec.Duration{Months: 1, Days: 15, Millis: 500},
			MaybeDay:     &time.Time{},
			When:         when,
			NotADecimal:  "12.5",
		}
		*in.MaybeDay = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)
		b, err := in.AppendAvro(nil)
		if err != nil {
			t.Fatal(err)
		}
		var out Logical
		if err := out.UnmarshalAvro(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, &out) {
			t.Errorf("round trip:\n in %+v\nout %+v", in, &out)
		}
		js, err := in.MarshalAvroJSON()
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON Logical
		if err := fromJSON.UnmarshalAvroJSON(js); err != nil {
			t.Fatalf("UnmarshalAvroJSON(%s): %v", js, err)
		}
		if !reflect.DeepEqual(in, &fromJSON) {
			t.Errorf("JSON round trip:\n in %+v\nout %+v", in, &fromJSON)
		}
	}
}
