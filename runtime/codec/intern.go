package codec

import "hash/maphash"

// Interner lets a decoder return the same string for a short string it
// read before, instead of a new copy each time. Streams repeat most of
// their short strings (URLs, countries, event types, map keys), and a
// shared string costs no allocation, keeps no decoded record's bytes
// alive, and compares by pointer in maps, which is what a map-based
// accumulator does with it next.
//
// Strings are kept per position in the record: the first string a Reader
// reads (ReadString) goes to the first table, the second to the second,
// and so on, which for a record of fixed fields is one table per field.
// Each table is a two-way set-associative cache of internTableSize
// strings of at most internMaxLen bytes. A position whose strings rarely repeat (an id
// unique per record) is noticed after internProbe reads and skipped for
// the next internBackoff, its table dropped, so it costs a counter.
//
// The strings it does not hold are copied into an arena of 1 KiB chunks
// that all the records it decodes share, so a record of unique ids does
// not allocate one chunk of its own. A string kept keeps its chunk alive,
// at most 1 KiB.
//
// An Interner is not safe for concurrent use: give each decoding
// goroutine (each task) its own. The zero value is ready to use.
type Interner struct {
	seed   maphash.Seed
	seeded bool
	tabs   [internSlots]internTable
	strs   []byte // the string arena of the Readers that use it
}

// internTable is one position's strings and the statistics that decide
// whether interning pays there.
type internTable struct {
	strs          []string // nil while skipped
	lookups, hits uint32
	skip          uint32 // reads left to skip
}

const (
	internSlots     = 16   // positions interned per record; later strings are copied
	internTableSize = 1024 // strings kept per position (a power of two)
	internMaxLen    = 64   // longer strings are copied
	internProbe     = 1024 // reads per verdict
	internBackoff   = 1 << 16
)

// Intern makes r take its strings from in where it can (nil: copy every
// string, the default).
func (r *Reader) Intern(in *Interner) { r.in, r.nstr = in, 0 }

// internString returns the n-byte string at r's offset, from r's
// Interner when it holds it, and advances past it; ok is false (and r
// unchanged) when the string's position or length is not interned.
func (r *Reader) internString(n int) (s string, ok bool) {
	i := r.nstr
	r.nstr++
	if i >= internSlots || n > internMaxLen {
		return "", false
	}
	in := r.in
	t := &in.tabs[i]
	if t.skip > 0 {
		t.skip--
		return "", false
	}
	if t.strs == nil {
		if !in.seeded {
			in.seed, in.seeded = maphash.MakeSeed(), true
		}
		t.strs = make([]string, internTableSize)
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	// Two slots per hash, the most recent first, so two frequent strings
	// that share a hash do not evict each other.
	h := maphash.Bytes(in.seed, b) & (internTableSize - 2)
	pair := (*[2]string)(t.strs[h : h+2])
	t.lookups++
	switch {
	case pair[0] == string(b):
		s = pair[0]
		t.hits++
	case pair[1] == string(b):
		s = pair[1]
		pair[0], pair[1] = s, pair[0]
		t.hits++
	default:
		s = string(b)
		pair[0], pair[1] = s, pair[0]
	}
	if t.lookups == internProbe {
		if 2*t.hits < t.lookups {
			t.strs, t.skip = nil, internBackoff
		}
		t.lookups, t.hits = 0, 0
	}
	return s, true
}
