//go:build go1.27 || race

package codec

// Without the Go 1.26 runtime's map layout, or under the race detector
// (which must see every map read), MapEntries ranges over every map.

// smallMapsOK is false: this build has no fast path.
const smallMapsOK = false

// smallGroup returns nil: every map is ranged over.
func smallGroup[V any](map[string]V) *mapGroup[V] { return nil }
