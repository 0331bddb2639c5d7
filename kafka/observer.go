// Package kafka runs generated pipelines against Kafka with franz-go:
// partition-aligned sources, transactional sinks, the exactly-once commit
// protocol with a changelog per task, Schema Registry framing, topic checks
// at start, metrics, and the embedded development broker.
package kafka

import (
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// Observer receives what the runner does, for metrics and logs. Methods are
// called from the runner's goroutines, several at once with
// TaskParallelism above 1 (the default on more than one core), and must
// not block. The Prometheus implementation is NewMetrics; NopObserver
// ignores everything.
type Observer interface {
	// RecordsIn counts records read from an input partition.
	RecordsIn(topic string, partition int32, n int)
	// RecordsOut counts records written to an output topic.
	RecordsOut(topic string, n int)
	// Lag reports an input partition's consumer lag (high watermark minus
	// the next offset to read).
	Lag(topic string, partition int32, lag int64)
	// Watermark reports a task's event-time watermark (ms since the epoch).
	Watermark(task int32, watermark int64)
	// Committed reports one finished commit: its duration, the records it
	// carried (outputs plus changelog) and their bytes.
	Committed(d time.Duration, records int, bytes int64)
	// Aborted reports a commit that was aborted, with the reason.
	Aborted(reason error)
	// StateSize reports a task's local state size in bytes (an estimate).
	StateSize(task int32, bytes int64)
	// StateCache reports a task's write-back cache: its entries now, and
	// its hits, misses, evictions and reads of pebble since the task
	// opened (a task that opens again starts from zero).
	StateCache(task int32, stats runtime.CacheStats)
	// DeadLettered counts a record sent to a dead-letter topic.
	DeadLettered(topic string)
	// TasksAssigned reports the tasks this instance runs now.
	TasksAssigned(tasks []int32)
	// PartitionPaused reports that the runner stopped (paused true) or
	// started again (false) fetching an input partition, and why: the
	// reason that began the pause, or the last one to end.
	PartitionPaused(topic string, partition int32, paused bool, reason PauseReason)
	// AlignmentWatermark reports, with watermark alignment on, the lowest
	// watermark over the input partitions of all the pipeline's instances
	// that this instance aligns to (ms since the epoch; NoWatermark when
	// there is none), when it changes.
	AlignmentWatermark(watermark int64)
	// Restored reports that tasks opened on this instance were restored
	// from the changelog: the changelog records replayed (0 when local
	// state was current) and the time it took, before the tasks process.
	Restored(tasks []int32, records int, took time.Duration)
	// StateChanged reports the instance's new state: Starting when Run
	// begins, Rebalancing while it joins the group or restores tasks,
	// Running, Stopping, and Stopped or Failed when Run returns.
	StateChanged(state RunState)
}

// NopObserver is an Observer that ignores everything.
type NopObserver struct{}

func (NopObserver) RecordsIn(string, int32, int)                     {}
func (NopObserver) RecordsOut(string, int)                           {}
func (NopObserver) Lag(string, int32, int64)                         {}
func (NopObserver) Watermark(int32, int64)                           {}
func (NopObserver) Committed(time.Duration, int, int64)              {}
func (NopObserver) Aborted(error)                                    {}
func (NopObserver) StateSize(int32, int64)                           {}
func (NopObserver) StateCache(int32, runtime.CacheStats)             {}
func (NopObserver) DeadLettered(string)                              {}
func (NopObserver) TasksAssigned([]int32)                            {}
func (NopObserver) PartitionPaused(string, int32, bool, PauseReason) {}
func (NopObserver) AlignmentWatermark(int64)                         {}
func (NopObserver) Restored([]int32, int, time.Duration)             {}
func (NopObserver) StateChanged(RunState)                            {}
