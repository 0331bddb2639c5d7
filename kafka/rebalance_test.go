package kafka

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// taskLog is an Observer that records which tasks each instance ran.
type taskLog struct {
	NopObserver
	mu       sync.Mutex
	name     string
	history  [][]int32
	aborted  []error
	restored map[int32]int
}

func (l *taskLog) TasksAssigned(tasks []int32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.history = append(l.history, slices.Clone(tasks))
}

func (l *taskLog) Aborted(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.aborted = append(l.aborted, err)
}

func (l *taskLog) ran() map[int32]bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int32]bool{}
	for _, ts := range l.history {
		for _, t := range ts {
			out[t] = true
		}
	}
	return out
}

// One, two and three instances with separate state directories, started
// and stopped while the input flows: tasks move between them, their state
// follows through the changelog, and every window comes out exactly once.
func TestRebalanceMovesState(t *testing.T) {
	e := newEOSEnv(t)
	const parts = 6
	in := e.topic("clicks", parts, nil)
	out := e.topic("counts", parts, nil)
	name := e.name("rebalance")
	gen := newClicks(200, parts, 50)
	log := newTestLogger(t)
	spec := clickSpec(name, in, out, "")
	type instance struct {
		obs *taskLog
		run *running
		dir string
	}
	insts := map[string]*instance{}
	start := func(id string) {
		in := insts[id]
		if in == nil {
			in = &instance{obs: &taskLog{name: id}, dir: t.TempDir()}
			insts[id] = in
		}
		// Dynamic membership: a stopped instance leaves the group, so its
		// tasks move at once.
		in.run = startRun(spec, Brokers(e.brokers...), StateDir(in.dir), ObserverOpt(in.obs),
			Logger(log.With("instance", id)), ClientOpts(kgo.SessionTimeout(6*time.Second)))
	}
	stop := func(id string) { insts[id].run.stop(t) }
	feed := func(n int) {
		for i := 0; i < n; i += 500 {
			e.produce(gen.records(in, 500))
			time.Sleep(50 * time.Millisecond)
		}
	}
	steps := []struct {
		what string
		do   func()
	}{
		{"a alone", func() { start("a") }},
		{"a, b", func() { start("b") }},
		{"a, b, c", func() { start("c") }},
		{"b, c", func() { stop("a") }},
		{"c", func() { stop("b") }},
		{"c, a (old state dir)", func() { start("a") }},
		{"c, a, b", func() { start("b") }},
		{"b", func() { stop("a"); stop("c") }},
	}
	for _, s := range steps {
		s.do()
		feed(4000)
	}
	e.produce(gen.flush(in))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	stop("b")
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCounts(gen.want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}
	// Every instance ran tasks, and tasks ran on more than one instance.
	moved := 0
	for p := int32(0); p < parts; p++ {
		on := 0
		for _, inst := range insts {
			if inst.obs.ran()[p] {
				on++
			}
		}
		if on > 1 {
			moved++
		}
	}
	for id, inst := range insts {
		if len(inst.obs.ran()) == 0 {
			t.Errorf("instance %s never ran a task: %v", id, inst.obs.history)
		}
	}
	if moved == 0 {
		t.Errorf("no task moved between instances")
	}
	t.Logf("%d events, %d windows, %d of %d tasks ran on several instances", gen.next, len(gen.want), moved, parts)
	for id, inst := range insts {
		t.Logf("instance %s assignments: %v", id, fmt.Sprint(inst.obs.history))
	}
}
