package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/runtime"
)

// DefaultMetricsAddr is where Main serves /metrics, /healthz and /readyz unless
// --metrics-addr says otherwise: every interface, port 9090 (the port
// Prometheus examples scrape; pick another when Prometheus itself runs on
// the same host).
const DefaultMetricsAddr = ":9090"

// mainConfig is what Main's flags and environment say.
type mainConfig struct {
	brokers        []string
	stateDir       string
	instanceID     string
	metricsAddr    string
	pprof          bool
	logFormat      string
	logLevel       slog.Level
	dev            bool
	devPartitions  int32
	schemaRegistry []string
	autoRegister   bool
	// maxDrift is MaxWatermarkDrift when maxDriftSet (the flag or its
	// environment variable was given; 0 turns alignment off).
	maxDrift    time.Duration
	maxDriftSet bool
	// parallelism is TaskParallelism when not 0 (the flag or its
	// environment variable was given).
	parallelism int
	// cacheEntries is StoreOptions.CacheEntries when cacheSet.
	cacheEntries int
	cacheSet     bool
	// replication is InternalTopicReplication when not 0 (the flag or
	// its environment variable was given).
	replication int
	// security is how to reach a secured cluster and registry.
	security securityConfig
	// reset runs Reset instead of the pipeline.
	reset bool
	// rack is the client's rack (kgo.Rack), for fetching from the
	// closest replica.
	rack string
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseMainFlags reads Main's command line. Environment variables
// (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, STREAMGEN_MAX_WATERMARK_DRIFT,
// STREAMGEN_TASK_PARALLELISM, STREAMGEN_CACHE_ENTRIES,
// STREAMGEN_REPLICATION_FACTOR, and the KAFKA_TLS* and KAFKA_SASL_*
// variables of main_security.go) fill flags that are not given.
func parseMainFlags(name string, args []string, getenv func(string) string, stderr io.Writer) (mainConfig, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("brokers", getenv("KAFKA_BROKERS"), "comma-separated seed brokers (env KAFKA_BROKERS)")
	stateDir := fs.String("state-dir", "", "directory of the local state store (required unless --dev)")
	instanceID := fs.String("instance-id", "", "stable id of this instance: static group membership and a stable transactional id (each live instance needs its own)")
	metricsAddr := fs.String("metrics-addr", DefaultMetricsAddr, "address to serve /metrics, /healthz and /readyz on (empty: off)")
	pprofOn := fs.Bool("pprof", false, "also serve Go's runtime profiles under /debug/pprof/ on --metrics-addr (a CPU profile of a real load, saved as default.pgo beside the main package, lets go build optimize for it); off by default: profiles show the program's internals")
	logFormat := fs.String("log-format", "", "log format: json or text (default: text with --dev, json otherwise)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	dev := fs.Bool("dev", false, "development mode: without --brokers start an embedded broker with the pipeline's topics; without --state-dir use a temporary directory; without --schema-registry start an in-memory registry; auto-register schemas")
	devPartitions := fs.Int("dev-partitions", DefaultBrokerPartitions, "partitions of the topics --dev creates")
	registry := fs.String("schema-registry", getenv("SCHEMA_REGISTRY_URL"), "comma-separated Schema Registry URLs (env SCHEMA_REGISTRY_URL)")
	rack := fs.String("rack", getenv("KAFKA_RACK"), "the rack (availability zone) this instance runs in, Kafka's client.rack: brokers with a rack-aware replica selector then serve its fetches from a replica in the same rack, which saves cross-zone traffic (env KAFKA_RACK)")
	reset := fs.Bool("reset", false, "instead of running, make the pipeline start over on its next run, as Kafka Streams' application reset tool: delete its consumer group (committed input offsets), its internal topics (changelog, repartition, watermarks) and the local state in --state-dir, then exit; outputs are left alone. Stop every instance first, and reset each instance's --state-dir")
	autoRegister := fs.Bool("auto-register", false, "register output schemas the registry does not have yet (on with --dev)")
	maxDrift := fs.String("max-watermark-drift", getenv("STREAMGEN_MAX_WATERMARK_DRIFT"), "watermark alignment: pause an input partition whose watermark is more than this duration (e.g. 30s) ahead of the lowest of all the pipeline's instances, until that one catches up; 0: off; default: the spec's watermark_alignment.max_drift, off without one (env STREAMGEN_MAX_WATERMARK_DRIFT)")
	parallelism := fs.String("task-parallelism", getenv("STREAMGEN_TASK_PARALLELISM"), "tasks that process their records of a poll at the same time, each on its own goroutine (default: GOMAXPROCS, the cores the process may use; 1 drives all tasks from one goroutine) (env STREAMGEN_TASK_PARALLELISM)")
	replication := fs.String("replication-factor", getenv("STREAMGEN_REPLICATION_FACTOR"), "replication factor of the internal topics the pipeline creates (changelog, repartition, watermarks); default -1: the brokers' default.replication.factor; use 3 on a production cluster (env STREAMGEN_REPLICATION_FACTOR)")
	cacheEntries := fs.String("cache-entries", getenv("STREAMGEN_CACHE_ENTRIES"), "decoded state values the write-back caches of all this instance's tasks keep together, shared evenly among them (default 100000; size it to the keys the tasks keep live, such as window accumulators and session sets; negative: no cache) (env STREAMGEN_CACHE_ENTRIES)")
	security := securityFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s [flags]\n\nRuns the %s pipeline against Kafka until SIGINT or SIGTERM.\n\nFlags:\n", name, name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return mainConfig{}, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return mainConfig{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c := mainConfig{
		brokers:        splitList(*brokers),
		stateDir:       *stateDir,
		instanceID:     *instanceID,
		metricsAddr:    *metricsAddr,
		pprof:          *pprofOn,
		logFormat:      *logFormat,
		dev:            *dev,
		schemaRegistry: splitList(*registry),
		autoRegister:   *autoRegister || *dev,
		reset:          *reset,
		rack:           *rack,
	}
	sec, err := security()
	if err != nil {
		return c, err
	}
	c.security = sec
	if err := c.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return c, fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	switch c.logFormat {
	case "":
		c.logFormat = "json"
		if c.dev {
			c.logFormat = "text"
		}
	case "json", "text":
	default:
		return c, fmt.Errorf("--log-format %q: want json or text", c.logFormat)
	}
	if c.pprof && c.metricsAddr == "" {
		return c, fmt.Errorf("--pprof serves on --metrics-addr, which is empty")
	}
	if *devPartitions <= 0 || *devPartitions > 1<<16 {
		return c, fmt.Errorf("--dev-partitions %d: want a positive number", *devPartitions)
	}
	c.devPartitions = int32(*devPartitions)
	if *maxDrift != "" {
		d, err := time.ParseDuration(*maxDrift)
		if err != nil || d < 0 {
			return c, fmt.Errorf("--max-watermark-drift %q: want a duration such as 30s (0 turns alignment off)", *maxDrift)
		}
		c.maxDrift, c.maxDriftSet = d, true
	}
	if *parallelism != "" {
		n, err := strconv.Atoi(*parallelism)
		if err != nil || n < 1 {
			return c, fmt.Errorf("--task-parallelism %q: want a positive number of tasks", *parallelism)
		}
		c.parallelism = n
	}
	if *cacheEntries != "" {
		n, err := strconv.Atoi(*cacheEntries)
		if err != nil {
			return c, fmt.Errorf("--cache-entries %q: want a number of entries (negative: no cache)", *cacheEntries)
		}
		c.cacheEntries, c.cacheSet = n, true
	}
	if *replication != "" {
		n, err := strconv.Atoi(*replication)
		if err != nil || n == 0 || n < -1 {
			return c, fmt.Errorf("--replication-factor %q: want -1 (the brokers' default) or a positive number of replicas", *replication)
		}
		c.replication = n
	}
	return c, nil
}

// complete fills what the flags left empty from the options given to Main
// (Brokers, StateDir, InstanceID) and checks that, outside --dev, brokers
// and a state directory are known.
func (c *mainConfig) complete(given *config) error {
	if len(c.brokers) == 0 {
		c.brokers = given.brokers
	}
	if c.stateDir == "" {
		c.stateDir = given.stateDir
	}
	if c.instanceID == "" {
		c.instanceID = given.instanceID
	}
	if c.dev {
		return nil
	}
	if c.stateDir == "" {
		return errors.New("--state-dir is required (or run with --dev)")
	}
	if len(c.brokers) == 0 {
		return errors.New("no brokers: pass --brokers or set KAFKA_BROKERS (or run with --dev)")
	}
	return nil
}

// flagOpts are the Run options the tuning flags ask for; they come after
// the options given to Main, so flags win.
func (c *mainConfig) flagOpts() []Opt {
	var opts []Opt
	if c.instanceID != "" {
		opts = append(opts, InstanceID(c.instanceID))
	}
	if c.maxDriftSet {
		opts = append(opts, MaxWatermarkDrift(c.maxDrift))
	}
	if c.parallelism > 0 {
		opts = append(opts, TaskParallelism(c.parallelism))
	}
	if c.replication != 0 {
		opts = append(opts, InternalTopicReplication(c.replication))
	}
	if c.cacheSet {
		// Only the cache's size: the other store options given to Main
		// stay.
		n := c.cacheEntries
		opts = append(opts, optFunc(func(c *config) { c.store.CacheEntries = n }))
	}
	return opts
}

// mainOpt is an Opt for Main only; Run ignores it.
type mainOpt struct {
	framings []*ConfluentFraming
	handlers []httpHandler
}

type httpHandler struct {
	pattern string
	h       http.Handler
}

func (mainOpt) apply(*config) {}

// SchemaRegistryFramings is an option of Main: it connects the given
// Confluent framings (the ones the pipeline was built with, through
// runtime.WithFraming) to the registry --schema-registry names, or to the
// in-memory registry --dev starts. Run ignores it. A generated main reads:
//
//	f := kafka.NewConfluentFraming()
//	p := mypipeline.NewPipeline(ops, runtime.WithFraming(runtime.FormatAvroConfluent, f))
//	kafka.Main(p.Spec(), kafka.SchemaRegistryFramings(f))
func SchemaRegistryFramings(fs ...*ConfluentFraming) Opt { return mainOpt{framings: fs} }

// HTTPHandler is an option of Main: it serves h at pattern (as
// http.ServeMux reads it, "GET /last-seen") beside /metrics on
// --metrics-addr, for example the pipeline's interactive queries
// (Queries, QueryOpt). Run ignores it; Main without a metrics address
// serves nothing. Default: none.
func HTTPHandler(pattern string, h http.Handler) Opt {
	return mainOpt{handlers: []httpHandler{{pattern, h}}}
}

// Main runs a pipeline as a program: what a generated pipeline's main
// calls. It reads the command line (run with -h for the flags), sets up
// logging (log/slog, JSON or text), metrics and health on --metrics-addr
// (/metrics; /healthz, the liveness probe: 200 while the pipeline runs
// and commits go through, 503 with the reason otherwise; /readyz, the
// readiness probe: 200 while the instance is Running, 503 naming its
// state while it starts, joins the group, restores state or stops), and
// runs Run until SIGINT or
// SIGTERM, which commit what was read and stop; a second signal kills
// the process. opts are passed to Run, before the options the flags
// imply, so flags win. It exits the process: 0 after a clean stop, 2 for
// bad flags, 1 when the pipeline fails.
//
// With --dev and no brokers it starts an embedded broker on a free
// loopback port with the pipeline's input, output and dead-letter topics
// (--dev-partitions each; topic patterns are not created), uses a
// temporary state directory, starts an in-memory Schema Registry when
// none is given, turns schema auto-registration on, and prints the
// addresses.
func Main(p runtime.PipelineSpec, opts ...Opt) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal ends the process the default way
	}()
	err := runMain(ctx, p, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, opts)
	stop()
	switch {
	case err == nil:
		os.Exit(0)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errMainUsage):
		os.Exit(2)
	}
	os.Exit(1)
}

// errMainUsage marks a command-line error (already printed).
var errMainUsage = errors.New("usage")

// PipelineTopics lists the topics a pipeline reads and writes, each once,
// sorted, with partitions partitions: every listed input topic (the
// repartition topics included), dead-letter topic and output topic. Run
// creates the changelog itself. --dev creates these on the embedded broker;
// tests and demos create them the same way.
func PipelineTopics(p *runtime.PipelineSpec, partitions int32) []TopicConfig {
	set := map[string]bool{}
	for _, in := range p.Inputs {
		for _, t := range in.Topics {
			set[t] = true
		}
		if in.DeadLetterTopic != "" {
			set[in.DeadLetterTopic] = true
		}
	}
	for _, o := range p.Outputs {
		if o.Topic != "" {
			set[o.Topic] = true
		}
	}
	names := make([]string, 0, len(set))
	for t := range set {
		names = append(names, t)
	}
	sort.Strings(names)
	out := make([]TopicConfig, len(names))
	for i, n := range names {
		out[i] = TopicConfig{Name: n, Partitions: partitions}
	}
	return out
}

// createMissingTopics creates the topics the cluster lacks (--dev against
// a running cluster).
func createMissingTopics(ctx context.Context, brokers []string, topics []TopicConfig, clientOpts []kgo.Opt) ([]string, error) {
	cl, err := kgo.NewClient(append(slices.Clone(clientOpts), kgo.SeedBrokers(brokers...))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	have, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w%s", err, closedHint(err))
	}
	var created []string
	for _, t := range topics {
		if have.Has(t.Name) {
			continue
		}
		resp, err := adm.CreateTopic(ctx, t.Partitions, -1, nil, t.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return created, fmt.Errorf("creating topic %s: %w", t.Name, err)
		}
		created = append(created, t.Name)
	}
	return created, nil
}

// clientOpts are the franz-go options the flags ask of every client:
// TLS, SASL and the rack.
func (c *mainConfig) clientOpts(tlsCfg *tls.Config) []kgo.Opt {
	opts := c.security.kafkaOpts(tlsCfg)
	if c.rack != "" {
		opts = append(opts, kgo.Rack(c.rack))
	}
	return opts
}

// resetSummary is the line --reset prints.
func resetSummary(name, stateDir string, rep ResetReport) string {
	group := "no consumer group to delete"
	if rep.Group {
		group = "consumer group " + name + " deleted"
	}
	topics := "no internal topics to delete"
	if len(rep.Topics) > 0 {
		topics = "internal topics deleted: " + strings.Join(rep.Topics, ", ")
	}
	local := "no --state-dir: local state untouched"
	if rep.Tasks >= 0 {
		local = fmt.Sprintf("local state of %d task(s) cleared in %s", rep.Tasks, stateDir)
	}
	return fmt.Sprintf("reset %s: %s; %s; %s", name, group, topics, local)
}

// mainHealth is /healthz's view of a running Main.
type mainHealth struct {
	mu      sync.Mutex
	state   error // nil while running
	metrics *Metrics
}

func (h *mainHealth) set(err error) {
	h.mu.Lock()
	h.state = err
	h.mu.Unlock()
}

func (h *mainHealth) check() error {
	h.mu.Lock()
	err := h.state
	h.mu.Unlock()
	if err != nil {
		return err
	}
	return h.metrics.CommitHealth()
}

// runMain is Main without the process: it returns instead of exiting.
func runMain(ctx context.Context, p runtime.PipelineSpec, args []string, getenv func(string) string, stdout, stderr io.Writer, opts []Opt) (err error) {
	name := p.Name
	if name == "" {
		name = "pipeline"
	}
	// What the caller's options already say (the same package reads them).
	var framings []*ConfluentFraming
	var handlers []httpHandler
	var runOpts []Opt
	for _, o := range opts {
		if m, ok := o.(mainOpt); ok {
			framings = append(framings, m.framings...)
			handlers = append(handlers, m.handlers...)
			continue
		}
		runOpts = append(runOpts, o)
	}
	given := newConfig(runOpts)

	mc, err := parseMainFlags(name, args, getenv, stderr)
	if err == nil {
		err = mc.complete(&given)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return fmt.Errorf("%w: %v", errMainUsage, err)
	}
	logger, err := NewLogger(stderr, mc.logFormat, mc.logLevel)
	if err != nil {
		return err
	}
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	defer func() {
		if err != nil {
			logger.Error("pipeline stopped", "pipeline", p.Name, "err", err)
		}
	}()

	tlsCfg, err := mc.security.tlsConfig()
	if err != nil {
		return err
	}
	clientOpts := mc.clientOpts(tlsCfg)
	brokers := mc.brokers
	if mc.reset {
		if len(brokers) == 0 {
			return errors.New("--reset resets the pipeline on a cluster: pass --brokers or set KAFKA_BROKERS")
		}
		rep, err := Reset(ctx, p, append(runOpts, Brokers(brokers...), StateDir(mc.stateDir), Logger(logger), ClientOpts(clientOpts...))...)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, resetSummary(p.Name, mc.stateDir, rep))
		return nil
	}
	if mc.dev {
		topics := PipelineTopics(&p, mc.devPartitions)
		if len(brokers) == 0 && mc.security.secured() {
			return errors.New("--tls and --sasl-mechanism are for a cluster named by --brokers: the embedded broker of --dev speaks plaintext")
		}
		if len(brokers) == 0 {
			b, err := StartBroker(BrokerConfig{Topics: topics, DefaultPartitions: mc.devPartitions, Logger: logger})
			if err != nil {
				return err
			}
			cleanups = append(cleanups, b.Close)
			brokers = []string{b.Addr()}
			fmt.Fprintf(stdout, "dev: embedded Kafka broker on %s (export KAFKA_BROKERS=%s)\n", b.Addr(), b.Addr())
		} else {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			created, err := createMissingTopics(cctx, brokers, topics, append(slices.Clone(given.clientOpts), clientOpts...))
			cancel()
			if err != nil {
				return fmt.Errorf("dev: %w", err)
			}
			if len(created) > 0 {
				fmt.Fprintf(stdout, "dev: created topics %s\n", strings.Join(created, ", "))
			}
		}
		for _, in := range p.Inputs {
			if in.TopicPattern != "" {
				fmt.Fprintf(stdout, "dev: input %s reads topics matching %s; create them yourself\n", in.Name, in.TopicPattern)
			}
		}
		if mc.stateDir == "" {
			dir, err := os.MkdirTemp("", "streamgen-"+name+"-state-")
			if err != nil {
				return err
			}
			cleanups = append(cleanups, func() { os.RemoveAll(dir) })
			mc.stateDir = dir
			fmt.Fprintf(stdout, "dev: state in %s (removed at exit)\n", dir)
		}
		if len(mc.schemaRegistry) == 0 {
			reg := srfake.New()
			cleanups = append(cleanups, reg.Close)
			mc.schemaRegistry = []string{reg.URL()}
			fmt.Fprintf(stdout, "dev: in-memory Schema Registry at %s (export SCHEMA_REGISTRY_URL=%s)\n", reg.URL(), reg.URL())
		}
	}
	if len(framings) > 0 {
		if len(mc.schemaRegistry) == 0 {
			return errors.New("the pipeline reads or writes the Confluent wire format: pass --schema-registry or set SCHEMA_REGISTRY_URL")
		}
		cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(mc.schemaRegistry...)}, mc.security.registryOpts(tlsCfg)...)...)
		if err != nil {
			return fmt.Errorf("schema registry: %w", err)
		}
		for _, f := range framings {
			f.Connect(cl, mc.autoRegister)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := NewMetrics(reg)
	health := &mainHealth{metrics: metrics}
	if mc.metricsAddr != "" {
		var opts []ServeOpt
		if mc.pprof {
			opts = append(opts, WithProfiling())
		}
		for _, h := range handlers {
			opts = append(opts, WithHandler(h.pattern, h.h))
		}
		srv, err := Serve(mc.metricsAddr, metrics, health.check, opts...)
		if err != nil {
			return err
		}
		cleanups = append(cleanups, func() { srv.Close() })
		fmt.Fprintf(stdout, "metrics on http://%s/metrics, health on http://%s/healthz, readiness on http://%s/readyz\n", srv.Addr(), srv.Addr(), srv.Addr())
	}

	var observer Observer = metrics
	if _, nop := given.observer.(NopObserver); !nop && given.observer != nil {
		observer = Observers(metrics, given.observer)
	}
	runOpts = append(runOpts, Brokers(brokers...), StateDir(mc.stateDir), Logger(logger), ObserverOpt(observer), ClientOpts(clientOpts...))
	runOpts = append(runOpts, mc.flagOpts()...)
	logger.Info("pipeline starting", "pipeline", p.Name, "brokers", strings.Join(brokers, ","), "state_dir", mc.stateDir, "instance_id", mc.instanceID)
	err = Run(ctx, p, runOpts...)
	if err != nil && ctx.Err() != nil {
		// Stopped by a signal while starting (or while a failure was
		// under way): the stop was asked for, so it is a clean exit.
		logger.Warn("pipeline interrupted", "pipeline", p.Name, "err", err)
		err = nil
	}
	if err != nil {
		health.set(fmt.Errorf("pipeline stopped: %v", err))
		return err
	}
	health.set(errors.New("pipeline stopped"))
	logger.Info("pipeline stopped", "pipeline", p.Name)
	return nil
}
