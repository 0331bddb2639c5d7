package kafka

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/streamgen/streamgen/runtime"
)

// Handle names one pre-committed transaction of a TwoPhaseSink. It must
// be small (a file name, an id): the runner keeps the handles of a commit
// in the offset-commit metadata of the task's input partitions, inside the
// same Kafka transaction as the outputs, the changelog and the offsets,
// and Kafka bounds that metadata (offset.metadata.max.bytes, 4096 bytes by
// default, for all the handles of one task and commit).
type Handle string

// TwoPhaseSink is an external system the runner writes to exactly once
// with two-phase commit, in the shape of Flink's
// TwoPhaseCommitSinkFunction. For every commit and task that sends it
// records, the runner Begins a transaction, Writes the records, and at
// the commit calls PreCommit (the data is durable, not yet visible) and
// puts the returned handle into the Kafka transaction. If the Kafka
// transaction commits, the runner calls Commit(handle); if it aborts,
// Abort(handle). A crash between the two is repaired by Recover when the
// task is next opened (here or on another instance): the handles of the
// last committed Kafka transaction are committed (again), and every other
// pending transaction of the task is aborted.
//
// Tasks run in parallel: Begin may be called concurrently for different
// tasks, and each Txn is used by one goroutine at a time. Commit, Abort and
// Recover are called from the runner's loop, one at a time.
type TwoPhaseSink interface {
	// Begin opens a transaction for task's records of the coming commit.
	Begin(task int32) (Txn, error)
	// Commit makes a pre-committed transaction visible. It must be
	// idempotent: after a crash it is called again for handles that may
	// already be committed.
	Commit(h Handle) error
	// Abort discards a pre-committed transaction. It must be idempotent.
	Abort(h Handle) error
	// Recover runs when the runner takes task over, before the task
	// processes anything: it commits the handles in committed (their
	// Kafka transaction committed) and aborts every other transaction
	// of task the sink still holds, open or pre-committed.
	Recover(task int32, committed []Handle) error
}

// Txn is one open transaction of a TwoPhaseSink.
type Txn interface {
	// Write adds a record to the transaction. The transaction owns r.
	Write(r *runtime.OutRecord) error
	// PreCommit makes the written records durable but invisible and
	// returns the handle Commit and Abort take. No Write follows.
	PreCommit() (Handle, error)
	// Abort discards a transaction that was not pre-committed.
	Abort() error
}

// metaPrefix starts offset-commit metadata that carries 2PC handles;
// other metadata (franz-go writes the member id) is ignored.
const metaPrefix = "streamgen2pc:"

// encodeHandles encodes the handles per sink name of one task as
// offset-commit metadata, deterministically (sinks sorted by name).
func encodeHandles(handles map[string][]Handle) (string, error) {
	if len(handles) == 0 {
		return "", nil
	}
	names := make([]string, 0, len(handles))
	for n := range handles {
		names = append(names, n)
	}
	sort.Strings(names)
	type entry struct {
		Sink    string   `json:"s"`
		Handles []Handle `json:"h"`
	}
	es := make([]entry, 0, len(names))
	for _, n := range names {
		if len(handles[n]) > 0 {
			es = append(es, entry{Sink: n, Handles: handles[n]})
		}
	}
	if len(es) == 0 {
		return "", nil
	}
	b, err := json.Marshal(es)
	if err != nil {
		return "", err
	}
	return metaPrefix + string(b), nil
}

// decodeHandles parses metadata written by encodeHandles; metadata
// without the prefix holds no handles.
func decodeHandles(meta string) (map[string][]Handle, error) {
	if !strings.HasPrefix(meta, metaPrefix) {
		return nil, nil
	}
	var es []struct {
		Sink    string   `json:"s"`
		Handles []Handle `json:"h"`
	}
	if err := json.Unmarshal([]byte(meta[len(metaPrefix):]), &es); err != nil {
		return nil, fmt.Errorf("kafka: reading 2PC handles from offset metadata: %w", err)
	}
	out := make(map[string][]Handle, len(es))
	for _, e := range es {
		out[e.Sink] = append(out[e.Sink], e.Handles...)
	}
	return out, nil
}
