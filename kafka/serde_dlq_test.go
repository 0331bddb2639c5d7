package kafka

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/schema"
)

// readTopicCommitted reads topic from the start with read_committed until it
// holds n records (or ctx ends), and returns them by partition and offset.
func readTopicCommitted(ctx context.Context, t *testing.T, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: got %d of %d records before %v", topic, len(recs), n, ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	return recs
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// userIDsBuild decodes Confluent-framed User records (userV1) and writes
// framedUsers returns a userV1 record per id on topic, keyed by the id,
// in the Confluent wire format of f (which registers the schema).
func framedUsers(t *testing.T, f *ConfluentFraming, topic string, ids ...string) []*kgo.Record {
	t.Helper()
	user := mustAvro(t, userV1)
	var recs []*kgo.Record
	for _, id := range ids {
		v, err := f.Frame(nil, topic, false, user)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(id), Value: append(v, goavroEncode(t, userV1, map[string]any{"id": id, "age": int32(1)})...)})
	}
	return recs
}

// their ids to output; dlq chooses the dead-letter policy of the input.
func userIDsBuild(f *ConfluentFraming, input, output, dlq string) runtime.BuildFunc {
	reader := NewAvroReader(f, schema.MustParseAvroString(userV1))
	return func(t *runtime.Task) error {
		sink, err := runtime.NewSink(t, output, runtime.ValueSerializer[string](runtime.StringCodec{}))
		if err != nil {
			return err
		}
		de := runtime.DeserializerFunc[string](func(r *runtime.Record) (string, error) {
			b, err := reader.Read(nil, r.Topic, false, r.Value)
			if err != nil {
				return "", err
			}
			// The first field of User is the string id: a length, then bytes.
			n, k := decodeZigzag(b)
			return string(b[k : k+int(n)]), nil
		})
		return runtime.AddSourceWithDeadLetter(t, runtime.SourceConfig[string]{Topic: input, Deserializer: de}, dlq, sink)
	}
}

// decodeZigzag reads one Avro long.
func decodeZigzag(b []byte) (int64, int) {
	var u uint64
	var shift uint
	for i, c := range b {
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
		shift += 7
	}
	return 0, len(b)
}

// TestDeadLetterEndToEnd runs a pipeline whose input has a dead-letter
// topic through Run on the test's cluster: poison records (a wrong magic byte, an id
// the registry does not know) go to the dead-letter topic with the error
// headers, and the records after them are processed. Without a
// dead-letter topic the same input stops Run with an error naming topic,
// partition and offset.
func TestDeadLetterEndToEnd(t *testing.T) {
	e := newEOSEnv(t)
	users, usersDLQ, idsTopic := e.topic("users", 2, nil), e.topic("users-dlq", 1, nil), e.topic("ids", 2, nil)
	tr := newTestRegistry(t)
	f := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))
	user := mustAvro(t, userV1)

	frame := func(id string, age int32) []byte {
		out, err := f.Frame(nil, users, false, user)
		if err != nil {
			t.Fatal(err)
		}
		return append(out, goavroEncode(t, userV1, map[string]any{"id": id, "age": age})...)
	}
	unknownID := []byte{0, 0, 0, 0x27, 0x0f, 2, 'x', 0} // schema id 9999
	recs := []*kgo.Record{
		{Topic: users, Key: []byte("k"), Value: frame("u1", 1)},
		{Topic: users, Key: []byte("k"), Value: []byte("garbage, not avro"), Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("abc")}}},
		{Topic: users, Key: []byte("k"), Value: frame("u2", 2)},
		{Topic: users, Key: []byte("k"), Value: unknownID},
		{Topic: users, Key: []byte("k"), Value: frame("u3", 3)},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	p.Close()
	part := recs[0].Partition
	for _, r := range recs {
		if r.Partition != part {
			t.Fatalf("records of one key landed on partitions %d and %d", part, r.Partition)
		}
	}

	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	spec := runtime.PipelineSpec{
		Name:    e.name("user-ids"),
		Inputs:  []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}, DeadLetterTopic: usersDLQ}},
		Outputs: []runtime.OutputSpec{{Name: "ids", Topic: idsTopic}},
		Build:   userIDsBuild(NewConfluentFraming(RegistryClient(tr.cl)), users, idsTopic, usersDLQ),
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(discardLogger()), ObserverOpt(m))
	}()

	ids := readTopicCommitted(ctx, t, e.brokers, idsTopic, 3)
	var got []string
	for _, r := range ids {
		got = append(got, string(r.Value))
	}
	if !reflect.DeepEqual(got, []string{"u1", "u2", "u3"}) {
		t.Fatalf("outputs %v, want u1 u2 u3", got)
	}
	dlq := readTopicCommitted(ctx, t, e.brokers, usersDLQ, 2)
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	wantDLQ := []struct {
		offset  int64
		value   []byte
		errText string
		trace   string
	}{
		{1, recs[1].Value, "magic byte 0x67", "abc"},
		{3, unknownID, "schema id 9999 is not in the registry", ""},
	}
	for i, w := range wantDLQ {
		r := dlq[i]
		h := map[string]string{}
		for _, kv := range r.Headers {
			h[kv.Key] = string(kv.Value)
		}
		if string(r.Key) != "k" || !reflect.DeepEqual(r.Value, w.value) {
			t.Errorf("dead letter %d: key %q value %q", i, r.Key, r.Value)
		}
		if h[runtime.HeaderDLQTopic] != users || h[runtime.HeaderDLQPartition] != strconv.Itoa(int(part)) || h[runtime.HeaderDLQOffset] != strconv.FormatInt(w.offset, 10) {
			t.Errorf("dead letter %d: headers %v, want %s[%d]@%d", i, h, users, part, w.offset)
		}
		if !strings.Contains(h[runtime.HeaderDLQError], w.errText) || !strings.Contains(h[runtime.HeaderDLQError], "topic "+users) {
			t.Errorf("dead letter %d: error header %q lacks %q", i, h[runtime.HeaderDLQError], w.errText)
		}
		if h["trace"] != w.trace {
			t.Errorf("dead letter %d: original header trace=%q, want %q", i, h["trace"], w.trace)
		}
	}
	if n := testutil.ToFloat64(m.deadLettered.WithLabelValues(usersDLQ)); n != 2 {
		t.Errorf("dead-letter metric %v, want 2", n)
	}

	// The stop policy: no dead-letter topic, and Run ends with the error.
	stopSpec := spec
	stopSpec.Name = e.name("user-ids-strict")
	stopSpec.Inputs = []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}}
	stopSpec.Build = userIDsBuild(NewConfluentFraming(RegistryClient(tr.cl)), users, idsTopic, "")
	err = Run(ctx, stopSpec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(discardLogger()))
	var de *runtime.DecodeError
	if !errors.As(err, &de) || de.Topic != users || de.Partition != part || de.Offset != 1 {
		t.Fatalf("Run with the stop policy: %v, want a DecodeError for %s[%d]@1", err, users, part)
	}
	if want := users + "[" + strconv.Itoa(int(part)) + "]@1"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "magic byte") {
		t.Fatalf("error %q does not name %s and the cause", err, want)
	}
	// The failed run never committed its group offset past the poison
	// record.
	offs, err := e.adm.FetchOffsets(ctx, stopSpec.Name)
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := offs.Lookup(users, part); ok && o.At > 1 {
		t.Fatalf("the strict run committed %s[%d] up to %d, past the poison record at 1", users, part, o.At)
	}
}

// TestRegistryUnavailable runs a Confluent-framed pipeline whose Schema
// Registry does not answer: its records are no poison, so none goes to
// the dead-letter topic; Run stops with an error naming the first record
// and the registry, and nothing is written. Run again with the registry
// answering, the pipeline reads the same records and writes each once.
func TestRegistryUnavailable(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	users, ids, dlq := e.topic("users", 1, nil), e.topic("ids", 1, nil), e.topic("users-dlq", 1, nil)
	reg := srfake.New()
	defer reg.Close()
	good, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	e.produce(framedUsers(t, NewConfluentFraming(RegistryClient(good), AutoRegister(true)), users, "a", "b", "c"))
	// Nothing answers on a port that was free a moment ago.
	dead, err := sr.NewClient(sr.URLs("http://127.0.0.1:" + strconv.Itoa(freePort(t))))
	if err != nil {
		t.Fatal(err)
	}
	name, state := e.name("registry"), t.TempDir()
	run := func(cl *sr.Client) *running {
		f := NewConfluentFraming(RegistryClient(cl))
		return startRun(runtime.PipelineSpec{
			Name:    name,
			Inputs:  []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}, DeadLetterTopic: dlq}},
			Outputs: []runtime.OutputSpec{{Name: "ids", Topic: ids}},
			Build:   userIDsBuild(f, users, ids, dlq),
		}, Brokers(e.brokers...), StateDir(state), Logger(newTestLogger(t)))
	}

	r := run(dead)
	select {
	case err := <-r.done:
		for _, want := range []string{"decoding record " + users + "[0]@0: ", "fetching schema id 1 (3 attempts)", "connection refused"} {
			if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, runtime.ErrUnavailable) {
				t.Fatalf("Run with the registry down: %v\nwant runtime.ErrUnavailable and %q", err, want)
			}
		}
	case <-ctx.Done():
		r.cancel()
		t.Fatal("Run went on with the registry down")
	}
	for _, topic := range []string{dlq, ids} {
		if got, err := e.readCommitted(ctx, topic); err != nil || len(got) != 0 {
			t.Fatalf("%s holds %v (%v), want nothing", topic, recordLines(got), err)
		}
	}

	r = run(good)
	got := readTopicCommitted(ctx, t, e.brokers, ids, 3)
	r.stop(t)
	lines := recordLines(got)
	sort.Strings(lines)
	if strings.Join(lines, ",") != "a,b,c" {
		t.Fatalf("outputs %v, want a, b and c once each", lines)
	}
	if got, err := e.readCommitted(ctx, dlq); err != nil || len(got) != 0 {
		t.Fatalf("dead letters %v (%v), want none", recordLines(got), err)
	}
}
