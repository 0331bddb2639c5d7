package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/streamgen/streamgen/runtime"
)

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestMetricsServe(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.RecordsIn("clicks", 3, 5)
	m.RecordsIn("clicks", 3, 2)
	m.RecordsIn("clicks", 1, 1)
	m.RecordsOut("views", 4)
	m.Lag("clicks", 3, 17)
	m.Lag("clicks", 1, 2)
	m.Watermark(3, 1_700_000_000_500)
	m.Watermark(1, runtime.NoWatermark)
	m.Committed(3*time.Millisecond, 12, 4096)
	m.Committed(5*time.Millisecond, 8, 1024)
	m.Aborted(errors.New("fenced"))
	m.StateSize(3, 1<<20)
	m.DeadLettered("clicks-dlq")
	m.DeadLettered("clicks-dlq")
	m.TasksAssigned([]int32{1, 3})

	s, err := Serve("127.0.0.1:0", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	code, body := httpGet(t, "http://"+s.Addr()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	for _, want := range []string{
		`streamgen_records_in_total{partition="3",topic="clicks"} 7`,
		`streamgen_records_in_total{partition="1",topic="clicks"} 1`,
		`streamgen_records_out_total{topic="views"} 4`,
		`streamgen_consumer_lag{partition="3",topic="clicks"} 17`,
		`streamgen_task_watermark_seconds{task="3"} 1.7000000005e+09`,
		`streamgen_commit_duration_seconds_count 2`,
		`streamgen_commit_duration_seconds_sum 0.008`,
		`streamgen_commit_records_sum 20`,
		`streamgen_commit_bytes_total 5120`,
		`streamgen_commits_total 2`,
		`streamgen_commit_aborts_total 1`,
		`streamgen_state_size_bytes{task="3"} 1.048576e+06`,
		`streamgen_dead_letter_records_total{topic="clicks-dlq"} 2`,
		`streamgen_tasks_assigned 2`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, `streamgen_task_watermark_seconds{task="1"}`) {
		t.Error("a task without a watermark has a watermark series")
	}

	// Revoking task 3 drops its series; counters stay.
	m.TasksAssigned([]int32{1})
	_, body = httpGet(t, "http://"+s.Addr()+"/metrics")
	for _, gone := range []string{`streamgen_consumer_lag{partition="3"`, `streamgen_task_watermark_seconds{task="3"}`, `streamgen_state_size_bytes{task="3"}`} {
		if strings.Contains(body, gone) {
			t.Errorf("series %s survived the revocation", gone)
		}
	}
	for _, kept := range []string{`streamgen_consumer_lag{partition="1",topic="clicks"} 2`, `streamgen_records_in_total{partition="3",topic="clicks"} 7`, "streamgen_tasks_assigned 1"} {
		if !strings.Contains(body, kept+"\n") {
			t.Errorf("/metrics lacks %q after revocation", kept)
		}
	}
	if code, body := httpGet(t, "http://"+s.Addr()+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz with nil health: %d %q", code, body)
	}
}

func TestMetricsHealth(t *testing.T) {
	m := NewMetrics(nil)
	clock := time.Unix(1000, 0)
	m.now = func() time.Time { return clock }
	var mu sync.Mutex
	var runnerErr error
	health := func() error {
		mu.Lock()
		defer mu.Unlock()
		if runnerErr != nil {
			return runnerErr
		}
		return m.CommitHealth()
	}
	s, err := Serve("127.0.0.1:0", m, health)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	url := "http://" + s.Addr() + "/healthz"

	steps := []struct {
		name     string
		do       func()
		wantCode int
		wantBody string
	}{
		{"before any commit", func() {}, 200, "ok"},
		{"committed", func() { m.Committed(time.Millisecond, 1, 10) }, 200, "ok"},
		{"aborted", func() { clock = clock.Add(time.Second); m.Aborted(errors.New("producer fenced")) }, 503, "last commit aborted at 1970-01-01T00:16:41Z: producer fenced"},
		{"committed again", func() { clock = clock.Add(time.Second); m.Committed(time.Millisecond, 1, 10) }, 200, "ok"},
		{"runner down", func() { mu.Lock(); runnerErr = errors.New("starting: waiting for the brokers"); mu.Unlock() }, 503, "starting: waiting for the brokers"},
	}
	for _, st := range steps {
		st.do()
		code, body := httpGet(t, url)
		if code != st.wantCode || strings.TrimSpace(body) != st.wantBody {
			t.Errorf("%s: /healthz %d %q, want %d %q", st.name, code, body, st.wantCode, st.wantBody)
		}
	}
	if code, _ := httpGet(t, "http://"+s.Addr()+"/metrics"); code != 200 {
		t.Errorf("/metrics of a private registry: %d", code)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after Close")
	}
}

func TestMetricsRegisterer(t *testing.T) {
	// A Registerer that is not a Gatherer: the metrics still register,
	// and Gatherer falls back to the default gatherer.
	reg := prometheus.WrapRegistererWithPrefix("", prometheus.NewRegistry())
	m := NewMetrics(reg)
	if m.Gatherer() != prometheus.DefaultGatherer {
		t.Error("Gatherer of a non-gathering Registerer is not the default")
	}
	m.RecordsOut("x", 2)
	if got := testutil.ToFloat64(m.recordsOut.WithLabelValues("x")); got != 2 {
		t.Errorf("records out %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering the metrics twice did not panic")
		}
	}()
	NewMetrics(reg)
}

type recordingObserver struct {
	NopObserver
	calls []string
}

func (r *recordingObserver) RecordsIn(topic string, p int32, n int) {
	r.calls = append(r.calls, "in "+topic)
}
func (r *recordingObserver) DeadLettered(topic string)   { r.calls = append(r.calls, "dlq "+topic) }
func (r *recordingObserver) TasksAssigned(tasks []int32) { r.calls = append(r.calls, "tasks") }

func TestObservers(t *testing.T) {
	a, b := &recordingObserver{}, &recordingObserver{}
	o := Observers(a, b, NopObserver{})
	o.RecordsIn("t", 0, 1)
	o.RecordsOut("t", 1)
	o.Lag("t", 0, 1)
	o.Watermark(0, 1)
	o.Committed(time.Millisecond, 1, 1)
	o.Aborted(nil)
	o.StateSize(0, 1)
	o.DeadLettered("d")
	o.TasksAssigned(nil)
	want := "in t|dlq d|tasks"
	for _, r := range []*recordingObserver{a, b} {
		if got := strings.Join(r.calls, "|"); got != want {
			t.Errorf("calls %q, want %q", got, want)
		}
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"json", func(t *testing.T, out string) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(out), &rec); err != nil {
				t.Fatalf("not one JSON object: %q: %v", out, err)
			}
			if rec["msg"] != "committed" || rec["level"] != "INFO" || rec["task"] != float64(3) {
				t.Errorf("record %v", rec)
			}
		}},
		{"text", func(t *testing.T, out string) {
			if !strings.Contains(out, "level=INFO msg=committed task=3") {
				t.Errorf("text line %q", out)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLogger(&buf, tc.format, slog.LevelInfo)
			if err != nil {
				t.Fatal(err)
			}
			l.Debug("hidden")
			l.Info("committed", "task", 3)
			tc.check(t, buf.String())
		})
	}
	if _, err := NewLogger(io.Discard, "xml", slog.LevelInfo); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("NewLogger(xml): %v", err)
	}
}

// TestMetricsStateSize runs the stateful click pipeline with Metrics as
// its observer and a small memtable (so committed state reaches pebble's
// tables soon) and checks that /metrics shows a non-zero state size for
// every task once the input is processed.
func TestMetricsStateSize(t *testing.T) {
	e := newEOSEnv(t)
	const parts = 2
	in := e.topic("clicks", parts, nil)
	out := e.topic("counts", parts, nil)
	name := e.name("statesize")
	// 5,000 users in the same few minutes: many open windows, whose
	// counts and timers are the state.
	gen := newClicks(5000, parts, 5)
	e.produce(gen.records(in, 40_000))

	m := NewMetrics(prometheus.NewRegistry())
	srv, err := Serve("127.0.0.1:0", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	r := startRun(clickSpec(name, in, out, ""), Brokers(e.brokers...), StateDir(t.TempDir()),
		Logger(newTestLogger(t)), ObserverOpt(m),
		StoreOptions(runtime.StoreOptions{MemTableSize: 64 << 10, CacheEntries: -1}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, in); err != nil {
		r.stop(t)
		t.Fatal(err)
	}
	// Sizes are reported after commits, at most once a second per task.
	var sizes map[string]float64
	for {
		sizes = map[string]float64{}
		_, body := httpGet(t, "http://"+srv.Addr()+"/metrics")
		for _, line := range strings.Split(body, "\n") {
			series, value, ok := strings.Cut(line, " ")
			if !ok || !strings.HasPrefix(series, "streamgen_state_size_bytes{") {
				continue
			}
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			sizes[series] = v
		}
		nonZero := 0
		for _, v := range sizes {
			if v > 0 {
				nonZero++
			}
		}
		if nonZero == parts {
			break
		}
		select {
		case <-ctx.Done():
			r.stop(t)
			t.Fatalf("state sizes on /metrics %v, want %d tasks with a non-zero size", sizes, parts)
		case <-time.After(200 * time.Millisecond):
		}
	}
	r.stop(t)
	t.Logf("state sizes: %v", sizes)
}

// TestMetricsStateCache checks the cache series: counters grow by what
// changed since a task's last report, start again from zero when the task
// reopens, and go with the task.
func TestMetricsStateCache(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.TasksAssigned([]int32{2, 5})
	m.StateCache(2, runtime.CacheStats{Hits: 10, Misses: 4, StoreReads: 3, Evictions: 1, Entries: 7})
	m.StateCache(2, runtime.CacheStats{Hits: 25, Misses: 6, StoreReads: 5, Evictions: 3, Entries: 9})
	m.StateCache(5, runtime.CacheStats{Hits: 8, Misses: 2, StoreReads: 2, Evictions: 0, Entries: 2})
	m.StateCache(5, runtime.CacheStats{Hits: 3, Misses: 1, StoreReads: 1, Evictions: 0, Entries: 1}) // task 5 reopened
	for _, c := range []struct {
		name string
		val  float64
		want float64
	}{
		{"entries 2", testutil.ToFloat64(m.cacheEntries.WithLabelValues("2")), 9},
		{"hits 2", testutil.ToFloat64(m.cacheHits.WithLabelValues("2")), 25},
		{"misses 2", testutil.ToFloat64(m.cacheMisses.WithLabelValues("2")), 6},
		{"store reads 2", testutil.ToFloat64(m.storeReads.WithLabelValues("2")), 5},
		{"evictions 2", testutil.ToFloat64(m.cacheEvicted.WithLabelValues("2")), 3},
		{"entries 5", testutil.ToFloat64(m.cacheEntries.WithLabelValues("5")), 1},
		{"hits 5, reopened", testutil.ToFloat64(m.cacheHits.WithLabelValues("5")), 11},
		{"misses 5, reopened", testutil.ToFloat64(m.cacheMisses.WithLabelValues("5")), 3},
		{"store reads 5, reopened", testutil.ToFloat64(m.storeReads.WithLabelValues("5")), 3},
	} {
		if c.val != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.val, c.want)
		}
	}
	m.TasksAssigned([]int32{5})
	if n := testutil.CollectAndCount(m.cacheHits); n != 1 {
		t.Fatalf("%d hit series after task 2 left, want 1", n)
	}
}

// TestServeProfiling checks that /debug/pprof/ is served only with
// WithProfiling, and that a CPU profile (what default.pgo is made of) comes
// back from it.
func TestServeProfiling(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []ServeOpt
		wantCode int
	}{{"off", nil, 404}, {"on", []ServeOpt{WithProfiling()}, 200}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Serve("127.0.0.1:0", nil, nil, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if code, body := httpGet(t, "http://"+s.Addr()+"/debug/pprof/"); code != tc.wantCode {
				t.Fatalf("/debug/pprof/: %d, want %d: %.200s", code, tc.wantCode, body)
			}
			if tc.wantCode != 200 {
				return
			}
			code, body := httpGet(t, "http://"+s.Addr()+"/debug/pprof/profile?seconds=1")
			// A CPU profile is gzipped protobuf.
			if code != 200 || !strings.HasPrefix(body, "\x1f\x8b") {
				t.Fatalf("/debug/pprof/profile: %d, %d bytes, want a gzipped profile", code, len(body))
			}
			if code, _ := httpGet(t, "http://"+s.Addr()+"/healthz"); code != 200 {
				t.Fatalf("/healthz: %d", code)
			}
		})
	}
}
