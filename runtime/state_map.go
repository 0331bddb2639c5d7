package runtime

import (
	"fmt"
	"time"
)

// MapState holds a map from K to V per key (Flink MapState). Each entry is
// its own pebble key, written straight into the indexed batch (which is
// read-your-writes), so large maps cost no Go memory. Range visits entries
// in the byte order of the encoded map keys.
type MapState[K, V any] struct {
	t      *Task
	info   *stateInfo
	prefix []byte
	kc     Codec[K]
	vc     Codec[V]
	kbuf   []byte
	vbuf   []byte
}

// NewMapState registers a map state; ttl applies to each entry separately.
func NewMapState[K, V any](t *Task, name string, keys Codec[K], values Codec[V], ttl time.Duration) (*MapState[K, V], error) {
	if keys == nil || values == nil {
		return nil, fmt.Errorf("runtime: state %q: nil codec", name)
	}
	info, prefix, err := t.registerState(name, kindMapState, ttl)
	if err != nil {
		return nil, err
	}
	s := &MapState[K, V]{t: t, info: info, prefix: prefix, kc: keys, vc: values}
	info.handle = s
	return s, nil
}

// base builds prefix|lp(key)|lp(ns) for the current key into kbuf.
func (s *MapState[K, V]) base(c *Context) ([]byte, error) {
	key, err := currentKey(c)
	if err != nil {
		return nil, err
	}
	b := append(s.kbuf[:0], s.prefix...)
	b = appendLenPrefixed(b, key)
	b = appendLenPrefixed(b, nil)
	s.kbuf = b
	return b, nil
}

func (s *MapState[K, V]) entryKey(c *Context, k K) ([]byte, error) {
	b, err := s.base(c)
	if err != nil {
		return nil, err
	}
	b, err = s.kc.Append(b, k)
	s.kbuf = b
	if err != nil {
		return nil, stateErr(s.info, fmt.Errorf("encoding map key: %w", err))
	}
	return b, nil
}

// Get returns the value under k for the current key.
func (s *MapState[K, V]) Get(c *Context, k K) (V, bool, error) {
	var zero V
	ek, err := s.entryKey(c, k)
	if err != nil {
		return zero, false, err
	}
	var (
		v       V
		present bool
	)
	now := s.t.procTime
	found, err := s.t.kvGet(ek, func(raw []byte) error {
		exp, payload, err := parseValueHeader(raw)
		if err != nil || expired(exp, now) {
			return err
		}
		v, err = s.vc.Decode(payload)
		present = err == nil
		return err
	})
	if err != nil {
		return zero, false, stateErr(s.info, err)
	}
	if found && !present {
		return zero, false, s.t.kvDelete(ek)
	}
	return v, present, nil
}

// Contains reports whether the current key's map holds k.
func (s *MapState[K, V]) Contains(c *Context, k K) (bool, error) {
	_, ok, err := s.Get(c, k)
	return ok, err
}

// Put stores v under k for the current key.
func (s *MapState[K, V]) Put(c *Context, k K, v V) error {
	ek, err := s.entryKey(c, k)
	if err != nil {
		return err
	}
	buf := appendValueHeader(s.vbuf[:0], s.t.expiryFromNow(s.info))
	buf, err = s.vc.Append(buf, v)
	s.vbuf = buf[:0]
	if err != nil {
		return stateErr(s.info, fmt.Errorf("encoding: %w", err))
	}
	return s.t.kvSet(ek, buf)
}

// Remove deletes k from the current key's map.
func (s *MapState[K, V]) Remove(c *Context, k K) error {
	ek, err := s.entryKey(c, k)
	if err != nil {
		return err
	}
	return s.t.kvDelete(ek)
}

// Range calls fn for each live entry of the current key's map, in encoded
// key order, until fn returns false. Expired entries are skipped and
// deleted. fn may modify the map; Range does not see those changes.
func (s *MapState[K, V]) Range(c *Context, fn func(k K, v V) bool) error {
	lo, err := s.base(c)
	if err != nil {
		return err
	}
	lo = append([]byte(nil), lo...)
	now := s.t.procTime
	var stale [][]byte
	err = s.t.kvScan(lo, prefixEnd(lo), func(key, raw []byte) (bool, error) {
		exp, payload, err := parseValueHeader(raw)
		if err != nil {
			return false, err
		}
		if expired(exp, now) {
			stale = append(stale, append([]byte(nil), key...))
			return true, nil
		}
		k, err := s.kc.Decode(key[len(lo):])
		if err != nil {
			return false, fmt.Errorf("decoding map key: %w", err)
		}
		v, err := s.vc.Decode(payload)
		if err != nil {
			return false, err
		}
		return fn(k, v), nil
	})
	if err != nil {
		return stateErr(s.info, err)
	}
	for _, k := range stale {
		if err := s.t.kvDelete(k); err != nil {
			return err
		}
	}
	return nil
}

// IsEmpty reports whether the current key's map has no live entry.
func (s *MapState[K, V]) IsEmpty(c *Context) (bool, error) {
	empty := true
	err := s.Range(c, func(K, V) bool { empty = false; return false })
	return empty, err
}

// Clear deletes every entry of the current key's map (one tombstone per
// entry, so the changelog sees each deletion).
func (s *MapState[K, V]) Clear(c *Context) error {
	lo, err := s.base(c)
	if err != nil {
		return err
	}
	lo = append([]byte(nil), lo...)
	var keys [][]byte
	err = s.t.kvScan(lo, prefixEnd(lo), func(key, _ []byte) (bool, error) {
		keys = append(keys, append([]byte(nil), key...))
		return true, nil
	})
	if err != nil {
		return stateErr(s.info, err)
	}
	for _, k := range keys {
		if err := s.t.kvDelete(k); err != nil {
			return err
		}
	}
	return nil
}
