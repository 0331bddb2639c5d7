package gotest

import "runtime"

// LiveHeapMiB returns the Go heap in use after a full collection, in MiB.
// In race builds (RaceEnabled) pebble allocates its memtables and block
// cache on the Go heap and runs its invariant checks, so the figure does
// not describe a production build there.
func LiveHeapMiB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}
