package runtime

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// PipelineOption configures a generated pipeline: pass them to its
// NewPipeline (and, in tests, to its NewTestDriver through
// WithPipelineOptions).
type PipelineOption func(*PipelineOptions)

// PipelineOptions is what a list of PipelineOption adds up to. Generated
// code reads it; users build it with the With* functions.
type PipelineOptions struct {
	// Name overrides the pipeline name of the spec (the consumer group and
	// transactional id prefix).
	Name string
	// Framings are the Avro framings by format (FormatAvro,
	// FormatAvroConfluent, FormatAvroSingleObject).
	Framings map[string]AvroFraming
	// Topics override the topics of sources, by source name; a source read
	// with a topic_pattern reads these topics instead of matching.
	Topics map[string][]string
	// CommitInterval, when positive, overrides the spec's commit interval.
	CommitInterval time.Duration
	// CommitMaxRecords, when not nil, overrides the spec's
	// commit.max_records.
	CommitMaxRecords *int
}

// ApplyPipelineOptions applies opts in order to empty options.
func ApplyPipelineOptions(opts ...PipelineOption) PipelineOptions {
	var o PipelineOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// Framing returns the framing given for format, or nil.
func (o *PipelineOptions) Framing(format string) AvroFraming { return o.Framings[format] }

// WithName overrides the pipeline name (for example to run a copy of a
// pipeline under another consumer group).
func WithName(name string) PipelineOption {
	return func(o *PipelineOptions) { o.Name = name }
}

// WithFraming sets how records of an Avro format are framed:
// FormatAvroConfluent needs one (the kafka package's Schema Registry
// framing); FormatAvro and FormatAvroSingleObject have defaults
// (RawAvroFraming, and a SingleObjectFraming over the pipeline's record
// types).
func WithFraming(format string, f AvroFraming) PipelineOption {
	return func(o *PipelineOptions) {
		if o.Framings == nil {
			o.Framings = map[string]AvroFraming{}
		}
		o.Framings[format] = f
	}
}

// WithTopics makes the source named source read topics instead of what the
// spec says (a topic list or a topic_pattern).
func WithTopics(source string, topics ...string) PipelineOption {
	return func(o *PipelineOptions) {
		if o.Topics == nil {
			o.Topics = map[string][]string{}
		}
		o.Topics[source] = append([]string(nil), topics...)
	}
}

// WithCommitInterval overrides the spec's commit interval.
func WithCommitInterval(d time.Duration) PipelineOption {
	return func(o *PipelineOptions) { o.CommitInterval = d }
}

// WithCommitMaxRecords overrides the spec's commit.max_records (0: no
// limit).
func WithCommitMaxRecords(n int) PipelineOption {
	return func(o *PipelineOptions) { o.CommitMaxRecords = &n }
}

// Validate reports options that name something the pipeline does not
// have: a WithTopics source not in sources, or a WithFraming format that
// is not one of the Avro formats (a typo would otherwise go unnoticed).
func (o *PipelineOptions) Validate(sources ...string) error {
	var unknown []string
	for name := range o.Topics {
		if !slices.Contains(sources, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("runtime: WithTopics names %s, not a source of the pipeline (sources: %s)", strings.Join(unknown, ", "), strings.Join(sources, ", "))
	}
	for format := range o.Framings {
		switch format {
		case FormatAvro, FormatAvroConfluent, FormatAvroSingleObject:
		default:
			unknown = append(unknown, format)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("runtime: WithFraming names format %s; the Avro formats are %s, %s and %s", strings.Join(unknown, ", "), FormatAvro, FormatAvroConfluent, FormatAvroSingleObject)
	}
	return nil
}
