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
	// The keys are read in place, not interned: each is one of m's keys,
	// which a small map finds by comparing bytes, and a value is
	// interned only when it changed.
	var seen [SameKeysMax][]byte
	n := 0
	for c := r.ReadBlockCount(minItemSize); c > 0; c = r.ReadBlockCount(minItemSize) {
		for ; c > 0; c-- {
			k := r.readStringInPlace()
			old, ok := m[string(k)]
			if !ok || n == l || r.fail != failNone {
				r.rewind(start)
				return false
			}
			for _, s := range seen[:n] {
				if string(s) == string(k) {
					r.rewind(start)
					return false
				}
			}
			seen[n] = k
			n++
			if v, same := r.readStringSame(old); !same && r.fail == failNone {
				setExisting(m, k, v)
			}
		}
	}
	if n != l || r.fail != failNone {
		r.rewind(start)
		return false
	}
	return true
}

// setExisting sets the value of m's key equal to k, keeping m's own key
// string (an assignment through string(k) would store a new copy of it).
func setExisting(m map[string]string, k []byte, v string) {
	for key := range m {
		if key == string(k) {
			m[key] = v
			return
		}
	}
}

// readStringInPlace reads an Avro string and returns its bytes in r's
// input, without a copy; it takes the string's Interner position as
// ReadString does.
func (r *Reader) readStringInPlace() []byte {
	n, ok := r.shortLen()
	if !ok {
		n = r.readLenSlow("string")
	}
	if n == 0 {
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	r.nstr++
	return b
}

// readStringSame reads an Avro string as ReadString does, except that a
// string equal to cur returns cur (and same) without interning or copying.
func (r *Reader) readStringSame(cur string) (s string, same bool) {
	at := r.off
	n, ok := r.shortLen()
	if !ok {
		n = r.readLenSlow("string")
	}
	if n == len(cur) && string(r.buf[r.off:r.off+n]) == cur {
		r.off += n
		if n > 0 {
			r.nstr++
		}
		return cur, true
	}
	r.off = at
	return r.ReadString(), false
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
