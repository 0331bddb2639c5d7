package runtime

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Window is an event-time window [Start, End) in ms.
type Window struct {
	Start, End int64
}

// MaxTimestamp is the last event time inside the window (End - 1); the
// window fires when the watermark reaches it.
func (w Window) MaxTimestamp() int64 { return w.End - 1 }

// Intersects reports whether w and o overlap or touch (Flink's rule for
// merging session windows).
func (w Window) Intersects(o Window) bool { return w.Start <= o.End && w.End >= o.Start }

// Cover returns the smallest window containing w and o.
func (w Window) Cover(o Window) Window {
	return Window{Start: min(w.Start, o.Start), End: max(w.End, o.End)}
}

// Windowed is a window result: the window and the value computed for it.
// The key it was computed under is the context's current key when the
// result is pushed; its timestamp is the window's MaxTimestamp.
type Windowed[T any] struct {
	Window Window
	Value  T
}

// WindowAssigner assigns event times to windows. The assigners are
// TumblingWindows, SlidingWindows and SessionWindows.
type WindowAssigner interface {
	// AssignWindows appends the windows an element at ts belongs to.
	AssignWindows(ts int64, dst []Window) []Window
	validate() error
	merging() bool
}

type tumbling struct{ size, offset int64 }

// TumblingWindows returns fixed, non-overlapping windows of size, aligned
// to the epoch plus offset.
func TumblingWindows(size, offset time.Duration) WindowAssigner {
	return tumbling{size: size.Milliseconds(), offset: offset.Milliseconds()}
}

func (a tumbling) validate() error {
	if a.size <= 0 {
		return fmt.Errorf("runtime: tumbling window size must be at least 1ms")
	}
	return nil
}

func (tumbling) merging() bool { return false }

// windowStart is the start of the window of length size containing ts.
func windowStart(ts, offset, size int64) int64 {
	return ts - ((ts-offset)%size+size)%size
}

func (a tumbling) AssignWindows(ts int64, dst []Window) []Window {
	start := windowStart(ts, a.offset, a.size)
	return append(dst, Window{Start: start, End: start + a.size})
}

type sliding struct{ size, slide, offset int64 }

// SlidingWindows returns windows of size starting every slide (an element
// belongs to size/slide windows), aligned to the epoch plus offset.
func SlidingWindows(size, slide, offset time.Duration) WindowAssigner {
	return sliding{size: size.Milliseconds(), slide: slide.Milliseconds(), offset: offset.Milliseconds()}
}

func (a sliding) validate() error {
	if a.size <= 0 || a.slide <= 0 {
		return fmt.Errorf("runtime: sliding window size and slide must be at least 1ms")
	}
	return nil
}

func (sliding) merging() bool { return false }

func (a sliding) AssignWindows(ts int64, dst []Window) []Window {
	for start := windowStart(ts, a.offset, a.slide); start > ts-a.size; start -= a.slide {
		dst = append(dst, Window{Start: start, End: start + a.size})
	}
	return dst
}

type session struct{ gap int64 }

// SessionWindows returns per-key session windows: an element opens
// [ts, ts+gap), and windows that overlap or touch merge, with their
// accumulators merged.
func SessionWindows(gap time.Duration) WindowAssigner { return session{gap: gap.Milliseconds()} }

func (a session) validate() error {
	if a.gap <= 0 {
		return fmt.Errorf("runtime: session gap must be at least 1ms")
	}
	return nil
}

func (session) merging() bool { return true }

func (a session) AssignWindows(ts int64, dst []Window) []Window {
	return append(dst, Window{Start: ts, End: satAdd(ts, a.gap)})
}

// WindowSpec configures a window operator.
type WindowSpec[IN any] struct {
	Assigner WindowAssigner
	// AllowedLateness keeps window state until the watermark passes
	// MaxTimestamp + AllowedLateness; each late-but-allowed element fires
	// the window again with the updated result.
	AllowedLateness time.Duration
	// LateData receives elements later than that; without it they are
	// dropped and counted in TaskStats.LateDropped.
	LateData OutputTag[IN]
	// EmitOnClose fires each window once, when it closes: when the
	// watermark passes MaxTimestamp + AllowedLateness, with every element
	// up to then, as Kafka Streams' EmitStrategy.onWindowClose (or
	// suppress untilWindowCloses). Default false: the window fires when
	// the watermark passes its MaxTimestamp and again for each late
	// element within AllowedLateness, as Flink's event-time trigger. The
	// same with no AllowedLateness.
	EmitOnClose bool
}

// AggregateFunction folds elements into an accumulator per window (Flink
// AggregateFunction). Merge combines accumulators of merging session
// windows.
type AggregateFunction[IN, ACC, OUT any] interface {
	CreateAccumulator() ACC
	// Add must not keep v or change *v (see Node). An accumulator that
	// may share memory with v (keeps its slices, maps or pointers) is
	// copied through its codec each time it is stored (alias.go).
	Add(v *IN, acc ACC) ACC
	Merge(a, b ACC) ACC
	Result(acc ACC) OUT
}

// ProcessWindowFunction sees all elements of a window when it fires
// (elements are kept in list state until the window is cleaned).
type ProcessWindowFunction[IN, OUT any] interface {
	Process(c *Context, w Window, elems []IN, out *Emitter[OUT]) error
}

// windowContents is what a window operator keeps per (key, window).
type windowContents[IN any] interface {
	// add adds v and reports whether the window's state was created;
	// absent says the window is known to have no state for key, so a
	// cache miss needs no read. hint, if not nil, is a cache hint for
	// the state's entry (lruCache.getVia).
	add(key, ns []byte, v *IN, absent bool, hint **lruNode) (bool, error)
	// fire and clear take a cache hint for the state's entry too (nil:
	// none).
	fire(c *Context, w Window, ns []byte, hint **lruNode) error
	clear(key, ns []byte, hint **lruNode) error
	merge(key, target []byte, sources [][]byte) error
	// storeByWindow makes the contents store namespace first; rangeOf
	// then returns the key prefix of one window's contents.
	storeByWindow()
	rangeOf(ns []byte) []byte
}

type windowOp[IN any] struct {
	t        *Task
	name     string
	assigner WindowAssigner
	lateness int64
	late     OutputTag[IN]
	onClose  bool // WindowSpec.EmitOnClose
	contents windowContents[IN]
	timers   *TimerService
	sessions *valueCore[[]sessionWindow]
	wins     []Window
	ns       []byte
	arena    []byte
	members  []int
	fresh    freshWindows // non-merging windows only
	// Non-merging windows keep one trigger and one cleanup timer per
	// window (not per key and window); armed lists the windows whose
	// timers this task registered since it last forgot its memory, with
	// the cache entries of the contents it created for them (armedNodes
	// in all).
	armed      map[Window]*armedWindow
	armedEpoch uint64
	armedNodes int
	fireKeys   []keySpan
	fireArena  []byte
	hint       *lruNode // a cache hint slot for the contents being added to or fired
}

func newWindowOp[IN any](t *Task, name string, spec WindowSpec[IN]) (*windowOp[IN], error) {
	if spec.Assigner == nil {
		return nil, fmt.Errorf("runtime: window %q has no assigner", name)
	}
	if err := spec.Assigner.validate(); err != nil {
		return nil, fmt.Errorf("runtime: window %q: %w", name, err)
	}
	if spec.AllowedLateness < 0 {
		return nil, fmt.Errorf("runtime: window %q: negative allowed lateness", name)
	}
	op := &windowOp[IN]{t: t, name: name, assigner: spec.Assigner, lateness: spec.AllowedLateness.Milliseconds(), late: spec.LateData, onClose: spec.EmitOnClose}
	ts, err := t.RegisterTimerHandler(name, op)
	if err != nil {
		return nil, err
	}
	op.timers = ts
	if spec.Assigner.merging() {
		op.sessions, err = newValueCore[[]sessionWindow](t, name+"/sessions", kindValueState, sessionsCodec{}, 0)
		if err != nil {
			return nil, err
		}
	}
	return op, nil
}

// setContents finishes the operator once its contents are set.
func (op *windowOp[IN]) setContents() {
	if op.sessions == nil {
		op.contents.storeByWindow()
	}
}

func (op *windowOp[IN]) cleanupTime(w Window) int64 { return satAdd(w.MaxTimestamp(), op.lateness) }

// fireTime is when the watermark fires w (first): its MaxTimestamp, or
// its cleanup time when it fires on close only.
func (op *windowOp[IN]) fireTime(w Window) int64 {
	if op.onClose {
		return op.cleanupTime(w)
	}
	return w.MaxTimestamp()
}

func (op *windowOp[IN]) isLate(w Window, wm int64) bool { return op.cleanupTime(w) <= wm }

func (op *windowOp[IN]) Push(c *Context, v *IN) error {
	key, err := currentKey(c)
	if err != nil {
		return fmt.Errorf("runtime: window %q: %w", op.name, err)
	}
	if op.sessions != nil {
		return op.pushMerging(c, key, v)
	}
	wm := c.Watermark()
	op.wins = op.assigner.AssignWindows(c.ts, op.wins[:0])
	onTime := false
	if err := op.fresh.sync(op.t, op.timers.op); err != nil {
		return fmt.Errorf("runtime: window %q: %w", op.name, err)
	}
	for _, w := range op.wins {
		if op.isLate(w, wm) {
			continue
		}
		onTime = true
		op.ns = appendWindowNamespace(op.ns[:0], w)
		fl := op.fresh.filter(w, wm, op.lateness)
		var h uint64
		absent := false
		if fl != nil {
			h = maphash.Bytes(op.fresh.seed, key)
			absent = !fl.mayContain(h)
		}
		// The contents' entry is looked up through the sibling of the
		// entry this record's key looked up last (another window
		// operator's), or else through the operator's own slot: a
		// local's address, passed through the contents interface, would
		// escape to the heap.
		op.hint = nil
		hint := c.siblingHint(&op.hint)
		created, err := op.contents.add(key, op.ns, v, absent, hint)
		if err != nil {
			return err
		}
		n := *hint
		if created {
			if fl != nil {
				fl.add(h)
			}
			if err := op.armWindow(w, wm, n); err != nil {
				return err
			}
		}
		if op.fireTime(w) <= wm {
			if err := op.fire(c, w, op.ns, hint); err != nil {
				return err
			}
		}
		c.prev = n
	}
	// As Flink: an element skipped by every window goes to the late
	// output only if it is late itself (a sliding window with gaps may
	// assign it to no window at all).
	if !onTime && satAdd(c.ts, op.lateness) <= wm {
		return op.lateElement(c, v)
	}
	return nil
}

func (op *windowOp[IN]) lateElement(c *Context, v *IN) error {
	if op.late.Valid() {
		return op.late.Emit(c, *v)
	}
	op.t.stats.LateDropped++
	return nil
}

// registerTimers sets the window's trigger timer (at its fireTime, unless
// the watermark already passed it) and its cleanup timer (at MaxTimestamp
// + lateness; the same timer when lateness is 0 or the window fires on
// close).
func (op *windowOp[IN]) registerTimers(key, ns []byte, w Window, wm int64) error {
	at := op.fireTime(w)
	if at > wm {
		if err := op.timers.Register(EventTime, key, ns, at); err != nil {
			return err
		}
	}
	if ct := op.cleanupTime(w); ct != at || at <= wm {
		return op.timers.Register(EventTime, key, ns, ct)
	}
	return nil
}

// armedWindow is what a non-merging window operator knows of a window it
// armed since the task last forgot its memory.
//
// Firing a window needs every key with contents in it: those stored (a
// scan of the window's key range) and those cached with a value pebble
// does not have yet. The latter are entries this task created for the
// window since then (a cached entry that found its value stored has its
// key in the scan; a committed value waits only in a cached entry until
// its checkpoint, which any eviction or Abort runs first), so nodes,
// which lists them, finds them without walking all of the cache's newer
// entries. Lists hold at most half the cache's bound in all (an evicted
// entry stays reachable from its list until its window is cleaned); past
// that, a window's list is dropped and its firing walks the cache.
type armedWindow struct {
	nodes     []*lruNode
	untracked bool // nodes was dropped, or never kept (no cache)
}

// armWindow registers the timers of a non-merging window once: a timer
// with no key fires (and later cleans) every key's contents of the
// window. n is the cache entry of the contents just created (nil: none,
// no cache).
func (op *windowOp[IN]) armWindow(w Window, wm int64, n *lruNode) error {
	if op.armed == nil || op.armedEpoch != op.t.memEpoch {
		op.armed = make(map[Window]*armedWindow)
		op.armedEpoch, op.armedNodes = op.t.memEpoch, 0
	}
	aw := op.armed[w]
	if aw == nil {
		if err := op.registerTimers(nil, appendWindowNamespace(nil, w), w, wm); err != nil {
			return err
		}
		aw = &armedWindow{}
		op.armed[w] = aw
	}
	switch {
	case aw.untracked:
	case n == nil || op.armedNodes >= op.t.cache.bound()/2:
		op.armedNodes -= len(aw.nodes)
		aw.nodes, aw.untracked = nil, true
	default:
		aw.nodes = append(aw.nodes, n)
		op.armedNodes++
	}
	return nil
}

// createdNodes returns the cache entries of w's contents created since
// the task last forgot its memory, or false when they are not known.
func (op *windowOp[IN]) createdNodes(w Window) ([]*lruNode, bool) {
	if op.armedEpoch != op.t.memEpoch {
		return nil, false
	}
	aw := op.armed[w]
	if aw == nil || aw.untracked {
		return nil, false
	}
	return aw.nodes, true
}

// onWindowTimer fires or cleans (or both) the contents of every key of a
// non-merging window, in key order, as per-key timers would. The keys are
// those stored in the window's key range (indexed batch and pebble) and
// those cached with a value pebble does not have yet (dirty, or committed
// and waiting for a checkpoint), so neither a flush nor a checkpoint is
// needed first.
func (op *windowOp[IN]) onWindowTimer(c *Context, tm Timer, w Window) error {
	t := op.t
	lo := op.contents.rangeOf(tm.Namespace)
	// Collect lp(key) suffixes of full keys from both sources into one
	// arena, then sort them into stored order and drop repeats.
	spans, arena := op.fireKeys[:0], op.fireArena[:0]
	// The spans are kept for the next window; the cache entries they
	// name must not be (an evicted one would stay reachable).
	defer func() {
		for i := range spans {
			spans[i].n = nil
		}
	}()
	add := func(suffix []byte) {
		begin := len(arena)
		arena = append(arena, suffix...)
		spans = append(spans, keySpan{begin: begin, end: len(arena)})
	}
	err := t.kvScan(lo, prefixEnd(lo), func(k, _ []byte) (bool, error) {
		add(k[len(lo):])
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("runtime: window %q: scanning window %v: %w", op.name, w, err)
	}
	stored := len(spans) // in order already
	if t.cache != nil {
		// A cached key's span keeps its entry, so firing and cleaning
		// it need not find it again.
		newer := func(n *lruNode) {
			add(unsafeBytes(n.key[len(lo):]))
			spans[len(spans)-1].n = n
		}
		if nodes, ok := op.createdNodes(w); ok {
			for i, n := range nodes {
				prefetchNodeAt(nodes, i)
				if n.self != nil && n.newer() {
					if !strings.HasPrefix(n.key, string(lo)) {
						return fmt.Errorf("runtime: window %q: cache entry %q listed under window %v", op.name, n.key, w)
					}
					newer(n)
				}
			}
		} else {
			t.cache.newerWithPrefix(lo, newer)
		}
	}
	if len(spans) > stored {
		sortKeySpans(spans, arena)
	}
	keys := spans[:0] // written behind the reading position
	var prev []byte
	for i, sp := range spans {
		suffix := arena[sp.begin:sp.end]
		if i > 0 && bytes.Equal(suffix, prev) {
			if keys[len(keys)-1].n == nil {
				keys[len(keys)-1].n = sp.n
			}
			continue
		}
		prev = suffix
		key, rest, err := readLenPrefixed(suffix)
		if err != nil || len(rest) != 0 {
			return fmt.Errorf("runtime: window %q: %w", op.name, errBadKey)
		}
		// The user key sits inside its suffix: keep its span.
		keys = append(keys, keySpan{begin: sp.end - len(key), end: sp.end, n: sp.n})
	}
	op.fireKeys, op.fireArena = spans, arena
	fire, clean := tm.Time == op.fireTime(w), tm.Time == op.cleanupTime(w)
	// Keys found only in the cache need no prefetch (the usual case: a
	// window's contents rarely reach pebble before it fires).
	if pc, ok := op.contents.(prefetchContents); ok && fire && stored > 0 {
		ks, nss := make([][]byte, len(keys)), make([][]byte, len(keys))
		for i, span := range keys {
			ks[i], nss[i] = arena[span.begin:span.end], tm.Namespace
		}
		if err := pc.prefetch(ks, nss); err != nil {
			return err
		}
	}
	for i, span := range keys {
		if j := i + prefetchAhead; j < len(keys) && keys[j].n != nil {
			prefetchNode(keys[j].n)
		}
		key := arena[span.begin:span.end]
		c.reset()
		c.key, c.keyed, c.ts = key, true, tm.Time
		op.hint = span.n // in the operator: a local would escape
		if fire {
			if err := op.fire(c, w, tm.Namespace, &op.hint); err != nil {
				return err
			}
		}
		if clean {
			if err := op.contents.clear(key, tm.Namespace, &op.hint); err != nil {
				return err
			}
		}
	}
	op.hint = nil
	c.reset()
	if clean && op.armedEpoch == t.memEpoch {
		if aw := op.armed[w]; aw != nil {
			op.armedNodes -= len(aw.nodes)
			delete(op.armed, w)
		}
	}
	return nil
}

// fire emits the window's result with the window's max timestamp as event
// time.
func (op *windowOp[IN]) fire(c *Context, w Window, stateNS []byte, hint **lruNode) error {
	saved := c.ts
	c.ts = w.MaxTimestamp()
	err := op.contents.fire(c, w, stateNS, hint)
	c.ts = saved
	return err
}

// OnTimer fires the window at its max timestamp and cleans its state at
// its cleanup time (both when they coincide).
func (op *windowOp[IN]) OnTimer(c *Context, tm Timer) error {
	w, err := decodeWindowNamespace(tm.Namespace)
	if err != nil {
		return err
	}
	if op.sessions != nil {
		return op.onSessionTimer(c, tm, w)
	}
	return op.onWindowTimer(c, tm, w)
}

// prefetchContents is implemented by contents whose firing reads one
// cached value per window.
type prefetchContents interface {
	prefetch(keys, nss [][]byte) error
}

// prefetch loads the contents of the windows a chunk of timers will fire,
// in one ordered pass (non-merging windows; sessions read their set first).
func (op *windowOp[IN]) prefetch(tms []Timer) error {
	pc, ok := op.contents.(prefetchContents)
	if !ok || op.sessions != nil {
		return nil
	}
	keys, nss := make([][]byte, 0, len(tms)), make([][]byte, 0, len(tms))
	for _, tm := range tms {
		w, err := decodeWindowNamespace(tm.Namespace)
		if err != nil {
			return err
		}
		if tm.Time == op.fireTime(w) && len(tm.Key) > 0 {
			keys, nss = append(keys, tm.Key), append(nss, tm.Namespace)
		}
	}
	return pc.prefetch(keys, nss)
}

type aggContents[IN, ACC, OUT any] struct {
	acc *valueCore[ACC]
	fn  AggregateFunction[IN, ACC, OUT]
	out Emitter[Windowed[OUT]]
}

func (a *aggContents[IN, ACC, OUT]) add(key, ns []byte, v *IN, absent bool, hint **lruNode) (bool, error) {
	cur, ok, e, err := a.acc.lookupEntryVia(hint, key, ns, absent)
	if err != nil {
		return false, err
	}
	if !ok {
		cur = a.fn.CreateAccumulator()
	}
	return !ok, a.acc.update(e, key, ns, a.fn.Add(v, cur))
}

func (a *aggContents[IN, ACC, OUT]) fire(c *Context, w Window, ns []byte, hint **lruNode) error {
	cur, ok, _, err := a.acc.lookupEntryVia(hint, c.key, ns, false)
	if err != nil || !ok {
		return err
	}
	return a.out.Emit(Windowed[OUT]{Window: w, Value: a.fn.Result(cur)})
}

func (a *aggContents[IN, ACC, OUT]) clear(key, ns []byte, hint **lruNode) error {
	return a.acc.clearVia(hint, key, ns)
}

func (a *aggContents[IN, ACC, OUT]) storeByWindow()           { a.acc.nsFirst = true }
func (a *aggContents[IN, ACC, OUT]) rangeOf(ns []byte) []byte { return a.acc.rangeOf(ns) }

func (a *aggContents[IN, ACC, OUT]) prefetch(keys, nss [][]byte) error {
	return a.acc.prefetch(keys, nss)
}

func (a *aggContents[IN, ACC, OUT]) merge(key, target []byte, sources [][]byte) error {
	acc, ok, err := a.acc.get(key, target)
	if err != nil {
		return err
	}
	for _, src := range sources {
		b, found, err := a.acc.get(key, src)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if ok {
			acc = a.fn.Merge(acc, b)
		} else {
			acc, ok = b, true
		}
		if err := a.acc.clear(key, src); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	return a.acc.set(key, target, acc)
}

// NewWindowAggregate adds a keyed window operator named name that folds
// each window's elements with fn and emits one Windowed result per firing.
// Accumulators live in pebble (through the write-back cache), encoded with
// acc.
func NewWindowAggregate[IN, ACC, OUT any](t *Task, name string, spec WindowSpec[IN], fn AggregateFunction[IN, ACC, OUT], acc Codec[ACC], next Node[Windowed[OUT]]) (Node[IN], error) {
	op, err := newWindowOp(t, name, spec)
	if err != nil {
		return nil, err
	}
	core, err := newValueCore(t, name+"/acc", kindValueState, acc, 0)
	if err != nil {
		return nil, err
	}
	// fn.Add may put slices, maps or pointers of its input into the
	// accumulator, and the source may overwrite them with the next record
	// (object reuse): the cache keeps copies of accumulators that can
	// share memory with an input (alias.go).
	core.copyIn = typeMayAliasInto(reflect.TypeFor[ACC](), reflect.TypeFor[IN]())
	op.contents = &aggContents[IN, ACC, OUT]{acc: core, fn: fn, out: Emitter[Windowed[OUT]]{c: &t.ctx, next: next}}
	op.setContents()
	return op, nil
}

type reduceContents[T any] struct {
	acc    *valueCore[T]
	reduce ReduceFunc[T]
	out    Emitter[Windowed[T]]
}

func (r *reduceContents[T]) add(key, ns []byte, v *T, absent bool, hint **lruNode) (bool, error) {
	cur, ok, e, err := r.acc.lookupEntryVia(hint, key, ns, absent)
	if err != nil {
		return false, err
	}
	next := *v
	if ok {
		if next, err = r.reduce(cur, next); err != nil {
			return false, err
		}
	}
	return !ok, r.acc.update(e, key, ns, next)
}

func (r *reduceContents[T]) fire(c *Context, w Window, ns []byte, hint **lruNode) error {
	cur, ok, _, err := r.acc.lookupEntryVia(hint, c.key, ns, false)
	if err != nil || !ok {
		return err
	}
	return r.out.Emit(Windowed[T]{Window: w, Value: cur})
}

func (r *reduceContents[T]) clear(key, ns []byte, hint **lruNode) error {
	return r.acc.clearVia(hint, key, ns)
}

func (r *reduceContents[T]) storeByWindow()           { r.acc.nsFirst = true }
func (r *reduceContents[T]) rangeOf(ns []byte) []byte { return r.acc.rangeOf(ns) }

func (r *reduceContents[T]) prefetch(keys, nss [][]byte) error {
	return r.acc.prefetch(keys, nss)
}

func (r *reduceContents[T]) merge(key, target []byte, sources [][]byte) error {
	acc, ok, err := r.acc.get(key, target)
	if err != nil {
		return err
	}
	for _, src := range sources {
		b, found, err := r.acc.get(key, src)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if ok {
			if acc, err = r.reduce(acc, b); err != nil {
				return err
			}
		} else {
			acc, ok = b, true
		}
		if err := r.acc.clear(key, src); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	return r.acc.set(key, target, acc)
}

// NewWindowReduce adds a keyed window operator that reduces each window's
// elements to one value with reduce.
func NewWindowReduce[T any](t *Task, name string, spec WindowSpec[T], reduce ReduceFunc[T], codec Codec[T], next Node[Windowed[T]]) (Node[T], error) {
	if reduce == nil {
		return nil, fmt.Errorf("runtime: window %q: nil reduce function", name)
	}
	op, err := newWindowOp(t, name, spec)
	if err != nil {
		return nil, err
	}
	// A window's first element is its value, and reduce may keep parts
	// of its input: the cache keeps copies (of values that can share
	// memory).
	core, err := newOwningValueCore(t, name+"/acc", kindValueState, codec, 0)
	if err != nil {
		return nil, err
	}
	op.contents = &reduceContents[T]{acc: core, reduce: reduce, out: Emitter[Windowed[T]]{c: &t.ctx, next: next}}
	op.setContents()
	return op, nil
}

type processContents[IN, OUT any] struct {
	list *listCore[IN]
	fn   ProcessWindowFunction[IN, OUT]
	out  Emitter[OUT]
}

func (p *processContents[IN, OUT]) add(key, ns []byte, v *IN, absent bool, _ **lruNode) (bool, error) {
	if absent {
		return true, p.list.add(key, ns, *v)
	}
	exists, err := p.list.exists(key, ns)
	if err != nil {
		return false, err
	}
	return !exists, p.list.add(key, ns, *v)
}

func (p *processContents[IN, OUT]) fire(c *Context, w Window, ns []byte, _ **lruNode) error {
	elems, err := p.list.get(c.key, ns)
	if err != nil || len(elems) == 0 {
		return err
	}
	return p.fn.Process(c, w, elems, &p.out)
}

func (p *processContents[IN, OUT]) clear(key, ns []byte, _ **lruNode) error {
	return p.list.clear(key, ns)
}

func (p *processContents[IN, OUT]) storeByWindow()           { p.list.nsFirst = true }
func (p *processContents[IN, OUT]) rangeOf(ns []byte) []byte { return p.list.rangeOf(ns) }

func (p *processContents[IN, OUT]) merge(key, target []byte, sources [][]byte) error {
	return p.list.mergeInto(key, target, sources)
}

// NewWindowProcess adds a keyed window operator that keeps every element
// (in pebble list state, encoded with elems) and hands them all to fn when
// the window fires.
func NewWindowProcess[IN, OUT any](t *Task, name string, spec WindowSpec[IN], fn ProcessWindowFunction[IN, OUT], elems Codec[IN], next Node[OUT]) (Node[IN], error) {
	op, err := newWindowOp(t, name, spec)
	if err != nil {
		return nil, err
	}
	list, err := newListCore(t, name+"/elems", elems, 0)
	if err != nil {
		return nil, err
	}
	op.contents = &processContents[IN, OUT]{list: list, fn: fn, out: Emitter[OUT]{c: &t.ctx, next: next}}
	op.setContents()
	return op, nil
}

// keySpan locates a key in an arena.
type keySpan struct {
	begin, end int
	n          *lruNode // the key's cache entry, if known
	// pfx is the eight bytes of the key after the prefix all keys being
	// sorted share, big endian and zero padded: it orders most pairs of
	// keys without reading the arena.
	pfx uint64
}

// sortKeySpans sorts spans by the bytes of their keys in arena.
func sortKeySpans(spans []keySpan, arena []byte) {
	if len(spans) < 2 {
		return
	}
	first := arena[spans[0].begin:spans[0].end]
	common := len(first)
	for _, sp := range spans[1:] {
		k := arena[sp.begin:sp.end]
		n := min(common, len(k))
		i := 0
		for i < n && k[i] == first[i] {
			i++
		}
		common = i
	}
	for i := range spans {
		spans[i].pfx = keyPrefix64(arena[spans[i].begin+common : spans[i].end])
	}
	slices.SortFunc(spans, func(a, b keySpan) int {
		if a.pfx != b.pfx {
			return cmp.Compare(a.pfx, b.pfx)
		}
		return bytes.Compare(arena[a.begin+common:a.end], arena[b.begin+common:b.end])
	})
}

// keyPrefix64 returns b's first eight bytes as a big-endian number, zero
// padded: a < b as numbers implies a < b as bytes.
func keyPrefix64(b []byte) uint64 {
	var p [8]byte
	copy(p[:], b)
	return binary.BigEndian.Uint64(p[:])
}
