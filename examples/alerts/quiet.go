package alerts

import (
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// QuietFor is how long a user may do nothing before the alert.
const QuietFor = 10 * time.Minute

// NewOperators returns the pipeline's business logic, ready for
// NewPipeline or NewTestDriver.
func NewOperators() Operators {
	return Operators{Quiet: Quiet{}}
}

// Quiet raises an alert when a user does nothing for QuietFor. Per user it
// keeps the last activity (state last_seen) and when the last event
// arrived (state last_arrival, processing time), and two timers:
//
//   - an event-time timer at the last activity + QuietFor: it fires once
//     the watermark passes it, that is once other users' events show
//     that time has gone by (Alert kind inactive);
//   - a processing-time timer at the last arrival + QuietFor: it fires
//     after that much wall-clock time even if no event arrives at all and
//     event time stands still (Alert kind no_data).
//
// New activity moves both timers; the first to fire raises the alert and
// cancels the other, so a quiet period gives one alert. The state expires
// after a day without news, so users who left do not stay in the store.
type Quiet struct{}

// ProcessElement records one activity of user c.Key() and moves the
// deadlines.
func (Quiet) ProcessElement(c *QuietContext, a Activity, _ *runtime.Emitter[Alert]) error {
	now := c.ProcessingTime()
	if arrived, ok, err := c.State.LastArrival.Get(c.Context); err != nil {
		return err
	} else if ok {
		if err := c.DeleteProcessingTimer(arrived + QuietFor.Milliseconds()); err != nil {
			return err
		}
	}
	if err := c.State.LastArrival.Set(c.Context, now); err != nil {
		return err
	}
	if err := c.RegisterProcessingTimer(now + QuietFor.Milliseconds()); err != nil {
		return err
	}

	last, seen, err := c.State.LastSeen.Get(c.Context)
	if err != nil {
		return err
	}
	if seen && !a.Ts.After(last.Ts) {
		// Out of order: an older activity does not move the deadline, but
		// the state is written again so that its TTL starts over.
		return c.State.LastSeen.Set(c.Context, last)
	}
	if seen {
		if err := c.DeleteEventTimer(deadline(last)); err != nil {
			return err
		}
	}
	if err := c.State.LastSeen.Set(c.Context, a); err != nil {
		return err
	}
	return c.RegisterEventTimer(deadline(a))
}

// OnTimer raises the alert when a deadline passes, and cancels the timer
// of the other clock.
func (Quiet) OnTimer(c *QuietContext, tm runtime.Timer, out *runtime.Emitter[Alert]) error {
	last, seen, err := c.State.LastSeen.Get(c.Context)
	if err != nil || !seen {
		return err // the state expired: the user is long gone
	}
	arrived, _, err := c.State.LastArrival.Get(c.Context)
	if err != nil {
		return err
	}
	kind := AlertKindInactive
	if tm.Domain == runtime.ProcessingTime {
		kind = AlertKindNoData
		err = c.DeleteEventTimer(deadline(last))
	} else {
		err = c.DeleteProcessingTimer(arrived + QuietFor.Milliseconds())
	}
	if err != nil {
		return err
	}
	return out.Emit(Alert{UserID: c.Key(), Kind: kind, LastSeen: last.Ts, LastAction: last.Action})
}

// deadline is when the event-time timer of a user last seen in a fires.
func deadline(a Activity) int64 { return a.Ts.Add(QuietFor).UnixMilli() }
