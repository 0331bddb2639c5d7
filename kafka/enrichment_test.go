package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/examples/enrichment"
	"github.com/streamgen/streamgen/runtime"
)

// The generated enrichment join on Kafka: two co-partitioned topics of
// different types meet in one task per partition. Every order comes out
// once, joined with its customer, whether it arrived before or after it.
func TestEnrichmentJoin(t *testing.T) {
	e := newEOSEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	orders, customers := e.name("orders"), e.name("customers")
	p, err := enrichment.NewPipeline(enrichment.NewOperators(), runtime.WithName(e.name("enrichment")),
		runtime.WithTopics("orders", orders), runtime.WithTopics("customers", customers))
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	e.createPipelineTopics(ctx, &spec, 4)
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	record := func(topic, key string, v interface{ AppendJSON([]byte) ([]byte, error) }, ts time.Time) *kgo.Record {
		b, err := v.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		return &kgo.Record{Topic: topic, Partition: KeyPartition([]byte(key), 4), Key: []byte(key), Value: b, Timestamp: ts}
	}
	const users = 20
	var recs []*kgo.Record
	var want []string
	for u := range users {
		// Ids of this run: on a shared cluster, enriched-orders may hold
		// an earlier run's orders too.
		id := fmt.Sprintf("c%d-%s", u, e.prefix)
		ts := base.Add(time.Duration(u) * time.Second)
		cu := &enrichment.Customer{CustomerID: id, Name: "N" + id, Tier: enrichment.CustomerTierGold, Updated: ts}
		// Even customers come before their orders, odd ones after.
		var before []*kgo.Record
		for i := range 3 {
			o := &enrichment.Order{OrderID: fmt.Sprintf("%s-o%d", id, i), CustomerID: id, AmountCents: int64(100 * i), Ts: ts}
			before = append(before, record(orders, id, o, ts))
			want = append(want, fmt.Sprintf("%s %s N%s", o.OrderID, id, id))
		}
		if u%2 == 0 {
			recs = append(append(recs, record(customers, id, cu, ts)), before...)
		} else {
			recs = append(append(recs, before...), record(customers, id, cu, ts))
		}
	}
	e.produce(recs)
	run := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if err := e.waitCaughtUp(ctx, spec.Name, orders, customers); err != nil {
		t.Fatal(err)
	}
	run.stop(t)
	out, err := e.readCommitted(ctx, "enriched-orders")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out {
		var eo enrichment.EnrichedOrder
		if err := eo.UnmarshalJSON(r.Value); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(eo.CustomerID, "-"+e.prefix) {
			got = append(got, fmt.Sprintf("%s %s %s", eo.OrderID, eo.CustomerID, eo.CustomerName))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("enriched orders:\n%q\nwant\n%q", got, want)
	}
}
