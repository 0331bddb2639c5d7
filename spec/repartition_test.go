package spec

import (
	"reflect"
	"strings"
	"testing"
)

// TestRepartitionDecisions checks which key_by operators repartition, and
// the partitioning of the streams, for the rules of docs/spec.md.
func TestRepartitionDecisions(t *testing.T) {
	sourceLines := []string{
		"  byuser: {topics: [u], value: {format: avro, type: com.acme.Click}, partitioned_by: user_id}\n",
		"  second: {topics: [u2], value: {format: avro, type: com.acme.Click}, partitioned_by: user_id}\n",
		"  bydev: {topics: [d], value: {format: avro, type: com.acme.Click}, partitioned_by: device.id}\n",
		"  plain: {topics: [p], value: {format: avro, type: com.acme.Click}}\n",
		"  words: {topics: [w], value: {format: string}, partitioned_by: .}\n",
		"  lines: {topics: [l], value: {format: string}}\n",
	}
	tests := []struct {
		name    string
		ops     string
		sink    string
		repart  map[string]bool
		partBy  map[string]string
		shuffle map[string]bool
	}{
		{"declared key keys in place", "  k: {input: byuser, key_by: user_id}\n", "k",
			map[string]bool{"k": false}, map[string]string{"byuser": "user_id", "k": "user_id"}, map[string]bool{"k": false}},
		{"filter keeps partitioning", "  f: {input: byuser, filter: {}}\n  k: {input: f, key_by: user_id}\n", "k",
			map[string]bool{"k": false}, map[string]string{"f": "user_id"}, map[string]bool{"k": false}},
		{"another field repartitions", "  k: {input: byuser, key_by: session}\n", "k",
			map[string]bool{"k": true}, map[string]string{"k": "session"}, map[string]bool{"k": true}},
		{"nested path", "  k: {input: bydev, key_by: device.id}\n", "k",
			map[string]bool{"k": false}, map[string]string{"k": "device.id"}, map[string]bool{"k": false}},
		{"undeclared source repartitions", "  k: {input: plain, key_by: user_id}\n", "k",
			map[string]bool{"k": true}, map[string]string{"plain": ""}, map[string]bool{"k": true}},
		{"map loses partitioning", "  m: {input: byuser, map: {}}\n  k: {input: m, key_by: user_id}\n", "k",
			map[string]bool{"k": true}, map[string]string{"m": ""}, nil},
		{"flat_map of words repartitions", "  w: {input: lines, flat_map: {output: string}}\n  k: {input: w, key_by: .}\n", "k",
			map[string]bool{"k": true}, nil, map[string]bool{"k": true}},
		{"whole value declared", "  k: {input: words, key_by: .}\n", "k",
			map[string]bool{"k": false}, nil, nil},
		{"union of alike sources", "  u: {union: [byuser, second]}\n  k: {input: u, key_by: user_id}\n", "k",
			map[string]bool{"k": false}, map[string]string{"u": "user_id"}, nil},
		{"union of unlike sources", "  u: {union: [byuser, plain]}\n  k: {input: u, key_by: user_id}\n", "k",
			map[string]bool{"k": true}, map[string]string{"u": ""}, nil},
		{"second key_by after a window", "  k: {input: byuser, key_by: user_id}\n  w: {input: k, window: {tumbling: 1m, reduce: {}}}\n  k2: {input: w, key_by: user_id}\n", "k2",
			map[string]bool{"k": false, "k2": true}, map[string]string{"w": ""}, map[string]bool{"w": false, "k2": true}},
		{"repartitioned stream stays so", "  k: {input: plain, key_by: user_id}\n  f: {input: k, filter: {}}\n  k2: {input: f, key_by: user_id}\n", "k2",
			map[string]bool{"k": true, "k2": false}, map[string]string{"f": "user_id"}, map[string]bool{"f": true, "k2": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			value := "{format: avro, type: com.acme.Click}"
			if strings.HasPrefix(tc.name, "flat_map") || strings.HasPrefix(tc.name, "whole value") {
				value = "{format: string}"
			}
			// Only the sources the case reads: an unread source is an error.
			sources := "sources:\n"
			for _, l := range sourceLines {
				name := strings.TrimSpace(l[:strings.Index(l, ":")])
				if strings.Contains(tc.ops, name) {
					sources += l
				}
			}
			src := head + sources + "operators:\n" + tc.ops + "sinks:\n  s: {input: " + tc.sink + ", topic: s, value: " + value + "}\n"
			s, err := Parse("testdata/p.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Check(loadSet(t, s)); err != nil {
				t.Fatalf("check: %v", err)
			}
			for name, want := range tc.repart {
				op, _ := s.Operator(name)
				if op.Repartition != want {
					t.Errorf("operators.%s.Repartition = %v, want %v", name, op.Repartition, want)
				}
			}
			for name, want := range tc.partBy {
				st, _ := s.Stream(name)
				if st.PartitionedBy != want {
					t.Errorf("stream %s partitioned by %q, want %q", name, st.PartitionedBy, want)
				}
			}
			for name, want := range tc.shuffle {
				st, _ := s.Stream(name)
				if st.Repartitioned != want {
					t.Errorf("stream %s Repartitioned = %v, want %v", name, st.Repartitioned, want)
				}
			}
		})
	}
}

func TestRepartitionTopicAndUpstream(t *testing.T) {
	s := checkedFull(t)
	if got := RepartitionTopic(s.Name, "by_word"); got != "clickstream-by_word-repartition" {
		t.Errorf("RepartitionTopic = %q", got)
	}
	var names []string
	for _, src := range s.UpstreamSources("word_counts") {
		names = append(names, src.Name)
	}
	if !reflect.DeepEqual(names, []string{"lines"}) {
		t.Errorf("UpstreamSources(word_counts) = %v", names)
	}
	names = nil
	for _, src := range s.UpstreamSources("by_user") {
		names = append(names, src.Name)
	}
	if !reflect.DeepEqual(names, []string{"clicks", "more_clicks"}) {
		t.Errorf("UpstreamSources(by_user) = %v", names)
	}
	byWord, _ := s.Operator("by_word")
	byUser, _ := s.Operator("by_user")
	if !byWord.Repartition || byUser.Repartition {
		t.Errorf("by_word.Repartition = %v, by_user.Repartition = %v; want true, false", byWord.Repartition, byUser.Repartition)
	}
}
