package runtime

import (
	"context"
	"fmt"
	"time"
)

// Version is one value of a temporal join's right stream for a key: in
// force from Time (event time, Unix milliseconds) until the next
// version's Time.
type Version[R any] struct {
	Time  int64
	Value R
}

// joinTable is implemented by the temporal join: the versions it keeps
// for a key, copied.
type joinTable[R any] interface {
	queryTable(key []byte) ([]Version[R], error)
}

func (op *temporalJoin[L, R, OUT]) queryTable(key []byte) ([]Version[R], error) {
	vs, ok, err := op.table.get(key, nil)
	if err != nil || !ok || len(vs) == 0 {
		return nil, err
	}
	out := make([]Version[R], len(vs))
	for i, v := range vs {
		out[i].Time = v.TS
		if out[i].Value, err = copyValue(op.right, v.V); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// QueryJoinTable returns the versions of key's right value (key encoded
// by the operator's key codec) that the temporal join name of q's tasks
// keeps, oldest first, as copies: the version in force at the watermark
// and every later one, the table every left record still to come is
// joined with. Nil when no task has a version for the key.
func QueryJoinTable[R any](ctx context.Context, q StateQuerier, name string, key []byte) ([]Version[R], error) {
	var out []Version[R]
	_, err := q.QueryState(ctx, func(t *Task) (bool, error) {
		h, ok := t.handlers[name].(joinTable[R])
		if !ok {
			var zero R
			return false, fmt.Errorf("runtime: task %d has no temporal join %q with right values of type %T", t.id, name, zero)
		}
		vs, err := h.queryTable(key)
		out = vs
		return len(vs) > 0, err
	})
	return out, err
}

// VersionsJSON renders versions as a JSON array of {"time", "value"}: the
// time as an RFC 3339 time (UTC), the value rendered with enc.
func VersionsJSON[R any](vs []Version[R], enc func(*R) ([]byte, error)) ([]byte, error) {
	out := []byte{'['}
	for i := range vs {
		if i > 0 {
			out = append(out, ',')
		}
		b, err := enc(&vs[i].Value)
		if err != nil {
			return nil, err
		}
		out = fmt.Appendf(out, `{"time":%q,"value":%s}`, time.UnixMilli(vs[i].Time).UTC().Format(time.RFC3339Nano), b)
	}
	return append(out, ']'), nil
}
