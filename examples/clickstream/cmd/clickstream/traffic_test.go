package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
	"github.com/streamgen/streamgen/runtime/codec"
)

// The crash test's input: users' sessions of clicks in event-time order,
// a crawler's page views (bots, filtered out), and a few corrupt records
// (dead-lettered). Arrival order is event time plus a delay under 4 s, so
// on every topic partition a click is never more than 4 s older than one
// sent before it: within the pipeline's 5 s out-of-orderness bound, so no
// click is ever late whatever the interleaving of the two topics, and the
// expected results follow from the clicks alone.

// viewKey names one user's minute of user-views.
type viewKey struct {
	user  string
	start int64 // window start, ms since the epoch
}

// wantViews is one expected user-views result.
type wantViews struct {
	views int64
	urls  map[string]bool
}

// sessionKey names one user's session of user-engagement.
type sessionKey struct {
	user  string
	start int64 // first event, ms since the epoch
}

// sentClick is a click and where it goes.
type sentClick struct {
	click   clickstream.Click
	topic   string
	arrives time.Time
	poison  bool // sent truncated: not a decodable Click
}

// traffic is the whole input and the exact expected outputs.
type traffic struct {
	sent     []sentClick
	views    map[viewKey]*wantViews
	sessions map[sessionKey]clickstream.Engagement
	poison   int
	last     time.Time // the latest event time
}

// inputTopics are the pipeline's input topics.
var inputTopics = []string{"web-clicks", "app-clicks"}

// simulate makes about events clicks of users from a deterministic seed:
// sessions of 1 to 100 events 3 to 40 s apart, each on one topic (web or
// app, half and half), separated by 31 to 120 minutes of quiet; one
// crawler's page views every 5 to 30 s; poison corrupt records spread
// over the stream.
func simulate(seed uint64, users, events, poison int) *traffic {
	rng := rand.New(rand.NewPCG(seed, 4))
	start := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	tr := &traffic{views: map[viewKey]*wantViews{}, sessions: map[sessionKey]clickstream.Engagement{}}
	next := make([]time.Time, users)
	for u := range next {
		next[u] = start.Add(time.Duration(rng.IntN(3_600_000)) * time.Millisecond)
	}
	var clicks []sentClick
	for len(clicks) < events {
		u := 0
		for i := range next {
			if next[i].Before(next[u]) {
				u = i
			}
		}
		user := fmt.Sprintf("user-%05d", u)
		topic := inputTopics[rng.IntN(2)]
		n := 1 + rng.IntN(100)
		sessionID := uuid(rng).String()
		t := next[u]
		eng := clickstream.Engagement{UserID: user, SessionStart: t}
		for i := range n {
			kind := clickstream.ClickKindPageView
			if r := rng.IntN(10); i > 0 && r >= 6 {
				kind = clickstream.ClickKind(1 + r%2) // a click or a scroll
			}
			c := clickstream.Click{
				EventID:    uuid(rng),
				UserID:     user,
				SessionID:  sessionID,
				Ts:         t,
				Kind:       kind,
				URL:        fmt.Sprintf("https://www.example.com/p/%d", rng.IntN(30)),
				DurationMs: int64(rng.IntN(60_000)),
				Tags:       []string{},
				Attrs:      map[string]string{"src": topic},
			}
			clicks = append(clicks, sentClick{click: c, topic: topic})
			eng.Events++
			eng.SessionEnd = t
			if kind == clickstream.ClickKindPageView {
				eng.PageViews++
				k := viewKey{user, t.Truncate(time.Minute).UnixMilli()}
				w := tr.views[k]
				if w == nil {
					w = &wantViews{urls: map[string]bool{}}
					tr.views[k] = w
				}
				w.views++
				w.urls[c.URL] = true
			}
			if i < n-1 {
				t = t.Add(time.Duration(3000+rng.IntN(37_000)) * time.Millisecond)
			}
		}
		eng.DurationMs = eng.SessionEnd.Sub(eng.SessionStart).Milliseconds()
		eng.Bounce = eng.PageViews <= 1
		tr.sessions[sessionKey{user, eng.SessionStart.UnixMilli()}] = eng
		next[u] = t.Add(31*time.Minute + time.Duration(rng.IntN(89*60_000))*time.Millisecond)
	}
	for _, c := range clicks {
		if c.click.Ts.After(tr.last) {
			tr.last = c.click.Ts
		}
	}
	for t := start; t.Before(tr.last); t = t.Add(time.Duration(5000+rng.IntN(25_000)) * time.Millisecond) {
		clicks = append(clicks, sentClick{topic: "web-clicks", click: clickstream.Click{
			EventID: uuid(rng), UserID: "crawler", SessionID: "crawler", Ts: t, Kind: clickstream.ClickKindPageView,
			URL: "https://www.example.com/robots.txt", Tags: []string{"crawler"}, Attrs: map[string]string{}, IsBot: true,
		}})
	}
	for i := range clicks {
		clicks[i].arrives = clicks[i].click.Ts.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
	}
	slices.SortStableFunc(clicks, func(a, b sentClick) int { return a.arrives.Compare(b.arrives) })
	// Corrupt copies of some clicks, sent right after them.
	for k := range poison {
		i := (k + 1) * len(clicks) / (poison + 1)
		bad := clicks[i]
		bad.poison = true
		clicks = slices.Insert(clicks, i+1, bad)
	}
	tr.poison = poison
	tr.sent = clicks
	return tr
}

// uuid draws a UUID from rng, so the input is the same for a seed.
func uuid(rng *rand.Rand) codec.UUID {
	var u codec.UUID
	for i := range 2 {
		v := rng.Uint64()
		for j := range 8 {
			u[i*8+j] = byte(v >> (8 * j))
		}
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// encode returns the click in the Confluent wire format (truncated for a
// poison record).
func (s *sentClick) encode(framing *kafka.ConfluentFraming) ([]byte, error) {
	value, err := framing.Frame(nil, s.topic, false, s.click.AvroType())
	if err == nil {
		value, err = s.click.AppendAvro(value)
	}
	if err != nil {
		return nil, fmt.Errorf("encoding a click: %w", err)
	}
	if s.poison {
		value = value[:len(value)/2]
	}
	return value, nil
}
