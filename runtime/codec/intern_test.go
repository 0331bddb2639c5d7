package codec

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// TestInterner decodes records of four string fields (a URL from a small
// set, a unique id, a string too long to intern, a tag from a small set)
// with and without an Interner, and checks the strings are the same, that
// none aliases the input, that repeated strings are shared once their
// position is known to repeat, and that the unique position stops being
// interned; and that the strings it copies share an arena across records
// without one record's strings overwriting another's.
func TestInterner(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	long := strings.Repeat("L", internMaxLen+1)
	record := func(i int) []byte {
		var b []byte
		b = AppendString(b, fmt.Sprintf("https://shop.example.com/p/%d", rng.IntN(50)))
		b = AppendString(b, fmt.Sprintf("id-%08d", i))
		b = AppendString(b, long[:internMaxLen+rng.IntN(2)])
		return AppendString(b, []string{"a", "b", "c"}[rng.IntN(3)])
	}
	var in Interner
	shared := map[string]unsafe.Pointer{} // last data pointer of each URL seen after warm-up
	repeats, copies := 0, 0
	var kept, keptWant []string // every record's strings, checked at the end
	for i := range 3 * internProbe {
		src := record(i)
		plain, interned := NewReader(src), NewReader(src)
		interned.Intern(&in)
		var got [4]string
		for f := range got {
			want := plain.ReadString()
			got[f] = interned.ReadString()
			if got[f] != want {
				t.Fatalf("record %d field %d: %q, want %q", i, f, got[f], want)
			}
		}
		if err := interned.Finish("R"); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, got[:]...)
		for f := range got {
			keptWant = append(keptWant, strings.Clone(got[f]))
		}
		clear(src) // nothing read may alias the input
		if !strings.HasPrefix(got[0], "https://shop.example.com/p/") || !strings.HasPrefix(got[1], "id-") || got[3] == "" {
			t.Fatalf("record %d: strings alias the input: %q", i, got)
		}
		if i >= internProbe {
			p := unsafe.Pointer(unsafe.StringData(got[0]))
			if q, ok := shared[got[0]]; ok {
				repeats++
				if q != p {
					copies++
				}
			}
			shared[got[0]] = p
		}
	}
	// A URL comes back as a new copy only when three of the fifty share
	// a pair of slots.
	if repeats < internProbe || copies*20 > repeats {
		t.Errorf("%d of %d repeated URLs were new copies", copies, repeats)
	}
	if in.tabs[0].strs == nil || in.tabs[3].strs == nil {
		t.Error("repeating positions are not interned")
	}
	if in.tabs[1].strs != nil || in.tabs[1].skip == 0 {
		t.Error("the unique id's position is still interned")
	}
	for i := range kept {
		if kept[i] != keptWant[i] {
			t.Fatalf("string %d changed after later records: %q, want %q", i, kept[i], keptWant[i])
		}
	}
	// The long strings' position never fills its table.
	for _, s := range in.tabs[2].strs {
		if len(s) > internMaxLen {
			t.Fatalf("interned a %d-byte string", len(s))
		}
	}
	// Once warm, a record of repeated short strings allocates nothing.
	in = Interner{}
	src := AppendString(AppendString(nil, "https://shop.example.com/p/1"), "a")
	for range 2 {
		r := NewReader(src)
		r.Intern(&in)
		r.ReadString()
		r.ReadString()
	}
	allocs := testing.AllocsPerRun(100, func() {
		r := NewReader(src)
		r.Intern(&in)
		r.ReadString()
		r.ReadString()
	})
	if allocs != 0 {
		t.Errorf("reading interned strings allocated %v times", allocs)
	}
	// Strings it does not hold (unique ids) are copied into one arena
	// across records: 64 records of a 12-byte id need one 1 KiB chunk.
	in = Interner{}
	ids := make([][]byte, 64)
	for i := range ids {
		ids[i] = AppendString(nil, fmt.Sprintf("user-%07d", i))
	}
	in.tabs[0].skip = internBackoff // as if found unique
	allocs = testing.AllocsPerRun(10, func() {
		for _, id := range ids {
			r := NewReader(id)
			r.Intern(&in)
			r.ReadString()
		}
	})
	if allocs > 1 {
		t.Errorf("reading 64 ids through an Interner allocated %v times, want at most 1", allocs)
	}
}
