package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/golden/pipeline_interval_join/out"
	"github.com/streamgen/streamgen/runtime"
)

// An interval join on Kafka (the golden case pipeline_interval_join: ad
// clicks attributed to the impressions of the 10 minutes before them).
// The impressions are read by one instance, which stops; the clicks by a
// second one on an empty state directory, which restores the buffered
// impressions from the changelog. Every pair and every unmatched click
// comes out once, read_committed.
func TestIntervalJoinOnKafka(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clicks, impressions := e.name("ad-clicks"), e.name("ad-impressions")
	p, err := pipeline_interval_join.NewPipeline(pipeline_interval_join.Operators{Attributed: attributeOp{}, Report: reportOp{}},
		runtime.WithName(e.name("ads")), runtime.WithTopics("clicks", clicks), runtime.WithTopics("impressions", impressions))
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	const parts = 4
	e.createPipelineTopics(ctx, &spec, parts)
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	record := func(topic, key string, v interface{ AppendAvro([]byte) ([]byte, error) }, ts time.Time) *kgo.Record {
		b, err := v.AppendAvro(nil)
		if err != nil {
			t.Fatal(err)
		}
		return &kgo.Record{Topic: topic, Partition: KeyPartition([]byte(key), parts), Key: []byte(key), Value: b, Timestamp: ts}
	}
	// Per ad: an impression, a click a minute later (attributed), and for
	// odd ads a click 30 minutes later with no impression near it.
	const ads = 24
	var imps, cls []*kgo.Record
	var wantAttr, wantReport []string
	for a := range ads {
		ad := fmt.Sprintf("ad%d", a)
		ts := base.Add(time.Duration(a) * time.Second)
		imp := fmt.Sprintf("i%d-%s", a, e.prefix)
		imps = append(imps, record(impressions, ad, &pipeline_interval_join.Impression{ImpressionID: imp, AdID: ad, Ts: ts}, ts))
		c := fmt.Sprintf("c%d-%s", a, e.prefix)
		cls = append(cls, record(clicks, ad, &pipeline_interval_join.Click{ClickID: c, AdID: ad, Ts: ts.Add(time.Minute)}, ts.Add(time.Minute)))
		wantAttr = append(wantAttr, c+"<-"+imp)
		wantReport = append(wantReport, c+" "+imp)
		if a%2 == 1 {
			d := fmt.Sprintf("d%d-%s", a, e.prefix)
			cls = append(cls, record(clicks, ad, &pipeline_interval_join.Click{ClickID: d, AdID: ad, Ts: ts.Add(30 * time.Minute)}, ts.Add(30*time.Minute)))
			wantReport = append(wantReport, d+" -")
		}
	}
	// Each partition's clicks in event-time order: a click 30 minutes on
	// followed by one a minute on would be late (out_of_orderness is 5s).
	slices.SortStableFunc(cls, func(a, b *kgo.Record) int { return a.Timestamp.Compare(b.Timestamp) })
	// Then event time moves two hours on in every partition of both
	// topics, so the watermark passes every interval.
	tick := base.Add(2 * time.Hour)
	for part := range int32(parts) {
		ad := ""
		for i := 0; ad == ""; i++ {
			if k := fmt.Sprintf("tick%d", i); KeyPartition([]byte(k), parts) == part {
				ad = k
			}
		}
		cls = append(cls, record(clicks, ad, &pipeline_interval_join.Click{ClickID: ad, AdID: ad, Ts: tick}, tick))
	}
	impTicks := func() {
		var recs []*kgo.Record
		for _, r := range cls[len(cls)-parts:] {
			var c pipeline_interval_join.Click
			if err := c.UnmarshalAvro(r.Value); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, record(impressions, c.AdID, &pipeline_interval_join.Impression{ImpressionID: c.AdID, AdID: c.AdID, Ts: tick}, tick))
		}
		e.produce(recs)
	}

	// The first instance reads the impressions only.
	e.produce(imps)
	first := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if err := e.waitCaughtUp(ctx, spec.Name, impressions); err != nil {
		t.Fatal(err)
	}
	first.stop(t)
	// The second, on an empty state directory, restores them from the
	// changelog and reads the clicks.
	e.produce(cls)
	impTicks()
	second := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if err := e.waitCaughtUp(ctx, spec.Name, clicks, impressions); err != nil {
		t.Fatal(err)
	}
	second.stop(t)

	gotAttr, gotReport := readAdResults(ctx, t, e)
	slices.Sort(wantAttr)
	slices.Sort(wantReport)
	diffOnce(t, "attributions", gotAttr, wantAttr)
	diffOnce(t, "click report", gotReport, wantReport)
}

// readAdResults reads the ad joins' two output topics read_committed: the
// attributions ("click<-impression") and the report lines of this run
// (their ids carry e.prefix), each sorted.
func readAdResults(ctx context.Context, t *testing.T, e *eosEnv) (attributions, report []string) {
	t.Helper()
	read := func(topic string, render func(*kgo.Record) string) []string {
		out, err := e.readCommitted(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range out {
			if s := render(r); strings.Contains(s, e.prefix) {
				got = append(got, s)
			}
		}
		slices.Sort(got)
		return got
	}
	attributions = read("attributions", func(r *kgo.Record) string {
		var a pipeline_interval_join.Attribution
		if err := a.UnmarshalAvro(r.Value); err != nil {
			t.Fatal(err)
		}
		return a.ClickID + "<-" + a.ImpressionID
	})
	report = read("click-report", func(r *kgo.Record) string { return string(r.Value) })
	return attributions, report
}

// attributeOp and reportOp are the golden case's operators.
type attributeOp struct{}

func (attributeOp) Join(_ *runtime.Context, c pipeline_interval_join.Click, i pipeline_interval_join.Impression) (pipeline_interval_join.Attribution, error) {
	return pipeline_interval_join.Attribution{ClickID: c.ClickID, ImpressionID: i.ImpressionID, SecondsAfter: int64(c.Ts.Sub(i.Ts).Seconds())}, nil
}

type reportOp struct{}

func (reportOp) Join(_ *runtime.Context, c pipeline_interval_join.Click, i *pipeline_interval_join.Impression) (string, error) {
	if i == nil {
		return c.ClickID + " -", nil
	}
	return c.ClickID + " " + i.ImpressionID, nil
}
