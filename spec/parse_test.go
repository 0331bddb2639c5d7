package spec

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/schema"
)

// parseErrors parses src as testdata/p.yaml and returns its error lines.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var list schema.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, not a schema.ErrorList: %v", err, err)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Error()
	}
	return out
}

func diffLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// head is the start of most test specs (3 lines).
const head = "version: 1\nname: t\nschemas: [schemas/*.avsc]\n"

var testFile = filepath.Join("testdata", "p.yaml")

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty", "", []string{
			"testdata/p.yaml:1:1: the spec is empty: it needs at least version, name and sources",
		}},
		{"unknown version", "version: 2\nname: t\nsources: {a: {topics: [a], value: {format: string}}}\n", []string{
			"testdata/p.yaml:1:10: version: unknown version 2: this streamgen reads version 1",
		}},
		{"unknown top key close", head + "sorces:\n  a: {topics: [a], value: {format: string}}\n", []string{
			"testdata/p.yaml:1:1: missing sources: at least one source",
			"testdata/p.yaml:4:1: sorces: unknown key \"sorces\" (did you mean \"sources\"?)",
		}},
		{"unknown key far", head + "colour: red\nsources:\n  a: {topics: [a], value: {format: string}}\n", []string{
			"testdata/p.yaml:4:1: colour: unknown key \"colour\" (known keys: version, name, package, out, schemas, sources, operators, sinks, commit, watermark_alignment)",
		}},
		{"unknown key in source", head + "sources:\n  a: {topic: [a], value: {format: string}}\n", []string{
			"testdata/p.yaml:5:3: sources.a: missing topics or topic_pattern: a source reads a list of topics or the topics matching a pattern",
			"testdata/p.yaml:5:7: sources.a.topic: unknown key \"topic\" (did you mean \"topics\"?)",
		}},
		{"missing required", "version: 1\nsources:\n  a: {topics: [a]}\n", []string{
			"testdata/p.yaml:1:1: missing name: the pipeline name",
			"testdata/p.yaml:3:3: sources.a: missing value: how record values are decoded, e.g. {format: avro, type: com.acme.Click}",
		}},
		{"bad names", "version: 1\nname: Click_Stream\npackage: type\nsources:\n  A: {topics: [a], value: {format: string}}\n", []string{
			"testdata/p.yaml:2:7: name: bad pipeline name \"Click_Stream\": want lower-case letters, digits and '-', starting with a letter",
			"testdata/p.yaml:3:10: package: bad Go package name \"type\": want a lower-case Go identifier that is not a keyword",
			"testdata/p.yaml:5:3: sources.A: bad source name \"A\": want lower-case letters, digits and underscores, starting with a letter",
		}},
		{"yaml syntax", "version: 1\nname: [t\n", []string{
			"testdata/p.yaml:2: invalid YAML: did not find expected ',' or ']'",
		}},
		{"not a mapping", "- a\n- b\n", []string{
			"testdata/p.yaml:1:1: want a mapping, got a list",
		}},
		{"duplicate key", head + "sources:\n  a: {topics: [a], value: {format: string}}\n  a: {topics: [b], value: {format: string}}\n", []string{
			"testdata/p.yaml:6:3: sources.a: duplicate key \"a\" (first at line 5)",
		}},
		{"topics and pattern", head + "sources:\n  a: {topics: [a], topic_pattern: 'a.*', value: {format: string}}\n  b: {value: {format: string}}\n", []string{
			"testdata/p.yaml:5:20: sources.a.topic_pattern: give either topics or topic_pattern, not both",
			"testdata/p.yaml:6:3: sources.b: missing topics or topic_pattern: a source reads a list of topics or the topics matching a pattern",
		}},
		{"bad topics", head + "sources:\n  a: {topics: ['bad topic', a, a, ''], value: {format: string}}\n", []string{
			"testdata/p.yaml:5:16: sources.a.topics[0]: bad topic name \"bad topic\": Kafka allows only letters, digits, '.', '_' and '-'",
			"testdata/p.yaml:5:32: sources.a.topics[2]: topic \"a\" is listed twice",
			"testdata/p.yaml:5:35: sources.a.topics[3]: must not be empty",
		}},
		{"pattern does not compile", head + "sources:\n  a: {topic_pattern: 'clicks((', value: {format: string}}\n", []string{
			"testdata/p.yaml:5:22: sources.a.topic_pattern: topic_pattern does not compile: error parsing regexp: missing closing ): `clicks((`",
		}},
		{"formats", head + "sources:\n  a: {topics: [a], key: {format: avor}, value: {format: avro}}\n  b: {topics: [b], key: {format: string, type: com.acme.Click}, value: {format: none}}\n", []string{
			"testdata/p.yaml:5:34: sources.a.key.format: unknown format \"avor\" (did you mean \"avro\"?)",
			"testdata/p.yaml:5:57: sources.a.value.format: format avro needs a type: the full name of a schema type",
			"testdata/p.yaml:6:48: sources.b.key.type: format string takes no type (only the Avro formats and json do)",
			"testdata/p.yaml:6:81: sources.b.value.format: format none is only for keys: a value needs a format",
		}},
		{"dead letter without topic", head + "sources:\n  a: {topics: [a], value: {format: string}, on_error: dead-letter}\n  b: {topics: [b], value: {format: string}, dead_letter_topic: dlq}\n", []string{
			"testdata/p.yaml:5:55: sources.a.on_error: dead-letter needs dead_letter_topic: the topic that records which cannot be decoded go to",
			"testdata/p.yaml:6:45: sources.b.dead_letter_topic: dead_letter_topic is only used with on_error: dead-letter",
		}},
		{"start", head + "sources:\n  a: {topics: [a], value: {format: string}, start: earlist}\n  b: {topics: [b], value: {format: string}, start: {timestamp: yesterday}}\n  c: {topics: [c], value: {format: string}, start: {offsets: {x: 1, '2': -1}}}\n  d: {topics: [d], value: {format: string}, start: {committed: {fallback: committed}}}\n", []string{
			"testdata/p.yaml:5:52: sources.a.start: unknown start mode \"earlist\" (did you mean \"earliest\"?)",
			"testdata/p.yaml:6:64: sources.b.start.timestamp: bad timestamp \"yesterday\": want RFC 3339, such as 2026-01-02T15:04:05Z",
			"testdata/p.yaml:7:63: sources.c.start.offsets.x: bad partition \"x\": want a partition number (0, 1, ...)",
			"testdata/p.yaml:7:74: sources.c.start.offsets.2: must not be negative, got -1",
			"testdata/p.yaml:8:75: sources.d.start.committed.fallback: unknown fallback \"committed\" (want one of earliest, latest)",
		}},
		{"durations", head + "sources:\n  a:\n    topics: [a]\n    value: {format: string}\n    watermark: {out_of_orderness: -5s, idleness: 0s}\ncommit: {interval: 0s, max_records: -1}\nwatermark_alignment: {max_drift: 0s}\n", []string{
			"testdata/p.yaml:8:35: sources.a.watermark.out_of_orderness: duration -5s is negative",
			"testdata/p.yaml:8:50: sources.a.watermark.idleness: duration must be positive, got 0s",
			"testdata/p.yaml:9:20: commit.interval: duration must be positive, got 0s",
			"testdata/p.yaml:9:37: commit.max_records: must not be negative, got -1",
			"testdata/p.yaml:10:34: watermark_alignment.max_drift: duration must be positive, got 0s",
		}},
		{"event time", head + "sources:\n  a: {topics: [a], value: {format: string}, event_time: {field: ts, kafka_timestamp: true}}\n  b: {topics: [b], value: {format: string}, event_time: {kafka_timestamp: false}}\n  c: {topics: [c], value: {format: string}, event_time: {field: 'a..b'}}\n", []string{
			"testdata/p.yaml:5:45: sources.a.event_time: give either field or kafka_timestamp: true, not both",
			"testdata/p.yaml:6:45: sources.b.event_time: event_time needs a field or kafka_timestamp: true",
			"testdata/p.yaml:7:65: sources.c.event_time.field: bad field path \"a..b\": want field names joined by dots, such as user.id",
		}},
		{"operator kinds", head + "sources:\n  a: {topics: [a], value: {format: string}}\noperators:\n  x: {input: a, map: {}, filter: {}}\n  y: {input: a}\n  z: {filter: {}}\n  u: {input: a, union: [a]}\n", []string{
			"testdata/p.yaml:7:26: operators.x.filter: an operator has exactly one kind, but this one has both map and filter",
			"testdata/p.yaml:8:3: operators.y: missing the operator kind: give exactly one of key_by, map, filter, flat_map, window, process, union, join",
			"testdata/p.yaml:9:3: operators.z: missing input: the stream this operator reads",
			"testdata/p.yaml:10:7: operators.u.input: a union takes its inputs from the union list, not from input",
			"testdata/p.yaml:10:24: operators.u.union: a union needs at least two inputs",
		}},
		{"joins", head + "sources:\n  a: {topics: [a], value: {format: string}}\noperators:\n  j1: {input: a, join: {left: a, right: a, output: string}}\n  j2: {join: {left: a, type: outer, table_ttl: 0s}}\n  j3: {join: [a, a]}\n", []string{
			"testdata/p.yaml:7:8: operators.j1.input: a join takes its inputs from join.left and join.right, not from input",
			"testdata/p.yaml:7:41: operators.j1.join.right: a join needs two different streams, but left and right are both \"a\"",
			"testdata/p.yaml:8:14: operators.j2.join: missing right: the right stream",
			"testdata/p.yaml:8:14: operators.j2.join: missing output: the output type",
			"testdata/p.yaml:8:30: operators.j2.join.type: unknown join type \"outer\" (want one of inner, left)",
			"testdata/p.yaml:8:48: operators.j2.join.table_ttl: duration must be positive, got 0s",
			"testdata/p.yaml:9:14: operators.j3.join: want a mapping, got a list",
		}},
		{"interval joins", head + "sources:\n  a: {topics: [a], value: {format: string}}\n  b: {topics: [b], value: {format: string}}\noperators:\n  j1: {join: {left: a, right: b, output: string, within: -1m}}\n  j2: {join: {left: a, right: b, output: string, within: {before: 1m, later: 2m}}}\n  j3: {join: {left: a, right: b, output: string, within: 1m, table_ttl: 1h}}\n  j4: {join: {left: a, right: b, output: string, within: [1m]}}\n", []string{
			"testdata/p.yaml:8:58: operators.j1.join.within: duration -1m is negative",
			"testdata/p.yaml:9:71: operators.j2.join.within.later: unknown key \"later\" (did you mean \"after\"?)",
			"testdata/p.yaml:10:62: operators.j3.join.table_ttl: table_ttl applies to temporal joins; an interval join (within) keeps each record until the watermark passes its interval",
			"testdata/p.yaml:11:58: operators.j4.join.within: want a mapping, got a list",
		}},
		{"windows", head + "sources:\n  a: {topics: [a], value: {format: string}}\noperators:\n  w1:\n    input: a\n    window: {tumbling: 1x, reduce: {}}\n  w2:\n    input: a\n    window: {sliding: {size: 1m, slide: 5m}, reduce: {}}\n  w3:\n    input: a\n    window: {tumbling: 1m, session: {gap: 1m}, reduce: {}, process: {output: string}}\n  w4:\n    input: a\n    window: {session: {gap: 0s}, offset: 1s, aggregate: {output: string}}\n  w5:\n    input: a\n    window: {tumbling: 1m, offset: 2m, agregate: {}}\n", []string{
			"testdata/p.yaml:9:24: operators.w1.window.tumbling: bad duration \"1x\": want a Go duration such as 500ms, 30s, 5m or 1h30m",
			"testdata/p.yaml:12:41: operators.w2.window.sliding.slide: slide 5m is larger than size 1m: records between windows would be lost",
			"testdata/p.yaml:15:5: operators.w3.window: a window needs exactly one of tumbling: SIZE, sliding: {size, slide} or session: {gap}",
			"testdata/p.yaml:15:5: operators.w3.window: a window needs exactly one of aggregate: {accumulator, output}, reduce: {} or process: {output}",
			"testdata/p.yaml:18:29: operators.w4.window.session.gap: duration must be positive, got 0s",
			"testdata/p.yaml:18:34: operators.w4.window.offset: offset applies to tumbling and sliding windows, not sessions",
			"testdata/p.yaml:18:57: operators.w4.window.aggregate: missing accumulator: the accumulator type",
			"testdata/p.yaml:21:5: operators.w5.window: a window needs exactly one of aggregate: {accumulator, output}, reduce: {} or process: {output}",
			"testdata/p.yaml:21:36: operators.w5.window.offset: offset 2m must be smaller than the window size 1m",
			"testdata/p.yaml:21:40: operators.w5.window.agregate: unknown key \"agregate\" (did you mean \"aggregate\"?)",
		}},
		{"process", head + "sources:\n  a: {topics: [a], value: {format: string}}\noperators:\n  p:\n    input: a\n    process:\n      state:\n        s1: {value: int64, map: {key: string, value: string}}\n        s2: {map: {key: string}, ttl: 0s}\n        s3: {list: com..x}\n      timers: yes please\n      side_outputs: {Bad: string}\n", []string{
			"testdata/p.yaml:10:7: operators.p.process: missing output: the output type",
			"testdata/p.yaml:11:9: operators.p.process.state.s1: a state needs exactly one of value: TYPE, map: {key, value}, list: TYPE or reducing: TYPE",
			"testdata/p.yaml:12:19: operators.p.process.state.s2.map: missing value: the map value type",
			"testdata/p.yaml:12:39: operators.p.process.state.s2.ttl: duration must be positive, got 0s",
			"testdata/p.yaml:13:20: operators.p.process.state.s3.list: bad type name \"com..x\": want a schema full name such as com.acme.Click or a builtin (string, bytes, int32, int64, float32, float64, bool)",
			"testdata/p.yaml:14:15: operators.p.process.timers: want true or false, got the string \"yes please\"",
			"testdata/p.yaml:15:22: operators.p.process.side_outputs.Bad: bad side output name \"Bad\": want lower-case letters, digits and underscores, starting with a letter",
		}},
		{"sinks", head + "sources:\n  a: {topics: [a], value: {format: string}}\nsinks:\n  s1: {input: a, value: {format: string}, partition: 3, partitioner: hash}\n  s2: {input: a, topic: t, value: {format: string}, key: {format: none, field: x}, delivery: twice}\n", []string{
			"testdata/p.yaml:7:3: sinks.s1: missing topic: the topic to write",
			"testdata/p.yaml:7:43: sinks.s1.partition: partition is only used with partitioner: fixed",
			"testdata/p.yaml:7:70: sinks.s1.partitioner: unknown partitioner \"hash\" (want one of key-hash, round-robin, fixed)",
			"testdata/p.yaml:8:80: sinks.s2.key.field: a key of format none has no field",
			"testdata/p.yaml:8:94: sinks.s2.delivery: unknown delivery \"twice\" (want one of exactly-once, at-least-once, none)",
		}},
		{"schemas glob", "version: 1\nname: t\nschemas: [nothing/*.avsc, missing.avsc, full/streamgen.yaml]\nsources:\n  a: {topics: [a], value: {format: string}}\n", []string{
			"testdata/p.yaml:3:11: schemas[0]: \"nothing/*.avsc\" matches no file",
			"testdata/p.yaml:3:27: schemas[1]: schema file \"missing.avsc\" does not exist",
			"testdata/p.yaml:3:41: schemas[2]: full/streamgen.yaml is not a schema file: want .avsc (Avro) or .json (JSON Schema)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(testFile, []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			if s != nil {
				t.Errorf("Parse returned a spec with an error")
			}
			got := errorLines(t, err)
			if tt.want == nil {
				var b strings.Builder
				for _, g := range got {
					b.WriteString("\t\t\t" + strconv.Quote(g) + ",\n")
				}
				t.Logf("\n%s", b.String())
				t.Fail()
				return
			}
			diffLines(t, got, tt.want)
		})
	}
}
