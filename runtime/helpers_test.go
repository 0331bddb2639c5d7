package runtime

import (
	"testing"
)

// testStore opens a small store in a temp dir, closed at cleanup.
func testStore(t testing.TB, opts StoreOptions) *Store {
	t.Helper()
	if opts.BlockCacheSize == 0 {
		opts.BlockCacheSize = 4 << 20
	}
	if opts.MemTableSize == 0 {
		opts.MemTableSize = 2 << 20
	}
	s, err := OpenStore(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTask(t testing.TB, s *Store, id TaskID, cfg TaskConfig) *Task {
	t.Helper()
	task, err := s.OpenTask(id, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// emitted is one value a collector saw, with its context.
type emitted[T any] struct {
	Key []byte
	TS  int64
	V   T
}

// collector is a Node that records what reaches it.
type collector[T any] struct{ got []emitted[T] }

func (c *collector[T]) Push(ctx *Context, v *T) error {
	c.got = append(c.got, emitted[T]{Key: append([]byte(nil), ctx.Key()...), TS: ctx.Timestamp(), V: *v})
	return nil
}

func (c *collector[T]) values() []T {
	var out []T
	for _, e := range c.got {
		out = append(out, e.V)
	}
	return out
}

// commit runs Prepare and Committed with a made-up changelog offset, then
// a checkpoint, so the tests can look for committed state in pebble
// (checkpoint_test.go tests commits between checkpoints).
func commit(t testing.TB, task *Task) []ChangelogRecord {
	t.Helper()
	recs, err := task.Prepare()
	ok(t, err)
	ok(t, task.Committed(ChangelogOffset{Topic: "cl", Offset: int64(task.Stats().Commits + 1)}))
	ok(t, task.checkpoint())
	return recs
}

// commitTo commits the task's changes as the Kafka runner does, the
// changelog reaching offset; the checkpoint comes only when Committed
// finds it due.
func commitTo(t testing.TB, task *Task, offset int64) {
	t.Helper()
	_, err := task.Prepare()
	ok(t, err)
	ok(t, task.Committed(ChangelogOffset{Topic: "cl", Offset: offset}))
}

// key8 encodes an int64 key with Int64Codec.
func key8(v int64) []byte { return appendOrderedInt64(nil, v) }
