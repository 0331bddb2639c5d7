package pipeline_join

import (
	"fmt"
	"math"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// price converts an order at its rate.
type price struct{}

func (price) Join(_ *runtime.Context, o Order, r Rate) (PricedOrder, error) {
	return PricedOrder{
		OrderID: o.OrderID, Currency: o.Currency, AmountCents: o.AmountCents,
		EuroCents: int64(math.Round(float64(o.AmountCents) * r.EurosPerUnit)),
		RateTs:    r.Ts, Ts: o.Ts,
	}, nil
}

// audit reports each order with the rate it found, or none.
type audit struct{}

func (audit) Join(c *runtime.Context, o Order, r *Rate) (string, error) {
	if r == nil {
		return fmt.Sprintf("%s@%d: no rate", o.OrderID, c.Timestamp()%100_000), nil
	}
	return fmt.Sprintf("%s@%d: %g", o.OrderID, c.Timestamp()%100_000, r.EurosPerUnit), nil
}

func ops() Operators { return Operators{Priced: price{}, Audit: audit{}} }

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func order(id, cur string, cents int64, s int) Order {
	return Order{OrderID: id, Currency: cur, AmountCents: cents, Ts: at(s)}
}

func rate(cur string, r float64, s int) Rate { return Rate{Currency: cur, EurosPerUnit: r, Ts: at(s)} }

func pricedList(outs []runtime.Output[string, PricedOrder]) []string {
	var s []string
	for _, o := range outs {
		v := o.Value
		s = append(s, fmt.Sprintf("%s %s:%s=%d@%ds", o.Key, v.OrderID, v.Currency, v.EuroCents, int(v.RateTs.Sub(t0).Seconds())))
	}
	return s
}

func pricedStrings(outs []runtime.Output[string, PricedOrder]) string {
	return strings.Join(pricedList(outs), " ")
}

func auditList(outs []runtime.Output[string, string]) []string {
	var s []string
	for _, o := range outs {
		s = append(s, o.Value)
	}
	return s
}

func auditStrings(outs []runtime.Output[string, string]) string {
	return strings.Join(auditList(outs), " ")
}

// TestRateAtOrderTime pipes the same records in three arrival orders: the
// result is the same, each order priced at the rate of its own time,
// because a left record waits for the watermark and is then joined with
// the version as of its event time.
func TestRateAtOrderTime(t *testing.T) {
	orders := []Order{order("o1", "USD", 1000, 5), order("o2", "USD", 1000, 15), order("o0", "USD", 500, -5), order("g1", "GBP", 200, 7)}
	rates := []Rate{rate("USD", 0.9, 0), rate("GBP", 1.2, 6), rate("USD", 0.8, 10), rate("USD", 0.5, 30)}
	arrivals := map[string]func(d *TestDriver){
		"rates first": func(d *TestDriver) {
			for _, r := range rates {
				d.PipeRates(r, r.Ts)
			}
			for _, o := range orders {
				d.PipeOrders(o.OrderID, o, o.Ts)
			}
		},
		"orders first": func(d *TestDriver) {
			for _, o := range orders {
				d.PipeOrders(o.OrderID, o, o.Ts)
			}
			for _, r := range rates {
				d.PipeRates(r, r.Ts)
			}
		},
		"newest rate first": func(d *TestDriver) {
			for i := len(rates) - 1; i >= 0; i-- {
				d.PipeRates(rates[i], rates[i].Ts)
			}
			for _, o := range orders {
				d.PipeOrders(o.OrderID, o, o.Ts)
			}
		},
	}
	for name, pipe := range arrivals {
		t.Run(name, func(t *testing.T) {
			for _, partitions := range []int32{1, 3} {
				d := NewTestDriver(t, ops(), runtime.WithPartitions(partitions))
				pipe(d)
				d.AdvanceWatermark(at(60))
				// Outputs come in event-time order per task; o0 has no rate
				// at its time and is dropped by the inner join.
				got := sorted(pricedList(d.ReadPricedOut()))
				want := sorted([]string{"USD o1:USD=900@0s", "USD o2:USD=800@10s", "GBP g1:GBP=240@6s"})
				if got != want {
					t.Errorf("%d partitions: priced %s, want %s", partitions, got, want)
				}
				got = sorted(auditList(d.ReadAuditOut()))
				want = sorted([]string{"o0@95000: no rate", "o1@5000: 0.9", "o2@15000: 0.8", "g1@7000: 1.2"})
				if got != want {
					t.Errorf("%d partitions: audit %s, want %s", partitions, got, want)
				}
			}
		})
	}
}

// sorted joins outputs of several tasks in one order.
func sorted(s []string) string {
	sort.Strings(s)
	return strings.Join(s, " | ")
}

// TestLateOrderJoinsAtOnce: an order behind the watermark is joined when it
// arrives, with the rate in force at its time.
func TestLateOrderJoinsAtOnce(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeRates(rate("USD", 0.9, 0), at(0))
	d.PipeRates(rate("USD", 0.8, 10), at(10))
	d.AdvanceWatermark(at(5))
	d.PipeOrders("late", order("late", "USD", 100, 3), at(3))
	if got, want := pricedStrings(d.ReadPricedOut()), "USD late:USD=90@0s"; got != want {
		t.Errorf("priced %s, want %s", got, want)
	}
}

// TestWaitingOrdersSurviveRestart: an order waits for the watermark, so a
// rate of an earlier time that arrives after it still prices it; the
// waiting orders and the rate versions are state, committed and restored
// like any other.
func TestWaitingOrdersSurviveRestart(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeRates(rate("EUR", 1, 0), at(0))
	d.PipeOrders("a", order("a", "EUR", 700, 20), at(20))
	if got := pricedStrings(d.ReadPricedOut()); got != "" {
		t.Fatalf("joined before the watermark passed the order: %s", got)
	}
	d.Reopen()
	d.PipeRates(rate("EUR", 2, 10), at(10))
	d.AdvanceWatermark(at(60))
	if got, want := pricedStrings(d.ReadPricedOut()), "EUR a:EUR=1400@10s"; got != want {
		t.Errorf("priced %s, want %s", got, want)
	}
}

// TestRatesForgottenAfterTTL: audit (table_ttl: 168h) forgets a currency's
// rates a week after its last rate; priced keeps them.
func TestRatesForgottenAfterTTL(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeRates(rate("CHF", 1.05, 0), at(0))
	d.AdvanceWatermark(at(10))
	d.AdvanceProcessingTime(8 * 24 * time.Hour)
	d.PipeOrders("x", order("x", "CHF", 100, 20), at(20))
	d.AdvanceWatermark(at(30))
	if got, want := auditStrings(d.ReadAuditOut()), "x@20000: no rate"; got != want {
		t.Errorf("audit %s, want %s", got, want)
	}
	if got, want := pricedStrings(d.ReadPricedOut()), "CHF x:CHF=105@0s"; got != want {
		t.Errorf("priced %s, want %s", got, want)
	}
}

// TestQueryRates: the rates each join keeps are queryable, through the
// driver and the generated QueryHandler: the rate in force at the
// watermark and the later ones.
func TestQueryRates(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeRates(rate("USD", 0.9, 0), at(0))
	d.PipeRates(rate("USD", 0.8, 10), at(10))
	d.AdvanceWatermark(at(20))
	d.PipeRates(rate("USD", 0.7, 30), at(30))
	var got []string
	for _, v := range d.PricedTable("USD") {
		got = append(got, fmt.Sprintf("%g@%ds", v.Value.EurosPerUnit, (v.Time-t0.UnixMilli())/1000))
	}
	if want := "0.8@10s 0.7@30s"; strings.Join(got, " ") != want {
		t.Errorf("PricedTable(USD) = %q, want %q", got, want)
	}
	if vs := d.AuditTable("GBP"); vs != nil {
		t.Errorf("AuditTable(GBP) = %v, want none", vs)
	}
	h := QueryHandler(d.Runtime())
	for _, tt := range []struct {
		path string
		code int
		body string
	}{
		{"/state/priced?key=USD", 200, `[{"time":"2026-03-01T12:00:10Z","value":{"currency":"USD","euros_per_unit":0.8,"ts":1772366410000}},{"time":"2026-03-01T12:00:30Z","value":{"currency":"USD","euros_per_unit":0.7,"ts":1772366430000}}]`},
		{"/state/audit?key=GBP", 404, ""},
		{"/state/priced", 400, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.code || (tt.body != "" && strings.TrimSpace(rec.Body.String()) != tt.body) {
			t.Errorf("GET %s = %d %s, want %d %s", tt.path, rec.Code, rec.Body, tt.code, tt.body)
		}
	}
}
