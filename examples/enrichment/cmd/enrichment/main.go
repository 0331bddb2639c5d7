// Command enrichment runs the order enrichment join against Kafka: orders
// from orders and customer versions from customers (a compacted topic),
// both keyed by customer id, in; orders with their customer's name and
// tier to enriched-orders; invalid records to orders-dlq and
// customers-dlq; exactly once.
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
	kafka.Main(p.Spec())
}
