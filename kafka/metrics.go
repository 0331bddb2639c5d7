package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/streamgen/streamgen/runtime"
)

// Metrics is the Prometheus Observer: it turns what the runner reports
// into metrics (all named streamgen_*) and remembers the last commit and
// abort for health checks. It is safe for concurrent use.
//
//	streamgen_records_in_total{topic,partition}        counter
//	streamgen_records_out_total{topic}                 counter
//	streamgen_consumer_lag{topic,partition}            gauge, records
//	streamgen_task_watermark_seconds{task}             gauge, event time (unix seconds)
//	streamgen_commit_duration_seconds                  histogram
//	streamgen_commit_records                           histogram (outputs + changelog records per commit)
//	streamgen_commit_bytes_total                       counter
//	streamgen_commits_total                            counter
//	streamgen_commit_aborts_total                      counter
//	streamgen_last_commit_timestamp_seconds            gauge
//	streamgen_state_size_bytes{task}                   gauge, estimated bytes (Task.StateSize, at most once a second)
//	streamgen_state_cache_entries{task}                gauge, entries in the task's write-back cache (as often)
//	streamgen_state_cache_hits_total{task}             counter, lookups the cache answered
//	streamgen_state_cache_misses_total{task}           counter, lookups the cache missed
//	streamgen_state_store_reads_total{task}            counter, point reads of pebble (misses of keys not known absent, map and list reads)
//	streamgen_state_cache_evictions_total{task}        counter, entries evicted to stay within the task's share of --cache-entries
//	streamgen_dead_letter_records_total{topic}         counter (by dead-letter topic)
//	streamgen_tasks_assigned                           gauge
//	streamgen_partition_paused{topic,partition}        gauge, 1 while the runner holds the input partition's fetching paused
//	streamgen_alignment_watermark_seconds              gauge, the lowest watermark of the pipeline's instances that alignment holds partitions to (absent when alignment is off or there is none)
//	streamgen_restore_records_total                    counter, changelog records replayed to restore tasks opened here
//	streamgen_restore_duration_seconds                 histogram, time to restore the tasks opened at once (before they process)
//	streamgen_instance_state{state}                    gauge, 1 for the instance's RunState (starting, rebalancing, running, stopping, stopped, failed), 0 for the others
//
// When tasks are revoked (TasksAssigned without them) their per-task and
// per-partition series are removed, so dashboards do not show stale lag.
type Metrics struct {
	gatherer prometheus.Gatherer

	recordsIn    *prometheus.CounterVec
	recordsOut   *prometheus.CounterVec
	lag          *prometheus.GaugeVec
	watermark    *prometheus.GaugeVec
	alignWM      *prometheus.GaugeVec // no labels: absent when deleted
	commitDur    prometheus.Histogram
	commitRecs   prometheus.Histogram
	commitBytes  prometheus.Counter
	commits      prometheus.Counter
	aborts       prometheus.Counter
	lastCommit   prometheus.Gauge
	stateSize    *prometheus.GaugeVec
	cacheEntries *prometheus.GaugeVec
	cacheHits    *prometheus.CounterVec
	cacheMisses  *prometheus.CounterVec
	storeReads   *prometheus.CounterVec
	cacheEvicted *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	tasks        prometheus.Gauge
	paused       *prometheus.GaugeVec
	state        *prometheus.GaugeVec
	restoreRecs  prometheus.Counter
	restoreDur   prometheus.Histogram

	mu           sync.Mutex
	runState     RunState // the last StateChanged; Starting before any
	lagSeries    map[lagKey]bool
	pausedSeries map[lagKey]bool
	assigned     map[int32]bool
	cacheSeen    map[int32]runtime.CacheStats // each task's last StateCache
	lastOK       time.Time
	lastAbort    time.Time
	abortReason  error
	now          func() time.Time
}

type lagKey struct {
	topic     string
	partition int32
}

// NewMetrics registers streamgen's metrics with reg and returns the
// Observer that feeds them. A nil reg means a new registry holding only
// these metrics. /metrics (Serve) gathers from reg when it is also a
// prometheus.Gatherer (a *prometheus.Registry is), else from
// prometheus.DefaultGatherer. It panics if the metrics are already
// registered with reg, as prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	g, ok := reg.(prometheus.Gatherer)
	if !ok {
		g = prometheus.DefaultGatherer
	}
	m := &Metrics{
		gatherer: g,
		recordsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_records_in_total", Help: "Records read from input partitions.",
		}, []string{"topic", "partition"}),
		recordsOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_records_out_total", Help: "Records written to output topics.",
		}, []string{"topic"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_consumer_lag", Help: "Records between an input partition's high watermark and the next offset to read.",
		}, []string{"topic", "partition"}),
		watermark: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_task_watermark_seconds", Help: "A task's event-time watermark, in seconds since the Unix epoch.",
		}, []string{"task"}),
		commitDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "streamgen_commit_duration_seconds", Help: "Time to prepare and commit one transaction.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		commitRecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "streamgen_commit_records", Help: "Records (outputs and changelog) carried by one commit.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 12),
		}),
		commitBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "streamgen_commit_bytes_total", Help: "Bytes of the records carried by commits.",
		}),
		commits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "streamgen_commits_total", Help: "Commits that succeeded.",
		}),
		aborts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "streamgen_commit_aborts_total", Help: "Commits that were aborted.",
		}),
		lastCommit: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "streamgen_last_commit_timestamp_seconds", Help: "When the last commit succeeded, in seconds since the Unix epoch.",
		}),
		stateSize: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_state_size_bytes", Help: "Estimated bytes of a task's local state: its pebble tables on disk and its committed writes waiting for a checkpoint (the shared memtable does not count).",
		}, []string{"task"}),
		cacheEntries: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_state_cache_entries", Help: "Entries in a task's write-back cache of decoded state; its bound is the task's share of --cache-entries.",
		}, []string{"task"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_state_cache_hits_total", Help: "State lookups a task's write-back cache answered.",
		}, []string{"task"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_state_cache_misses_total", Help: "State lookups a task's write-back cache missed; those of keys not known to be absent read pebble.",
		}, []string{"task"}),
		storeReads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_state_store_reads_total", Help: "Point reads of a task's state in pebble: cache misses of keys not known to be absent, and map and list reads.",
		}, []string{"task"}),
		cacheEvicted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_state_cache_evictions_total", Help: "Entries a task's write-back cache evicted to stay within its share of --cache-entries; many mean the cache is too small for the live keys.",
		}, []string{"task"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "streamgen_dead_letter_records_total", Help: "Records sent to a dead-letter topic.",
		}, []string{"topic"}),
		tasks: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "streamgen_tasks_assigned", Help: "Tasks (input partitions) this instance runs.",
		}),
		paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_partition_paused", Help: "1 while the runner holds an input partition's fetching paused (watermark alignment, or its task not open yet), else 0.",
		}, []string{"topic", "partition"}),
		alignWM: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_alignment_watermark_seconds", Help: "With watermark alignment on, the lowest watermark over the input partitions of all the pipeline's instances, which this instance's partitions may lead by at most the maximum drift; in seconds since the Unix epoch.",
		}, nil),
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "streamgen_instance_state", Help: "1 for the state this instance is in (starting, rebalancing, running, stopping, stopped, failed), 0 for the others; /readyz answers 200 only while running.",
		}, []string{"state"}),
		restoreRecs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "streamgen_restore_records_total", Help: "Changelog records replayed to restore the state of tasks opened on this instance.",
		}),
		restoreDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "streamgen_restore_duration_seconds", Help: "Time to restore the tasks opened at once from the changelog, before they process.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}),
		lagSeries:    map[lagKey]bool{},
		pausedSeries: map[lagKey]bool{},
		assigned:     map[int32]bool{},
		cacheSeen:    map[int32]runtime.CacheStats{},
		now:          time.Now,
	}
	reg.MustRegister(m.recordsIn, m.recordsOut, m.lag, m.watermark, m.commitDur, m.commitRecs,
		m.commitBytes, m.commits, m.aborts, m.lastCommit, m.stateSize, m.cacheEntries, m.cacheHits, m.cacheMisses, m.storeReads,
		m.cacheEvicted, m.deadLettered, m.tasks, m.paused, m.alignWM, m.state, m.restoreRecs, m.restoreDur)
	m.setStateGauge(StateStarting)
	return m
}

// Restored counts a restore.
func (m *Metrics) Restored(_ []int32, records int, took time.Duration) {
	m.restoreRecs.Add(float64(records))
	m.restoreDur.Observe(took.Seconds())
}

// StateChanged sets streamgen_instance_state and what Ready answers.
func (m *Metrics) StateChanged(s RunState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runState = s
	m.setStateGauge(s)
}

func (m *Metrics) setStateGauge(s RunState) {
	for _, x := range runStates {
		v := 0.0
		if x == s {
			v = 1
		}
		m.state.WithLabelValues(x.String()).Set(v)
	}
}

// Ready returns nil while the instance is Running (StateChanged), and
// otherwise an error naming its state: what /readyz answers, so that a
// load balancer or Kubernetes sends no traffic to, and a rolling update
// does not move on from, an instance that is still joining the group or
// restoring its state.
func (m *Metrics) Ready() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runState != StateRunning {
		return fmt.Errorf("not ready: %s", m.runState)
	}
	return nil
}

// Gatherer returns where /metrics reads from.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.gatherer }

func partitionLabel(p int32) string { return strconv.FormatInt(int64(p), 10) }

// RecordsIn implements Observer.
func (m *Metrics) RecordsIn(topic string, partition int32, n int) {
	m.recordsIn.WithLabelValues(topic, partitionLabel(partition)).Add(float64(n))
}

// RecordsOut implements Observer.
func (m *Metrics) RecordsOut(topic string, n int) {
	m.recordsOut.WithLabelValues(topic).Add(float64(n))
}

// Lag implements Observer.
func (m *Metrics) Lag(topic string, partition int32, lag int64) {
	m.mu.Lock()
	m.lagSeries[lagKey{topic, partition}] = true
	m.mu.Unlock()
	m.lag.WithLabelValues(topic, partitionLabel(partition)).Set(float64(lag))
}

// Watermark implements Observer. A task without a watermark yet
// (runtime.NoWatermark) has no series.
func (m *Metrics) Watermark(task int32, watermark int64) {
	if watermark == runtime.NoWatermark {
		m.watermark.DeleteLabelValues(partitionLabel(task))
		return
	}
	m.watermark.WithLabelValues(partitionLabel(task)).Set(float64(watermark) / 1000)
}

// AlignmentWatermark implements Observer. No watermark removes the
// series.
func (m *Metrics) AlignmentWatermark(watermark int64) {
	if watermark == runtime.NoWatermark {
		m.alignWM.DeleteLabelValues()
		return
	}
	m.alignWM.WithLabelValues().Set(float64(watermark) / 1000)
}

// Committed implements Observer.
func (m *Metrics) Committed(d time.Duration, records int, bytes int64) {
	m.commitDur.Observe(d.Seconds())
	m.commitRecs.Observe(float64(records))
	m.commitBytes.Add(float64(bytes))
	m.commits.Inc()
	now := m.now()
	m.lastCommit.Set(float64(now.UnixNano()) / 1e9)
	m.mu.Lock()
	m.lastOK = now
	m.mu.Unlock()
}

// Aborted implements Observer.
func (m *Metrics) Aborted(reason error) {
	m.aborts.Inc()
	if reason == nil {
		reason = errors.New("commit aborted")
	}
	m.mu.Lock()
	m.lastAbort, m.abortReason = m.now(), reason
	m.mu.Unlock()
}

// StateSize implements Observer.
func (m *Metrics) StateSize(task int32, bytes int64) {
	m.stateSize.WithLabelValues(partitionLabel(task)).Set(float64(bytes))
}

// StateCache implements Observer. The counters grow by what changed since
// the task's last report (by all of it when the task opened again).
func (m *Metrics) StateCache(task int32, s runtime.CacheStats) {
	m.mu.Lock()
	prev, seen := m.cacheSeen[task]
	m.cacheSeen[task] = s
	m.mu.Unlock()
	if seen && (s.Hits < prev.Hits || s.Misses < prev.Misses || s.Evictions < prev.Evictions || s.StoreReads < prev.StoreReads) {
		prev = runtime.CacheStats{} // reopened: counting again from zero
	}
	label := partitionLabel(task)
	m.cacheEntries.WithLabelValues(label).Set(float64(s.Entries))
	m.cacheHits.WithLabelValues(label).Add(float64(s.Hits - prev.Hits))
	m.cacheMisses.WithLabelValues(label).Add(float64(s.Misses - prev.Misses))
	m.storeReads.WithLabelValues(label).Add(float64(s.StoreReads - prev.StoreReads))
	m.cacheEvicted.WithLabelValues(label).Add(float64(s.Evictions - prev.Evictions))
}

// DeadLettered implements Observer.
func (m *Metrics) DeadLettered(topic string) {
	m.deadLettered.WithLabelValues(topic).Inc()
}

// PartitionPaused implements Observer: streamgen_partition_paused is 1
// while the partition is paused, 0 after.
func (m *Metrics) PartitionPaused(topic string, partition int32, paused bool, _ PauseReason) {
	v := 0.0
	if paused {
		v = 1
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pausedSeries[lagKey{topic, partition}] = paused
	m.paused.WithLabelValues(topic, partitionLabel(partition)).Set(v)
}

// TasksAssigned implements Observer. Series of tasks no longer assigned
// (and lag of their partitions, and pause flags at 0) are deleted.
func (m *Metrics) TasksAssigned(tasks []int32) {
	m.tasks.Set(float64(len(tasks)))
	now := make(map[int32]bool, len(tasks))
	for _, t := range tasks {
		now[t] = true
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for t := range m.assigned {
		if !now[t] {
			m.watermark.DeleteLabelValues(partitionLabel(t))
			m.stateSize.DeleteLabelValues(partitionLabel(t))
			for _, v := range []interface{ DeleteLabelValues(...string) bool }{m.cacheEntries, m.cacheHits, m.cacheMisses, m.storeReads, m.cacheEvicted} {
				v.DeleteLabelValues(partitionLabel(t))
			}
			delete(m.cacheSeen, t)
		}
	}
	for k := range m.lagSeries {
		if !now[k.partition] {
			m.lag.DeleteLabelValues(k.topic, partitionLabel(k.partition))
			delete(m.lagSeries, k)
		}
	}
	for k, paused := range m.pausedSeries {
		// A partition is paused before its task opens: its 1 stays.
		if !now[k.partition] && !paused {
			m.paused.DeleteLabelValues(k.topic, partitionLabel(k.partition))
			delete(m.pausedSeries, k)
		}
	}
	m.assigned = now
}

// CommitHealth reports whether commits are going through: an error naming
// the last abort's reason when the last commit attempt was aborted (and
// none succeeded since), nil otherwise, and nil before the first commit.
func (m *Metrics) CommitHealth() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.abortReason != nil && m.lastAbort.After(m.lastOK) {
		return fmt.Errorf("last commit aborted at %s: %v", m.lastAbort.UTC().Format(time.RFC3339), m.abortReason)
	}
	return nil
}

var _ Observer = (*Metrics)(nil)

// Observers returns an Observer that tells each of obs everything, in
// order (for example Metrics and a test's recorder).
func Observers(obs ...Observer) Observer { return multiObserver(obs) }

type multiObserver []Observer

func (o multiObserver) RecordsIn(topic string, partition int32, n int) {
	for _, x := range o {
		x.RecordsIn(topic, partition, n)
	}
}

func (o multiObserver) RecordsOut(topic string, n int) {
	for _, x := range o {
		x.RecordsOut(topic, n)
	}
}

func (o multiObserver) Lag(topic string, partition int32, lag int64) {
	for _, x := range o {
		x.Lag(topic, partition, lag)
	}
}

func (o multiObserver) Watermark(task int32, watermark int64) {
	for _, x := range o {
		x.Watermark(task, watermark)
	}
}

func (o multiObserver) Committed(d time.Duration, records int, bytes int64) {
	for _, x := range o {
		x.Committed(d, records, bytes)
	}
}

func (o multiObserver) Aborted(reason error) {
	for _, x := range o {
		x.Aborted(reason)
	}
}

func (o multiObserver) StateSize(task int32, bytes int64) {
	for _, x := range o {
		x.StateSize(task, bytes)
	}
}

func (o multiObserver) StateCache(task int32, stats runtime.CacheStats) {
	for _, x := range o {
		x.StateCache(task, stats)
	}
}

func (o multiObserver) DeadLettered(topic string) {
	for _, x := range o {
		x.DeadLettered(topic)
	}
}

func (o multiObserver) TasksAssigned(tasks []int32) {
	for _, x := range o {
		x.TasksAssigned(tasks)
	}
}

func (o multiObserver) PartitionPaused(topic string, partition int32, paused bool, reason PauseReason) {
	for _, x := range o {
		x.PartitionPaused(topic, partition, paused, reason)
	}
}

func (o multiObserver) AlignmentWatermark(watermark int64) {
	for _, x := range o {
		x.AlignmentWatermark(watermark)
	}
}

func (o multiObserver) Restored(tasks []int32, records int, took time.Duration) {
	for _, x := range o {
		x.Restored(tasks, records, took)
	}
}

func (o multiObserver) StateChanged(state RunState) {
	for _, x := range o {
		x.StateChanged(state)
	}
}

// Server serves /metrics and /healthz; Serve starts one.
type Server struct {
	ln  net.Listener
	srv *http.Server
	err chan error

	closeOnce sync.Once
	closeErr  error
}

// ServeOpt configures Serve.
type ServeOpt func(*serveConfig)

type serveConfig struct {
	profiling bool
	handlers  []httpHandler
}

// WithHandler also serves h at pattern (http.ServeMux syntax, for example
// "GET /last-seen"). Serve panics, as http.ServeMux does, when pattern
// clashes with another. Default: none.
func WithHandler(pattern string, h http.Handler) ServeOpt {
	return func(c *serveConfig) { c.handlers = append(c.handlers, httpHandler{pattern, h}) }
}

// WithProfiling also serves Go's runtime profiles under /debug/pprof/
// (net/http/pprof): CPU, heap, goroutines, mutex and block profiles and
// execution traces. A CPU profile of a production instance
// (/debug/pprof/profile?seconds=30) saved as default.pgo beside the
// pipeline's main package makes `go build` optimize the binary for that
// load (profile-guided optimization). Profiles show the program's
// internals, so serve them only where the metrics address is private.
// Default: off.
func WithProfiling() ServeOpt { return func(c *serveConfig) { c.profiling = true } }

// Serve listens on addr ("127.0.0.1:0" picks a free port) and serves, in
// the background, the metrics of m on /metrics (Prometheus text or
// OpenMetrics, as the scraper asks), health on /healthz: 200 "ok" when
// health returns nil, 503 with the error's text otherwise, and readiness
// on /readyz: 200 "ok" while m's instance is Running (Metrics.Ready), 503
// naming its state otherwise. Use /healthz as a liveness probe (a long
// restore is not a failure) and /readyz as a readiness probe. A nil
// health is always healthy; a nil m serves only /healthz.
func Serve(addr string, m *Metrics, health func() error, opts ...ServeOpt) (*Server, error) {
	var cfg serveConfig
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kafka: metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	if m != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	}
	mux.HandleFunc("GET /healthz", checkHandler(health))
	if m != nil {
		mux.HandleFunc("GET /readyz", checkHandler(m.Ready))
	}
	for _, h := range cfg.handlers {
		mux.Handle(h.pattern, h.h)
	}
	if cfg.profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	s := &Server{
		ln:  ln,
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		err: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.err <- err
	}()
	return s, nil
}

// checkHandler answers 200 "ok" when check returns nil (or is nil), and
// 503 with the error's text otherwise.
func checkHandler(check func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if check != nil {
			if err := check(); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, err.Error()+"\n")
				return
			}
		}
		_, _ = io.WriteString(w, "ok\n")
	}
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server, letting requests in flight finish for up to
// five seconds. Closing again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.closeErr = err
			return
		}
		s.closeErr = <-s.err
	})
	return s.closeErr
}

// NewLogger returns a structured logger writing to w in format "json"
// (one JSON object per line, for log shippers) or "text" (logfmt-like
// key=value, for terminals), at level and above.
func NewLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("kafka: unknown log format %q (want json or text)", format)
}
