// Package runtime is the processing core that generated pipelines link
// against: tasks (one per input partition), typed operator chains, keyed
// state in pebble behind a bounded write-back cache, event-time and
// processing-time timers, watermarks with idleness, tumbling, sliding and
// session windows with allowed lateness, side outputs, the serde and sink
// interfaces, the commit hook the Kafka layer drives, and the core of the
// deterministic test driver.
//
// The package knows nothing of Kafka clients: records come in through
// Task.Process, outputs leave through a Sink, and state changes leave as
// changelog records from Task.Prepare. docs/runtime.md describes the model,
// the key layout in pebble and the commit contract.
package runtime
