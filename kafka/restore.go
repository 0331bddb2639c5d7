package kafka

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// openTasks opens, restores and builds the tasks of newly assigned
// partition numbers. No transaction is open while it runs.
func (r *runner) openTasks(ctx context.Context, ids []int32) error {
	need := int32(0)
	for _, id := range ids {
		need = max(need, id+1)
	}
	if need > r.topo.changelogParts {
		// Input partitions were added: the changelog follows.
		if err := growTopic(ctx, r.adm, r.changelog, need); err != nil {
			return &fatalError{err}
		}
		r.topo.changelogParts = need
		if q := r.cfg.queries; q != nil {
			q.setPartitions(need)
		}
		// The producer must see the new changelog partitions before the
		// new tasks write to them.
		if r.sess != nil {
			r.sess.Client().ForceMetadataRefresh()
		}
	}
	tasks := make([]*task, 0, len(ids))
	for _, id := range ids {
		t := &task{id: id, recovered: len(r.twoPC) == 0}
		t.clogMax.Store(-1)
		if err := r.openRuntimeTask(t); err != nil {
			for _, o := range tasks {
				o.rt.Close()
			}
			return &fatalError{err}
		}
		tasks = append(tasks, t)
	}
	start := time.Now()
	n, err := r.restore(ctx, tasks)
	if err != nil {
		for _, t := range tasks {
			t.rt.Close()
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: restore interrupted: %v", errMigrated, err)
		}
		return &fatalError{err}
	}
	for _, t := range tasks {
		if err := r.spec.Build(t.rt); err != nil {
			for _, o := range tasks {
				o.rt.Close()
			}
			return &fatalError{fmt.Errorf("kafka: building task %d: %w", t.id, err)}
		}
		t.built = true
		r.tasks[t.id] = t
	}
	took := time.Since(start)
	r.log.Info("tasks restored", "tasks", ids, "changelog_records", n, "took", took)
	r.obs.Restored(ids, n, took)
	return nil
}

func (r *runner) openRuntimeTask(t *task) error {
	rt, err := r.store.OpenTask(runtime.TaskID(t.id), runtime.TaskConfig{
		Sink:           &taskSink{r: r, t: t},
		ProcessingTime: r.cfg.now().UnixMilli(),
	})
	if err != nil {
		return fmt.Errorf("kafka: opening task %d: %w", t.id, err)
	}
	t.rt = rt
	return nil
}

// closeTask drops a task: uncommitted work is discarded (the transaction
// was aborted), its local state stays for a fast return.
func (r *runner) closeTask(t *task) {
	r.abort2PC(t)
	if t.rt != nil {
		if err := t.rt.Close(); err != nil {
			r.log.Warn("closing task", "task", t.id, "err", err)
		}
	}
	delete(r.tasks, t.id)
}

func (r *runner) closeTasks() {
	for _, t := range r.tasks {
		r.closeTask(t)
	}
	clear(r.owned)
}

// reopenAfterFailedApply handles a failed Committed: pebble is behind the
// changelog, so the task is closed, reopened and restored.
func (r *runner) reopenAfterFailedApply(t *task, cause error) error {
	r.log.Warn("applying a commit to the state store failed; restoring the task", "task", t.id, "err", cause)
	t.rt.Close()
	t.resetWork()
	t.built = false
	if err := r.openRuntimeTask(t); err != nil {
		return &fatalError{err}
	}
	ctx, cancel := context.WithTimeout(r.prodCtx, 10*time.Minute)
	defer cancel()
	start := time.Now()
	n, err := r.restore(ctx, []*task{t})
	if err != nil {
		return &fatalError{err}
	}
	r.obs.Restored([]int32{t.id}, n, time.Since(start))
	if err := r.spec.Build(t.rt); err != nil {
		return &fatalError{fmt.Errorf("kafka: building task %d: %w", t.id, err)}
	}
	t.built = true
	return nil
}

type restoreJob struct {
	t     *task
	start int64 // first offset to read
	end   int64 // high watermark: read up to end-1
	ch    chan []*kgo.Record
	n     int
	err   error
}

// restore brings the tasks' local state up to their changelog
// partitions: it waits until no transaction is open on them (last stable
// offset = high watermark: a dead instance's transaction is aborted by
// the fencing at start or by the transaction timeout), then replays
// read_committed from the offset stored with the state (the tail after a
// restart on the same state directory; everything on a new one) to the
// end. State that does not fit the changelog (an offset past its end or
// before its start: the topic was recreated or truncated) is dropped and
// restored in full.
func (r *runner) restore(ctx context.Context, tasks []*task) (int, error) {
	parts := map[int32]bool{}
	for _, t := range tasks {
		parts[t.id] = true
	}
	hwm, logStart, err := r.stableEnds(ctx, parts)
	if err != nil {
		return 0, err
	}
	var jobs []*restoreJob
	for _, t := range tasks {
		offs, err := t.rt.ChangelogOffsets()
		if err != nil {
			return 0, err
		}
		start, have := int64(-1), false
		for _, o := range offs {
			if o.Topic == r.clogKey {
				start, have = o.Offset, true
			}
		}
		end := hwm[t.id]
		// Local state of another changelog (one deleted since and
		// created again, or another pipeline's) is dropped like state
		// that does not fit this one's offsets.
		if (have && (start > end || start < logStart[t.id])) || (!have && len(offs) > 0) {
			r.log.Warn("local state does not match the changelog; restoring it in full",
				"task", t.id, "state_offset", start, "state_changelog", offs[0].Topic, "changelog", r.clogKey,
				"changelog_start", logStart[t.id], "changelog_end", end)
			t.rt.Close()
			if err := r.store.DeleteTask(runtime.TaskID(t.id)); err != nil {
				return 0, err
			}
			if err := r.openRuntimeTask(t); err != nil {
				return 0, err
			}
			have = false
		}
		if !have {
			start = logStart[t.id]
		}
		if start >= end {
			continue
		}
		jobs = append(jobs, &restoreJob{t: t, start: start, end: end, ch: make(chan []*kgo.Record, 8)})
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	assign := map[int32]kgo.Offset{}
	byPart := map[int32]*restoreJob{}
	for _, j := range jobs {
		assign[j.t.id] = kgo.NewOffset().At(j.start)
		byPart[j.t.id] = j
	}
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(r.cfg.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{r.changelog: assign}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
		kgo.FetchMaxBytes(64 << 20),
		kgo.FetchMaxPartitionBytes(16 << 20),
		kgo.WithLogger(kgoLogger{r.log}),
	}, r.cfg.clientOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, fmt.Errorf("kafka: restore consumer: %w", err)
	}
	defer cl.Close()

	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		reader := &chanReader{ctx: rctx, ch: j.ch}
		go func() {
			defer wg.Done()
			j.n, j.err = j.t.rt.Restore(r.clogKey, reader)
			if j.err != nil {
				cancel()
			}
		}()
	}
	left := len(jobs)
	var pollErr error
	for left > 0 && pollErr == nil {
		fetches := cl.PollFetches(rctx)
		if rctx.Err() != nil {
			pollErr = rctx.Err()
			break
		}
		fetches.EachError(func(_ string, p int32, err error) {
			if pollErr == nil {
				pollErr = fmt.Errorf("kafka: reading changelog %s[%d]: %w", r.changelog, p, err)
			}
		})
		fetches.EachPartition(func(fp kgo.FetchTopicPartition) {
			j := byPart[fp.Partition]
			if j == nil || j.ch == nil || len(fp.Records) == 0 {
				return
			}
			data := fp.Records[:0:0]
			done := false
			faultPoint("restore")
			for _, rec := range fp.Records {
				if rec.Offset >= j.end {
					done = true
					break
				}
				if !rec.Attrs.IsControl() {
					data = append(data, rec)
				}
				if rec.Offset >= j.end-1 {
					done = true
				}
			}
			if len(data) > 0 {
				select {
				case j.ch <- data:
				case <-rctx.Done():
				}
			}
			if done {
				close(j.ch)
				j.ch = nil
				left--
				cl.PauseFetchPartitions(map[string][]int32{r.changelog: {fp.Partition}})
			}
		})
	}
	if pollErr != nil {
		cancel()
	}
	for _, j := range jobs {
		if j.ch != nil {
			close(j.ch)
			j.ch = nil
		}
	}
	wg.Wait()
	total := 0
	for _, j := range jobs {
		total += j.n
		if j.err != nil {
			return total, fmt.Errorf("kafka: restoring task %d: %w", j.t.id, j.err)
		}
	}
	if pollErr != nil {
		return total, pollErr
	}
	return total, nil
}

// stableEnds waits until no open transaction holds back the changelog
// partitions (last stable offset = high watermark) and returns their
// high watermarks and log start offsets.
func (r *runner) stableEnds(ctx context.Context, parts map[int32]bool) (hwm, logStart map[int32]int64, err error) {
	warned := time.Now()
	for {
		ends, err := r.adm.ListEndOffsets(ctx, r.changelog)
		if err == nil {
			err = ends.Error()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("kafka: listing changelog end offsets: %w", err)
		}
		stable, err := r.adm.ListCommittedOffsets(ctx, r.changelog)
		if err == nil {
			err = stable.Error()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("kafka: listing changelog stable offsets: %w", err)
		}
		hwm = map[int32]int64{}
		ok := true
		var pending []int32
		for p := range parts {
			e, found := ends.Lookup(r.changelog, p)
			s, sfound := stable.Lookup(r.changelog, p)
			if !found || !sfound || e.Err != nil || s.Err != nil {
				// A partition just added may not be in the metadata yet.
				ok = false
				pending = append(pending, p)
				continue
			}
			hwm[p] = e.Offset
			if s.Offset < e.Offset {
				ok = false
				pending = append(pending, p)
			}
		}
		if ok {
			starts, err := r.adm.ListStartOffsets(ctx, r.changelog)
			if err == nil {
				err = starts.Error()
			}
			if err != nil {
				return nil, nil, fmt.Errorf("kafka: listing changelog start offsets: %w", err)
			}
			logStart = map[int32]int64{}
			for p := range parts {
				s, _ := starts.Lookup(r.changelog, p)
				logStart[p] = max(s.Offset, 0)
			}
			return hwm, logStart, nil
		}
		if time.Since(warned) > 2*time.Second {
			r.log.Info("waiting for an open transaction on the changelog to end before restoring (a dead instance's transaction ends at its transaction timeout)", "partitions", pending)
			warned = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// chanReader is the runtime.ChangelogReader of one restoring task.
type chanReader struct {
	ctx  context.Context
	ch   chan []*kgo.Record
	cur  []*kgo.Record
	done bool
}

func (c *chanReader) Next() (runtime.ChangelogRecord, int64, error) {
	for len(c.cur) == 0 {
		if c.done {
			return runtime.ChangelogRecord{}, 0, io.EOF
		}
		select {
		case b, ok := <-c.ch:
			if !ok {
				c.done = true
				continue
			}
			c.cur = b
		case <-c.ctx.Done():
			return runtime.ChangelogRecord{}, 0, c.ctx.Err()
		}
	}
	rec := c.cur[0]
	c.cur = c.cur[1:]
	return runtime.ChangelogRecord{Key: rec.Key, Value: rec.Value}, rec.Offset, nil
}
