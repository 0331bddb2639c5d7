// Command alerts runs the quiet-user alerts pipeline against Kafka:
// activity from user-activity in, alerts to user-alerts, invalid records
// to user-activity-dlq, exactly once.
//
//	go run ./examples/alerts/cmd/alerts --dev
//
// Run with -h for every flag.
package main

import (
	"fmt"
	"os"

	"github.com/streamgen/streamgen/examples/alerts"
	"github.com/streamgen/streamgen/kafka"
)

func main() {
	p, err := alerts.NewPipeline(alerts.NewOperators())
	if err != nil {
		fmt.Fprintln(os.Stderr, "alerts:", err)
		os.Exit(1)
	}
	kafka.Main(p.Spec())
}
