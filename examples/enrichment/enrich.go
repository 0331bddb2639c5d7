package enrichment

import (
	"fmt"

	"github.com/streamgen/streamgen/runtime"
)

// NewOperators returns the pipeline's business logic, ready for
// NewPipeline or NewTestDriver.
func NewOperators() Operators {
	return Operators{OrderChanges: OrderChanges{}, CustomerChanges: CustomerChanges{}, Enrich: Enrich{}, AsOf: AsOf{}}
}

// OrderChanges wraps an order as a Change of its customer.
type OrderChanges struct{}

// Map returns the change carrying o.
func (OrderChanges) Map(_ *runtime.Context, o Order) (Change, error) {
	return Change{CustomerID: o.CustomerID, Order: &o}, nil
}

// CustomerChanges wraps a customer version as a Change.
type CustomerChanges struct{}

// Map returns the change carrying cu.
func (CustomerChanges) Map(_ *runtime.Context, cu Customer) (Change, error) {
	return Change{CustomerID: cu.CustomerID, Customer: &cu}, nil
}

// Enrich joins each order with the latest version of its customer. Per
// customer it keeps that version (state customer) and the orders that
// arrived before any version did (state waiting):
//
//   - a customer version replaces the kept one (an older version arriving
//     late does not), and releases the waiting orders, joined with it;
//   - an order is joined with the kept version at once, or waits for one.
//
// An order is joined with the version known when it is processed, as in
// a Kafka Streams KStream-KTable join: a later change of the customer
// does not rewrite orders already sent. Unlike that join, an order that
// comes before its customer waits instead of being dropped.
type Enrich struct{}

// ProcessElement handles one change of customer c.Key().
func (Enrich) ProcessElement(c *EnrichContext, ch Change, out *runtime.Emitter[EnrichedOrder]) error {
	switch {
	case ch.Customer != nil:
		cur, ok, err := c.State.Customer.Get(c.Context)
		if err != nil {
			return err
		}
		if ok && ch.Customer.Updated.Before(cur.Updated) {
			return nil // an older version, late
		}
		if err := c.State.Customer.Set(c.Context, *ch.Customer); err != nil {
			return err
		}
		waiting, err := c.State.Waiting.Get(c.Context)
		if err != nil || len(waiting) == 0 {
			return err
		}
		for _, o := range waiting {
			if err := out.Emit(join(o, *ch.Customer)); err != nil {
				return err
			}
		}
		return c.State.Waiting.Clear(c.Context)
	case ch.Order != nil:
		cu, ok, err := c.State.Customer.Get(c.Context)
		if err != nil {
			return err
		}
		if !ok {
			return c.State.Waiting.Add(c.Context, *ch.Order)
		}
		return out.Emit(join(*ch.Order, cu))
	}
	return fmt.Errorf("a change of customer %s with neither an order nor a customer", ch.CustomerID)
}

// AsOf joins each order with the version of its customer in force at
// the order's event time (the operator as_of, a temporal join): the
// runtime holds the order until the watermark passes it and hands over
// the last version updated at or before it.
type AsOf struct{}

// Join returns order o enriched with customer version cu.
func (AsOf) Join(_ *runtime.Context, o Order, cu Customer) (EnrichedOrder, error) {
	return join(o, cu), nil
}

// join is order o with customer cu's name and tier.
func join(o Order, cu Customer) EnrichedOrder {
	return EnrichedOrder{
		OrderID:      o.OrderID,
		CustomerID:   o.CustomerID,
		CustomerName: cu.Name,
		Tier:         EnrichedOrderTier(cu.Tier),
		AmountCents:  o.AmountCents,
		Ts:           o.Ts,
	}
}
