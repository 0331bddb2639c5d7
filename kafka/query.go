package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/streamgen/streamgen/runtime"
)

// Queries reads the keyed state of a running pipeline from other
// goroutines: interactive queries, as Kafka Streams has. Create one with
// NewQueries, pass it to Run with QueryOpt (or to Main), and read through
// it with the pipeline's generated Query functions (or
// runtime.QueryValue and its kin).
//
// A query reads committed state only. It runs on the runner's goroutine
// between two records, at a moment when no task has written anything
// since its last commit: at once when the pipeline is idle, else right
// after the next commit (at most the commit interval, 100ms by default,
// away), before any further record is processed. So it sees exactly the
// state a commit made durable, never a write a later abort could undo. While the instance is not
// Running (it starts, joins the group or restores tasks) a query waits.
// A key lives in the task of one partition: with several instances, the
// one that runs that partition finds it and the others answer "not
// found". Owner and Partition tell which instance that is, and
// RouteByKey sends an HTTP query there (query_owner.go). Once Run returns, queries fail with ErrQueriesStopped until Run
// starts again with the same Queries.
//
// A Queries is safe for concurrent use; queries are answered one after
// the other, between commits, so keep their reads to a few keys.
type Queries struct {
	mu      sync.Mutex
	pending []*queryReq
	running bool
	// wake asks the runner to look at the queries now, not at its next
	// commit (an instance without tasks commits rarely).
	wake  chan struct{}
	owner ownerView // query_owner.go
}

// ErrQueriesStopped is a query's error while no Run uses its Queries.
var ErrQueriesStopped = errors.New("kafka: the pipeline is not running: no state to query")

// NewQueries returns a Queries to pass to Run.
func NewQueries() *Queries { return &Queries{wake: make(chan struct{}, 1)} }

// QueryOpt lets q query the state of the pipeline Run runs. One Queries
// serves one Run at a time. Default: none.
func QueryOpt(q *Queries) Opt { return optFunc(func(c *config) { c.queries = q }) }

type queryReq struct {
	ctx   context.Context
	read  func(*runtime.Task) (bool, error)
	taken bool // the runner reads it: the asker waits for done
	done  chan queryResult
}

type queryResult struct {
	found bool
	err   error
}

var _ runtime.StateQuerier = (*Queries)(nil)

// QueryState implements runtime.StateQuerier: it runs read on this
// instance's tasks once they hold committed state only (at once on an
// idle pipeline, after the next commit on a busy one), until ctx is
// done.
func (q *Queries) QueryState(ctx context.Context, read func(*runtime.Task) (bool, error)) (bool, error) {
	req := &queryReq{ctx: ctx, read: read, done: make(chan queryResult, 1)}
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return false, ErrQueriesStopped
	}
	q.pending = append(q.pending, req)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case res := <-req.done:
		return res.found, res.err
	case <-ctx.Done():
	}
	q.mu.Lock()
	if req.taken {
		// The runner is reading: read's results are written until it
		// is done.
		q.mu.Unlock()
		res := <-req.done
		return res.found, res.err
	}
	for i, p := range q.pending {
		if p == req {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			break
		}
	}
	q.mu.Unlock()
	return false, ctx.Err()
}

// start lets queries in; stop fails the waiting ones and keeps new ones
// out.
func (q *Queries) start() {
	q.mu.Lock()
	q.running = true
	q.mu.Unlock()
}

func (q *Queries) stop() {
	q.detach()
	q.mu.Lock()
	reqs := q.pending
	q.pending, q.running = nil, false
	q.mu.Unlock()
	for _, req := range reqs {
		req.done <- queryResult{err: ErrQueriesStopped}
	}
}

// waiting reports whether a query waits.
func (q *Queries) waiting() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending) > 0
}

// take returns the waiting queries, marked as taken.
func (q *Queries) take() []*queryReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	reqs := q.pending
	q.pending = nil
	for _, req := range reqs {
		req.taken = true
	}
	return reqs
}

// queryWake is the channel that says a query waits, for a poll to end
// early so that the query is answered at once; nil (never ready) without
// Queries, or when a task holds uncommitted writes: then the query waits
// for the commit, and the poll is not cut short for nothing.
func (r *runner) queryWake() <-chan struct{} {
	if r.cfg.queries == nil {
		return nil
	}
	if !r.committedState() {
		return nil
	}
	return r.cfg.queries.wake
}

// committedState reports whether every task holds the state of its last
// commit: no write since that a later abort could undo.
func (r *runner) committedState() bool {
	for _, t := range r.tasks {
		if t.rt.Uncommitted() {
			return false
		}
	}
	return true
}

// serveQueries answers the waiting queries with the tasks' state, when
// every task holds the state of its last commit (right after a commit,
// or while no record changed anything since) and the instance is
// Running (every assigned partition has its task open); else the
// queries wait for a later call. The runner calls it once per turn of
// its loop, with no records in hand.
func (r *runner) serveQueries() {
	q := r.cfg.queries
	if q == nil || r.state != StateRunning || !q.waiting() || !r.committedState() {
		return
	}
	ids := make([]int32, 0, len(r.tasks))
	for id := range r.tasks {
		ids = append(ids, id)
	}
	reqs := q.take()
	if len(reqs) == 0 {
		return
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, req := range reqs {
		req.done <- r.answer(req, ids)
	}
}

// answer runs one query's read on the tasks ids in turn. A read that
// panics fails its query, not the pipeline.
func (r *runner) answer(req *queryReq, ids []int32) (res queryResult) {
	defer func() {
		if p := recover(); p != nil {
			res = queryResult{err: fmt.Errorf("kafka: query panicked: %v", p)}
		}
	}()
	for _, id := range ids {
		if err := req.ctx.Err(); err != nil {
			return queryResult{err: err}
		}
		found, err := req.read(r.tasks[id].rt)
		if err != nil {
			return queryResult{err: fmt.Errorf("kafka: query of task %d: %w", id, err)}
		}
		if found {
			return queryResult{found: true}
		}
	}
	return queryResult{}
}
