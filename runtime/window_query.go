package runtime

import (
	"bytes"
	"context"
	"fmt"
	"slices"
)

// Window queries: the windows a window operator still holds for a key,
// with their contents, read from outside the processing (StateQuerier).
// A session operator's windows are the key's session set. A non-merging
// operator keeps one trigger and one cleanup timer per window, without
// a key, until it has cleaned the window's contents: its windows are the
// namespaces of its pending key-less event-time timers, and the key's
// contents in each are a point lookup.

// contentsQuery is implemented by every window contents.
type contentsQuery interface {
	// queryContents returns a copy of key's contents in the state window
	// ns: the accumulator, the reduced value, or the elements ([]IN).
	queryContents(key, ns []byte) (any, bool, error)
}

func (a *aggContents[IN, ACC, OUT]) queryContents(key, ns []byte) (any, bool, error) {
	return queryCore(a.acc, key, ns)
}

func (r *reduceContents[T]) queryContents(key, ns []byte) (any, bool, error) {
	return queryCore(r.acc, key, ns)
}

func (p *processContents[IN, OUT]) queryContents(key, ns []byte) (any, bool, error) {
	vs, err := p.list.get(key, ns)
	if err != nil || len(vs) == 0 {
		return nil, false, err
	}
	out := make([]IN, len(vs))
	for i, v := range vs {
		if out[i], err = copyValue(p.list.codec, v); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

func queryCore[T any](c *valueCore[T], key, ns []byte) (any, bool, error) {
	v, ok, err := c.get(key, ns)
	if err != nil || !ok {
		return nil, false, err
	}
	v, err = copyValue(c.codec, v)
	return v, err == nil, err
}

// windowQuery is a window operator as queries see it.
type windowQuery interface {
	queryWindows(key []byte, fn func(w Window, v any) error) error
}

// queryWindows calls fn for each window the operator holds contents of
// key in, oldest first.
func (op *windowOp[IN]) queryWindows(key []byte, fn func(w Window, v any) error) error {
	cq := op.contents.(contentsQuery)
	var wins, states []Window
	if op.sessions != nil {
		set, _, err := op.sessions.get(key, nil)
		if err != nil {
			return err
		}
		for _, s := range set {
			wins, states = append(wins, s.W), append(states, s.State)
		}
	} else {
		err := op.timers.keylessNamespaces(EventTime, func(ns []byte) error {
			w, err := decodeWindowNamespace(ns)
			if err == nil && !slices.Contains(wins, w) {
				wins = append(wins, w)
			}
			return err
		})
		if err != nil {
			return err
		}
		slices.SortFunc(wins, func(a, b Window) int { return cmpInt64(a.Start, b.Start) })
		states = wins
	}
	for i, w := range wins {
		v, ok, err := cq.queryContents(key, appendWindowNamespace(nil, states[i]))
		if err != nil {
			return err
		}
		if ok {
			if err := fn(w, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// keylessNamespaces calls fn with the namespace of each pending timer of
// the operator in domain d that has no key, in time order (a namespace
// with several timers comes once per timer).
func (s *TimerService) keylessNamespaces(d TimeDomain, fn func(ns []byte) error) error {
	lo := appendTaskPrefix(nil, s.t.id)
	lo = append(lo, kindTimer, byte(d))
	return s.t.kvScan(lo, prefixEnd(lo), func(k, _ []byte) (bool, error) {
		if len(k) < len(lo)+8 {
			return false, errBadKey
		}
		rest := k[len(lo)+8:]
		if !bytes.HasPrefix(rest, s.op) {
			return true, nil
		}
		key, ns, err := readLenPrefixed(rest[len(s.op):])
		if err != nil {
			return false, err
		}
		if len(key) == 0 {
			return true, fn(ns)
		}
		return true, nil
	})
}

// QueryWindows returns the windows the window operator name of q's tasks
// holds for key (encoded by the operator's key codec), oldest first, each
// with a copy of its contents: the accumulator of an aggregate (V is the
// accumulator type), the value so far of a reduce (the input type), or
// the elements kept so far of a process window (V is []IN). A window is
// held from its first element until the watermark passes its end plus
// the allowed lateness, so fired windows still within their lateness are
// there too. Nil when no task holds any.
func QueryWindows[V any](ctx context.Context, q StateQuerier, name string, key []byte) ([]Windowed[V], error) {
	var out []Windowed[V]
	_, err := q.QueryState(ctx, func(t *Task) (bool, error) {
		h, ok := t.handlers[name].(windowQuery)
		if !ok {
			return false, fmt.Errorf("runtime: task %d has no window operator %q", t.id, name)
		}
		err := h.queryWindows(key, func(w Window, v any) error {
			tv, ok := v.(V)
			if !ok {
				return fmt.Errorf("runtime: window %q holds %T, not %T", name, v, tv)
			}
			out = append(out, Windowed[V]{Window: w, Value: tv})
			return nil
		})
		return len(out) > 0, err
	})
	return out, err
}
