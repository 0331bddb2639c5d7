package enrichment

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/runtime"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// at returns 10:mm:ss on 2026-03-01, the time of every test event.
func at(mmss string) time.Time {
	var m, s int
	if _, err := fmt.Sscanf(mmss, "%d:%d", &m, &s); err != nil {
		panic(err)
	}
	return time.Date(2026, 3, 1, 10, m, s, 0, time.UTC)
}

func order(d *TestDriver, id, customer string, cents int64, mmss string) {
	d.PipeOrders(customer, Order{OrderID: id, CustomerID: customer, AmountCents: cents, Ts: at(mmss)}, at(mmss))
}

func customer(d *TestDriver, id, name string, tier CustomerTier, mmss string) {
	d.PipeCustomers(id, Customer{CustomerID: id, Name: name, Tier: tier, Updated: at(mmss)}, at(mmss))
}

// enriched renders the enriched orders as "o1 ann Ann gold 1250".
func enriched(d *TestDriver) []string { return render(d.ReadEnrichedOut()) }

// asOf renders the orders joined by event time (sink as_of_out) once the
// watermark has passed every order of the tests.
func asOf(d *TestDriver) []string {
	d.AdvanceWatermark(at("59:00"))
	return render(d.ReadAsOfOut())
}

func render(outs []runtime.Output[string, EnrichedOrder]) []string {
	var s []string
	for _, o := range outs {
		e := o.Value
		if o.Key != e.CustomerID {
			s = append(s, fmt.Sprintf("keyed %q for %q", o.Key, e.CustomerID))
		}
		s = append(s, fmt.Sprintf("%s %s %s %s %d", e.OrderID, e.CustomerID, e.CustomerName, e.Tier, e.AmountCents))
	}
	return s
}

func TestJoin(t *testing.T) {
	tests := []struct {
		name  string
		steps func(d *TestDriver)
		want  []string
		// asOf: the temporal join's result, each order with the version
		// in force at its time.
		asOf []string
	}{{
		name: "an order is joined with its customer",
		steps: func(d *TestDriver) {
			customer(d, "ann", "Ann", CustomerTierGold, "00:00")
			order(d, "o1", "ann", 1250, "00:10")
		},
		want: []string{"o1 ann Ann gold 1250"},
		asOf: []string{"o1 ann Ann gold 1250"},
	}, {
		name: "orders before their customer wait for it",
		steps: func(d *TestDriver) {
			order(d, "o1", "bob", 100, "00:10")
			order(d, "o2", "bob", 200, "00:20")
			customer(d, "bob", "Bob", CustomerTierStandard, "00:30")
			order(d, "o3", "bob", 300, "00:40")
		},
		want: []string{"o1 bob Bob standard 100", "o2 bob Bob standard 200", "o3 bob Bob standard 300"},
		// By event time bob did not exist before 00:30.
		asOf: []string{"o3 bob Bob standard 300"},
	}, {
		name: "a new version applies to later orders only",
		steps: func(d *TestDriver) {
			customer(d, "ann", "Ann", CustomerTierStandard, "00:00")
			order(d, "o1", "ann", 100, "00:10")
			customer(d, "ann", "Ann B.", CustomerTierGold, "00:20")
			order(d, "o2", "ann", 200, "00:30")
		},
		want: []string{"o1 ann Ann standard 100", "o2 ann Ann B. gold 200"},
		asOf: []string{"o1 ann Ann standard 100", "o2 ann Ann B. gold 200"},
	}, {
		name: "a version that arrives after an order but is older than it applies by event time",
		steps: func(d *TestDriver) {
			customer(d, "ann", "Ann", CustomerTierStandard, "00:00")
			order(d, "o1", "ann", 100, "00:30")
			customer(d, "ann", "Ann B.", CustomerTierGold, "00:28")
		},
		want: []string{"o1 ann Ann standard 100"},
		asOf: []string{"o1 ann Ann B. gold 100"},
	}, {
		name: "an older version arriving late is ignored",
		steps: func(d *TestDriver) {
			customer(d, "ann", "Ann B.", CustomerTierGold, "00:20")
			customer(d, "ann", "Ann", CustomerTierStandard, "00:00")
			order(d, "o1", "ann", 100, "00:30")
		},
		want: []string{"o1 ann Ann B. gold 100"},
		asOf: []string{"o1 ann Ann B. gold 100"},
	}, {
		name: "customers do not mix",
		steps: func(d *TestDriver) {
			customer(d, "ann", "Ann", CustomerTierGold, "00:00")
			order(d, "o1", "cid", 100, "00:10")
			order(d, "o2", "ann", 200, "00:20")
		},
		want: []string{"o2 ann Ann gold 200"},
		asOf: []string{"o2 ann Ann gold 200"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewTestDriver(t, NewOperators())
			tt.steps(d)
			if got := enriched(d); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("enriched orders\n got: %q\nwant: %q", got, tt.want)
			}
			if got := asOf(d); strings.Join(got, "\n") != strings.Join(tt.asOf, "\n") {
				t.Errorf("orders as of their time\n got: %q\nwant: %q", got, tt.asOf)
			}
		})
	}
}

// The join's state survives a restart, and a move to a new machine
// (restored from the changelog alone): the waiting order and the customer
// are both still there.
func TestStateSurvivesRestarts(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	customer(d, "ann", "Ann", CustomerTierGold, "00:00")
	order(d, "o1", "bob", 100, "00:05")
	d.Reopen()
	order(d, "o2", "ann", 200, "00:10")
	if err := d.Runtime().RestoreFromChangelog(); err != nil {
		t.Fatal(err)
	}
	customer(d, "bob", "Bob", CustomerTierStandard, "00:20")
	want := []string{"o2 ann Ann gold 200", "o1 bob Bob standard 100"}
	if got := enriched(d); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("enriched orders %q, want %q", got, want)
	}
}

// The join's state can be read from outside: the customer it holds and
// the orders waiting for one.
func TestQueries(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	customer(d, "ann", "Ann", CustomerTierGold, "00:00")
	order(d, "o1", "bob", 100, "00:05")
	ctx := context.Background()
	if cu, ok, err := QueryEnrichCustomer(ctx, d.Runtime(), "ann"); err != nil || !ok || cu.Name != "Ann" {
		t.Errorf("customer ann: %+v %v %v", cu, ok, err)
	}
	if os, err := QueryEnrichWaiting(ctx, d.Runtime(), "bob"); err != nil || len(os) != 1 || os[0].OrderID != "o1" {
		t.Errorf("orders waiting for bob: %+v %v", os, err)
	}
}

// Invalid orders go to orders-dlq, and the join goes on.
func TestInvalidOrdersAreDeadLettered(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	if err := d.PipeOrdersRaw([]byte("ann"), []byte(`{"order_id":"o1","customer_id":"ann","amount_cents":-5,"ts":"2026-03-01T10:00:00Z"}`), at("00:00")); err != nil {
		t.Fatal(err)
	}
	customer(d, "ann", "Ann", CustomerTierGold, "00:01")
	order(d, "o2", "ann", 5, "00:02")
	if dl := d.ReadOrdersDeadLetters(); len(dl) != 1 {
		t.Errorf("%d dead letters, want 1", len(dl))
	}
	if got := enriched(d); len(got) != 1 || got[0] != "o2 ann Ann gold 5" {
		t.Errorf("enriched orders %q", got)
	}
}

// TestGolden feeds testdata/inputs.jsonl and compares the enriched orders
// with testdata/outputs.golden (go test -run TestGolden -update rewrites
// it).
func TestGolden(t *testing.T) {
	NewTestDriver(t, NewOperators()).Golden(t, filepath.Join("testdata", "inputs.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}

// TestGeneratedCodeIsCurrent fails when streamgen.yaml, the schemas or the
// generator changed without a go generate.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	diff, err := gen.StaleDiff("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the committed generated code is stale; run go generate ./examples/enrichment\n%s", diff)
	}
}
