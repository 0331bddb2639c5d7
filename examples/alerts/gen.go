// Package alerts is the alerting example: a keyed process function with
// state and timers raises an alert when a user goes quiet for 10 minutes,
// noticed in event time or in processing time. See README.md.
//
// streamgen.yaml and schemas/ describe the pipeline; the *.gen.go files are
// generated from them; quiet.go holds the business logic.
package alerts

//go:generate go tool streamgen generate --spec streamgen.yaml
