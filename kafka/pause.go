package kafka

import (
	"math"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// PauseReason says why the runner stopped fetching an input partition.
type PauseReason string

// The reasons an input partition is paused.
const (
	// PauseTaskNotReady: the partition was just assigned and its task is
	// not open yet (restoring from its changelog, or waiting for its
	// committed offsets to recover two-phase-commit sinks). Fetching starts
	// once the task can take records, so no polled record has to be
	// thrown back by an abort.
	PauseTaskNotReady PauseReason = "task-not-ready"
	// PauseWatermarkAlignment: the partition's watermark is more than
	// MaxWatermarkDrift ahead of the slowest input partition of the
	// instance (see MaxWatermarkDrift).
	PauseWatermarkAlignment PauseReason = "watermark-alignment"
)

// pauseBits is the set of reasons an input partition is paused for.
type pauseBits uint8

const (
	pauseNotReady pauseBits = 1 << iota
	pauseAhead
)

func (b pauseBits) reason() PauseReason {
	if b&pauseAhead != 0 {
		return PauseWatermarkAlignment
	}
	return PauseTaskNotReady
}

type topicPart struct {
	topic     string
	partition int32
}

// pauseState is what the runner paused an input partition for, and, for
// watermark alignment, the watermarks it saw when it last decided.
type pauseState struct {
	bits    pauseBits
	wm, min int64
	since   time.Time // when it was paused for alignment
}

// MaxWatermarkDrift turns on watermark alignment: an input partition of
// this instance whose watermark is more than d ahead of the lowest
// watermark over the input partitions of all the pipeline's instances is
// paused (no longer fetched) until the lowest one catches up to within d,
// and for one second at least unless it becomes the lowest itself, so
// that a partition with a backlog far ahead in event time does not fill
// window and join state while it waits for the others (Flink's watermark
// alignment). The instances share their lowest watermarks through the
// topic <pipeline name>-watermarks, created at start when missing (one
// partition, cleanup.policy=delete), once a second each; an instance
// learns the others' within a second of starting, and one that stops
// reporting for five seconds no longer holds the others back
// (align_group.go). Idle inputs and partitions whose input has
// no watermark yet do not hold the others back; records already polled
// are always processed; pauses end when a partition is revoked or lost.
// A partition that stops receiving records without becoming idle (see
// runtime.WatermarkStrategy.IdleTimeout) holds the others back until it
// receives more, so give inputs an idle timeout when some partitions may
// go quiet. Reading a backlog whose partitions are evenly spread in event
// time, alignment costs throughput (BenchmarkRunner: 20-35% at a
// 1-minute drift), because a paused partition's buffered fetch is dropped
// and fetched again. Default: the spec's watermark_alignment.max_drift
// (runtime.PipelineSpec.MaxWatermarkDrift), off when it has none; 0 turns
// it off whatever the spec says.
func MaxWatermarkDrift(d time.Duration) Opt {
	return optFunc(func(c *config) { c.maxDrift, c.maxDriftSet = d, true })
}

// alignInterval is the least time a partition stays paused for watermark
// alignment, unless it becomes the slowest (Flink's watermark alignment
// decides once per update interval, one second by default).
const alignInterval = time.Second

// pauseOnAssign is the start of a pause that fetching must not pass: the
// OnPartitionsAssigned callback pauses the new partitions before franz-go
// fetches their offsets and records. The loop records the pause when it
// handles the assignment, and resumes the partitions once their tasks can
// take records.
func pauseOnAssign(cl *kgo.Client, m map[string][]int32) {
	if len(m) > 0 {
		cl.PauseFetchPartitions(m)
	}
}

// resumeOnRevoke resumes partitions that leave this instance as soon as
// franz-go says so: its pauses outlive a rebalance, so a partition paused
// here and assigned back later would never be fetched again. The loop
// drops its record of the pause when it handles the revocation.
func resumeOnRevoke(cl *kgo.Client, m map[string][]int32) {
	if len(m) > 0 {
		cl.ResumeFetchPartitions(m)
	}
}

// setPause turns reason bit on or off for an input partition, pausing or
// resuming the session's fetching of it when that changes whether it is
// paused at all, and tells the Observer (and the log, for alignment).
// wm and minWM are the watermarks the alignment decision saw.
func (r *runner) setPause(tp topicPart, bit pauseBits, on bool, wm, minWM int64, why string) {
	st := r.paused[tp]
	before := st.bits
	if on {
		st.bits |= bit
	} else {
		st.bits &^= bit
	}
	if bit == pauseAhead && on {
		st.wm, st.min = wm, minWM
		if before&pauseAhead == 0 {
			st.since = time.Now()
		}
	}
	if st.bits == 0 {
		delete(r.paused, tp)
	} else {
		r.paused[tp] = st
	}
	if bit == pauseAhead && (before&pauseAhead != 0) != on {
		msg := "input partition resumed"
		if on {
			msg = "input partition paused for watermark alignment"
		}
		r.log.Info(msg, "topic", tp.topic, "partition", tp.partition, "why", why,
			"watermark", wmTime(wm), "min_watermark", wmTime(minWM), "max_drift", r.cfg.maxDrift)
	}
	if (before != 0) == (st.bits != 0) {
		return
	}
	m := map[string][]int32{tp.topic: {tp.partition}}
	reason := bit.reason()
	if st.bits != 0 {
		if r.sess != nil {
			r.sess.Client().PauseFetchPartitions(m)
		}
		r.obs.PartitionPaused(tp.topic, tp.partition, true, reason)
		return
	}
	if r.sess != nil {
		r.sess.Client().ResumeFetchPartitions(m)
	}
	r.obs.PartitionPaused(tp.topic, tp.partition, false, reason)
}

// dropPauses forgets every pause of tp (revoked or lost: franz-go's pause
// is lifted too, so the partition is fetched if it comes back).
func (r *runner) dropPauses(tp topicPart, why string) {
	st, ok := r.paused[tp]
	if !ok {
		return
	}
	if st.bits&pauseAhead != 0 {
		r.setPause(tp, pauseAhead, false, st.wm, st.min, why)
	}
	if st.bits&pauseNotReady != 0 {
		r.setPause(tp, pauseNotReady, false, runtime.NoWatermark, runtime.NoWatermark, why)
	}
}

// clearPauses forgets every pause at the end of a session (its client,
// and the pauses with it, are gone).
func (r *runner) clearPauses(why string) {
	for tp := range r.paused {
		r.dropPauses(tp, why)
	}
}

// resumeReady resumes the partitions paused for their task whose task can
// take records now, and forgets pauses of partitions no longer owned.
func (r *runner) resumeReady() {
	for tp, st := range r.paused {
		if !r.owned[tp.topic][tp.partition] {
			r.dropPauses(tp, "not assigned")
			continue
		}
		if st.bits&pauseNotReady == 0 {
			continue
		}
		if t := r.tasks[tp.partition]; t != nil && t.ready() {
			r.setPause(tp, pauseNotReady, false, runtime.NoWatermark, runtime.NoWatermark, "task ready")
		}
	}
}

// align applies watermark alignment after a poll: over the owned input
// partitions of tasks that can take records, whose input has a watermark
// and is not idle (a partition paused for alignment counts even when its
// input went idle: it went quiet because it is paused), a partition whose
// watermark is more than MaxWatermarkDrift above the lowest one is paused,
// and the others are resumed once paused for alignInterval (the lowest at
// once). The lowest partition is never paused, so
// something is always fetched; when all the others are idle the last one
// is the lowest and runs.
func (r *runner) align() {
	if r.cfg.maxDrift <= 0 {
		return
	}
	now := time.Now()
	cands := r.alignBuf[:0]
	minWM := int64(math.MaxInt64)
	for topic, ps := range r.owned {
		src := r.match.sourceTopic(topic)
		for p := range ps {
			t := r.tasks[p]
			if t == nil || !t.ready() {
				continue
			}
			tp := topicPart{topic, p}
			wm, idle, ok := t.rt.Watermarks().InputWatermark(src)
			ahead := r.paused[tp].bits&pauseAhead != 0
			if !ok || wm == runtime.NoWatermark || (idle && !ahead) {
				continue
			}
			cands = append(cands, alignCand{tp: tp, wm: wm})
			minWM = min(minWM, wm)
		}
	}
	r.alignBuf = cands
	aheadOf := "ahead"
	if r.group != nil {
		// The lowest watermark of the whole pipeline: this instance's
		// (none when it has no candidate) goes to the others, and theirs
		// lower the bound here.
		mine := minWM
		if len(cands) == 0 {
			mine = runtime.NoWatermark
		}
		r.group.publish(mine)
		if low, from := r.group.lowest(); low < minWM {
			minWM, aheadOf = low, "ahead of instance "+from
		}
	}
	if report := minWM; report != r.alignWM {
		r.alignWM = report
		if report == math.MaxInt64 {
			report = runtime.NoWatermark
		}
		r.obs.AlignmentWatermark(report)
	}
	limit := minWM
	if d := r.cfg.maxDrift.Milliseconds(); limit <= math.MaxInt64-d {
		limit += d
	} else {
		limit = math.MaxInt64
	}
	for _, c := range cands {
		on := c.wm > limit
		st := r.paused[c.tp]
		if !on && st.bits&pauseAhead != 0 && c.wm > minWM && now.Sub(st.since) < alignInterval {
			// A paused partition's buffered fetch is dropped, and
			// resuming it right away flipped partitions poll after poll,
			// fetching their data again each time: a partition stays
			// paused for alignInterval at least, unless it is the
			// slowest.
			continue
		}
		if on != (st.bits&pauseAhead != 0) {
			why := "caught up"
			if on {
				why = aheadOf
			}
			r.setPause(c.tp, pauseAhead, on, c.wm, minWM, why)
		}
	}
	for tp, st := range r.paused {
		if st.bits&pauseAhead == 0 || isCand(cands, tp) {
			continue
		}
		r.setPause(tp, pauseAhead, false, st.wm, st.min, "no longer aligned (task closed)")
	}
}

type alignCand struct {
	tp topicPart
	wm int64
}

func isCand(cs []alignCand, tp topicPart) bool {
	for _, c := range cs {
		if c.tp == tp {
			return true
		}
	}
	return false
}

// wmTime renders a watermark for the log.
func wmTime(wm int64) any {
	if wm == runtime.NoWatermark {
		return "none"
	}
	return time.UnixMilli(wm).UTC()
}
