package runtime

import (
	"errors"
	"math"
)

// Context is the per-task view an operator gets with each value: the
// current key, the event timestamp, the watermark, processing time, the
// current operator's timers, and the source record. One Context exists per
// task; operators must not keep it or its slices beyond the call.
type Context struct {
	task   *Task
	key    []byte
	keyed  bool
	ts     int64
	timers *TimerService
	rec    *Record
	// prev is the cache entry of the keyed state a window operator last
	// looked up for this record and key: the next one looks its own up
	// through prev's sibling (lruNode.sibling).
	prev *lruNode
}

func (c *Context) reset() {
	c.key, c.keyed, c.ts, c.timers, c.rec, c.prev = nil, false, 0, nil, nil, nil
}

// siblingHint returns the hint for the next keyed state this record looks
// up: the sibling slot of the last one's cache entry, or, with none,
// fallback.
func (c *Context) siblingHint(fallback **lruNode) **lruNode {
	if p := c.prev; p != nil && p.self != nil {
		return &p.sibling
	}
	return fallback
}

// Key returns the current key bytes (as encoded by the upstream KeyBy, or
// the source record's key). It is only valid during the call.
func (c *Context) Key() []byte { return c.key }

// Keyed reports whether there is a current key.
func (c *Context) Keyed() bool { return c.keyed }

// SetKey makes k the current key for the rest of this call; the Context
// does not copy k.
func (c *Context) SetKey(k []byte) { c.key, c.keyed, c.prev = k, true, nil }

// KeyAs decodes the current key with codec (the codec its KeyBy used).
func KeyAs[K any](c *Context, codec Codec[K]) (K, error) {
	if !c.keyed {
		var zero K
		return zero, ErrNoKey
	}
	return codec.Decode(c.key)
}

// Timestamp returns the event time of the current value (ms since epoch):
// the record's event time, or a timer's time inside a timer callback, or
// the window's max timestamp for window results.
func (c *Context) Timestamp() int64 { return c.ts }

// SetTimestamp changes the event time of the current value for downstream
// operators of this call.
func (c *Context) SetTimestamp(ts int64) { c.ts = ts }

// Watermark returns the task's current event-time watermark; inside the
// firing of event-time timers of time T, T-1 when that is lower (below).
func (c *Context) Watermark() int64 {
	wm := c.task.wm.Current()
	// While event-time timers of time T fire, the operators see the
	// watermark just before T: what a timer emits (a window's result at
	// its end, a join's output at its left record's time) reaches the
	// operators after it as on time, as in Flink, where the new
	// watermark reaches an operator only after the operators before it
	// have fired their timers. Their own timers of time T fire after
	// (RegisterTimerHandler), in the same round.
	if f := &c.task.firing; f.active && f.domain == EventTime && f.now != math.MinInt64 && f.now-1 < wm {
		return f.now - 1
	}
	return wm
}

// ProcessingTime returns the task's processing time (ms since epoch).
func (c *Context) ProcessingTime() int64 { return c.task.procTime }

// TaskID returns the task (partition number) being processed.
func (c *Context) TaskID() TaskID { return c.task.id }

// Task returns the task being processed.
func (c *Context) Task() *Task { return c.task }

// Record returns the source record being processed, or nil inside timer
// callbacks.
func (c *Context) Record() *Record { return c.rec }

// ErrNoTimers is returned when a timer is set outside a process operator.
var ErrNoTimers = errors.New("runtime: timers are only available inside a process operator")

func (c *Context) timerService() (*TimerService, error) {
	if c.timers == nil {
		return nil, ErrNoTimers
	}
	if !c.keyed {
		return nil, ErrNoKey
	}
	return c.timers, nil
}

// RegisterEventTimer sets an event-time timer for the current key at at.
func (c *Context) RegisterEventTimer(at int64) error {
	s, err := c.timerService()
	if err != nil {
		return err
	}
	return s.Register(EventTime, c.key, nil, at)
}

// DeleteEventTimer deletes the current key's event-time timer at at.
func (c *Context) DeleteEventTimer(at int64) error {
	s, err := c.timerService()
	if err != nil {
		return err
	}
	return s.Delete(EventTime, c.key, nil, at)
}

// RegisterProcessingTimer sets a processing-time timer for the current key.
func (c *Context) RegisterProcessingTimer(at int64) error {
	s, err := c.timerService()
	if err != nil {
		return err
	}
	return s.Register(ProcessingTime, c.key, nil, at)
}

// DeleteProcessingTimer deletes the current key's processing-time timer.
func (c *Context) DeleteProcessingTimer(at int64) error {
	s, err := c.timerService()
	if err != nil {
		return err
	}
	return s.Delete(ProcessingTime, c.key, nil, at)
}
