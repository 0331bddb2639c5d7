package codec

import "iter"

// MapEntries returns an iterator over the entries of m, for the generated
// encoders of Avro maps. It yields every entry exactly once, in an
// unspecified order, like ranging over m, but on a map of at most eight
// entries it costs a fraction of Go's randomised map iteration, which is
// the largest cost of encoding a record with a small map. m must not be
// written while the iterator runs (the same rule as for range).
//
// The fast path reads the single slot group of a small map directly. It
// depends on the layout of the Go 1.26 runtime's maps: it is compiled only
// with Go 1.26 toolchains and without the race detector, it checks that
// layout against range when the package starts (SmallMapFastPath reports
// the result), and it is limited to value types the runtime stores in the
// group itself. Everywhere else MapEntries is a plain range over m.
func MapEntries[V any](m map[string]V) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if g := smallGroup(m); g != nil {
			for i := range g.ctrl {
				if g.ctrl[i]&ctrlEmptyBit == 0 && !yield(g.slots[i].key, g.slots[i].elem) {
					return
				}
			}
			return
		}
		for k, v := range m {
			if !yield(k, v) {
				return
			}
		}
	}
}

// SmallMapFastPath reports whether MapEntries reads small maps directly:
// true when this build has the fast path and the runtime's map layout
// passed the start-up check.
func SmallMapFastPath() bool { return smallMapsOK }

// ctrlEmptyBit is set in the control byte of a slot that holds no entry.
const ctrlEmptyBit = 0x80

// mapGroup mirrors a Go map's slot group for a map[string]V whose value is
// stored in the slot: eight control bytes, then eight key/value slots.
type mapGroup[V any] struct {
	ctrl  [8]uint8
	slots [8]struct {
		key  string
		elem V
	}
}
