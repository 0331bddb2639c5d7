package runtime

import (
	"errors"
	"fmt"
	"log"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// Defaults for StoreOptions. The block cache and memtable sizes are the
// ones measured in DESIGN.md to cut random Get+Set latency from 16.7 µs to
// 4.9 µs; pebble allocates both lazily and outside the Go heap when cgo is
// enabled.
const (
	DefaultBlockCacheSize      int64  = 256 << 20
	DefaultMemTableSize        uint64 = 64 << 20
	DefaultCacheEntries               = 100_000
	DefaultTTLCleanupPerCommit        = 1_000
	DefaultCheckpointRecords          = 400_000
)

// StoreOptions sizes the process's pebble DB and the tasks' caches.
type StoreOptions struct {
	// BlockCacheSize is pebble's block cache in bytes (default 256 MiB).
	BlockCacheSize int64
	// MemTableSize is pebble's memtable size in bytes (default 64 MiB).
	MemTableSize uint64
	// CacheEntries bounds the write-back caches of decoded values
	// (ValueState, ReducingState, window accumulators and session sets)
	// of all the store's open tasks together, in entries: each task may
	// hold an equal share (at least one entry), so a process that owns
	// one partition gives its task the whole budget, and one that owns
	// many does not grow its memory with them (as Kafka Streams divides
	// statestore.cache.max.bytes among its threads). When tasks open,
	// the others give back their excess as they next add entries. 0 means
	// DefaultCacheEntries (100,000); a negative value disables the cache.
	CacheEntries int
	// Sync makes each Committed fsync pebble's WAL. Off by default: the
	// changelog topic is the durable copy, and the changelog offset is
	// applied atomically with the state, so a lost tail is replayed.
	Sync bool
	// TTLCleanupPerCommit is how many state entries each Prepare scans for
	// expired TTL values (incremental cleanup). 0 means
	// DefaultTTLCleanupPerCommit; negative disables the sweep.
	TTLCleanupPerCommit int
	// CheckpointRecords bounds the committed writes of cached state that
	// the store's open tasks keep pending, together, before applying them
	// to pebble (a checkpoint), in changelog records: each task
	// checkpoints when its own pending writes reach an equal share (at
	// least one), so the bound is the process's, like CacheEntries. 0
	// means DefaultCheckpointRecords (400,000: 50,000 per task for 8
	// tasks); a negative value checkpoints at every commit. Until its
	// checkpoint a committed value lives in the write-back cache and in
	// the task's pending commit batches, and is written once however many
	// commits changed it. The changelog offsets in pebble are those of
	// the last checkpoint, so a restart after a crash replays about this
	// many changelog records in all at most.
	CheckpointRecords int
}

func (o StoreOptions) withDefaults() StoreOptions {
	if o.BlockCacheSize <= 0 {
		o.BlockCacheSize = DefaultBlockCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
	if o.CacheEntries == 0 {
		o.CacheEntries = DefaultCacheEntries
	}
	if o.TTLCleanupPerCommit == 0 {
		o.TTLCleanupPerCommit = DefaultTTLCleanupPerCommit
	}
	if o.CheckpointRecords == 0 {
		o.CheckpointRecords = DefaultCheckpointRecords
	}
	return o
}

// Store is the process's one pebble DB. Every task owns the keys under its
// 4-byte task prefix; tasks never read or write each other's keys.
type Store struct {
	db    *pebble.DB
	opts  StoreOptions
	wopts *pebble.WriteOptions
	dir   string

	mu     sync.Mutex
	tasks  map[TaskID]*Task
	closed bool
	// cacheShare and checkpointShare are each open task's write-back
	// cache bound and checkpoint threshold: CacheEntries and
	// CheckpointRecords divided among the open tasks.
	cacheShare      atomic.Int64
	checkpointShare atomic.Int64
}

// quietLogger drops pebble's informational messages and keeps errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)              {}
func (quietLogger) Errorf(format string, args ...any) { log.Printf("pebble: "+format, args...) }
func (quietLogger) Fatalf(format string, args ...any) { log.Fatalf("pebble: "+format, args...) }

// OpenStore opens (or creates) the pebble DB in dir.
func OpenStore(dir string, opts StoreOptions) (*Store, error) {
	opts = opts.withDefaults()
	cache := pebble.NewCache(opts.BlockCacheSize)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:              cache,
		MemTableSize:       opts.MemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             quietLogger{},
	}
	// Bloom filters on every level: most state reads of a new key (a new
	// window, a new user) miss, and a filter answers those without reading
	// data blocks.
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("runtime: opening state store in %s: %w", dir, err)
	}
	s := &Store{db: db, opts: opts, wopts: pebble.NoSync, dir: dir, tasks: map[TaskID]*Task{}}
	if opts.Sync {
		s.wopts = pebble.Sync
	}
	return s, nil
}

// Dir returns the directory the store was opened in.
func (s *Store) Dir() string { return s.dir }

// Close closes every open task (discarding uncommitted changes) and the DB.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	tasks := make([]*Task, 0, len(s.tasks))
	for _, t := range s.tasks {
		tasks = append(tasks, t)
	}
	s.mu.Unlock()
	var errs []error
	for _, t := range tasks {
		errs = append(errs, t.Close())
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// DeleteTask removes every key of a task (state, timers, watermarks and
// changelog offsets) with one range deletion. Other tasks are untouched.
// The task must not be open.
func (s *Store) DeleteTask(id TaskID) error {
	s.mu.Lock()
	_, open := s.tasks[id]
	s.mu.Unlock()
	if open {
		return fmt.Errorf("runtime: task %d is open; close it before deleting its state", id)
	}
	lo := appendTaskPrefix(nil, id)
	hi := prefixEnd(lo)
	if hi == nil {
		hi = []byte{0xff, 0xff, 0xff, 0xff, 0xff}
	}
	if err := s.db.DeleteRange(lo, hi, s.wopts); err != nil {
		return fmt.Errorf("runtime: deleting task %d: %w", id, err)
	}
	return nil
}

// TaskIDs lists the tasks that have any data in the store, in order.
func (s *Store) TaskIDs() ([]TaskID, error) {
	it, err := s.db.NewIter(nil)
	if err != nil {
		return nil, err
	}
	var ids []TaskID
	for ok := it.First(); ok; {
		k := it.Key()
		if len(k) < taskPrefixLen {
			ok = it.Next()
			continue
		}
		id := TaskID(int32(uint32(k[0])<<24 | uint32(k[1])<<16 | uint32(k[2])<<8 | uint32(k[3])))
		ids = append(ids, id)
		next := prefixEnd(k[:taskPrefixLen])
		if next == nil {
			break
		}
		ok = it.SeekGE(next)
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return nil, err
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

func (s *Store) register(t *Task) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("runtime: store is closed")
	}
	if _, ok := s.tasks[t.id]; ok {
		return fmt.Errorf("runtime: task %d is already open", t.id)
	}
	s.tasks[t.id] = t
	s.shareBudgets()
	return nil
}

// shareBudgets divides CacheEntries and CheckpointRecords among the open
// tasks (s.mu held).
func (s *Store) shareBudgets() {
	n := max(1, len(s.tasks))
	s.cacheShare.Store(int64(max(1, s.opts.CacheEntries/n)))
	s.checkpointShare.Store(int64(max(1, s.opts.CheckpointRecords/n)))
}

func (s *Store) unregister(t *Task) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tasks[t.id] == t {
		delete(s.tasks, t.id)
		s.shareBudgets()
	}
}

// The task's key-value layer: every read goes through the task's indexed
// batch (read-your-writes over the DB), every write into it, except while
// a commit is being prepared: then writes go into the plain commit batch,
// which nothing reads (see Prepare).

// kvGet calls fn with the stored value of key, if any. The slice passed to
// fn is only valid during the call.
func (t *Task) kvGet(key []byte, fn func(v []byte) error) (bool, error) {
	t.storeReads++
	v, closer, err := t.batch.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("runtime: task %d: reading state: %w", t.id, err)
	}
	ferr := fn(v)
	return true, errors.Join(ferr, closer.Close())
}

// writeBatch is the batch writes go into.
func (t *Task) writeBatch() *pebble.Batch {
	if t.commit != nil {
		return t.commit
	}
	return t.batch
}

func (t *Task) kvSet(key, value []byte) error {
	if err := t.writeBatch().Set(key, value, nil); err != nil {
		return fmt.Errorf("runtime: task %d: writing state: %w", t.id, err)
	}
	return nil
}

func (t *Task) kvDelete(key []byte) error {
	if err := t.writeBatch().Delete(key, nil); err != nil {
		return fmt.Errorf("runtime: task %d: deleting state: %w", t.id, err)
	}
	return nil
}

func (t *Task) kvMerge(key, value []byte) error {
	if err := t.writeBatch().Merge(key, value, nil); err != nil {
		return fmt.Errorf("runtime: task %d: appending state: %w", t.id, err)
	}
	return nil
}

// kvScan calls fn for each key in [lo, hi) in order until fn returns false.
// The slices are only valid during the call.
func (t *Task) kvScan(lo, hi []byte, fn func(k, v []byte) (bool, error)) error {
	it, err := t.batch.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("runtime: task %d: scanning state: %w", t.id, err)
	}
	var ferr error
	for ok := it.First(); ok; ok = it.Next() {
		v, verr := it.ValueAndErr()
		if verr != nil {
			ferr = verr
			break
		}
		more, err := fn(it.Key(), v)
		if err != nil {
			ferr = err
			break
		}
		if !more {
			break
		}
	}
	return errors.Join(ferr, it.Error(), it.Close())
}
