//go:build !go1.27 && !race

package codec

import "unsafe"

// This file is the fast path of MapEntries for the Go 1.26 runtime. A Go
// map value points to a runtime Map whose first fields are the ones below.
// A map that has always held at most eight entries (and was not made with
// a larger size hint) has no directory (dirLen 0): dirPtr points to its
// one slot group, whose control bytes have the top bit clear exactly for
// the slots in use. Small maps never hold deleted-slot markers.

// mapHeader mirrors the leading fields of the runtime's maps.Map.
type mapHeader struct {
	used   uint64
	seed   uintptr
	dirPtr unsafe.Pointer
	dirLen int
}

// maxInlineElem is the largest value the runtime stores in the slot itself;
// larger values are stored behind a pointer.
const maxInlineElem = 128

// smallMapsOK is the result of the start-up layout check.
var smallMapsOK bool

func init() { smallMapsOK = checkSmallMaps() }

// smallGroup returns the slot group of m when m is a small map whose values
// are stored inline, or nil when m must be ranged over.
func smallGroup[V any](m map[string]V) *mapGroup[V] {
	if !smallMapsOK {
		return nil
	}
	return groupOf(m)
}

// groupOf is smallGroup without the start-up check.
func groupOf[V any](m map[string]V) *mapGroup[V] {
	var zero V
	if size := unsafe.Sizeof(zero); size == 0 || size > maxInlineElem {
		return nil
	}
	h := *(**mapHeader)(unsafe.Pointer(&m))
	if h == nil || h.dirLen != 0 || h.dirPtr == nil {
		return nil
	}
	return (*mapGroup[V])(h.dirPtr)
}

// checkSmallMaps verifies the layout smallGroup assumes on maps of every
// small size and a few value types, against what range yields, before the
// fast path is used.
func checkSmallMaps() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	keys := []string{"a", "bb", "ccc", "dddd", "e", "ffffff", "g", "hhhhhhhhhhhhhhhhhhhhh", "i"}
	for n := 1; n <= 8; n++ {
		strs := make(map[string]string)
		longs := make(map[string]int64)
		bools := make(map[string]bool)
		pairs := make(map[string][2]int32)
		for i, k := range keys[:n] {
			strs[k] = k + "!"
			longs[k] = int64(i) * 1e12
			bools[k] = i%2 == 0
			pairs[k] = [2]int32{int32(i), -int32(i)}
		}
		if !sameEntries(strs) || !sameEntries(longs) || !sameEntries(bools) || !sameEntries(pairs) {
			return false
		}
		delete(strs, keys[0])
		if !sameEntries(strs) {
			return false
		}
	}
	big := make(map[string]string)
	for _, k := range keys {
		big[k] = k
	}
	// A map that outgrew one group must not look small.
	return groupOf(big) == nil
}

// sameEntries reports whether groupOf finds m small and its group holds
// exactly m's entries.
func sameEntries[V comparable](m map[string]V) bool {
	g := groupOf(m)
	if g == nil {
		return false
	}
	seen := 0
	for i := range g.ctrl {
		if g.ctrl[i]&ctrlEmptyBit != 0 {
			continue
		}
		v, ok := m[g.slots[i].key]
		if !ok || v != g.slots[i].elem {
			return false
		}
		seen++
	}
	return seen == len(m)
}
