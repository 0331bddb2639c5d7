// Command enrichment runs the order enrichment joins against Kafka:
// orders from orders and customer versions from customers (a compacted
// topic), both keyed by customer id, in; orders with their customer's
// latest name and tier to enriched-orders, and with the version in force
// at the order's time to orders-as-of; invalid records to orders-dlq and
// customers-dlq; exactly once. The joins' state is served as JSON under
// /state/ on the metrics address (for example /state/as_of?key=ann, the
// customer versions the temporal join keeps for ann).
//
//	go run ./examples/enrichment/cmd/enrichment --dev
//
// Run with -h for every flag.
package main

import (
	"fmt"
	"os"

	"github.com/streamgen/streamgen/examples/enrichment"
	"github.com/streamgen/streamgen/kafka"
)

func main() {
	p, err := enrichment.NewPipeline(enrichment.NewOperators())
	if err != nil {
		fmt.Fprintln(os.Stderr, "enrichment:", err)
		os.Exit(1)
	}
	q := kafka.NewQueries()
	kafka.Main(p.Spec(), kafka.QueryOpt(q), kafka.HTTPHandler("GET /state/", enrichment.QueryHandler(q)))
}
