package minute

import (
	"testing"
	"time"

	"github.com/streamgen/streamgen/gen"
)

// TestCountsViews checks that the benchmarked pipeline does the work it
// is measured for: bots and other kinds are dropped, views are counted per
// user and minute, and the result is written when event time passes the
// minute.
func TestCountsViews(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	d.AdvanceProcessingTime(30 * time.Second) // app-clicks, which gets nothing, goes idle
	t0 := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []Click{
		{UserID: "ann", Ts: t0.Add(5 * time.Second), Kind: ClickKindPageView, URL: "/a"},
		{UserID: "ann", Ts: t0.Add(9 * time.Second), Kind: ClickKindPageView, URL: "/a"},
		{UserID: "ann", Ts: t0.Add(10 * time.Second), Kind: ClickKindScroll, URL: "/a"},
		{UserID: "ann", Ts: t0.Add(20 * time.Second), Kind: ClickKindPageView, URL: "/b", IsBot: true},
		{UserID: "bob", Ts: t0.Add(70 * time.Second), Kind: ClickKindPageView, URL: "/c"},
	} {
		d.PipeClicks(c.UserID, c, c.Ts)
	}
	got := d.ReadViewsOut()
	if len(got) != 1 || got[0].Key != "ann" || got[0].Value.Views != 2 || got[0].Value.DistinctUrls != 1 || !got[0].Value.WindowStart.Equal(t0) {
		t.Fatalf("views %+v", got)
	}
	if late := d.ReadLateOut(); len(late) != 0 {
		t.Fatalf("late views %+v", late)
	}
}

// TestGeneratedCodeIsCurrent fails when streamgen.yaml, the schemas or the
// generator changed without a go generate.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	diff, err := gen.StaleDiff("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the committed generated code is stale; run go generate ./examples/clickstream/...\n%s", diff)
	}
}
