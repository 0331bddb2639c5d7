package kafka

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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
