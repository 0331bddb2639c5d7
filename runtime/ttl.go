package runtime

import "fmt"

// sweepExpired is the incremental TTL cleanup run at each Prepare: it
// scans up to limit state entries from where the previous sweep stopped
// (wrapping around), deletes expired values and map entries, and drops
// expired elements from lists. Reads never return expired values either
// way; the sweep reclaims keys that are never read again. Deletions reach
// the changelog as tombstones, so the compacted topic forgets them too.
func (t *Task) sweepExpired(limit int) error {
	lo := appendTaskPrefix(nil, t.id)
	lo = append(lo, kindState)
	hi := prefixEnd(lo)
	start := lo
	if t.ttlCursor != nil {
		start = t.ttlCursor
	}
	now := t.procTime
	type rewrite struct{ key, value []byte }
	var (
		dels     [][]byte
		rewrites []rewrite
		seen     int
		last     []byte
	)
	err := t.kvScan(start, hi, func(k, v []byte) (bool, error) {
		if seen == limit {
			last = append([]byte(nil), k...)
			return false, nil
		}
		seen++
		name, _, err := parseStateName(k)
		if err != nil {
			return false, err
		}
		info := t.states[name]
		if info == nil || info.ttl == 0 {
			return true, nil
		}
		if info.kind == kindListState {
			var live []byte
			stale := false
			if err := forEachFrame(v, func(frame []byte, exp int64, _ []byte) error {
				if expired(exp, now) {
					stale = true
				} else {
					live = append(live, frame...)
				}
				return nil
			}); err != nil {
				return false, err
			}
			if stale {
				rewrites = append(rewrites, rewrite{append([]byte(nil), k...), live})
			}
			return true, nil
		}
		exp, _, err := parseValueHeader(v)
		if err != nil {
			return false, err
		}
		if expired(exp, now) {
			dels = append(dels, append([]byte(nil), k...))
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("runtime: task %d: TTL cleanup: %w", t.id, err)
	}
	t.ttlCursor = last
	for _, k := range dels {
		if t.cache != nil {
			// A dirty or unpersisted cached value is newer than the
			// stored one the scan saw; it reaches pebble later.
			if t.cache.isNewer(k) {
				continue
			}
			t.cache.remove(k)
		}
		if err := t.kvDelete(k); err != nil {
			return err
		}
	}
	for _, rw := range rewrites {
		var err error
		if len(rw.value) == 0 {
			err = t.kvDelete(rw.key)
		} else {
			err = t.kvSet(rw.key, rw.value)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
