package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// Key layout in the process's pebble DB (see docs/runtime.md):
//
//	task(4, big-endian) 'm' "clog/" topic                      -> changelog offset (uvarint)
//	task(4) 's' len(name)(1) name lp(key) lp(ns) [mapKey]      -> state value
//	task(4) 's' len(name)(1) name lp(ns) lp(key)               -> window contents
//	task(4) 't' domain(1) time(8, ordered) len(op)(1) op lp(key) ns -> timer (empty value)
//	task(4) 'w' 0x00                                           -> task watermark (ordered int64)
//	task(4) 'w' 0x01 topic                                     -> max event time seen on that input
//
// lp(x) is uvarint(len(x)) followed by x, which keeps (key, ns) tuples
// prefix-free. Changelog records carry the key without the 4 task bytes.
const (
	kindMeta      byte = 'm'
	kindState     byte = 's'
	kindTimer     byte = 't'
	kindWatermark byte = 'w'
)

const taskPrefixLen = 4

var metaChangelogPrefix = []byte("clog/")

func appendTaskPrefix(dst []byte, id TaskID) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

func appendOrderedInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v)^(1<<63))
}

func readOrderedInt64(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

func appendLenPrefixed(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

var errBadKey = errors.New("runtime: malformed store key")

func readLenPrefixed(b []byte) (field, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, errBadKey
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// prefixEnd returns the smallest key greater than every key that starts
// with p, or nil when there is none (p is all 0xff).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// unsafeBytes views s as bytes without copying; the result must not be
// modified.
func unsafeBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// unsafeString views b as a string without copying; b must not change
// while the string is in use.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendStatePrefix appends task 's' len(name) name.
func appendStatePrefix(dst []byte, id TaskID, name string) []byte {
	dst = appendTaskPrefix(dst, id)
	dst = append(dst, kindState, byte(len(name)))
	return append(dst, name...)
}

// appendStateKey appends prefix lp(key) lp(ns), or prefix lp(ns) lp(key)
// when nsFirst: a non-merging window operator stores its contents
// namespace first, so one window's keys are one range it can scan when
// the window fires (window.go).
func appendStateKey(dst, prefix, key, ns []byte, nsFirst bool) []byte {
	dst = append(dst, prefix...)
	if nsFirst {
		key, ns = ns, key
	}
	dst = appendLenPrefixed(dst, key)
	return appendLenPrefixed(dst, ns)
}

// namespaceRange returns, in a new slice, the key prefix of every value of
// the state with key prefix prefix in namespace ns, when the state stores
// namespace first (appendStateKey).
func namespaceRange(prefix, ns []byte) []byte {
	return appendLenPrefixed(append([]byte(nil), prefix...), ns)
}

// parseStateName returns the state name of a full state key.
func parseStateName(key []byte) (string, []byte, error) {
	if len(key) < taskPrefixLen+2 || key[taskPrefixLen] != kindState {
		return "", nil, errBadKey
	}
	n := int(key[taskPrefixLen+1])
	rest := key[taskPrefixLen+2:]
	if len(rest) < n {
		return "", nil, errBadKey
	}
	return string(rest[:n]), rest[n:], nil
}

func appendWindowNamespace(dst []byte, w Window) []byte {
	dst = appendOrderedInt64(dst, w.Start)
	return appendOrderedInt64(dst, w.End)
}

func decodeWindowNamespace(ns []byte) (Window, error) {
	if len(ns) != 16 {
		return Window{}, fmt.Errorf("runtime: window namespace: want 16 bytes, got %d", len(ns))
	}
	return Window{Start: readOrderedInt64(ns[:8]), End: readOrderedInt64(ns[8:])}, nil
}

// Stored value header: one flags byte, then an 8-byte expiry (ms, ordered)
// when flagExpiry is set, then the codec's payload.
const (
	flagExpiry byte = 1
)

func appendValueHeader(dst []byte, expiry int64) []byte {
	if expiry == 0 {
		return append(dst, 0)
	}
	dst = append(dst, flagExpiry)
	return appendOrderedInt64(dst, expiry)
}

func parseValueHeader(b []byte) (expiry int64, payload []byte, err error) {
	if len(b) == 0 {
		return 0, nil, errors.New("runtime: stored value without header")
	}
	switch b[0] {
	case 0:
		return 0, b[1:], nil
	case flagExpiry:
		if len(b) < 9 {
			return 0, nil, errors.New("runtime: stored value header truncated")
		}
		return readOrderedInt64(b[1:9]), b[9:], nil
	default:
		return 0, nil, fmt.Errorf("runtime: stored value header has unknown flags %#x", b[0])
	}
}

// expired reports whether a value with this expiry (0 = none) is expired
// at processing time now.
func expired(expiry, now int64) bool { return expiry != 0 && expiry <= now }

// satAdd adds without overflowing past math.MaxInt64 or math.MinInt64.
func satAdd(a, b int64) int64 {
	s := a + b
	if b > 0 && s < a {
		return 1<<63 - 1
	}
	if b < 0 && s > a {
		return -1 << 63
	}
	return s
}
