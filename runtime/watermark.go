package runtime

import (
	"math"
	"time"
)

// NoWatermark is the watermark before any input has produced one.
const NoWatermark int64 = math.MinInt64

// WatermarkStrategy configures one input's watermark generation: bounded
// out-of-orderness (wm = max event time seen - bound - 1 ms, as Flink) and
// idleness.
type WatermarkStrategy struct {
	// OutOfOrderness is how late (in event time) records may arrive
	// relative to the newest record seen on the same input.
	OutOfOrderness time.Duration
	// IdleTimeout, when positive, marks the input idle after that much
	// processing time without a record; an idle input stops holding the
	// task watermark back until its next record.
	IdleTimeout time.Duration
}

type inputWatermark struct {
	name       string
	bound      int64
	idle       int64 // idle timeout in ms; 0 = never idle
	maxTS      int64 // NoWatermark until the first record
	lastActive int64 // processing time of the last record (or of start)
	isIdle     bool
}

func (in *inputWatermark) watermark() int64 {
	if in.maxTS == NoWatermark {
		return NoWatermark
	}
	return satAdd(satAdd(in.maxTS, -in.bound), -1)
}

// Watermarks combines per-input watermarks into the task watermark: the
// minimum over active inputs; when every input is idle, the maximum over
// all inputs (as Flink's watermark valve does when the last active channel
// goes idle). The task watermark never goes back.
type Watermarks struct {
	inputs  []inputWatermark
	current int64
}

// NewWatermarks returns a tracker with no inputs.
func NewWatermarks() *Watermarks { return &Watermarks{current: NoWatermark} }

// AddInput adds an input and returns its index. now is the processing time
// the idleness clock starts from.
func (w *Watermarks) AddInput(name string, s WatermarkStrategy, now int64) int {
	w.inputs = append(w.inputs, inputWatermark{
		name:       name,
		bound:      s.OutOfOrderness.Milliseconds(),
		idle:       s.IdleTimeout.Milliseconds(),
		maxTS:      NoWatermark,
		lastActive: now,
	})
	return len(w.inputs) - 1
}

// Observe records an event time seen on input i at processing time now;
// the input becomes active.
func (w *Watermarks) Observe(i int, eventTime, now int64) {
	in := &w.inputs[i]
	if eventTime > in.maxTS {
		in.maxTS = eventTime
	}
	in.lastActive = now
	in.isIdle = false
}

// Update re-evaluates idleness at processing time now and returns the task
// watermark.
func (w *Watermarks) Update(now int64) int64 {
	if len(w.inputs) == 0 {
		return w.current
	}
	lowest, highest := int64(math.MaxInt64), int64(math.MinInt64)
	active := 0
	for i := range w.inputs {
		in := &w.inputs[i]
		if in.idle > 0 && !in.isIdle && now-in.lastActive >= in.idle {
			in.isIdle = true
		}
		wm := in.watermark()
		highest = max(highest, wm)
		if !in.isIdle {
			active++
			lowest = min(lowest, wm)
		}
	}
	combined := lowest
	if active == 0 {
		combined = highest
	}
	if combined > w.current {
		w.current = combined
	}
	return w.current
}

// Advance moves the task watermark to at least wm (an explicit watermark,
// as a test driver or a watermark-carrying source sends).
func (w *Watermarks) Advance(wm int64) int64 {
	if wm > w.current {
		w.current = wm
	}
	return w.current
}

// Current returns the task watermark.
func (w *Watermarks) Current() int64 { return w.current }

// Idle reports whether input i is idle.
func (w *Watermarks) Idle(i int) bool { return w.inputs[i].isIdle }

// MaxEventTime returns the newest event time seen on input i, or
// NoWatermark.
func (w *Watermarks) MaxEventTime(i int) int64 { return w.inputs[i].maxTS }

type watermarkSnapshot struct {
	current int64
	maxTS   []int64
}

func (w *Watermarks) snapshot(dst watermarkSnapshot) watermarkSnapshot {
	dst.current = w.current
	dst.maxTS = dst.maxTS[:0]
	for _, in := range w.inputs {
		dst.maxTS = append(dst.maxTS, in.maxTS)
	}
	return dst
}

func (w *Watermarks) restore(s watermarkSnapshot) {
	w.current = s.current
	for i := range w.inputs {
		if i < len(s.maxTS) {
			w.inputs[i].maxTS = s.maxTS[i]
		} else {
			w.inputs[i].maxTS = NoWatermark
		}
	}
}
