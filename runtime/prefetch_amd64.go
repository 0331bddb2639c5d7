package runtime

// prefetch asks the CPU to bring the cache line at addr into its caches
// (PREFETCHT0). It never faults and does not wait for the memory: unlike
// a load, it does not hold up the instructions after it.
//
//go:noescape
func prefetch(addr uintptr)
