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
// once from each join, joined with its customer, whether it arrived
// before or after it: enrich by processing order, as_of by event time.
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
	// Event time then moves an hour on in every partition of both topics,
	// so the temporal join (as_of) releases every order it holds for the
	// watermark. The ticks' ids lack this run's suffix: they are not
	// counted.
	tick := base.Add(time.Hour)
	for part := range int32(4) {
		id := ""
		for i := 0; id == ""; i++ {
			if k := fmt.Sprintf("tick%d", i); KeyPartition([]byte(k), 4) == part {
				id = k
			}
		}
		recs = append(recs,
			record(customers, id, &enrichment.Customer{CustomerID: id, Name: "T", Tier: enrichment.CustomerTierStandard, Updated: tick}, tick),
			record(orders, id, &enrichment.Order{OrderID: id, CustomerID: id, Ts: tick}, tick))
	}
	e.produce(recs)
	run := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)))
	if err := e.waitCaughtUp(ctx, spec.Name, orders, customers); err != nil {
		t.Fatal(err)
	}
	run.stop(t)
	slices.Sort(want)
	// Both joins give every order its customer: enrich as it processes
	// them (an order before its customer waits for it), as_of by event
	// time (each customer version is as old as its orders).
	for _, topic := range []string{"enriched-orders", "orders-as-of"} {
		out, err := e.readCommitted(ctx, topic)
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
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n%q\nwant\n%q", topic, got, want)
		}
	}
}
