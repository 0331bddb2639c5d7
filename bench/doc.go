// Package bench compares the Avro codecs streamgen generates with
// github.com/linkedin/goavro/v2 and github.com/hamba/avro/v2 on the same
// record and the same data. It is a separate module so that hamba never
// becomes a dependency of streamgen itself. See BENCHMARKS.md at the
// repository root for the command and the results.
package bench

import _ "embed"

// ClickEventSchema is the benchmark record's Avro schema: a click event
// with strings, longs, a nullable union, an array, a map, a
// timestamp-millis and a boolean.
//
//go:embed clickevent.avsc
var ClickEventSchema string

//go:generate go test -run=^TestGeneratedCodeIsCurrent$ -update .
