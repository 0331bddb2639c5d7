package runtime

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// Checkpoints: committed state reaches pebble lazily.
//
// Committed applies the indexed batch's writes (evictions, timers, lists,
// map entries: what reads find in the batch) to pebble at once, but keeps
// the commit batch, which holds the write-back cache's flushed values and
// the watermarks (what reads find in the cache), as pending. A checkpoint
// applies the last committed write of each key, together with the
// changelog offsets it reaches. An accumulator changed in ten commits
// before its checkpoint is written to pebble once, and the commits between
// checkpoints cost no memtable inserts for cached state.
//
// The last write of each key is found without indexing the pending
// batches: every cached value written by a commit belongs to a cache entry,
// which remembers where in the pending batches its last committed value
// is (lruNode.pend); the other writes of a commit (watermarks, a handful
// of keys) are kept aside, deduplicated, in pendingMeta.
//
// The invariant that keeps reads right: a value that is only pending is in
// the cache, marked unpersisted. An eviction, which would take it out of
// the cache, checkpoints first; a window's firing scan adds the cache's
// unpersisted keys to what it finds stored. Abort, Restore and Close
// checkpoint too, so they never lose a committed value, and so every
// pending cached write has its entry in the cache when the checkpoint
// runs.
//
// Pebble may hold values newer than its changelog offsets (the indexed
// batch's writes of commits after the last checkpoint). Replaying the
// changelog from those offsets after a crash is still exact: changelog
// records are whole values, so each key ends at its last committed value.

// pendRef locates a cache entry's write in a commit batch: the batch's
// index in Task.pending and the write's offset in its representation.
type pendRef struct {
	batch int32
	off   uint32
}

// metaWrite is a committed write that is not a cached value's.
type metaWrite struct {
	kind       pebble.InternalKeyKind
	key, value []byte
}

// checkpointDue reports whether the pending writes should be applied at
// this commit: when they reach the task's share of CheckpointRecords.
func (t *Task) checkpointDue() bool {
	if t.store.opts.CheckpointRecords < 0 {
		return true
	}
	return len(t.pending) > 0 && int64(t.pendingCount) >= t.store.checkpointShare.Load()
}

// hasPending reports whether committed writes wait for a checkpoint.
func (t *Task) hasPending() bool {
	return len(t.pending) > 0 || len(t.pendingOffsets) > 0
}

// deferCommit keeps the commit batch as pending: the cache entries it
// flushed point at their writes in it, its other writes join pendingMeta,
// and the offsets it reaches are remembered. The task owns the batch
// until the checkpoint.
func (t *Task) deferCommit(offsets []ChangelogOffset) error {
	c := t.commit
	if c.Empty() && len(offsets) == 0 {
		return nil
	}
	idx := int32(len(t.pending))
	t.pending = append(t.pending, c)
	t.pendingCount += int(c.Count())
	t.commit = nil
	if t.cache != nil {
		t.cache.committed(idx)
	}
	if err := t.keepMeta(c.Repr()[t.commitMeta:]); err != nil {
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

// keepMeta records the writes in repr (records of a batch, no header) in
// pendingMeta, replacing earlier writes of the same keys.
func (t *Task) keepMeta(repr []byte) error {
	r := batchrepr.Reader(repr)
	for {
		kind, k, v, ok, err := r.Next()
		if err != nil {
			return fmt.Errorf("runtime: task %d: reading committed writes: %w", t.id, err)
		}
		if !ok {
			return nil
		}
		w := metaWrite{kind: kind, key: k, value: v}
		found := false
		for i := range t.pendingMeta {
			if bytes.Equal(t.pendingMeta[i].key, k) {
				t.pendingMeta[i], found = w, true
				break
			}
		}
		if !found {
			t.pendingMeta = append(t.pendingMeta, w)
		}
	}
}

// pendingWrite returns the write ref points at in reprs, the pending
// batches' representations.
func pendingWrite(reprs [][]byte, ref pendRef) (pebble.InternalKeyKind, []byte, []byte, error) {
	r := batchrepr.Reader(reprs[ref.batch][ref.off:])
	kind, k, v, ok, err := r.Next()
	if err == nil && !ok {
		err = fmt.Errorf("no write at offset %d of pending batch %d", ref.off, ref.batch)
	}
	return kind, k, v, err
}

// checkpoint applies the pending writes, the last one per key, and their
// changelog offsets to pebble atomically.
func (t *Task) checkpoint() error {
	if !t.hasPending() {
		return nil
	}
	// Sized like the last checkpoint, so it rarely grows by doubling;
	// its buffer is not retained by pebble's batch pool (see dropBatch).
	b := t.store.db.NewBatchWithSize(t.checkpointSize, dropBatch)
	defer b.Close()
	var nodes []*lruNode
	if t.cache != nil {
		nodes = t.cache.unpersisted
	}
	reprs := make([][]byte, len(t.pending))
	for i, p := range t.pending {
		reprs[i] = p.Repr()
	}
	for i, n := range nodes {
		prefetchNodeAt(nodes, i)
		kind, k, v, err := pendingWrite(reprs, n.pend)
		if err != nil {
			return fmt.Errorf("runtime: task %d: checkpoint: %w", t.id, err)
		}
		if err := t.checkpointWrite(b, kind, k, v, n); err != nil {
			return err
		}
	}
	for _, w := range t.pendingMeta {
		if err := t.checkpointWrite(b, w.kind, w.key, w.value, nil); err != nil {
			return err
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
	t.checkpointSize = len(b.Repr())
	t.releasePending()
	if t.cache != nil {
		t.cache.persisted()
	}
	t.stats.Checkpoints++
	return nil
}

// checkpointWrite adds one pending write to the checkpoint batch; n is the
// cache entry it belongs to, if any, whose absent mark it updates (pebble
// holds no value for the key after a deletion, one after a set).
func (t *Task) checkpointWrite(b *pebble.Batch, kind pebble.InternalKeyKind, k, v []byte, n *lruNode) error {
	var err error
	switch kind {
	case pebble.InternalKeyKindSet:
		err = b.Set(k, v, nil)
		if n != nil {
			n.absent = false
		}
	case pebble.InternalKeyKindDelete:
		// A value created and deleted since the last checkpoint never
		// reached pebble: nothing to delete.
		if n != nil && n.absent {
			t.stats.CheckpointSkips++
			return nil
		}
		err = b.Delete(k, nil)
		if n != nil {
			n.absent = true
		}
	default:
		err = fmt.Errorf("unexpected pending operation %v", kind)
	}
	if err != nil {
		return fmt.Errorf("runtime: task %d: checkpoint: %w", t.id, err)
	}
	return nil
}

// releasePending closes the pending batches and forgets the pending
// writes (after a checkpoint, or when the task closes).
func (t *Task) releasePending() {
	for i, b := range t.pending {
		b.Close()
		t.pending[i] = nil
	}
	t.pending = t.pending[:0]
	t.pendingCount = 0
	clear(t.pendingMeta)
	t.pendingMeta = t.pendingMeta[:0]
	t.pendingOffsets = t.pendingOffsets[:0]
}

// Pebble's batch pool keeps a closed batch's buffer, and its options,
// for the next batch it hands out: any batch may come back with any
// earlier batch's buffer.
//
// retainBatch lets the pool keep the buffers of commit batches, which
// outgrow its default limit of 1 MiB: without it each commit batch grew
// from 1 KiB by doubling. A commit batch is pending until the next
// checkpoint, so the pool holds about as many buffers as one checkpoint
// interval has commits, each the size of a commit.
//
// dropBatch keeps checkpoint batches out of the pool (the default limit,
// set explicitly, because a pooled batch keeps the options of its last
// user). A checkpoint batch holds a whole interval's writes; pooled, its
// buffer went to the next commit batch, which kept it pending through the
// next interval while that checkpoint grew a new one, so the number of
// checkpoint-sized buffers alive grew with every checkpoint. A checkpoint
// batch is instead allocated at the size of the task's last one.
var (
	retainBatch = pebble.WithMaxRetainedSizeBytes(64 << 20)
	dropBatch   = pebble.WithMaxRetainedSizeBytes(1 << 20)
)
