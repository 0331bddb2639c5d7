// Package clickstream is the clickstream analytics example: Avro click
// events from Kafka, keyed by user, counted per user in one-minute
// event-time windows and summarised per session. See README.md.
//
// streamgen.yaml and schemas/ describe the pipeline; the *.gen.go files are
// generated from them; operators.go holds the business logic.
package clickstream

//go:generate go tool streamgen generate --spec streamgen.yaml
