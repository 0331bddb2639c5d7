package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// A list is stored as one pebble value: a sequence of frames, each
// uvarint(len(body)) body, where body is a value header (with the
// element's own expiry) and the codec's payload. Add is a pebble Merge
// (concatenation, pebble's default merger), so appending never reads the
// list.

// listCore is a list of T per (key, namespace).
type listCore[T any] struct {
	t      *Task
	info   *stateInfo
	prefix []byte
	codec  Codec[T]
	// nsFirst stores (key, ns) namespace first (appendStateKey).
	nsFirst bool
	kbuf    []byte
	vbuf    []byte
	body    []byte
}

func newListCore[T any](t *Task, name string, codec Codec[T], ttl time.Duration) (*listCore[T], error) {
	if codec == nil {
		return nil, fmt.Errorf("runtime: state %q: nil codec", name)
	}
	info, prefix, err := t.registerState(name, kindListState, ttl)
	if err != nil {
		return nil, err
	}
	return &listCore[T]{t: t, info: info, prefix: prefix, codec: codec}, nil
}

func (s *listCore[T]) key(key, ns []byte) []byte {
	s.kbuf = appendStateKey(s.kbuf[:0], s.prefix, key, ns, s.nsFirst)
	return s.kbuf
}

// rangeOf returns the key prefix of every value in namespace ns (the core
// must store namespace first).
func (s *listCore[T]) rangeOf(ns []byte) []byte { return namespaceRange(s.prefix, ns) }

// appendFrame appends one framed element to dst.
func (s *listCore[T]) appendFrame(dst []byte, v T, expiry int64) ([]byte, error) {
	body := appendValueHeader(s.body[:0], expiry)
	body, err := s.codec.Append(body, v)
	s.body = body[:0]
	if err != nil {
		return dst, stateErr(s.info, fmt.Errorf("encoding: %w", err))
	}
	dst = binary.AppendUvarint(dst, uint64(len(body)))
	return append(dst, body...), nil
}

var errBadList = errors.New("malformed list value")

// forEachFrame calls fn with each frame's whole bytes, expiry and payload.
func forEachFrame(raw []byte, fn func(frame []byte, expiry int64, payload []byte) error) error {
	for len(raw) > 0 {
		n, k := binary.Uvarint(raw)
		if k <= 0 || uint64(len(raw)-k) < n {
			return errBadList
		}
		frame := raw[:k+int(n)]
		exp, payload, err := parseValueHeader(raw[k : k+int(n)])
		if err != nil {
			return err
		}
		if err := fn(frame, exp, payload); err != nil {
			return err
		}
		raw = raw[k+int(n):]
	}
	return nil
}

func (s *listCore[T]) add(key, ns []byte, vs ...T) error {
	exp := s.t.expiryFromNow(s.info)
	buf := s.vbuf[:0]
	var err error
	for _, v := range vs {
		if buf, err = s.appendFrame(buf, v, exp); err != nil {
			return err
		}
	}
	s.vbuf = buf[:0]
	if len(buf) == 0 {
		return nil
	}
	return s.t.kvMerge(s.key(key, ns), buf)
}

// get decodes the live elements; expired elements are dropped from the
// stored list on the way.
func (s *listCore[T]) get(key, ns []byte) ([]T, error) {
	k := s.key(key, ns)
	now := s.t.procTime
	var (
		out   []T
		live  []byte
		stale bool
	)
	_, err := s.t.kvGet(k, func(raw []byte) error {
		return forEachFrame(raw, func(frame []byte, exp int64, payload []byte) error {
			if expired(exp, now) {
				stale = true
				return nil
			}
			live = append(live, frame...)
			v, err := s.codec.Decode(payload)
			if err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, stateErr(s.info, err)
	}
	if stale {
		if len(live) == 0 {
			return out, s.t.kvDelete(k)
		}
		return out, s.t.kvSet(k, live)
	}
	return out, nil
}

func (s *listCore[T]) update(key, ns []byte, vs []T) error {
	if len(vs) == 0 {
		return s.clear(key, ns)
	}
	exp := s.t.expiryFromNow(s.info)
	buf := s.vbuf[:0]
	var err error
	for _, v := range vs {
		if buf, err = s.appendFrame(buf, v, exp); err != nil {
			return err
		}
	}
	s.vbuf = buf[:0]
	return s.t.kvSet(s.key(key, ns), buf)
}

func (s *listCore[T]) clear(key, ns []byte) error {
	return s.t.kvDelete(s.key(key, ns))
}

// exists reports whether a list is stored for (key, ns), expired or not.
func (s *listCore[T]) exists(key, ns []byte) (bool, error) {
	return s.t.kvGet(s.key(key, ns), func([]byte) error { return nil })
}

// mergeInto appends the stored lists of sources to target and deletes the
// sources, without decoding.
func (s *listCore[T]) mergeInto(key, target []byte, sources [][]byte) error {
	for _, src := range sources {
		var raw []byte
		found, err := s.t.kvGet(s.key(key, src), func(v []byte) error {
			raw = append(raw, v...)
			return nil
		})
		if err != nil {
			return stateErr(s.info, err)
		}
		if !found {
			continue
		}
		if err := s.t.kvDelete(s.kbuf); err != nil {
			return err
		}
		if err := s.t.kvMerge(s.key(key, target), raw); err != nil {
			return err
		}
	}
	return nil
}

// ListState holds a list of T per key (Flink ListState). Add appends
// without reading the list; TTL applies to each element separately.
type ListState[T any] struct{ core *listCore[T] }

// NewListState registers a list state.
func NewListState[T any](t *Task, name string, codec Codec[T], ttl time.Duration) (*ListState[T], error) {
	core, err := newListCore(t, name, codec, ttl)
	if err != nil {
		return nil, err
	}
	s := &ListState[T]{core: core}
	core.info.handle = s
	return s, nil
}

// Add appends values to the current key's list.
func (s *ListState[T]) Add(c *Context, vs ...T) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.add(key, nil, vs...)
}

// Get returns the current key's live elements in insertion order.
func (s *ListState[T]) Get(c *Context) ([]T, error) {
	key, err := currentKey(c)
	if err != nil {
		return nil, err
	}
	return s.core.get(key, nil)
}

// Update replaces the current key's list with vs.
func (s *ListState[T]) Update(c *Context, vs []T) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.update(key, nil, vs)
}

// Clear removes the current key's list.
func (s *ListState[T]) Clear(c *Context) error {
	key, err := currentKey(c)
	if err != nil {
		return err
	}
	return s.core.clear(key, nil)
}
