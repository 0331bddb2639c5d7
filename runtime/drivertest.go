package runtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds what generated typed test drivers share: their options,
// the typed output record, and the golden-file fixture runner.

// Output is one record a sink wrote, decoded with the sink's formats: what
// a generated test driver's Read<Sink> methods return.
type Output[K, V any] struct {
	Key       K
	Value     V
	Timestamp time.Time
	Headers   []Header
}

// NoKey is the key type of sinks whose key format is none.
type NoKey struct{}

// DriverOption configures a generated test driver (NewTestDriver).
type DriverOption func(*DriverOptions)

// DriverOptions is what a list of DriverOption adds up to.
type DriverOptions struct {
	// Partitions is the number of input partitions, hence tasks (default 1).
	Partitions int32
	// StartTime is the initial processing time (default the Unix epoch).
	StartTime time.Time
	// ManualCommit keeps outputs and state pending until Commit (Abort
	// drops them); by default the driver commits after every operation.
	ManualCommit bool
	// Store sizes pebble (small defaults, see DriverConfig).
	Store StoreOptions
	// Pipeline are the options passed to the generated NewPipeline.
	Pipeline []PipelineOption
}

// ApplyDriverOptions applies opts in order to empty options.
func ApplyDriverOptions(opts ...DriverOption) DriverOptions {
	var o DriverOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithPartitions runs the test driver with n input partitions (tasks);
// records go to the partition their key hashes to, as Kafka's default
// partitioner sends them.
func WithPartitions(n int32) DriverOption {
	return func(o *DriverOptions) { o.Partitions = n }
}

// WithStartTime sets the test driver's initial processing time.
func WithStartTime(t time.Time) DriverOption {
	return func(o *DriverOptions) { o.StartTime = t }
}

// WithManualCommit makes the test driver commit only when told to.
func WithManualCommit() DriverOption {
	return func(o *DriverOptions) { o.ManualCommit = true }
}

// WithStoreOptions sizes the test driver's pebble store.
func WithStoreOptions(s StoreOptions) DriverOption {
	return func(o *DriverOptions) { o.Store = s }
}

// WithPipelineOptions passes opts to the pipeline the test driver builds.
func WithPipelineOptions(opts ...PipelineOption) DriverOption {
	return func(o *DriverOptions) { o.Pipeline = append(o.Pipeline, opts...) }
}

// TB is the part of testing.TB the fixture runner uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// GoldenSource pipes one fixture record into a source: key and value are
// the raw JSON of the fixture's "key" and "value" (nil when absent or
// null), ts its "ts".
type GoldenSource func(key, value json.RawMessage, ts time.Time) error

// GoldenRecord is one output record as a golden file shows it.
type GoldenRecord struct {
	// Key is the key as JSON; nil writes no key.
	Key json.RawMessage
	// Value is the value as JSON.
	Value json.RawMessage
	// Timestamp is the record's event time (ms).
	Timestamp int64
	// Error is the error of a dead-lettered record.
	Error string
}

// GoldenOutput reads what one sink, side output or dead-letter topic
// produced since it was last read.
type GoldenOutput struct {
	Name string
	Read func() ([]GoldenRecord, error)
}

// GoldenHarness is what a generated test driver hands RunGolden: how to
// feed each source, move time, and read each output.
type GoldenHarness struct {
	Sources               map[string]GoldenSource
	AdvanceWatermark      func(time.Time) error
	AdvanceProcessingTime func(time.Duration) error
	// Outputs are read in order, so the golden file is laid out in it.
	Outputs []GoldenOutput
}

// RunGolden feeds the fixture file inputsPath to h, renders every output,
// and compares the result with goldenPath; with update it rewrites
// goldenPath instead.
//
// The fixture file holds JSON lines (blank lines and lines starting with #
// are skipped), each one of:
//
//	{"source": "clicks", "key": ..., "ts": "2026-01-02T15:04:05Z", "value": ...}
//	{"advance_watermark": "2026-01-02T15:05:00Z"}
//	{"advance_processing_time": "1m"}
//
// A value (and a key) is the Avro JSON encoding for Avro types, the JSON
// document for JSON Schema types, and the encoding/json form for
// builtins (a string, a number, base64 for bytes). The golden file holds
// one JSON line per output record, outputs in harness order, each
// {"output": name, "ts": RFC 3339, "key": ..., "value": ...} with object
// keys sorted, so it is deterministic.
func RunGolden(t TB, h GoldenHarness, inputsPath, goldenPath string, update bool) {
	t.Helper()
	if err := PipeFixtures(h, inputsPath); err != nil {
		t.Fatalf("%v", err)
		return
	}
	got, err := RenderGolden(h)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	if update {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatalf("%v", err)
			return
		}
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatalf("%v", err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("golden file %s does not exist; run the test with its update flag to write it", goldenPath)
		return
	}
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("outputs differ from %s (run the test with its update flag to accept them):\n%s", goldenPath, lineDiff(string(want), string(got)))
	}
}

type fixtureLine struct {
	Source                *string         `json:"source"`
	Key                   json.RawMessage `json:"key"`
	Value                 json.RawMessage `json:"value"`
	TS                    *string         `json:"ts"`
	AdvanceWatermark      *string         `json:"advance_watermark"`
	AdvanceProcessingTime *string         `json:"advance_processing_time"`
}

// PipeFixtures feeds the fixture file at path to h (see RunGolden for its
// format). Errors name the file and line.
func PipeFixtures(h GoldenHarness, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if err := pipeFixture(h, line); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

func nullToNil(m json.RawMessage) json.RawMessage {
	if m == nil || string(m) == "null" {
		return nil
	}
	return m
}

func pipeFixture(h GoldenHarness, line []byte) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var f fixtureLine
	if err := dec.Decode(&f); err != nil {
		return err
	}
	kinds := 0
	for _, set := range []bool{f.Source != nil, f.AdvanceWatermark != nil, f.AdvanceProcessingTime != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return errors.New(`a fixture line needs exactly one of "source", "advance_watermark" and "advance_processing_time"`)
	}
	switch {
	case f.AdvanceWatermark != nil:
		ts, err := time.Parse(time.RFC3339Nano, *f.AdvanceWatermark)
		if err != nil {
			return fmt.Errorf("advance_watermark: %w", err)
		}
		return h.AdvanceWatermark(ts)
	case f.AdvanceProcessingTime != nil:
		d, err := time.ParseDuration(*f.AdvanceProcessingTime)
		if err != nil {
			return fmt.Errorf("advance_processing_time: %w", err)
		}
		if d < 0 {
			return fmt.Errorf("advance_processing_time: %s goes back in time", d)
		}
		return h.AdvanceProcessingTime(d)
	}
	src, ok := h.Sources[*f.Source]
	if !ok {
		names := make([]string, 0, len(h.Sources))
		for n := range h.Sources {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("unknown source %q (sources: %s)", *f.Source, strings.Join(names, ", "))
	}
	if f.TS == nil {
		return errors.New(`a source record needs "ts" (RFC 3339)`)
	}
	ts, err := time.Parse(time.RFC3339Nano, *f.TS)
	if err != nil {
		return fmt.Errorf("ts: %w", err)
	}
	if nullToNil(f.Value) == nil {
		return errors.New(`a source record needs a "value"`)
	}
	if err := src(nullToNil(f.Key), f.Value, ts); err != nil {
		return fmt.Errorf("source %s: %w", *f.Source, err)
	}
	return nil
}

// RenderGolden reads every output of h and renders the golden file.
func RenderGolden(h GoldenHarness) ([]byte, error) {
	var b bytes.Buffer
	for _, out := range h.Outputs {
		recs, err := out.Read()
		if err != nil {
			return nil, fmt.Errorf("reading output %s: %w", out.Name, err)
		}
		for _, r := range recs {
			if err := renderGoldenLine(&b, out.Name, r); err != nil {
				return nil, fmt.Errorf("rendering output %s: %w", out.Name, err)
			}
		}
	}
	return b.Bytes(), nil
}

func renderGoldenLine(b *bytes.Buffer, name string, r GoldenRecord) error {
	b.WriteString(`{"output":`)
	if err := writeCanonicalJSON(b, mustJSON(name)); err != nil {
		return err
	}
	b.WriteString(`,"ts":`)
	if err := writeCanonicalJSON(b, mustJSON(time.UnixMilli(r.Timestamp).UTC().Format(time.RFC3339Nano))); err != nil {
		return err
	}
	if r.Key != nil {
		b.WriteString(`,"key":`)
		if err := writeCanonicalJSON(b, r.Key); err != nil {
			return fmt.Errorf("key: %w", err)
		}
	}
	b.WriteString(`,"value":`)
	if err := writeCanonicalJSON(b, r.Value); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	if r.Error != "" {
		b.WriteString(`,"error":`)
		if err := writeCanonicalJSON(b, mustJSON(r.Error)); err != nil {
			return err
		}
	}
	b.WriteString("}\n")
	return nil
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// writeCanonicalJSON writes raw with object keys sorted, no insignificant
// space, numbers as written and no HTML escaping.
func writeCanonicalJSON(b *bytes.Buffer, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value %.40q", raw)
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// GoldenBytes renders raw bytes for a golden file: a JSON string of the
// text when it is valid UTF-8, else of its base64 encoding prefixed with
// "base64:".
func GoldenBytes(raw []byte) json.RawMessage {
	if utf8.Valid(raw) {
		return mustJSON(string(raw))
	}
	b, _ := json.Marshal(raw)
	return mustJSON("base64:" + strings.Trim(string(b), `"`))
}

// lineDiff describes how got differs from want, line by line: every
// differing line with its number, at most 20.
func lineDiff(want, got string) string {
	w := strings.Split(want, "\n")
	g := strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			continue
		}
		shown++
		fmt.Fprintf(&b, "line %d:\n  want: %s\n   got: %s\n", i+1, wl, gl)
	}
	fmt.Fprintf(&b, "(%d lines expected, %d produced)", len(w)-1, len(g)-1)
	return b.String()
}
