package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// ErrNoKey is returned when keyed state or a timer is used outside a keyed
// context (no KeyBy upstream and no record key from the source).
var ErrNoKey = errors.New("runtime: keyed state or timer used without a current key")

type stateKind byte

const (
	kindValueState stateKind = iota + 1
	kindReducingState
	kindMapState
	kindListState
)

// stateInfo is the registry entry of one named state of a task.
type stateInfo struct {
	name   string
	kind   stateKind
	ttl    int64 // ms; 0 = no TTL
	handle any   // the user-facing state object, nil for internal states
}

// StateHandle returns the state registered as name in the task, typed as
// S (e.g. *ValueState[int64]), so test drivers and tools can inspect state
// with ContextFor. Operator-internal states (window contents) have none.
func StateHandle[S any](t *Task, name string) (S, error) {
	var zero S
	info := t.states[name]
	if info == nil || info.handle == nil {
		return zero, fmt.Errorf("runtime: task %d has no state %q", t.id, name)
	}
	h, ok := info.handle.(S)
	if !ok {
		return zero, fmt.Errorf("runtime: state %q is a %T, not a %T", name, info.handle, zero)
	}
	return h, nil
}

// registerState reserves name in the task and returns the key prefix of
// its values. Names are unique per task, 1 to 255 bytes, and stable across
// restarts: they are part of every stored key.
func (t *Task) registerState(name string, kind stateKind, ttl time.Duration) (*stateInfo, []byte, error) {
	if name == "" || len(name) > 255 {
		return nil, nil, fmt.Errorf("runtime: state name %q must be 1 to 255 bytes", name)
	}
	if ttl < 0 {
		return nil, nil, fmt.Errorf("runtime: state %q: negative TTL %v", name, ttl)
	}
	if _, dup := t.states[name]; dup {
		return nil, nil, fmt.Errorf("runtime: task %d: state %q registered twice", t.id, name)
	}
	info := &stateInfo{name: name, kind: kind, ttl: ttl.Milliseconds()}
	if ttl > 0 && info.ttl == 0 {
		info.ttl = 1
	}
	t.states[name] = info
	if info.ttl > 0 {
		t.anyTTL = true
	}
	return info, appendStatePrefix(nil, t.id, name), nil
}

// expiryFromNow is the expiry of a value written now (TTL updated on
// create and write, as Flink's OnCreateAndWrite); 0 means none.
func (t *Task) expiryFromNow(info *stateInfo) int64 {
	if info.ttl == 0 {
		return 0
	}
	e := satAdd(t.procTime, info.ttl)
	if e == 0 {
		e = -1
	}
	return e
}

func currentKey(c *Context) ([]byte, error) {
	if !c.keyed {
		return nil, ErrNoKey
	}
	return c.key, nil
}

func stateErr(info *stateInfo, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("runtime: state %q: %w", info.name, err)
}

// valueCore is a single value per (key, namespace), cached.
type valueCore[T any] struct {
	t      *Task
	info   *stateInfo
	prefix []byte
	codec  Codec[T]
	// nsFirst stores (key, ns) namespace first (appendStateKey).
	nsFirst bool
	// copyIn: the values written may share memory with their writer's,
	// so the cache keeps copies of them (own; alias.go). Set at
	// registration by the states that store their callers' values.
	copyIn bool
	kbuf   []byte
	vbuf   []byte
	cbuf   []byte // own's encoding
}

type valueEntry[T any] struct {
	n       lruNode
	core    *valueCore[T]
	v       T
	present bool
	expiry  int64
	// stored is false only when the batch and DB are known to hold no
	// value for the key, so a clear needs no tombstone.
	stored bool
}

func (e *valueEntry[T]) node() *lruNode { return &e.n }

func (e *valueEntry[T]) flush(t *Task) error {
	key := unsafeBytes(e.n.key)
	if !e.present {
		e.stored = false
		return t.kvDelete(key)
	}
	buf := appendValueHeader(t.flushBuf[:0], e.expiry)
	buf, err := e.core.codec.Append(buf, e.v)
	t.flushBuf = buf[:0]
	if err != nil {
		return stateErr(e.core.info, fmt.Errorf("encoding: %w", err))
	}
	e.stored = true
	return t.kvSet(key, buf)
}

// newValueCore registers a value core that caches the values written as
// they are: its writer must not change them later (the runtime's own
// values: session sets, a join's versions). States that store their
// callers' values set copyIn (newOwningValueCore).
func newValueCore[T any](t *Task, name string, kind stateKind, codec Codec[T], ttl time.Duration) (*valueCore[T], error) {
	if codec == nil {
		return nil, fmt.Errorf("runtime: state %q: nil codec", name)
	}
	info, prefix, err := t.registerState(name, kind, ttl)
	if err != nil {
		return nil, err
	}
	return &valueCore[T]{t: t, info: info, prefix: prefix, codec: codec}, nil
}

// newOwningValueCore is newValueCore for values of callers, who may
// change what a value shares memory with once it is written (a source
// with object reuse decodes the next record into the slices and maps of
// the last): the cache keeps copies of the values written when T can
// share memory (typeMayAlias), else the values themselves.
func newOwningValueCore[T any](t *Task, name string, kind stateKind, codec Codec[T], ttl time.Duration) (*valueCore[T], error) {
	s, err := newValueCore(t, name, kind, codec, ttl)
	if err != nil {
		return nil, err
	}
	s.copyIn = typeMayAlias(reflect.TypeFor[T]())
	return s, nil
}

// own returns a copy of v that shares no memory with it, for a core that
// copies its values (copyIn), made through the state's codec.
func (s *valueCore[T]) own(v T) (T, error) {
	c, err := copyVia(s.codec, &s.cbuf, &v)
	if err != nil {
		return v, stateErr(s.info, fmt.Errorf("copying a value: %w", err))
	}
	return c, nil
}

func (s *valueCore[T]) key(key, ns []byte) []byte {
	s.kbuf = appendStateKey(s.kbuf[:0], s.prefix, key, ns, s.nsFirst)
	return s.kbuf
}

// rangeOf returns the key prefix of every value in namespace ns (the core
// must store namespace first).
func (s *valueCore[T]) rangeOf(ns []byte) []byte { return namespaceRange(s.prefix, ns) }

func (s *valueCore[T]) get(key, ns []byte) (T, bool, error) {
	return s.lookup(key, ns, false)
}

// lookup is get; absent says the caller knows the batch and DB hold no
// value for (key, ns), so a cache miss reads nothing.
func (s *valueCore[T]) lookup(key, ns []byte, absent bool) (T, bool, error) {
	v, ok, _, err := s.lookupEntry(key, ns, absent)
	return v, ok, err
}

// lookupEntry is lookup that also returns the value's cache entry (nil
// without a cache), so a read-modify-write can store its result with
// update instead of a second lookup.
func (s *valueCore[T]) lookupEntry(key, ns []byte, absent bool) (T, bool, *valueEntry[T], error) {
	return s.lookupEntryVia(nil, key, ns, absent)
}

// lookupEntryVia is lookupEntry through the cache hint *hint (getVia): the
// value's entry, when hint already points at it, is found without probing
// the cache's index, and the entry returned becomes the hint. A nil hint
// is lookupEntry.
func (s *valueCore[T]) lookupEntryVia(hint **lruNode, key, ns []byte, absent bool) (T, bool, *valueEntry[T], error) {
	var zero T
	k := s.key(key, ns)
	t := s.t
	now := t.procTime
	if t.cache != nil {
		if e := t.cache.getVia(hint, k); e != nil {
			ve := e.(*valueEntry[T])
			if ve.present && expired(ve.expiry, now) {
				ve.present, ve.v = false, zero
				t.cache.setDirty(&ve.n, ve.stored)
			}
			return ve.v, ve.present, ve, nil
		}
	}
	var (
		v       T
		exp     int64
		present bool
		found   bool
		err     error
	)
	if absent {
		if t.cache == nil {
			return zero, false, nil, nil
		}
		ve := &valueEntry[T]{core: s}
		ve.n.absent = true
		return zero, false, ve, t.cache.addVia(hint, t, k, ve)
	}
	found, err = t.kvGet(k, func(raw []byte) error {
		e, payload, err := parseValueHeader(raw)
		if err != nil || expired(e, now) {
			return err
		}
		exp = e
		v, err = s.codec.Decode(payload)
		present = err == nil
		return err
	})
	if err != nil {
		return zero, false, nil, stateErr(s.info, err)
	}
	stale := found && !present // expired: clean it up lazily
	if t.cache == nil {
		if stale {
			if err := t.kvDelete(k); err != nil {
				return zero, false, nil, err
			}
		}
		return v, present, nil, nil
	}
	ve := &valueEntry[T]{core: s, v: v, present: present, expiry: exp, stored: found}
	ve.n.dirty, ve.n.absent = stale, !found
	return v, present, ve, t.cache.addVia(hint, t, k, ve)
}

// update stores v for (key, ns) whose cache entry lookupEntry returned
// (nil: no cache, set it).
func (s *valueCore[T]) update(e *valueEntry[T], key, ns []byte, v T) error {
	if e == nil {
		return s.set(key, ns, v)
	}
	if s.copyIn {
		var err error
		if v, err = s.own(v); err != nil {
			return err
		}
	}
	e.v, e.present, e.expiry = v, true, s.t.expiryFromNow(s.info)
	e.n.cleared = false
	s.t.cache.setDirty(&e.n, true)
	return nil
}

// store is update through e when e is still the cached entry of (key,
// ns), and set otherwise: cache work between a lookup and its write (an
// eviction) may have dropped e.
func (s *valueCore[T]) store(e *valueEntry[T], key, ns []byte, v T) error {
	if e != nil && e.n.self != nil {
		return s.update(e, key, ns, v)
	}
	return s.set(key, ns, v)
}

func (s *valueCore[T]) set(key, ns []byte, v T) error {
	k := s.key(key, ns)
	t := s.t
	exp := t.expiryFromNow(s.info)
	if t.cache == nil {
		buf := appendValueHeader(s.vbuf[:0], exp)
		buf, err := s.codec.Append(buf, v)
		s.vbuf = buf[:0]
		if err != nil {
			return stateErr(s.info, fmt.Errorf("encoding: %w", err))
		}
		return t.kvSet(k, buf)
	}
	// The cache keeps v until a flush encodes it.
	if s.copyIn {
		var err error
		if v, err = s.own(v); err != nil {
			return err
		}
	}
	if e := t.cache.get(k); e != nil {
		ve := e.(*valueEntry[T])
		ve.v, ve.present, ve.expiry = v, true, exp
		ve.n.cleared = false
		t.cache.setDirty(&ve.n, true)
		return nil
	}
	ve := &valueEntry[T]{core: s, v: v, present: true, expiry: exp, stored: true}
	ve.n.dirty = true
	return t.cache.add(t, k, ve)
}

func (s *valueCore[T]) clear(key, ns []byte) error { return s.clearVia(nil, key, ns) }

// clearVia is clear through the cache hint *hint (lruCache.getVia).
func (s *valueCore[T]) clearVia(hint **lruNode, key, ns []byte) error {
	k := s.key(key, ns)
	t := s.t
	if t.cache == nil {
		return t.kvDelete(k)
	}
	if e := t.cache.getVia(hint, k); e != nil {
		ve := e.(*valueEntry[T])
		var zero T
		ve.v, ve.present = zero, false
		if !ve.stored && !ve.n.unpersisted && !ve.n.prepared {
			// No value anywhere to delete: forget the key.
			t.cache.drop(&ve.n)
			return nil
		}
		ve.n.cleared = true
		t.cache.setDirty(&ve.n, ve.stored)
		return nil
	}
	ve := &valueEntry[T]{core: s, stored: true}
	ve.n.dirty, ve.n.cleared = true, true
	return t.cache.add(t, k, ve)
}

// prefetch loads the values of (key, namespace) pairs that are not cached
// into the cache with one ordered iterator pass (pebble turns increasing
// seeks into cheap nexts). Later reads and writes go through the cache, so
// the snapshot the iterator saw cannot go stale. At most half the cache is
// filled, so prefetched entries do not evict each other.
func (s *valueCore[T]) prefetch(keys, nss [][]byte) error {
	t := s.t
	if t.cache == nil || len(keys) == 0 {
		return nil
	}
	var want [][]byte
	for i := range keys {
		if len(want) >= t.cache.bound()/2 {
			break
		}
		k := s.key(keys[i], nss[i])
		if t.cache.find(k) == nil {
			want = append(want, append([]byte(nil), k...))
		}
	}
	if len(want) == 0 {
		return nil
	}
	slices.SortFunc(want, bytes.Compare)
	it, err := t.batch.NewIter(&pebble.IterOptions{LowerBound: want[0], UpperBound: prefixEnd(s.prefix)})
	if err != nil {
		return stateErr(s.info, err)
	}
	now := t.procTime
	var ferr error
	for i, k := range want {
		if i > 0 && bytes.Equal(k, want[i-1]) {
			continue
		}
		ve := &valueEntry[T]{core: s}
		if it.SeekGE(k) && bytes.Equal(it.Key(), k) {
			raw, err := it.ValueAndErr()
			if err != nil {
				ferr = err
				break
			}
			exp, payload, err := parseValueHeader(raw)
			if err != nil {
				ferr = err
				break
			}
			ve.stored = true
			if !expired(exp, now) {
				if ve.v, err = s.codec.Decode(payload); err != nil {
					ferr = err
					break
				}
				ve.present, ve.expiry = true, exp
			} else {
				ve.n.dirty = true // expired: delete it lazily
			}
		}
		ve.n.absent = !ve.stored
		if err := t.cache.add(t, k, ve); err != nil {
			ferr = err
			break
		}
	}
	return stateErr(s.info, errors.Join(ferr, it.Error(), it.Close()))
}

// ValueState holds one value of T per key (Flink ValueState).
type ValueState[T any] struct{ core *valueCore[T] }

// NewValueState registers a value state named name in the task. ttl 0
// means values never expire; otherwise a value expires ttl after its last
// write, in processing time, and is never returned once expired.
func NewValueState[T any](t *Task, name string, codec Codec[T], ttl time.Duration) (*ValueState[T], error) {
	core, err := newOwningValueCore(t, name, kindValueState, codec, ttl)
	if err != nil {
		return nil, err
	}
	s := &ValueState[T]{core: core}
	core.info.handle = s
	return s, nil
}

// Get returns the current key's value and whether there is one. The
// value may be the one the state's cache holds: change a slice or map in
// it only to Set it back, or change a copy.
func (s *ValueState[T]) Get(c *Context) (T, bool, error) {
	key, err := currentKey(c)
	if err != nil {
		var zero T
		return zero, false, err
	}
	return s.core.get(key, nil)
}

// Set stores v for the current key. When T can share memory (slices,
// maps, pointers), the state keeps a copy of v, so the caller may change
// what v shares afterwards (as a source with object reuse does).
func (s *ValueState[T]) Set(c *Context, v T) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.set(key, nil, v)
}

// Clear removes the current key's value.
func (s *ValueState[T]) Clear(c *Context) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.clear(key, nil)
}

// ReduceFunc combines two values into one (Flink ReduceFunction).
type ReduceFunc[T any] func(a, b T) (T, error)

// ReducingState folds every added value into one with a ReduceFunc.
type ReducingState[T any] struct {
	core   *valueCore[T]
	reduce ReduceFunc[T]
}

// NewReducingState registers a reducing state; ttl as for NewValueState.
func NewReducingState[T any](t *Task, name string, codec Codec[T], reduce ReduceFunc[T], ttl time.Duration) (*ReducingState[T], error) {
	if reduce == nil {
		return nil, fmt.Errorf("runtime: state %q: nil reduce function", name)
	}
	core, err := newOwningValueCore(t, name, kindReducingState, codec, ttl)
	if err != nil {
		return nil, err
	}
	s := &ReducingState[T]{core: core, reduce: reduce}
	core.info.handle = s
	return s, nil
}

// Add folds v into the current key's value.
func (s *ReducingState[T]) Add(c *Context, v T) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	cur, ok, err := s.core.get(key, nil)
	if err != nil {
		return err
	}
	if ok {
		if v, err = s.reduce(cur, v); err != nil {
			return err
		}
	}
	return s.core.set(key, nil, v)
}

// Get returns the current key's reduced value and whether there is one.
func (s *ReducingState[T]) Get(c *Context) (T, bool, error) {
	key, err := currentKey(c)
	if err != nil {
		var zero T
		return zero, false, err
	}
	return s.core.get(key, nil)
}

// Clear removes the current key's value.
func (s *ReducingState[T]) Clear(c *Context) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.clear(key, nil)
}
