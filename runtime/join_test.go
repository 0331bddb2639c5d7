package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// joinIn is one step of a join test: a left or right record ('L', 'R'),
// a watermark advance ('W', to ts), a processing-time advance ('P', to
// ts), or a check that v outputs have been pushed so far ('N').
type joinIn struct {
	op    byte
	key   string
	v, ts int64
}

func jl(key string, v, ts int64) joinIn { return joinIn{op: 'L', key: key, v: v, ts: ts} }
func jr(key string, v, ts int64) joinIn { return joinIn{op: 'R', key: key, v: v, ts: ts} }
func jw(wm int64) joinIn                { return joinIn{op: 'W', ts: wm} }
func jp(now int64) joinIn               { return joinIn{op: 'P', ts: now} }
func jn(n int64) joinIn                 { return joinIn{op: 'N', v: n} }

// joinRender is the tests' join function: "key l=L r=R" (r=nil without a
// right value).
func joinRender(c *Context, l, r *int64) (string, error) {
	if r == nil {
		return fmt.Sprintf("%s l=%d r=nil", c.Key(), *l), nil
	}
	return fmt.Sprintf("%s l=%d r=%d", c.Key(), *l, *r), nil
}

// joinHarness runs a temporal join "j" of int64 left and right records
// (topics "left" and "right", keyed by the record key) whose outputs it
// collects.
type joinHarness struct {
	task        *Task
	left, right *Source[int64]
	op          *temporalJoin[int64, int64, string]
	out         *collector[string]
}

// newJoinHarness builds the join in a new task of s; the codecs are
// Int64Codec and Join defaults to joinRender. wrapRight, if not nil, puts
// operators before the join's right input.
func newJoinHarness(t *testing.T, s *Store, spec TemporalJoinSpec[int64, int64, string], wrapRight func(task *Task, right Node[int64]) Node[int64]) *joinHarness {
	t.Helper()
	h := &joinHarness{task: openTask(t, s, 0, TaskConfig{}), out: &collector[string]{}}
	spec.Left, spec.Right = Int64Codec{}, Int64Codec{}
	if spec.Join == nil {
		spec.Join = joinRender
	}
	left, right, err := NewTemporalJoin(h.task, "j", spec, Node[string](h.out))
	ok(t, err)
	h.op = left.(joinLeft[int64, int64, string]).op
	if wrapRight != nil {
		right = wrapRight(h.task, right)
	}
	source := func(topic string, next Node[int64]) *Source[int64] {
		return must[*Source[int64]](t)(AddSource(h.task, SourceConfig[int64]{
			Topic:        topic,
			Deserializer: ValueDeserializer[int64](Int64Codec{}),
			// Watermarks come only from explicit advances in these tests.
			Watermark: WatermarkStrategy{OutOfOrderness: time.Hour},
		}, next))
	}
	h.left, h.right = source("left", left), source("right", right)
	return h
}

func (h *joinHarness) run(t *testing.T, ins []joinIn) {
	t.Helper()
	for i, in := range ins {
		switch in.op {
		case 'L':
			ok(t, h.left.Push([]byte(in.key), in.v, in.ts))
		case 'R':
			ok(t, h.right.Push([]byte(in.key), in.v, in.ts))
		case 'W':
			ok(t, h.task.AdvanceWatermark(in.ts))
		case 'P':
			ok(t, h.task.SetProcessingTime(in.ts))
		case 'N':
			if len(h.out.got) != int(in.v) {
				t.Fatalf("step %d: %d outputs %v, want %d", i, len(h.out.got), h.results(), in.v)
			}
		}
	}
}

// results renders the outputs as "value@timestamp".
func (h *joinHarness) results() []string {
	var out []string
	for _, e := range h.out.got {
		out = append(out, fmt.Sprintf("%s@%d", e.V, e.TS))
	}
	return out
}

// versions returns the times of the versions stored for key.
func (h *joinHarness) versions(t *testing.T, key string) []int64 {
	t.Helper()
	vs, _, err := h.op.table.get([]byte(key), nil)
	ok(t, err)
	var ts []int64
	for _, v := range vs {
		ts = append(ts, v.TS)
	}
	return ts
}

// storedUnder counts the task's stored keys of the state called name.
func storedUnder(t *testing.T, task *Task, name string) int {
	t.Helper()
	lo := appendStatePrefix(nil, task.id, name)
	n := 0
	ok(t, task.kvScan(lo, prefixEnd(lo), func(_, _ []byte) (bool, error) { n++; return true, nil }))
	return n
}

// joinCaches are the cache sizes the join tests run with: one entry
// (evicting between a read and its write), the default, none.
var joinCaches = []int{1, 0, -1}

func TestTemporalJoin(t *testing.T) {
	// Records of keys a and b, some lefts before any version of their
	// key; every left is on time (no watermark yet).
	lefts := []joinIn{jl("a", 1, 15), jl("a", 2, 25), jl("a", 3, 35), jl("a", 4, 5), jl("b", 6, 7)}
	rights := []joinIn{jr("a", 10, 10), jr("a", 30, 30), jr("a", 20, 20), jr("b", 5, 5)}
	reversed := func(ins []joinIn) []joinIn { s := slices.Clone(ins); slices.Reverse(s); return s }
	var interleaved []joinIn
	for i := range max(len(lefts), len(rights)) {
		if i < len(rights) {
			interleaved = append(interleaved, rights[i])
		}
		if i < len(lefts) {
			interleaved = append(interleaved, lefts[i])
		}
	}
	// In timer order: time, then key.
	ordered := []string{"b l=6 r=5@7", "a l=1 r=10@15", "a l=2 r=20@25", "a l=3 r=30@35"}
	cases := []struct {
		name      string
		typ       JoinType
		in        []joinIn
		want      []string
		unmatched uint64
	}{
		{
			name: "a left waits for the watermark and joins with the version before it, not a later one that arrived first",
			in:   []joinIn{jr("a", 200, 30), jl("a", 1, 20), jr("a", 100, 10), jn(0), jw(19), jn(0), jw(20), jn(1), jw(100)},
			want: []string{"a l=1 r=100@20"},
		},
		{
			name: "lefts before rights", in: slices.Concat(lefts, rights, []joinIn{jn(0), jw(50)}),
			want: ordered, unmatched: 1,
		},
		{
			name: "rights before lefts", in: slices.Concat(rights, lefts, []joinIn{jn(0), jw(50)}),
			want: ordered, unmatched: 1,
		},
		{
			name: "interleaved", in: append(interleaved, jn(0), jw(50)),
			want: ordered, unmatched: 1,
		},
		{
			name: "reversed", in: slices.Concat(reversed(rights), reversed(lefts), []joinIn{jn(0), jw(50)}),
			want: ordered, unmatched: 1,
		},
		{
			name: "watermark in steps", in: slices.Concat(lefts, rights, []joinIn{jw(7), jn(1), jw(24), jn(2), jw(34), jn(3), jw(35)}),
			want: ordered, unmatched: 1,
		},
		{
			name: "same-time versions: the last wins; a version at the left's time applies; lefts at one time keep their order",
			typ:  LeftJoin,
			in:   []joinIn{jr("a", 1, 10), jl("a", 7, 10), jr("a", 2, 10), jl("a", 8, 9), jl("a", 9, 10), jw(10)},
			want: []string{"a l=8 r=nil@9", "a l=7 r=2@10", "a l=9 r=2@10"},
		},
		{
			name:      "inner join drops a left without a right value and counts it",
			typ:       InnerJoin,
			in:        []joinIn{jl("b", 1, 5), jr("a", 1, 1), jl("a", 2, 5), jl("a", 3, 0), jw(10)},
			want:      []string{"a l=2 r=1@5"},
			unmatched: 2,
		},
		{
			name: "left join passes nil",
			typ:  LeftJoin,
			in:   []joinIn{jl("b", 1, 5), jr("a", 1, 1), jl("a", 2, 5), jl("a", 3, 0), jw(10)},
			want: []string{"a l=3 r=nil@0", "a l=2 r=1@5", "b l=1 r=nil@5"},
		},
		{
			name:      "a late left joins at once",
			in:        []joinIn{jr("a", 7, 40), jw(50), jl("a", 1, 45), jn(1), jl("a", 2, 50), jn(2), jl("a", 3, 30), jn(2)},
			want:      []string{"a l=1 r=7@45", "a l=2 r=7@50"},
			unmatched: 1,
		},
		{
			name: "a late right applies to later lefts",
			typ:  LeftJoin,
			in:   []joinIn{jw(50), jr("a", 5, 20), jl("a", 1, 30), jl("a", 2, 10), jl("a", 3, 60), jw(60)},
			want: []string{"a l=1 r=5@30", "a l=2 r=nil@10", "a l=3 r=5@60"},
		},
		{
			name: "a right record prunes the versions before the one in force at the watermark",
			typ:  LeftJoin,
			in: []joinIn{
				jr("a", 10, 10), jr("a", 20, 20), jr("a", 30, 30), jr("a", 40, 40), jr("a", 50, 50), jr("a", 60, 60),
				jw(45), jr("a", 70, 70), // keeps 40 (in force at 45) and later
				jl("a", 1, 35), jl("a", 2, 45), jl("a", 3, 65), jw(100),
			},
			want: []string{"a l=1 r=nil@35", "a l=2 r=40@45", "a l=3 r=60@65"},
		},
		{
			name: "a watermark alone prunes nothing",
			in:   []joinIn{jr("a", 10, 10), jr("a", 30, 30), jr("a", 40, 40), jw(45), jl("a", 1, 35), jl("a", 2, 12)},
			want: []string{"a l=1 r=30@35", "a l=2 r=10@12"},
		},
	}
	for _, tc := range cases {
		for _, cache := range joinCaches {
			t.Run(fmt.Sprintf("%s/cache=%d", tc.name, cache), func(t *testing.T) {
				s := testStore(t, StoreOptions{CacheEntries: cache})
				h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{Type: tc.typ}, nil)
				h.run(t, tc.in)
				if got := h.results(); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("results\n got %v\nwant %v", got, tc.want)
				}
				if n := h.task.Stats().JoinUnmatched; n != tc.unmatched {
					t.Fatalf("%d unmatched, want %d", n, tc.unmatched)
				}
				for _, e := range h.out.got {
					if !strings.HasPrefix(e.V, string(e.Key)+" ") {
						t.Fatalf("output %q pushed with key %q", e.V, e.Key)
					}
				}
				commit(t, h.task)
				if n, m := storedUnder(t, h.task, "j/waiting"), storedKeys(t, h.task, kindTimer); n != 0 || m != 0 {
					t.Fatalf("every left joined, yet %d waiting lists and %d timers are left", n, m)
				}
			})
		}
	}
}

// TestTemporalJoinStoredVersions checks the versions stored: a right
// record keeps the one in force at the watermark and every later one,
// replaces one at its own time, and timers rewrite nothing.
func TestTemporalJoinStoredVersions(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{}, nil)
			var ins []joinIn
			for ts := int64(100); ts > 0; ts -= 10 {
				ins = append(ins, jr("a", ts, ts))
			}
			h.run(t, append(ins, jl("a", 1, 95), jr("b", 1, 1)))
			if got, want := h.versions(t, "a"), []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}; !slices.Equal(got, want) {
				t.Fatalf("before a watermark: %v, want %v", got, want)
			}
			h.run(t, []joinIn{jw(45), jr("a", 65, 65)})
			if got, want := h.versions(t, "a"), []int64{40, 50, 60, 65, 70, 80, 90, 100}; !slices.Equal(got, want) {
				t.Fatalf("after watermark 45: %v, want %v", got, want)
			}
			commit(t, h.task)
			h.run(t, []joinIn{jw(96), jn(1)})
			if got, want := h.versions(t, "a"), []int64{40, 50, 60, 65, 70, 80, 90, 100}; !slices.Equal(got, want) {
				t.Fatalf("after a timer: %v, want %v", got, want)
			}
			h.run(t, []joinIn{jr("a", -1, 100)})
			if got, want := h.versions(t, "a"), []int64{90, 100}; !slices.Equal(got, want) {
				t.Fatalf("after a right at 100: %v, want %v", got, want)
			}
			h.run(t, []joinIn{jl("a", 2, 96), jl("a", 3, 100), jn(2), jw(100)})
			if got, want := h.results(), []string{"a l=1 r=90@95", "a l=2 r=90@96", "a l=3 r=-1@100"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
			if got := h.versions(t, "b"); !slices.Equal(got, []int64{1}) {
				t.Fatalf("key b: %v, want [1]", got)
			}
		})
	}
}

// TestTemporalJoinRestart checks that waiting lefts, their timers and the
// versions survive a commit and a reopen of the store, and that what was
// not committed does not.
func TestTemporalJoinRestart(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			dir := t.TempDir()
			open := func() (*Store, *joinHarness) {
				s := must[*Store](t)(OpenStore(dir, StoreOptions{CacheEntries: cache, BlockCacheSize: 4 << 20, MemTableSize: 2 << 20}))
				return s, newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{Type: LeftJoin}, nil)
			}
			s, h := open()
			h.run(t, []joinIn{
				jr("a", 1, 10), jl("a", 5, 20), jl("b", 6, 15), jw(12),
				jr("a", 2, 30), jl("a", 7, 40), jn(0),
			})
			commit(t, h.task)
			// Not committed: dropped with the task.
			h.run(t, []joinIn{jr("a", 3, 15), jl("a", 9, 25)})
			ok(t, h.task.Close())
			ok(t, s.Close())

			s, h = open()
			defer s.Close()
			if wm := h.task.Watermark(); wm != 12 {
				t.Fatalf("watermark %d after reopen, want 12", wm)
			}
			if got := h.versions(t, "a"); !slices.Equal(got, []int64{10, 30}) {
				t.Fatalf("versions after reopen: %v, want [10 30]", got)
			}
			h.run(t, []joinIn{jw(35), jn(2), jr("a", 4, 38), jw(100)})
			want := []string{"b l=6 r=nil@15", "a l=5 r=1@20", "a l=7 r=4@40"}
			if got := h.results(); !reflect.DeepEqual(got, want) {
				t.Fatalf("results\n got %v\nwant %v", got, want)
			}
			commit(t, h.task)
			if n, m := storedUnder(t, h.task, "j/waiting"), storedKeys(t, h.task, kindTimer); n != 0 || m != 0 {
				t.Fatalf("%d waiting lists and %d timers left", n, m)
			}
			ok(t, h.task.Close())
		})
	}
}

// TestTemporalJoinTableTTL checks that a key's versions expire TableTTL
// (processing time) after its last right record.
func TestTemporalJoinTableTTL(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{TableTTL: 100 * time.Millisecond}, nil)
			h.run(t, []joinIn{
				jr("a", 1, 10), jr("b", 2, 10), // both expire at 100
				jp(80), jr("b", 3, 15), // b's versions now expire at 180
				jl("a", 5, 20), jl("b", 6, 20),
				jp(120), jw(30),
			})
			if got, want := h.results(), []string{"b l=6 r=3@20"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
			if n := h.task.Stats().JoinUnmatched; n != 1 {
				t.Fatalf("%d unmatched, want 1", n)
			}
			commit(t, h.task) // its TTL sweep deletes a's versions
			if n := storedUnder(t, h.task, "j/table"); n != 1 {
				t.Fatalf("%d keys' versions stored, want 1", n)
			}
			h.run(t, []joinIn{jp(180), jl("b", 7, 40), jw(40)})
			if n := h.task.Stats().JoinUnmatched; n != 2 {
				t.Fatalf("%d unmatched after b expired, want 2", n)
			}
		})
	}
}

// delayRight passes right values below 1000 on at once and holds the
// others until an event-time timer at their own time, as a window
// emitting a table would.
type delayRight struct{ held *ValueState[int64] }

func (d delayRight) ProcessElement(c *Context, v *int64, out *Emitter[int64]) error {
	if *v < 1000 {
		return out.Emit(*v)
	}
	if err := d.held.Set(c, *v); err != nil {
		return err
	}
	return c.RegisterEventTimer(c.Timestamp())
}

func (d delayRight) OnTimer(c *Context, tm Timer, out *Emitter[int64]) error {
	v, _, err := d.held.Get(c)
	if err != nil {
		return err
	}
	if err := d.held.Clear(c); err != nil {
		return err
	}
	return out.Emit(v)
}

// TestTemporalJoinRightFromTimer checks that a right record pushed from an
// event-time timer, while the watermark is already past lefts still
// waiting in the same round, does not prune the versions they need.
func TestTemporalJoinRightFromTimer(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{}, func(task *Task, right Node[int64]) Node[int64] {
				held := must[*ValueState[int64]](t)(NewValueState(task, "delay/held", Int64Codec{}, 0))
				return must[Node[int64]](t)(NewProcess[int64, int64](task, "delay", delayRight{held}, right))
			})
			// The round to 100 fires the delay's timer at 50 (the right
			// at 50 arrives with the watermark at 100), then the left's
			// at 70, which needs the version at 60.
			h.run(t, []joinIn{jl("a", 1, 70), jr("a", 600, 60), jr("a", 800, 80), jr("a", 1500, 50), jw(100)})
			if got, want := h.results(), []string{"a l=1 r=600@70"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
			// Outside a round the watermark prunes.
			h.run(t, []joinIn{jr("a", 900, 90)})
			if got := h.versions(t, "a"); !slices.Equal(got, []int64{90}) {
				t.Fatalf("versions %v, want [90]", got)
			}
		})
	}
}

func TestTemporalJoinErrors(t *testing.T) {
	t.Run("unkeyed", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{}, nil)
		left, right := Node[int64](joinLeft[int64, int64, string]{h.op}), Node[int64](joinRight[int64, int64, string]{h.op})
		for _, n := range []Node[int64]{left, right} {
			err := n.Push(&h.task.ctx, new(int64(1)))
			if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), `"j"`) {
				t.Fatalf("unkeyed push: %v, want ErrNoKey naming the join", err)
			}
		}
		// Through a source: a record without a key.
		if err := h.left.Push(nil, 1, 5); !errors.Is(err, ErrNoKey) {
			t.Fatalf("unkeyed record: %v, want ErrNoKey", err)
		}
	})
	t.Run("spec", func(t *testing.T) {
		type spec = TemporalJoinSpec[int64, int64, string]
		checkJoinSpecs(t, spec{Left: Int64Codec{}, Right: Int64Codec{}, Join: joinRender}, map[string]func(*spec){
			"no join function": func(s *spec) { s.Join = nil },
			"no left codec":    func(s *spec) { s.Left = nil },
			"no right codec":   func(s *spec) { s.Right = nil },
			"unknown type":     func(s *spec) { s.Type = 2 },
			"negative TTL":     func(s *spec) { s.TableTTL = -time.Second },
		}, func(task *Task, name string, s spec) error {
			_, _, err := NewTemporalJoin(task, name, s, Discard[string]())
			return err
		})
	})
	t.Run("processing-time timer", func(t *testing.T) {
		s := testStore(t, StoreOptions{})
		h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{}, nil)
		ok(t, h.op.timers.Register(ProcessingTime, []byte("a"), nil, 5))
		if err := h.task.SetProcessingTime(10); err == nil || !strings.Contains(err.Error(), "processing-time") {
			t.Fatalf("processing-time timer: %v, want an error", err)
		}
	})
	t.Run("join function", func(t *testing.T) {
		boom := errors.New("boom")
		fail := func(c *Context, l, r *int64) (string, error) {
			if *l == 13 {
				return "", boom
			}
			return joinRender(c, l, r)
		}
		s := testStore(t, StoreOptions{})
		h := newJoinHarness(t, s, TemporalJoinSpec[int64, int64, string]{Type: LeftJoin, Join: fail}, nil)
		h.run(t, []joinIn{jl("a", 13, 10)})
		if err := h.task.AdvanceWatermark(10); !errors.Is(err, boom) {
			t.Fatalf("failing join on a timer: %v, want boom", err)
		}
		h = newJoinHarness(t, testStore(t, StoreOptions{}), TemporalJoinSpec[int64, int64, string]{Type: LeftJoin, Join: fail}, nil)
		h.run(t, []joinIn{jw(20)})
		if err := h.left.Push([]byte("a"), 13, 10); !errors.Is(err, boom) {
			t.Fatalf("failing join of a late left: %v, want boom", err)
		}
	})
}

func TestVersionsCodec(t *testing.T) {
	c := &versionsCodec[string]{r: StringCodec{}}
	for _, vs := range [][]joinVersion[string]{
		{},
		{{TS: -5, V: ""}},
		{{TS: NoWatermark, V: "first"}, {TS: 0, V: strings.Repeat("x", 300)}, {TS: 1 << 40, V: "last"}},
	} {
		b := must[[]byte](t)(c.Append(nil, vs))
		got := must[[]joinVersion[string]](t)(c.Decode(b))
		if !reflect.DeepEqual(got, vs) {
			t.Fatalf("round trip: %v, want %v", got, vs)
		}
		for n := range len(b) {
			if _, err := c.Decode(b[:n]); err == nil {
				t.Fatalf("%v: decoded a truncation to %d bytes", vs, n)
			}
		}
		if _, err := c.Decode(append(b, 0)); err == nil {
			t.Fatalf("%v: decoded trailing bytes", vs)
		}
	}
}

// TestTemporalJoinCopiesRight checks that the table keeps its own copy of
// a right value: the pushed value's slices may be reused (object reuse)
// once the push returns.
func TestTemporalJoinCopiesRight(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			task := openTask(t, s, 0, TaskConfig{})
			out := &collector[string]{}
			left, right := must2[Node[int64], Node[[]byte]](t)(NewTemporalJoin(task, "j", TemporalJoinSpec[int64, []byte, string]{
				Left: Int64Codec{}, Right: BytesCodec{},
				Join: func(c *Context, l *int64, r *[]byte) (string, error) { return fmt.Sprintf("%d %s", *l, *r), nil },
			}, Node[string](out)))
			ls := must[*Source[int64]](t)(AddSource[int64](task, SourceConfig[int64]{Topic: "left", Deserializer: ValueDeserializer[int64](Int64Codec{}),
				Watermark: WatermarkStrategy{OutOfOrderness: time.Hour}}, left))
			rs := must[*Source[[]byte]](t)(AddSource[[]byte](task, SourceConfig[[]byte]{Topic: "right", Deserializer: ValueDeserializer[[]byte](BytesCodec{}),
				Watermark: WatermarkStrategy{OutOfOrderness: time.Hour}}, right))
			buf := []byte("old")
			ok(t, rs.Push([]byte("a"), buf, 10))
			copy(buf, "new")
			ok(t, ls.Push([]byte("a"), 1, 20))
			ok(t, task.AdvanceWatermark(20))
			if got := out.values(); !slices.Equal(got, []string{"1 old"}) {
				t.Fatalf("results %q, want [\"1 old\"]", got)
			}
		})
	}
}

func must2[A, B any](t testing.TB) func(a A, b B, err error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// checkJoinSpecs checks that a join constructor (build) rejects each
// change of bad applied to good, and a second join of a name, and a join
// without one.
func checkJoinSpecs[S any](t *testing.T, good S, bad map[string]func(*S), build func(task *Task, name string, s S) error) {
	t.Helper()
	task := openTask(t, testStore(t, StoreOptions{}), 0, TaskConfig{})
	for name, change := range bad {
		s := good
		change(&s)
		if err := build(task, "bad "+name, s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok(t, build(task, "j", good))
	if err := build(task, "j", good); err == nil {
		t.Error("a second join named j was accepted")
	}
	if err := build(task, "", good); err == nil {
		t.Error("a join without a name was accepted")
	}
}
