// Package minute is the page-views half of the clickstream example alone:
// the same source, filters and one-minute tumbling views as ../../, with
// no session windows. It exists for BenchmarkMinuteViews in
// ../../bench_test.go, which measures decode → keyed tumbling window
// aggregate in pebble → encode and nothing else.
package minute

//go:generate go tool streamgen generate --spec streamgen.yaml
