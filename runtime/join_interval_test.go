package runtime

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// intervalHarness runs an interval join "j" of int64 left and right
// records through the temporal join tests' harness (sources "left" and
// "right", joinRender, the collector), whose run and results it reuses.
type intervalHarness struct {
	*joinHarness
	ij *intervalJoin[int64, int64, string]
}

// newIntervalHarness builds the join in a new task of s; the codecs are
// Int64Codec and Join defaults to joinRender. wrap, if not nil, puts
// operators before the join's inputs.
func newIntervalHarness(t *testing.T, s *Store, spec IntervalJoinSpec[int64, int64, string], wrap func(task *Task, left, right Node[int64]) (Node[int64], Node[int64])) *intervalHarness {
	t.Helper()
	h := &intervalHarness{joinHarness: &joinHarness{task: openTask(t, s, 0, TaskConfig{}), out: &collector[string]{}}}
	spec.Left, spec.Right = Int64Codec{}, Int64Codec{}
	if spec.Join == nil {
		spec.Join = joinRender
	}
	left, right, err := NewIntervalJoin(h.task, "j", spec, Node[string](h.out))
	ok(t, err)
	h.ij = left.(intervalLeft[int64, int64, string]).op
	if wrap != nil {
		left, right = wrap(h.task, left, right)
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

// buffered returns "time=value" for each record key has buffered on side
// ('L' or 'R'), with a '*' after a left record that has joined.
func (h *intervalHarness) buffered(t *testing.T, side byte, key string) []string {
	t.Helper()
	var out []string
	if side == 'L' {
		vs, _, err := h.ij.lefts.get([]byte(key), nil)
		ok(t, err)
		for _, v := range vs {
			s := fmt.Sprintf("%d=%d", v.TS, v.V)
			if v.Matched {
				s += "*"
			}
			out = append(out, s)
		}
		return out
	}
	vs, _, err := h.ij.rights.get([]byte(key), nil)
	ok(t, err)
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%d=%d", v.TS, v.V))
	}
	return out
}

// checkEmpty commits and checks that no buffered records and no timers
// are stored.
func (h *intervalHarness) checkEmpty(t *testing.T) {
	t.Helper()
	commit(t, h.task)
	l, r, tm := storedUnder(t, h.task, "j/left"), storedUnder(t, h.task, "j/right"), storedKeys(t, h.task, kindTimer)
	if l != 0 || r != 0 || tm != 0 {
		t.Fatalf("%d left entries, %d right entries and %d timers stored, want none", l, r, tm)
	}
}

func TestIntervalJoin(t *testing.T) {
	const s = 1000 // a second in ms
	cases := []struct {
		name          string
		typ           JoinType
		before, after time.Duration
		in            []joinIn
		want          []string
	}{
		{
			name:   "left first: both bounds inclusive",
			before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in:   []joinIn{jl("a", 1, 10), jr("a", 4, 4), jr("a", 5, 5), jr("a", 15, 15), jr("a", 16, 16)},
			want: []string{"a l=1 r=5@10", "a l=1 r=15@15"},
		},
		{
			name:   "right first: both bounds inclusive, joined in time order",
			before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in:   []joinIn{jr("a", 16, 16), jr("a", 15, 15), jr("a", 5, 5), jr("a", 4, 4), jn(0), jl("a", 1, 10)},
			want: []string{"a l=1 r=5@10", "a l=1 r=15@15"},
		},
		{
			name:   "before 0, after 5s",
			before: 0, after: 5 * time.Second,
			in: []joinIn{
				jr("a", 1, 10*s-1), jr("a", 2, 15*s), jl("a", 1, 10*s), jn(1),
				jr("a", 3, 10*s), jr("a", 4, 15*s+1), jr("a", 5, 10*s+1),
			},
			want: []string{"a l=1 r=2@15000", "a l=1 r=3@10000", "a l=1 r=5@10001"},
		},
		{
			name:   "before 5s, after 0",
			before: 5 * time.Second, after: 0,
			in: []joinIn{
				jr("a", 1, 5*s-1), jr("a", 2, 10*s), jl("a", 1, 10*s), jn(1),
				jr("a", 3, 5*s), jr("a", 4, 10*s+1), jr("a", 5, 7*s),
			},
			want: []string{"a l=1 r=2@10000", "a l=1 r=3@10000", "a l=1 r=5@10000"},
		},
		{
			name:   "keys do not mix",
			before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in:   []joinIn{jl("a", 1, 10), jl("b", 2, 10), jr("b", 20, 10), jr("c", 30, 10), jr("a", 10, 11), jl("c", 3, 30)},
			want: []string{"b l=2 r=20@10", "a l=1 r=10@11"},
		},
		{
			name:   "a left joins every right in range in time order (equal times in arrival order), and so does a right",
			before: 10 * time.Millisecond, after: 10 * time.Millisecond,
			in: []joinIn{
				jr("a", 18, 18), jr("a", 5, 5), jr("a", 12, 12), jr("a", 25, 25), jr("a", 13, 12), jn(0),
				jl("a", 1, 10), jn(4), jl("a", 2, 15), jn(9), jr("a", 20, 20),
			},
			want: []string{
				"a l=1 r=5@10", "a l=1 r=12@12", "a l=1 r=13@12", "a l=1 r=18@18",
				"a l=2 r=5@15", "a l=2 r=12@15", "a l=2 r=13@15", "a l=2 r=18@18", "a l=2 r=25@25",
				"a l=1 r=20@20", "a l=2 r=20@20",
			},
		},
		{
			name:   "inner join: an unmatched left expires quietly",
			before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in:   []joinIn{jl("a", 1, 10), jr("a", 2, 30), jw(100)},
			want: nil,
		},
		{
			name: "left join: an unmatched left comes out with nil when the watermark reaches tl+After, a matched one never",
			typ:  LeftJoin, before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in: []joinIn{
				jl("a", 1, 10), jl("a", 2, 12), jl("b", 3, 12), jr("a", 100, 16), jn(1),
				jw(14), jn(1), jw(15), jn(2), jw(17), jn(3), jw(100), jn(3),
			},
			want: []string{"a l=2 r=100@16", "a l=1 r=nil@10", "b l=3 r=nil@12"},
		},
		{
			name: "left join: a late unmatched left comes out at once, a late matched one joins",
			typ:  LeftJoin, before: 5 * time.Millisecond, after: 5 * time.Millisecond,
			in: []joinIn{
				jw(100), jr("a", 7, 98), jl("a", 3, 50), jn(1), jl("a", 4, 94), jn(2), jw(200), jn(2),
			},
			want: []string{"a l=3 r=nil@50", "a l=4 r=7@98"},
		},
		{
			name: "left join: a left matched by a right before it expires",
			typ:  LeftJoin, before: 0, after: 10 * time.Millisecond,
			in:   []joinIn{jl("a", 1, 10), jl("a", 2, 11), jw(15), jr("a", 7, 20), jn(2), jw(25)},
			want: []string{"a l=1 r=7@20", "a l=2 r=7@20"},
		},
	}
	for _, tc := range cases {
		for _, cache := range joinCaches {
			t.Run(fmt.Sprintf("%s/cache=%d", tc.name, cache), func(t *testing.T) {
				s := testStore(t, StoreOptions{CacheEntries: cache})
				h := newIntervalHarness(t, s, IntervalJoinSpec[int64, int64, string]{Type: tc.typ, Before: tc.before, After: tc.after}, nil)
				// Every case ends with the watermark far ahead.
				h.run(t, append(slices.Clone(tc.in), jw(1<<40)))
				if got := h.results(); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("results\n got %v\nwant %v", got, tc.want)
				}
				if n := h.task.Stats().JoinUnmatched; n != 0 {
					t.Fatalf("%d unmatched, want 0", n)
				}
				for _, e := range h.out.got {
					if !strings.HasPrefix(e.V, string(e.Key)+" ") {
						t.Fatalf("output %q pushed with key %q", e.V, e.Key)
					}
				}
				h.checkEmpty(t)
			})
		}
	}
}

// TestIntervalJoinExpiry checks that a left record is gone once the
// watermark reaches tl+After (a late right that would have joined it
// finds nothing) while new lefts still join, and that emptied entries are
// deleted.
func TestIntervalJoinExpiry(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newIntervalHarness(t, s, IntervalJoinSpec[int64, int64, string]{Before: 5 * time.Millisecond, After: 5 * time.Millisecond}, nil)
			h.run(t, []joinIn{jl("a", 1, 10), jl("b", 9, 10), jw(14), jr("a", 100, 14), jn(1)})
			if got := h.buffered(t, 'L', "a"); !slices.Equal(got, []string{"10=1"}) {
				t.Fatalf("lefts of a %v, want [10=1] (an inner join keeps no flags)", got)
			}
			h.run(t, []joinIn{jw(15)}) // lefts at 10 expire
			if got := h.buffered(t, 'L', "a"); got != nil {
				t.Fatalf("lefts of a after watermark 15: %v, want none", got)
			}
			commit(t, h.task)
			if n := storedUnder(t, h.task, "j/left"); n != 0 {
				t.Fatalf("%d left entries stored, want 0", n)
			}
			h.run(t, []joinIn{
				jl("a", 2, 16), jn(2), // on time: joins the right at 14
				jr("a", 200, 10), jn(2), // late; would have joined the left at 10
				jr("a", 300, 17), jn(3), // on time: joins the left at 16
			})
			want := []string{"a l=1 r=100@14", "a l=2 r=100@16", "a l=2 r=300@17"}
			if got := h.results(); !reflect.DeepEqual(got, want) {
				t.Fatalf("results\n got %v\nwant %v", got, want)
			}
			if got := h.buffered(t, 'R', "a"); !slices.Equal(got, []string{"14=100", "17=300"}) {
				t.Fatalf("rights of a %v, want [14=100 17=300]", got)
			}
			h.run(t, []joinIn{jw(19)})
			if got := h.buffered(t, 'R', "a"); !slices.Equal(got, []string{"17=300"}) {
				t.Fatalf("rights of a after watermark 19: %v, want [17=300]", got)
			}
			commit(t, h.task)
			if l, r := storedUnder(t, h.task, "j/left"), storedUnder(t, h.task, "j/right"); l != 1 || r != 1 {
				t.Fatalf("%d left and %d right entries stored, want 1 and 1", l, r)
			}
			h.run(t, []joinIn{jw(22), jn(3)})
			h.checkEmpty(t)
		})
	}
}

// TestIntervalJoinLate checks that records whose cleanup time the
// watermark has reached join with what is still buffered but are not
// buffered themselves.
func TestIntervalJoinLate(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newIntervalHarness(t, s, IntervalJoinSpec[int64, int64, string]{Before: 5 * time.Millisecond, After: 5 * time.Millisecond}, nil)
			h.run(t, []joinIn{
				jr("a", 100, 15), jw(18),
				jl("a", 1, 13), jn(1), // late (13+5 <= 18): joins the right at 15
				jr("a", 200, 17), jn(1), // would join the left at 13 had it been buffered
				jl("a", 2, 20), jn(3), // joins the rights at 15 and 17
				jw(20),                  // the right at 15 expires
				jr("a", 300, 15), jn(4), // late (15+5 <= 20): joins the left at 20
				jl("a", 3, 19), jn(5), // would join the right at 15 had it been buffered
			})
			want := []string{"a l=1 r=100@15", "a l=2 r=100@20", "a l=2 r=200@20", "a l=2 r=300@20", "a l=3 r=200@19"}
			if got := h.results(); !reflect.DeepEqual(got, want) {
				t.Fatalf("results\n got %v\nwant %v", got, want)
			}
			if got := h.buffered(t, 'L', "a"); !slices.Equal(got, []string{"19=3", "20=2"}) {
				t.Fatalf("lefts %v, want [19=3 20=2]", got)
			}
			if got := h.buffered(t, 'R', "a"); !slices.Equal(got, []string{"17=200"}) {
				t.Fatalf("rights %v, want [17=200]", got)
			}
			h.run(t, []joinIn{jw(100)})
			h.checkEmpty(t)
		})
	}
}

// TestIntervalJoinRestart checks that buffered records, their flags and
// their timers survive a commit and a reopen of the store, and that what
// was not committed does not.
func TestIntervalJoinRestart(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			dir := t.TempDir()
			open := func() (*Store, *intervalHarness) {
				s := must[*Store](t)(OpenStore(dir, StoreOptions{CacheEntries: cache, BlockCacheSize: 4 << 20, MemTableSize: 2 << 20}))
				return s, newIntervalHarness(t, s, IntervalJoinSpec[int64, int64, string]{
					Type: LeftJoin, Before: 5 * time.Millisecond, After: 5 * time.Millisecond,
				}, nil)
			}
			s, h := open()
			h.run(t, []joinIn{jl("a", 1, 10), jr("a", 100, 12), jl("b", 2, 20), jr("a", 200, 30), jw(11), jn(1)})
			commit(t, h.task)
			// Not committed: dropped with the task.
			h.run(t, []joinIn{jl("a", 3, 31), jr("b", 300, 21), jn(3)})
			ok(t, h.task.Close())
			ok(t, s.Close())

			s, h = open()
			defer s.Close()
			if wm := h.task.Watermark(); wm != 11 {
				t.Fatalf("watermark %d after reopen, want 11", wm)
			}
			for _, c := range []struct {
				side byte
				key  string
				want []string
			}{{'L', "a", []string{"10=1*"}}, {'L', "b", []string{"20=2"}}, {'R', "a", []string{"12=100", "30=200"}}, {'R', "b", nil}} {
				if got := h.buffered(t, c.side, c.key); !slices.Equal(got, c.want) {
					t.Fatalf("%c %s after reopen: %v, want %v", c.side, c.key, got, c.want)
				}
			}
			h.run(t, []joinIn{jl("a", 4, 28), jn(1), jw(100)})
			want := []string{"a l=4 r=200@30", "b l=2 r=nil@20"}
			if got := h.results(); !reflect.DeepEqual(got, want) {
				t.Fatalf("results\n got %v\nwant %v", got, want)
			}
			h.checkEmpty(t)
			ok(t, h.task.Close())
		})
	}
}

// TestIntervalJoinRightFromTimer checks that a right record pushed from an
// event-time timer, while the watermark is already at the round's end, is
// buffered for the left records later timers of the round push.
func TestIntervalJoinRightFromTimer(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			h := newIntervalHarness(t, s, IntervalJoinSpec[int64, int64, string]{Before: 10 * time.Millisecond},
				func(task *Task, left, right Node[int64]) (Node[int64], Node[int64]) {
					delay := func(name string, next Node[int64]) Node[int64] {
						held := must[*ValueState[int64]](t)(NewValueState(task, name+"/held", Int64Codec{}, 0))
						return must[Node[int64]](t)(NewProcess[int64, int64](task, name, delayRight{held}, next))
					}
					return delay("delayL", left), delay("delayR", right)
				})
			// The round to 100 fires the right's delay timer at 50, then
			// the left's at 55: the right (cleanup 60, before the
			// watermark 100) must still be buffered for the left.
			h.run(t, []joinIn{jr("a", 1500, 50), jl("a", 1001, 55), jn(0), jw(100)})
			if got, want := h.results(), []string{"a l=1001 r=1500@55"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("results %v, want %v", got, want)
			}
			// The round's timer at 60 dropped it.
			if got := h.buffered(t, 'R', "a"); got != nil {
				t.Fatalf("rights %v after the round, want none", got)
			}
			// Outside a round the watermark bounds.
			h.run(t, []joinIn{jr("a", 1, 85), jr("a", 2, 95)})
			if got := h.buffered(t, 'R', "a"); !slices.Equal(got, []string{"95=2"}) {
				t.Fatalf("rights %v, want [95=2]", got)
			}
			h.run(t, []joinIn{jw(200)})
			h.checkEmpty(t)
		})
	}
}

// TestIntervalJoinCopiesValues checks that buffered records are copies:
// the pushed values' slices may be reused (object reuse) once the push
// returns.
func TestIntervalJoinCopiesValues(t *testing.T) {
	for _, cache := range joinCaches {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			s := testStore(t, StoreOptions{CacheEntries: cache})
			task := openTask(t, s, 0, TaskConfig{})
			out := &collector[string]{}
			left, right := must2[Node[[]byte], Node[[]byte]](t)(NewIntervalJoin(task, "j", IntervalJoinSpec[[]byte, []byte, string]{
				Left: BytesCodec{}, Right: BytesCodec{}, Before: 10 * time.Millisecond, After: 10 * time.Millisecond,
				Join: func(c *Context, l, r *[]byte) (string, error) { return fmt.Sprintf("%s %s", *l, *r), nil },
			}, Node[string](out)))
			source := func(topic string, next Node[[]byte]) *Source[[]byte] {
				return must[*Source[[]byte]](t)(AddSource(task, SourceConfig[[]byte]{Topic: topic, Deserializer: ValueDeserializer[[]byte](BytesCodec{}),
					Watermark: WatermarkStrategy{OutOfOrderness: time.Hour}}, next))
			}
			ls, rs := source("left", left), source("right", right)
			lbuf, rbuf := []byte("L1"), []byte("R1")
			ok(t, ls.Push([]byte("a"), lbuf, 10))
			copy(lbuf, "XX")
			ok(t, rs.Push([]byte("a"), rbuf, 12))
			copy(rbuf, "YY")
			ok(t, ls.Push([]byte("a"), []byte("L2"), 14))
			if got, want := out.values(), []string{"L1 R1", "L2 R1"}; !slices.Equal(got, want) {
				t.Fatalf("results %q, want %q", got, want)
			}
			op := left.(intervalLeft[[]byte, []byte, string]).op
			ls2 := must[[]timedValue[[]byte]](t)(func() ([]timedValue[[]byte], error) {
				vs, _, err := op.lefts.get([]byte("a"), nil)
				return vs, err
			}())
			if len(ls2) != 2 || !bytes.Equal(ls2[0].V, []byte("L1")) || !bytes.Equal(ls2[1].V, []byte("L2")) {
				t.Fatalf("stored lefts %v, want L1 and L2", ls2)
			}
		})
	}
}

func TestIntervalJoinErrors(t *testing.T) {
	spec := IntervalJoinSpec[int64, int64, string]{Before: 5 * time.Millisecond, After: 5 * time.Millisecond}
	t.Run("unkeyed", func(t *testing.T) {
		h := newIntervalHarness(t, testStore(t, StoreOptions{}), spec, nil)
		left, right := Node[int64](intervalLeft[int64, int64, string]{h.ij}), Node[int64](intervalRight[int64, int64, string]{h.ij})
		for _, n := range []Node[int64]{left, right} {
			err := n.Push(&h.task.ctx, new(int64(1)))
			if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), `interval join "j"`) {
				t.Fatalf("unkeyed push: %v, want ErrNoKey naming the join", err)
			}
		}
		if err := h.right.Push(nil, 1, 5); !errors.Is(err, ErrNoKey) {
			t.Fatalf("unkeyed record: %v, want ErrNoKey", err)
		}
	})
	t.Run("spec", func(t *testing.T) {
		type spec = IntervalJoinSpec[int64, int64, string]
		checkJoinSpecs(t, spec{Left: Int64Codec{}, Right: Int64Codec{}, Join: joinRender}, map[string]func(*spec){
			"no join function": func(s *spec) { s.Join = nil },
			"no left codec":    func(s *spec) { s.Left = nil },
			"no right codec":   func(s *spec) { s.Right = nil },
			"unknown type":     func(s *spec) { s.Type = 2 },
			"negative before":  func(s *spec) { s.Before = -time.Millisecond },
			"negative after":   func(s *spec) { s.After = -time.Millisecond },
		}, func(task *Task, name string, s spec) error {
			_, _, err := NewIntervalJoin(task, name, s, Discard[string]())
			return err
		})
	})
	t.Run("processing-time timer", func(t *testing.T) {
		h := newIntervalHarness(t, testStore(t, StoreOptions{}), spec, nil)
		ok(t, h.ij.timers.Register(ProcessingTime, []byte("a"), intervalLeftNS, 5))
		if err := h.task.SetProcessingTime(10); err == nil || !strings.Contains(err.Error(), "processing-time") {
			t.Fatalf("processing-time timer: %v, want an error", err)
		}
	})
	t.Run("unknown timer namespace", func(t *testing.T) {
		h := newIntervalHarness(t, testStore(t, StoreOptions{}), spec, nil)
		ok(t, h.ij.timers.Register(EventTime, []byte("a"), []byte("x"), 5))
		if err := h.task.AdvanceWatermark(10); err == nil || !strings.Contains(err.Error(), "namespace") {
			t.Fatalf("unknown namespace: %v, want an error", err)
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
		failing := spec
		failing.Type, failing.Join = LeftJoin, fail
		// A pair made by a left, then by a right.
		h := newIntervalHarness(t, testStore(t, StoreOptions{}), failing, nil)
		h.run(t, []joinIn{jr("a", 1, 10)})
		if err := h.left.Push([]byte("a"), 13, 10); !errors.Is(err, boom) {
			t.Fatalf("failing join of a left: %v, want boom", err)
		}
		h = newIntervalHarness(t, testStore(t, StoreOptions{}), failing, nil)
		h.run(t, []joinIn{jl("a", 13, 10)})
		if err := h.right.Push([]byte("a"), 1, 10); !errors.Is(err, boom) {
			t.Fatalf("failing join of a right: %v, want boom", err)
		}
		// An unmatched left on its timer, and a late one.
		h = newIntervalHarness(t, testStore(t, StoreOptions{}), failing, nil)
		h.run(t, []joinIn{jl("a", 13, 10)})
		if err := h.task.AdvanceWatermark(15); !errors.Is(err, boom) {
			t.Fatalf("failing join on a timer: %v, want boom", err)
		}
		h = newIntervalHarness(t, testStore(t, StoreOptions{}), failing, nil)
		h.run(t, []joinIn{jw(20)})
		if err := h.left.Push([]byte("a"), 13, 10); !errors.Is(err, boom) {
			t.Fatalf("failing join of a late left: %v, want boom", err)
		}
	})
}

// TestVersionsCodecMatched checks the codec of an interval join's left
// records, which stores each one's Matched flag.
func TestVersionsCodecMatched(t *testing.T) {
	c := &versionsCodec[string]{r: StringCodec{}, matched: true}
	for _, vs := range [][]timedValue[string]{
		{},
		{{TS: -5, V: "", Matched: true}},
		{{TS: NoWatermark, V: "first"}, {TS: 0, V: strings.Repeat("x", 300), Matched: true}, {TS: 1 << 40, V: "last"}},
	} {
		b := must[[]byte](t)(c.Append(nil, vs))
		got := must[[]timedValue[string]](t)(c.Decode(b))
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
	b := must[[]byte](t)(c.Append(nil, []timedValue[string]{{TS: 1, V: "v"}}))
	b[1+8] = 2 // the flag
	if _, err := c.Decode(b); err == nil {
		t.Fatal("decoded a flag of 2")
	}
}
