package runtime

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/cockroachdb/pebble/v2"
)

// ChangelogRecord is one state change of a task: Key is the store key
// without the task prefix (stable across tasks), Value the stored value,
// or nil for a deletion (a tombstone on the compacted changelog topic).
// Values are never empty.
type ChangelogRecord struct {
	Key   []byte
	Value []byte
}

// ChangelogOffset is the position in one changelog topic (the task's
// partition of it) the stored state corresponds to: the offset of the next
// record to replay, as Kafka committed offsets are.
type ChangelogOffset struct {
	Topic  string
	Offset int64
}

// Prepare stops the task at a record boundary for a commit: it runs a
// slice of TTL cleanup, writes the write-back cache's dirty entries and
// the watermarks into the commit batch, and returns every key changed
// since the last commit (in the indexed batch or the commit batch) with
// its latest value (one record per key). The caller writes them to the changelog in
// the same Kafka transaction as the outputs and input offsets, then calls
// Committed (transaction committed) or Abort. Until then the task accepts
// no records.
//
// The commit batch is a plain batch: the flushed entries stay in the cache
// and nothing reads the batch, so the dirty entries cost an append each
// instead of an insert into the indexed batch's skiplist.
func (t *Task) Prepare() ([]ChangelogRecord, error) {
	if err := t.ready(); err != nil {
		return nil, err
	}
	if t.anyTTL && t.store.opts.TTLCleanupPerCommit > 0 {
		if err := t.sweepExpired(t.store.opts.TTLCleanupPerCommit); err != nil {
			return nil, t.fail(err)
		}
	}
	t.commit = t.store.db.NewBatchWithSize(t.commitSize, retainBatch)
	if t.cache != nil {
		if err := t.cache.flushAll(t); err != nil {
			return nil, t.fail(err)
		}
	}
	t.commitMeta = t.commit.Len()
	if err := t.saveWatermarks(); err != nil {
		return nil, t.fail(err)
	}
	t.commitSize = len(t.commit.Repr())
	recs, err := t.changes()
	if err != nil {
		return nil, t.fail(err)
	}
	t.phase = phasePrepared
	return recs, nil
}

// dropCommit discards the commit batch, if any.
func (t *Task) dropCommit() {
	if t.commit != nil {
		t.commit.Close()
		t.commit = nil
	}
}

// changes lists the writes of the indexed batch, then of the commit batch,
// deduplicated to the last write per key in first-write order; list
// appends (merges, only in the indexed batch) are resolved to the full
// list value. The commit batch's keys are distinct (one write per flushed
// cache entry and per watermark), so only the indexed batch's keys are
// indexed for the deduplication.
func (t *Task) changes() ([]ChangelogRecord, error) {
	prefix := appendTaskPrefix(nil, t.id)
	// Keys and values are copied into one arena as large as the batches,
	// so the records need one allocation, and the index keys alias it.
	arena := make([]byte, 0, len(t.batch.Repr())+len(t.commit.Repr()))
	recs := make([]ChangelogRecord, 0, t.batch.Count()+t.commit.Count())
	index := make(map[string]int, t.batch.Count())
	var resolve []int
	for i, b := range [2]*pebble.Batch{t.batch, t.commit} {
		indexed := i == 0
		if !indexed && len(index) == 0 {
			index = nil
		}
		r := b.Reader()
		for {
			kind, k, v, ok, err := r.Next()
			if err != nil {
				return nil, fmt.Errorf("runtime: task %d: reading batch: %w", t.id, err)
			}
			if !ok {
				break
			}
			if len(k) <= taskPrefixLen || string(k[:taskPrefixLen]) != string(prefix) {
				return nil, fmt.Errorf("runtime: task %d: batch holds a key of another task", t.id)
			}
			var rec ChangelogRecord
			merge := false
			switch kind {
			case pebble.InternalKeyKindSet:
				start := len(arena)
				arena = append(arena, v...)
				rec.Value = arena[start:len(arena):len(arena)]
			case pebble.InternalKeyKindDelete:
			case pebble.InternalKeyKindMerge:
				merge = true
			default:
				return nil, fmt.Errorf("runtime: task %d: unexpected batch operation %v", t.id, kind)
			}
			ck := k[taskPrefixLen:]
			if j, seen := index[string(ck)]; seen {
				rec.Key = recs[j].Key
				recs[j] = rec
				if merge {
					resolve = append(resolve, j)
				}
				continue
			}
			start := len(arena)
			arena = append(arena, ck...)
			rec.Key = arena[start:len(arena):len(arena)]
			if indexed {
				index[unsafeString(rec.Key)] = len(recs)
			}
			if merge {
				resolve = append(resolve, len(recs))
			}
			recs = append(recs, rec)
		}
	}
	for _, i := range resolve {
		if recs[i].Value != nil {
			continue // resolved already (appended to more than once)
		}
		full := append(append([]byte(nil), prefix...), recs[i].Key...)
		if _, err := t.kvGet(full, func(v []byte) error {
			recs[i].Value = append([]byte(nil), v...)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return recs, nil
}

func (t *Task) offsetKey(topic string) []byte {
	k := appendTaskPrefix(nil, t.id)
	k = append(k, kindMeta)
	k = append(k, metaChangelogPrefix...)
	return append(k, topic...)
}

// Committed is called after the transaction carrying the prepared changes
// committed: it applies the indexed batch's writes to pebble and keeps the
// commit batch's (the cached state's) for the next checkpoint, which
// applies them with the changelog offsets (checkpoint.go); at this commit
// if StoreOptions.CheckpointRecords says so. If it fails, pebble is behind
// the changelog: close the task, reopen it and Restore.
func (t *Task) Committed(offsets ...ChangelogOffset) error {
	if t.busy {
		return errReentrant
	}
	if t.phase != phasePrepared {
		return fmt.Errorf("runtime: task %d: Committed without Prepare", t.id)
	}
	if !t.batch.Empty() {
		if err := t.store.db.Apply(t.batch, t.store.wopts); err != nil {
			t.phase = phaseFailed
			return fmt.Errorf("runtime: task %d: applying commit: %w", t.id, err)
		}
	}
	if err := t.deferCommit(offsets); err != nil {
		t.phase = phaseFailed
		return fmt.Errorf("runtime: task %d: applying commit: %w", t.id, err)
	}
	t.dropCommit()
	if t.checkpointDue() {
		if err := t.checkpoint(); err != nil {
			t.phase = phaseFailed
			return err
		}
	}
	err := t.batch.Close()
	t.batch = t.store.db.NewIndexedBatch()
	t.wmSaved = t.wm.snapshot(t.wmSaved)
	t.phase = phaseRunning
	t.stats.Commits++
	return err
}

// Uncommitted reports whether the task's state holds writes no commit
// has carried yet: while it does not, its state is that of its last
// commit (or restore). Conservative: a write of the value a key already
// had counts.
func (t *Task) Uncommitted() bool {
	return (t.cache != nil && len(t.cache.dirty) > 0) || (t.batch != nil && !t.batch.Empty())
}

// Abort discards every change since the last commit: the batch, the whole
// write-back cache, and the watermarks advanced since. Committed state
// waiting for a checkpoint is applied first. The caller replays input from
// the last committed offsets.
func (t *Task) Abort() error {
	if t.phase == phaseClosed {
		return errClosed
	}
	if t.busy {
		return errReentrant
	}
	if err := t.checkpoint(); err != nil {
		t.phase = phaseFailed
		return err
	}
	t.dropCommit()
	err := t.batch.Close()
	t.batch = t.store.db.NewIndexedBatch()
	t.resetMemory()
	t.wm.restore(t.wmSaved)
	t.phase = phaseRunning
	return err
}

// resetMemory forgets everything cached in memory about stored state.
func (t *Task) resetMemory() {
	if t.cache != nil {
		t.cache.reset()
	}
	t.timerNext = [2]int64{minTime, minTime}
	t.ttlCursor = nil
	t.memEpoch++
}

const minTime = -1 << 63

// ChangelogOffsets returns the changelog positions stored with the last
// commit (or restore), sorted by topic; empty when the task has none (a
// fresh store: restore from the beginning).
func (t *Task) ChangelogOffsets() ([]ChangelogOffset, error) {
	lo := t.offsetKey("")
	var out []ChangelogOffset
	err := t.kvScan(lo, prefixEnd(lo), func(k, v []byte) (bool, error) {
		if len(v) != 8 {
			return false, errBadKey
		}
		out = append(out, ChangelogOffset{Topic: string(k[len(lo):]), Offset: readOrderedInt64(v)})
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("runtime: task %d: reading changelog offsets: %w", t.id, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Topic < out[j].Topic })
	return out, nil
}

// ChangelogReader yields a task's changelog records in offset order; Next
// returns io.EOF once caught up (the Kafka layer reads read_committed up
// to the end offset).
type ChangelogReader interface {
	Next() (rec ChangelogRecord, offset int64, err error)
}

// restoreBatchBytes is the size at which Restore applies a chunk (a
// variable for tests).
var restoreBatchBytes = 8 << 20

// Restore applies changelog records of topic into the task's store, in
// chunks, each applied atomically with the next offset to read, so an
// interrupted restore resumes where it stopped. Uncommitted changes are
// discarded first. It returns the number of records applied.
func (t *Task) Restore(topic string, r ChangelogReader) (int, error) {
	if t.phase == phaseClosed {
		return 0, errClosed
	}
	if err := t.Abort(); err != nil {
		return 0, err
	}
	db := t.store.db
	// A chunk's batch is made when a record needs it, and stays out of
	// pebble's batch pool, like a checkpoint's (checkpoint.go). After the
	// first chunk each starts at a chunk's size instead of growing to it
	// by doubling.
	var b *pebble.Batch
	size := 0
	defer func() {
		if b != nil {
			b.Close()
		}
	}()
	prefix := appendTaskPrefix(nil, t.id)
	var (
		n    int
		next = int64(-1)
		key  []byte
		off  [8]byte
	)
	flush := func() error {
		if b == nil { // nothing read since the last chunk
			return nil
		}
		if err := b.Set(t.offsetKey(topic), appendOrderedInt64(off[:0], next), nil); err != nil {
			return err
		}
		if err := db.Apply(b, t.store.wopts); err != nil {
			return err
		}
		b.Close()
		b, size = nil, restoreBatchBytes+restoreBatchBytes/8
		return nil
	}
	for {
		rec, offset, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("runtime: task %d: reading changelog %s: %w", t.id, topic, err)
		}
		if len(rec.Key) == 0 || !restorable(rec.Key[0]) {
			return n, fmt.Errorf("runtime: task %d: changelog %s offset %d: not a state key", t.id, topic, offset)
		}
		key = append(append(key[:0], prefix...), rec.Key...)
		if b == nil {
			b = db.NewBatchWithSize(size, dropBatch)
		}
		if rec.Value == nil {
			err = b.Delete(key, nil)
		} else {
			err = b.Set(key, rec.Value, nil)
		}
		if err != nil {
			return n, err
		}
		n++
		next = offset + 1
		if len(b.Repr()) >= restoreBatchBytes {
			if err := flush(); err != nil {
				return n, fmt.Errorf("runtime: task %d: applying restore: %w", t.id, err)
			}
		}
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("runtime: task %d: applying restore: %w", t.id, err)
	}
	t.batch.Close()
	t.batch = db.NewIndexedBatch()
	t.resetMemory()
	if err := t.reloadWatermarks(); err != nil {
		return n, err
	}
	return n, nil
}

func restorable(kind byte) bool {
	return kind == kindState || kind == kindTimer || kind == kindWatermark
}

func (t *Task) reloadWatermarks() error {
	if err := t.loadTaskWatermark(); err != nil {
		return err
	}
	for i := range t.wm.inputs {
		if err := t.loadInputWatermark(i, t.wm.inputs[i].name); err != nil {
			return err
		}
	}
	t.wmSaved = t.wm.snapshot(t.wmSaved)
	return nil
}
