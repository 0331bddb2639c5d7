// Package enrichment is the join example: orders are enriched with the
// latest version of their customer from a compacted topic, a
// stream-table join built from a union and a keyed process function. See
// README.md.
//
// streamgen.yaml and schemas/ describe the pipeline; the *.gen.go files are
// generated from them; enrich.go holds the business logic.
package enrichment

//go:generate go tool streamgen generate --spec streamgen.yaml
