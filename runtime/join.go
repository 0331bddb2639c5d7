package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// An event-time temporal join (Flink's event-time temporal table join,
// Kafka Streams' stream-table join with a versioned table and grace)
// joins each left record with the right value in force, for its key, at
// the left record's event time.
//
// Per key, the operator keeps the right side's versions in one value
// state (name + "/table"): (time, value) pairs sorted by time. A right
// record inserts its version (the last one to arrive at a time wins) and
// drops the versions no left record can still need: those before the
// last one at or before the watermark. A left record the watermark has
// already passed joins at once; any other waits, copied, in a value state
// (name + "/waiting": the key's waiting left records sorted by time,
// cached like every value state) for an event-time timer at its time, so
// every right record up to then is in the table when it joins.

// JoinType says what a join does with a left record that finds no right value.
type JoinType int

// The join types.
const (
	InnerJoin JoinType = iota // the left record is dropped (a temporal join counts it in TaskStats.JoinUnmatched)
	LeftJoin                  // the join function gets a nil right value
)

// TemporalJoinSpec configures NewTemporalJoin.
type TemporalJoinSpec[L, R, OUT any] struct {
	// Type is InnerJoin (the default) or LeftJoin.
	Type JoinType
	// Left encodes left records waiting for the watermark.
	Left Codec[L]
	// Right encodes the right side's versions.
	Right Codec[R]
	// TableTTL, when positive, forgets a key's right versions after that
	// long (processing time) without a right record for the key, as state
	// TTL does. 0 keeps them.
	TableTTL time.Duration
	// Join makes the output of a left record and the right value in force
	// at the left record's event time (nil for LeftJoin when there is
	// none). It must not keep l or r or change them.
	Join func(c *Context, l *L, r *R) (OUT, error)
}

// timedValue is a value with its event time: a version of a temporal
// join's right value, or a record an interval join buffers (join_interval.go).
type timedValue[V any] struct {
	TS int64
	V  V
	// Matched says an interval join's left record has joined a right
	// record (stored only by a versionsCodec with matched set).
	Matched bool
}

// joinVersion is one version of a key's right value, in force from TS
// until the next version's TS.
type joinVersion[R any] = timedValue[R]

// versionsCodec encodes a slice of timed values (a key's versions, or the
// records an interval join buffers for a key on one side): a uvarint
// count, then per value its time (8 bytes, ordered), with matched its
// Matched flag (one byte, 0 or 1), a uvarint length and the value codec's
// encoding.
type versionsCodec[R any] struct {
	r       Codec[R]
	matched bool
	buf     []byte
}

func (c *versionsCodec[R]) Append(dst []byte, vs []timedValue[R]) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(vs)))
	for i := range vs {
		b, err := c.r.Append(c.buf[:0], vs[i].V)
		if err != nil {
			return dst, err
		}
		c.buf = b[:0]
		dst = appendOrderedInt64(dst, vs[i].TS)
		if c.matched {
			flag := byte(0)
			if vs[i].Matched {
				flag = 1
			}
			dst = append(dst, flag)
		}
		dst = binary.AppendUvarint(dst, uint64(len(b)))
		dst = append(dst, b...)
	}
	return dst, nil
}

var errBadVersions = errors.New("runtime: malformed join state")

func (c *versionsCodec[R]) Decode(src []byte) ([]timedValue[R], error) {
	head := 8 // a value's time, and its flag with matched
	if c.matched {
		head++
	}
	n, k := binary.Uvarint(src)
	// A value takes at least its head and a length.
	if k <= 0 || n > uint64(len(src)-k)/uint64(head+1) {
		return nil, errBadVersions
	}
	src = src[k:]
	out := make([]timedValue[R], n)
	for i := range out {
		if len(src) < head {
			return nil, errBadVersions
		}
		out[i].TS = readOrderedInt64(src)
		if c.matched {
			if src[8] > 1 {
				return nil, errBadVersions
			}
			out[i].Matched = src[8] == 1
		}
		src = src[head:]
		m, k := binary.Uvarint(src)
		if k <= 0 || m > uint64(len(src)-k) {
			return nil, errBadVersions
		}
		v, err := c.r.Decode(src[k : k+int(m)])
		if err != nil {
			return nil, err
		}
		out[i].V = v
		src = src[k+int(m):]
	}
	if len(src) != 0 {
		return nil, errBadVersions
	}
	return out, nil
}

// versionAt returns the index of the version in force at ts (the last one
// at or before it), or -1.
func versionAt[R any](vs []joinVersion[R], ts int64) int {
	return sort.Search(len(vs), func(i int) bool { return vs[i].TS > ts }) - 1
}

type temporalJoin[L, R, OUT any] struct {
	t       *Task
	name    string
	typ     JoinType
	right   Codec[R]
	fn      func(c *Context, l *L, r *R) (OUT, error)
	next    Node[OUT]
	table   *valueCore[[]joinVersion[R]]
	waiting *valueCore[[]timedValue[L]]
	left    Codec[L]
	timers  *TimerService
	rbuf    []byte // a right value's encoding, to copy it
	lbuf    []byte // a left value's encoding, to copy it
	out     OUT    // the output being pushed: next gets its address
}

// checkJoin checks what every join's spec needs: a join function, both
// codecs, a known join type.
func checkJoin(kind, name string, noJoin, noCodec bool, typ JoinType) error {
	switch {
	case noJoin:
		return fmt.Errorf("runtime: %s join %q: nil join function", kind, name)
	case noCodec:
		return fmt.Errorf("runtime: %s join %q: nil codec", kind, name)
	case typ != InnerJoin && typ != LeftJoin:
		return fmt.Errorf("runtime: %s join %q: unknown join type %d", kind, name, typ)
	}
	return nil
}

// joinLeft and joinRight are the operator's two inputs.
type joinLeft[L, R, OUT any] struct{ op *temporalJoin[L, R, OUT] }
type joinRight[L, R, OUT any] struct{ op *temporalJoin[L, R, OUT] }

func (n joinLeft[L, R, OUT]) Push(c *Context, v *L) error  { return n.op.pushLeft(c, v) }
func (n joinRight[L, R, OUT]) Push(c *Context, v *R) error { return n.op.pushRight(c, v) }

// NewTemporalJoin adds an event-time temporal join named name (unique in
// the task, stable across restarts): each left record is joined, once the
// watermark passes its event time (at once if it already has), with the
// right value of its key in force at that time, the last right record
// at or before it; the output goes to next with the left record's key
// and event time. Right records produce no output. It returns the node
// the left stream pushes into and the node the right stream pushes into;
// both must be keyed (the same key type) and in the same task.
func NewTemporalJoin[L, R, OUT any](t *Task, name string, spec TemporalJoinSpec[L, R, OUT], next Node[OUT]) (left Node[L], right Node[R], err error) {
	if err := checkJoin("temporal", name, spec.Join == nil, spec.Left == nil || spec.Right == nil, spec.Type); err != nil {
		return nil, nil, err
	}
	if spec.TableTTL < 0 {
		return nil, nil, fmt.Errorf("runtime: temporal join %q: negative table TTL %v", name, spec.TableTTL)
	}
	op := &temporalJoin[L, R, OUT]{t: t, name: name, typ: spec.Type, left: spec.Left, right: spec.Right, fn: spec.Join, next: next}
	if op.timers, err = t.RegisterTimerHandler(name, op); err != nil {
		return nil, nil, err
	}
	if op.table, err = newValueCore[[]joinVersion[R]](t, name+"/table", kindValueState, &versionsCodec[R]{r: spec.Right}, spec.TableTTL); err != nil {
		return nil, nil, err
	}
	if op.waiting, err = newValueCore[[]timedValue[L]](t, name+"/waiting", kindValueState, &versionsCodec[L]{r: spec.Left}, 0); err != nil {
		return nil, nil, err
	}
	return joinLeft[L, R, OUT]{op}, joinRight[L, R, OUT]{op}, nil
}

func (op *temporalJoin[L, R, OUT]) pushLeft(c *Context, v *L) error {
	key, err := currentKey(c)
	if err != nil {
		return fmt.Errorf("runtime: temporal join %q: %w", op.name, err)
	}
	if c.ts <= c.Watermark() {
		vs, _, err := op.table.get(key, nil)
		if err != nil {
			return err
		}
		return op.join(c, v, vs, versionAt(vs, c.ts))
	}
	// The waiting list keeps a copy (see pushRight). It is a cached value,
	// not a list state: a list appends by a pebble merge, and reading it
	// back when the timer fires, and for the changelog, costs far more.
	l, err := copyVia(op.left, &op.lbuf, v)
	if err != nil {
		return fmt.Errorf("runtime: temporal join %q: copying a left value: %w", op.name, err)
	}
	// One entry per key, sorted by time (arrival order among equal
	// times): a key's entry stays cached while its records come and go.
	waiting, _, err := op.waiting.get(key, nil)
	if err != nil {
		return err
	}
	// A new slice: the cache may hold the one get returned.
	i := sort.Search(len(waiting), func(i int) bool { return waiting[i].TS > c.ts })
	merged := make([]timedValue[L], 0, len(waiting)+1)
	merged = append(append(append(merged, waiting[:i]...), timedValue[L]{TS: c.ts, V: l}), waiting[i:]...)
	if err := op.waiting.set(key, nil, merged); err != nil {
		return err
	}
	return op.timers.Register(EventTime, key, nil, c.ts)
}

func (op *temporalJoin[L, R, OUT]) pushRight(c *Context, v *R) error {
	key, err := currentKey(c)
	if err != nil {
		return fmt.Errorf("runtime: temporal join %q: %w", op.name, err)
	}
	// The table keeps a copy: *v is only valid during the call, and its
	// slices may be reused by the next record.
	r, err := copyVia(op.right, &op.rbuf, v)
	if err != nil {
		return fmt.Errorf("runtime: temporal join %q: copying a right value: %w", op.name, err)
	}
	vs, _, err := op.table.get(key, nil)
	if err != nil {
		return err
	}
	// A new slice: the cache may hold the one get returned.
	i := sort.Search(len(vs), func(i int) bool { return vs[i].TS >= c.ts })
	merged := make([]joinVersion[R], 0, len(vs)+1)
	merged = append(merged, vs[:i]...)
	merged = append(merged, joinVersion[R]{TS: c.ts, V: r})
	if i < len(vs) && vs[i].TS == c.ts {
		i++ // replaced: the last to arrive wins
	}
	merged = append(merged, vs[i:]...)
	// No left record can need a version before the one in force at the
	// watermark: lefts the watermark passed have joined, and later lefts
	// join with that one or a later one. (Inside the firing of timers of
	// time T, the watermark is T-1: lefts of this key at T or later may
	// still wait for their timers; Context.Watermark.)
	if j := versionAt(merged, c.Watermark()); j > 0 {
		merged = slices.Delete(merged, 0, j)
	}
	return op.table.set(key, nil, merged)
}

// OnTimer joins the left records waiting at the timer's time (and any
// earlier, which none should be), in time and arrival order, with the
// version in force then.
func (op *temporalJoin[L, R, OUT]) OnTimer(c *Context, tm Timer) error {
	if tm.Domain != EventTime {
		return fmt.Errorf("runtime: temporal join %q: unexpected %v timer", op.name, tm.Domain)
	}
	waiting, _, err := op.waiting.get(tm.Key, nil)
	if err != nil {
		return err
	}
	n := sort.Search(len(waiting), func(i int) bool { return waiting[i].TS > tm.Time })
	if n == 0 {
		return nil
	}
	lefts := waiting[:n]
	if n == len(waiting) {
		err = op.waiting.clear(tm.Key, nil)
	} else {
		// A new slice: the cache may hold waiting.
		err = op.waiting.set(tm.Key, nil, slices.Clone(waiting[n:]))
	}
	if err != nil {
		return err
	}
	vs, _, err := op.table.get(tm.Key, nil)
	if err != nil {
		return err
	}
	for i := range lefts {
		c.ts = lefts[i].TS
		if err := op.join(c, &lefts[i].V, vs, versionAt(vs, lefts[i].TS)); err != nil {
			return err
		}
	}
	return nil
}

// join pushes the output of l and vs[at] (none: at < 0) to next, or
// drops l when an inner join finds no right value.
func (op *temporalJoin[L, R, OUT]) join(c *Context, l *L, vs []joinVersion[R], at int) error {
	var r *R
	switch {
	case at >= 0:
		r = &vs[at].V
	case op.typ == InnerJoin:
		op.t.stats.JoinUnmatched++
		return nil
	}
	out, err := op.fn(c, l, r)
	if err != nil {
		return err
	}
	op.out = out
	return op.next.Push(c, &op.out)
}
