package bench_test

import (
	"testing"
	"time"

	hamba "github.com/hamba/avro/v2"
	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/bench"
	"github.com/streamgen/streamgen/bench/clickevent"
	"github.com/streamgen/streamgen/internal/avrorand"
)

// The one click event every benchmark encodes and decodes.
var (
	clickTime     = time.Date(2026, 9, 18, 12, 34, 56, 789e6, time.UTC)
	clickReferrer = "https://www.example.org/search?q=running+shoes"
	clickTags     = []string{"mobile", "checkout", "ab-test-42"}
	clickAttrs    = map[string]string{"browser": "firefox", "os": "linux", "country": "DE"}
)

const (
	clickEventID   = "8c1d9b0e-5d7a-4f0e-9a43-1b6f3f0c2d11"
	clickUserID    = "user-0001234567"
	clickURL       = "https://shop.example.com/products/1234567?ref=home&utm_source=newsletter"
	clickDuration  = int64(4321)
	clickSessionID = "sess-5f2a9c77"
)

// hambaClick is the struct hamba/avro reads and writes by reflection.
type hambaClick struct {
	EventID    string            `avro:"event_id"`
	UserID     string            `avro:"user_id"`
	URL        string            `avro:"url"`
	Referrer   *string           `avro:"referrer"`
	TS         time.Time         `avro:"ts"`
	DurationMS int64             `avro:"duration_ms"`
	SessionID  string            `avro:"session_id"`
	Tags       []string          `avro:"tags"`
	Attrs      map[string]string `avro:"attrs"`
	IsBot      bool              `avro:"is_bot"`
}

func newHambaClick() hambaClick {
	ref := clickReferrer
	return hambaClick{
		EventID: clickEventID, UserID: clickUserID, URL: clickURL, Referrer: &ref,
		TS: clickTime, DurationMS: clickDuration, SessionID: clickSessionID,
		Tags: clickTags, Attrs: clickAttrs,
	}
}

func newStreamgenClick() clickevent.ClickEvent {
	ref := clickReferrer
	return clickevent.ClickEvent{
		EventID: clickEventID, UserID: clickUserID, URL: clickURL, Referrer: &ref,
		Ts: clickTime, DurationMs: clickDuration, SessionID: clickSessionID,
		Tags: clickTags, Attrs: clickAttrs,
	}
}

func goavroClick() map[string]any {
	tags := make([]any, len(clickTags))
	for i, t := range clickTags {
		tags[i] = t
	}
	attrs := make(map[string]any, len(clickAttrs))
	for k, v := range clickAttrs {
		attrs[k] = v
	}
	return map[string]any{
		"event_id": clickEventID, "user_id": clickUserID, "url": clickURL,
		"referrer": goavro.Union("string", clickReferrer),
		"ts":       clickTime, "duration_ms": clickDuration, "session_id": clickSessionID,
		"tags": tags, "attrs": attrs, "is_bot": false,
	}
}

func goavroCodec(tb testing.TB) *goavro.Codec {
	c, err := goavro.NewCodec(bench.ClickEventSchema)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func hambaSchema(tb testing.TB) hamba.Schema {
	s, err := hamba.Parse(bench.ClickEventSchema)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// encoded returns the click event encoded by goavro: the input of every
// decode benchmark.
func encoded(tb testing.TB) []byte {
	b, err := goavroCodec(tb).BinaryFromNative(nil, goavroClick())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// cpuMeter reports, besides the wall-clock ns/op of the benchmark, the
// process CPU time per operation (cpu-ns/op, garbage collection on other
// threads included): on a shared machine wall time also counts the time
// spent waiting for a core, CPU time does not.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
	ok    bool
}

func startCPU(b *testing.B) cpuMeter {
	b.ReportAllocs()
	start, ok := processCPU()
	return cpuMeter{b: b, start: start, ok: ok}
}

// stop reports cpu-ns/op; call it after the b.Loop loop.
func (m cpuMeter) stop() {
	end, ok := processCPU()
	if m.ok && ok && m.b.N > 0 {
		m.b.ReportMetric(float64(end-m.start)/float64(m.b.N), "cpu-ns/op")
	}
}

func BenchmarkEncode_goavro(b *testing.B) {
	c := goavroCodec(b)
	v := goavroClick()
	buf := make([]byte, 0, 512)
	cpu := startCPU(b)
	for b.Loop() {
		var err error
		if buf, err = c.BinaryFromNative(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
}

func BenchmarkEncode_hamba(b *testing.B) {
	s := hambaSchema(b)
	v := newHambaClick()
	w := hamba.NewWriter(nil, 512)
	cpu := startCPU(b)
	for b.Loop() {
		w.Reset(nil)
		w.WriteVal(s, &v)
		if w.Error != nil {
			b.Fatal(w.Error)
		}
	}
	cpu.stop()
}

func BenchmarkDecode_goavro(b *testing.B) {
	c := goavroCodec(b)
	data := encoded(b)
	cpu := startCPU(b)
	for b.Loop() {
		if _, _, err := c.NativeFromBinary(data); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
}

func BenchmarkDecode_hamba(b *testing.B) {
	s := hambaSchema(b)
	data := encoded(b)
	r := hamba.NewReader(nil, 0)
	var v hambaClick
	cpu := startCPU(b)
	for b.Loop() {
		v = hambaClick{}
		r.Reset(data)
		r.ReadVal(s, &v)
		if r.Error != nil {
			b.Fatal(r.Error)
		}
	}
	cpu.stop()
}

func BenchmarkEncode_streamgen(b *testing.B) {
	v := newStreamgenClick()
	buf := make([]byte, 0, 512)
	cpu := startCPU(b)
	for b.Loop() {
		var err error
		if buf, err = v.AppendAvro(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
}

func BenchmarkDecode_streamgen(b *testing.B) {
	data := encoded(b)
	var v clickevent.ClickEvent
	cpu := startCPU(b)
	for b.Loop() {
		v = clickevent.ClickEvent{}
		if err := v.UnmarshalAvro(data); err != nil {
			b.Fatal(err)
		}
	}
	cpu.stop()
}

// All three codecs do the same work: each one's encoding means the same
// click event to goavro, and each decodes goavro's encoding to it.
func TestCodecsAgree(t *testing.T) {
	c := goavroCodec(t)
	want := goavroClick()
	data := encoded(t)

	sg := newStreamgenClick()
	sgBytes, err := sg.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := hamba.NewWriter(nil, 512)
	h := newHambaClick()
	w.WriteVal(hambaSchema(t), &h)
	if w.Error != nil {
		t.Fatal(w.Error)
	}
	for name, enc := range map[string][]byte{"streamgen": sgBytes, "hamba": w.Buffer()} {
		got, rest, err := c.NativeFromBinary(enc)
		if err != nil || len(rest) != 0 {
			t.Fatalf("%s: goavro cannot read its encoding: %v", name, err)
		}
		if d := avrorand.Diff(want, got); d != "" {
			t.Errorf("%s encodes another value: %s", name, d)
		}
	}
	// hamba writes each array and map block with its byte size (valid
	// Avro, two bytes more here); streamgen writes what goavro writes.
	if len(sgBytes) != len(data) {
		t.Errorf("streamgen wrote %d bytes, goavro %d", len(sgBytes), len(data))
	}

	var sgBack clickevent.ClickEvent
	if err := sgBack.UnmarshalAvro(data); err != nil {
		t.Fatal(err)
	}
	var hBack hambaClick
	r := hamba.NewReader(nil, 0)
	r.Reset(data)
	r.ReadVal(hambaSchema(t), &hBack)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	for name, back := range map[string]any{"streamgen": asGoavro(t, &sgBack), "hamba": asGoavro(t, &hBack)} {
		if d := avrorand.Diff(want, back); d != "" {
			t.Errorf("%s decodes another value: %s", name, d)
		}
	}
}

// asGoavro re-encodes a decoded struct with its own codec and reads it
// back with goavro, to compare decoders by value.
func asGoavro(t *testing.T, v any) any {
	t.Helper()
	var enc []byte
	switch x := v.(type) {
	case *clickevent.ClickEvent:
		var err error
		if enc, err = x.AppendAvro(nil); err != nil {
			t.Fatal(err)
		}
	case *hambaClick:
		w := hamba.NewWriter(nil, 512)
		w.WriteVal(hambaSchema(t), x)
		if w.Error != nil {
			t.Fatal(w.Error)
		}
		enc = w.Buffer()
	}
	got, _, err := goavroCodec(t).NativeFromBinary(enc)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
