package runtime

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// oneTask queries one task.
type oneTask struct{ t *Task }

func (q oneTask) QueryState(_ context.Context, read func(t *Task) (bool, error)) (bool, error) {
	return read(q.t)
}

// A temporal join's table is queried by key: the versions it keeps,
// oldest first, as copies; a missing key gives none; an operator that is
// no temporal join of that right type is an error.
func TestQueryJoinTable(t *testing.T) {
	s := testStore(t, StoreOptions{})
	h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{}, nil)
	h.run(t, []joinIn{jr("a", 7, 10), jr("a", 8, 20), jr("b", 9, 5), jw(15), jr("a", 6, 30)})
	ctx := context.Background()
	q := oneTask{h.task}
	render := func(vs []Version[int64]) []string {
		var s []string
		for _, v := range vs {
			s = append(s, fmt.Sprintf("%d@%d", v.Value, v.Time))
		}
		return s
	}
	vs, err := QueryJoinTable[int64](ctx, q, "j", []byte("a"))
	if got, want := render(vs), []string{"7@10", "8@20", "6@30"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("QueryJoinTable(a) = %v %v, want %v", got, err, want)
	}
	vs[0].Value = 99 // a copy
	commit(t, h.task)
	vs, err = QueryJoinTable[int64](ctx, q, "j", []byte("a"))
	if got := render(vs); err != nil || got[0] != "7@10" {
		t.Errorf("after a change of the returned copy and a commit: %v %v", got, err)
	}
	if vs, err := QueryJoinTable[int64](ctx, q, "j", []byte("none")); err != nil || vs != nil {
		t.Errorf("QueryJoinTable of a missing key = %v %v", vs, err)
	}
	if _, err := QueryJoinTable[string](ctx, q, "j", []byte("a")); err == nil {
		t.Error("QueryJoinTable with the wrong type: no error")
	}
	if _, err := QueryJoinTable[int64](ctx, q, "nothing", []byte("a")); err == nil {
		t.Error("QueryJoinTable of an unknown operator: no error")
	}
	b, err := VersionsJSON(vs, func(v *int64) ([]byte, error) { return fmt.Appendf(nil, "%d", *v), nil })
	if want := `[{"time":"1970-01-01T00:00:00.01Z","value":7},{"time":"1970-01-01T00:00:00.02Z","value":8},{"time":"1970-01-01T00:00:00.03Z","value":6}]`; err != nil || string(b) != want {
		t.Errorf("VersionsJSON = %s %v, want %s", b, err, want)
	}
}
