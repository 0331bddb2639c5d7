package kafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamgen/streamgen/runtime"
)

// Opt configures Run, in the style of franz-go's kgo options.
type Opt interface{ apply(*config) }

type optFunc func(*config)

func (f optFunc) apply(c *config) { f(c) }

type config struct {
	brokers    []string
	stateDir   string
	instanceID string
	txnTimeout time.Duration
	discovery  time.Duration
	observer   Observer
	logger     *slog.Logger
	store      runtime.StoreOptions
	clientOpts []kgo.Opt
	now        func() time.Time
	sinks2PC   map[string]TwoPhaseSink
	maxPoll    int
	// parallelism bounds the tasks processed at once (GOMAXPROCS too;
	// GOMAXPROCS by default).
	parallelism int
	// maxDrift turns watermark alignment on when positive; maxDriftSet
	// says an option set it (else the spec's MaxWatermarkDrift applies).
	maxDrift    time.Duration
	maxDriftSet bool
	// replication is the replication factor of the internal topics Run
	// creates; -1: the brokers' default.
	replication int
	queries     *Queries // nil: none
}

// Defaults of the options.
const (
	// DefaultTransactionTimeout is the transaction timeout unless
	// TransactionTimeout says otherwise: short, so that an open
	// transaction of an instance that died without a stable InstanceID
	// holds readers back for at most this long, and far above the default
	// commit interval. Kafka Streams uses the same value for EOS.
	DefaultTransactionTimeout = 10 * time.Second
	// DefaultPartitionDiscoveryInterval is how often the runner looks for
	// new partitions and topics unless PartitionDiscoveryInterval says
	// otherwise.
	DefaultPartitionDiscoveryInterval = 5 * time.Second
	// DefaultInternalTopicReplication is the replication factor of the
	// internal topics Run creates unless InternalTopicReplication says
	// otherwise: -1, the brokers' default.replication.factor, as Kafka
	// Streams' replication.factor.
	DefaultInternalTopicReplication = -1
	// DefaultCommitInterval applies when the spec's CommitInterval is 0.
	DefaultCommitInterval = 100 * time.Millisecond
	// defaultMaxPoll bounds the records handed to tasks between two
	// checks of the commit deadline.
	defaultMaxPoll = 10_000
	// parallelPollPerWorker is the poll bound per worker with
	// TaskParallelism above 1: a poll of 10,000 records of a backlog holds
	// one or two partitions' fetches, too few tasks to keep two workers
	// busy.
	parallelPollPerWorker = 25_000
)

// Brokers sets the seed brokers. Default: the comma-separated list in the
// KAFKA_BROKERS environment variable.
func Brokers(addrs ...string) Opt {
	return optFunc(func(c *config) { c.brokers = append([]string(nil), addrs...) })
}

// StateDir sets the directory of the process's pebble state store.
// Required. One pipeline per directory: a task's local state is found
// again there after a restart, so only the changelog tail is replayed.
func StateDir(dir string) Opt { return optFunc(func(c *config) { c.stateDir = dir }) }

// InstanceID turns on static group membership with this id and makes the
// transactional id stable ("<pipeline>-<id>"): a restarted instance takes
// its partitions back at once, and its first InitProducerID fences its
// previous incarnation and aborts that incarnation's open transaction.
// Default: none, that is dynamic membership and a random transactional id
// suffix; then a dead instance's open transaction holds read_committed
// readers (and the restore of its tasks elsewhere) back until the
// transaction timeout. Each live instance needs its own id.
func InstanceID(id string) Opt { return optFunc(func(c *config) { c.instanceID = id }) }

// TransactionTimeout sets the producer's transaction timeout. Default
// DefaultTransactionTimeout (10s). Run checks at start that it is longer
// than the commit interval and at most the brokers'
// transaction.max.timeout.ms.
func TransactionTimeout(d time.Duration) Opt { return optFunc(func(c *config) { c.txnTimeout = d }) }

// PartitionDiscoveryInterval sets how often the client refreshes metadata
// (franz-go's MetadataMaxAge, and MetadataMinAge at most that), so new
// partitions of input topics and new topics matching an input pattern are
// picked up within about this interval; they are read from the earliest
// offset. Default DefaultPartitionDiscoveryInterval (5s).
func PartitionDiscoveryInterval(d time.Duration) Opt {
	return optFunc(func(c *config) { c.discovery = d })
}

// InternalTopicReplication sets the replication factor of the internal
// topics Run creates: the changelog, repartition topics and the
// watermarks topic of watermark alignment. Default
// DefaultInternalTopicReplication (-1: the brokers'
// default.replication.factor, which is 1 unless the cluster sets it). On
// a production cluster use 3, as for any topic whose loss loses state: a
// changelog on one broker is lost with it. Topics that exist already are
// left as they are. Run checks n at start: -1, or 1 up to the number of
// brokers (a topic that cannot be created is an error before any record
// is read).
func InternalTopicReplication(n int) Opt {
	return optFunc(func(c *config) { c.replication = n })
}

// ObserverOpt sets the Observer told about records, commits, lag and
// tasks. Default NopObserver.
func ObserverOpt(o Observer) Opt { return optFunc(func(c *config) { c.observer = o }) }

// Logger sets the logger. Default slog.Default().
func Logger(l *slog.Logger) Opt { return optFunc(func(c *config) { c.logger = l }) }

// StoreOptions sizes the pebble store (see runtime.StoreOptions).
// Default: the runtime's defaults.
func StoreOptions(o runtime.StoreOptions) Opt { return optFunc(func(c *config) { c.store = o }) }

// ClientOpts adds franz-go options to every client the runner creates
// (the group consumer and transactional producer, the restore consumer,
// the admin and at-least-once clients), for SASL, TLS, client ids and
// the like. Default none. Options that change consuming or the group
// (topics, balancers, offsets) are the runner's and must not be given.
func ClientOpts(opts ...kgo.Opt) Opt {
	return optFunc(func(c *config) { c.clientOpts = append(c.clientOpts, opts...) })
}

// ProcessingTimeFunc sets the clock tasks read processing time from.
// Default time.Now.
func ProcessingTimeFunc(now func() time.Time) Opt { return optFunc(func(c *config) { c.now = now }) }

// Sinks2PC routes outputs to two-phase-commit sinks instead of Kafka: a
// key is an output name of the spec or a topic the pipeline sends to, and
// records for it go to that sink exactly once (see TwoPhaseSink). Default
// none.
func Sinks2PC(sinks map[string]TwoPhaseSink) Opt {
	return optFunc(func(c *config) {
		if c.sinks2PC == nil {
			c.sinks2PC = map[string]TwoPhaseSink{}
		}
		for k, v := range sinks {
			c.sinks2PC[k] = v
		}
	})
}

// TaskParallelism lets up to n tasks process their records of a poll at
// the same time, each task on one goroutine (tasks share nothing but the
// producer); the tasks' parts of a commit (preparing, producing the
// changelog, applying the state to pebble) run on the same goroutines.
// One operator implementation serves all tasks, so it must be safe for
// concurrent use, as the generated code's contract says (per-key data
// belongs in keyed state); so must an Observer. Default: GOMAXPROCS when
// Run starts, the cores the process may use (never more workers than the
// tasks of a poll). 1: one goroutine drives all tasks, for operators that
// are not safe for concurrent use. Above 1, a poll takes up to 25,000
// records per worker instead of 10,000 (from a backlog a smaller poll
// holds one or two partitions' fetches, too few tasks to share), so the
// commit deadline is checked less often: at about 270,000 records/s per
// worker a poll lasts about 90ms, and commits come that much later than
// the commit interval. On the 2-core reference machine, with the broker
// on the same machine, two workers against one (medians, BENCHMARKS.md):
// BenchmarkClickstream 659k against 479k records/s, BenchmarkRunner,
// with little work per record, 556k against 455k.
func TaskParallelism(n int) Opt {
	return optFunc(func(c *config) { c.parallelism = max(n, 1) })
}

func newConfig(opts []Opt) config {
	c := config{
		txnTimeout:  DefaultTransactionTimeout,
		discovery:   DefaultPartitionDiscoveryInterval,
		observer:    NopObserver{},
		logger:      slog.Default(),
		now:         time.Now,
		maxPoll:     defaultMaxPoll,
		parallelism: goruntime.GOMAXPROCS(0),
		replication: DefaultInternalTopicReplication,
	}
	if env := os.Getenv("KAFKA_BROKERS"); env != "" {
		for _, b := range strings.Split(env, ",") {
			if b = strings.TrimSpace(b); b != "" {
				c.brokers = append(c.brokers, b)
			}
		}
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// errMigrated means this instance lost its tasks (fenced producer, lost
// group membership, a failed transaction): drop them and rejoin.
var errMigrated = errors.New("kafka: tasks migrated")

// errRewind asks for an abort of the transaction (the consumer goes back
// to the committed offsets) without ending the session.
var errRewind = errors.New("kafka: rewinding to the committed offsets")

// fatalError is an error that ends Run.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// fromSpec takes the settings the options left to the spec: watermark
// alignment.
func (c *config) fromSpec(p *runtime.PipelineSpec) {
	if !c.maxDriftSet {
		c.maxDrift = p.MaxWatermarkDrift
	}
}

// Run runs the pipeline until ctx is done or a fatal error (a config or
// topic check failing, an error from the pipeline's own code). Task
// migration (fencing, lost partitions) never returns an error: the
// affected tasks are dropped and the instance rejoins.
//
// Each assigned input partition (one partition number across the inputs)
// is a task: restored from its changelog partition, fed its records in
// offset order, and committed every CommitInterval (or CommitMaxRecords)
// in one Kafka transaction per instance that carries the outputs, the
// changelog records and the input offsets (Kafka Streams' EOS v2). When
// ctx is done the records read so far are committed and Run returns nil.
func Run(ctx context.Context, p runtime.PipelineSpec, opts ...Opt) error {
	c := newConfig(opts)
	c.fromSpec(&p)
	if c.parallelism > 1 {
		c.maxPoll = max(c.maxPoll, parallelPollPerWorker*c.parallelism)
	}
	if p.CommitInterval <= 0 {
		p.CommitInterval = DefaultCommitInterval
	}
	if p.CommitMaxRecords > 0 && p.CommitMaxRecords < c.maxPoll {
		// A poll never takes a task past its commit size.
		c.maxPoll = p.CommitMaxRecords
	}
	c.observer.StateChanged(StateStarting)
	if c.queries != nil {
		c.queries.start()
		defer c.queries.stop()
	}
	if err := checkSpec(&p, &c); err != nil {
		c.observer.StateChanged(StateFailed)
		return err
	}
	r, err := newRunner(ctx, p, c)
	if err != nil {
		c.observer.StateChanged(StateFailed)
		return err
	}
	if c.queries != nil {
		c.queries.attach(r.adm, p.Name, r.topo.partitions)
	}
	err = r.run(ctx)
	r.close()
	if err != nil {
		r.setState(StateFailed)
	} else {
		r.setState(StateStopped)
	}
	return err
}

type outputInfo struct {
	delivery    runtime.Delivery
	partitioner runtime.Partitioner
	partition   int32 // fixed partition, or -1
}

type runner struct {
	spec  runtime.PipelineSpec
	cfg   config
	log   *slog.Logger
	obs   Observer
	state RunState // reported to obs (setState)
	// joined: the session's group membership has had its assignment.
	joined    bool
	match     *inputMatcher
	topo      *topology
	changelog string
	// clogKey names the changelog in the tasks' local offsets
	// (changelogStateKey).
	clogKey string
	// fetchErrs logs the polls' fetch errors and finds deleted inputs.
	fetchErrs fetchErrors
	dlqs      map[string]bool
	// repartition holds the pipeline's repartition topics: inputs it
	// also produces to, exactly once, hashed by key.
	repartition map[string]bool
	outputs     map[string]outputInfo
	twoPC       map[string]TwoPhaseSink // by topic
	twoPCName   map[string]string       // topic -> sink name in metadata
	part        *recordPartitioner

	admCl  *kgo.Client
	adm    *kadm.Client
	store  *runtime.Store
	alo    *kgo.Client // at-least-once and no-guarantee outputs
	aloMu  sync.Mutex
	aloErr error

	// prodCtx bounds produce calls and transaction ends; it outlives the
	// run context by the shutdown grace period.
	prodCtx    context.Context
	prodCancel context.CancelFunc

	sess     *kgo.GroupTransactSession
	sessGen  int
	txnID    string
	evMu     sync.Mutex
	events   []event
	evNotify chan struct{}

	tasks      map[int32]*task
	owned      map[string]map[int32]bool
	txnBegun   bool
	lastCommit time.Time
	errMu      sync.Mutex
	produceErr error
	aborts     int // transactions aborted, to spot a rewind
	// produceFailures counts commits in a row that failed producing.
	produceFailures int

	// pendingRecover holds 2PC handles from fetched offsets of tasks not
	// open yet.
	pendingRecover map[int32]map[string][]Handle

	// paused holds the input partitions whose fetching the runner paused
	// (pause.go), and alignBuf is align's scratch space.
	paused   map[topicPart]pauseState
	alignBuf []alignCand
	// group shares watermarks with the pipeline's other instances for
	// alignment (align_group.go); nil without MaxWatermarkDrift. alignWM
	// is the lowest watermark align last reported to the Observer
	// (math.MaxInt64: none).
	group   *groupWatermarks
	alignWM int64
}

func newRunner(ctx context.Context, p runtime.PipelineSpec, c config) (*runner, error) {
	m, err := newInputMatcher(p.Inputs, internalTopics(p.Name, &c))
	if err != nil {
		return nil, err
	}
	r := &runner{
		spec:        p,
		cfg:         c,
		log:         c.logger.With("pipeline", p.Name),
		obs:         c.observer,
		match:       m,
		changelog:   changelogTopic(p.Name),
		alignWM:     math.MaxInt64,
		dlqs:        map[string]bool{},
		repartition: map[string]bool{},
		outputs:     map[string]outputInfo{},
		twoPC:       map[string]TwoPhaseSink{},
		twoPCName:   map[string]string{},
		part:        &recordPartitioner{byTopic: map[string]runtime.Partitioner{}},
		tasks:       map[int32]*task{},
		owned:       map[string]map[int32]bool{},
		paused:      map[topicPart]pauseState{},
		evNotify:    make(chan struct{}, 1),
	}
	for _, in := range p.Inputs {
		if in.DeadLetterTopic != "" {
			r.dlqs[in.DeadLetterTopic] = true
		}
		if !in.Repartition {
			continue
		}
		for _, t := range in.Topics {
			r.repartition[t] = true
			r.outputs[t] = outputInfo{delivery: runtime.ExactlyOnce, partitioner: runtime.KeyHash, partition: -1}
			r.part.byTopic[t] = runtime.KeyHash
		}
	}
	for _, o := range p.Outputs {
		part := int32(-1)
		if o.Partitioner == runtime.Fixed {
			part = o.Partition
		}
		r.outputs[o.Topic] = outputInfo{delivery: o.Delivery, partitioner: o.Partitioner, partition: part}
		r.part.byTopic[o.Topic] = o.Partitioner
	}
	twoPCTopics := map[string]bool{}
	for name, s := range c.sinks2PC {
		if s == nil {
			return nil, fmt.Errorf("kafka: 2PC sink %q is nil", name)
		}
		topic := name
		for _, o := range p.Outputs {
			if o.Name == name {
				topic = o.Topic
			}
		}
		if _, dup := r.twoPC[topic]; dup {
			return nil, fmt.Errorf("kafka: two 2PC sinks for topic %q", topic)
		}
		r.twoPC[topic] = s
		r.twoPCName[topic] = name
		twoPCTopics[topic] = true
	}
	// The admin client lists offsets of partitions created a moment ago:
	// it may refresh its metadata often.
	r.admCl, err = kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.brokers...),
		kgo.MetadataMinAge(100 * time.Millisecond), kgo.MetadataMaxAge(max(c.discovery, time.Second))}, c.clientOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka: admin client: %w", err)
	}
	r.adm = kadm.NewClient(r.admCl)
	r.topo, err = checkCluster(ctx, r.adm, &r.spec, &r.cfg, m, twoPCTopics)
	if err != nil {
		r.admCl.Close()
		return nil, err
	}
	r.clogKey = changelogStateKey(r.changelog, r.topo.changelogID)
	for _, o := range p.Outputs {
		if o.Delivery != runtime.ExactlyOnce && !twoPCTopics[o.Topic] && r.alo == nil {
			r.alo, err = kgo.NewClient(append([]kgo.Opt{
				kgo.SeedBrokers(c.brokers...),
				kgo.RecordPartitioner(r.part),
				kgo.WithLogger(kgoLogger{r.log}),
			}, c.clientOpts...)...)
			if err != nil {
				r.admCl.Close()
				return nil, fmt.Errorf("kafka: at-least-once producer: %w", err)
			}
		}
	}
	opened := time.Now()
	r.store, err = runtime.OpenStore(c.stateDir, c.store)
	if err != nil {
		r.close()
		return nil, err
	}
	r.log.Info("state store opened", "dir", c.stateDir, "took", time.Since(opened))
	r.txnID = p.Name + "-" + c.instanceID
	if c.instanceID == "" {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			r.close()
			return nil, err
		}
		r.txnID = p.Name + "-" + hex.EncodeToString(b[:])
	}
	if c.maxDrift > 0 {
		r.group, err = newGroupWatermarks(&r.cfg, watermarksTopic(p.Name), r.txnID, r.log)
		if err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func (r *runner) close() {
	if r.group != nil {
		r.group.close()
	}
	if r.alo != nil {
		r.alo.Close()
	}
	if r.store != nil {
		if err := r.store.Close(); err != nil {
			r.log.Error("closing the state store", "err", err)
		}
	}
	if r.admCl != nil {
		r.admCl.Close()
	}
}

// run runs sessions until ctx is done or a fatal error; a migrated
// session is replaced by a new one (rejoin).
func (r *runner) run(ctx context.Context) error {
	r.prodCtx, r.prodCancel = context.WithCancel(context.Background())
	defer r.prodCancel()
	stop := context.AfterFunc(ctx, func() {
		// The last commit gets the transaction timeout to finish.
		time.AfterFunc(r.cfg.txnTimeout+5*time.Second, r.prodCancel)
	})
	defer stop()
	backoff := 100 * time.Millisecond
	for {
		began := time.Now()
		err := r.session(ctx)
		if time.Since(began) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		var fatal *fatalError
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.As(err, &fatal):
			return fatal.err
		case err != nil:
			r.log.Warn("tasks migrated; rejoining the group", "err", err)
			r.setState(StateRebalancing)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

// event is a group callback's news, queued for the processing loop.
type event struct {
	gen   int
	kind  eventKind
	parts map[string][]int32
	meta  map[int32]map[string][]Handle // fetched: 2PC handles per task
}

type eventKind int

const (
	evAssigned eventKind = iota
	evRevoked
	evLost
	evFetched
)

func (r *runner) push(ev event) {
	r.evMu.Lock()
	r.events = append(r.events, ev)
	r.evMu.Unlock()
	select {
	case r.evNotify <- struct{}{}:
	default:
	}
}

func (r *runner) drain() []event {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

// sessionOpts are the options of the group consumer and transactional
// producer of one session.
func (r *runner) sessionOpts(gen int) []kgo.Opt {
	c := &r.cfg
	minAge := min(c.discovery, 5*time.Second)
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.brokers...),
		kgo.ConsumerGroup(r.spec.Name),
		kgo.Balancers(newCoPartitionBalancer()),
		kgo.TransactionalID(r.txnID),
		kgo.TransactionTimeout(c.txnTimeout),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		// franz-go's default long poll (5s) delays partitions assigned
		// while a fetch waits; the Java client's 500ms keeps that short.
		kgo.FetchMaxWait(500 * time.Millisecond),
		kgo.ConsumeStartOffset(kgo.NewOffset().AtStart()),
		kgo.MetadataMaxAge(c.discovery),
		kgo.MetadataMinAge(minAge),
		kgo.RecordPartitioner(r.part),
		// New partitions are paused until their tasks are open; partitions
		// leaving are resumed (franz-go's pauses outlive a rebalance).
		kgo.OnPartitionsAssigned(func(_ context.Context, cl *kgo.Client, m map[string][]int32) {
			pauseOnAssign(cl, m)
			r.push(event{gen: gen, kind: evAssigned, parts: m})
		}),
		kgo.OnPartitionsRevoked(func(_ context.Context, cl *kgo.Client, m map[string][]int32) {
			resumeOnRevoke(cl, m)
			r.push(event{gen: gen, kind: evRevoked, parts: m})
		}),
		kgo.OnPartitionsLost(func(_ context.Context, cl *kgo.Client, m map[string][]int32) {
			resumeOnRevoke(cl, m)
			r.push(event{gen: gen, kind: evLost, parts: m})
		}),
		kgo.OnOffsetsFetched(func(_ context.Context, _ *kgo.Client, resp *kmsg.OffsetFetchResponse) error {
			return r.offsetsFetched(gen, resp)
		}),
		kgo.AdjustFetchOffsetsFn((&startResolver{adm: r.adm, refresh: r.admCl.ForceMetadataRefresh, match: r.match, initial: r.topo.inputCounts}).adjust),
		kgo.WithLogger(kgoLogger{r.log}),
	}
	if c.instanceID != "" {
		opts = append(opts, kgo.InstanceID(c.instanceID))
	}
	opts = append(opts, r.match.consumeOpts()...)
	return append(opts, c.clientOpts...)
}

// offsetsFetched reads the 2PC handles out of the committed offsets'
// metadata of newly assigned partitions.
func (r *runner) offsetsFetched(gen int, resp *kmsg.OffsetFetchResponse) error {
	meta := map[int32]map[string][]Handle{}
	parts := map[string][]int32{}
	for _, g := range resp.Groups {
		for _, t := range g.Topics {
			for _, p := range t.Partitions {
				parts[t.Topic] = append(parts[t.Topic], p.Partition)
				if p.Metadata == nil {
					continue
				}
				hs, err := decodeHandles(*p.Metadata)
				if err != nil {
					return err
				}
				if len(hs) == 0 {
					continue
				}
				if meta[p.Partition] == nil {
					meta[p.Partition] = map[string][]Handle{}
				}
				for s, h := range hs {
					meta[p.Partition][s] = appendUnique(meta[p.Partition][s], h...)
				}
			}
		}
	}
	r.push(event{gen: gen, kind: evFetched, parts: parts, meta: meta})
	return nil
}

func appendUnique(dst []Handle, hs ...Handle) []Handle {
	for _, h := range hs {
		dup := false
		for _, d := range dst {
			if d == h {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, h)
		}
	}
	return dst
}

// session runs one group session: join, restore, process, commit, until
// ctx is done (nil), the tasks migrate (errMigrated), or a fatal error.
func (r *runner) session(ctx context.Context) (err error) {
	r.sessGen++
	gen := r.sessGen
	r.drain()
	sess, err := kgo.NewGroupTransactSession(r.sessionOpts(gen)...)
	if err != nil {
		return &fatalError{fmt.Errorf("kafka: creating the group client: %w", err)}
	}
	r.sess = sess
	if q := r.cfg.queries; q != nil {
		q.setClient(sess.Client())
		defer q.setClient(nil)
	}
	r.txnBegun = false
	r.joined = false
	r.setState(StateRebalancing)
	r.pendingRecover = map[int32]map[string][]Handle{}
	r.clearProduceErr()
	defer func() {
		r.closeTasks()
		r.clearPauses("session ended")
		sess.Close()
		r.sess = nil
	}()
	// Fence the previous incarnation (same transactional id): its open
	// transaction is aborted before this one restores anything.
	pctx, cancel := context.WithTimeout(ctx, r.cfg.txnTimeout+30*time.Second)
	_, _, err = sess.Client().ProducerID(pctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if isFatalKafkaErr(err) {
			return &fatalError{fmt.Errorf("kafka: initializing the transactional producer %s: %w", r.txnID, err)}
		}
		return fmt.Errorf("%w: initializing the producer: %v", errMigrated, err)
	}
	r.log.Info("session started", "transactional_id", r.txnID, "instance_id", r.cfg.instanceID)
	r.lastCommit = time.Now()
	for {
		if ctx.Err() != nil {
			return r.shutdown()
		}
		if err := r.handleEvents(ctx, gen, nil); err != nil {
			return err
		}
		if err := r.advanceProcessingTime(); err != nil {
			return r.failed(err)
		}
		wait := r.cfg.txnTimeout
		if r.txnBegun || len(r.tasks) > 0 {
			wait = time.Until(r.lastCommit.Add(r.spec.CommitInterval))
		}
		if wait > 0 {
			pctx, cancel := context.WithTimeout(ctx, max(wait, time.Millisecond))
			// News from the group (an assignment of idle partitions)
			// ends the wait.
			wake := r.queryWake()
			go func() {
				select {
				case <-r.evNotify:
					cancel()
				case <-wake:
					cancel()
				case <-pctx.Done():
				}
			}()
			fetches := sess.PollRecords(pctx, r.cfg.maxPoll)
			cancel()
			if fetches.IsClientClosed() {
				return nil
			}
			now := time.Now()
			unknown, errs := r.fetchErrs.note(r.log, fetches, now)
			if now.Sub(r.fetchErrs.checked) >= r.cfg.discovery {
				// Also every discovery interval: a consumer may stop
				// fetching a deleted topic without an error.
				r.fetchErrs.checked = now
				for t := range r.match.literal {
					unknown = append(unknown, t)
				}
			}
			if err := r.missingInputs(ctx, unknown); err != nil {
				return r.failed(err)
			}
			if errs && fetches.NumRecords() == 0 {
				select {
				case <-ctx.Done():
				case <-time.After(fetchErrBackoff):
				}
			}
			aborts := r.aborts
			if err := r.handleEvents(ctx, gen, &fetches); err != nil {
				return err
			}
			// An abort while these records were in hand rewound the
			// consumer to the committed offsets: they come again.
			if r.aborts == aborts {
				if err := r.process(fetches); err != nil {
					if errors.Is(err, errRewind) {
						if err := r.endAbort(err); err != nil {
							return err
						}
						continue
					}
					return r.failed(err)
				}
			}
		}
		if r.commitDue() {
			if err := r.commit(); err != nil {
				return err
			}
		}
		r.serveQueries()
		r.align()
	}
}

// failed turns a processing error into the session's result: migration
// errors rejoin, the others end Run after aborting the transaction.
func (r *runner) failed(err error) error {
	aerr := r.endAbort(err)
	if errors.Is(err, errMigrated) {
		return err
	}
	if aerr != nil {
		r.log.Warn("aborting after a failure", "err", aerr)
	}
	return &fatalError{err}
}

// shutdown commits what was processed and ends the session.
func (r *runner) shutdown() error {
	r.setState(StateStopping)
	if err := r.commit(); err != nil {
		r.log.Warn("final commit failed", "err", err)
	}
	r.log.Info("session stopped")
	return nil
}

func (r *runner) commitDue() bool {
	if time.Since(r.lastCommit) >= r.spec.CommitInterval {
		return true
	}
	if n := r.spec.CommitMaxRecords; n > 0 {
		for _, t := range r.tasks {
			if t.records >= n {
				return true
			}
		}
	}
	return false
}

// handleEvents applies the group's news in order. Revocations abort the
// transaction and close the tasks (a task revoked and assigned again is
// reopened: another instance may have run it in between). Assignments open
// and restore tasks with no transaction open: at the top of the loop the
// work in flight is committed first; with polled records in hand (inHand)
// opening waits for the top of the loop, unless the records include some
// of the new tasks', in which case the transaction is aborted, which
// rewinds the consumer so those records come again. Fetched offsets
// recover the 2PC sinks of the tasks they belong to.
func (r *runner) handleEvents(ctx context.Context, gen int, inHand *kgo.Fetches) error {
	evs := r.drain()
	var (
		abort   bool
		changed bool
		revoked = map[int32]bool{}
	)
	for _, ev := range evs {
		if ev.gen != gen {
			continue
		}
		switch ev.kind {
		case evAssigned:
			r.joined = true
			for topic, ps := range ev.parts {
				if r.owned[topic] == nil {
					r.owned[topic] = map[int32]bool{}
				}
				for _, p := range ps {
					r.owned[topic][p] = true
					// The callback paused it; pausing again keeps a
					// revocation handled just before from undoing that.
					r.setPause(topicPart{topic, p}, pauseNotReady, true, runtime.NoWatermark, runtime.NoWatermark, "assigned")
				}
			}
			changed = true
		case evRevoked, evLost:
			if len(ev.parts) == 0 {
				continue
			}
			abort = true
			for topic, ps := range ev.parts {
				for _, p := range ps {
					delete(r.owned[topic], p)
					revoked[p] = true
					r.dropPauses(topicPart{topic, p}, "revoked")
				}
			}
			changed = true
		case evFetched:
			for _, ps := range ev.parts {
				for _, p := range ps {
					if r.pendingRecover[p] == nil {
						r.pendingRecover[p] = map[string][]Handle{}
					}
					for s, hs := range ev.meta[p] {
						r.pendingRecover[p][s] = appendUnique(r.pendingRecover[p][s], hs...)
					}
				}
			}
		}
	}
	if abort {
		if err := r.endAbort(errors.New("partitions revoked or lost")); err != nil {
			return err
		}
	}
	for id, t := range r.tasks {
		if revoked[id] || !r.ownsAny(id) {
			r.closeTask(t)
		}
	}
	var open []int32
	for topic, ps := range r.owned {
		_ = topic
		for p := range ps {
			if r.tasks[p] == nil && !containsID(open, p) {
				open = append(open, p)
			}
		}
	}
	if len(open) > 0 && inHand != nil {
		needed := false
		inHand.EachPartition(func(fp kgo.FetchTopicPartition) {
			if len(fp.Records) > 0 && containsID(open, fp.Partition) {
				needed = true
			}
		})
		if !needed {
			open = nil // at the top of the loop
		} else if err := r.endAbort(errors.New("tasks assigned while their records were in hand")); err != nil {
			return err
		}
	} else if len(open) > 0 {
		if err := r.commit(); err != nil {
			return err
		}
	}
	if len(open) > 0 {
		sort.Slice(open, func(i, j int) bool { return open[i] < open[j] })
		r.setState(StateRebalancing) // while the new tasks restore
		if err := r.openTasks(ctx, open); err != nil {
			return err
		}
		changed = true
	}
	for p, hs := range r.pendingRecover {
		t := r.tasks[p]
		if t == nil {
			if !r.ownsAny(p) {
				delete(r.pendingRecover, p)
			}
			continue
		}
		delete(r.pendingRecover, p)
		if t.recovered {
			continue
		}
		if err := r.recover2PC(t, hs); err != nil {
			return &fatalError{err}
		}
	}
	r.resumeReady()
	if changed {
		ids := make([]int32, 0, len(r.tasks))
		for id := range r.tasks {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		r.obs.TasksAssigned(ids)
		r.log.Info("tasks assigned", "tasks", ids)
		r.settle()
		if q := r.cfg.queries; q != nil {
			q.forgetOwners()
		}
	}
	return nil
}

func containsID(ids []int32, id int32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (r *runner) ownsAny(p int32) bool {
	for _, ps := range r.owned {
		if ps[p] {
			return true
		}
	}
	return false
}

// ownedPartitions lists the input partitions of task p this instance owns.
func (r *runner) ownedPartitions(p int32) []string {
	var ts []string
	for topic, ps := range r.owned {
		if ps[p] {
			ts = append(ts, topic)
		}
	}
	sort.Strings(ts)
	return ts
}

// advanceProcessingTime moves every task's processing time to the clock,
// firing due processing-time timers.
func (r *runner) advanceProcessingTime() error {
	now := r.cfg.now().UnixMilli()
	for _, t := range r.tasks {
		if !t.ready() {
			continue
		}
		if err := t.rt.SetProcessingTime(now); err != nil {
			return fmt.Errorf("kafka: task %d: %w", t.id, err)
		}
	}
	return nil
}

// process feeds polled records to their tasks in offset order, each task
// on one goroutine; with TaskParallelism, different tasks in parallel.
// Every polled record is processed before the next commit: franz-go
// commits the polled position.
func (r *runner) process(fetches kgo.Fetches) error {
	var (
		work  []*taskWork
		index = map[int32]*taskWork{}
		err   error
	)
	fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
		if err != nil || len(fp.Records) == 0 {
			return
		}
		t := r.tasks[fp.Partition]
		if t == nil || !t.ready() || !r.owned[fp.Topic][fp.Partition] {
			// franz-go counts polled records as consumed: records that
			// cannot be processed now must not be committed past.
			err = fmt.Errorf("%w: records of %s[%d] arrived for a task that cannot take them", errRewind, fp.Topic, fp.Partition)
			return
		}
		w := index[t.id]
		if w == nil {
			w = &taskWork{t: t}
			index[t.id] = w
			work = append(work, w)
		}
		w.parts = append(w.parts, fp)
	})
	if err != nil || len(work) == 0 {
		return err
	}
	// Sinks see the transaction begun; they only read that flag.
	if err := r.ensureBegun(); err != nil {
		return err
	}
	// A task whose share ends after the commit is due prepares for it
	// right away: the commit follows this poll (commitDue is true then).
	due := r.lastCommit.Add(r.spec.CommitInterval)
	for _, w := range work {
		w.due = due
	}
	r.parallel(len(work), func(i int) { r.processTask(work[i]) })
	for _, w := range work {
		if w.err != nil {
			return w.err
		}
		w.t.consumed = true
	}
	return nil
}

// parallel runs fn(0) to fn(n-1) on up to TaskParallelism goroutines (at
// most GOMAXPROCS), or on this one.
func (r *runner) parallel(n int, fn func(i int)) {
	workers := min(n, goruntime.GOMAXPROCS(0), r.cfg.parallelism)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// taskWork is one task's share of a poll.
type taskWork struct {
	t     *task
	parts []kgo.FetchTopicPartition
	due   time.Time // prepare the task for the commit if processed after this
	err   error
}

func (r *runner) processTask(w *taskWork) {
	t := w.t
	for _, fp := range w.parts {
		last := fp.Records[len(fp.Records)-1].Offset
		r.obs.RecordsIn(fp.Topic, fp.Partition, len(fp.Records))
		r.obs.Lag(fp.Topic, fp.Partition, max(fp.HighWatermark-last-1, 0))
		src := r.match.sourceTopic(fp.Topic)
		var rec runtime.Record
		for _, kr := range fp.Records {
			rec = runtime.Record{
				Topic:     src,
				Partition: kr.Partition,
				Offset:    kr.Offset,
				Key:       kr.Key,
				Value:     kr.Value,
				Timestamp: kr.Timestamp.UnixMilli(),
			}
			if len(kr.Headers) > 0 {
				rec.Headers = make([]runtime.Header, len(kr.Headers))
				for i, h := range kr.Headers {
					rec.Headers[i] = runtime.Header{Key: h.Key, Value: h.Value}
				}
			}
			if err := t.rt.Process(&rec); err != nil {
				w.err = fmt.Errorf("kafka: task %d: %s[%d]@%d: %w", t.id, fp.Topic, fp.Partition, kr.Offset, err)
				return
			}
		}
		t.records += len(fp.Records)
	}
	if !time.Now().Before(w.due) {
		t.consumed = true
		if w.err = t.stop(); w.err == nil {
			r.produceChangelog(t)
		}
	}
}

// isFatalKafkaErr reports errors that retrying will not fix: bad
// configuration, authorization, records the broker refuses.
func isFatalKafkaErr(err error) bool {
	for _, e := range []error{
		kerr.TopicAuthorizationFailed, kerr.GroupAuthorizationFailed,
		kerr.ClusterAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
		kerr.SaslAuthenticationFailed, kerr.MessageTooLarge, kerr.RecordListTooLarge,
		kerr.InvalidRecord, kerr.InvalidTopicException, kerr.InvalidTransactionTimeout,
		kerr.UnsupportedVersion, kerr.UnsupportedForMessageFormat,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// kgoLogger forwards franz-go's warnings and errors to slog.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, kv ...any) {
	switch level {
	case kgo.LogLevelError:
		k.l.Error("franz-go: "+msg, kv...)
	case kgo.LogLevelWarn:
		k.l.Warn("franz-go: "+msg, kv...)
	default:
		k.l.Debug("franz-go: "+msg, kv...)
	}
}
