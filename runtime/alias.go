package runtime

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The write-back cache keeps the decoded value of a write and encodes it
// only when the entry is flushed (a commit, an eviction). A value that
// shares memory with something its writer changes later, such as an input
// record that a source with object reuse decodes the next record into,
// would be stored as it is at the flush, not as it was written. So the
// states whose values can share memory copy each value through their
// codec when it goes into the cache (valueCore.own). Whether a type can
// is decided once per state, at registration, from the type alone, so
// types that cannot pay nothing.

// timeType is time.Time: a value with a pointer (its *Location), but one
// to a Location, which nothing changes once it is made. It counts as a
// value without references.
var timeType = reflect.TypeFor[time.Time]()

// typeMayAlias reports whether a value of t can share memory with another
// value: t holds a slice, map, pointer, interface, channel, function or
// unsafe pointer anywhere, through struct fields and arrays. Strings do
// not count (they are never changed), nor does time.Time.
func typeMayAlias(t reflect.Type) bool {
	return mayAlias(t, map[reflect.Type]bool{})
}

func mayAlias(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == timeType || seen[t] {
		return false
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return mayAlias(t.Elem(), seen)
	case reflect.Struct:
		// A struct cannot hold itself but through a reference, which
		// ends the walk; seen guards it all the same.
		seen[t] = true
		for i := range t.NumField() {
			if mayAlias(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// typeMayAliasInto reports whether a value of held can share memory with
// a value of from or anything from reaches: held may alias (typeMayAlias),
// and one of its references (anywhere it reaches) can point at memory of
// the type from holds, slices its arrays or is one of its maps or
// channels; or either type holds an interface, function or unsafe
// pointer, whose memory the types do not tell. A window accumulator is
// copied only when it may alias the input (an accumulator of counts per
// URL, map[string]int32, cannot alias a record that holds no such map).
//
// Types are compared by shape (typeShape), which is the same for types
// that Go converts pointers between, so the answer is never a wrong no.
func typeMayAliasInto(held, from reflect.Type) bool {
	if !typeMayAlias(held) {
		return false
	}
	h := newTypeWalk()
	h.refs(held)
	if h.opaque {
		return true
	}
	f := newTypeWalk()
	f.memory(from)
	if f.opaque {
		return true
	}
	for s := range h.pointees {
		if f.locs[s] {
			return true
		}
	}
	for s := range h.sliced {
		if f.elems[s] {
			return true
		}
	}
	for s := range h.shared {
		if f.locs[s] {
			return true
		}
	}
	return false
}

// typeWalk collects the shapes of a type's references (refs) or of the
// memory a value of it reaches (memory).
type typeWalk struct {
	seen map[reflect.Type]bool
	// refs: the shapes that pointers point at, the element shapes of
	// slices, and the shapes of maps and channels (shared as a whole).
	pointees, sliced, shared map[string]bool
	// memory: the shapes of every value reached (locs), and of every
	// array or slice element (elems).
	locs, elems map[string]bool
	// opaque: an interface, function or unsafe pointer was reached.
	opaque bool
}

func newTypeWalk() *typeWalk {
	return &typeWalk{
		seen:     map[reflect.Type]bool{},
		pointees: map[string]bool{}, sliced: map[string]bool{}, shared: map[string]bool{},
		locs: map[string]bool{}, elems: map[string]bool{},
	}
}

// refs walks the references a value of t holds, and those of the values
// they reach.
func (w *typeWalk) refs(t reflect.Type) {
	if t == timeType || w.seen[t] {
		return
	}
	w.seen[t] = true
	switch t.Kind() {
	case reflect.Interface, reflect.Func, reflect.UnsafePointer:
		w.opaque = true
	case reflect.Pointer:
		w.pointees[typeShape(t.Elem())] = true
		w.refs(t.Elem())
	case reflect.Slice:
		w.sliced[typeShape(t.Elem())] = true
		w.refs(t.Elem())
	case reflect.Map:
		w.shared[typeShape(t)] = true
		w.refs(t.Key())
		w.refs(t.Elem())
	case reflect.Chan:
		w.shared[typeShape(t)] = true
		w.refs(t.Elem())
	case reflect.Array:
		w.refs(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			w.refs(t.Field(i).Type)
		}
	}
}

// memory walks the values a value of t is made of and reaches.
func (w *typeWalk) memory(t reflect.Type) {
	if w.seen[t] {
		return
	}
	w.seen[t] = true
	w.locs[typeShape(t)] = true
	if t == timeType {
		return
	}
	switch t.Kind() {
	case reflect.Interface, reflect.Func, reflect.UnsafePointer:
		w.opaque = true
	case reflect.Pointer, reflect.Chan:
		w.memory(t.Elem())
	case reflect.Slice, reflect.Array:
		w.elems[typeShape(t.Elem())] = true
		w.memory(t.Elem())
	case reflect.Map:
		w.memory(t.Key())
		w.memory(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			w.memory(t.Field(i).Type)
		}
	}
}

// Shapes are cut at this depth and length: a recursive type's shape would
// be endless, and the cut shapes of types of equal shape are equal.
const (
	shapeDepth = 6
	shapeLen   = 1024
)

// typeShape describes t's structure with the names left out (of named
// types, struct fields and tags): types Go converts pointers between
// (identical underlying types, tags ignored) have the same shape, and
// types of different shapes cannot share memory but through unsafe. Some
// different types share a shape too (cut, or differing only in names),
// which only costs a copy that was not needed.
func typeShape(t reflect.Type) string {
	var b strings.Builder
	writeShape(&b, t, 0)
	s := b.String()
	if len(s) > shapeLen {
		s = s[:shapeLen]
	}
	return s
}

func writeShape(b *strings.Builder, t reflect.Type, depth int) {
	if b.Len() > shapeLen {
		return
	}
	if t == timeType {
		b.WriteString("time.Time")
		return
	}
	k := t.Kind()
	switch k {
	case reflect.Array, reflect.Slice, reflect.Pointer, reflect.Map, reflect.Chan, reflect.Struct:
		if depth == shapeDepth {
			b.WriteString("…")
			return
		}
	}
	switch k {
	case reflect.Array:
		b.WriteString("[" + strconv.Itoa(t.Len()) + "]")
		writeShape(b, t.Elem(), depth+1)
	case reflect.Slice:
		b.WriteString("[]")
		writeShape(b, t.Elem(), depth+1)
	case reflect.Pointer:
		b.WriteString("*")
		writeShape(b, t.Elem(), depth+1)
	case reflect.Map:
		b.WriteString("map[")
		writeShape(b, t.Key(), depth+1)
		b.WriteString("]")
		writeShape(b, t.Elem(), depth+1)
	case reflect.Chan:
		b.WriteString("chan ")
		writeShape(b, t.Elem(), depth+1)
	case reflect.Struct:
		b.WriteString("struct{")
		for i := range t.NumField() {
			if i > 0 {
				b.WriteString(";")
			}
			writeShape(b, t.Field(i).Type, depth+1)
		}
		b.WriteString("}")
	default:
		// Basic kinds, interfaces and functions: the kind.
		b.WriteString(k.String())
	}
}
