package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

// testEntry is a cache entry that records its flushes.
type testEntry struct {
	n       lruNode
	v       int
	flushed *[]string
}

func (e *testEntry) node() *lruNode { return &e.n }

func (e *testEntry) flush(*Task) error {
	*e.flushed = append(*e.flushed, fmt.Sprintf("%s=%d", e.n.key, e.v))
	return nil
}

// TestLRUCache drives the write-back cache through adds, hits, removals
// and evictions, with every key's hash forced into a few buckets so the
// index's probe runs are exercised as much as the common path.
func TestLRUCache(t *testing.T) {
	for _, mask := range []uint64{^uint64(0), 3, 0} {
		t.Run(fmt.Sprintf("mask=%#x", mask), func(t *testing.T) {
			var flushed []string
			c := newLRU(fixedLimit(4))
			// Nothing pending: no checkpoints. flushAll reads the commit
			// batch's length only (testEntry writes nothing).
			task := &Task{commit: new(pebble.Batch)}
			c.mask = mask
			add := func(k string, v int, dirty bool) {
				t.Helper()
				e := &testEntry{v: v, flushed: &flushed}
				e.n.dirty = dirty
				ok(t, c.add(task, []byte(k), e))
			}
			val := func(k string) int {
				e := c.get([]byte(k))
				if e == nil {
					return -1
				}
				return e.(*testEntry).v
			}
			add("a", 1, true)
			add("b", 2, false)
			add("c", 3, true)
			add("d", 4, false)
			if got := []int{val("a"), val("b"), val("c"), val("d"), val("x")}; !slices.Equal(got, []int{1, 2, 3, 4, -1}) {
				t.Fatalf("values %v", got)
			}
			// Every entry has been hit; a fifth entry gives each its
			// second chance, then evicts the oldest, a, and as it is
			// dirty, flushes it.
			add("e", 5, false)
			if val("a") != -1 || !slices.Equal(flushed, []string{"a=1"}) {
				t.Fatalf("after eviction: a=%d, flushed %v", val("a"), flushed)
			}
			// Remove one from the middle of a chain and one at its head.
			c.remove([]byte("c"))
			c.remove([]byte("e"))
			c.remove([]byte("nope"))
			if got := []int{val("b"), val("c"), val("d"), val("e")}; !slices.Equal(got, []int{2, -1, 4, -1}) {
				t.Fatalf("after removals %v", got)
			}
			if c.isNewer([]byte("b")) || c.isNewer([]byte("c")) {
				t.Fatal("isNewer of a clean or removed key")
			}
			add("f", 6, true)
			if !c.isNewer([]byte("f")) || c.snapshot().Entries != 3 {
				t.Fatalf("f dirty %v, %d entries", c.isNewer([]byte("f")), c.snapshot().Entries)
			}
			// Flushed by a commit, f is clean but prepared, and once the
			// commit is committed, unpersisted until a checkpoint: still
			// newer than pebble.
			ok(t, c.flushAll(task))
			if !slices.Equal(flushed, []string{"a=1", "f=6"}) || !c.isNewer([]byte("f")) || c.find([]byte("f")).node().dirty {
				t.Fatalf("flushAll: %v", flushed)
			}
			c.committed(0)
			if n := c.find([]byte("f")).node(); !c.isNewer([]byte("f")) || n.prepared || !n.unpersisted {
				t.Fatal("f not unpersisted after its commit")
			}
			c.persisted()
			if c.isNewer([]byte("f")) {
				t.Fatal("f still newer than pebble after a checkpoint")
			}
			c.reset()
			if c.snapshot().Entries != 0 || val("b") != -1 || slices.ContainsFunc(c.slots, func(s slot) bool { return s.n != nil }) {
				t.Fatal("reset left entries")
			}
		})
	}
}

// TestLRUCacheHint checks getVia: a hint answers only for the key and
// only while its entry is cached, and otherwise the index does, and the
// entry found (or nil) becomes the hint.
func TestLRUCacheHint(t *testing.T) {
	var flushed []string
	c := newLRU(fixedLimit(2))
	task := &Task{commit: new(pebble.Batch)}
	entry := func(k string, v int) *testEntry {
		e := &testEntry{v: v, flushed: &flushed}
		ok(t, c.addVia(nil, task, []byte(k), e))
		return e
	}
	a := entry("a", 1)
	var hint *lruNode
	val := func(k string) int {
		e := c.getVia(&hint, []byte(k))
		if e == nil {
			return -1
		}
		return e.(*testEntry).v
	}
	steps := []struct {
		key  string
		want int
		hint *lruNode // after the lookup
		hits uint64   // in all, after the lookup
	}{
		{"a", 1, &a.n, 1}, // through the index: the hint was nil
		{"a", 1, &a.n, 2}, // through the hint
		{"b", -1, nil, 2}, // another key: the index, a miss
		{"a", 1, &a.n, 3}, // the index again
	}
	for i, s := range steps {
		if got := val(s.key); got != s.want || hint != s.hint || c.stats.Hits != s.hits {
			t.Fatalf("step %d: %s = %d, hint %p, %d hits; want %d, %p, %d", i, s.key, got, hint, c.stats.Hits, s.want, s.hint, s.hits)
		}
	}
	// The hint answers without the index: with a taken out of the index,
	// a lookup through the hint still finds it, and one without does not.
	c.unindex(&a.n)
	if val("a") != 1 || c.get([]byte("a")) != nil {
		t.Fatal("a hinted lookup of a went through the index")
	}
	c.index(&a.n)
	// a, looked up last, is the most recent: two adds evict it, and its
	// hint no longer answers.
	entry("b", 2)
	entry("c", 3)
	if a.n.self != nil || val("a") != -1 || hint != nil {
		t.Fatalf("evicted a: self %v, hint %p", a.n.self, hint)
	}
	// addVia makes the new entry the hint.
	d := &testEntry{v: 4, flushed: &flushed}
	ok(t, c.addVia(&hint, task, []byte("d"), d))
	if hint != &d.n || val("d") != 4 {
		t.Fatalf("after addVia: hint %p, want %p", hint, &d.n)
	}
}

// TestLRUIndexRandom checks the cache's open-addressing index and its
// evictions against a model under random adds, removals and hits, with hashes forced into
// few values so probe runs are long and wrap around the table's end, and
// with a bound large enough that the table doubles several times.
func TestLRUIndexRandom(t *testing.T) {
	for _, tc := range []struct {
		mask      uint64
		max, keys int
	}{{^uint64(0), 12, 40}, {7, 12, 40}, {1, 12, 40}, {^uint64(0), 300, 900}, {255, 300, 900}} {
		mask, max := tc.mask, tc.max
		t.Run(fmt.Sprintf("mask=%#x/max=%d", mask, max), func(t *testing.T) {
			var flushed []string
			c := newLRU(fixedLimit(max))
			c.mask = mask
			task := &Task{}
			rng := rand.New(rand.NewPCG(1, mask))
			model := map[string]int{}
			// The cache evicts like CLOCK: the oldest entry goes unless it
			// was hit (or added) since it last came round, in which case
			// it goes round again.
			order := []string{} // oldest first
			ref := map[string]bool{}
			for step := range 5000 {
				k := fmt.Sprintf("k%d", rng.IntN(tc.keys))
				switch op := rng.IntN(3); {
				case op == 0 && model[k] == 0:
					ok(t, c.add(task, []byte(k), &testEntry{v: step + 1, flushed: &flushed}))
					model[k] = step + 1
					order = append(order, k)
					ref[k] = true
					for len(order) > max {
						old := order[0]
						order = order[1:]
						if ref[old] {
							ref[old] = false
							order = append(order, old)
							continue
						}
						delete(model, old)
					}
				case op == 1:
					c.remove([]byte(k))
					delete(model, k)
					order = slices.DeleteFunc(order, func(o string) bool { return o == k })
				default:
					e := c.get([]byte(k))
					got := -1
					if e != nil {
						got = e.(*testEntry).v
						ref[k] = true
					}
					if want, in := model[k]; (in && got != want) || (!in && got != -1) {
						t.Fatalf("step %d: %s = %d, want %d (cached %v)", step, k, got, want, in)
					}
				}
				if c.snapshot().Entries != len(model) {
					t.Fatalf("step %d: %d entries, model %d", step, c.snapshot().Entries, len(model))
				}
			}
		})
	}
}

// fixedLimit is a cache bound that does not change.
func fixedLimit(n int) *atomic.Int64 {
	l := new(atomic.Int64)
	l.Store(int64(n))
	return l
}
