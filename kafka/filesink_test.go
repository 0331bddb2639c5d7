package kafka

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/runtime"
)

func readCommitted(t *testing.T, s *FileSink) map[string]string {
	t.Helper()
	names, err := s.Committed()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(s.Dir(), n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

func pendingFiles(t *testing.T, s *FileSink) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(s.Dir(), pendingDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func writeTxn(t *testing.T, s *FileSink, task int32, values ...string) Handle {
	t.Helper()
	txn, err := s.Begin(task)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := txn.Write(&runtime.OutRecord{Value: []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := txn.PreCommit()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFileSinkCommitAbort(t *testing.T) {
	s, err := NewFileSink(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h1 := writeTxn(t, s, 1, "a", "b")
	h2 := writeTxn(t, s, 1, "c")
	if got := readCommitted(t, s); len(got) != 0 {
		t.Fatalf("pre-committed files are visible: %v", got)
	}
	if err := s.Commit(h1); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(h1); err != nil {
		t.Fatalf("committing twice: %v", err)
	}
	if err := s.Abort(h2); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(h2); err != nil {
		t.Fatalf("aborting twice: %v", err)
	}
	got := readCommitted(t, s)
	if len(got) != 1 || got[string(h1)] != "a\nb\n" {
		t.Fatalf("committed %v, want only %s with a and b", got, h1)
	}
	if p := pendingFiles(t, s); len(p) != 0 {
		t.Fatalf("pending files left: %v", p)
	}
	if err := s.Commit(h2); err == nil || !strings.Contains(err.Error(), "neither pending nor committed") {
		t.Fatalf("committing an aborted transaction: %v", err)
	}
	// An open transaction that is aborted leaves nothing.
	txn, err := s.Begin(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Write(&runtime.OutRecord{Value: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if err := txn.Abort(); err != nil {
		t.Fatal(err)
	}
	if p := pendingFiles(t, s); len(p) != 0 {
		t.Fatalf("pending files left: %v", p)
	}
}

// Recover commits what the last committed Kafka transaction pre-committed
// and aborts every other pending transaction of the task, from any sink
// instance, leaving other tasks alone.
func TestFileSinkRecover(t *testing.T) {
	dir := t.TempDir()
	old, err := NewFileSink(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := writeTxn(t, old, 3, "done")
	if err := old.Commit(done); err != nil {
		t.Fatal(err)
	}
	committed := writeTxn(t, old, 3, "committed in kafka")
	orphan := writeTxn(t, old, 3, "aborted in kafka")
	open, err := old.Begin(3)
	if err != nil {
		t.Fatal(err)
	}
	if err := open.Write(&runtime.OutRecord{Value: []byte("open")}); err != nil {
		t.Fatal(err)
	}
	other := writeTxn(t, old, 4, "another task")

	fresh, err := NewFileSink(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// done is in the list too: committing it again is a no-op.
	if err := fresh.Recover(3, []Handle{done, committed}); err != nil {
		t.Fatal(err)
	}
	got := readCommitted(t, fresh)
	want := map[string]string{string(done): "done\n", string(committed): "committed in kafka\n"}
	if len(got) != len(want) || got[string(done)] != want[string(done)] || got[string(committed)] != want[string(committed)] {
		t.Fatalf("after recovery: %v, want %v", got, want)
	}
	if p := pendingFiles(t, fresh); len(p) != 1 || p[0] != string(other)+".tmp" {
		t.Fatalf("pending after recovering task 3: %v, want only %s (task 4)", p, other)
	}
	if err := fresh.Commit(orphan); err == nil {
		t.Fatal("an aborted transaction could still be committed")
	}
}

func TestFileSinkEncodeAndHandles(t *testing.T) {
	s, err := NewFileSink(t.TempDir(), func(dst []byte, r *runtime.OutRecord) ([]byte, error) {
		return append(append(append(dst, r.Key...), '='), append(r.Value, ';')...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	txn, err := s.Begin(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"k1", "v1"}, {"k2", "v2"}} {
		if err := txn.Write(&runtime.OutRecord{Key: []byte(kv[0]), Value: []byte(kv[1])}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := txn.PreCommit()
	if err != nil {
		t.Fatal(err)
	}
	if err := txn.Write(&runtime.OutRecord{}); err == nil {
		t.Fatal("write after pre-commit accepted")
	}
	if err := s.Commit(h); err != nil {
		t.Fatal(err)
	}
	if got := readCommitted(t, s)[string(h)]; got != "k1=v1;k2=v2;" {
		t.Fatalf("file holds %q", got)
	}
	for _, bad := range []Handle{"", "../x", "task-1/../../y", "other"} {
		if err := s.Commit(bad); err == nil {
			t.Errorf("Commit(%q) accepted", bad)
		}
		if err := s.Abort(bad); err == nil {
			t.Errorf("Abort(%q) accepted", bad)
		}
	}
	if _, err := NewFileSink("", nil); err == nil {
		t.Error("a file sink without a directory was accepted")
	}
}

func TestHandlesMetadataRoundTrip(t *testing.T) {
	cases := []map[string][]Handle{
		nil,
		{"files": {"task-00001-ab-00000001"}},
		{"b": {"h2", "h3"}, "a": {"h1"}},
	}
	for _, hs := range cases {
		meta, err := encodeHandles(hs)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) == 0 {
			if meta != "" {
				t.Fatalf("no handles encode as %q", meta)
			}
			continue
		}
		got, err := decodeHandles(meta)
		if err != nil {
			t.Fatal(err)
		}
		for s, h := range hs {
			if !slices.Equal(got[s], h) {
				t.Fatalf("%v round-trips to %v", hs, got)
			}
		}
	}
	if got, err := decodeHandles("member-id-written-by-franz-go"); err != nil || got != nil {
		t.Fatalf("foreign metadata: %v, %v", got, err)
	}
	if _, err := decodeHandles(metaPrefix + "{"); err == nil {
		t.Fatal("corrupt metadata accepted")
	}
}
