package runtime

import "fmt"

// StateSize returns the estimated bytes the task's keys (state, timers,
// watermarks and changelog offsets) take on disk: pebble's
// EstimateDiskUsage over the task's key range. Tables wholly inside the
// range count in full; a table shared with a neighbouring task's keys
// counts by the data blocks that overlap the range (read from its index
// block). Committed state waiting for a checkpoint (checkpoint.go) adds
// the encoded size of its pending writes (every pending write, not only
// the last per key). Writes already applied but still in pebble's
// memtable, which all tasks of a store share, count only once pebble has
// flushed them, and the uncommitted changes of the current commit never
// count. Call it between Process calls, not on a closed task.
func (t *Task) StateSize() (int64, error) {
	if t.phase == phaseClosed {
		return 0, errClosed
	}
	lo := appendTaskPrefix(nil, t.id)
	hi := prefixEnd(lo)
	if hi == nil {
		// The last possible task: every key of the range starts with
		// four 0xff bytes; a longer run of 0xff bounds them all.
		hi = []byte{0xff, 0xff, 0xff, 0xff, 0xff}
	}
	// EstimateDiskUsage takes inclusive bounds; the exclusive end key
	// belongs to the next task, whose first key is never exactly hi
	// (every key carries more than its prefix).
	n, err := t.store.db.EstimateDiskUsage(lo, hi)
	if err != nil {
		return 0, fmt.Errorf("runtime: task %d: estimating the state size: %w", t.id, err)
	}
	size := int64(n)
	for _, b := range t.pending {
		size += int64(b.Len())
	}
	return size, nil
}
