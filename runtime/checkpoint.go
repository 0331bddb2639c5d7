package runtime

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Checkpoints: committed state reaches pebble lazily.
//
// Committed applies the indexed batch's writes (evictions, timers, lists,
// map entries: what reads find in the batch) to pebble at once, but the
// write-back cache's flushed values and the watermarks, which reads find
// in the cache, go into the task's pending batch. A checkpoint applies the
// pending batch, keeping only the last write of each key, together with
// the changelog offsets it reaches. An accumulator changed in ten commits
// before its checkpoint is written to pebble once, and the commits between
// checkpoints cost no memtable inserts for cached state.
//
// The invariant that keeps reads right: a value that is only in the
// pending batch is in the cache, marked unpersisted. An eviction, which
// would take it out of the cache, checkpoints first; a window's firing scan
// adds the cache's unpersisted keys to what it finds stored. Abort and
// Close checkpoint too, so they never lose a committed value.
//
// Pebble may hold values newer than its changelog offsets (the indexed
// batch's writes of commits after the last checkpoint). Replaying the
// changelog from those offsets after a crash is still exact: changelog
// records are whole values, so each key ends at its last committed value.

// checkpointDue reports whether the pending batch should be applied at
// this commit.
func (t *Task) checkpointDue() bool {
	n := t.store.opts.CheckpointRecords
	return n < 0 || (t.pending != nil && int(t.pending.Count()) >= n)
}

// hasPending reports whether committed writes wait for a checkpoint.
func (t *Task) hasPending() bool {
	return (t.pending != nil && !t.pending.Empty()) || len(t.pendingOffsets) > 0
}

// deferCommit moves the commit batch's writes into the pending batch and
// remembers the offsets they reach.
func (t *Task) deferCommit(offsets []ChangelogOffset) error {
	if t.pending == nil {
		t.pending = t.store.db.NewBatch()
	}
	if err := t.pending.Apply(t.commit, nil); err != nil {
		return err
	}
	for _, o := range offsets {
		found := false
		for i := range t.pendingOffsets {
			if t.pendingOffsets[i].Topic == o.Topic {
				t.pendingOffsets[i].Offset, found = o.Offset, true
			}
		}
		if !found {
			t.pendingOffsets = append(t.pendingOffsets, o)
		}
	}
	return nil
}

// checkpoint applies the pending writes, the last one per key, and their
// changelog offsets to pebble atomically.
func (t *Task) checkpoint() error {
	if !t.hasPending() {
		return nil
	}
	b := t.store.db.NewBatch()
	defer b.Close()
	if t.pending != nil {
		type last struct {
			kind pebble.InternalKeyKind
			v    []byte
		}
		// Keys and values alias the pending batch until it is reset.
		var (
			order []string
			final = make(map[string]last, t.pending.Count())
		)
		r := t.pending.Reader()
		for {
			kind, k, v, ok, err := r.Next()
			if err != nil {
				return fmt.Errorf("runtime: task %d: reading pending writes: %w", t.id, err)
			}
			if !ok {
				break
			}
			ks := unsafeString(k)
			if _, seen := final[ks]; !seen {
				order = append(order, ks)
			}
			final[ks] = last{kind, v}
		}
		for _, k := range order {
			var (
				err  error
				node *lruNode
			)
			if t.cache != nil {
				if e := t.cache.find(unsafeBytes(k)); e != nil {
					node = e.node()
				}
			}
			switch w := final[k]; w.kind {
			case pebble.InternalKeyKindSet:
				err = b.Set(unsafeBytes(k), w.v, nil)
				if node != nil {
					node.absent = false
				}
			case pebble.InternalKeyKindDelete:
				// A value created and deleted since the last checkpoint
				// never reached pebble: nothing to delete.
				if node != nil && node.absent {
					t.stats.CheckpointSkips++
					continue
				}
				err = b.Delete(unsafeBytes(k), nil)
				if node != nil {
					node.absent = true
				}
			default:
				err = fmt.Errorf("unexpected pending operation %v", w.kind)
			}
			if err != nil {
				return fmt.Errorf("runtime: task %d: checkpoint: %w", t.id, err)
			}
		}
	}
	var off [8]byte
	for _, o := range t.pendingOffsets {
		if err := b.Set(t.offsetKey(o.Topic), appendOrderedInt64(off[:0], o.Offset), nil); err != nil {
			return err
		}
	}
	if err := t.store.db.Apply(b, t.store.wopts); err != nil {
		return fmt.Errorf("runtime: task %d: checkpoint: %w", t.id, err)
	}
	if t.pending != nil {
		t.pending.Reset()
	}
	t.pendingOffsets = t.pendingOffsets[:0]
	if t.cache != nil {
		t.cache.persisted()
	}
	t.stats.Checkpoints++
	return nil
}

// dropPending releases the pending batch (after a checkpoint or when the
// task closes).
func (t *Task) dropPending() {
	if t.pending != nil {
		t.pending.Close()
		t.pending = nil
	}
	t.pendingOffsets = nil
}
