package codec

import (
	"maps"
	"testing"
)

// kv is one encoded map entry.
type kv struct{ k, v string }

// encodeMap encodes entries as an Avro map of strings in blocks of the
// given sizes (one block of all entries when blocks is empty); a negative
// size writes that block with its byte size, as Avro allows.
func encodeMap(entries []kv, blocks ...int) []byte {
	if len(blocks) == 0 && len(entries) > 0 {
		blocks = []int{len(entries)}
	}
	var dst []byte
	i := 0
	for _, b := range blocks {
		n := max(b, -b)
		var body []byte
		for _, e := range entries[i : i+n] {
			body = AppendString(AppendString(body, e.k), e.v)
		}
		i += n
		if b < 0 {
			dst = AppendLong(AppendLong(dst, int64(b)), int64(len(body)))
		} else {
			dst = AppendLong(dst, int64(b))
		}
		dst = append(dst, body...)
	}
	dst = AppendLong(dst, 0)
	return append(dst, 0x7f) // a trailing byte the map must not consume
}

// readMapPlain is the usual decode: clear and insert every entry.
func readMapPlain(r *Reader, m map[string]string) {
	clear(m)
	for n := r.ReadBlockCount(2); n > 0; n = r.ReadBlockCount(2) {
		for ; n > 0; n-- {
			k := r.ReadString()
			m[k] = r.ReadString()
		}
	}
}

func TestReadStringMapSameKeys(t *testing.T) {
	old := map[string]string{"ua": "Mozilla/5.0", "lang": "en"}
	many := map[string]string{}
	var manyEntries []kv
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		many[k] = "x"
		manyEntries = append(manyEntries, kv{k, "y"})
	}
	for _, tc := range []struct {
		name    string
		old     map[string]string
		src     []byte
		inPlace bool // ReadStringMapSameKeys reads it
	}{
		{"same keys and values", old, encodeMap([]kv{{"ua", "Mozilla/5.0"}, {"lang", "en"}}), true},
		{"same keys in another order", old, encodeMap([]kv{{"lang", "en"}, {"ua", "Mozilla/5.0"}}), true},
		{"a value changed", old, encodeMap([]kv{{"ua", "curl/8"}, {"lang", "en"}}), true},
		{"two blocks, one sized", old, encodeMap([]kv{{"ua", "curl/8"}, {"lang", "de"}}, 1, -1), true},
		{"another key", old, encodeMap([]kv{{"ua", "curl/8"}, {"os", "linux"}}), false},
		{"fewer entries", old, encodeMap([]kv{{"ua", "curl/8"}}), false},
		{"more entries", old, encodeMap([]kv{{"ua", "curl/8"}, {"lang", "en"}, {"os", "linux"}}), false},
		{"a key twice", old, encodeMap([]kv{{"ua", "a"}, {"ua", "b"}}), false},
		{"a key twice, same count, in two blocks", old, encodeMap([]kv{{"lang", "a"}, {"lang", "b"}}, 1, 1), false},
		{"empty map", old, encodeMap(nil), false},
		{"more than SameKeysMax entries", many, encodeMap(manyEntries), false},
		{"truncated", old, encodeMap([]kv{{"ua", "Mozilla/5.0"}, {"lang", "en"}})[:8], false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := maps.Clone(tc.old)
			ref := NewReader(tc.src)
			readMapPlain(&ref, want)

			got := maps.Clone(tc.old)
			r := NewReader(tc.src)
			inPlace := ReadStringMapSameKeys(&r, got)
			if inPlace != tc.inPlace {
				t.Fatalf("ReadStringMapSameKeys = %v, want %v", inPlace, tc.inPlace)
			}
			if !inPlace {
				if r.Offset() != 0 || r.Failed() || len(got) != 0 {
					t.Fatalf("after false: offset %d, failed %v, map %v; want the reader where it was and the map empty", r.Offset(), r.Failed(), got)
				}
				readMapPlain(&r, got)
			}
			if !maps.Equal(got, want) {
				t.Errorf("map = %v, want %v", got, want)
			}
			if r.Offset() != ref.Offset() || r.Failed() != ref.Failed() {
				t.Errorf("reader at %d (failed %v), want %d (failed %v)", r.Offset(), r.Failed(), ref.Offset(), ref.Failed())
			}
			if !ref.Failed() && r.Remaining() != 1 {
				t.Errorf("%d bytes left, want the trailing byte", r.Remaining())
			}
		})
	}
}

// TestReadMapSameKeysInterned reads the same map again and again through
// an Interner, as a source with object_reuse does: once in place, the
// map costs no allocation.
func TestReadStringMapSameKeysInterned(t *testing.T) {
	src := encodeMap([]kv{{"ua", "Mozilla/5.0"}, {"lang", "en"}})
	var in Interner
	m := map[string]string{}
	read := func() {
		r := NewReader(src)
		r.Intern(&in)
		if !ReadStringMapSameKeys(&r, m) {
			readMapPlain(&r, m)
		}
	}
	read()
	if allocs := testing.AllocsPerRun(100, read); allocs != 0 {
		t.Errorf("%v allocations per read, want 0", allocs)
	}
	if len(m) != 2 || m["ua"] != "Mozilla/5.0" || m["lang"] != "en" {
		t.Errorf("map = %v", m)
	}
}
