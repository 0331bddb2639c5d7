package runtime

import (
	"bytes"
	"errors"
	"hash/maphash"

	"github.com/cockroachdb/pebble/v2"
)

// Most records that start a window for their key find no state: the
// window is new. Without help, the write-back cache misses and a pebble
// Get (about 8.5 µs for a miss) proves it. A non-merging window operator
// therefore keeps, per live window, a bloom filter of the keys whose state
// it created, and skips the Get when the filter says "never created" and
// the window cannot have state from before:
//
//   - stored contents of a window always come with a stored event-time
//     timer of the operator at or after its MaxTimestamp (the trigger or
//     the cleanup timer, written in the same batch; the cleanup timer is
//     deleted only when it clears the contents), so a window whose
//     MaxTimestamp is after every event-time timer of the operator (the
//     horizon, read once with a reverse scan that skips later timers of
//     other operators, such as session windows' timers a gap ahead, up to
//     maxHorizonSkip of them, and takes the latest timer of the task
//     beyond that) has no state in the batch or the DB;
//   - from then on, every creation of state for a window after the horizon
//     is recorded in the window's filter (no false negatives).
//
// The horizon and the filters are dropped whenever the task forgets its
// memory (Abort, Restore), and recomputed lazily from what is stored. A
// filter is dropped once its window is late for good (no element is added
// to it any more); windows beyond maxFreshFilters live at once raise a
// floor below which windows are never presumed new.

const (
	freshFilterBits = 1 << 19 // 64 KiB per live window
	maxFreshFilters = 64
)

type freshFilter struct {
	bits []uint64
}

func (f *freshFilter) add(h uint64) {
	h1, h2 := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < 3; i++ {
		b := (h1 + i*h2) % freshFilterBits
		f.bits[b>>6] |= 1 << (b & 63)
	}
}

func (f *freshFilter) mayContain(h uint64) bool {
	h1, h2 := uint32(h), uint32(h>>32)|1
	for i := uint32(0); i < 3; i++ {
		b := (h1 + i*h2) % freshFilterBits
		if f.bits[b>>6]&(1<<(b&63)) == 0 {
			return false
		}
	}
	return true
}

// freshWindows is a window operator's knowledge of which (key, window)
// pairs certainly have no state.
type freshWindows struct {
	epoch   uint64 // the task's memEpoch the knowledge belongs to
	valid   bool
	floor   int64 // windows with MaxTimestamp <= floor may have state
	filters map[Window]*freshFilter
	seed    maphash.Seed
	spare   []*freshFilter
}

// maxHorizonSkip bounds the later timers of other operators a horizon
// scan passes over before it settles for the task's latest timer.
var maxHorizonSkip = 100_000

// maxEventTimer returns the latest event-time timer of the operator whose
// timer keys carry op (a length-prefixed name) in the batch and DB, or
// minTime when it has none. Past maxHorizonSkip later timers of other
// operators it returns the latest timer of the task, which is later.
func (t *Task) maxEventTimer(op []byte) (int64, error) {
	lo := appendTaskPrefix(nil, t.id)
	lo = append(lo, kindTimer, byte(EventTime))
	it, err := t.batch.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return 0, err
	}
	at, latest := int64(minTime), int64(minTime)
	skipped := 0
	for ok := it.Last(); ok; ok = it.Prev() {
		k := it.Key()
		if len(k) < len(lo)+8 {
			err = errBadKey
			break
		}
		ts := readOrderedInt64(k[len(lo):])
		if latest == minTime {
			latest = ts
		}
		if bytes.HasPrefix(k[len(lo)+8:], op) {
			at = ts
			break
		}
		if skipped++; skipped > maxHorizonSkip {
			at = latest
			break
		}
	}
	return at, errors.Join(err, it.Error(), it.Close())
}

// sync drops the knowledge if the task forgot its memory since, and
// computes the horizon of the operator whose timer keys carry op when
// there is none.
func (f *freshWindows) sync(t *Task, op []byte) error {
	if f.valid && f.epoch == t.memEpoch {
		return nil
	}
	for w, fl := range f.filters {
		f.release(fl)
		delete(f.filters, w)
	}
	h, err := t.maxEventTimer(op)
	if err != nil {
		return err
	}
	if f.filters == nil {
		f.filters = make(map[Window]*freshFilter)
		f.seed = maphash.MakeSeed()
	}
	f.floor, f.epoch, f.valid = h, t.memEpoch, true
	return nil
}

func (f *freshWindows) release(fl *freshFilter) {
	clear(fl.bits)
	f.spare = append(f.spare, fl)
}

// filter returns the window's filter, creating it if the window is past
// the floor (it then has no state yet), or nil when the window may have
// state nobody recorded. lateness is the operator's allowed lateness.
func (f *freshWindows) filter(w Window, wm, lateness int64) *freshFilter {
	if fl, ok := f.filters[w]; ok {
		return fl
	}
	if w.MaxTimestamp() <= f.floor {
		return nil
	}
	// A new window: forget the windows no element can reach any more.
	for ow, fl := range f.filters {
		if satAdd(ow.MaxTimestamp(), lateness) <= wm {
			f.release(fl)
			delete(f.filters, ow)
		}
	}
	if len(f.filters) >= maxFreshFilters {
		// Untracked from now on: its state may be created unrecorded.
		f.floor = max(f.floor, w.MaxTimestamp())
		return nil
	}
	var fl *freshFilter
	if n := len(f.spare); n > 0 {
		fl, f.spare = f.spare[n-1], f.spare[:n-1]
	} else {
		fl = &freshFilter{bits: make([]uint64, freshFilterBits/64)}
	}
	f.filters[w] = fl
	return fl
}
