package runtime

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"
)

// BuildFunc wires a task's operator chain: sources, operators, state,
// sinks. Generated pipelines provide one; the driver calls it for every
// task it opens (again after Reopen).
type BuildFunc func(t *Task) error

// DriverConfig configures a Driver.
type DriverConfig struct {
	// Dir is the state directory (use t.TempDir()). Required.
	Dir string
	// Partitions is the number of input partitions, hence tasks (default 1).
	Partitions int32
	// Store sizes pebble; zero values take small test-friendly defaults
	// (8 MiB block cache, 4 MiB memtable).
	Store StoreOptions
	// StartTime is the initial processing time (ms).
	StartTime int64
	// DeadLetterTopic is passed to every task (see TaskConfig).
	DeadLetterTopic string
	// ManualCommit turns off the commit after every Pipe and Advance;
	// outputs stay pending until Commit, and Abort drops them.
	ManualCommit bool
}

// SideValue is a side-output value the driver collected.
type SideValue struct {
	Task      TaskID
	Key       []byte
	Timestamp int64
	Value     any
}

// Driver is the deterministic, in-process core of the test driver: no
// broker, real pebble on disk, explicit event and processing time. It
// pipes records into the tasks, commits like the Kafka layer does
// (Prepare, a changelog kept in memory, Committed), collects outputs and
// unrouted side outputs, and can close and reopen the store or rebuild it
// from the changelog alone. Records sent to a repartition topic (one a
// task reads with AddRepartitionSource) are not outputs: after each step
// they are fed, in the order they were sent, to the task of the partition
// their key hashes to (KeyPartition over Partitions), as Kafka
// would deliver them once the step's transaction commits. Generated typed
// drivers wrap it.
type Driver struct {
	cfg      DriverConfig
	build    BuildFunc
	store    *Store
	tasks    []*Task
	procTime int64
	offsets  map[topicPartition]int64 // next offset per partition

	pending     []OutRecord
	shuffle     []Record // repartition records not yet processed, in order
	pendingSide map[string][]SideValue
	outputs     map[string][]OutRecord
	side        map[string][]SideValue
	changelog   map[TaskID][]ChangelogRecord
}

// topicPartition names one partition of a topic.
type topicPartition struct {
	topic     string
	partition int32
}

// ChangelogTopic is the changelog topic name the driver records offsets
// under.
const ChangelogTopic = "changelog"

// NewDriver opens the store in cfg.Dir and builds every task.
func NewDriver(cfg DriverConfig, build BuildFunc) (*Driver, error) {
	if cfg.Dir == "" {
		return nil, errors.New("runtime: driver needs a state directory")
	}
	if build == nil {
		return nil, errors.New("runtime: driver needs a build function")
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = 1
	}
	if cfg.Store.BlockCacheSize == 0 {
		cfg.Store.BlockCacheSize = 8 << 20
	}
	if cfg.Store.MemTableSize == 0 {
		cfg.Store.MemTableSize = 4 << 20
	}
	d := &Driver{
		cfg:         cfg,
		build:       build,
		procTime:    cfg.StartTime,
		offsets:     map[topicPartition]int64{},
		pendingSide: map[string][]SideValue{},
		outputs:     map[string][]OutRecord{},
		side:        map[string][]SideValue{},
		changelog:   map[TaskID][]ChangelogRecord{},
	}
	if err := d.open(false); err != nil {
		return nil, err
	}
	return d, nil
}

// open opens the store and every task; with restore, each task is first
// restored from the driver's in-memory changelog.
func (d *Driver) open(restore bool) error {
	s, err := OpenStore(d.cfg.Dir, d.cfg.Store)
	if err != nil {
		return err
	}
	d.store = s
	d.tasks = make([]*Task, d.cfg.Partitions)
	for p := range d.tasks {
		id := TaskID(p)
		t, err := s.OpenTask(id, TaskConfig{
			Sink:            SinkFunc(d.send),
			DeadLetterTopic: d.cfg.DeadLetterTopic,
			ProcessingTime:  d.procTime,
		})
		if err != nil {
			return errors.Join(err, s.Close())
		}
		t.OnUnroutedSideOutput(d.collectSide)
		if restore {
			if _, err := t.Restore(ChangelogTopic, &sliceChangelog{recs: d.changelog[id]}); err != nil {
				return errors.Join(err, s.Close())
			}
		}
		if err := d.build(t); err != nil {
			return errors.Join(fmt.Errorf("runtime: building task %d: %w", id, err), s.Close())
		}
		d.tasks[p] = t
	}
	return nil
}

func (d *Driver) send(r *OutRecord) error {
	if len(d.tasks) > 0 && d.tasks[0] != nil && d.tasks[0].IsRepartitionTopic(r.Topic) {
		// A repartition topic: the record goes to the task of the partition
		// its key hashes to, after the current step (see drain).
		d.shuffle = append(d.shuffle, Record{
			Topic:     r.Topic,
			Partition: KeyPartition(r.Key, d.cfg.Partitions),
			Key:       r.Key,
			Value:     r.Value,
			Headers:   r.Headers,
			Timestamp: r.Timestamp,
		})
		return nil
	}
	d.pending = append(d.pending, *r)
	return nil
}

// drain feeds the repartition records the last step produced to their
// tasks, in the order they were sent, until none is left (a record may
// cross several repartition topics). Like every other output they become
// part of the pending commit: Abort drops what they did.
func (d *Driver) drain() error {
	for len(d.shuffle) > 0 {
		r := d.shuffle[0]
		d.shuffle = d.shuffle[1:]
		if err := d.process(r); err != nil {
			return err
		}
	}
	d.shuffle = d.shuffle[:0]
	return nil
}

// process feeds r to the task of r.Partition with the partition's next
// offset.
func (d *Driver) process(r Record) error {
	t := d.Task(r.Partition)
	if t == nil {
		return fmt.Errorf("runtime: driver has no partition %d", r.Partition)
	}
	tp := topicPartition{r.Topic, r.Partition}
	r.Offset = d.offsets[tp]
	d.offsets[tp]++
	return t.Process(&r)
}

func (d *Driver) collectSide(c *Context, tag string, v any) error {
	d.pendingSide[tag] = append(d.pendingSide[tag], SideValue{
		Task:      c.TaskID(),
		Key:       append([]byte(nil), c.Key()...),
		Timestamp: c.Timestamp(),
		Value:     v,
	})
	return nil
}

// Store returns the driver's current store.
func (d *Driver) Store() *Store { return d.store }

// Task returns the task of partition p.
func (d *Driver) Task(p int32) *Task {
	if p < 0 || int(p) >= len(d.tasks) {
		return nil
	}
	return d.tasks[p]
}

// ProcessingTime returns the driver's processing time.
func (d *Driver) ProcessingTime() int64 { return d.procTime }

// PartitionFor returns the partition Kafka's default partitioner picks
// for key (murmur2, as the Java client and franz-go's KafkaHasher), or 0
// for a nil key.
func (d *Driver) PartitionFor(key []byte) int32 {
	if key == nil {
		return 0
	}
	return KeyPartition(key, int32(d.cfg.Partitions))
}

// Pipe feeds one record to the input topic, on the partition its key
// hashes to, with the next offset of that partition.
func (d *Driver) Pipe(topic string, key, value []byte, ts int64, headers ...Header) error {
	return d.PipeRecord(Record{Topic: topic, Partition: d.PartitionFor(key), Key: key, Value: value, Timestamp: ts, Headers: headers})
}

// PipeRecord feeds r to the task of r.Partition; r.Offset is overwritten
// with the partition's next offset.
func (d *Driver) PipeRecord(r Record) error {
	if err := d.process(r); err != nil {
		return err
	}
	return d.autoCommit()
}

// AdvanceWatermark moves every task's watermark to at least wm, firing
// event-time timers and windows.
func (d *Driver) AdvanceWatermark(wm int64) error {
	for _, t := range d.tasks {
		if err := t.AdvanceWatermark(wm); err != nil {
			return err
		}
	}
	return d.autoCommit()
}

// SetProcessingTime moves processing time to now on every task (it never
// goes back), firing processing-time timers and applying idleness.
func (d *Driver) SetProcessingTime(now int64) error {
	if now > d.procTime {
		d.procTime = now
	}
	for _, t := range d.tasks {
		if err := t.SetProcessingTime(d.procTime); err != nil {
			return err
		}
	}
	return d.autoCommit()
}

// AdvanceProcessingTime moves processing time forward by by.
func (d *Driver) AdvanceProcessingTime(by time.Duration) error {
	return d.SetProcessingTime(d.procTime + by.Milliseconds())
}

func (d *Driver) autoCommit() error {
	if err := d.drain(); err != nil {
		return err
	}
	if d.cfg.ManualCommit {
		return nil
	}
	return d.Commit()
}

// Commit commits every task: Prepare, append the changes to the in-memory
// changelog, Committed with the new changelog end; then pending outputs
// and side outputs become visible.
func (d *Driver) Commit() error {
	if err := d.drain(); err != nil {
		return err
	}
	for _, t := range d.tasks {
		recs, err := t.Prepare()
		if err != nil {
			return err
		}
		log := append(d.changelog[t.id], recs...)
		d.changelog[t.id] = log
		if err := t.Committed(ChangelogOffset{Topic: ChangelogTopic, Offset: int64(len(log))}); err != nil {
			return err
		}
	}
	for _, r := range d.pending {
		d.outputs[r.Topic] = append(d.outputs[r.Topic], r)
	}
	d.pending = d.pending[:0]
	for tag, vs := range d.pendingSide {
		d.side[tag] = append(d.side[tag], vs...)
		delete(d.pendingSide, tag)
	}
	return nil
}

// Abort aborts every task, dropping uncommitted state and outputs.
func (d *Driver) Abort() error {
	d.shuffle = d.shuffle[:0]
	var errs []error
	for _, t := range d.tasks {
		errs = append(errs, t.Abort())
	}
	d.pending = d.pending[:0]
	clear(d.pendingSide)
	return errors.Join(errs...)
}

// Output returns the committed output records of topic so far.
func (d *Driver) Output(topic string) []OutRecord { return d.outputs[topic] }

// TakeOutput returns the committed output records of topic and forgets them.
func (d *Driver) TakeOutput(topic string) []OutRecord {
	out := d.outputs[topic]
	delete(d.outputs, topic)
	return out
}

// OutputTopics lists the topics with committed output, sorted.
func (d *Driver) OutputTopics() []string {
	var ts []string
	for t := range d.outputs {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// SideOutput returns the committed values of an unrouted side output.
func (d *Driver) SideOutput(tag string) []SideValue { return d.side[tag] }

// TakeSideOutput returns the committed values of a side output and
// forgets them.
func (d *Driver) TakeSideOutput(tag string) []SideValue {
	out := d.side[tag]
	delete(d.side, tag)
	return out
}

// Changelog returns the changelog records task id committed so far.
func (d *Driver) Changelog(id TaskID) []ChangelogRecord { return d.changelog[id] }

// Reopen simulates a restart: uncommitted work is dropped, the store is
// closed and opened again from disk, and every task is rebuilt.
func (d *Driver) Reopen() error {
	d.pending, d.shuffle = d.pending[:0], d.shuffle[:0]
	clear(d.pendingSide)
	if err := d.store.Close(); err != nil {
		return err
	}
	return d.open(false)
}

// RestoreFromChangelog simulates a task moving to a fresh machine: the
// store directory is deleted, and every task is restored from the
// changelog the driver recorded, then rebuilt.
func (d *Driver) RestoreFromChangelog() error {
	d.pending, d.shuffle = d.pending[:0], d.shuffle[:0]
	clear(d.pendingSide)
	if err := d.store.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(d.cfg.Dir); err != nil {
		return err
	}
	return d.open(true)
}

// Close closes the store (uncommitted work is dropped).
func (d *Driver) Close() error {
	if d.store == nil {
		return nil
	}
	err := d.store.Close()
	d.store = nil
	return err
}

type sliceChangelog struct {
	recs []ChangelogRecord
	i    int
}

func (s *sliceChangelog) Next() (ChangelogRecord, int64, error) {
	if s.i >= len(s.recs) {
		return ChangelogRecord{}, 0, io.EOF
	}
	s.i++
	return s.recs[s.i-1], int64(s.i - 1), nil
}
