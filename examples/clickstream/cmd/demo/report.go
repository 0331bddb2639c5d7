package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
)

// results is what the pipeline wrote, as a read_committed consumer reads
// it.
type results struct {
	// views holds each user's minutes: the last result of each, which
	// counts the late views within the allowed lateness too.
	views map[string]map[time.Time]clickstream.UserViews
	// viewRecords counts user-views records: one per minute, and one more
	// each time a late view fired a minute again.
	viewRecords int
	sessions    map[string][]clickstream.Engagement
	late        map[string]int64 // late-views records per user
	deadLetters int
}

// readResults reads the output topics and the dead-letter topic.
func readResults(ctx context.Context, brokers []string, framing *kafka.ConfluentFraming) (*results, error) {
	res := &results{
		views:    map[string]map[time.Time]clickstream.UserViews{},
		sessions: map[string][]clickstream.Engagement{},
		late:     map[string]int64{},
	}
	views := kafka.NewAvroSerde[clickstream.UserViews](framing, false)
	recs, err := kafka.ReadCommitted(ctx, brokers, "user-views")
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		v, err := views.Decode(r.Topic, r.Value)
		if err != nil {
			return nil, fmt.Errorf("user-views offset %d: %w", r.Offset, err)
		}
		if res.views[v.UserID] == nil {
			res.views[v.UserID] = map[time.Time]clickstream.UserViews{}
		}
		// A user's records are on one partition, in the order they were
		// written: a later result for the same minute replaces the earlier.
		res.views[v.UserID][v.WindowStart] = v
		res.viewRecords++
	}
	sessions := kafka.NewAvroSerde[clickstream.Engagement](framing, false)
	if recs, err = kafka.ReadCommitted(ctx, brokers, "user-engagement"); err != nil {
		return nil, err
	}
	for _, r := range recs {
		e, err := sessions.Decode(r.Topic, r.Value)
		if err != nil {
			return nil, fmt.Errorf("user-engagement offset %d: %w", r.Offset, err)
		}
		res.sessions[e.UserID] = append(res.sessions[e.UserID], e)
	}
	late := kafka.NewAvroSerde[clickstream.Click](framing, false)
	if recs, err = kafka.ReadCommitted(ctx, brokers, "late-views"); err != nil {
		return nil, err
	}
	for _, r := range recs {
		c, err := late.Decode(r.Topic, r.Value)
		if err != nil {
			return nil, fmt.Errorf("late-views offset %d: %w", r.Offset, err)
		}
		res.late[c.UserID]++
	}
	if recs, err = kafka.ReadCommitted(ctx, brokers, "clicks-dlq"); err != nil {
		return nil, err
	}
	res.deadLetters = len(recs)
	return res, nil
}

// userSummary is one row of the table of top users.
type userSummary struct {
	user              string
	views, late       int64
	minutes, busiest  int64
	sessions, bounces int
	avgSession        time.Duration
}

// printTopUsers prints the n users with the most page views.
func (r *results) printTopUsers(w io.Writer, n int) {
	var rows []userSummary
	for user, minutes := range r.views {
		s := userSummary{user: user, late: r.late[user], minutes: int64(len(minutes)), sessions: len(r.sessions[user])}
		for _, v := range minutes {
			s.views += v.Views
			s.busiest = max(s.busiest, v.Views)
		}
		var total time.Duration
		for _, e := range r.sessions[user] {
			total += time.Duration(e.DurationMs) * time.Millisecond
			if e.Bounce {
				s.bounces++
			}
		}
		if s.sessions > 0 {
			s.avgSession = (total / time.Duration(s.sessions)).Round(time.Second)
		}
		rows = append(rows, s)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].views != rows[j].views {
			return rows[i].views > rows[j].views
		}
		return rows[i].user < rows[j].user
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "user\tpage views\tactive minutes\tbusiest minute\tsessions\tavg session\tbounces\tlate views\t")
	for _, s := range rows[:min(n, len(rows))] {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%d\t%d\t\n", s.user, s.views, s.minutes, s.busiest, s.sessions, s.avgSession, s.bounces, s.late)
	}
	tw.Flush()
}

// check compares the outputs with what was sent and prints the
// comparison: every page view of a person is counted exactly once, in
// its minute's last result or on late-views; every event of a person is
// in exactly one session; every corrupt record is on the dead-letter
// topic. It returns errMismatch when anything differs.
func (r *results) check(w io.Writer, tr *traffic, poison int) error {
	var sentViews, sentEvents, counted, late, inSessions int64
	var users []string
	for user, n := range tr.pageViews {
		sentViews += n
		users = append(users, user)
	}
	for _, n := range tr.events {
		sentEvents += n
	}
	for _, minutes := range r.views {
		for _, v := range minutes {
			counted += v.Views
		}
	}
	for _, n := range r.late {
		late += n
	}
	for _, sessions := range r.sessions {
		for _, e := range sessions {
			inSessions += e.Events
		}
	}
	sort.Strings(users)
	var wrong []string
	for _, user := range users {
		var n int64
		for _, v := range r.views[user] {
			n += v.Views
		}
		var events int64
		for _, e := range r.sessions[user] {
			events += e.Events
		}
		if n+r.late[user] != tr.pageViews[user] || events != tr.events[user] {
			wrong = append(wrong, user)
		}
	}
	ok := true
	mark := func(equal bool) string {
		if equal {
			return "✓ equal"
		}
		ok = false
		return "✗ DIFFERENT"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  page views sent by people\t%s\t\n", thousands(sentViews))
	fmt.Fprintf(tw, "  counted in user-views (each minute's last result)\t%s\t\n", thousands(counted))
	fmt.Fprintf(tw, "  + too late, on late-views\t%s\t\n", thousands(late))
	fmt.Fprintf(tw, "  = \t%s\t%s\n", thousands(counted+late), mark(counted+late == sentViews))
	fmt.Fprintf(tw, "  events sent by people\t%s\t\n", thousands(sentEvents))
	fmt.Fprintf(tw, "  events in user-engagement sessions\t%s\t%s\n", thousands(inSessions), mark(inSessions == sentEvents))
	fmt.Fprintf(tw, "  corrupt records sent\t%d\t\n", poison)
	fmt.Fprintf(tw, "  on clicks-dlq\t%d\t%s\n", r.deadLetters, mark(r.deadLetters == poison))
	fmt.Fprintf(tw, "  users whose own counts differ\t%d\t%s\n", len(wrong), mark(len(wrong) == 0))
	tw.Flush()
	if len(wrong) > 0 {
		fmt.Fprintf(w, "  differing users: %s\n", strings.Join(wrong[:min(10, len(wrong))], ", "))
	}
	if !ok {
		return errMismatch
	}
	return nil
}
