package kafka

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// kcatPath finds kcat. Without it the test is skipped, except under CI
// (.ci/setup installs it), where its absence is a failure.
func kcatPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("kcat")
	if err == nil {
		return p
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatalf("kcat is not installed (CI=%s; .ci/setup installs it): %v", ci, err)
	}
	t.Skipf("kcat is not installed: %v", err)
	return ""
}

func kcat(ctx context.Context, t *testing.T, bin string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, &stderr)
	}
	return stdout.String()
}

// upperBuild upper-cases string values from input to output, keeping keys.
func upperBuild(input, output string) runtime.BuildFunc {
	return func(t *runtime.Task) error {
		sink, err := runtime.NewSink(t, output, runtime.ValueSerializer[string](runtime.StringCodec{}))
		if err != nil {
			return err
		}
		_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
			Topic:        input,
			Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
		}, runtime.Map(func(_ *runtime.Context, v *string) (string, error) { return strings.ToUpper(*v), nil }, sink))
		return err
	}
}

// TestKcatInterop produces with kcat into the test's cluster (kfake, or
// KAFKA_BROKERS), runs a pipeline
// through Run, and reads the transactional output back with kcat at
// read_committed: the exact records, keys kept, in order per key.
func TestKcatInterop(t *testing.T) {
	bin := kcatPath(t)
	e := newEOSEnv(t)
	in, out := e.topic("kc-in", 3, nil), e.topic("kc-out", 3, nil)
	addr := strings.Join(e.brokers, ",")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// Metadata as kcat sees it.
	meta := kcat(ctx, t, bin, "", "-b", addr, "-L", "-t", in)
	if !strings.Contains(meta, fmt.Sprintf("topic %q with 3 partitions", in)) {
		t.Fatalf("kcat -L:\n%s", meta)
	}

	input := "alice:hello\nbob:world\nalice:again\ncarol:x\nbob:bye\n"
	kcat(ctx, t, bin, input, "-b", addr, "-P", "-t", in, "-K:")

	spec := runtime.PipelineSpec{
		Name:    e.name("kcat-upper"),
		Inputs:  []runtime.InputSpec{{Name: "in", Topics: []string{in}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}},
		Outputs: []runtime.OutputSpec{{Name: "out", Topic: out}},
		Build:   upperBuild(in, out),
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- Run(runCtx, spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(discardLogger()))
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	// Read everything committed so far; -e stops at the end of each
	// partition, so read again until all five outputs are there.
	var lines []string
	for len(lines) < 5 {
		got := kcat(ctx, t, bin, "", "-b", addr, "-C", "-t", out, "-o", "beginning", "-e", "-q",
			"-X", "isolation.level=read_committed", "-f", "%p %k:%s\n")
		lines = strings.Split(strings.TrimSpace(got), "\n")
		if strings.TrimSpace(got) == "" {
			lines = nil
		}
		if len(lines) < 5 {
			select {
			case <-ctx.Done():
				t.Fatalf("kcat read %d of 5 outputs: %q", len(lines), lines)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	// Group by partition: the output of a key stays on one partition, in
	// input order.
	byKey := map[string][]string{}
	partOf := map[string]string{}
	for _, l := range lines {
		part, kv, _ := strings.Cut(l, " ")
		k, v, _ := strings.Cut(kv, ":")
		if p, ok := partOf[k]; ok && p != part {
			t.Errorf("key %s on partitions %s and %s", k, p, part)
		}
		partOf[k] = part
		byKey[k] = append(byKey[k], v)
	}
	want := map[string][]string{"alice": {"HELLO", "AGAIN"}, "bob": {"WORLD", "BYE"}, "carol": {"X"}}
	if !reflect.DeepEqual(byKey, want) {
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Fatalf("outputs by key %v (keys %v), want %v", byKey, keys, want)
	}
}

// TestKcatConfluentJSON checks the Confluent wire format against kcat's
// pack-string deserializer (magic byte, big-endian id, JSON text) in both
// directions: JSONSerde writes what kcat splits that way, and reads what
// kcat produced with such a header.
func TestKcatConfluentJSON(t *testing.T) {
	bin := kcatPath(t)
	e := newEOSEnv(t)
	topic := e.topic("kc-json", 1, nil)
	addr := strings.Join(e.brokers, ",")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tr := newTestRegistry(t)
	serde, err := NewConfluentJSONSerde[pageView](NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true)), false, pageViewSchema)
	if err != nil {
		t.Fatal(err)
	}
	v := pageView{User: "u1", URL: "/k", N: 3}
	written, err := serde.Encode(nil, topic, v)
	if err != nil {
		t.Fatal(err)
	}
	id := binary.BigEndian.Uint32(written[1:5])
	if bytes.IndexByte(written, '\n') >= 0 {
		t.Fatalf("framed record % x holds a newline, which kcat -P would split", written)
	}
	kcat(ctx, t, bin, string(written)+"\n", "-b", addr, "-P", "-t", topic)
	got := kcat(ctx, t, bin, "", "-b", addr, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-s", "value=>BIs", "-f", "%s\n")
	want := fmt.Sprintf("0%d%s\n", id, `{"user":"u1","url":"/k","n":3}`)
	if got != want {
		t.Fatalf("kcat split the record as %q, want %q", got, want)
	}
	rec, err := kgoFirstRecord(ctx, e.brokers, topic)
	if err != nil {
		t.Fatal(err)
	}
	back, err := serde.Deserialize(&runtime.Record{Topic: topic, Value: rec})
	if err != nil || back != v {
		t.Fatalf("JSONSerde read kcat's record %q as %+v, %v", rec, back, err)
	}
}

// kgoFirstRecord returns the value of the first record of topic.
func kgoFirstRecord(ctx context.Context, brokers []string, topic string) ([]byte, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var v []byte
		fs.EachRecord(func(r *kgo.Record) {
			if v == nil {
				v = r.Value
			}
		})
		if v != nil {
			return v, nil
		}
	}
}
