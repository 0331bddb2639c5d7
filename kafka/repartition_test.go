package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// The word count, split at a repartitioning key_by as generated code
// splits it: lines (any partition) → words → key_by word → repartition
// topic → count per word in 1-minute tumbling windows of the lines'
// timestamps → "word windowStart count" on the output topic.

// wcWatermark lets records be an hour out of order: the two tasks that
// write a repartition partition read their backlogs at their own pace, and
// the repartition input's time is the highest it has seen (Kafka Streams'
// stream time), so a tight bound would make the slower task's words late.
var wcWatermark = runtime.WatermarkStrategy{OutOfOrderness: time.Hour}

func wordCountBuild(input, shuffle, output string) runtime.BuildFunc {
	return func(t *runtime.Task) error {
		out, err := runtime.NewSink(t, output, runtime.SerializerFunc[runtime.Windowed[int64]](
			func(c *runtime.Context, w runtime.Windowed[int64], o *runtime.OutRecord) error {
				o.Key = append([]byte(nil), c.Key()...)
				o.Value = fmt.Appendf(nil, "%s %d %d", c.Key(), w.Window.Start, w.Value)
				return nil
			}))
		if err != nil {
			return err
		}
		window, err := runtime.NewWindowAggregate[string, int64, int64](t, "counts", runtime.WindowSpec[string]{
			Assigner: runtime.TumblingWindows(time.Minute, 0),
		}, clickCount{}, runtime.Int64Codec{}, out)
		if err != nil {
			return err
		}
		if err := runtime.AddRepartitionSource[string](t, shuffle, runtime.StringCodec{}, wcWatermark, window); err != nil {
			return err
		}
		sink, err := runtime.NewRepartitionSink[string](t, shuffle, runtime.StringCodec{})
		if err != nil {
			return err
		}
		byWord := runtime.KeyBy[string, string](func(w *string) string { return *w }, runtime.StringCodec{}, sink)
		words := runtime.FlatMap[string, string](func(_ *runtime.Context, line *string, emit *runtime.Emitter[string]) error {
			for _, w := range strings.Fields(*line) {
				if err := emit.Emit(w); err != nil {
					return err
				}
			}
			return nil
		}, byWord)
		_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
			Topic:        input,
			Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
			Watermark:    wcWatermark,
		}, words)
		return err
	}
}

func wordCountSpec(name, input, output string) runtime.PipelineSpec {
	shuffle := name + "-by_word-repartition"
	return runtime.PipelineSpec{
		Name: name,
		Inputs: []runtime.InputSpec{
			{Name: "lines", Topics: []string{input}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}},
			{Name: "by_word", Topics: []string{shuffle}, Repartition: true,
				Start: runtime.StartPosition{Mode: runtime.StartCommitted, Fallback: runtime.StartEarliest}},
		},
		Outputs: []runtime.OutputSpec{{Name: "counts", Topic: output, Delivery: runtime.ExactlyOnce, Partitioner: runtime.KeyHash}},
		Build:   wordCountBuild(input, shuffle, output),
	}
}

// lines generates lines of words on every input partition in turn (not
// by word), and knows the exact global count of each word per window.
type lines struct {
	parts int32
	next  int
	want  map[string]int64 // "word windowStart" -> count
}

var vocabulary = strings.Fields("the a to of and in it is was he for on are as with his they at be this")

func (l *lines) records(topic string, n int) []*kgo.Record {
	out := make([]*kgo.Record, 0, n)
	for i := 0; i < n; i++ {
		seq := l.next
		l.next++
		ts := clickBase + int64(seq)*200
		var ws []string
		for j := 0; j < 1+seq%4; j++ {
			w := vocabulary[(seq*7+j*3)%len(vocabulary)]
			ws = append(ws, w)
			l.want[fmt.Sprintf("%s %d", w, ts-ts%60_000)]++
		}
		out = append(out, &kgo.Record{
			Topic:     topic,
			Partition: int32(seq) % l.parts,
			Value:     []byte(strings.Join(ws, " ")),
			Timestamp: time.UnixMilli(ts),
		})
	}
	return out
}

// flush returns, for every input partition, a line far in the future
// whose words reach every partition of the repartition topic, so that
// every input's watermark passes all windows so far.
func (l *lines) flush(topic string) []*kgo.Record {
	var words []string
	for q := int32(0); q < l.parts; q++ {
		for i := 0; ; i++ {
			w := fmt.Sprintf("%s-%d-%d", flushPrefix, q, i)
			if runtime.KeyPartition([]byte(w), l.parts) == q {
				words = append(words, w)
				break
			}
		}
	}
	var out []*kgo.Record
	for p := int32(0); p < l.parts; p++ {
		out = append(out, &kgo.Record{Topic: topic, Partition: p, Value: []byte(strings.Join(words, " ")),
			Timestamp: time.UnixMilli(clickBase + int64(l.next+1)*200 + 24*3600*1000)})
	}
	return out
}

// waitCounts reads the output until it holds every window exactly once
// (or the context ends) and returns the last check's error.
func waitCounts(ctx context.Context, e *eosEnv, out string, want map[string]int64) error {
	for {
		recs, err := e.readCommitted(ctx, out)
		if err != nil {
			return err
		}
		err = checkCounts(want, recordLines(recs))
		if err == nil || len(recordLines(recs)) > len(want)+8 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitTransactionalCaughtUp waits until group has consumed every record of
// a topic written only in transactions, once no transaction is open on it:
// its committed offset on every partition is past the partition's last
// record. (Transaction markers follow the records, and those of several
// producers interleave, so the end offset itself may never be committed.)
func waitTransactionalCaughtUp(ctx context.Context, e *eosEnv, group, topic string) error {
	recs, err := e.readCommitted(ctx, topic)
	if err != nil {
		return err
	}
	last := map[int32]int64{}
	for _, r := range recs {
		last[r.Partition] = max(last[r.Partition], r.Offset)
	}
	for {
		committed, err := e.adm.FetchOffsets(ctx, group)
		if err == nil {
			done := true
			for p, off := range last {
				if c, ok := committed.Lookup(topic, p); !ok || c.At <= off {
					done = false
				}
			}
			if done {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("group %s did not consume all of %s: %w", group, topic, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestRepartitionExactlyOnce runs the word count over 2 input partitions
// through its repartition topic, exactly once, across a restart on the
// same state and a move to an empty state directory: every word's count
// per window is global (the same word arrives on both input partitions)
// and written exactly once.
func TestRepartitionExactlyOnce(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("lines", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("wc")
	shuffle := name + "-by_word-repartition"
	gen := &lines{parts: 2, want: map[string]int64{}}
	stateDir := t.TempDir()
	log := newTestLogger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := func(dir string) []Opt {
		return []Opt{Brokers(e.brokers...), StateDir(dir), InstanceID("i0"), Logger(log),
			ClientOpts(kgo.SessionTimeout(6 * time.Second))}
	}
	for round, dir := range []string{stateDir, stateDir, t.TempDir()} {
		e.produce(gen.records(in, 800))
		r := startRun(wordCountSpec(name, in, out), opts(dir)...)
		if err := e.waitCaughtUp(ctx, name, in); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		r.stop(t)
	}
	// The last run reads what earlier runs left in the repartition topic;
	// only then the flush moves event time past every window (a flush that
	// overtook words still in flight would make them late).
	r := startRun(wordCountSpec(name, in, out), opts(stateDir)...)
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	if err := waitTransactionalCaughtUp(ctx, e, name, shuffle); err != nil {
		t.Fatal(err)
	}
	e.produce(gen.flush(in))
	err := waitCounts(ctx, e, out, gen.want)
	r.stop(t)
	if err != nil {
		t.Fatal(err)
	}
	// Words came from both input partitions: the counts are global only if
	// the repartition topic brought each word to one task.
	spread := 0
	for k, n := range gen.want {
		if strings.HasPrefix(k, "the ") && n > 1 {
			spread++
		}
	}
	if spread == 0 {
		t.Fatal("the generator put no word twice in a window")
	}
	// The runner created the repartition topic: as many partitions as the
	// input, cleanup.policy=delete.
	all, err := e.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(all[shuffle].Partitions); n != 2 {
		t.Errorf("repartition topic has %d partitions, want 2", n)
	}
	if err := checkNotCompacted(ctx, e.adm, shuffle); err != nil {
		t.Error(err)
	}
	// What crossed it is committed data: each record once, keyed by word,
	// on the partition the word hashes to.
	recs, err := e.readCommitted(ctx, shuffle)
	if err != nil {
		t.Fatal(err)
	}
	words := 0
	for _, r := range recs {
		if want := runtime.KeyPartition(r.Key, 2); r.Partition != want {
			t.Fatalf("word %q on repartition partition %d, want %d", r.Key, r.Partition, want)
		}
		if string(r.Key) != string(r.Value) {
			t.Fatalf("repartition record key %q, value %q", r.Key, r.Value)
		}
		if !strings.HasPrefix(string(r.Key), flushPrefix) {
			words++
		}
	}
	total := 0
	for _, n := range gen.want {
		total += int(n)
	}
	if words != total {
		t.Errorf("%d words crossed the repartition topic, want %d (each once)", words, total)
	}
}

// TestRepartitionAdminChecks covers the start checks of repartition
// topics: a repartition topic with the wrong partition count or a
// compacted one stops Run before any record is read; a repartition input
// must name one topic; an output cannot write it.
func TestRepartitionAdminChecks(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("lines", 2, nil)
	out := e.topic("counts", 2, nil)
	wrong := e.name("wrong")
	compacted := e.name("compacted")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.adm.CreateTopic(ctx, 3, -1, nil, wrong+"-by_word-repartition"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.CreateTopic(ctx, 2, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, compacted+"-by_word-repartition"); err != nil {
		t.Fatal(err)
	}
	with := func(name string, f func(*runtime.PipelineSpec)) runtime.PipelineSpec {
		s := wordCountSpec(name, in, out)
		if f != nil {
			f(&s)
		}
		return s
	}
	cases := []struct {
		name string
		spec runtime.PipelineSpec
		want string
	}{
		{"wrong partition count", with(wrong, nil),
			fmt.Sprintf("repartition topic %q of \"by_word\" has 3 partitions, but the source topics have 2", wrong+"-by_word-repartition")},
		{"compacted", with(compacted, nil),
			fmt.Sprintf("repartition topic %s has cleanup.policy=compact; it must be delete", compacted+"-by_word-repartition")},
		{"two topics", with(e.name("two"), func(s *runtime.PipelineSpec) { s.Inputs[1].Topics = append(s.Inputs[1].Topics, "x") }),
			`repartition input "by_word" must name exactly one topic`},
		{"output writes it", with(e.name("out"), func(s *runtime.PipelineSpec) { s.Outputs[0].Topic = s.Inputs[1].Topics[0] }),
			`output "counts" writes the repartition topic`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := Run(ctx, c.spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run: %v\nwant an error containing %q", err, c.want)
			}
			if ctx.Err() != nil {
				t.Fatal("the check did not fail fast")
			}
		})
	}
	all, err := e.adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{wrong, compacted} {
		if all.Has(changelogTopic(name)) {
			t.Errorf("a failed check of %s created its changelog", name)
		}
	}
}
