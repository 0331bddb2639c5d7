package spec

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkedFull parses and checks testdata/full/streamgen.yaml.
func checkedFull(t *testing.T) *Spec {
	t.Helper()
	s, err := ParseFile(filepath.Join("testdata", "full", "streamgen.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(loadSet(t, s)); err != nil {
		t.Fatal(err)
	}
	return s
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestFullSpecTopLevel(t *testing.T) {
	s := checkedFull(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "full"))
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := filepath.Abs(filepath.Join("testdata", "schemas"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || s.Name != "clickstream" || s.Package != "clickstream" {
		t.Errorf("version, name, package = %d, %q, %q", s.Version, s.Name, s.Package)
	}
	if want := filepath.Join(dir, "gen"); s.Out != want {
		t.Errorf("Out = %q, want %q", s.Out, want)
	}
	wantSchemas := []string{filepath.Join(schemas, "click.avsc"), filepath.Join(schemas, "enriched.avsc"), filepath.Join(schemas, "views.avsc")}
	if !reflect.DeepEqual(s.Schemas, wantSchemas) {
		t.Errorf("Schemas = %q, want %q", s.Schemas, wantSchemas)
	}
	if s.Commit.Interval != 100*time.Millisecond || s.Commit.MaxRecords != 0 || s.MaxWatermarkDrift != 2*time.Minute {
		t.Errorf("Commit = %+v, MaxWatermarkDrift = %v", s.Commit, s.MaxWatermarkDrift)
	}
	var ops []string
	for _, op := range s.Operators {
		ops = append(ops, op.Name)
	}
	wantOps := []string{"bots_removed", "all_clicks", "by_user", "enriched", "words", "by_word", "word_counts", "views", "hourly", "quiet", "raw_sizes", "clicks_with_alert", "alerts_with_clicks"}
	if !reflect.DeepEqual(ops, wantOps) {
		t.Errorf("operator order = %q, want %q", ops, wantOps)
	}
}

func TestFullSpecStreams(t *testing.T) {
	s := checkedFull(t)
	want := []struct {
		name     string
		kind     StreamKind
		typ, key string
		producer string
		readers  string
	}{
		{"clicks", StreamSource, "com.acme.Click", "", "clicks", "bots_removed"},
		{"more_clicks", StreamSource, "com.acme.Click", "", "more_clicks", "all_clicks"},
		{"lines", StreamSource, "string", "", "lines", "words"},
		{"raw", StreamSource, "bytes", "", "raw", "raw_sizes"},
		{"bots_removed", StreamMain, "com.acme.Click", "", "bots_removed", "all_clicks"},
		{"all_clicks", StreamMain, "com.acme.Click", "", "all_clicks", "by_user enriched"},
		{"by_user", StreamMain, "com.acme.Click", "string", "by_user", "views hourly quiet clicks_with_alert alerts_with_clicks"},
		{"enriched", StreamMain, "com.acme.EnrichedClick", "", "enriched", "enriched_out"},
		{"words", StreamMain, "string", "", "words", "by_word"},
		{"by_word", StreamMain, "string", "string", "by_word", "word_counts"},
		{"word_counts", StreamMain, "string", "string", "word_counts", "word_counts_out"},
		{"views", StreamMain, "com.acme.UserViews", "string", "views", "views_out"},
		{"late_clicks", StreamLate, "com.acme.Click", "string", "views", ""},
		{"hourly", StreamMain, "bytes", "string", "hourly", "hourly_out"},
		{"quiet", StreamMain, "com.acme.Alert", "string", "quiet", "clicks_with_alert alerts_with_clicks alerts_out"},
		{"quiet.errors", StreamSide, "string", "string", "quiet", "errors_out"},
		{"raw_sizes", StreamMain, "bytes", "", "raw_sizes", "raw_out"},
		{"clicks_with_alert", StreamMain, "com.acme.EnrichedClick", "string", "clicks_with_alert", "joined_out"},
		{"alerts_with_clicks", StreamMain, "com.acme.Alert", "string", "alerts_with_clicks", "alert_clicks_out"},
	}
	got := s.Streams()
	if len(got) != len(want) {
		t.Fatalf("%d streams, want %d", len(got), len(want))
	}
	for i, w := range want {
		st := got[i]
		key := ""
		if st.Key != nil {
			key = st.Key.Name
		}
		if st.Name != w.name || st.Kind != w.kind || st.Type.Name != w.typ || key != w.key || st.Producer != w.producer || strings.Join(st.Readers, " ") != w.readers {
			t.Errorf("stream %d = {%s %s %s key %q by %s read by %q}, want %+v", i, st.Name, st.Kind, st.Type.Name, key, st.Producer, strings.Join(st.Readers, " "), w)
		}
		if st.Keyed() != (w.key != "") {
			t.Errorf("stream %s: Keyed() = %v", st.Name, st.Keyed())
		}
		if byName, ok := s.Stream(w.name); !ok || byName != st {
			t.Errorf("Stream(%q) does not return the listed stream", w.name)
		}
	}
	// Schema types resolve to the set's nodes; builtins carry no schema.
	if st, _ := s.Stream("views"); st.Type.Schema == nil || st.Type.Schema.Name.Full() != "com.acme.UserViews" || st.Type.Builtin != "" {
		t.Errorf("views type = %+v", st.Type)
	}
	if st, _ := s.Stream("words"); st.Type.Schema != nil || st.Type.Builtin != BuiltinString {
		t.Errorf("words type = %+v", st.Type)
	}
	// The by_user key comes from the user_id field: a plain string.
	if st, _ := s.Stream("by_user"); st.Key.Builtin != BuiltinString || st.Key.Schema == nil || st.Key.Schema.Kind != schema.String {
		t.Errorf("by_user key = %+v", st.Key)
	}
}

func TestFullSpecDetails(t *testing.T) {
	s := checkedFull(t)
	clicks, _ := s.Source("clicks")
	if !reflect.DeepEqual(clicks.Topics, []string{"clicks"}) || clicks.Key.Format != FormatString || clicks.Value.Format != FormatAvroConfluent {
		t.Errorf("clicks = %+v", clicks)
	}
	if clicks.Start.Mode != StartEarliest || clicks.EventTime.KafkaTimestamp || clicks.EventTime.Field.Path != "ts" || len(clicks.EventTime.Field.Fields) != 1 || clicks.EventTime.Field.Fields[0].Name != "ts" {
		t.Errorf("clicks start/event time = %+v %+v", clicks.Start, clicks.EventTime)
	}
	if clicks.Watermark.OutOfOrderness != 5*time.Second || clicks.Watermark.Idleness != time.Minute {
		t.Errorf("clicks watermark = %+v", clicks.Watermark)
	}
	if clicks.OnError != ErrorDeadLetter || clicks.DeadLetterTopic != "clicks-dlq" {
		t.Errorf("clicks errors = %q %q", clicks.OnError, clicks.DeadLetterTopic)
	}
	more, _ := s.Source("more_clicks")
	if more.TopicPattern != `clicks\..*` || more.Topics != nil || more.Key.Format != FormatNone || more.Start.Mode != StartCommitted || more.Start.Fallback != StartLatest {
		t.Errorf("more_clicks = %+v", more)
	}
	if f := more.EventTime.Field; len(f.Fields) != 2 || f.Fields[0].Name != "device" || f.Fields[1].Name != "seen" || f.Type.Name != "long(timestamp-micros)" {
		t.Errorf("more_clicks event time = %+v", f)
	}
	lines, _ := s.Source("lines")
	if lines.Start.Mode != StartTimestamp || !lines.Start.Timestamp.Equal(time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)) || !lines.EventTime.KafkaTimestamp || lines.EventTime.Field != nil {
		t.Errorf("lines = %+v", lines)
	}
	raw, _ := s.Source("raw")
	if raw.Start.Mode != StartOffsets || !reflect.DeepEqual(raw.Start.Offsets, []PartitionOffset{{0, 42}, {3, 7}}) || raw.OnError != ErrorStop || raw.Watermark.Idleness != 0 {
		t.Errorf("raw = %+v", raw)
	}

	views, _ := s.Operator("views")
	w := views.Window
	if views.Kind != KindWindow || w.Kind != WindowTumbling || w.Size != time.Minute || w.Offset != 0 || w.AllowedLateness != 30*time.Second || w.LateOutput != "late_clicks" || w.Emit != EmitOnClose || w.Func != WindowAggregate || w.Accumulator.Name != "com.acme.ViewAcc" || w.Output.Name != "com.acme.UserViews" || views.Out.Name != "views" {
		t.Errorf("views = %+v %+v", views, w)
	}
	hourly, _ := s.Operator("hourly")
	if w := hourly.Window; w.Kind != WindowSliding || w.Size != time.Hour || w.Slide != 10*time.Minute || w.Func != WindowProcess || w.Output.Builtin != BuiltinBytes {
		t.Errorf("hourly = %+v", w)
	}
	wc, _ := s.Operator("word_counts")
	if w := wc.Window; w.Kind != WindowSession || w.Gap != 30*time.Minute || w.Emit != EmitOnEnd || w.Func != WindowReduce || w.Output.Builtin != BuiltinString {
		t.Errorf("word_counts = %+v", w)
	}
	byWord, _ := s.Operator("by_word")
	if !byWord.KeyBy.IsValue() || byWord.KeyBy.Type.Builtin != BuiltinString {
		t.Errorf("by_word = %+v", byWord.KeyBy)
	}
	union, _ := s.Operator("all_clicks")
	if union.Kind != KindUnion || !reflect.DeepEqual(union.Inputs, []string{"bots_removed", "more_clicks"}) {
		t.Errorf("all_clicks = %+v", union)
	}
	rawSizes, _ := s.Operator("raw_sizes")
	if rawSizes.Kind != KindMap || rawSizes.Output.Builtin != BuiltinBytes {
		t.Errorf("raw_sizes output = %+v (map without output keeps the input type)", rawSizes.Output)
	}
	join, _ := s.Operator("clicks_with_alert")
	if j := join.Join; join.Kind != KindJoin || !reflect.DeepEqual(join.Inputs, []string{"by_user", "quiet"}) || j.Type != JoinLeft || j.TableTTL != 720*time.Hour || join.Output.Name != "com.acme.EnrichedClick" || join.Out.Key.Builtin != BuiltinString {
		t.Errorf("clicks_with_alert = %+v %+v", join, j)
	}
	if join.Join.Within != nil {
		t.Errorf("clicks_with_alert is a temporal join, but has within %+v", join.Join.Within)
	}
	ij, _ := s.Operator("alerts_with_clicks")
	if j := ij.Join; ij.Kind != KindJoin || !reflect.DeepEqual(ij.Inputs, []string{"quiet", "by_user"}) || j.Type != JoinInner || j.Within == nil || *j.Within != (JoinWithin{Before: 10 * time.Minute}) || j.TableTTL != 0 {
		t.Errorf("alerts_with_clicks = %+v %+v", ij, j)
	}
	quiet, _ := s.Operator("quiet")
	p := quiet.Process
	var states []string
	for _, st := range p.State {
		k := ""
		if st.Key != nil {
			k = st.Key.Name + "->"
		}
		states = append(states, fmt.Sprintf("%s:%s:%s%s:%s", st.Name, st.Kind, k, st.Value.Name, st.TTL))
	}
	wantStates := []string{"last_seen:value:int64:24h0m0s", "counts:map:string->int64:0s", "recent:list:com.acme.Click:0s", "total:reducing:int64:0s"}
	if !reflect.DeepEqual(states, wantStates) || !p.Timers || len(p.SideOutputs) != 1 || p.SideOutputs[0].Name != "errors" || quiet.Output.Name != "com.acme.Alert" {
		t.Errorf("quiet = %q %+v", states, p)
	}
	if recent := p.State[2].Value; recent.Schema == nil || recent.Schema.Kind != schema.Record {
		t.Errorf("recent state type not resolved: %+v", recent)
	}

	viewsOut, _ := s.Sink("views_out")
	if viewsOut.Stream.Name != "views" || viewsOut.Key.Field.Path != "user_id" || viewsOut.Key.Type.Builtin != BuiltinString || viewsOut.Value.Type.Name != "com.acme.v2.UserViews" || viewsOut.Partitioner != PartitionKeyHash || viewsOut.Delivery != DeliveryExactlyOnce {
		t.Errorf("views_out = %+v", viewsOut)
	}
	errorsOut, _ := s.Sink("errors_out")
	if errorsOut.Stream.Name != "quiet.errors" || errorsOut.Key.Format != FormatNone || errorsOut.Partitioner != PartitionFixed || errorsOut.Partition != 2 || errorsOut.Delivery != DeliveryNone {
		t.Errorf("errors_out = %+v", errorsOut)
	}
	enrichedOut, _ := s.Sink("enriched_out")
	if enrichedOut.Partitioner != PartitionRoundRobin || enrichedOut.Delivery != DeliveryAtLeastOnce || enrichedOut.Value.Format != FormatAvroSingleObject {
		t.Errorf("enriched_out = %+v", enrichedOut)
	}
	if pos := viewsOut.Pos.String(); pos != filepath.Join("testdata", "full", "streamgen.yaml")+":100:3" {
		t.Errorf("views_out at %s", pos)
	}
}

func TestGraphGolden(t *testing.T) {
	s := checkedFull(t)
	golden(t, "full/graph.mmd.golden", s.Mermaid())
	golden(t, "full/graph.dot.golden", s.DOT())
	// The same spec gives the same bytes.
	again := checkedFull(t)
	if again.Mermaid() != s.Mermaid() || again.DOT() != s.DOT() {
		t.Error("graph output is not deterministic")
	}
}

func TestCheckTwice(t *testing.T) {
	s := checkedFull(t)
	first := len(s.Streams())
	if err := s.Check(loadSet(t, s)); err != nil {
		t.Fatal(err)
	}
	if len(s.Streams()) != first {
		t.Errorf("second Check lists %d streams, first %d", len(s.Streams()), first)
	}
	for _, st := range s.Streams() {
		seen := map[string]bool{}
		for _, r := range st.Readers {
			if seen[r] {
				t.Errorf("stream %s lists reader %s twice after a second Check", st.Name, r)
			}
			seen[r] = true
		}
	}
}
