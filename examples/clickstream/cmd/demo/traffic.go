package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/runtime/codec"
)

// sentClick is one click as the trackers send it: to which topic, and
// when it reaches Kafka (its event time plus the network's delay).
type sentClick struct {
	click   clickstream.Click
	topic   string
	arrives time.Time
}

// traffic is a simulated day of clicks, in the order they reach Kafka,
// and what the pipeline should make of them.
type traffic struct {
	sent []sentClick
	// pageViews and events count what people (not bots) did, per user:
	// what the pipeline's outputs must add up to.
	pageViews map[string]int64
	events    map[string]int64
	// delayed counts clicks that arrive later than the 5s out-of-orderness
	// bound: some within the 30s allowed lateness, some after it.
	delayed int
	last    time.Time // the latest event time
}

// The simulated site.
var (
	sections = []string{"docs", "blog", "pricing", "shop", "help"}
	referrer = []string{"https://search.example/", "https://social.example/", "https://news.example/"}
)

// simulate makes users' sessions (a burst of page views, clicks and
// scrolls, then more than 30 minutes of quiet) from 08:00 on until about
// events clicks exist, plus three crawlers, and delivers them with
// realistic delays: mostly under a second, some a few seconds out of
// order, a few much later.
func simulate(rng *rand.Rand, users, events int) *traffic {
	start := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	tr := &traffic{pageViews: map[string]int64{}, events: map[string]int64{}}
	var clicks []sentClick
	next := make([]time.Time, users) // when each user's next session starts
	for u := range next {
		next[u] = start.Add(time.Duration(rng.IntN(3600)) * time.Second)
	}
	for len(clicks) < events {
		// The user whose next session starts first.
		u := 0
		for i := range next {
			if next[i].Before(next[u]) {
				u = i
			}
		}
		clicks = session(rng, clicks, fmt.Sprintf("user-%04d", u+1), next[u])
		last := clicks[len(clicks)-1].click.Ts
		next[u] = last.Add(31*time.Minute + time.Duration(rng.IntN(90*60))*time.Second)
	}
	var end time.Time
	for _, c := range clicks {
		end = maxTime(end, c.click.Ts)
	}
	for i := range 3 {
		clicks = crawl(rng, clicks, fmt.Sprintf("crawler-%d", i+1), start, end)
	}
	for i := range clicks {
		c := &clicks[i]
		c.arrives = c.click.Ts.Add(delay(rng))
		if c.arrives.Sub(c.click.Ts) > 5*time.Second {
			tr.delayed++
		}
		if !c.click.IsBot {
			tr.events[c.click.UserID]++
			if c.click.Kind == clickstream.ClickKindPageView {
				tr.pageViews[c.click.UserID]++
			}
		}
		tr.last = maxTime(tr.last, c.click.Ts)
	}
	slices.SortStableFunc(clicks, func(a, b sentClick) int { return a.arrives.Compare(b.arrives) })
	tr.sent = clicks
	return tr
}

// session appends one session of user starting at t: one page view in
// five sessions is all there is (a bounce), the others go on for up to a
// hundred events, 3 to 40 seconds apart. A
// session comes from the web site or, one in five, from the mobile app.
func session(rng *rand.Rand, clicks []sentClick, user string, t time.Time) []sentClick {
	topic := "web-clicks"
	if rng.IntN(5) == 0 {
		topic = "app-clicks"
	}
	n := 1
	if rng.IntN(5) != 0 {
		n = 2 + rng.IntN(100)
	}
	sessionID := codec.NewRandomUUID().String()
	url := page(rng)
	for i := range n {
		kind := clickstream.ClickKindPageView
		switch r := rng.IntN(20); {
		case i == 0 || r < 13:
			url = page(rng)
		case r < 18:
			kind = clickstream.ClickKindClick
		default:
			kind = clickstream.ClickKindScroll
		}
		c := clickstream.Click{
			EventID:    codec.NewRandomUUID(),
			UserID:     user,
			SessionID:  sessionID,
			Ts:         t,
			Kind:       kind,
			URL:        url,
			DurationMs: int64(rng.IntN(90_000)),
			Tags:       []string{},
			Attrs:      map[string]string{"device": strings.TrimSuffix(topic, "-clicks")},
		}
		if i == 0 && rng.IntN(2) == 0 {
			c.Referrer = &referrer[rng.IntN(len(referrer))]
		}
		clicks = append(clicks, sentClick{click: c, topic: topic})
		t = t.Add(time.Duration(3+rng.IntN(38)) * time.Second)
	}
	return clicks
}

// crawl appends a crawler's page views, one every 10 to 30 seconds from
// start to end, flagged as a bot by the tracker.
func crawl(rng *rand.Rand, clicks []sentClick, bot string, start, end time.Time) []sentClick {
	for t := start; t.Before(end); t = t.Add(time.Duration(10+rng.IntN(20)) * time.Second) {
		clicks = append(clicks, sentClick{topic: "web-clicks", click: clickstream.Click{
			EventID:   codec.NewRandomUUID(),
			UserID:    bot,
			SessionID: bot,
			Ts:        t,
			Kind:      clickstream.ClickKindPageView,
			URL:       page(rng),
			Tags:      []string{"crawler"},
			Attrs:     map[string]string{},
			IsBot:     true,
		}})
	}
	return clicks
}

// page returns a random page of the site.
func page(rng *rand.Rand) string {
	return fmt.Sprintf("https://www.example.com/%s/%d", sections[rng.IntN(len(sections))], rng.IntN(40))
}

// delay returns how long a click takes from the browser to Kafka: under a
// second for most, up to 4s for one in ten (out of order, but within the
// pipeline's 5s bound), 10 to 25s for one in a hundred (late, within the
// 30s allowed lateness) and 40 to 90s for one in three hundred (too late
// for its minute: it goes to late-views).
func delay(rng *rand.Rand) time.Duration {
	switch r := rng.IntN(300); {
	case r == 0:
		return time.Duration(40+rng.IntN(50)) * time.Second
	case r < 3:
		return time.Duration(10+rng.IntN(15)) * time.Second
	case r < 33:
		return time.Duration(rng.IntN(4000)) * time.Millisecond
	default:
		return time.Duration(rng.IntN(1000)) * time.Millisecond
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
