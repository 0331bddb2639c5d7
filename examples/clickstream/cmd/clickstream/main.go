// Command clickstream runs the clickstream pipeline against Kafka: clicks
// from web-clicks and app-clicks in, page views per user per minute to
// user-views, engagement per session to user-engagement, late page views
// to late-views and undecodable clicks to clicks-dlq, exactly once.
//
// Try it with an embedded broker and Schema Registry:
//
//	go run ./examples/clickstream/cmd/clickstream --dev
//
// In production, point it at a cluster and a registry; the input, output
// and dead-letter topics must exist (the changelog topic is created):
//
//	clickstream --brokers kafka-1:9092 --schema-registry http://registry:8081 \
//		--state-dir /var/lib/clickstream --instance-id "$HOSTNAME"
//
// Beside the metrics (--metrics-addr, :9090) it answers GET
// /users/{id}/views with the user's recent minutes of page views, read
// from the pipeline's window state (an interactive query of what this
// instance has committed), and /state/views?key= and
// /state/sessions?key= with the windows the pipeline holds (the generated
// QueryHandler); an instance that does not run the user's partition
// answers 421 with the address of the one that does.
//
// Run with -h for every flag.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
	"github.com/streamgen/streamgen/runtime"
)

func main() {
	// The clicks and every output are in the Confluent wire format: the
	// framing looks writer schemas up in the Schema Registry that Main
	// connects it to (--schema-registry, or an in-memory one with --dev).
	registry := kafka.NewConfluentFraming()
	p, err := clickstream.NewPipeline(clickstream.NewOperators(),
		runtime.WithFraming(runtime.FormatAvroConfluent, registry))
	if err != nil {
		fmt.Fprintln(os.Stderr, "clickstream:", err)
		os.Exit(1)
	}
	queries := kafka.NewQueries()
	kafka.Main(p.Spec(),
		kafka.SchemaRegistryFramings(registry),
		kafka.QueryOpt(queries),
		// A user's windows are on the instance that runs the partition
		// of its clicks (keyed by user id): the others answer 421 with
		// that instance's address.
		kafka.HTTPHandler("GET /users/{id}/views", kafka.RouteByKey(queries, userKey, clickstream.ViewsHandler(queries))),
		// And every state of the pipeline, generated: /state/views?key=ann.
		kafka.HTTPHandler("GET /state/", kafka.RouteByKey(queries, keyParam, clickstream.QueryHandler(queries))),
		// The tasks (input partitions) cache the decoded window state of
		// their active users: a views accumulator for this minute and the
		// last, a session set and a session accumulator per user. The
		// budget is the instance's, shared by its tasks: size it for the
		// users its partitions see in a minute or so.
		kafka.StoreOptions(runtime.StoreOptions{CacheEntries: 200_000}),
	)
}

// userKey is the Kafka key of a user's clicks: the user id.
func userKey(r *http.Request) []byte { return []byte(r.PathValue("id")) }

// keyParam is the key of a /state/ query: the user id.
func keyParam(r *http.Request) []byte { return []byte(r.URL.Query().Get("key")) }
