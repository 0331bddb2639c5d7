package pipeline_interval_join

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// attribute pairs a click with an impression shortly before it.
type attribute struct{}

func (attribute) Join(_ *runtime.Context, c Click, i Impression) (Attribution, error) {
	return Attribution{ClickID: c.ClickID, ImpressionID: i.ImpressionID, SecondsAfter: int64(c.Ts.Sub(i.Ts).Seconds())}, nil
}

// report names each click's impressions near it, or none.
type report struct{}

func (report) Join(_ *runtime.Context, c Click, i *Impression) (string, error) {
	if i == nil {
		return c.ClickID + " -", nil
	}
	return c.ClickID + " " + i.ImpressionID, nil
}

func ops() Operators { return Operators{Attributed: attribute{}, Report: report{}} }

var t0 = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func click(d *TestDriver, id, ad string, m int) {
	d.PipeClicks(ad, Click{ClickID: id, AdID: ad, Ts: at(m)}, at(m))
}

func impression(d *TestDriver, id, ad string, m int) {
	d.PipeImpressions(ad, Impression{ImpressionID: id, AdID: ad, Ts: at(m)}, at(m))
}

// attributions renders "c1<-i1 480s @8m" (the output's event time is the
// later of the pair's, the click's here), sorted across tasks.
func attributions(d *TestDriver) string {
	var s []string
	for _, o := range d.ReadAttributedOut() {
		v := o.Value
		s = append(s, fmt.Sprintf("%s<-%s %ds @%dm", v.ClickID, v.ImpressionID, v.SecondsAfter, int(o.Timestamp.Sub(t0).Minutes())))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func reports(d *TestDriver) string {
	var s []string
	for _, o := range d.ReadReportOut() {
		s = append(s, o.Value)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// TestAttribution: a click is attributed to every impression of its ad in
// the 10 minutes before it, whichever arrives first; report looks 10
// minutes either way and names clicks without an impression once their
// interval has passed.
func TestAttribution(t *testing.T) {
	impressions := func(d *TestDriver) {
		impression(d, "i1", "A", 0)
		impression(d, "i2", "A", 5)
		impression(d, "i3", "A", 20)
	}
	clicks := func(d *TestDriver) {
		click(d, "c1", "A", 8)
		click(d, "c3", "B", 21)
		click(d, "c2", "A", 31)
	}
	for _, tt := range []struct {
		name  string
		first func(*TestDriver)
		then  func(*TestDriver)
	}{{"impressions first", impressions, clicks}, {"clicks first", clicks, impressions}} {
		t.Run(tt.name, func(t *testing.T) {
			for _, partitions := range []int32{1, 3} {
				d := NewTestDriver(t, ops(), runtime.WithPartitions(partitions))
				tt.first(d)
				tt.then(d)
				if got, want := attributions(d), "c1<-i1 480s @8m, c1<-i2 180s @8m"; got != want {
					t.Errorf("%d partitions: attributions %q, want %q", partitions, got, want)
				}
				d.AdvanceWatermark(at(60))
				if got, want := reports(d), "c1 i1, c1 i2, c2 -, c3 -"; got != want {
					t.Errorf("%d partitions: report %q, want %q", partitions, got, want)
				}
			}
		})
	}
}

// TestUnmatchedClickWaitsForItsInterval: report names a click without an
// impression only once the watermark has passed 10 minutes after it; an
// impression within those 10 minutes still pairs with it.
func TestUnmatchedClickWaitsForItsInterval(t *testing.T) {
	d := NewTestDriver(t, ops())
	click(d, "c1", "A", 0)
	d.AdvanceWatermark(at(9))
	if got := reports(d); got != "" {
		t.Fatalf("report before the interval passed: %q", got)
	}
	impression(d, "i1", "A", 9)
	d.AdvanceWatermark(at(30))
	if got, want := reports(d), "c1 i1"; got != want {
		t.Errorf("report %q, want %q", got, want)
	}
	if got := attributions(d); got != "" {
		t.Errorf("an impression after the click was attributed: %q", got)
	}
}

// TestBuffersSurviveRestart: the buffered impressions are state, committed
// and restored like any other.
func TestBuffersSurviveRestart(t *testing.T) {
	d := NewTestDriver(t, ops())
	impression(d, "i1", "A", 0)
	d.Reopen()
	click(d, "c1", "A", 1)
	if got, want := attributions(d), "c1<-i1 60s @1m"; got != want {
		t.Errorf("attributions %q, want %q", got, want)
	}
}
