package main

import (
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/examples/clickstream"
)

// perfect returns the results a correct run of tr commits.
func perfect(tr *traffic) *results {
	res := &results{views: map[viewKey][]clickstream.UserViews{}, sessions: map[sessionKey][]clickstream.Engagement{}, deadLetters: map[string]int{}}
	for k, w := range tr.views {
		res.views[k] = []clickstream.UserViews{{UserID: k.user, WindowStart: time.UnixMilli(k.start), WindowEnd: time.UnixMilli(k.start + 60_000),
			Views: w.views, DistinctUrls: int32(len(w.urls))}}
	}
	for k, s := range tr.sessions {
		res.sessions[k] = []clickstream.Engagement{s}
	}
	return res
}

// TestCrashCheck proves the crash test's check catches every kind of
// mistake: on a small simulated input, a perfect result passes and each
// damaged one fails with the matching message.
func TestCrashCheck(t *testing.T) {
	tr := simulate(1, 20, 2000, 0)
	anyView := func(r *results) viewKey {
		for k := range r.views {
			return k
		}
		panic("no views")
	}
	anySession := func(r *results) sessionKey {
		for k := range r.sessions {
			return k
		}
		panic("no sessions")
	}
	cases := []struct {
		name   string
		damage func(r *results)
		want   string // "" means no error
	}{
		{"perfect", func(*results) {}, ""},
		{"lost minute", func(r *results) { delete(r.views, anyView(r)) }, "user-views minutes lost"},
		{"duplicate minute", func(r *results) { k := anyView(r); r.views[k] = append(r.views[k], r.views[k][0]) }, "user-views minutes duplicated"},
		{"wrong count", func(r *results) { k := anyView(r); r.views[k][0].Views++ }, "user-views minutes with wrong values"},
		{"extra minute", func(r *results) {
			r.views[viewKey{"nobody", 0}] = []clickstream.UserViews{{UserID: "nobody", Views: 1}}
		}, "user-views minutes that should not exist"},
		{"lost session", func(r *results) { delete(r.sessions, anySession(r)) }, "user-engagement sessions lost"},
		{"duplicate session", func(r *results) {
			k := anySession(r)
			r.sessions[k] = append(r.sessions[k], r.sessions[k][0])
		}, "user-engagement sessions duplicated"},
		{"wrong session", func(r *results) { k := anySession(r); r.sessions[k][0].Events-- }, "user-engagement sessions with wrong values"},
		{"late view", func(r *results) { r.late = append(r.late, clickstream.Click{UserID: "user-00001"}) }, "clicks on late-views"},
		{"malformed", func(r *results) { r.malformed = append(r.malformed, "user-views 0/1") }, "malformed output records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := perfect(tr)
			tc.damage(r)
			errs := tr.check(r)
			if tc.want == "" {
				if len(errs) != 0 {
					t.Fatalf("errors for a perfect result: %v", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Fatalf("errors %v, want one saying %q", errs, tc.want)
			}
		})
	}
}

// TestSimulateDeterministic checks that a seed gives the same input, and
// that the input keeps every click within the out-of-orderness bound of
// the clicks sent before it on its topic and partition, which is what
// makes the expected results exact.
func TestSimulateDeterministic(t *testing.T) {
	a, b := simulate(9, 30, 5000, 3), simulate(9, 30, 5000, 3)
	if len(a.sent) != len(b.sent) || len(a.views) != len(b.views) || len(a.sessions) != len(b.sessions) {
		t.Fatalf("two runs of seed 9: %d/%d/%d and %d/%d/%d clicks/minutes/sessions",
			len(a.sent), len(a.views), len(a.sessions), len(b.sent), len(b.views), len(b.sessions))
	}
	for i := range a.sent {
		if a.sent[i].click.EventID != b.sent[i].click.EventID {
			t.Fatalf("click %d differs between two runs of seed 9", i)
		}
	}
	maxTS := map[string]time.Time{} // by topic: a partition holds a subset
	poison := 0
	for _, s := range a.sent {
		if s.poison {
			poison++
			continue
		}
		if m, ok := maxTS[s.topic]; ok && s.click.Ts.Before(m.Add(-4*time.Second)) {
			t.Fatalf("%s click at %v sent after one at %v: more than 4s out of order", s.topic, s.click.Ts, m)
		}
		if s.click.Ts.After(maxTS[s.topic]) {
			maxTS[s.topic] = s.click.Ts
		}
	}
	if poison != 3 {
		t.Errorf("%d corrupt records, want 3", poison)
	}
}
