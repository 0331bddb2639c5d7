// Package wordcount is the word count example: lines of text from Kafka,
// split into words, counted per word in one-minute windows. See
// README.md.
//
// streamgen.yaml describes the pipeline; the *.gen.go files are generated
// from it; operators.go holds the business logic.
package wordcount

//go:generate go tool streamgen generate --spec streamgen.yaml
