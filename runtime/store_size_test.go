package runtime

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// commitValues sets n values of size bytes each under distinct keys in
// task, commits them and checkpoints them into the store.
func commitValues(t testing.TB, task *Task, n, size int) {
	t.Helper()
	st := must[*ValueState[string]](t)(NewValueState(task, fmt.Sprintf("v%d", len(task.states)), StringCodec{}, 0))
	value := strings.Repeat("x", size)
	for i := range n {
		ok(t, st.Set(task.ContextFor(fmt.Appendf(nil, "key-%06d", i)), value))
	}
	must[[]ChangelogRecord](t)(task.Prepare())
	ok(t, task.Committed())
	ok(t, task.checkpoint()) // committed state reaches pebble at a checkpoint
}

// TestTaskStateSize checks the estimate against what was written: a task
// with no flushed state weighs nothing, a task's size grows with its state
// and does not include its neighbours' state.
func TestTaskStateSize(t *testing.T) {
	cases := []struct {
		name string
		// values committed per task (task ids 1, 2, 3), of 100 bytes each
		values [3]int
		flush  bool
		// want: the checks on the sizes of tasks 1, 2, 3
		check func(sizes [3]int64) error
	}{
		{"no state", [3]int{0, 0, 0}, true, func(s [3]int64) error {
			if s != [3]int64{} {
				return fmt.Errorf("sizes %v, want zeros", s)
			}
			return nil
		}},
		{"not flushed yet", [3]int{1000, 0, 0}, false, func(s [3]int64) error {
			if s[0] != 0 {
				return fmt.Errorf("size %d of state still in the memtable, want 0", s[0])
			}
			return nil
		}},
		{"one task", [3]int{2000, 0, 0}, true, func(s [3]int64) error {
			// 2000 values of 100 incompressible-enough bytes: pebble
			// compresses the repeated x's, so only a lower bound of the
			// keys' size is safe.
			if s[0] < 2000*10 || s[1] != 0 || s[2] != 0 {
				return fmt.Errorf("sizes %v, want task 1 at least 20000 bytes and the others 0", s)
			}
			return nil
		}},
		{"neighbours", [3]int{200, 20_000, 200}, true, func(s [3]int64) error {
			if s[0] == 0 || s[2] == 0 || s[1] <= 10*s[0] || s[1] <= 10*s[2] {
				return fmt.Errorf("sizes %v, want task 2 more than ten times each neighbour, and those non-zero", s)
			}
			return nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testStore(t, StoreOptions{})
			var tasks [3]*Task
			for i := range tasks {
				tasks[i] = openTask(t, s, TaskID(i+1), TaskConfig{})
				if tc.values[i] > 0 {
					commitValues(t, tasks[i], tc.values[i], 100)
				}
			}
			if tc.flush {
				ok(t, s.db.Flush())
			}
			var sizes [3]int64
			for i, task := range tasks {
				sizes[i] = must[int64](t)(task.StateSize())
			}
			t.Logf("estimated sizes of tasks 1, 2, 3: %v", sizes)
			if err := tc.check(sizes); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestTaskStateSizeClosed checks that a closed task says so.
func TestTaskStateSizeClosed(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 7, TaskConfig{})
	ok(t, task.Close())
	if _, err := task.StateSize(); !errors.Is(err, errClosed) {
		t.Fatalf("StateSize of a closed task: %v, want %v", err, errClosed)
	}
}

// BenchmarkTaskStateSize measures one estimate with 64 tasks' state on
// disk in several tables: what the runner pays per report.
func BenchmarkTaskStateSize(b *testing.B) {
	s := testStore(b, StoreOptions{MemTableSize: 1 << 20})
	var tasks []*Task
	for id := range TaskID(64) {
		task := openTask(b, s, id, TaskConfig{})
		commitValues(b, task, 2000, 100)
		tasks = append(tasks, task)
	}
	ok(b, s.db.Flush())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := tasks[i%len(tasks)].StateSize(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTaskStateSizePending checks that committed state waiting for its
// checkpoint counts: its encoded writes, before pebble has them.
func TestTaskStateSizePending(t *testing.T) {
	s := testStore(t, StoreOptions{})
	task := openTask(t, s, 1, TaskConfig{})
	st := must[*ValueState[string]](t)(NewValueState(task, "v", StringCodec{}, 0))
	value := strings.Repeat("x", 100)
	for i := range 1000 {
		ok(t, st.Set(task.ContextFor(fmt.Appendf(nil, "key-%06d", i)), value))
	}
	if n := must[int64](t)(task.StateSize()); n != 0 {
		t.Fatalf("uncommitted state counted: %d bytes", n)
	}
	must[[]ChangelogRecord](t)(task.Prepare())
	ok(t, task.Committed())
	if task.Stats().Checkpoints != 0 {
		t.Fatal("the commit checkpointed: nothing pending to measure")
	}
	if n := must[int64](t)(task.StateSize()); n < 1000*100 {
		t.Fatalf("pending state: %d bytes, want at least the 100,000 bytes of its values", n)
	}
}
