package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// stateLog is an Observer that records the instance's states and its
// task assignments, in order.
type stateLog struct {
	NopObserver
	mu     sync.Mutex
	events []string
}

func (l *stateLog) add(ev string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *stateLog) StateChanged(s RunState)     { l.add(s.String()) }
func (l *stateLog) TasksAssigned(tasks []int32) { l.add(fmt.Sprint("tasks", tasks)) }

// since returns the events from the i-th on.
func (l *stateLog) since(i int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events[min(i, len(l.events)):])
}

// waitFor waits until ok holds for the events from the i-th on.
func (l *stateLog) waitFor(ctx context.Context, t *testing.T, i int, what string, ok func(evs []string) bool) []string {
	t.Helper()
	for {
		evs := l.since(i)
		if ok(evs) {
			return evs
		}
		select {
		case <-ctx.Done():
			t.Fatalf("events %q: %s never happened", evs, what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitUntil waits until the events from the i-th on end with want.
func (l *stateLog) waitUntil(ctx context.Context, t *testing.T, i int, want ...string) {
	t.Helper()
	l.waitFor(ctx, t, i, fmt.Sprintf("ending with %q", want), func(evs []string) bool {
		return len(evs) >= len(want) && slices.Equal(evs[len(evs)-len(want):], want)
	})
}

// runningWithTasks: the instance runs tasks.
func runningWithTasks(evs []string) bool {
	n := len(evs)
	return n >= 2 && evs[n-1] == "running" && strings.HasPrefix(evs[n-2], "tasks[") && evs[n-2] != "tasks[]"
}

// An instance reports Starting, then Rebalancing until its tasks are open
// and restored, then Running; a second instance taking some of its tasks
// does not take it out of Running; taking tasks over from a stopped one
// does, while they restore; a stop goes through Stopping to Stopped. /readyz
// follows: 503 until Running.
func TestRunStates(t *testing.T) {
	e := newEOSEnv(t)
	in := e.topic("clicks", 4, nil)
	out := e.topic("counts", 4, nil)
	name := e.name("states")
	gen := newClicks(40, 4, 500)
	e.produce(gen.records(in, 2000))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := newTestLogger(t)

	metrics := NewMetrics(nil)
	srv, err := Serve("127.0.0.1:0", metrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	readyz := "http://" + srv.Addr() + "/readyz"
	if code, body := httpGet(t, readyz); code != 503 || body != "not ready: starting\n" {
		t.Errorf("/readyz before Run: %d %q", code, body)
	}

	a, b := &stateLog{}, &stateLog{}
	// Dynamic membership: a stopped instance leaves the group, and its
	// tasks move at once.
	opts := func(obs Observer, id string) []Opt {
		return []Opt{Brokers(e.brokers...), StateDir(t.TempDir()), ObserverOpt(obs), Logger(log.With("instance", id)),
			ClientOpts(kgo.SessionTimeout(6 * time.Second))}
	}
	qa, qb := NewQueries(), NewQueries()
	runA := startRun(clickSpec(name, in, out, ""), append(opts(Observers(metrics, a), "a"), QueryOpt(qa))...)
	// (The runner may report its assignment before the tasks open, as
	// "tasks[]", when it had fetched records in hand.)
	got := slices.DeleteFunc(a.waitFor(ctx, t, 0, "a running its tasks", runningWithTasks), func(ev string) bool { return ev == "tasks[]" })
	if want := []string{"starting", "rebalancing", "tasks[0 1 2 3]", "running"}; !slices.Equal(got, want) {
		t.Errorf("a alone: %q, want %q", got, want)
	}
	if code, body := httpGet(t, readyz); code != 200 || body != "ok\n" {
		t.Errorf("/readyz while running: %d %q", code, body)
	}
	// Queries of a's windows from now on, through b's join, the hand-overs
	// and the stop: each answers, or gives up when its second is over, or
	// finds the pipeline stopped; none fails otherwise or blocks the
	// pipeline.
	hammer := make(chan error, 1)
	answered := 0
	go func() {
		defer close(hammer)
		for i := 0; ; i++ {
			qctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := runtime.QueryWindows[int64](qctx, qa, "clicks", []byte(fmt.Sprintf("u%d", i%40)))
			cancel()
			switch {
			case errors.Is(err, ErrQueriesStopped):
				return
			case err == nil:
				answered++
			case !errors.Is(err, context.DeadlineExceeded):
				hammer <- err
				return
			}
		}
	}()
	if _, body := httpGet(t, "http://"+srv.Addr()+"/metrics"); !strings.Contains(body, `streamgen_instance_state{state="running"} 1`) ||
		!strings.Contains(body, `streamgen_instance_state{state="rebalancing"} 0`) {
		t.Errorf("/metrics lacks the state gauge:\n%s", body)
	}

	// b joins and takes two of a's tasks: b restores them (Rebalancing),
	// while a goes on with the other two without leaving Running. (A
	// cooperative rebalance gives b its tasks in a second step, once a has
	// given them up: b may run with none for a moment before that.)
	mark := len(a.since(0))
	runB := startRun(clickSpec(name, in, out, ""), append(opts(b, "b"), QueryOpt(qb))...)
	gotB := b.waitFor(ctx, t, 0, "b running its tasks", runningWithTasks)
	if !slices.Equal(gotB[:2], []string{"starting", "rebalancing"}) {
		t.Errorf("b: %q, want it to begin with starting, rebalancing", gotB)
	}
	for i := len(gotB) - 3; i >= 0; i-- {
		if !strings.HasPrefix(gotB[i], "tasks[") {
			if gotB[i] != "rebalancing" {
				t.Errorf("b: %q, want it to take its tasks while rebalancing", gotB)
			}
			break
		}
	}
	for {
		evs := a.since(mark)
		if len(evs) > 0 && evs[len(evs)-1] == "tasks[0 1 2 3]" {
			t.Fatalf("a kept all its tasks: %q", evs)
		}
		if slices.ContainsFunc(evs, func(ev string) bool { return strings.HasPrefix(ev, "tasks") }) {
			if slices.Contains(evs, "rebalancing") {
				t.Errorf("a left Running when it gave tasks up: %q", evs)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("a gave no task up: %q", evs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The group tells each instance who runs every partition: the
	// instances agree, and each finds itself where it runs the task.
	if p := qa.Partition([]byte("u7")); p != KeyPartition([]byte("u7"), 4) {
		t.Errorf("Partition(u7) = %d, want %d", p, KeyPartition([]byte("u7"), 4))
	}
	for {
		var local [2]int
		agree := true
		for p := int32(0); p < 4; p++ {
			oa, erra := qa.Owner(ctx, p)
			ob, errb := qb.Owner(ctx, p)
			if erra != nil || errb != nil || oa.MemberID != ob.MemberID || oa.Local == ob.Local || oa.Host == "" {
				agree = false
				break
			}
			if oa.Local {
				local[0]++
			} else {
				local[1]++
			}
		}
		if agree && local == [2]int{2, 2} {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the instances never agreed on two partitions each: %v", local)
		case <-time.After(20 * time.Millisecond):
		}
	}

	// RouteByKey serves a's keys on a and sends b's to b.
	route := RouteByKey(qa, func(r *http.Request) []byte { return []byte(r.PathValue("key")) },
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "a") }))
	mux := http.NewServeMux()
	mux.Handle("GET /k/{key}", route)
	seen := map[int]bool{}
	for i := 0; len(seen) < 2; i++ {
		if i == 1000 {
			t.Fatalf("1000 keys, answers %v: not both served and sent on", seen)
		}
		key := fmt.Sprintf("k%d", i)
		o, err := qa.Owner(ctx, qa.Partition([]byte(key)))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/k/"+key, nil))
		want := "a"
		if !o.Local {
			want = fmt.Sprintf(`{"partition":%d,"host":"%s"}`, o.Partition, o.Host)
		}
		if got := strings.TrimSpace(rec.Body.String()); got != want || (rec.Code == 200) != o.Local {
			t.Errorf("%s (on a: %v): %d %s, want %s", key, o.Local, rec.Code, got, want)
		}
		seen[rec.Code] = true
	}

	// Both process more clicks: b writes its tasks' changelog.
	e.produce(gen.records(in, 2000))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}

	// b stops: a takes its tasks back and restores them.
	mark = len(a.since(0))
	runB.stop(t)
	if got := b.since(len(gotB)); !slices.Equal(got, []string{"stopping", "stopped"}) {
		t.Errorf("b after its stop: %q, want stopping, stopped", got)
	}
	a.waitUntil(ctx, t, mark, "rebalancing", "tasks[0 1 2 3]", "running")
	if code, _ := httpGet(t, readyz); code != 200 {
		t.Errorf("/readyz after a took the tasks back: %d", code)
	}
	// It restored what b had written to their changelog: two restores in
	// all (a's first, from an empty changelog, and this one).
	_, body := httpGet(t, "http://"+srv.Addr()+"/metrics")
	if !strings.Contains(body, "streamgen_restore_duration_seconds_count 2\n") || strings.Contains(body, "streamgen_restore_records_total 0\n") {
		t.Errorf("/metrics after the restore:\n%s", grepLines(body, "streamgen_restore"))
	}

	e.produce(gen.flush(in))
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		t.Fatal(err)
	}
	runA.stop(t)
	if err := <-hammer; err != nil {
		t.Errorf("a query during the run: %v", err)
	}
	if answered == 0 {
		t.Error("no query was answered during the run")
	}
	t.Logf("%d queries answered during the run", answered)
	a.waitUntil(ctx, t, mark, "stopping", "stopped")
	if _, err := qa.Owner(ctx, 0); !errors.Is(err, ErrQueriesStopped) {
		t.Errorf("Owner after Run returned: %v, want ErrQueriesStopped", err)
	}
	if code, body := httpGet(t, readyz); code != 503 || body != "not ready: stopped\n" {
		t.Errorf("/readyz after the stop: %d %q", code, body)
	}
	recs, err := e.readCommitted(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkCounts(gen.want, recordLines(recs)); err != nil {
		t.Fatal(err)
	}

	// A run that cannot start fails from Starting.
	c := &stateLog{}
	spec := clickSpec(e.name("nostart"), "no-such-topic-"+e.prefix, out, "")
	if err := Run(ctx, spec, opts(c, "c")...); err == nil {
		t.Fatal("Run over a missing input topic returned nil")
	}
	if got, want := c.since(0), []string{"starting", "failed"}; !slices.Equal(got, want) {
		t.Errorf("a run that cannot start: %q, want %q", got, want)
	}
}

// grepLines returns the lines of s that contain substr.
func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
