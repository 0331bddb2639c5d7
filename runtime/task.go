package runtime

import (
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/pebble/v2"
)

// TaskID identifies a task: the input partition number (for co-partitioned
// inputs, the partition number shared across them).
type TaskID int32

// TaskConfig configures a task.
type TaskConfig struct {
	// Sink receives the task's output records. Required for NewSink and
	// dead-lettering.
	Sink Sink
	// DeadLetterTopic, when set, sends records that fail to decode there
	// (see DeadLetterRecord); when empty a decode error stops the task with
	// a *DecodeError naming topic, partition and offset.
	DeadLetterTopic string
	// ProcessingTime is the task's initial processing time (ms).
	ProcessingTime int64
}

// TaskStats counts what a task did since it was opened.
type TaskStats struct {
	Records      uint64 // values fed by sources
	Outputs      uint64 // records sent by sink nodes
	DecodeErrors uint64
	DeadLettered uint64
	LateDropped  uint64 // window elements too late, with no late side output
	SideOutputs  uint64 // side-output values with no routed node
	TimersFired  uint64
	OrphanTimers uint64 // fired timers whose operator no longer exists
	Commits      uint64
	Checkpoints  uint64 // pending committed state applied to pebble
	// CheckpointSkips counts deletions a checkpoint left out: values
	// created and deleted between two checkpoints never reach pebble.
	CheckpointSkips uint64
	JoinUnmatched   uint64 // left records of an inner join with no right value, dropped
	Cache           CacheStats
}

type phase uint8

const (
	phaseRunning phase = iota
	phasePrepared
	phaseFailed
	phaseClosed
)

// Task processes one input partition (or one partition number across
// co-partitioned inputs), single-threaded, in offset order. Its state,
// timers and watermarks live under its own key prefix in the Store. A Task
// is not safe for concurrent use; different tasks may run in parallel.
type Task struct {
	id    TaskID
	store *Store
	batch *pebble.Batch
	// commit is the plain batch a commit is written into, from Prepare to
	// Committed or Abort, and nil otherwise (commit.go).
	commit *pebble.Batch
	// commitMeta is where the commit batch's writes that are not cached
	// values (the watermarks) start.
	commitMeta int
	// pending holds the commit batches of the commits since the last
	// checkpoint (pendingCount writes), pendingMeta their last write of
	// each key that is not a cached value, and pendingOffsets the
	// changelog offsets they reach (checkpoint.go).
	pending        []*pebble.Batch
	pendingCount   int
	pendingMeta    []metaWrite
	pendingOffsets []ChangelogOffset
	cache          *lruCache
	ctx            Context
	sink           Sink
	dlq            string
	phase          phase
	busy           bool // inside Process, a timer round or a time advance
	stats          TaskStats
	anyTTL         bool

	procTime int64
	wm       *Watermarks
	wmSaved  watermarkSnapshot // as of the last commit

	sources map[string]source
	// lastTopic and lastSource are the last record's source: a task's
	// records come in runs of one topic (one partition's fetch).
	lastTopic  string
	lastSource source
	states     map[string]*stateInfo
	handlers   map[string]TimerHandler
	// timerOrder lists the timer handlers' operators, upstream first:
	// timers of one time fire in this order (timer.go).
	timerOrder []string
	timerRank  map[string]int // index in timerOrder
	side       map[string]any
	onSide     func(c *Context, tag string, v any) error

	timerNext [2]int64 // lower bound of the earliest timer per domain
	firing    firingState
	fireKeys  [][2]int
	fireArena []byte

	// checkpointSize is the size of the last checkpoint batch, the size
	// the next one starts at.
	checkpointSize int
	// commitSize is the size of the last commit batch, the size the next
	// one starts at: the pool's buffers rarely survive the garbage
	// collections between two checkpoints, and growing a batch by
	// doubling copies it about once more.
	commitSize int
	storeReads uint64 // CacheStats.StoreReads
	flushBuf   []byte
	ttlCursor  []byte
	// memEpoch counts resetMemory calls, so operators know when what they
	// remember about stored state is void.
	memEpoch uint64
}

// OpenTask opens task id. Its committed state, timers and watermarks are
// those in the store; call Restore first when the store may be behind the
// changelog. Then build the operator chain (AddSource, NewProcess, ...).
func (s *Store) OpenTask(id TaskID, cfg TaskConfig) (*Task, error) {
	if id < 0 {
		return nil, fmt.Errorf("runtime: negative task id %d", id)
	}
	t := &Task{
		id:        id,
		store:     s,
		sink:      cfg.Sink,
		dlq:       cfg.DeadLetterTopic,
		procTime:  cfg.ProcessingTime,
		wm:        NewWatermarks(),
		sources:   map[string]source{},
		states:    map[string]*stateInfo{},
		handlers:  map[string]TimerHandler{},
		timerRank: map[string]int{},
		side:      map[string]any{},
	}
	t.ctx.task = t
	t.firing.deleted = map[string]struct{}{}
	t.timerNext = [2]int64{math.MinInt64, math.MinInt64}
	if s.opts.CacheEntries > 0 {
		t.cache = newLRU(&s.cacheShare)
	}
	if err := s.register(t); err != nil {
		return nil, err
	}
	t.batch = s.db.NewIndexedBatch()
	if err := t.loadTaskWatermark(); err != nil {
		t.Close()
		return nil, err
	}
	t.wmSaved = t.wm.snapshot(t.wmSaved)
	return t, nil
}

// ID returns the task id.
func (t *Task) ID() TaskID { return t.id }

// Store returns the store the task lives in.
func (t *Task) Store() *Store { return t.store }

// Stats returns the task's counters.
func (t *Task) Stats() TaskStats {
	s := t.stats
	if t.cache != nil {
		s.Cache = t.cache.snapshot()
	}
	s.Cache.StoreReads = t.storeReads
	return s
}

// Watermark returns the task watermark.
func (t *Task) Watermark() int64 { return t.wm.Current() }

// Watermarks returns the task's watermark tracker (for inspection).
func (t *Task) Watermarks() *Watermarks { return t.wm }

// ProcessingTime returns the task's processing time.
func (t *Task) ProcessingTime() int64 { return t.procTime }

// OnUnroutedSideOutput sets the hook that receives side-output values
// whose tag has no RouteSideOutput node in this task (the test driver
// collects them); without a hook they are dropped.
func (t *Task) OnUnroutedSideOutput(fn func(c *Context, tag string, v any) error) { t.onSide = fn }

// ContextFor returns a context whose current key is key, for reading or
// writing state outside processing (test drivers, tools).
func (t *Task) ContextFor(key []byte) *Context {
	return &Context{task: t, key: append([]byte(nil), key...), keyed: true, ts: NoWatermark}
}

var errReentrant = errors.New("runtime: task called from inside its own processing")

func (t *Task) ready() error {
	if t.busy {
		return errReentrant
	}
	switch t.phase {
	case phaseRunning:
		return nil
	case phasePrepared:
		return fmt.Errorf("runtime: task %d is prepared for commit; call Committed or Abort first", t.id)
	case phaseFailed:
		return fmt.Errorf("runtime: task %d failed; call Abort and replay from the last commit", t.id)
	default:
		return fmt.Errorf("runtime: task %d is closed", t.id)
	}
}

// enter checks the task can process and marks it busy until leave.
func (t *Task) enter() error {
	if err := t.ready(); err != nil {
		return err
	}
	t.busy = true
	return nil
}

func (t *Task) leave() { t.busy = false }

// fail marks the task failed when err is not nil and returns err.
func (t *Task) fail(err error) error {
	if err != nil && t.phase == phaseRunning {
		t.phase = phaseFailed
	}
	return err
}

// Process runs one input record through the chain of its topic, then
// advances the watermark and fires due event-time timers. After an error
// the task is failed: Abort it and replay from the last committed offsets.
func (t *Task) Process(r *Record) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	src := t.lastSource
	if r.Topic != t.lastTopic || src == nil {
		src = t.sources[r.Topic]
		t.lastTopic, t.lastSource = r.Topic, src
	}
	if src == nil {
		return fmt.Errorf("runtime: task %d has no source for topic %s", t.id, r.Topic)
	}
	return t.fail(src.process(r))
}

// SetProcessingTime advances the task's processing time to now (it never
// goes back), fires due processing-time timers, re-evaluates input
// idleness and fires event-time timers the watermark now passes. The
// Kafka layer calls it with the wall clock; the test driver explicitly.
func (t *Task) SetProcessingTime(now int64) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	if now > t.procTime {
		t.procTime = now
	}
	if err := t.fireTimers(ProcessingTime, t.procTime); err != nil {
		return t.fail(err)
	}
	return t.fail(t.advanceWatermark())
}

// AdvanceWatermark moves the task watermark to at least wm and fires due
// event-time timers.
func (t *Task) AdvanceWatermark(wm int64) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	t.wm.Advance(wm)
	return t.fail(t.advanceWatermark())
}

func (t *Task) advanceWatermark() error {
	wm := t.wm.Update(t.procTime)
	if wm == NoWatermark {
		return nil
	}
	return t.fireTimers(EventTime, wm)
}

// Close discards uncommitted changes, applies committed state waiting for
// a checkpoint, and releases the task. Its committed state stays in the
// store (Store.DeleteTask removes it).
func (t *Task) Close() error {
	if t.phase == phaseClosed {
		return nil
	}
	if t.busy {
		return errReentrant
	}
	err := t.checkpoint()
	t.phase = phaseClosed
	if t.batch != nil {
		err = errors.Join(err, t.batch.Close())
		t.batch = nil
	}
	t.dropCommit()
	t.releasePending()
	if t.cache != nil {
		t.cache.reset()
	}
	t.store.unregister(t)
	return err
}

func (t *Task) watermarkKey(topic string) []byte {
	k := appendTaskPrefix(nil, t.id)
	if topic == "" {
		return append(k, kindWatermark, 0)
	}
	k = append(k, kindWatermark, 1)
	return append(k, topic...)
}

func (t *Task) readInt64(key []byte) (int64, bool, error) {
	var v int64
	found, err := t.kvGet(key, func(b []byte) error {
		if len(b) != 8 {
			return errBadKey
		}
		v = readOrderedInt64(b)
		return nil
	})
	return v, found, err
}

func (t *Task) loadTaskWatermark() error {
	v, found, err := t.readInt64(t.watermarkKey(""))
	if err != nil {
		return fmt.Errorf("runtime: task %d: reading watermark: %w", t.id, err)
	}
	t.wm.current = NoWatermark
	if found {
		t.wm.current = v
	}
	return nil
}

func (t *Task) loadInputWatermark(i int, topic string) error {
	v, found, err := t.readInt64(t.watermarkKey(topic))
	if err != nil {
		return fmt.Errorf("runtime: task %d: reading watermark of %s: %w", t.id, topic, err)
	}
	t.wm.inputs[i].maxTS = NoWatermark
	if found {
		t.wm.inputs[i].maxTS = v
	}
	t.wmSaved = t.wm.snapshot(t.wmSaved)
	return nil
}

// saveWatermarks writes the watermarks that changed since the last commit
// into the batch, so they are committed (and in the changelog) with the
// state they belong to.
func (t *Task) saveWatermarks() error {
	var b [8]byte
	if t.wm.current != t.wmSaved.current {
		if err := t.kvSet(t.watermarkKey(""), appendOrderedInt64(b[:0], t.wm.current)); err != nil {
			return err
		}
	}
	for i, in := range t.wm.inputs {
		if i < len(t.wmSaved.maxTS) && t.wmSaved.maxTS[i] == in.maxTS {
			continue
		}
		if err := t.kvSet(t.watermarkKey(in.name), appendOrderedInt64(b[:0], in.maxTS)); err != nil {
			return err
		}
	}
	return nil
}

var errClosed = errors.New("runtime: task is closed")
