//go:build race

package runtime

// raceEnabled: in race builds pebble also runs its invariant checks, and
// allocates its memtables and block cache on the Go heap, so heap
// measurements do not describe a production build.
const raceEnabled = true
