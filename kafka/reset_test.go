package kafka

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// TestReset runs a windowed count to its results, resets it, and runs it
// again: the second run reads the input from the start with empty state
// and writes every window's exact count a second time (without the reset
// it would read nothing: its offsets are committed). Reset refuses while
// an instance runs, deletes nothing then, and is idempotent.
func TestReset(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := e.topic("clicks", 2, nil)
	out := e.topic("counts", 2, nil)
	name := e.name("reset")
	gen := newClicks(40, 2, 1_000)
	e.produce(gen.records(in, 400))
	e.produce(gen.flush(in))
	spec := clickSpec(name, in, out, "")
	dir := t.TempDir()
	opts := []Opt{Brokers(e.brokers...), StateDir(dir), Logger(newTestLogger(t))}

	r := startRun(spec, opts...)
	if err := waitCounts(ctx, e, out, gen.want); err != nil {
		t.Fatal(err)
	}
	// While it runs: refused, nothing deleted.
	if _, err := Reset(ctx, spec, Brokers(e.brokers...), Logger(newTestLogger(t))); err == nil || !strings.Contains(err.Error(), "still has 1 member(s)") {
		t.Fatalf("Reset of a running pipeline: %v", err)
	}
	if _, err := Reset(ctx, spec, opts...); err == nil || !strings.Contains(err.Error(), "opening the state store in "+dir+" (is an instance still running there?)") {
		t.Fatalf("Reset of a store in use: %v", err)
	}
	if topics, err := e.adm.ListTopics(ctx, changelogTopic(name)); err != nil || !topics.Has(changelogTopic(name)) {
		t.Fatalf("a refused reset deleted the changelog: %v", err)
	}
	r.stop(t)

	rep, err := Reset(ctx, spec, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Group || !slices.Equal(rep.Topics, []string{changelogTopic(name)}) || rep.Tasks != 2 {
		t.Fatalf("reset report %+v, want the group, the changelog and 2 tasks", rep)
	}
	if topics, err := e.adm.ListTopics(ctx, changelogTopic(name)); err != nil || topics.Has(changelogTopic(name)) {
		t.Fatalf("the changelog survived the reset: %v", err)
	}
	store, err := runtime.OpenStore(dir, runtime.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := store.TaskIDs()
	store.Close()
	if err != nil || len(ids) != 0 {
		t.Fatalf("local state of tasks %v survived the reset (%v)", ids, err)
	}

	// The second run writes every window again, with the same counts.
	r = startRun(spec, opts...)
	var lines []string
	for {
		recs, err := e.readCommitted(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		if lines = recordLines(recs); len(lines) >= 2*len(gen.want) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.stop(t)
	var first, second []string
	for _, l := range lines {
		if slices.Contains(first, l) {
			second = append(second, l)
		} else {
			first = append(first, l)
		}
	}
	for _, half := range [][]string{first, second} {
		if err := checkCounts(gen.want, half); err != nil {
			t.Fatalf("after the reset, outputs are not each window twice with its count: %v", err)
		}
	}

	// Again, after the second run, as a generated binary's --reset; and
	// once more, with nothing left.
	var stdout, stderr syncBuffer
	args := []string{"--reset", "--brokers", strings.Join(e.brokers, ","), "--state-dir", dir, "--metrics-addr="}
	if err := runMain(ctx, spec, args, envOf(nil), &stdout, &stderr, nil); err != nil {
		t.Fatalf("--reset: %v\n%s", err, stderr.String())
	}
	want := "reset " + name + ": consumer group " + name + " deleted; internal topics deleted: " + changelogTopic(name) + "; local state of 2 task(s) cleared in " + dir + "\n"
	if stdout.String() != want {
		t.Fatalf("--reset printed %q, want %q", stdout.String(), want)
	}
	if rep, err := Reset(ctx, spec, opts...); err != nil || rep.Group || len(rep.Topics) != 0 || rep.Tasks != 0 {
		t.Fatalf("reset of a reset pipeline: %+v, %v", rep, err)
	}
}

// TestRecreatedChangelog resets only the cluster's part of a pipeline, so
// that one instance's state directory still holds state restored from the
// changelog before it was deleted, and lets another instance write the
// new changelog past that state's offsets. When the first instance comes
// back, its state is not taken for the new changelog's (the offsets are
// kept under the changelog's topic ID): the windows it counted before the
// reset never fire, and the new ones have their exact counts.
func TestRecreatedChangelog(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := e.topic("clicks", 1, nil)
	out := e.topic("counts", 1, nil)
	name := e.name("recreated")
	spec := clickSpec(name, in, out, "")
	// Reading from the end: after the reset the old clicks stay unread.
	spec.Inputs[0].Start = runtime.StartPosition{Mode: runtime.StartCommitted, Fallback: runtime.StartLatest}
	opts := func(dir string) []Opt {
		return []Opt{Brokers(e.brokers...), StateDir(dir), Logger(newTestLogger(t))}
	}
	phase := func(dir string, recs []*kgo.Record) {
		t.Helper()
		r := startRun(spec, opts(dir)...)
		waitAssigned(t, ctx, e, name)
		e.produce(recs)
		if err := e.waitCaughtUp(ctx, name, in); err != nil {
			t.Fatal(err)
		}
		r.stop(t)
	}
	stale, fresh := t.TempDir(), t.TempDir()
	old := newClicks(20, 1, 1_000)
	old.prefix = "old"
	phase(stale, old.records(in, 200)) // some windows fire, the last stay open in stale's state
	before, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	topics, err := e.adm.ListTopics(ctx, changelogTopic(name))
	if err != nil {
		t.Fatal(err)
	}
	if topics[changelogTopic(name)].ID == (kadm.TopicID{}) {
		t.Fatal("the broker reports no topic IDs (Kafka before 2.8): a recreated changelog cannot be told apart")
	}
	if _, err := Reset(ctx, spec, Brokers(e.brokers...), Logger(newTestLogger(t))); err != nil {
		t.Fatal(err)
	}
	gen := newClicks(20, 1, 1_000)
	gen.prefix = "new"
	phase(fresh, gen.records(in, 2_000)) // the new changelog, longer than the old
	phase(stale, gen.flush(in))          // the stale directory's instance fires every window
	// The outputs since the reset (one partition: in order) are the new
	// windows, each once with its count.
	for {
		recs, err := e.readCommitted(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		lines := recordLines(recs[len(before):])
		err = checkCounts(gen.want, lines)
		if err == nil {
			return
		}
		if len(lines) >= len(gen.want) || ctx.Err() != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
