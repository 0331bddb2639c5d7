package runtime

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
)

// TestCheckpoints drives committed state through the lazy checkpoint:
// commits keep cached values out of pebble, and an eviction, an abort, a
// close or the record threshold applies them, the last value per key,
// with the changelog offsets they reach.
func TestCheckpoints(t *testing.T) {
	dir := t.TempDir()
	s := must[*Store](t)(OpenStore(dir, StoreOptions{CacheEntries: 4, CheckpointRecords: 8}))
	defer func() { s.Close() }()
	task := openTask(t, s, 1, TaskConfig{})
	st := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	offset := int64(0)
	commitOnly := func() { t.Helper(); offset++; commitTo(t, task, offset) }
	set := func(k string, v int64) { t.Helper(); ok(t, st.Set(task.ContextFor([]byte(k)), v)) }
	get := func(k string) int64 {
		t.Helper()
		v, found, err := st.Get(task.ContextFor([]byte(k)))
		ok(t, err)
		if !found {
			return -1
		}
		return v
	}
	stored := func(k string) int64 {
		t.Helper()
		v, closer, err := s.db.Get(st.core.key([]byte(k), nil))
		if err != nil {
			return -1
		}
		defer closer.Close()
		_, payload, err := parseValueHeader(v)
		ok(t, err)
		n, err := Int64Codec{}.Decode(payload)
		ok(t, err)
		return n
	}
	offsets := func() []ChangelogOffset {
		t.Helper()
		return must[[]ChangelogOffset](t)(task.ChangelogOffsets())
	}

	// Three commits of a: pebble has none of them, the cache has the last.
	for v := int64(1); v <= 3; v++ {
		set("a", v)
		commitOnly()
	}
	if stored("a") != -1 || get("a") != 3 || task.Stats().Checkpoints != 0 || len(offsets()) != 0 {
		t.Fatalf("before a checkpoint: stored %d, read %d, %d checkpoints, offsets %v", stored("a"), get("a"), task.Stats().Checkpoints, offsets())
	}
	// Four other keys evict a, whose committed value must reach pebble
	// first: a checkpoint with the last value and the offset so far.
	for _, k := range []string{"b", "c", "d", "e"} {
		set(k, 7)
	}
	if stored("a") != 3 || task.Stats().Checkpoints != 1 || !reflect.DeepEqual(offsets(), []ChangelogOffset{{"cl", 3}}) {
		t.Fatalf("after evicting a: stored %d, %d checkpoints, offsets %v", stored("a"), task.Stats().Checkpoints, offsets())
	}
	if get("a") != 3 {
		t.Fatal("a lost after its eviction")
	}
	commitOnly() // b..e pending (offset 4)

	// Abort applies what is committed and drops the rest.
	set("b", 8)
	ok(t, task.Abort())
	if stored("b") != 7 || get("b") != 7 || !reflect.DeepEqual(offsets(), []ChangelogOffset{{"cl", 4}}) {
		t.Fatalf("after abort: stored b %d, read b %d, offsets %v", stored("b"), get("b"), offsets())
	}

	// An abort after Prepare: the checkpoint it makes applies b's
	// committed value, not the one the aborted commit flushed, and g,
	// first written by the aborted commit, never reaches pebble.
	set("b", 8)
	commitOnly()
	set("b", 9)
	set("g", 1)
	_, err := task.Prepare()
	ok(t, err)
	ok(t, task.Abort())
	if stored("b") != 8 || get("b") != 8 || stored("g") != -1 || get("g") != -1 {
		t.Fatalf("abort after prepare: stored b %d, read b %d, stored g %d, read g %d", stored("b"), get("b"), stored("g"), get("g"))
	}

	// The record threshold: eight pending writes make a checkpoint at the
	// commit that reaches them.
	before := task.Stats().Checkpoints
	for i := range 3 {
		set("c", int64(10+i))
		set("d", int64(20+i))
		commitOnly()
	}
	if task.Stats().Checkpoints != before {
		t.Fatal("checkpoint before the threshold")
	}
	set("c", 99)
	set("d", 98)
	commitOnly()
	if task.Stats().Checkpoints != before+1 || stored("c") != 99 || stored("d") != 98 {
		t.Fatalf("threshold: %d checkpoints, stored c %d d %d", task.Stats().Checkpoints-before, stored("c"), stored("d"))
	}

	// A value created and deleted between checkpoints never reaches
	// pebble, not even as a deletion; one that did gets its tombstone
	// (b, below).
	if get("f") != -1 {
		t.Fatal("f exists")
	}
	set("f", 1)
	commitOnly()
	ok(t, st.Clear(task.ContextFor([]byte("f"))))
	commitOnly()
	ok(t, task.checkpoint())
	if n := task.Stats().CheckpointSkips; n != 1 || stored("f") != -1 {
		t.Fatalf("%d deletions skipped, stored f %d", n, stored("f"))
	}

	// Close applies pending state; a reopened task reads it from pebble.
	set("e", 42)
	ok(t, st.Clear(task.ContextFor([]byte("b"))))
	commitOnly()
	ok(t, task.Close())
	ok(t, s.Close())
	s = must[*Store](t)(OpenStore(dir, StoreOptions{CacheEntries: 4, CheckpointRecords: 8}))
	task = openTask(t, s, 1, TaskConfig{})
	st = must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	got := fmt.Sprint(get("a"), get("b"), get("c"), get("d"), get("e"), offsets())
	if want := "3 -1 99 98 42 [{cl 12}]"; got != want {
		t.Fatalf("after reopening: %s, want %s", got, want)
	}
}

// TestClearedEntriesLeaveTheCache checks that a cleared value's cache
// entry goes once pebble holds its deletion (a fired window's contents
// would otherwise fill the cache until evicted), that one never stored
// goes at once, and that reads stay right either way.
func TestClearedEntriesLeaveTheCache(t *testing.T) {
	s := must[*Store](t)(OpenStore(t.TempDir(), StoreOptions{CacheEntries: 100, CheckpointRecords: 1 << 30}))
	defer func() { s.Close() }()
	task := openTask(t, s, 1, TaskConfig{})
	st := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	offset := int64(0)
	commit := func() { t.Helper(); offset++; commitTo(t, task, offset) }
	ctx := func(k string) *Context { return task.ContextFor([]byte(k)) }
	get := func(k string) int64 {
		t.Helper()
		v, found, err := st.Get(ctx(k))
		ok(t, err)
		if !found {
			return -1
		}
		return v
	}
	keys := []string{"a", "b", "c", "d", "e", "f"}
	for i, k := range keys {
		ok(t, st.Set(ctx(k), int64(i)))
	}
	commit()
	ok(t, task.checkpoint())
	entries := func() int { return task.Stats().Cache.Entries }
	if entries() != 6 {
		t.Fatalf("%d entries, want 6", entries())
	}

	// Cleared and committed: the deletions wait for the checkpoint, and
	// the entries with them.
	for _, k := range keys[:3] {
		ok(t, st.Clear(ctx(k)))
	}
	commit()
	if entries() != 6 {
		t.Fatalf("before the checkpoint: %d entries, want 6", entries())
	}
	// d and e are cleared and written again before the checkpoint (d by
	// Set, e by a window's read-modify-write): they stay.
	ok(t, st.Clear(ctx("d")))
	ok(t, st.Clear(ctx("e")))
	commit()
	ok(t, st.Set(ctx("d"), 40))
	_, _, e, err := st.core.lookupEntry([]byte("e"), nil, false)
	ok(t, err)
	ok(t, st.core.update(e, []byte("e"), nil, 50))
	commit()
	ok(t, task.checkpoint())
	if entries() != 3 {
		t.Fatalf("after the checkpoint: %d entries, want 3 (d, e, f)", entries())
	}
	misses := task.Stats().Cache.Misses
	if got := fmt.Sprint(get("d"), get("e"), get("f")); got != "40 50 5" || task.Stats().Cache.Misses != misses {
		t.Fatalf("d e f = %s with %d misses, want 40 50 5 from the cache", got, task.Stats().Cache.Misses-misses)
	}
	// The dropped keys read as absent from pebble.
	if got := fmt.Sprint(get("a"), get("b"), get("c")); got != "-1 -1 -1" {
		t.Fatalf("a b c = %s after their deletion", got)
	}

	// A checkpoint between a clear and its commit (an eviction's) writes
	// the value committed before: the entry, whose deletion is still to
	// be committed, must stay.
	ok(t, st.Set(ctx("y"), 7))
	commit()
	ok(t, st.Clear(ctx("y")))
	ok(t, task.checkpoint())
	if get("y") != -1 {
		t.Fatal("y reads its committed value after its clear and a checkpoint")
	}
	commit()
	ok(t, task.checkpoint())
	if get("y") != -1 {
		t.Fatal("y reads after its deletion was committed")
	}

	// An eviction that checkpoints may drop the cleared entry it was
	// about to evict, and others: it must evict what is left.
	small := must[*Store](t)(OpenStore(t.TempDir(), StoreOptions{CacheEntries: 2, CheckpointRecords: 1 << 30}))
	defer small.Close()
	task2 := openTask(t, small, 1, TaskConfig{})
	st2 := must[*ValueState[int64]](t)(NewValueState(task2, "v", Int64Codec{}, 0))
	commit2 := func() { t.Helper(); offset++; commitTo(t, task2, offset) }
	ok(t, st2.Set(task2.ContextFor([]byte("p")), 1))
	ok(t, st2.Set(task2.ContextFor([]byte("q")), 2))
	commit2()
	ok(t, st2.Clear(task2.ContextFor([]byte("p"))))
	ok(t, st2.Clear(task2.ContextFor([]byte("q"))))
	commit2()
	ok(t, st2.Set(task2.ContextFor([]byte("r")), 3)) // evicts p: checkpoint, drops p and q
	for k, want := range map[string]int64{"p": -1, "q": -1, "r": 3} {
		v, found, err := st2.Get(task2.ContextFor([]byte(k)))
		ok(t, err)
		if !found {
			v = -1
		}
		if v != want {
			t.Fatalf("%s = %d after the evicting checkpoint, want %d", k, v, want)
		}
	}

	// A value known absent (read first), set and cleared within one
	// commit was never stored: its entry goes at once, and nothing
	// reaches pebble.
	if get("x") != -1 {
		t.Fatal("x exists")
	}
	n := entries()
	ok(t, st.Set(ctx("x"), 1))
	ok(t, st.Clear(ctx("x")))
	if entries() != n-1 {
		t.Fatalf("%d entries after x came and went, want %d", entries(), n-1)
	}
	commit()
	ok(t, task.checkpoint())
	if get("x") != -1 {
		t.Fatal("x reads after its clear")
	}
}

// TestCheckpointBudgetSharedByTasks checks that CheckpointRecords is the
// store's: one open task checkpoints when its pending writes reach all of
// it, each of two when they reach half.
func TestCheckpointBudgetSharedByTasks(t *testing.T) {
	s := must[*Store](t)(OpenStore(t.TempDir(), StoreOptions{CheckpointRecords: 8}))
	defer s.Close()
	a := openTask(t, s, 0, TaskConfig{})
	st := must[*ValueState[int64]](t)(NewValueState(a, "v", Int64Codec{}, 0))
	offset := int64(0)
	// writeCommit sets n new keys of a and commits them.
	writeCommit := func(n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			offset++
			ok(t, st.Set(a.ContextFor(key8(offset)), offset))
		}
		commitTo(t, a, offset)
	}
	var b *Task
	for _, step := range []struct {
		what    string
		openB   bool // open a second task before writing
		writes  int
		wantCkp uint64
	}{
		{"one task, 5 of 8 pending", false, 5, 0},
		{"one task, 7 of 8 pending", false, 2, 0},
		{"one task, 8 of 8 pending", false, 1, 1},
		{"two tasks, 3 of 4 pending", true, 3, 1},
		{"two tasks, 4 of 4 pending", false, 1, 2},
	} {
		if step.openB {
			b = openTask(t, s, 1, TaskConfig{})
		}
		writeCommit(step.writes)
		if n := a.Stats().Checkpoints; n != step.wantCkp {
			t.Fatalf("%s: %d checkpoints, want %d", step.what, n, step.wantCkp)
		}
	}
	ok(t, b.Close())
}

// TestEvictionGuardsUnpersistedEntries checks that an eviction whose
// checkpoint cannot persist its victim fails instead of losing the
// victim's committed value or looping: an entry marked unpersisted with
// nothing pending is a broken invariant, made here by hand.
func TestEvictionGuardsUnpersistedEntries(t *testing.T) {
	s := must[*Store](t)(OpenStore(t.TempDir(), StoreOptions{CacheEntries: 1}))
	defer s.Close()
	task := openTask(t, s, 0, TaskConfig{})
	st := must[*ValueState[int64]](t)(NewValueState(task, "v", Int64Codec{}, 0))
	ok(t, st.Set(task.ContextFor([]byte("a")), 1))
	task.cache.find(st.core.key([]byte("a"), nil)).node().unpersisted = true
	err := st.Set(task.ContextFor([]byte("b")), 2)
	if err == nil || !strings.Contains(err.Error(), "unpersisted") {
		t.Fatalf("evicting an entry a checkpoint cannot persist: err %v", err)
	}
}

// TestCheckpointBuffersDoNotAccumulate checks that the live heap of a
// task that checkpoints over and over stays flat. Checkpoint batches used
// to go back to pebble's batch pool with their buffers; the next commit
// batch took one and kept it pending through the next interval, while
// that checkpoint grew a new one, so every interval added a
// checkpoint-sized buffer (until each commit of an interval held one).
func TestCheckpointBuffersDoNotAccumulate(t *testing.T) {
	if gotest.RaceEnabled {
		t.Skip("heap measurement: pebble allocates differently in race builds (gotest.LiveHeapMiB)")
	}
	const (
		keys        = 50_000 // distinct keys per checkpoint interval
		perCommit   = 5_000  // so ten commits per interval
		intervals   = 24
		measureFrom = 4
	)
	s := must[*Store](t)(OpenStore(t.TempDir(), StoreOptions{CheckpointRecords: keys}))
	defer s.Close()
	task := openTask(t, s, 0, TaskConfig{})
	st := must[*ValueState[[]byte]](t)(NewValueState(task, "v", BytesCodec{}, 0))
	value := bytes.Repeat([]byte{'v'}, 40)
	var base float64
	offset := int64(0)
	for interval := range intervals {
		for range keys / perCommit {
			for range perCommit {
				offset++
				ok(t, st.Set(task.ContextFor(key8(offset%keys)), value))
			}
			commitTo(t, task, offset)
		}
		if interval == measureFrom {
			base = gotest.LiveHeapMiB()
		}
	}
	if n := task.Stats().Checkpoints; n < intervals-1 {
		t.Fatalf("%d checkpoints in %d intervals", n, intervals)
	}
	// A checkpoint here is 50,000 writes, about 3.5 MB in a 4 MiB buffer;
	// the leak added about 20 MiB over these twenty intervals.
	grown := gotest.LiveHeapMiB() - base
	t.Logf("live heap %.1f MB after %d checkpoints, %+.1f MB since", base, measureFrom+1, grown)
	if grown > 16 {
		t.Fatalf("live heap grew by %.1f MB over %d checkpoints (from %.1f MB)", grown, intervals-measureFrom, base)
	}
}
