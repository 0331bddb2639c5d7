package runtime

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// An event-time interval join (Flink's KeyedStream.intervalJoin(...)
// .between(lower, upper), Kafka Streams' KStream-KStream join with
// JoinWindows) joins each left record at tl with every right record of
// its key at tr with tl-Before <= tr <= tl+After, whichever arrives
// first.
//
// Per key, the operator buffers each side's records in one value state
// (name + "/left", name + "/right"): (time, value) pairs sorted by time,
// arrival order among equal times, left records with a flag saying
// whether they have joined. An arriving record joins at once with the
// other side's buffered records in range, in time order, and is buffered
// itself until no record of the other side that is on time (after the
// watermark) can match it: a left record at tl until the watermark
// reaches tl+After, a right record at tr until it reaches tr+Before. An
// event-time timer per (key, side, cleanup time) drops the records whose
// time has come; for a left join it then emits the dropped left records
// that never joined, with no right record. A record whose cleanup time
// the watermark has already reached joins with what is still buffered
// and is not buffered itself.
//
// Every change rewrites a side's whole slice (a new one: the cache may
// hold the old), so the cost of a record grows with the number of records
// its key has buffered on that side: the join suits intervals in which a
// key sees tens or hundreds of records, not millions.

// IntervalJoinSpec configures NewIntervalJoin.
type IntervalJoinSpec[L, R, OUT any] struct {
	// Type is InnerJoin (the default) or LeftJoin.
	Type JoinType
	// Left encodes buffered left records.
	Left Codec[L]
	// Right encodes buffered right records.
	Right Codec[R]
	// Before and After bound the pairs: a right record at time tr joins
	// a left record at tl when tl-Before <= tr <= tl+After. Both are >= 0
	// and count in whole milliseconds (finer parts are dropped).
	Before, After time.Duration
	// Join makes the output of a pair (r nil for LeftJoin: a left record
	// that found no right record by the time it expired). It must not
	// keep l or r or change them.
	Join func(c *Context, l *L, r *R) (OUT, error)
}

type intervalJoin[L, R, OUT any] struct {
	t             *Task
	name          string
	typ           JoinType
	leftCodec     Codec[L]
	rightCodec    Codec[R]
	before, after int64 // ms
	fn            func(c *Context, l *L, r *R) (OUT, error)
	next          Node[OUT]
	lefts         *valueCore[[]timedValue[L]]
	rights        *valueCore[[]timedValue[R]]
	timers        *TimerService
	buf           []byte // a pushed value's encoding, to copy it
	out           OUT    // the output being pushed: next gets its address
}

// The namespaces of the timers that expire a key's left and right
// records.
var (
	intervalLeftNS  = []byte{'l'}
	intervalRightNS = []byte{'r'}
)

// intervalLeft and intervalRight are the operator's two inputs.
type intervalLeft[L, R, OUT any] struct{ op *intervalJoin[L, R, OUT] }
type intervalRight[L, R, OUT any] struct{ op *intervalJoin[L, R, OUT] }

func (n intervalLeft[L, R, OUT]) Push(c *Context, v *L) error  { return n.op.pushLeft(c, v) }
func (n intervalRight[L, R, OUT]) Push(c *Context, v *R) error { return n.op.pushRight(c, v) }

// NewIntervalJoin adds an event-time interval join named name (unique in
// the task, stable across restarts): a right record at tr joins a left
// record of the same key at tl when tl-Before <= tr <= tl+After, as soon
// as the later of the two arrives; the output goes to next with their key
// and the later of their event times. A left join also emits, with a nil
// right record and the left record's time, each left record that has
// found no right record once the watermark reaches tl+After (at once for
// a left record that arrives after that). Records are buffered until the
// watermark reaches tl+After (left) or tr+Before (right): a record that
// arrives later (late) joins with what is still buffered and is not
// buffered itself. Left records of an inner join that expire unmatched are
// dropped without being counted in TaskStats.JoinUnmatched: finding no
// partner in an interval is not a fault. It returns the node the left
// stream pushes into and the node the right stream pushes into; both must
// be keyed (the same key type) and in the same task.
func NewIntervalJoin[L, R, OUT any](t *Task, name string, spec IntervalJoinSpec[L, R, OUT], next Node[OUT]) (left Node[L], right Node[R], err error) {
	if err := checkJoin("interval", name, spec.Join == nil, spec.Left == nil || spec.Right == nil, spec.Type); err != nil {
		return nil, nil, err
	}
	if spec.Before < 0 || spec.After < 0 {
		return nil, nil, fmt.Errorf("runtime: interval join %q: negative bound (before %v, after %v)", name, spec.Before, spec.After)
	}
	op := &intervalJoin[L, R, OUT]{
		t: t, name: name, typ: spec.Type, leftCodec: spec.Left, rightCodec: spec.Right,
		before: spec.Before.Milliseconds(), after: spec.After.Milliseconds(),
		fn: spec.Join, next: next,
	}
	if op.timers, err = t.RegisterTimerHandler(name, op); err != nil {
		return nil, nil, err
	}
	if op.lefts, err = newValueCore[[]timedValue[L]](t, name+"/left", kindValueState, &versionsCodec[L]{r: spec.Left, matched: true}, 0); err != nil {
		return nil, nil, err
	}
	if op.rights, err = newValueCore[[]timedValue[R]](t, name+"/right", kindValueState, &versionsCodec[R]{r: spec.Right}, 0); err != nil {
		return nil, nil, err
	}
	return intervalLeft[L, R, OUT]{op}, intervalRight[L, R, OUT]{op}, nil
}

func (op *intervalJoin[L, R, OUT]) pushLeft(c *Context, v *L) error {
	key, err := currentKey(c)
	if err != nil {
		return fmt.Errorf("runtime: interval join %q: %w", op.name, err)
	}
	tl, wm := c.ts, c.Watermark()
	rights, _, err := op.rights.get(key, nil)
	if err != nil {
		return err
	}
	lo, hi := satAdd(tl, -op.before), satAdd(tl, op.after)
	matched := false
	for i := firstAtOrAfter(rights, lo); i < len(rights) && rights[i].TS <= hi; i++ {
		if err := op.emit(c, v, &rights[i].V, max(tl, rights[i].TS)); err != nil {
			return err
		}
		matched = true
	}
	cleanup := satAdd(tl, op.after)
	if cleanup <= wm {
		if !matched && op.typ == LeftJoin {
			return op.emit(c, v, nil, tl)
		}
		return nil
	}
	l, err := copyVia(op.leftCodec, &op.buf, v)
	if err != nil {
		return fmt.Errorf("runtime: interval join %q: copying a left record: %w", op.name, err)
	}
	lefts, _, err := op.lefts.get(key, nil)
	if err != nil {
		return err
	}
	// Only a left join reads the flags.
	if err := op.lefts.set(key, nil, insertTimed(lefts, timedValue[L]{TS: tl, V: l, Matched: matched && op.typ == LeftJoin})); err != nil {
		return err
	}
	return op.timers.Register(EventTime, key, intervalLeftNS, cleanup)
}

func (op *intervalJoin[L, R, OUT]) pushRight(c *Context, v *R) error {
	key, err := currentKey(c)
	if err != nil {
		return fmt.Errorf("runtime: interval join %q: %w", op.name, err)
	}
	tr, wm := c.ts, c.Watermark()
	lefts, _, err := op.lefts.get(key, nil)
	if err != nil {
		return err
	}
	lo, hi := satAdd(tr, -op.after), satAdd(tr, op.before)
	first := firstAtOrAfter(lefts, lo)
	end, unmarked := first, false
	for ; end < len(lefts) && lefts[end].TS <= hi; end++ {
		if err := op.emit(c, &lefts[end].V, v, max(lefts[end].TS, tr)); err != nil {
			return err
		}
		unmarked = unmarked || !lefts[end].Matched
	}
	// Only a left join reads the flags.
	if unmarked && op.typ == LeftJoin {
		marked := slices.Clone(lefts) // a new slice: the cache may hold lefts
		for i := first; i < end; i++ {
			marked[i].Matched = true
		}
		if err := op.lefts.set(key, nil, marked); err != nil {
			return err
		}
	}
	cleanup := satAdd(tr, op.before)
	if cleanup <= wm {
		return nil
	}
	r, err := copyVia(op.rightCodec, &op.buf, v)
	if err != nil {
		return fmt.Errorf("runtime: interval join %q: copying a right record: %w", op.name, err)
	}
	rights, _, err := op.rights.get(key, nil)
	if err != nil {
		return err
	}
	if err := op.rights.set(key, nil, insertTimed(rights, timedValue[R]{TS: tr, V: r})); err != nil {
		return err
	}
	return op.timers.Register(EventTime, key, intervalRightNS, cleanup)
}

// OnTimer drops the records of the timer's side whose cleanup time has
// come; for a left join it emits the dropped left records that never
// joined, in time order.
func (op *intervalJoin[L, R, OUT]) OnTimer(c *Context, tm Timer) error {
	if tm.Domain != EventTime {
		return fmt.Errorf("runtime: interval join %q: unexpected %v timer", op.name, tm.Domain)
	}
	switch string(tm.Namespace) {
	case string(intervalLeftNS):
		gone, err := expireTimed(op.lefts, tm.Key, op.after, tm.Time)
		if err != nil || op.typ != LeftJoin {
			return err
		}
		for i := range gone {
			if gone[i].Matched {
				continue
			}
			if err := op.emit(c, &gone[i].V, nil, gone[i].TS); err != nil {
				return err
			}
		}
		return nil
	case string(intervalRightNS):
		_, err := expireTimed(op.rights, tm.Key, op.before, tm.Time)
		return err
	}
	return fmt.Errorf("runtime: interval join %q: timer with unknown namespace %q", op.name, tm.Namespace)
}

// emit pushes the output of l and r (nil: none) to next with timestamp
// ts, restoring the context's timestamp after.
func (op *intervalJoin[L, R, OUT]) emit(c *Context, l *L, r *R, ts int64) error {
	prev := c.ts
	c.ts = ts
	out, err := op.fn(c, l, r)
	if err == nil {
		op.out = out
		err = op.next.Push(c, &op.out)
	}
	c.ts = prev
	return err
}

// firstAtOrAfter returns the index of the first value of vs (sorted by
// time) at or after ts.
func firstAtOrAfter[V any](vs []timedValue[V], ts int64) int {
	return sort.Search(len(vs), func(i int) bool { return vs[i].TS >= ts })
}

// insertTimed returns a new slice: vs (sorted by time) with x after every
// value at or before its time.
func insertTimed[V any](vs []timedValue[V], x timedValue[V]) []timedValue[V] {
	i := sort.Search(len(vs), func(i int) bool { return vs[i].TS > x.TS })
	out := make([]timedValue[V], 0, len(vs)+1)
	out = append(out, vs[:i]...)
	out = append(out, x)
	return append(out, vs[i:]...)
}

// expireTimed drops key's values of s whose cleanup time (their time plus
// keep) is at or before at, and returns them: a prefix, as the values are
// sorted by time. It deletes the entry once no value is left.
func expireTimed[V any](s *valueCore[[]timedValue[V]], key []byte, keep, at int64) ([]timedValue[V], error) {
	vs, _, err := s.get(key, nil)
	if err != nil {
		return nil, err
	}
	n := 0
	for n < len(vs) && satAdd(vs[n].TS, keep) <= at {
		n++
	}
	switch n {
	case 0:
		return nil, nil
	case len(vs):
		return vs, s.clear(key, nil)
	}
	return vs[:n], s.set(key, nil, slices.Clone(vs[n:]))
}
