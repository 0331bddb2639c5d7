//go:build unix

package clickstream

import (
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime/codec"
)

// BenchmarkClickCodec measures the generated codec of the Click record
// alone, on a click shaped like the pipeline benchmarks' (a UUID event id,
// short strings, one tag, one attribute), and reports cpu-ns/op (process
// CPU time per operation) besides the wall-clock ns/op:
//
//	go test ./examples/clickstream -run '^$' -bench ClickCodec -benchmem -count 5 -cpu 1
func BenchmarkClickCodec(b *testing.B) {
	ref := "https://www.example.com/blog/page-3"
	c := Click{
		EventID:    codec.MustParseUUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8"),
		UserID:     "user-0001234",
		SessionID:  "s-user-0001234",
		Ts:         time.Date(2026, 1, 2, 10, 11, 12, 345e6, time.UTC),
		Kind:       ClickKindPageView,
		URL:        "https://www.example.com/docs/page-7",
		Referrer:   &ref,
		DurationMs: 12345,
		Tags:       []string{"web"},
		Attrs:      map[string]string{"ua": "Mozilla/5.0"},
	}
	data, err := c.AppendAvro(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		start := processCPU(b)
		for b.Loop() {
			var got Click
			if err := got.UnmarshalAvro(data); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		start := processCPU(b)
		for b.Loop() {
			if buf, err = c.AppendAvro(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
	})
}
