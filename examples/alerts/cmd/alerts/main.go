// Command alerts runs the quiet-user alerts pipeline against Kafka:
// activity from user-activity in, alerts to user-alerts, invalid records
// to user-activity-dlq, exactly once. Beside the metrics (--metrics-addr,
// :9090) it answers GET /users/{id}/last-seen from the pipeline's state
// (an interactive query of what this instance has committed).
//
//	go run ./examples/alerts/cmd/alerts --dev
//	curl localhost:9090/users/ann/last-seen
//
// Run with -h for every flag.
package main

import (
	"fmt"
	"net/http"
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
	q := kafka.NewQueries()
	// A user's state is on the instance that runs the partition of its
	// activity (keyed by user id): the others answer 421 with that
	// instance's address.
	userKey := func(r *http.Request) []byte { return []byte(r.PathValue("id")) }
	kafka.Main(p.Spec(), kafka.QueryOpt(q),
		kafka.HTTPHandler("GET /users/{id}/last-seen", kafka.RouteByKey(q, userKey, alerts.LastSeenHandler(q))))
}
