package runtime

import "unsafe"

// Loops over many cache entries (a commit's flush of the dirty entries, a
// window's firing, a checkpoint's bookkeeping) spend most of their time
// waiting for each entry's memory: the entries are scattered over the
// heap, and each iteration does enough work that the CPU does not reach
// the next entry's load before the current one is done. These loops know
// the entries they will visit next, so they ask the CPU to fetch an entry
// a few iterations ahead (prefetchNode); by the time the loop reaches it,
// it is in the CPU's caches. A prefetch is only a hint: it changes no
// result, and on architectures without one it does nothing.

// prefetchAhead is how many iterations ahead the loops prefetch: enough
// to cover a miss to memory with the work of the iterations between.
const prefetchAhead = 6

// prefetchNode starts fetching the cache lines of n's entry that a loop
// reads: the node, the entry's fields and a small value (an entry is
// about 200 bytes, so four lines when it straddles them).
func prefetchNode(n *lruNode) {
	p := uintptr(unsafe.Pointer(n))
	prefetch(p)
	prefetch(p + 64)
	prefetch(p + 128)
	prefetch(p + 192)
}

// prefetchNodeAt prefetches nodes[i+prefetchAhead], if there is one.
func prefetchNodeAt(nodes []*lruNode, i int) {
	if j := i + prefetchAhead; j < len(nodes) && nodes[j] != nil {
		prefetchNode(nodes[j])
	}
}
