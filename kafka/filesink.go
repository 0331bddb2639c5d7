package kafka

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/streamgen/streamgen/runtime"
)

// FileSink is a TwoPhaseSink that writes each (task, commit) transaction
// to its own file: records go to a temporary file under Dir/.pending;
// PreCommit flushes and fsyncs it; Commit renames it atomically into Dir
// (committing a file that is already there is a no-op) and fsyncs the
// directory; Abort deletes it. A file appears in Dir exactly once, with
// exactly the records of one committed Kafka transaction, however the
// runner crashes. Committed files must stay in Dir while the runner may
// still recover them (until the task's next commit); a handle whose file
// is neither pending nor committed is reported as an error.
//
// File names are "task-<task>-<instance>-<seq>": the task, a random token
// per FileSink value and a sequence number.
type FileSink struct {
	dir     string
	pending string
	encode  func(dst []byte, r *runtime.OutRecord) ([]byte, error)
	token   string
	seq     atomic.Uint64
}

const pendingDir = ".pending"

// NewFileSink returns a FileSink writing into dir (created if needed).
// encode appends one record's bytes to dst; nil writes the record value
// followed by a newline.
func NewFileSink(dir string, encode func(dst []byte, r *runtime.OutRecord) ([]byte, error)) (*FileSink, error) {
	if dir == "" {
		return nil, errors.New("kafka: file sink needs a directory")
	}
	pending := filepath.Join(dir, pendingDir)
	if err := os.MkdirAll(pending, 0o755); err != nil {
		return nil, fmt.Errorf("kafka: file sink: %w", err)
	}
	if encode == nil {
		encode = func(dst []byte, r *runtime.OutRecord) ([]byte, error) {
			return append(append(dst, r.Value...), '\n'), nil
		}
	}
	var tok [6]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, fmt.Errorf("kafka: file sink: %w", err)
	}
	return &FileSink{dir: dir, pending: pending, encode: encode, token: hex.EncodeToString(tok[:])}, nil
}

// Dir returns the directory committed files appear in.
func (s *FileSink) Dir() string { return s.dir }

func taskPrefix(task int32) string { return fmt.Sprintf("task-%05d-", task) }

func (s *FileSink) pendingPath(h Handle) string { return filepath.Join(s.pending, string(h)+".tmp") }

func (s *FileSink) finalPath(h Handle) string { return filepath.Join(s.dir, string(h)) }

func checkHandle(h Handle) error {
	if h == "" || strings.ContainsAny(string(h), `/\`) || h == "." || h == ".." || !strings.HasPrefix(string(h), "task-") {
		return fmt.Errorf("kafka: file sink: invalid handle %q", h)
	}
	return nil
}

// Begin creates the transaction's temporary file.
func (s *FileSink) Begin(task int32) (Txn, error) {
	h := Handle(fmt.Sprintf("%s%s-%08d", taskPrefix(task), s.token, s.seq.Add(1)))
	f, err := os.OpenFile(s.pendingPath(h), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafka: file sink: %w", err)
	}
	return &fileTxn{s: s, h: h, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Commit renames the pre-committed file into Dir; it is a no-op when the
// file is already there.
func (s *FileSink) Commit(h Handle) error {
	if err := checkHandle(h); err != nil {
		return err
	}
	err := os.Rename(s.pendingPath(h), s.finalPath(h))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(s.finalPath(h)); serr == nil {
			return nil
		}
		return fmt.Errorf("kafka: file sink: transaction %s is neither pending nor committed", h)
	}
	if err != nil {
		return fmt.Errorf("kafka: file sink: committing %s: %w", h, err)
	}
	return syncDir(s.dir)
}

// Abort deletes a pending file; an absent file is already aborted.
func (s *FileSink) Abort(h Handle) error {
	if err := checkHandle(h); err != nil {
		return err
	}
	if err := os.Remove(s.pendingPath(h)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("kafka: file sink: aborting %s: %w", h, err)
	}
	return nil
}

// Recover commits the handles in committed and deletes every other
// pending file of task.
func (s *FileSink) Recover(task int32, committed []Handle) error {
	keep := make(map[Handle]bool, len(committed))
	for _, h := range committed {
		if err := s.Commit(h); err != nil {
			return err
		}
		keep[h] = true
	}
	ents, err := os.ReadDir(s.pending)
	if err != nil {
		return fmt.Errorf("kafka: file sink: %w", err)
	}
	prefix := taskPrefix(task)
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".tmp")
		if !ok || !strings.HasPrefix(name, prefix) || keep[Handle(name)] {
			continue
		}
		if err := s.Abort(Handle(name)); err != nil {
			return err
		}
	}
	return syncDir(s.pending)
}

// Committed lists the committed files in Dir (names, unordered).
func (s *FileSink) Committed() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), "task-") {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("kafka: file sink: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kafka: file sink: syncing %s: %w", dir, err)
	}
	return nil
}

type fileTxn struct {
	s    *FileSink
	h    Handle
	f    *os.File
	w    *bufio.Writer
	buf  []byte
	done bool
}

func (t *fileTxn) Write(r *runtime.OutRecord) error {
	if t.done {
		return fmt.Errorf("kafka: file sink: write to finished transaction %s", t.h)
	}
	b, err := t.s.encode(t.buf[:0], r)
	if err != nil {
		return fmt.Errorf("kafka: file sink: encoding a record: %w", err)
	}
	t.buf = b
	if _, err := t.w.Write(b); err != nil {
		return fmt.Errorf("kafka: file sink: %w", err)
	}
	return nil
}

func (t *fileTxn) PreCommit() (Handle, error) {
	if t.done {
		return "", fmt.Errorf("kafka: file sink: transaction %s is finished", t.h)
	}
	t.done = true
	err := t.w.Flush()
	if err == nil {
		err = t.f.Sync()
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(t.s.pending)
	}
	if err != nil {
		return "", fmt.Errorf("kafka: file sink: pre-committing %s: %w", t.h, errors.Join(err, t.s.Abort(t.h)))
	}
	return t.h, nil
}

func (t *fileTxn) Abort() error {
	if t.done {
		return nil
	}
	t.done = true
	t.f.Close()
	return t.s.Abort(t.h)
}
