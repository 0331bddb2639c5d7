package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeErrorPolicy(t *testing.T) {
	poison := &Record{
		Topic: "orders", Partition: 4, Offset: 77, Key: []byte("k"), Value: []byte{1, 2, 3},
		Headers: []Header{{Key: "trace", Value: []byte("t1")}}, Timestamp: 55,
	}
	cases := []struct {
		name        string
		dlq         string
		unavailable bool // the deserializer's error wraps ErrUnavailable
		wantErr     string
		wantDLQ     bool
	}{
		{name: "stop", wantErr: "orders[4]@77"},
		{name: "dead letter", dlq: "orders.dlq", wantDLQ: true},
		// A service decoding needs is down: no poison, no dead letter.
		{name: "unavailable", dlq: "orders.dlq", unavailable: true, wantErr: "orders[4]@77: registry down: a service the decoding needs is unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t, StoreOptions{})
			var sent []*OutRecord
			task := openTask(t, s, 4, TaskConfig{DeadLetterTopic: tc.dlq, Sink: SinkFunc(func(r *OutRecord) error { sent = append(sent, r); return nil })})
			out := &collector[int64]{}
			var de Deserializer[int64] = ValueDeserializer[int64](Int64Codec{})
			if tc.unavailable {
				de = DeserializerFunc[int64](func(*Record) (int64, error) {
					return 0, fmt.Errorf("registry down: %w", ErrUnavailable)
				})
			}
			_, err := AddSource(task, SourceConfig[int64]{Topic: "orders", Deserializer: de}, Node[int64](out))
			ok(t, err)
			err = task.Process(poison)
			if tc.wantErr != "" {
				var derr *DecodeError
				if !errors.As(err, &derr) || !strings.Contains(err.Error(), tc.wantErr) || derr.Unwrap() == nil {
					t.Fatalf("error %v, want a DecodeError naming %s", err, tc.wantErr)
				}
				if len(sent) != 0 {
					t.Fatalf("%d records dead-lettered", len(sent))
				}
				return
			}
			ok(t, err)
			if len(sent) != 1 || len(out.got) != 0 {
				t.Fatalf("sent %d records, processed %d", len(sent), len(out.got))
			}
			r := sent[0]
			hs := map[string]string{}
			for _, h := range r.Headers {
				hs[h.Key] = string(h.Value)
			}
			if r.Topic != "orders.dlq" || string(r.Key) != "k" || string(r.Value) != "\x01\x02\x03" || r.Timestamp != 55 ||
				hs["trace"] != "t1" || hs[HeaderDLQTopic] != "orders" || hs[HeaderDLQPartition] != "4" || hs[HeaderDLQOffset] != "77" ||
				!strings.Contains(hs[HeaderDLQError], "int64 codec") {
				t.Fatalf("dead letter record %+v headers %v", r, hs)
			}
			st := task.Stats()
			if st.DecodeErrors != 1 || st.DeadLettered != 1 {
				t.Fatalf("stats %+v", st)
			}
			ok(t, task.Process(&Record{Topic: "orders", Value: appendOrderedInt64(nil, 5)}))
			if len(out.got) != 1 {
				t.Fatal("task stopped after dead-lettering")
			}
		})
	}
}

func TestProcessUnknownTopic(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	if err := task.Process(&Record{Topic: "nope"}); err == nil {
		t.Fatal("record of an unknown topic accepted")
	}
	_, err := AddSource(task, SourceConfig[int64]{Topic: "a", Deserializer: ValueDeserializer[int64](Int64Codec{})}, Discard[int64]())
	ok(t, err)
	if _, err := AddSource(task, SourceConfig[int64]{Topic: "a", Deserializer: ValueDeserializer[int64](Int64Codec{})}, Discard[int64]()); err == nil {
		t.Fatal("topic added twice")
	}
	if _, err := AddSource(task, SourceConfig[int64]{Topic: "b"}, Discard[int64]()); err == nil {
		t.Fatal("source without deserializer accepted")
	}
}
