package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"
)

// reuseRec is a record with slices, like a generated record that a source
// with object reuse decodes every record into: the next record's decode
// overwrites its slices in place.
type reuseRec struct {
	N    int64
	Tags []string
	Raw  []byte
}

func newReuseRec(n int64) reuseRec {
	return reuseRec{N: n, Tags: []string{fmt.Sprint("tag", n), "b"}, Raw: []byte(fmt.Sprint("raw", n))}
}

func (r reuseRec) clone() reuseRec {
	return reuseRec{N: r.N, Tags: slices.Clone(r.Tags), Raw: slices.Clone(r.Raw)}
}

func (r reuseRec) String() string { return fmt.Sprintf("{%d %q %q}", r.N, r.Tags, r.Raw) }

// scribble overwrites r's slices in place, as the next record's decode
// does with object reuse.
func scribble(r *reuseRec) {
	for i := range r.Tags {
		r.Tags[i] = "overwritten"
	}
	for i := range r.Raw {
		r.Raw[i] = 'X'
	}
}

// reuseCodec encodes a reuseRec: N, the tags and the raw bytes, each
// length-prefixed. Decode allocates what it returns.
type reuseCodec struct{}

func (reuseCodec) Append(dst []byte, v reuseRec) ([]byte, error) {
	dst = binary.BigEndian.AppendUint64(dst, uint64(v.N))
	dst = binary.AppendUvarint(dst, uint64(len(v.Tags)))
	for _, s := range v.Tags {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(v.Raw)))
	return append(dst, v.Raw...), nil
}

var errBadReuseRec = errors.New("malformed reuseRec")

func (reuseCodec) Decode(src []byte) (reuseRec, error) {
	var v reuseRec
	if len(src) < 8 {
		return v, errBadReuseRec
	}
	v.N, src = int64(binary.BigEndian.Uint64(src)), src[8:]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(src)
		if k <= 0 || uint64(len(src)-k) < n {
			return nil, errBadReuseRec
		}
		b := src[k : k+int(n)]
		src = src[k+int(n):]
		return b, nil
	}
	n, k := binary.Uvarint(src)
	if k <= 0 {
		return v, errBadReuseRec
	}
	src = src[k:]
	for range n {
		b, err := next()
		if err != nil {
			return v, err
		}
		v.Tags = append(v.Tags, string(b))
	}
	raw, err := next()
	if err != nil {
		return v, err
	}
	v.Raw = append([]byte{}, raw...)
	if len(src) != 0 {
		return v, errBadReuseRec
	}
	return v, nil
}

// keepLast is a reduce function whose result keeps the slices of its
// second argument, the newer value.
func keepLast(a, b reuseRec) (reuseRec, error) {
	return reuseRec{N: a.N + b.N, Tags: b.Tags, Raw: b.Raw}, nil
}

// TestStateCopiesReusedValues checks that a value written to state stays
// what it was when written although the caller then overwrites the
// slices it shares with it (object reuse): before a commit, after one,
// and after a reopen, with and without the write-back cache.
func TestStateCopiesReusedValues(t *testing.T) {
	type access struct {
		set func(c *Context, v reuseRec) error
		get func(c *Context) (reuseRec, bool, error)
	}
	cases := []struct {
		name string
		open func(t *testing.T, task *Task) access
	}{
		{"value", func(t *testing.T, task *Task) access {
			st := must[*ValueState[reuseRec]](t)(NewValueState(task, "s", reuseCodec{}, 0))
			return access{st.Set, st.Get}
		}},
		{"reducing", func(t *testing.T, task *Task) access {
			st := must[*ReducingState[reuseRec]](t)(NewReducingState(task, "s", reuseCodec{}, keepLast, 0))
			return access{st.Add, st.Get}
		}},
		{"map", func(t *testing.T, task *Task) access {
			m := must[*MapState[string, reuseRec]](t)(NewMapState(task, "s", StringCodec{}, reuseCodec{}, 0))
			return access{
				func(c *Context, v reuseRec) error { return m.Put(c, "k", v) },
				func(c *Context) (reuseRec, bool, error) { return m.Get(c, "k") },
			}
		}},
		{"list", func(t *testing.T, task *Task) access {
			l := must[*ListState[reuseRec]](t)(NewListState(task, "s", reuseCodec{}, 0))
			return access{
				func(c *Context, v reuseRec) error { return l.Add(c, v) },
				func(c *Context) (reuseRec, bool, error) {
					vs, err := l.Get(c)
					if err != nil || len(vs) == 0 {
						return reuseRec{}, false, err
					}
					return vs[len(vs)-1], true, nil
				},
			}
		}},
	}
	for _, tc := range cases {
		for _, entries := range []int{-1, 0} {
			t.Run(fmt.Sprintf("%s/cache=%d", tc.name, entries), func(t *testing.T) {
				s := testStore(t, StoreOptions{CacheEntries: entries})
				task := openTask(t, s, 0, TaskConfig{})
				st := tc.open(t, task)
				c := task.ContextFor([]byte("k"))
				check := func(when string, want reuseRec) {
					t.Helper()
					got, found, err := st.get(c)
					if err != nil || !found || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: got %v %v %v, want %v", when, got, found, err, want)
					}
				}
				v := newReuseRec(1)
				want := v.clone()
				ok(t, st.set(c, v))
				scribble(&v)
				check("before a commit", want)
				commit(t, task)
				check("after a commit", want)
				scribble(&v)
				check("after a commit and another overwrite", want)
				ok(t, task.Close())
				task = openTask(t, s, 0, TaskConfig{})
				st = tc.open(t, task)
				c = task.ContextFor([]byte("k"))
				check("after reopening", want)
			})
		}
	}
}

// keepAcc is an accumulator that keeps its last input's tags.
type keepAcc struct {
	N    int64
	Last []string
}

type keepAccCodec struct{}

func (keepAccCodec) Append(dst []byte, v keepAcc) ([]byte, error) {
	return reuseCodec{}.Append(dst, reuseRec{N: v.N, Tags: v.Last})
}

func (keepAccCodec) Decode(src []byte) (keepAcc, error) {
	r, err := reuseCodec{}.Decode(src)
	return keepAcc{N: r.N, Last: r.Tags}, err
}

// keepAgg counts elements and keeps the tags of the last one, without
// copying them (which an accumulator should not do, but may).
type keepAgg struct{}

func (keepAgg) CreateAccumulator() keepAcc { return keepAcc{} }
func (keepAgg) Add(v *reuseRec, acc keepAcc) keepAcc {
	return keepAcc{N: acc.N + v.N, Last: v.Tags}
}
func (keepAgg) Merge(a, b keepAcc) keepAcc {
	return keepAcc{N: a.N + b.N, Last: b.Last}
}
func (keepAgg) Result(acc keepAcc) keepAcc { return acc }

// TestWindowCopiesReusedValues checks that reduce and aggregate windows
// whose stored value keeps an input's slices fire what the inputs were,
// although the source overwrites them with the next record (object
// reuse): fired at once, after a commit, and after a reopen.
func TestWindowCopiesReusedValues(t *testing.T) {
	type run struct {
		task *Task
		src  *Source[reuseRec]
		out  func() []string // what fired, rendered
	}
	build := func(t *testing.T, s *Store, kind string, assigner WindowAssigner) run {
		task := openTask(t, s, 0, TaskConfig{})
		var r run
		var next Node[reuseRec]
		switch kind {
		case "reduce":
			out := &collector[Windowed[reuseRec]]{}
			next = must[Node[reuseRec]](t)(NewWindowReduce(task, "w", WindowSpec[reuseRec]{Assigner: assigner}, keepLast, reuseCodec{}, out))
			r.out = func() []string {
				var s []string
				for _, e := range out.got {
					s = append(s, fmt.Sprintf("%s %v", e.Key, e.V.Value))
				}
				return s
			}
		case "aggregate":
			out := &collector[Windowed[keepAcc]]{}
			next = must[Node[reuseRec]](t)(NewWindowAggregate(task, "w", WindowSpec[reuseRec]{Assigner: assigner}, keepAgg{}, keepAccCodec{}, out))
			r.out = func() []string {
				var s []string
				for _, e := range out.got {
					s = append(s, fmt.Sprintf("%s %d %q", e.Key, e.V.Value.N, e.V.Value.Last))
				}
				return s
			}
		}
		r.task = task
		r.src = must[*Source[reuseRec]](t)(AddSource(task, SourceConfig[reuseRec]{
			Topic:        "in",
			Deserializer: ValueDeserializer[reuseRec](reuseCodec{}),
			Watermark:    WatermarkStrategy{OutOfOrderness: time.Hour},
		}, next))
		return r
	}
	want := map[string]string{
		"reduce":    `k {6 ["tag3" "b"] "raw3"}`,
		"aggregate": `k 6 ["tag3" "b"]`,
	}
	assigners := []struct {
		name string
		a    WindowAssigner
		ts   []int64 // of the three records
	}{
		{"tumbling", TumblingWindows(100*time.Millisecond, 0), []int64{1, 2, 3}},
		// Two sessions, merged by the third record.
		{"session", SessionWindows(10 * time.Millisecond), []int64{1, 20, 10}},
	}
	for _, kind := range []string{"reduce", "aggregate"} {
		for _, as := range assigners {
			for _, when := range []string{"before a commit", "after a commit", "after reopening"} {
				t.Run(kind+"/"+as.name+"/"+when, func(t *testing.T) {
					dir := t.TempDir()
					s := must[*Store](t)(OpenStore(dir, StoreOptions{}))
					defer func() { s.Close() }()
					r := build(t, s, kind, as.a)
					// One value for every record, its slices
					// overwritten by the next, as a source with object
					// reuse decodes.
					v := newReuseRec(1)
					for i, ts := range as.ts {
						next := newReuseRec(int64(i + 1))
						v.N = next.N
						copy(v.Tags, next.Tags)
						copy(v.Raw, next.Raw)
						ok(t, r.src.Push([]byte("k"), v, ts))
					}
					scribble(&v)
					if when != "before a commit" {
						commit(t, r.task)
						scribble(&v)
					}
					if when == "after reopening" {
						ok(t, r.task.Close())
						ok(t, s.Close())
						s = must[*Store](t)(OpenStore(dir, StoreOptions{}))
						r = build(t, s, kind, as.a)
					}
					ok(t, r.task.AdvanceWatermark(1000))
					if got := r.out(); len(got) != 1 || got[0] != want[kind] {
						t.Fatalf("fired %q, want %q", got, want[kind])
					}
					ok(t, r.task.Close())
				})
			}
		}
	}
}

// countingCodec counts the values it decodes.
type countingCodec[T any] struct {
	Codec[T]
	decodes *int
}

func (c countingCodec[T]) Decode(src []byte) (T, error) {
	*c.decodes++
	return c.Codec.Decode(src)
}

// TestStateCopiesOnlyValuesThatMayAlias checks that the cache copies (through
// the codec) only the written values whose type can share memory, and
// that a type that cannot costs no decode.
func TestStateCopiesOnlyValuesThatMayAlias(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	c := task.ContextFor([]byte("k"))
	var plain, refs int
	type point struct {
		A int64
		B string
		T time.Time
	}
	ps := must[*ValueState[point]](t)(NewValueState(task, "plain", countingCodec[point]{JSONCodec[point]{}, &plain}, 0))
	rs := must[*ValueState[reuseRec]](t)(NewValueState(task, "refs", countingCodec[reuseRec]{reuseCodec{}, &refs}, 0))
	if ps.core.copyIn || !rs.core.copyIn {
		t.Fatalf("copyIn = %v for a struct of an int, a string and a time, %v for one with slices", ps.core.copyIn, rs.core.copyIn)
	}
	for i := range int64(10) {
		ok(t, ps.Set(c, point{A: i, B: "b"}))
		ok(t, rs.Set(c, newReuseRec(i)))
	}
	if v, _, err := ps.Get(c); err != nil || v.A != 9 {
		t.Fatalf("Get = %v, %v", v, err)
	}
	if plain != 0 || refs != 10 {
		t.Fatalf("%d decodes for 10 writes of a value without references, want 0; %d for one with slices, want 10", plain, refs)
	}
}

// clickLike and urlCounts are the clickstream's page-view window in small:
// an input with slices and a map, and an accumulator with a map that no
// input can share.
type clickLike struct {
	URL   string
	Ts    time.Time
	Tags  []string
	Attrs map[string]string
	Ref   *string
	ID    [16]byte
}

type urlCounts struct {
	Views int64
	URLs  map[string]int32
}

type urlAgg struct{}

func (urlAgg) CreateAccumulator() urlCounts { return urlCounts{URLs: map[string]int32{}} }
func (urlAgg) Add(v *clickLike, acc urlCounts) urlCounts {
	acc.Views++
	acc.URLs[v.URL]++
	return acc
}
func (urlAgg) Merge(a, b urlCounts) urlCounts {
	for u, n := range b.URLs {
		a.URLs[u] += n
	}
	a.Views += b.Views
	return a
}
func (urlAgg) Result(acc urlCounts) urlCounts { return acc }

// TestWindowAggregateCopiesOnlyAccumulatorsThatMayAlias checks that an
// accumulator is copied only when it can share memory with an input: a
// map of counts per URL is not, an accumulator that keeps an input's
// slice is.
func TestWindowAggregateCopiesOnlyAccumulatorsThatMayAlias(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 0, TaskConfig{})
	var urls, keeps int
	spec := func() WindowSpec[clickLike] {
		return WindowSpec[clickLike]{Assigner: TumblingWindows(time.Second, 0)}
	}
	out := &collector[Windowed[urlCounts]]{}
	byURL := must[Node[clickLike]](t)(NewWindowAggregate(task, "urls", spec(), urlAgg{}, countingCodec[urlCounts]{JSONCodec[urlCounts]{}, &urls}, out))
	kept := &collector[Windowed[keepAcc]]{}
	keep := must[Node[reuseRec]](t)(NewWindowAggregate(task, "keep", WindowSpec[reuseRec]{Assigner: TumblingWindows(time.Second, 0)}, keepAgg{}, countingCodec[keepAcc]{keepAccCodec{}, &keeps}, kept))
	src := must[*Source[clickLike]](t)(AddSource(task, SourceConfig[clickLike]{
		Topic:        "clicks",
		Deserializer: ValueDeserializer[clickLike](JSONCodec[clickLike]{}),
		Watermark:    WatermarkStrategy{OutOfOrderness: time.Hour},
	}, byURL))
	recs := must[*Source[reuseRec]](t)(AddSource(task, SourceConfig[reuseRec]{
		Topic:        "recs",
		Deserializer: ValueDeserializer[reuseRec](reuseCodec{}),
		Watermark:    WatermarkStrategy{OutOfOrderness: time.Hour},
	}, keep))
	for i := range int64(10) {
		ok(t, src.Push([]byte("u"), clickLike{URL: fmt.Sprint("/", i%3), Tags: []string{"t"}}, i))
		ok(t, recs.Push([]byte("u"), newReuseRec(i), i))
	}
	if urls != 0 || keeps != 10 {
		t.Fatalf("%d decodes for 10 elements of a count per URL, want 0; %d for an accumulator that keeps an input's slice, want 10", urls, keeps)
	}
	ok(t, task.AdvanceWatermark(2000))
	if len(out.got) != 1 || out.got[0].V.Value.Views != 10 || len(out.got[0].V.Value.URLs) != 3 {
		t.Fatalf("fired %+v", out.got)
	}
}

// TestTypeMayAlias checks the decision of which written values the cache
// copies.
func TestTypeMayAlias(t *testing.T) {
	type recursive struct {
		N    int
		Next *recursive
	}
	type plain struct {
		A int
		B string
	}
	type withTime struct {
		At  time.Time
		Sum float64
	}
	type nested struct {
		P plain
		W [2]withTime
	}
	cases := []struct {
		t    reflect.Type
		want bool
	}{
		{reflect.TypeFor[int64](), false},
		{reflect.TypeFor[string](), false},
		{reflect.TypeFor[bool](), false},
		{reflect.TypeFor[struct {
			A int
			B string
		}](), false},
		{reflect.TypeFor[plain](), false},
		{reflect.TypeFor[[4]int](), false},
		{reflect.TypeFor[time.Time](), false},
		{reflect.TypeFor[withTime](), false},
		{reflect.TypeFor[nested](), false},
		{reflect.TypeFor[struct{}](), false},
		{reflect.TypeFor[[]byte](), true},
		{reflect.TypeFor[struct{ S []string }](), true},
		{reflect.TypeFor[map[string]int](), true},
		{reflect.TypeFor[*plain](), true},
		{reflect.TypeFor[*time.Time](), true},
		{reflect.TypeFor[recursive](), true},
		{reflect.TypeFor[[2][]byte](), true},
		{reflect.TypeFor[any](), true},
		{reflect.TypeFor[struct{ F func() }](), true},
		{reflect.TypeFor[struct{ C chan int }](), true},
		{reflect.TypeFor[struct{ P unsafe.Pointer }](), true},
		{reflect.TypeFor[struct{ A [3]struct{ M map[int]int } }](), true},
		{reflect.TypeFor[reuseRec](), true},
	}
	for _, tc := range cases {
		if got := typeMayAlias(tc.t); got != tc.want {
			t.Errorf("typeMayAlias(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

// TestTypeMayAliasInto checks the decision of which window accumulators
// the cache copies: those that can share memory with an input.
func TestTypeMayAliasInto(t *testing.T) {
	type list struct {
		V    string
		Next *list
	}
	type myInt int64
	type intBox struct{ N myInt }
	type holder struct{ Box *struct{ N int64 } }
	type plain struct {
		N int64
		S string
	}
	cases := []struct {
		name     string
		held, in reflect.Type
		want     bool
	}{
		{"no references", reflect.TypeFor[plain](), reflect.TypeFor[clickLike](), false},
		{"counts per URL", reflect.TypeFor[urlCounts](), reflect.TypeFor[clickLike](), false},
		{"a string slice of a record with one", reflect.TypeFor[keepAcc](), reflect.TypeFor[reuseRec](), true},
		{"a string slice of a record with a string only", reflect.TypeFor[keepAcc](), reflect.TypeFor[plain](), false},
		{"the input's map", reflect.TypeFor[struct{ M map[string]string }](), reflect.TypeFor[clickLike](), true},
		{"a byte slice of an array", reflect.TypeFor[struct{ B []byte }](), reflect.TypeFor[clickLike](), true},
		{"a pointer to a field", reflect.TypeFor[struct{ P *string }](), reflect.TypeFor[plain](), true},
		{"a pointer to the input", reflect.TypeFor[struct{ P *plain }](), reflect.TypeFor[plain](), true},
		{"a pointer to a time", reflect.TypeFor[struct{ P *time.Time }](), reflect.TypeFor[clickLike](), true},
		{"a pointer converted between named types", reflect.TypeFor[struct{ P *int64 }](), reflect.TypeFor[intBox](), true},
		{"a pointer reached through a pointer", reflect.TypeFor[holder](), reflect.TypeFor[struct{ B *struct{ N int64 } }](), true},
		{"a slice reached through the accumulator's own pointer", reflect.TypeFor[struct{ P *keepAcc }](), reflect.TypeFor[reuseRec](), true},
		{"an interface", reflect.TypeFor[struct{ A any }](), reflect.TypeFor[plain](), true},
		{"an input with an interface", reflect.TypeFor[urlCounts](), reflect.TypeFor[struct{ A any }](), true},
		{"recursive", reflect.TypeFor[list](), reflect.TypeFor[list](), true},
		{"recursive, unrelated", reflect.TypeFor[struct{ M map[int]bool }](), reflect.TypeFor[list](), false},
		{"a map of another type", reflect.TypeFor[struct{ M map[string]int64 }](), reflect.TypeFor[struct{ M map[string]int32 }](), false},
	}
	for _, tc := range cases {
		if got := typeMayAliasInto(tc.held, tc.in); got != tc.want {
			t.Errorf("%s: typeMayAliasInto(%v, %v) = %v, want %v", tc.name, tc.held, tc.in, got, tc.want)
		}
	}
}

// TestObjectReuseSourceIntoState runs records through a source that
// decodes each into the last one's slices (object reuse) and a process
// function that keeps every record in value state: each key's state is
// its own record after later records, a commit and a reopen.
func TestObjectReuseSourceIntoState(t *testing.T) {
	s := testStore(t, StoreOptions{})
	open := func() (*Task, *ValueState[reuseRec]) {
		task := openTask(t, s, 0, TaskConfig{})
		last := must[*ValueState[reuseRec]](t)(NewValueState(task, "last", reuseCodec{}, 0))
		keep := must[Node[reuseRec]](t)(NewProcess[reuseRec, reuseRec](task, "keep", keepInState{last}, NodeFunc[reuseRec](func(*Context, *reuseRec) error { return nil })))
		_, err := AddSource(task, SourceConfig[reuseRec]{
			Topic: "in",
			Deserializer: DeserializerIntoFunc[reuseRec](func(r *Record, v *reuseRec) error {
				d, err := reuseCodec{}.Decode(r.Value)
				if err != nil {
					return err
				}
				// Reuse v's slices, as generated decoders do.
				v.N = d.N
				v.Tags = v.Tags[:0]
				v.Tags = append(v.Tags, d.Tags...)
				v.Raw = append(v.Raw[:0], d.Raw...)
				return nil
			}),
		}, keep)
		ok(t, err)
		return task, last
	}
	task, last := open()
	want := map[string]reuseRec{}
	for i := range int64(4) {
		v := newReuseRec(i)
		key := fmt.Sprint("k", i)
		want[key] = v
		val := must[[]byte](t)(reuseCodec{}.Append(nil, v))
		ok(t, task.Process(&Record{Topic: "in", Key: []byte(key), Value: val, Timestamp: i}))
	}
	check := func(when string) {
		t.Helper()
		for key, w := range want {
			got, found, err := last.Get(task.ContextFor([]byte(key)))
			if err != nil || !found || !reflect.DeepEqual(got, w) {
				t.Errorf("%s: %s = %v %v %v, want %v", when, key, got, found, err, w)
			}
		}
	}
	check("before a commit")
	commit(t, task)
	check("after a commit")
	ok(t, task.Close())
	task, last = open()
	check("after reopening")
}

type keepInState struct{ last *ValueState[reuseRec] }

func (k keepInState) ProcessElement(c *Context, v *reuseRec, _ *Emitter[reuseRec]) error {
	return k.last.Set(c, *v)
}

func (keepInState) OnTimer(*Context, Timer, *Emitter[reuseRec]) error { return nil }
