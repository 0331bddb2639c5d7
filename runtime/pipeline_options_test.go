package runtime

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPipelineOptions(t *testing.T) {
	raw := RawAvroFraming{}
	topics := []string{"a", "b"}
	o := ApplyPipelineOptions(
		WithName("first"),
		WithName("second"),
		nil,
		WithFraming(FormatAvro, raw),
		WithTopics("src", topics...),
		WithCommitInterval(time.Second),
		WithCommitMaxRecords(0),
	)
	topics[0] = "changed"
	if o.Name != "second" || o.Framing(FormatAvro) != AvroFraming(raw) || o.Framing(FormatAvroConfluent) != nil ||
		!reflect.DeepEqual(o.Topics["src"], []string{"a", "b"}) || o.CommitInterval != time.Second ||
		o.CommitMaxRecords == nil || *o.CommitMaxRecords != 0 {
		t.Fatalf("options %+v", o)
	}
	if err := o.Validate("src", "other"); err != nil {
		t.Fatal(err)
	}
	if o := ApplyPipelineOptions(); o.CommitMaxRecords != nil || o.Framing(FormatAvro) != nil {
		t.Fatalf("empty options %+v", o)
	}
	tests := []struct {
		opts []PipelineOption
		want string
	}{
		{[]PipelineOption{WithTopics("nope", "x"), WithTopics("also", "y")}, "WithTopics names also, nope, not a source of the pipeline (sources: src)"},
		{[]PipelineOption{WithFraming("avro-confluant", raw)}, "WithFraming names format avro-confluant"},
	}
	for _, tc := range tests {
		o := ApplyPipelineOptions(tc.opts...)
		if err := o.Validate("src"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate: %v, want %q", err, tc.want)
		}
	}
}

func TestDriverOptions(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := ApplyDriverOptions(WithPartitions(4), WithStartTime(start), WithManualCommit(),
		WithStoreOptions(StoreOptions{CacheEntries: 10}), WithPipelineOptions(WithName("a")), WithPipelineOptions(WithName("b")), nil)
	if o.Partitions != 4 || !o.StartTime.Equal(start) || !o.ManualCommit || o.Store.CacheEntries != 10 || len(o.Pipeline) != 2 {
		t.Fatalf("driver options %+v", o)
	}
	if p := ApplyPipelineOptions(o.Pipeline...); p.Name != "b" {
		t.Fatalf("pipeline options passed through: %+v", p)
	}
}
