package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamgen/streamgen/runtime"
)

// faultHook, when set (only by the crash tests), is called at the points
// of the commit protocol where a crash is most delicate; the tests make
// it kill the process.
var faultHook func(point string)

func faultPoint(point string) {
	if faultHook != nil {
		faultHook(point)
	}
}

// task is one assigned partition number and its runtime task.
type task struct {
	id        int32
	rt        *runtime.Task
	built     bool
	recovered bool // 2PC sinks recovered (or none configured)

	// Work since the last commit.
	records   int                       // input records processed
	consumed  bool                      // input records processed (offsets to commit)
	active    bool                      // sent records or changelog in the transaction
	prepared  bool                      // stopped for the commit (Prepare)
	clog      []runtime.ChangelogRecord // of the stop, until produced
	clogN     int                       // changelog records in the transaction
	clogBytes int64                     // and their bytes
	clogMax   atomic.Int64              // highest changelog offset of the transaction
	outN      int
	outBytes  int64

	// 2PC: open transactions of this commit, handles pre-committed in it,
	// and handles of committed Kafka transactions the sink has not
	// confirmed yet (kept in the offset metadata until it does).
	txns         map[string]Txn
	precommitted map[string][]Handle
	outstanding  map[string][]Handle

	// sizeReported is when the task's state size was last reported.
	sizeReported time.Time
}

func (t *task) ready() bool { return t.built && t.recovered }

func (t *task) resetWork() {
	t.records, t.consumed, t.active, t.prepared, t.clog = 0, false, false, false, nil
	t.clogN, t.clogBytes, t.outN, t.outBytes = 0, 0, 0, 0
	t.clogMax.Store(-1)
}

// maxProduceFailures is how many commits in a row may fail producing
// before Run gives up.
const maxProduceFailures = 5

// ensureBegun opens the instance's transaction before anything is
// produced in it.
func (r *runner) ensureBegun() error {
	if r.txnBegun {
		return nil
	}
	if err := r.sess.Begin(); err != nil {
		return fmt.Errorf("%w: beginning a transaction: %v", errMigrated, err)
	}
	r.txnBegun = true
	return nil
}

// setProduceErr keeps the first failed produce of the transaction, naming
// the record's topic and partition (an unknown topic or partition there
// means it was deleted under the running pipeline).
func (r *runner) setProduceErr(kr *kgo.Record, err error) {
	r.errMu.Lock()
	if r.produceErr == nil {
		r.produceErr = fmt.Errorf("%s[%d]: %w", kr.Topic, kr.Partition, err)
		if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
			r.produceErr = fmt.Errorf("%w (was the topic deleted?)", r.produceErr)
		}
	}
	r.errMu.Unlock()
}

func (r *runner) takeProduceErr() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	err := r.produceErr
	r.produceErr = nil
	return err
}

func (r *runner) clearProduceErr() { r.takeProduceErr() }

// txnPromise records the first failed transactional produce: such a
// transaction must not commit (franz-go would commit what succeeded).
func (r *runner) txnPromise(kr *kgo.Record, err error) {
	if err != nil {
		r.setProduceErr(kr, err)
	}
}

// endCtx bounds one transaction end.
func (r *runner) endCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.prodCtx, r.cfg.txnTimeout+30*time.Second)
}

// stop stops the task at a record boundary for the commit (Prepare) and
// keeps its changelog records for produceChangelog. Tasks stop in
// parallel: on the goroutine that processed the task, when its share of a
// poll ends after the commit is due (so its changelog is on the wire while
// other tasks still process), or in commit for the others.
func (t *task) stop() error {
	recs, err := t.rt.Prepare()
	if err != nil {
		return fmt.Errorf("kafka: task %d: preparing a commit: %w", t.id, err)
	}
	t.prepared, t.clog = true, recs
	return nil
}

// produceChangelog produces the stopped task's changelog records into the
// transaction, which must be begun.
func (r *runner) produceChangelog(t *task) {
	recs := t.clog
	t.clog = nil
	if len(recs) == 0 {
		return
	}
	t.active = true
	// One allocation for the task's records of this commit; franz-go
	// holds each until its promise.
	krs := make([]kgo.Record, len(recs))
	promise := t.changelogPromise(r)
	for i := range recs {
		kr := &krs[i]
		kr.Topic, kr.Partition, kr.Key, kr.Value = r.changelog, t.id, recs[i].Key, recs[i].Value
		t.clogBytes += int64(len(kr.Key) + len(kr.Value))
		r.sess.Produce(r.prodCtx, kr, promise)
	}
	t.clogN += len(recs)
}

// prepareRest stops the ready tasks not stopped yet, in parallel, begins
// the transaction if any of them has anything to commit, and produces
// their changelogs.
func (r *runner) prepareRest(ids []int32) error {
	var todo []*task
	for _, id := range ids {
		if t := r.tasks[id]; t.ready() && !t.prepared {
			todo = append(todo, t)
		}
	}
	errs := make([]error, len(todo))
	r.parallel(len(todo), func(i int) { errs[i] = todo[i].stop() })
	if err := errors.Join(errs...); err != nil {
		return err
	}
	begin := false
	for _, t := range todo {
		begin = begin || len(t.clog) > 0 || t.consumed
	}
	if !begin {
		return nil
	}
	if err := r.ensureBegun(); err != nil {
		return err
	}
	r.parallel(len(todo), func(i int) { r.produceChangelog(todo[i]) })
	return nil
}

// commit runs the commit protocol: every task stops at a record boundary
// (Prepare); its changelog records, the outputs its sinks received and the
// input offsets go into one Kafka transaction, with the 2PC handles
// pre-committed in it in the offsets' metadata; then the tasks apply their
// state (Committed) and the 2PC sinks commit, or everything is aborted.
func (r *runner) commit() error {
	r.lastCommit = time.Now()
	start := time.Now()
	var prepared []*task
	ids := make([]int32, 0, len(r.tasks))
	for id := range r.tasks {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if err := r.prepareRest(ids); err != nil {
		return r.failed(err)
	}
	records := 0
	var bytes int64
	for _, id := range ids {
		t := r.tasks[id]
		if !t.ready() {
			continue
		}
		prepared = append(prepared, t)
		records += t.clogN
		bytes += t.clogBytes
		records += t.outN
		bytes += t.outBytes
		for name, txn := range t.txns {
			h, err := txn.PreCommit()
			delete(t.txns, name)
			if err != nil {
				return r.abortPrepared(prepared, fmt.Errorf("kafka: task %d: pre-committing 2PC sink %s: %w", id, name, err))
			}
			if t.precommitted == nil {
				t.precommitted = map[string][]Handle{}
			}
			t.precommitted[name] = append(t.precommitted[name], h)
		}
	}
	if !r.txnBegun {
		// Nothing was produced, no offsets moved: nothing to commit.
		for _, t := range prepared {
			if err := t.rt.Committed(); err != nil {
				return r.reopenAfterFailedApply(t, err)
			}
			t.resetWork()
			r.reportStateSize(t)
		}
		return nil
	}
	ctx, cancel := r.endCtx()
	defer cancel()
	if err := r.flushAtLeastOnce(ctx); err != nil {
		return r.abortPrepared(prepared, err)
	}
	if err := r.sess.Client().Flush(ctx); err != nil {
		return r.abortPrepared(prepared, fmt.Errorf("%w: flushing the transaction: %v", errMigrated, err))
	}
	if err := r.takeProduceErr(); err != nil {
		// franz-go retries what can be retried; a record that still
		// fails will likely fail again (a partition that does not
		// exist, a record too large): after a few commits in a row the
		// error ends Run instead of replaying forever.
		r.produceFailures++
		// A partition the producer does not know yet (the changelog just
		// grew with the inputs) is stale metadata: refresh it before
		// the replay.
		r.sess.Client().ForceMetadataRefresh()
		if isFatalKafkaErr(err) || r.produceFailures >= maxProduceFailures {
			r.abortPrepared(prepared, err)
			return &fatalError{fmt.Errorf("kafka: producing failed %d commits in a row: producing to %w", r.produceFailures, err)}
		}
		return r.abortPrepared(prepared, fmt.Errorf("producing: %w", err))
	}
	offsets := r.sess.Client().CommittedOffsets()
	fn := r.offsetCommitFn(prepared, offsets)
	faultPoint("before-end")
	committed, err := r.sess.End(kgo.PreTxnCommitFnContext(ctx, fn), kgo.TryCommit)
	r.txnBegun = false
	if err != nil {
		// The outcome is unknown (the commit may have happened): the
		// pre-committed 2PC handles are left for Recover, which reads
		// the committed offsets' metadata when a task is next opened.
		for _, t := range prepared {
			t.precommitted = nil
		}
		r.abortTasks(prepared, err)
		if isFatalKafkaErr(err) {
			return &fatalError{fmt.Errorf("kafka: committing: %w", err)}
		}
		return fmt.Errorf("%w: ending the transaction: %v", errMigrated, err)
	}
	if !committed {
		r.abortTasks(prepared, errors.New("transaction aborted: the group rebalanced"))
		return nil
	}
	faultPoint("after-end")
	// The tasks apply their state to pebble in parallel.
	applied := make([]error, len(prepared))
	r.parallel(len(prepared), func(i int) {
		t := prepared[i]
		var offs []runtime.ChangelogOffset
		if t.clogN > 0 {
			offs = append(offs, runtime.ChangelogOffset{Topic: r.clogKey, Offset: t.clogMax.Load() + 1})
		}
		applied[i] = t.rt.Committed(offs...)
	})
	for i, t := range prepared {
		if err := applied[i]; err != nil {
			if rerr := r.reopenAfterFailedApply(t, err); rerr != nil {
				return rerr
			}
		}
		r.obs.Watermark(t.id, t.rt.Watermark())
		faultPoint("before-2pc-commit")
		r.commit2PC(t)
		t.resetWork()
		r.reportStateSize(t)
	}
	r.produceFailures = 0
	r.obs.Committed(time.Since(start), records, bytes)
	return nil
}

// stateSizeInterval is how often, at most, a task's state size is
// estimated and reported after a commit. An estimate costs about 1-3 µs
// (BenchmarkTaskStateSize, 64 tasks' state on disk), so the bound keeps
// the metric fresh without doing it at every 100 ms commit of every task.
const stateSizeInterval = time.Second

// reportStateSize tells the observer the task's estimated state size on
// disk, at most every stateSizeInterval per task.
func (r *runner) reportStateSize(t *task) {
	now := time.Now()
	if now.Sub(t.sizeReported) < stateSizeInterval {
		return
	}
	t.sizeReported = now
	n, err := t.rt.StateSize()
	if err != nil {
		r.log.Debug("estimating the state size", "task", t.id, "err", err)
		return
	}
	r.obs.StateSize(t.id, n)
	r.obs.StateCache(t.id, t.rt.Stats().Cache)
}

// changelogPromise tracks the highest offset of the task's changelog
// records in the transaction.
func (t *task) changelogPromise(r *runner) func(*kgo.Record, error) {
	return func(kr *kgo.Record, err error) {
		if err != nil {
			r.setProduceErr(kr, err)
			return
		}
		for {
			cur := t.clogMax.Load()
			if kr.Offset <= cur || t.clogMax.CompareAndSwap(cur, kr.Offset) {
				return
			}
		}
	}
}

// offsetCommitFn returns the hook that finishes the transaction's offset
// commit: every task that wrote anything commits the offsets of all its
// input partitions (unchanged ones included, so that the group generation
// fences a zombie even when only timers produced output), and the
// metadata of a task's partitions carries its 2PC handles.
func (r *runner) offsetCommitFn(prepared []*task, committed map[string]map[int32]kgo.EpochOffset) func(*kmsg.TxnOffsetCommitRequest) error {
	type meta struct {
		s   string
		set bool
	}
	metas := map[int32]meta{}
	var need []*task
	for _, t := range prepared {
		hs := map[string][]Handle{}
		for s, h := range t.outstanding {
			hs[s] = append(hs[s], h...)
		}
		for s, h := range t.precommitted {
			hs[s] = append(hs[s], h...)
		}
		enc, err := encodeHandles(hs)
		if err != nil {
			return func(*kmsg.TxnOffsetCommitRequest) error { return err }
		}
		if len(r.twoPC) > 0 {
			metas[t.id] = meta{s: enc, set: true}
		}
		if t.active || t.consumed || enc != "" {
			need = append(need, t)
		}
	}
	return func(req *kmsg.TxnOffsetCommitRequest) error {
		index := map[string]int{}
		for i := range req.Topics {
			index[req.Topics[i].Topic] = i
		}
		for _, t := range need {
			for _, topic := range r.ownedPartitions(t.id) {
				i, ok := index[topic]
				if !ok {
					rt := kmsg.NewTxnOffsetCommitRequestTopic()
					rt.Topic = topic
					req.Topics = append(req.Topics, rt)
					i = len(req.Topics) - 1
					index[topic] = i
				}
				rt := &req.Topics[i]
				found := false
				for j := range rt.Partitions {
					if rt.Partitions[j].Partition == t.id {
						found = true
						if m := metas[t.id]; m.set {
							s := m.s
							rt.Partitions[j].Metadata = &s
						}
					}
				}
				if found {
					continue
				}
				eo, ok := committed[topic][t.id]
				if !ok || eo.Offset < 0 {
					continue
				}
				p := kmsg.NewTxnOffsetCommitRequestTopicPartition()
				p.Partition = t.id
				p.Offset = eo.Offset
				p.LeaderEpoch = eo.Epoch
				if m := metas[t.id]; m.set {
					s := m.s
					p.Metadata = &s
				} else {
					member := req.MemberID
					p.Metadata = &member
				}
				rt.Partitions = append(rt.Partitions, p)
			}
		}
		return nil
	}
}

// abortPrepared aborts the transaction after a failure during a commit.
func (r *runner) abortPrepared(_ []*task, cause error) error {
	if aerr := r.endAbort(cause); aerr != nil {
		return aerr
	}
	if errors.Is(cause, errMigrated) {
		return cause
	}
	return nil
}

// endAbort aborts the transaction (franz-go rewinds the consumer to the
// committed offsets) and every task's uncommitted work. It also resets
// the session's rebalance flag, so call it after any revocation.
func (r *runner) endAbort(cause error) error {
	ctx, cancel := r.endCtx()
	defer cancel()
	_, err := r.sess.End(ctx, kgo.TryAbort)
	r.txnBegun = false
	r.takeProduceErr()
	tasks := make([]*task, 0, len(r.tasks))
	for _, t := range r.tasks {
		tasks = append(tasks, t)
	}
	r.abortTasks(tasks, cause)
	if err != nil {
		return fmt.Errorf("%w: aborting the transaction: %v", errMigrated, err)
	}
	return nil
}

// abortTasks discards the tasks' work since their last commit, 2PC
// transactions included.
func (r *runner) abortTasks(tasks []*task, cause error) {
	for _, t := range tasks {
		if t.rt != nil {
			if err := t.rt.Abort(); err != nil {
				r.log.Warn("aborting task", "task", t.id, "err", err)
			}
		}
		r.abort2PC(t)
		t.resetWork()
	}
	r.aborts++
	r.obs.Aborted(cause)
	r.log.Info("transaction aborted", "cause", cause)
}

// commit2PC commits the task's pre-committed handles after the Kafka
// transaction that recorded them committed; a handle whose commit fails
// stays outstanding (it is in the offsets' metadata) and is retried after
// the next commit.
func (r *runner) commit2PC(t *task) {
	if len(t.precommitted) == 0 && len(t.outstanding) == 0 {
		return
	}
	if t.outstanding == nil {
		t.outstanding = map[string][]Handle{}
	}
	for s, hs := range t.precommitted {
		t.outstanding[s] = append(t.outstanding[s], hs...)
	}
	t.precommitted = nil
	for topic, sink := range r.twoPC {
		name := r.twoPCName[topic]
		var left []Handle
		for _, h := range t.outstanding[name] {
			if err := sink.Commit(h); err != nil {
				r.log.Warn("2PC commit failed; retrying after the next commit", "sink", name, "handle", h, "err", err)
				left = append(left, h)
			}
		}
		if len(left) == 0 {
			delete(t.outstanding, name)
		} else {
			t.outstanding[name] = left
		}
	}
}

// abort2PC aborts the task's open and pre-committed 2PC transactions of
// the aborted Kafka transaction.
func (r *runner) abort2PC(t *task) {
	for name, txn := range t.txns {
		if err := txn.Abort(); err != nil {
			r.log.Warn("2PC abort failed", "sink", name, "err", err)
		}
		delete(t.txns, name)
	}
	for topic, sink := range r.twoPC {
		name := r.twoPCName[topic]
		for _, h := range t.precommitted[name] {
			if err := sink.Abort(h); err != nil {
				r.log.Warn("2PC abort failed", "sink", name, "handle", h, "err", err)
			}
		}
	}
	t.precommitted = nil
}

// recover2PC finishes what a previous owner of the task left in the 2PC
// sinks: handles of its last committed Kafka transaction are committed,
// every other pending transaction of the task is aborted.
func (r *runner) recover2PC(t *task, handles map[string][]Handle) error {
	for topic, sink := range r.twoPC {
		name := r.twoPCName[topic]
		if err := sink.Recover(t.id, handles[name]); err != nil {
			return fmt.Errorf("kafka: task %d: recovering 2PC sink %s: %w", t.id, name, err)
		}
	}
	t.recovered = true
	return nil
}

// flushAtLeastOnce waits for the at-least-once outputs of this commit.
func (r *runner) flushAtLeastOnce(ctx context.Context) error {
	if r.alo == nil {
		return nil
	}
	if err := r.alo.Flush(ctx); err != nil {
		return fmt.Errorf("flushing at-least-once outputs: %w", err)
	}
	r.aloMu.Lock()
	err := r.aloErr
	r.aloErr = nil
	r.aloMu.Unlock()
	if err != nil {
		return fmt.Errorf("producing at-least-once outputs: %w", err)
	}
	return nil
}
