package codec

// Decoding a map into a reused value (UnmarshalAvroReuse, object_reuse)
// used to clear the map and insert every entry again: an insert hashes its
// key, and the record's map usually has the same few keys as the last
// one (attributes, labels, headers). ReadStringMapSameKeys first tries to
// read the entries into the map as it is, which for a small map looks keys
// up without hashing, and only rewrites values that changed.
//
// It is for maps of strings only: a function reading other values, passed
// in, would make the Reader escape to the heap (one allocation per
// record), and string maps are the common case.

// SameKeysMax is the most entries ReadStringMapSameKeys reads in place.
const SameKeysMax = 8

// ReadStringMapSameKeys reads an Avro map of strings into m, when the map
// has exactly m's keys: it sets the values that changed and reports true.
// Otherwise (other keys, more or fewer entries, a key twice, more than
// SameKeysMax entries, or malformed input) it clears m, leaves r where it
// was and reports false: the caller reads the map into m as usual (which
// reports the error of malformed input).
func ReadStringMapSameKeys(r *Reader, m map[string]string) bool {
	if !readStringMapSameKeys(r, m) {
		clear(m)
		return false
	}
	return true
}

func readStringMapSameKeys(r *Reader, m map[string]string) bool {
	const minItemSize = 2 // two string lengths
	l := len(m)
	if l == 0 || l > SameKeysMax || r.fail != failNone {
		return false
	}
	start := r.mark()
	var seen [SameKeysMax]string
	n := 0
	for c := r.ReadBlockCount(minItemSize); c > 0; c = r.ReadBlockCount(minItemSize) {
		for ; c > 0; c-- {
			k := r.ReadString()
			v := r.ReadString()
			old, ok := m[k]
			if !ok || n == l || r.fail != failNone {
				r.rewind(start)
				return false
			}
			for _, s := range seen[:n] {
				if s == k {
					r.rewind(start)
					return false
				}
			}
			seen[n] = k
			n++
			if old != v {
				m[k] = v
			}
		}
	}
	if n != l || r.fail != failNone {
		r.rewind(start)
		return false
	}
	return true
}

// readerMark is where a Reader was: see mark and rewind.
type readerMark struct {
	off, zeros, nstr int
}

// mark returns r's position, for rewind. r must not have failed.
func (r *Reader) mark() readerMark { return readerMark{off: r.off, zeros: r.zeros, nstr: r.nstr} }

// rewind makes r read again from m, clearing a failure since. The strings
// read since stay in the arena unused: its bytes are never written twice.
func (r *Reader) rewind(m readerMark) {
	r.off, r.zeros, r.nstr = m.off, m.zeros, m.nstr
	r.fail, r.failOff, r.err = failNone, 0, nil
}
