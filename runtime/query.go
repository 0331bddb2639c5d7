package runtime

import "context"

// StateQuerier reads the keyed state of a running pipeline from outside
// its processing, as Kafka Streams' interactive queries do: the kafka
// package's Queries for a pipeline that runs on Kafka, the Driver in
// tests. Generated pipelines have a typed Query function per declared
// state that takes one.
type StateQuerier interface {
	// QueryState calls read with the pipeline's local tasks, one at a
	// time, each at a moment when it is not processing, until read
	// reports that it found what it looked for. It returns whether one
	// did, or the first error. read looks state up through StateHandle
	// and ContextFor; it must not keep the task, its state handles or the
	// values' memory past its return.
	QueryState(ctx context.Context, read func(t *Task) (found bool, err error)) (bool, error)
}

// QueryState reads the driver's tasks in partition order: what its
// steps so far committed. It implements StateQuerier.
func (d *Driver) QueryState(ctx context.Context, read func(t *Task) (bool, error)) (bool, error) {
	for _, t := range d.tasks {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		found, err := read(t)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

var _ StateQuerier = (*Driver)(nil)

// QueryValue returns the value of key (encoded by the operator's key
// codec) in the value or reducing state name ("operator.state") of q's
// tasks, and whether one has it. The value is a copy, made through the
// state's codec, that the caller may keep and change.
func QueryValue[T any](ctx context.Context, q StateQuerier, name string, key []byte) (T, bool, error) {
	var out T
	found, err := q.QueryState(ctx, func(t *Task) (bool, error) {
		core, err := queryValueCore[T](t, name)
		if err != nil {
			return false, err
		}
		v, ok, err := core.get(key, nil)
		if err != nil || !ok {
			return false, err
		}
		out, err = copyValue(core.codec, v)
		return err == nil, err
	})
	return out, found, err
}

// QueryList returns the live elements of key's list in the list state
// name of q's tasks (nil when no task has one), copied as QueryValue does.
func QueryList[T any](ctx context.Context, q StateQuerier, name string, key []byte) ([]T, error) {
	var out []T
	_, err := q.QueryState(ctx, func(t *Task) (bool, error) {
		s, err := StateHandle[*ListState[T]](t, name)
		if err != nil {
			return false, err
		}
		vs, err := s.core.get(key, nil)
		if err != nil || len(vs) == 0 {
			return false, err
		}
		out = make([]T, len(vs))
		for i, v := range vs {
			if out[i], err = copyValue(s.core.codec, v); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	return out, err
}

// QueryMap calls fn for each live entry of key's map in the map state name
// of q's tasks, in encoded key order, with copies as QueryValue makes,
// after the task's read is over. It reports whether a task has the map.
func QueryMap[K, V any](ctx context.Context, q StateQuerier, name string, key []byte, fn func(k K, v V)) (bool, error) {
	var (
		keys []K
		vals []V
	)
	found, err := q.QueryState(ctx, func(t *Task) (bool, error) {
		s, err := StateHandle[*MapState[K, V]](t, name)
		if err != nil {
			return false, err
		}
		var cerr error
		err = s.Range(t.ContextFor(key), func(k K, v V) bool {
			k, cerr = copyValue(s.kc, k)
			if cerr == nil {
				v, cerr = copyValue(s.vc, v)
			}
			keys, vals = append(keys, k), append(vals, v)
			return cerr == nil
		})
		if err == nil {
			err = cerr
		}
		return len(keys) > 0, err
	})
	if err != nil {
		return false, err
	}
	for i := range keys {
		fn(keys[i], vals[i])
	}
	return found, nil
}

// queryValueCore returns the value core of the value or reducing state
// name of t.
func queryValueCore[T any](t *Task, name string) (*valueCore[T], error) {
	info := t.states[name]
	if info != nil {
		switch h := info.handle.(type) {
		case *ValueState[T]:
			return h.core, nil
		case *ReducingState[T]:
			return h.core, nil
		}
	}
	_, err := StateHandle[*ValueState[T]](t, name)
	return nil, err
}

// copyValue returns a copy of v that shares no memory with it, by way of
// its encoding.
func copyValue[T any](c Codec[T], v T) (T, error) {
	var buf []byte
	return copyVia(c, &buf, &v)
}
