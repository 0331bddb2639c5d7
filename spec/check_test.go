package spec

import (
	"strconv"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/schema"
)

// loadSet loads the schema files a parsed spec names.
func loadSet(t *testing.T, s *Spec) *schema.Schema {
	t.Helper()
	if len(s.Schemas) == 0 {
		return nil
	}
	set, err := schema.Load(s.Schemas...)
	if err != nil {
		t.Fatalf("loading %v: %v", s.Schemas, err)
	}
	return set
}

// src is a source of Click records on topic clicks.
const clickSource = "  clicks: {topics: [clicks], value: {format: avro, type: com.acme.Click}}\n"

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown types", head + "sources:\n  a: {topics: [a], value: {format: avro, type: com.acme.Clik}}\n  b: {topics: [b], value: {format: avro, type: Click}}\n  c: {topics: [c], value: {format: avro, type: org.Nothing}}\nsinks:\n  s: {input: a, topic: s, value: {format: string}}\n  s2: {input: b, topic: s, value: {format: string}}\n  s3: {input: c, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:5:48: sources.a.value.type: unknown type \"com.acme.Clik\" (did you mean com.acme.Click?)",
			"testdata/p.yaml:6:48: sources.b.value.type: unknown type \"Click\" (did you mean com.acme.Click?)",
			"testdata/p.yaml:7:48: sources.c.value.type: unknown type \"org.Nothing\"",
		}},
		{"object_reuse on values that are not Avro records", head + "sources:\n  lines: {topics: [lines], value: {format: string}, object_reuse: true}\n  ok: {topics: [ok], value: {format: avro, type: com.acme.Click}, object_reuse: true}\nsinks:\n  s: {input: lines, topic: s, value: {format: string}}\n  s2: {input: ok, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:5:67: sources.lines.object_reuse: object_reuse needs Avro record values, and this source reads format string: it reuses a decoded record's slices and maps",
		}},
		{"unknown key_by field", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: usr_id}\n  k2: {input: clicks, key_by: device.idd}\n  k3: {input: clicks, key_by: url.x}\nsinks:\n  s: {input: k, topic: s, value: {format: string}}\n  s2: {input: k2, topic: s, value: {format: string}}\n  s3: {input: k3, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:7:30: operators.k.key_by: unknown field \"usr_id\" in record com.acme.Click (did you mean user_id?)",
			"testdata/p.yaml:8:31: operators.k2.key_by: unknown field \"idd\" in record com.acme.Device (did you mean id?)",
			"testdata/p.yaml:9:31: operators.k3.key_by: field url has type string, which has no fields",
		}},
		{"unkeyable fields", head + "sources:\n" + clickSource + "  lines: {topics: [lines], value: {format: string}}\noperators:\n  k1: {input: clicks, key_by: score}\n  k2: {input: clicks, key_by: referrer}\n  k3: {input: clicks, key_by: device}\n  k4: {input: clicks, key_by: ts}\n  k5: {input: clicks, key_by: tags}\n  k6: {input: clicks, key_by: .}\n  ok: {input: lines, key_by: .}\n  ok2: {input: clicks, key_by: session}\n  ok3: {input: clicks, key_by: kind}\n  ok4: {input: clicks, key_by: device.id}\n  u: {union: [k1, k2, k3, k4, k5, k6]}\nsinks:\n  s: {input: u, topic: s, value: {format: avro, type: com.acme.Click}}\n  s2: {input: ok, topic: s, value: {format: string}}\n  s3: {input: ok2, topic: s, value: {format: avro, type: com.acme.Click}}\n  s4: {input: ok3, topic: s, value: {format: avro, type: com.acme.Click}}\n  s5: {input: ok4, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:8:31: operators.k1.key_by: field score has type double, which cannot be a key: floating-point numbers have no exact equality (0 and -0, NaN) (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:9:31: operators.k2.key_by: field referrer has type union<null,string>, which cannot be a key: it is nullable, and a null has no key to group by (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:10:31: operators.k3.key_by: field device has type record com.acme.Device, which cannot be a key: record is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:11:31: operators.k4.key_by: field ts has type long(timestamp-millis), which cannot be a key: logical type timestamp-millis is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:12:31: operators.k5.key_by: field tags has type array<string>, which cannot be a key: arrays are not key types (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:13:31: operators.k6.key_by: stream \"clicks\" carries record com.acme.Click, which cannot be a key: record is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
		}},
		{"event time fields", head + "sources:\n  a: {topics: [a], value: {format: avro, type: com.acme.Click}, event_time: {field: url}}\n  b: {topics: [b], value: {format: avro, type: com.acme.Click}, event_time: {field: local_ts}}\n  c: {topics: [c], value: {format: avro, type: com.acme.Click}, event_time: {field: referrer}}\n  d: {topics: [d], value: {format: avro, type: com.acme.Click}, event_time: {field: tss}}\n  e: {topics: [e], value: {format: string}, event_time: {field: ts}}\n  f: {topics: [f], value: {format: avro, type: com.acme.Click}, event_time: {field: device.seen}}\noperators:\n  u: {union: [a, b, c, d, f]}\nsinks:\n  s: {input: u, topic: s, value: {format: avro, type: com.acme.Click}}\n  s2: {input: e, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:5:85: sources.a.event_time.field: field url has type string, which is not a timestamp: event time needs a timestamp-millis, timestamp-micros, timestamp-nanos or date field (or a JSON string of format date-time)",
			"testdata/p.yaml:6:85: sources.b.event_time.field: field local_ts has type long(local-timestamp-millis), a local time with no time zone, which cannot be event time",
			"testdata/p.yaml:7:85: sources.c.event_time.field: field referrer is nullable: event time needs a timestamp on every record",
			"testdata/p.yaml:8:85: sources.d.event_time.field: unknown field \"tss\" in record com.acme.Click (did you mean ts?)",
			"testdata/p.yaml:9:65: sources.e.event_time.field: a field path needs a record, but stream \"e\" carries string",
		}},
		{"window and process on unkeyed", head + "sources:\n" + clickSource + "operators:\n  w: {input: clicks, window: {tumbling: 1m, reduce: {}}}\n  p: {input: clicks, process: {output: string}}\n  after: {input: w, process: {output: string}}\nsinks:\n  s: {input: after, topic: s, value: {format: string}}\n  s2: {input: p, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:7:14: operators.w.input: a window needs a keyed stream, but \"clicks\" is not keyed: put a key_by operator before it",
			"testdata/p.yaml:8:14: operators.p.input: a process function needs a keyed stream, but \"clicks\" is not keyed: put a key_by operator before it",
		}},
		{"sink value types", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: user_id}\n  v: {input: k, window: {tumbling: 1m, aggregate: {accumulator: com.acme.ViewAcc, output: com.acme.UserViews}}}\nsinks:\n  ok: {input: v, topic: s, value: {format: avro, type: com.acme.v2.UserViews}}\n  v3: {input: v, topic: s, value: {format: avro, type: com.acme.v3.UserViews}}\n  other: {input: clicks, topic: s, value: {format: avro, type: com.acme.EnrichedClick}}\n  str: {input: clicks, topic: s, value: {format: string}}\n  byt: {input: clicks, topic: s, value: {format: bytes}}\n  js: {input: clicks, topic: s, value: {format: json, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:11:56: sinks.v3.value: stream \"v\" carries record com.acme.UserViews, which com.acme.v3.UserViews cannot read: com.acme.v3.UserViews.fields(region): reader field has no default and writer lacks it",
			"testdata/p.yaml:12:64: sinks.other.value: stream \"clicks\" carries record com.acme.Click, which com.acme.EnrichedClick cannot read: com.acme.EnrichedClick: reader record com.acme.EnrichedClick cannot read writer record com.acme.Click: the names differ and no reader alias matches",
			"testdata/p.yaml:13:34: sinks.str.value: stream \"clicks\" carries record com.acme.Click, which format string cannot write: it writes string values",
			"testdata/p.yaml:14:34: sinks.byt.value: stream \"clicks\" carries record com.acme.Click, which format bytes cannot write: it writes bytes values",
			"testdata/p.yaml:15:61: sinks.js.value.type: format json needs a JSON Schema type, but com.acme.Click is an Avro type; use an Avro format",
		}},
		{"sink keys", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: count}\nsinks:\n  a: {input: clicks, topic: s, key: {format: string}, value: {format: avro, type: com.acme.Click}}\n  b: {input: clicks, topic: s, key: {format: string, field: count}, value: {format: avro, type: com.acme.Click}}\n  c: {input: clicks, topic: s, key: {format: string, field: nope}, value: {format: avro, type: com.acme.Click}}\n  d: {input: k, topic: s, key: {format: string}, value: {format: avro, type: com.acme.Click}}\n  e: {input: k, topic: s, key: {format: avro, type: com.acme.ClickKind, field: kind}, value: {format: avro, type: com.acme.Click}}\n  f: {input: k, topic: s, key: {format: avro, type: com.acme.Click, field: kind}, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:9:32: sinks.a.key: stream \"clicks\" is not keyed, so the key needs a field of the value (key: {format: string, field: ...}) or format none",
			"testdata/p.yaml:10:61: sinks.b.key.field: field count has type int, which format string cannot write: it writes string values",
			"testdata/p.yaml:11:61: sinks.c.key.field: unknown field \"nope\" in record com.acme.Click (fields: user_id, ts, url, session, kind, count, score, referrer, local_ts, device, tags)",
			"testdata/p.yaml:12:27: sinks.d.key: stream \"k\" is keyed by int32, which format string cannot write: it writes string values",
			"testdata/p.yaml:14:76: sinks.f.key.field: field kind has type enum com.acme.ClickKind, which com.acme.Click cannot read: com.acme.Click: reader type record com.acme.Click cannot read writer type enum com.acme.ClickKind",
		}},
		{"partitioned_by", head + "sources:\n  a: {topics: [a], value: {format: avro, type: com.acme.Click}, partitioned_by: usr_id}\n  b: {topics: [b], value: {format: avro, type: com.acme.Click}, partitioned_by: score}\n  c: {topics: [c], value: {format: avro, type: com.acme.Click}, partitioned_by: .}\n  d: {topics: [d], value: {format: avro, type: com.acme.Click}, partitioned_by: user_id}\noperators:\n  u: {union: [a, b, c]}\n  ka: {input: u, key_by: user_id}\n  kd: {input: d, key_by: user_id}\n  mixed: {union: [ka, kd]}\nsinks:\n  s: {input: mixed, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:5:81: sources.a.partitioned_by: unknown field \"usr_id\" in record com.acme.Click (did you mean user_id?)",
			"testdata/p.yaml:6:81: sources.b.partitioned_by: field score has type double, which cannot be a key: floating-point numbers have no exact equality (0 and -0, NaN) (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:7:81: sources.c.partitioned_by: source \"c\" carries record com.acme.Click, which cannot be a key: record is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
			"testdata/p.yaml:13:23: operators.mixed.union[1]: a union of keyed inputs needs them partitioned alike, but \"ka\" went through a repartition topic and \"kd\" is partitioned as its source was produced: key_by after the union instead",
		}},
		{"unions", head + "sources:\n" + clickSource + "  lines: {topics: [lines], value: {format: string}}\n  more: {topics: [more], value: {format: avro, type: com.acme.Click}}\noperators:\n  k: {input: clicks, key_by: user_id}\n  k2: {input: more, key_by: count}\n  u1: {union: [clicks, lines]}\n  u2: {union: [clicks, k]}\n  u3: {union: [k, k2]}\n  u4: {union: [u1, u2, u3]}\nsinks:\n  s: {input: u4, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:11:24: operators.u1.union[1]: a union needs inputs of one type, but \"clicks\" carries record com.acme.Click and \"lines\" carries string",
			"testdata/p.yaml:12:24: operators.u2.union[1]: a union cannot mix keyed and unkeyed inputs: \"k\" is keyed by string, \"clicks\" is not keyed",
			"testdata/p.yaml:13:19: operators.u3.union[1]: a union of keyed inputs needs one key type, but \"k\" is keyed by string and \"k2\" by int32",
		}},
		{"joins", head + "sources:\n" + clickSource + "  lines: {topics: [lines], value: {format: string}}\n  more: {topics: [more], value: {format: avro, type: com.acme.Click}, partitioned_by: user_id}\noperators:\n  k: {input: clicks, key_by: user_id}\n  kc: {input: clicks, key_by: count}\n  km: {input: more, key_by: user_id}\n  j1: {join: {left: k, right: lines, output: string}}\n  j2: {join: {left: k, right: kc, output: string}}\n  j3: {join: {left: k, right: km, output: string}}\n  j4: {join: {left: k, right: k2, output: com.acme.Nope}}\n  u: {union: [j1, j2, j3]}\nsinks:\n  s: {input: u, topic: s, value: {format: string}}\n  s2: {input: j4, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:12:31: operators.j1.join.right: a join needs keyed inputs, but \"lines\" is not keyed: put a key_by operator before it",
			"testdata/p.yaml:13:31: operators.j2.join.right: a join needs inputs keyed by one key type, but \"k\" is keyed by string and \"kc\" by int32",
			"testdata/p.yaml:14:31: operators.j3.join.right: a join needs its inputs partitioned alike, but \"k\" went through a repartition topic and \"km\" is partitioned as its source was produced: key both sides with a repartitioning key_by (from a stream of unknown partitioning), or declare partitioned_by on both sources",
			"testdata/p.yaml:15:31: operators.j4.join.right: input \"k2\" names no stream (did you mean j2?)",
			"testdata/p.yaml:15:43: operators.j4.join.output: unknown type \"com.acme.Nope\"",
		}},
		{"cycle", head + "sources:\n" + clickSource + "operators:\n  a: {input: c, filter: {}}\n  b: {input: a, filter: {}}\n  c: {union: [b, clicks]}\n  d: {input: d, filter: {}}\n  e: {input: b, filter: {}}\nsinks:\n  s: {input: e, topic: s, value: {format: avro, type: com.acme.Click}}\n  s2: {input: d, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:7:3: operators.a: cycle: a -> b -> c -> a; a pipeline must not feed an operator's output back into it",
			"testdata/p.yaml:10:3: operators.d: cycle: d -> d; a pipeline must not feed an operator's output back into it",
		}},
		{"unread streams", head + "sources:\n" + clickSource + "  lonely: {topics: [lonely], value: {format: string}}\noperators:\n  k: {input: clicks, key_by: user_id}\n  dead_end: {input: clicks, filter: {}}\n  p: {input: k, process: {output: string, side_outputs: {unread: string}}}\n  w: {input: k, window: {tumbling: 1m, reduce: {}, late_output: late}}\nsinks:\n  s: {input: p, topic: s, value: {format: string}}\n  s2: {input: w, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:6:3: sources.lonely: source lonely is never read: give it to an operator or a sink, or remove it",
			"testdata/p.yaml:9:3: operators.dead_end: the output of operator dead_end is never read: give it to an operator or a sink, or remove the operator",
		}},
		{"duplicate names", head + "sources:\n" + clickSource + "operators:\n  clicks: {input: clicks, filter: {}}\n  k: {input: clicks, key_by: user_id}\n  w: {input: k, window: {tumbling: 1m, reduce: {}, late_output: k}}\nsinks:\n  w: {input: w, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:7:3: operators.clicks: duplicate name \"clicks\": already the name of the source clicks at testdata/p.yaml:5:3; sources, operators, sinks and late outputs share one namespace",
			"testdata/p.yaml:9:65: operators.w.window.late_output: duplicate name \"k\": already the name of the operator k at testdata/p.yaml:8:3; sources, operators, sinks and late outputs share one namespace",
			"testdata/p.yaml:11:3: sinks.w: duplicate name \"w\": already the name of the operator w at testdata/p.yaml:9:3; sources, operators, sinks and late outputs share one namespace",
		}},
		{"inputs", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: user_id}\n  p: {input: k, process: {output: string, side_outputs: {errors: string}}}\n  a: {input: clikcs, filter: {}}\n  b: {input: out, filter: {}}\n  c: {input: p.errorz, filter: {}}\n  d: {input: k.side, filter: {}}\n  e: {input: nothing_like_it, filter: {}}\n  u: {union: [a, b, c, d, e]}\nsinks:\n  s: {input: u, topic: s, value: {format: string}}\n  out: {input: p, topic: s, value: {format: string}}\n  s2: {input: p.error, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:9:14: operators.a.input: input \"clikcs\" names no stream (did you mean clicks?)",
			"testdata/p.yaml:10:14: operators.b.input: \"out\" is a sink, not a stream: a sink writes to Kafka and produces nothing to read",
			"testdata/p.yaml:11:14: operators.c.input: input \"p.errorz\" names no stream (did you mean p.errors?)",
			"testdata/p.yaml:12:14: operators.d.input: input \"k.side\" names no stream: operator k is a key_by, and only process operators have side outputs",
			"testdata/p.yaml:13:14: operators.e.input: input \"nothing_like_it\" names no stream",
			"testdata/p.yaml:18:15: sinks.s2.input: input \"p.error\" names no stream (did you mean p.errors?)",
		}},
		{"state keys", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: user_id}\n  p:\n    input: k\n    process:\n      output: string\n      state:\n        a: {map: {key: float64, value: string}}\n        b: {map: {key: com.acme.Click, value: string}}\n        c: {map: {key: com.acme.ClickKind, value: com.acme.Clicks}}\n      side_outputs: {x: com.acme.Nope}\nsinks:\n  s: {input: p, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:13:24: operators.p.process.state.a.map.key: float64 cannot be a map state key: floating-point numbers have no exact equality (0 and -0, NaN) (map keys can be string, bytes, int32, int64 or a schema enum, fixed or uuid)",
			"testdata/p.yaml:14:24: operators.p.process.state.b.map.key: com.acme.Click cannot be a map state key: record is not a key type (map keys can be string, bytes, int32, int64 or a schema enum, fixed or uuid)",
			"testdata/p.yaml:15:51: operators.p.process.state.c.map.value: unknown type \"com.acme.Clicks\" (did you mean com.acme.Click?)",
			"testdata/p.yaml:16:25: operators.p.process.side_outputs.x: unknown type \"com.acme.Nope\"",
		}},
		{"map and flat_map types", head + "sources:\n" + clickSource + "operators:\n  m: {input: clicks, map: {output: com.acme.Enriched}}\n  f: {input: clicks, flat_map: {output: int64}}\n  f2: {input: f, map: {}}\nsinks:\n  s: {input: m, topic: s, value: {format: avro, type: com.acme.EnrichedClick}}\n  s2: {input: f2, topic: s, value: {format: string}}\n", []string{
			"testdata/p.yaml:7:36: operators.m.map.output: unknown type \"com.acme.Enriched\"",
			"testdata/p.yaml:12:29: sinks.s2.value: stream \"f2\" carries int64, which format string cannot write: it writes string values",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(testFile, []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = s.Check(loadSet(t, s))
			if err == nil {
				t.Fatalf("Check succeeded")
			}
			if s.Streams() != nil {
				t.Errorf("Streams() is not nil after a failed Check")
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

// jsonHead names both the Avro and the JSON Schema test schemas (3 lines).
const jsonHead = "version: 1\nname: t\nschemas: [schemas/*.avsc, jsonschema/*.json]\n"

func TestCheckJSONSchemaTypes(t *testing.T) {
	src := jsonHead + `sources:
  orders: {topics: [orders], value: {format: json, type: Order}, event_time: {field: created}}
  daily: {topics: [daily], value: {format: json, type: Order}, event_time: {field: day}}
operators:
  by_customer: {input: orders, key_by: customer}
  by_id: {input: orders, key_by: id}
  by_qty: {input: daily, key_by: quantity}
  totals: {input: by_customer, window: {tumbling: 1h, reduce: {}}}
sinks:
  totals_out: {input: totals, topic: totals, key: {format: string}, value: {format: json, type: Order}}
  ids_out: {input: by_id, topic: ids, key: {format: json, type: Status, field: status}, value: {format: json, type: Order}}
  qty_out: {input: by_qty, topic: qty, value: {format: json, type: Order}}
`
	s, err := Parse(testFile, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(loadSet(t, s)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ stream, typ, key string }{
		{"orders", "Order", ""},
		{"by_customer", "Order", "string"},
		{"by_id", "Order", "string(uuid)"},
		{"by_qty", "Order", "int64"},
		{"totals", "Order", "string"},
	} {
		st, ok := s.Stream(tt.stream)
		if !ok {
			t.Fatalf("no stream %s", tt.stream)
		}
		key := ""
		if st.Key != nil {
			key = st.Key.Name
		}
		if st.Type.Name != tt.typ || key != tt.key {
			t.Errorf("stream %s: %s by %q, want %s by %q", tt.stream, st.Type.Name, key, tt.typ, tt.key)
		}
	}
	if st, _ := s.Stream("by_id"); st.Key.Builtin != "" || st.Key.Schema == nil {
		t.Errorf("a uuid key is a schema type, not a builtin: %+v", st.Key)
	}
}

func TestCheckJSONSchemaErrors(t *testing.T) {
	src := jsonHead + `sources:
  a: {topics: [a], value: {format: avro, type: Order}}
  b: {topics: [b], value: {format: json, type: Order}, event_time: {field: customer}}
  c: {topics: [c], key: {format: avro-confluent, type: Status}, value: {format: json, type: Order}}
operators:
  k1: {input: b, key_by: created}
  k2: {input: b, key_by: extra}
  k3: {input: b, key_by: amount}
  k4: {input: b, key_by: note}
  u: {union: [k1, k2, k3, k4]}
sinks:
  s1: {input: a, topic: s, value: {format: json, type: Order}}
  s2: {input: u, topic: s, value: {format: avro, type: com.acme.Click}}
  s3: {input: c, topic: s, value: {format: json, type: Status}}
`
	s, err := Parse(testFile, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := errorLines(t, s.Check(loadSet(t, s)))
	want := []string{
		"testdata/p.yaml:5:48: sources.a.value.type: format avro needs an Avro type, but Order is a JSON Schema type; use format json",
		"testdata/p.yaml:6:76: sources.b.event_time.field: field customer has type string, which is not a timestamp: event time needs a timestamp-millis, timestamp-micros, timestamp-nanos or date field (or a JSON string of format date-time)",
		"testdata/p.yaml:7:56: sources.c.key.type: format avro-confluent needs an Avro type, but Status is a JSON Schema type; use format json",
		"testdata/p.yaml:9:26: operators.k1.key_by: field created has type string(date-time), which cannot be a key: a date-time string is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
		"testdata/p.yaml:10:26: operators.k2.key_by: field extra has type json, which cannot be a key: a free-form JSON value is not a key type (keys can be string, int, long, enum, fixed, bytes or uuid)",
		"testdata/p.yaml:11:26: operators.k3.key_by: field amount has type double, which cannot be a key: floating-point numbers have no exact equality (0 and -0, NaN) (keys can be string, int, long, enum, fixed, bytes or uuid)",
		"testdata/p.yaml:12:26: operators.k4.key_by: field note has type union<null,string>, which cannot be a key: it is nullable, and a null has no key to group by (keys can be string, int, long, enum, fixed, bytes or uuid)",
		"testdata/p.yaml:17:56: sinks.s3.value: stream \"c\" carries record Order, which Status cannot read: Status: reader type enum Status cannot read writer type record Order",
	}
	diffLines(t, got, want)
}

// TestLoadReportsParseAndCheckProblems checks that one Load reports the
// elements that fail to parse and what Check finds in the others, without
// the check problems that only follow from a failed element.
func TestLoadReportsParseAndCheckProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"a bad operator beside a bad key_by", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: usr_id}\n  ok: {input: clicks, key_by: user_id}\n  w: {input: ok, window: {tumbling: 1m, reduce: {}, late_output: late, bogus: 1}}\nsinks:\n  s: {input: k, topic: s, value: {format: avro, type: com.acme.Click}}\n  s2: {input: w, topic: s, value: {format: avro, type: com.acme.Click}}\n  s3: {input: late, topic: s, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:7:30: operators.k.key_by: unknown field \"usr_id\" in record com.acme.Click (did you mean user_id?)",
			"testdata/p.yaml:9:72: operators.w.window.bogus: unknown key \"bogus\" (known keys: tumbling, sliding, session, offset, allowed_lateness, late_output, emit, aggregate, reduce, process)",
		}},
		{"a bad sink beside a bad sink type", head + "sources:\n" + clickSource + "sinks:\n  s: {input: clicks, topic: s, value: {format: string}}\n  t: {input: clicks, topic: t, partitioner: sideways, value: {format: avro, type: com.acme.Click}}\n  u: {input: clikcs, topic: u, value: {format: avro, type: com.acme.Click}}\n", []string{
			"testdata/p.yaml:7:32: sinks.s.value: stream \"clicks\" carries record com.acme.Click, which format string cannot write: it writes string values",
			"testdata/p.yaml:8:45: sinks.t.partitioner: unknown partitioner \"sideways\" (want one of key-hash, round-robin, fixed)",
			"testdata/p.yaml:9:14: sinks.u.input: input \"clikcs\" names no stream (did you mean clicks?)",
		}},
		{"a problem outside the elements stops at parsing", head + "sources:\n" + clickSource + "operators:\n  k: {input: clicks, key_by: usr_id}\nsinks:\n  s: {input: k, topic: s, value: {format: avro, type: com.acme.Click}}\ncommit: {interval: soon}\n", []string{
			"testdata/p.yaml:10:20: commit.interval: bad duration \"soon\": want a Go duration such as 500ms, 30s, 5m or 1h30m",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := load(testFile, []byte(tt.src))
			if err == nil || s != nil {
				t.Fatalf("load = %v, %v; want only an error", s, err)
			}
			diffLines(t, errorLines(t, err), tt.want)
		})
	}
}
