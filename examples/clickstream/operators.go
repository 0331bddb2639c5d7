package clickstream

import (
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// This file is the business logic: one small type per operator of
// streamgen.yaml that runs user code. The generated operators.gen.go says
// which methods each needs; a mismatch is a compile error in NewOperators.
//
// The same values serve every task (partition), possibly on several
// goroutines at once, so they hold no per-user data: that lives in the
// window accumulators, which the runtime keeps in pebble.

// NewOperators returns the pipeline's business logic, ready for
// NewPipeline or NewTestDriver.
func NewOperators() Operators {
	return Operators{
		Humans:    Humans{},
		PageViews: PageViews{},
		Views:     Views{},
		Sessions:  Sessions{},
	}
}

// Humans drops the clicks the tracker flagged as coming from bots and
// crawlers.
type Humans struct{}

// Filter keeps clicks of people.
func (Humans) Filter(_ *runtime.Context, c Click) (bool, error) {
	return !c.IsBot, nil
}

// PageViews keeps page views, dropping clicks, scrolls and unknown kinds.
type PageViews struct{}

// Filter keeps page views.
func (PageViews) Filter(_ *runtime.Context, c Click) (bool, error) {
	return c.Kind == ClickKindPageView, nil
}

// Views counts a user's page views, and the distinct URLs among them, in
// one window.
type Views struct{}

// CreateAccumulator starts a window with no views.
func (Views) CreateAccumulator() ViewAcc {
	return ViewAcc{Urls: map[string]int32{}}
}

// Add counts one page view.
func (Views) Add(c Click, acc ViewAcc) ViewAcc {
	if acc.Urls == nil {
		acc.Urls = map[string]int32{}
	}
	acc.Views++
	acc.Urls[c.URL]++
	return acc
}

// Merge adds b's counts to a. Tumbling windows never merge; the runtime
// calls Merge for session windows only, but the method keeps the
// accumulator correct whatever the window.
func (Views) Merge(a, b ViewAcc) ViewAcc {
	if a.Urls == nil {
		a.Urls = map[string]int32{}
	}
	for url, n := range b.Urls {
		a.Urls[url] += n
	}
	a.Views += b.Views
	return a
}

// Result turns the count of user's window w into a UserViews record. It
// runs when the window closes and again for each late view within the
// allowed lateness, with the updated count.
func (Views) Result(user string, w runtime.Window, acc ViewAcc) (UserViews, error) {
	return UserViews{
		UserID:       user,
		WindowStart:  time.UnixMilli(w.Start).UTC(),
		WindowEnd:    time.UnixMilli(w.End).UTC(),
		Views:        acc.Views,
		DistinctUrls: int32(len(acc.Urls)),
	}, nil
}

// Sessions measures a user's engagement in one session: the events from
// the first until 30 minutes pass without one.
type Sessions struct{}

// CreateAccumulator starts an empty session.
func (Sessions) CreateAccumulator() SessionAcc { return SessionAcc{} }

// Add folds one event of any kind into the session.
func (Sessions) Add(c Click, acc SessionAcc) SessionAcc {
	if acc.Events == 0 || c.Ts.Before(acc.First) {
		acc.First = c.Ts
	}
	if acc.Events == 0 || c.Ts.After(acc.Last) {
		acc.Last = c.Ts
	}
	acc.Events++
	if c.Kind == ClickKindPageView {
		acc.PageViews++
	}
	return acc
}

// Merge joins two sessions that an event bridged.
func (Sessions) Merge(a, b SessionAcc) SessionAcc {
	switch {
	case a.Events == 0:
		return b
	case b.Events == 0:
		return a
	}
	if b.First.Before(a.First) {
		a.First = b.First
	}
	if b.Last.After(a.Last) {
		a.Last = b.Last
	}
	a.Events += b.Events
	a.PageViews += b.PageViews
	return a
}

// Result reports a finished session.
func (Sessions) Result(user string, _ runtime.Window, acc SessionAcc) (Engagement, error) {
	return Engagement{
		UserID:       user,
		SessionStart: acc.First.UTC(),
		SessionEnd:   acc.Last.UTC(),
		DurationMs:   acc.Last.Sub(acc.First).Milliseconds(),
		Events:       acc.Events,
		PageViews:    acc.PageViews,
		Bounce:       acc.PageViews <= 1,
	}, nil
}
