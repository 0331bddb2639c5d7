package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// inDB reports whether the DB itself (not the batch) holds key.
func inDB(t *testing.T, s *Store, key []byte) bool {
	t.Helper()
	_, closer, err := s.db.Get(key)
	if err != nil {
		return false
	}
	closer.Close()
	return true
}

func TestValueStateReadYourWritesAndCommit(t *testing.T) {
	for _, entries := range []int{-1, 1, 100} {
		t.Run(fmt.Sprintf("cache=%d", entries), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: entries})
			task := openTask(t, s, 3, TaskConfig{})
			st := must[*ValueState[int64]](t)(NewValueState(task, "count", Int64Codec{}, 0))
			a, b := task.ContextFor([]byte("a")), task.ContextFor([]byte("b"))
			ok(t, st.Set(a, 1))
			ok(t, st.Set(b, 2))
			ok(t, st.Set(a, 10))
			if v, found, err := st.Get(a); err != nil || !found || v != 10 {
				t.Fatalf("Get(a) before commit = %d %v %v", v, found, err)
			}
			key := st.core.key([]byte("a"), nil)
			if inDB(t, s, key) {
				t.Fatal("uncommitted write reached the DB")
			}
			recs := commit(t, task)
			if len(recs) != 2 {
				t.Fatalf("changelog has %d records, want one per key: %v", len(recs), recs)
			}
			if !inDB(t, s, st.core.key([]byte("a"), nil)) {
				t.Fatal("committed write is not in the DB")
			}
			ok(t, st.Clear(a))
			if _, found, _ := st.Get(a); found {
				t.Fatal("cleared value still visible")
			}
			recs = commit(t, task)
			if len(recs) != 1 || recs[0].Value != nil {
				t.Fatalf("clear should give one tombstone, got %v", recs)
			}
			if inDB(t, s, st.core.key([]byte("a"), nil)) {
				t.Fatal("cleared value still in DB after commit")
			}
			if v, found, _ := st.Get(b); !found || v != 2 {
				t.Fatalf("Get(b) = %d %v", v, found)
			}
		})
	}
}

func TestAbortDiscardsBatchAndCache(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 10})
	task := openTask(t, s, 0, TaskConfig{})
	st := must[*ValueState[string]](t)(NewValueState(task, "v", StringCodec{}, 0))
	ls := must[*ListState[int64]](t)(NewListState(task, "l", Int64Codec{}, 0))
	c := task.ContextFor([]byte("k"))
	ok(t, st.Set(c, "committed"))
	ok(t, ls.Add(c, 1))
	commit(t, task)

	ok(t, st.Set(c, "in cache"))
	ok(t, ls.Add(c, 2))
	// A prepared-then-aborted commit: the cache was flushed into the batch.
	_, err := task.Prepare()
	ok(t, err)
	ok(t, task.Abort())
	ok(t, st.Set(c, "again"))
	ok(t, task.Abort())

	if v, _, _ := st.Get(c); v != "committed" {
		t.Fatalf("after Abort Get = %q, want the committed value", v)
	}
	if l, _ := ls.Get(c); !reflect.DeepEqual(l, []int64{1}) {
		t.Fatalf("after Abort list = %v", l)
	}
	if st := task.Stats().Cache; st.Entries > 1 {
		t.Fatalf("cache kept %d entries after Abort", st.Entries)
	}
}

func TestCacheEvictsDirtyEntriesWithoutLosingThem(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 3})
	task := openTask(t, s, 0, TaskConfig{})
	st := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	const n = 50
	for round := int64(0); round < 3; round++ {
		for i := int64(0); i < n; i++ {
			c := task.ContextFor(key8(i))
			v, _, err := st.Get(c)
			ok(t, err)
			ok(t, st.Set(c, v+i))
		}
	}
	stats := task.Stats().Cache
	if stats.DirtyEvictions == 0 || stats.Entries > 3 {
		t.Fatalf("cache stats %+v: want dirty evictions and at most 3 entries", stats)
	}
	for i := int64(0); i < n; i++ {
		if v, _, _ := st.Get(task.ContextFor(key8(i))); v != 3*i {
			t.Fatalf("key %d = %d before commit, want %d", i, v, 3*i)
		}
	}
	recs := commit(t, task)
	if len(recs) != n {
		t.Fatalf("changelog has %d records, want %d (deduplicated)", len(recs), n)
	}
	ok(t, task.Close())
	task = openTask(t, s, 0, TaskConfig{})
	st = must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	for i := int64(0); i < n; i++ {
		if v, _, _ := st.Get(task.ContextFor(key8(i))); v != 3*i {
			t.Fatalf("key %d = %d after reopen, want %d", i, v, 3*i)
		}
	}
}

// TestCacheBudgetSharedByTasks checks that CacheEntries bounds the
// caches of all open tasks together: one task gets the whole budget, a
// second halves it (the first gives back its excess at its next write),
// and closing one gives the budget back. Values stay right throughout.
func TestCacheBudgetSharedByTasks(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 40})
	a := openTask(t, s, 0, TaskConfig{})
	sa := must[*ValueState[int64]](t)(NewValueState(a, "v", Int64Codec{}, 0))
	fill := func(task *Task, st *ValueState[int64], from, n int64) {
		t.Helper()
		for i := from; i < from+n; i++ {
			ok(t, st.Set(task.ContextFor(key8(i)), i))
		}
	}
	entries := func(task *Task) int { return task.Stats().Cache.Entries }
	fill(a, sa, 0, 40)
	if entries(a) != 40 || a.Stats().Cache.Evictions != 0 {
		t.Fatalf("one task: %d entries, %d evictions; want the whole budget of 40", entries(a), a.Stats().Cache.Evictions)
	}
	b := openTask(t, s, 1, TaskConfig{})
	sb := must[*ValueState[int64]](t)(NewValueState(b, "v", Int64Codec{}, 0))
	fill(b, sb, 0, 40)
	fill(a, sa, 40, 1)
	if entries(a) != 20 || entries(b) != 20 {
		t.Fatalf("two tasks: %d and %d entries, want 20 each", entries(a), entries(b))
	}
	ok(t, b.Close())
	fill(a, sa, 41, 30)
	if entries(a) != 40 {
		t.Fatalf("after the second task closed: %d entries, want 40", entries(a))
	}
	for i := int64(0); i < 71; i++ {
		if v, found, err := sa.Get(a.ContextFor(key8(i))); err != nil || !found || v != i {
			t.Fatalf("key %d = %d, %v, %v; want %d", i, v, found, err, i)
		}
	}
}

func TestReducingState(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	sum := func(a, b int64) (int64, error) { return a + b, nil }
	st := must[*ReducingState[int64]](t)(NewReducingState(task, "sum", Int64Codec{}, sum, 0))
	c := task.ContextFor([]byte("k"))
	for _, v := range []int64{3, 4, 5} {
		ok(t, st.Add(c, v))
	}
	if v, found, _ := st.Get(c); !found || v != 12 {
		t.Fatalf("sum = %d %v", v, found)
	}
	ok(t, st.Clear(c))
	if _, found, _ := st.Get(c); found {
		t.Fatal("cleared reducing state still has a value")
	}
	failing := func(a, b int64) (int64, error) { return 0, errors.New("boom") }
	bad := must[*ReducingState[int64]](t)(NewReducingState(task, "bad", Int64Codec{}, failing, 0))
	ok(t, bad.Add(c, 1))
	if err := bad.Add(c, 2); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("reduce error not returned: %v", err)
	}
}

func TestMapState(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	m := must[*MapState[string, int64]](t)(NewMapState(task, "m", StringCodec{}, Int64Codec{}, 0))
	a, b := task.ContextFor([]byte("a")), task.ContextFor([]byte("a\x00"))
	for i, k := range []string{"z", "b", "m"} {
		ok(t, m.Put(a, k, int64(i)))
	}
	ok(t, m.Put(b, "other", 9))
	commit(t, task)
	ok(t, m.Put(a, "c", 7)) // uncommitted, still visible
	ok(t, m.Remove(a, "m"))
	var keys []string
	ok(t, m.Range(a, func(k string, v int64) bool { keys = append(keys, fmt.Sprint(k, "=", v)); return true }))
	if want := []string{"b=1", "c=7", "z=0"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("Range = %v, want %v (sorted, no other key's entries)", keys, want)
	}
	if v, found, _ := m.Get(a, "z"); !found || v != 0 {
		t.Fatalf("Get z = %d %v", v, found)
	}
	if found, _ := m.Contains(a, "m"); found {
		t.Fatal("removed entry still there")
	}
	ok(t, m.Clear(a))
	if empty, _ := m.IsEmpty(a); !empty {
		t.Fatal("map not empty after Clear")
	}
	if empty, _ := m.IsEmpty(b); empty {
		t.Fatal("Clear of one key emptied another key's map")
	}
}

func TestListState(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	l := must[*ListState[string]](t)(NewListState(task, "l", StringCodec{}, 0))
	c := task.ContextFor([]byte("k"))
	ok(t, l.Add(c, "a", "b"))
	commit(t, task)
	ok(t, l.Add(c, "c"))
	if got, _ := l.Get(c); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("list = %v", got)
	}
	recs := commit(t, task)
	if len(recs) != 1 || recs[0].Value == nil {
		t.Fatalf("append should give the full list in the changelog, got %v", recs)
	}
	var full []string
	ok(t, forEachFrame(recs[0].Value, func(_ []byte, _ int64, p []byte) error { full = append(full, string(p)); return nil }))
	if !reflect.DeepEqual(full, []string{"a", "b", "c"}) {
		t.Fatalf("changelog list value = %v", full)
	}
	ok(t, l.Update(c, []string{"x"}))
	if got, _ := l.Get(c); !reflect.DeepEqual(got, []string{"x"}) {
		t.Fatalf("after Update = %v", got)
	}
	ok(t, l.Clear(c))
	if got, _ := l.Get(c); len(got) != 0 {
		t.Fatalf("after Clear = %v", got)
	}
}

func TestStateTTL(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 2})
	task := openTask(t, s, 0, TaskConfig{ProcessingTime: 1000})
	ttl := 10 * time.Second
	v := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, ttl))
	m := must[*MapState[string, int64]](t)(NewMapState(task, "m", StringCodec{}, Int64Codec{}, ttl))
	l := must[*ListState[int64]](t)(NewListState(task, "l", Int64Codec{}, ttl))
	keep := must[*ValueState[int64]](t)(NewValueState(task, "keep", Int64Codec{}, 0))
	c := task.ContextFor([]byte("k"))
	ok(t, v.Set(c, 1))
	ok(t, m.Put(c, "old", 1))
	ok(t, l.Add(c, 1))
	ok(t, keep.Set(c, 1))
	ok(t, task.SetProcessingTime(6000))
	ok(t, m.Put(c, "new", 2)) // written at 6000: expires at 16000
	ok(t, l.Add(c, 2))
	ok(t, v.Set(c, 2)) // write refreshes the TTL (on create and write)
	commit(t, task)

	ok(t, task.SetProcessingTime(11000)) // the 1000 writes expired at 11000
	if got, found, _ := v.Get(c); !found || got != 2 {
		t.Fatalf("refreshed value = %d %v", got, found)
	}
	var keys []string
	ok(t, m.Range(c, func(k string, _ int64) bool { keys = append(keys, k); return true }))
	if !reflect.DeepEqual(keys, []string{"new"}) {
		t.Fatalf("map after expiry = %v", keys)
	}
	if _, found, _ := m.Get(c, "old"); found {
		t.Fatal("expired map entry returned")
	}
	if got, _ := l.Get(c); !reflect.DeepEqual(got, []int64{2}) {
		t.Fatalf("list after expiry = %v", got)
	}
	ok(t, task.SetProcessingTime(16000))
	if _, found, _ := v.Get(c); found {
		t.Fatal("expired value returned")
	}
	if got, _ := l.Get(c); len(got) != 0 {
		t.Fatalf("expired list elements returned: %v", got)
	}
	if _, found, _ := keep.Get(c); !found {
		t.Fatal("state without TTL expired")
	}
	recs := commit(t, task)
	tombstones := 0
	for _, r := range recs {
		if r.Value == nil {
			tombstones++
		}
	}
	if tombstones < 3 {
		t.Fatalf("expired entries should leave tombstones in the changelog, got %v", recs)
	}
}

func TestTTLSweepRemovesUnreadKeys(t *testing.T) {
	s := testStore(t, StoreOptions{TTLCleanupPerCommit: 7})
	task := openTask(t, s, 0, TaskConfig{})
	v := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, time.Second))
	l := must[*ListState[int64]](t)(NewListState(task, "l", Int64Codec{}, time.Second))
	for i := int64(0); i < 20; i++ {
		c := task.ContextFor(key8(i))
		ok(t, v.Set(c, i))
		ok(t, l.Add(c, i))
	}
	commit(t, task)
	ok(t, task.SetProcessingTime(5000))
	deleted := 0
	for range 10 { // each Prepare scans 7 entries
		for _, r := range commit(t, task) {
			if r.Value == nil {
				deleted++
			}
		}
	}
	if deleted != 40 {
		t.Fatalf("sweep deleted %d expired keys, want 40", deleted)
	}
	lo := appendStatePrefix(nil, 0, "")
	left := 0
	ok(t, task.kvScan(lo[:5], prefixEnd(lo[:5]), func(k, _ []byte) (bool, error) { left++; return true, nil }))
	if left != 0 {
		t.Fatalf("%d state keys left after sweeping", left)
	}
}

func TestStateRequiresKeyAndUniqueNames(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	v := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	if _, _, err := v.Get(&task.ctx); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Get without key: %v", err)
	}
	if _, err := NewValueState(task, "v", Int64Codec{}, 0); err == nil {
		t.Fatal("duplicate state name accepted")
	}
	if _, err := NewListState(task, "", Int64Codec{}, 0); err == nil {
		t.Fatal("empty state name accepted")
	}
	if _, err := NewMapState[string, int64](task, "m", nil, Int64Codec{}, 0); err == nil {
		t.Fatal("nil codec accepted")
	}
}
