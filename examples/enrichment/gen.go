// Package enrichment is the join example: orders are enriched with their
// customer from a compacted topic in two ways, with the latest version by
// a stream-table join built from a union and a keyed process function,
// and with the version in force at the order's event time by the
// temporal join operator. See README.md.
//
// streamgen.yaml and schemas/ describe the pipeline; the *.gen.go files are
// generated from them; enrich.go holds the business logic.
package enrichment

//go:generate go tool streamgen generate --spec streamgen.yaml
