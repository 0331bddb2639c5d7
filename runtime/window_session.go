package runtime

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Session windows merge. Per key, the operator keeps the set of its live
// sessions in a cached value state (name + "/sessions"): each session's
// window and its state window, the namespace its contents are stored
// under. When sessions merge, the contents of the others are merged into
// the earliest one's state window, so contents never move more than once.
//
// Each session has one pending timer, under its state window, at or
// before its next due time (the trigger at its fire time, MaxTimestamp or
// with EmitOnClose the cleanup time, then the cleanup at MaxTimestamp +
// lateness). A session grows with nearly every element,
// so its timer is not moved when it grows: a timer that fires before its
// session is due sets itself again at the due time. That costs one timer
// write per gap of inactivity instead of a delete and a register per
// element. The timers of sessions merged away fire later, find no session
// with their state window, and do nothing.

type sessionWindow struct {
	W     Window // the session as it currently spans
	State Window // namespace of its contents
}

type sessionsCodec struct{}

func (sessionsCodec) Append(dst []byte, v []sessionWindow) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	for _, s := range v {
		dst = binary.AppendVarint(dst, s.W.Start)
		dst = binary.AppendVarint(dst, s.W.End)
		dst = binary.AppendVarint(dst, s.State.Start)
		dst = binary.AppendVarint(dst, s.State.End)
	}
	return dst, nil
}

var errBadSessions = errors.New("runtime: malformed session set")

func (sessionsCodec) Decode(src []byte) ([]sessionWindow, error) {
	n, k := binary.Uvarint(src)
	if k <= 0 || n > uint64(len(src)) {
		return nil, errBadSessions
	}
	src = src[k:]
	out := make([]sessionWindow, n)
	for i := range out {
		var f [4]int64
		for j := range f {
			v, k := binary.Varint(src)
			if k <= 0 {
				return nil, errBadSessions
			}
			f[j], src = v, src[k:]
		}
		out[i] = sessionWindow{W: Window{f[0], f[1]}, State: Window{f[2], f[3]}}
	}
	if len(src) != 0 {
		return nil, errBadSessions
	}
	return out, nil
}

func (op *windowOp[IN]) pushMerging(c *Context, key []byte, v *IN) error {
	wm := c.Watermark()
	op.wins = op.assigner.AssignWindows(c.ts, op.wins[:0])
	nw := op.wins[0]
	set, _, entry, err := op.sessions.lookupEntryVia(c.siblingHint(nil), key, nil, false)
	if err != nil {
		return err
	}
	// Grow the new window over every session it reaches, transitively.
	merged := nw
	members := op.members[:0]
	for changed := true; changed; {
		changed = false
		for i, s := range set {
			if !slices.Contains(members, i) && s.W.Intersects(merged) {
				members = append(members, i)
				merged = merged.Cover(s.W)
				changed = true
			}
		}
	}
	op.members = members
	if op.isLate(merged, wm) {
		return op.lateElement(c, v)
	}
	var stateW Window
	switch {
	case len(members) == 0:
		stateW = nw
		if err := op.saveSessions(entry, key, append(set, sessionWindow{W: nw, State: nw})); err != nil {
			return err
		}
		op.ns = appendWindowNamespace(op.ns[:0], nw)
		at := op.fireTime(nw)
		if at <= wm {
			at = op.cleanupTime(nw)
		}
		if err := op.timers.Register(EventTime, key, op.ns, at); err != nil {
			return err
		}
	case len(members) == 1 && set[members[0]].W == merged:
		stateW = set[members[0]].State
	default:
		slices.SortFunc(members, func(a, b int) int { return cmpInt64(set[a].W.Start, set[b].W.Start) })
		stateW = set[members[0]].State
		// Encode the target and source state namespaces in one arena.
		arena := appendWindowNamespace(op.arena[:0], stateW)
		for _, i := range members[1:] {
			arena = appendWindowNamespace(arena, set[i].State)
		}
		op.arena = arena
		sources := make([][]byte, 0, len(members)-1)
		for j := range members[1:] {
			sources = append(sources, arena[16*(j+1):16*(j+2)])
		}
		// A session that only grew has nothing to merge (the common case:
		// most elements extend their user's one live session).
		if len(sources) > 0 {
			if err := op.contents.merge(key, arena[:16], sources); err != nil {
				return err
			}
		}
		// The surviving session's timer stays where it is, unless the
		// session had passed its trigger (its timer is the cleanup one)
		// and now ends after the watermark: then it needs a trigger again.
		fired := op.fireTime(set[members[0]].W) <= wm
		var next []sessionWindow
		if len(members) == 1 {
			// It only grew: rewrite it in place.
			set[members[0]] = sessionWindow{W: merged, State: stateW}
			next = set
		} else {
			next = make([]sessionWindow, 0, len(set)-len(members)+1)
			for i, s := range set {
				if !slices.Contains(members, i) {
					next = append(next, s)
				}
			}
			next = append(next, sessionWindow{W: merged, State: stateW})
		}
		if err := op.saveSessions(entry, key, next); err != nil {
			return err
		}
		if fired && op.fireTime(merged) > wm {
			if err := op.timers.Register(EventTime, key, arena[:16], op.fireTime(merged)); err != nil {
				return err
			}
		}
	}
	op.ns = appendWindowNamespace(op.ns[:0], stateW)
	// A new session's contents are absent: contents exist only under the
	// state window of a session in the set, and any session whose state
	// window is nw covers nw, so it would have been a member.
	//
	// The set's cache entry remembers the contents' entry of the session
	// it last grew (its sibling): most elements extend that session, and
	// find its contents without a second probe of the cache.
	var hint **lruNode
	if entry != nil {
		hint = &entry.n.sibling
	}
	if _, err := op.contents.add(key, op.ns, v, len(members) == 0, hint); err != nil {
		return err
	}
	if hint != nil {
		c.prev = *hint
	}
	if op.fireTime(merged) <= wm {
		return op.fire(c, merged, op.ns, hint)
	}
	return nil
}

// onSessionTimer handles the pending timer of the session whose state
// window is state: it sets itself again if the session grew past it,
// fires the session at its fire time, and cleans it at its cleanup
// time.
func (op *windowOp[IN]) onSessionTimer(c *Context, tm Timer, state Window) error {
	set, _, err := op.sessions.get(tm.Key, nil)
	if err != nil {
		return err
	}
	idx := slices.IndexFunc(set, func(s sessionWindow) bool { return s.State == state })
	if idx < 0 {
		return nil // merged into another session, which has its own timer
	}
	w := set[idx].W
	fireAt, cleanAt := op.fireTime(w), op.cleanupTime(w)
	switch {
	case tm.Time < fireAt:
		return op.timers.Register(EventTime, tm.Key, tm.Namespace, fireAt)
	case tm.Time == fireAt:
		if err := op.fire(c, w, tm.Namespace, nil); err != nil {
			return err
		}
		if cleanAt > fireAt {
			return op.timers.Register(EventTime, tm.Key, tm.Namespace, cleanAt)
		}
	case tm.Time < cleanAt:
		return op.timers.Register(EventTime, tm.Key, tm.Namespace, cleanAt)
	}
	if err := op.contents.clear(tm.Key, tm.Namespace, nil); err != nil {
		return err
	}
	rest := slices.Delete(slices.Clone(set), idx, idx+1)
	if len(rest) == 0 {
		return op.sessions.clear(tm.Key, nil)
	}
	return op.sessions.set(tm.Key, nil, rest)
}

// saveSessions stores key's session set, sorted by start, through the
// cache entry its lookup returned (nil: none).
func (op *windowOp[IN]) saveSessions(e *valueEntry[[]sessionWindow], key []byte, set []sessionWindow) error {
	slices.SortFunc(set, func(a, b sessionWindow) int { return cmpInt64(a.W.Start, b.W.Start) })
	return op.sessions.store(e, key, nil, set)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
