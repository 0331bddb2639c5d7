package codec

import (
	"fmt"
	"testing"
)

// entriesOf collects what MapEntries yields, failing on a key yielded twice.
func entriesOf[V any](t *testing.T, m map[string]V) map[string]V {
	t.Helper()
	got := make(map[string]V, len(m))
	for k, v := range MapEntries(m) {
		if _, dup := got[k]; dup {
			t.Fatalf("key %q yielded twice", k)
		}
		got[k] = v
	}
	return got
}

type mapIterPair struct {
	A string
	B int64
}

type mapIterBig [200]byte // larger than the runtime stores in a slot

// mapShapes builds maps of n entries in the ways a program can: grown from
// empty, made with a size hint, made with a large hint, with entries
// deleted, and cleared and refilled.
func mapShapes[V any](n int, val func(int) V) map[string]map[string]V {
	key := func(i int) string { return fmt.Sprintf("key-%d-%s", i, string(rune('a'+i%26))) }
	fill := func(m map[string]V, from, to int) map[string]V {
		for i := from; i < to; i++ {
			m[key(i)] = val(i)
		}
		return m
	}
	deleted := fill(make(map[string]V), 0, n+3)
	for i := 0; i < 3; i++ {
		delete(deleted, key(2*i))
	}
	cleared := fill(make(map[string]V), 0, n+5)
	clear(cleared)
	fill(cleared, 100, 100+n)
	return map[string]map[string]V{
		"grown":    fill(make(map[string]V), 0, n),
		"hint n":   fill(make(map[string]V, n), 0, n),
		"hint 100": fill(make(map[string]V, 100), 0, n),
		"deleted":  deleted,
		"cleared":  cleared,
	}
}

func checkMapEntries[V comparable](t *testing.T, val func(int) V) {
	for n := 0; n <= 12; n++ {
		for shape, m := range mapShapes(n, val) {
			got := entriesOf(t, m)
			if len(got) != len(m) {
				t.Errorf("%d entries, %s: yielded %d entries, want %d", n, shape, len(got), len(m))
			}
			for k, v := range m {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%d entries, %s: key %q yielded %v (present %v), want %v", n, shape, k, g, ok, v)
				}
			}
		}
	}
}

func TestMapEntries(t *testing.T) {
	tests := []struct {
		name string
		run  func(*testing.T)
	}{
		{"string", func(t *testing.T) { checkMapEntries(t, func(i int) string { return fmt.Sprint("v", i) }) }},
		{"int64", func(t *testing.T) { checkMapEntries(t, func(i int) int64 { return int64(i) << 40 }) }},
		{"bool", func(t *testing.T) { checkMapEntries(t, func(i int) bool { return i%3 == 0 }) }},
		{"int32", func(t *testing.T) { checkMapEntries(t, func(i int) int32 { return int32(-i) }) }},
		{"struct", func(t *testing.T) {
			checkMapEntries(t, func(i int) mapIterPair { return mapIterPair{fmt.Sprint(i), int64(i)} })
		}},
		{"pointer", func(t *testing.T) {
			ps := make([]int, 20)
			checkMapEntries(t, func(i int) *int { return &ps[i%20] })
		}},
		{"large value", func(t *testing.T) {
			checkMapEntries(t, func(i int) mapIterBig { var b mapIterBig; b[i%200] = byte(i + 1); return b })
		}},
		{"empty value", func(t *testing.T) { checkMapEntries(t, func(int) Null { return Null{} }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestMapEntriesStopsWhenAsked(t *testing.T) {
	for _, n := range []int{3, 8, 20} {
		m := make(map[string]int, n)
		for i := range n {
			m[fmt.Sprint(i)] = i
		}
		calls := 0
		for range MapEntries(m) {
			calls++
			break
		}
		if calls != 1 {
			t.Errorf("%d entries: the loop body ran %d times after break, want 1", n, calls)
		}
	}
}

func TestMapEntriesNil(t *testing.T) {
	var m map[string]string
	for k := range MapEntries(m) {
		t.Errorf("a nil map yielded %q", k)
	}
}
