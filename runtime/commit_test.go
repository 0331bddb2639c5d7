package runtime

import (
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pipeline is a small stateful task used by the commit tests: per key a
// running sum (value state), the values seen (list state), a map of value
// to count, and an event timer at ts+10 that emits the sum.
type pipeline struct {
	task *Task
	src  *Source[int64]
	out  *collector[string]
	sum  *ValueState[int64]
	seen *ListState[int64]
	hist *MapState[int64, int64]
}

type sumProc struct{ p *pipeline }

func (s sumProc) ProcessElement(c *Context, v *int64, out *Emitter[string]) error {
	p := s.p
	cur, _, err := p.sum.Get(c)
	if err != nil {
		return err
	}
	if err := p.sum.Set(c, cur+*v); err != nil {
		return err
	}
	if err := p.seen.Add(c, *v); err != nil {
		return err
	}
	n, _, err := p.hist.Get(c, *v)
	if err != nil {
		return err
	}
	if err := p.hist.Put(c, *v, n+1); err != nil {
		return err
	}
	return c.RegisterEventTimer(c.Timestamp() + 10)
}

func (s sumProc) OnTimer(c *Context, tm Timer, out *Emitter[string]) error {
	cur, _, err := s.p.sum.Get(c)
	if err != nil {
		return err
	}
	return out.Emit(string(c.Key()) + "=" + itoa(cur))
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func buildPipeline(t testing.TB, s *Store, id TaskID) *pipeline {
	t.Helper()
	p := &pipeline{task: openTask(t, s, id, TaskConfig{}), out: &collector[string]{}}
	p.sum = must[*ValueState[int64]](t)(NewValueState(p.task, "sum", Int64Codec{}, 0))
	p.seen = must[*ListState[int64]](t)(NewListState(p.task, "seen", Int64Codec{}, 0))
	p.hist = must[*MapState[int64, int64]](t)(NewMapState(p.task, "hist", Int64Codec{}, Int64Codec{}, 0))
	proc := must[Node[int64]](t)(NewProcess[int64, string](p.task, "sum", sumProc{p}, p.out))
	p.src = must[*Source[int64]](t)(AddSource(p.task, SourceConfig[int64]{
		Topic: "in", Deserializer: ValueDeserializer[int64](Int64Codec{}),
		Watermark: WatermarkStrategy{OutOfOrderness: 5 * time.Millisecond},
	}, proc))
	return p
}

func (p *pipeline) snapshot(t testing.TB, keys ...string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, k := range keys {
		c := p.task.ContextFor([]byte(k))
		v, _, err := p.sum.Get(c)
		ok(t, err)
		l, err := p.seen.Get(c)
		ok(t, err)
		h := map[int64]int64{}
		ok(t, p.hist.Range(c, func(k, v int64) bool { h[k] = v; return true }))
		out[k] = []any{v, l, h}
	}
	out["watermark"] = p.task.Watermark()
	return out
}

func TestPrepareCommitAbortContract(t *testing.T) {
	s := testStore(t, StoreOptions{})
	p := buildPipeline(t, s, 0)
	ok(t, p.src.Push([]byte("a"), 1, 100))
	if err := p.task.Committed(); err == nil {
		t.Fatal("Committed without Prepare accepted")
	}
	recs, err := p.task.Prepare()
	ok(t, err)
	for _, r := range recs {
		if len(r.Key) == 0 || !restorable(r.Key[0]) || (r.Value != nil && len(r.Value) == 0) {
			t.Fatalf("bad changelog record %q=%q", r.Key, r.Value)
		}
	}
	if err := p.src.Push([]byte("a"), 1, 100); err == nil || !strings.Contains(err.Error(), "prepared") {
		t.Fatalf("processing while prepared: %v", err)
	}
	if _, err := p.task.Prepare(); err == nil {
		t.Fatal("Prepare twice accepted")
	}
	ok(t, p.task.Committed(ChangelogOffset{Topic: "cl", Offset: int64(len(recs))}))
	ok(t, p.src.Push([]byte("a"), 2, 101))

	// A failing record fails the task until Abort.
	bad := &Record{Topic: "in", Partition: 0, Offset: 9, Value: []byte{1}}
	var derr *DecodeError
	if err := p.task.Process(bad); !errors.As(err, &derr) || derr.Offset != 9 {
		t.Fatalf("bad record: %v", err)
	}
	if err := p.src.Push([]byte("a"), 1, 100); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Fatalf("processing a failed task: %v", err)
	}
	ok(t, p.task.Abort())
	if got := p.snapshot(t, "a"); !reflect.DeepEqual(got["a"], []any{int64(1), []int64{1}, map[int64]int64{1: 1}}) || got["watermark"] != int64(94) {
		t.Fatalf("after Abort: %v", got)
	}
	offs, err := p.task.ChangelogOffsets()
	ok(t, err)
	if !reflect.DeepEqual(offs, []ChangelogOffset{{Topic: "cl", Offset: int64(len(recs))}}) {
		t.Fatalf("offsets %v", offs)
	}
}

// memChangelog is a changelog topic partition in memory.
type memChangelog struct {
	recs []ChangelogRecord
	pos  int
	end  int
}

func (m *memChangelog) Next() (ChangelogRecord, int64, error) {
	if m.pos >= m.end {
		return ChangelogRecord{}, 0, io.EOF
	}
	m.pos++
	return m.recs[m.pos-1], int64(m.pos - 1), nil
}

func TestRestoreFromChangelog(t *testing.T) {
	src := testStore(t, StoreOptions{CacheEntries: 2})
	p := buildPipeline(t, src, 3)
	var log []ChangelogRecord
	keys := []string{"a", "b", "c", "d"}
	for i := int64(0); i < 40; i++ {
		ok(t, p.src.Push([]byte(keys[i%4]), i, 1000+i))
		if i%7 == 6 {
			recs, err := p.task.Prepare()
			ok(t, err)
			log = append(log, recs...)
			ok(t, p.task.Committed(ChangelogOffset{Topic: "cl", Offset: int64(len(log))}))
		}
	}
	recs, err := p.task.Prepare()
	ok(t, err)
	log = append(log, recs...)
	ok(t, p.task.Committed(ChangelogOffset{Topic: "cl", Offset: int64(len(log))}))
	want := p.snapshot(t, keys...)
	if h, err := StateHandle[*ValueState[int64]](p.task, "sum"); err != nil || h != p.sum {
		t.Fatalf("StateHandle(sum) = %v, %v", h, err)
	}
	if _, err := StateHandle[*ListState[string]](p.task, "seen"); err == nil {
		t.Fatal("StateHandle with the wrong type succeeded")
	}

	// A fresh store restores in two steps, as after an interrupted restore.
	dst := testStore(t, StoreOptions{})
	q := buildPipeline(t, dst, 3)
	cl := &memChangelog{recs: log, end: len(log) / 2}
	n, err := q.task.Restore("cl", cl)
	ok(t, err)
	offs, _ := q.task.ChangelogOffsets()
	if n != len(log)/2 || !reflect.DeepEqual(offs, []ChangelogOffset{{"cl", int64(n)}}) {
		t.Fatalf("first half: %d records, offsets %v", n, offs)
	}
	cl = &memChangelog{recs: log, pos: int(offs[0].Offset), end: len(log)}
	_, err = q.task.Restore("cl", cl)
	ok(t, err)
	if got := q.snapshot(t, keys...); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored state\n got %v\nwant %v", got, want)
	}
	// One record per chunk: every chunk, the last included, is applied
	// with its offset, and none is left empty.
	defer func(size int) { restoreBatchBytes = size }(restoreBatchBytes)
	restoreBatchBytes = 1
	r := buildPipeline(t, testStore(t, StoreOptions{}), 3)
	n, err = r.task.Restore("cl", &memChangelog{recs: log, end: len(log)})
	ok(t, err)
	offs, _ = r.task.ChangelogOffsets()
	if n != len(log) || !reflect.DeepEqual(offs, []ChangelogOffset{{"cl", int64(n)}}) {
		t.Fatalf("one record per chunk: %d records, offsets %v", n, offs)
	}
	if got := r.snapshot(t, keys...); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored one record per chunk\n got %v\nwant %v", got, want)
	}

	before := len(p.out.got)
	ok(t, p.task.AdvanceWatermark(5000))
	ok(t, q.task.AdvanceWatermark(5000))
	if pending := p.out.values()[before:]; len(q.out.got) == 0 || !reflect.DeepEqual(q.out.values(), pending) {
		t.Fatalf("restored timers fired %v, original %v", q.out.values(), pending)
	}

	bad := &memChangelog{recs: []ChangelogRecord{{Key: []byte("m-meta"), Value: []byte{1}}}, end: 1}
	if _, err := q.task.Restore("cl", bad); err == nil {
		t.Fatal("restoring a non-state key accepted")
	}
}

func TestDeleteTaskKeepsOtherTasks(t *testing.T) {
	s := testStore(t, StoreOptions{})
	for _, id := range []TaskID{1, 2, 255, 256} {
		p := buildPipeline(t, s, id)
		ok(t, p.src.Push([]byte("k"), int64(id), 10))
		commit(t, p.task)
		ok(t, p.task.Close())
	}
	ids, err := s.TaskIDs()
	ok(t, err)
	if !reflect.DeepEqual(ids, []TaskID{1, 2, 255, 256}) {
		t.Fatalf("TaskIDs = %v", ids)
	}
	open := openTask(t, s, 2, TaskConfig{})
	if err := s.DeleteTask(2); err == nil {
		t.Fatal("deleting an open task accepted")
	}
	ok(t, open.Close())
	ok(t, s.DeleteTask(255))
	ids, _ = s.TaskIDs()
	if !reflect.DeepEqual(ids, []TaskID{1, 2, 256}) {
		t.Fatalf("after delete TaskIDs = %v", ids)
	}
	for _, id := range []TaskID{1, 2, 256} {
		p := buildPipeline(t, s, id)
		if v, _, _ := p.sum.Get(p.task.ContextFor([]byte("k"))); v != int64(id) {
			t.Fatalf("task %d lost its state: %d", id, v)
		}
		ok(t, p.task.Close())
	}
	if _, err := s.OpenTask(-1, TaskConfig{}); err == nil {
		t.Fatal("negative task id accepted")
	}
	a := openTask(t, s, 9, TaskConfig{})
	if _, err := s.OpenTask(9, TaskConfig{}); err == nil {
		t.Fatal("opening a task twice accepted")
	}
	ok(t, a.Close())
}

func TestStateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	opts := StoreOptions{BlockCacheSize: 1 << 20, MemTableSize: 1 << 20}
	s, err := OpenStore(dir, opts)
	ok(t, err)
	p := buildPipeline(t, s, 0)
	ok(t, p.src.Push([]byte("a"), 5, 100))
	ok(t, p.src.Push([]byte("b"), 7, 102))
	commit(t, p.task)
	want := p.snapshot(t, "a", "b")
	ok(t, p.src.Push([]byte("a"), 1000, 200)) // uncommitted: lost on restart
	ok(t, s.Close())

	s, err = OpenStore(dir, opts)
	ok(t, err)
	defer s.Close()
	q := buildPipeline(t, s, 0)
	if got := q.snapshot(t, "a", "b"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen\n got %v\nwant %v", got, want)
	}
	ok(t, q.task.AdvanceWatermark(1000))
	if want := []string{"a=5", "b=7"}; !reflect.DeepEqual(q.out.values(), want) {
		t.Fatalf("timers after reopen fired %v, want %v", q.out.values(), want)
	}
}

func TestTasksRunInParallel(t *testing.T) {
	s := testStore(t, StoreOptions{CacheEntries: 8})
	const tasks, records = 4, 300
	errs := make(chan error, tasks)
	ps := make([]*pipeline, tasks)
	for i := range ps {
		ps[i] = buildPipeline(t, s, TaskID(i))
	}
	for i, p := range ps {
		go func() {
			for r := int64(0); r < records; r++ {
				key := []byte{byte('a' + r%5)}
				if err := p.src.Push(key, int64(i+1), 10+r); err != nil {
					errs <- err
					return
				}
				if r%50 == 49 {
					if _, err := p.task.Prepare(); err != nil {
						errs <- err
						return
					}
					if err := p.task.Committed(); err != nil {
						errs <- err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range ps {
		ok(t, <-errs)
	}
	for i, p := range ps {
		v, _, err := p.sum.Get(p.task.ContextFor([]byte("a")))
		ok(t, err)
		if want := int64(records/5) * int64(i+1); v != want {
			t.Fatalf("task %d: sum %d, want %d", i, v, want)
		}
	}
}
