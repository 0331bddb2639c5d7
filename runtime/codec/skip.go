package codec

import (
	"github.com/streamgen/streamgen/schema"
)

// This file compiles the parts of a transcoding program that only read the
// writer's data: skipping a writer field the reader dropped, and the
// smallest encoding of a writer type, which bounds hostile block counts.

// tcMinSizes memoises the fewest bytes a datum of each writer type can be
// encoded in.
type tcMinSizes map[*schema.Type]int

// of returns the fewest bytes a datum of type w can be encoded in. A type
// whose minimum is 0 always encodes in 0 bytes (null, fixed(0), and records
// made only of such fields), because every other kind needs at least one
// byte. Recursion is cut by counting a record being measured as 0, which
// keeps the result a lower bound.
func (m tcMinSizes) of(w *schema.Type) int {
	switch w.Kind {
	case schema.Null:
		return 0
	case schema.Float:
		return 4
	case schema.Double:
		return 8
	case schema.Fixed:
		return w.Size
	case schema.Union:
		least := -1
		for _, b := range w.Branches {
			if n := m.of(b); least < 0 || n < least {
				least = n
			}
		}
		if least < 0 {
			least = 0
		}
		return 1 + least
	case schema.Record:
		if n, ok := m[w]; ok {
			return n
		}
		m[w] = 0
		n := 0
		for _, f := range w.Fields {
			n += m.of(f.Type)
		}
		m[w] = n
		return n
	}
	// boolean, int, long, bytes, string, enum, array, map: one byte at least.
	return 1
}

// tcSkipper compiles ops that consume a writer datum and append nothing.
type tcSkipper struct {
	sizes   tcMinSizes
	records map[*schema.Type]*tcOp
}

func newTCSkipper(sizes tcMinSizes) *tcSkipper {
	return &tcSkipper{sizes: sizes, records: map[*schema.Type]*tcOp{}}
}

// compile returns an op that reads and discards one datum of type w,
// checking it as it goes.
func (s *tcSkipper) compile(w *schema.Type) tcOp {
	switch w.Kind {
	case schema.Null:
		return tcNothing
	case schema.Boolean:
		return func(t *transcoder, dst []byte) []byte { t.ReadBoolean(); return dst }
	case schema.Int:
		return func(t *transcoder, dst []byte) []byte { t.ReadInt(); return dst }
	case schema.Long:
		return func(t *transcoder, dst []byte) []byte { t.ReadLong(); return dst }
	case schema.Float:
		return func(t *transcoder, dst []byte) []byte { t.ReadFloat(); return dst }
	case schema.Double:
		return func(t *transcoder, dst []byte) []byte { t.ReadDouble(); return dst }
	case schema.Bytes, schema.String:
		return func(t *transcoder, dst []byte) []byte { t.ReadBytesView(); return dst }
	case schema.Fixed:
		n := w.Size
		return func(t *transcoder, dst []byte) []byte {
			if cap(t.scratch) < n {
				t.scratch = make([]byte, n)
			}
			t.ReadFixed(t.scratch[:n])
			return dst
		}
	case schema.Enum:
		n := len(w.Symbols)
		return func(t *transcoder, dst []byte) []byte { t.ReadEnum(n); return dst }
	case schema.Array, schema.Map:
		elem := w.Items
		keyed := w.Kind == schema.Map
		if keyed {
			elem = w.Values
		}
		min := s.sizes.of(elem)
		if keyed {
			min++
		}
		if min == 0 {
			// Items of zero bytes: only the counts are on the wire.
			return func(t *transcoder, dst []byte) []byte {
				for t.ReadBlockCount(0) > 0 {
				}
				return dst
			}
		}
		item := s.compile(elem)
		return func(t *transcoder, dst []byte) []byte {
			for n := t.ReadBlockCount(min); n > 0; n = t.ReadBlockCount(min) {
				for i := 0; i < n && t.Err() == nil; i++ {
					if keyed {
						t.ReadBytesView()
					}
					dst = item(t, dst)
				}
			}
			return dst
		}
	case schema.Union:
		branches := make([]tcOp, len(w.Branches))
		for i, b := range w.Branches {
			branches[i] = s.compile(b)
		}
		n := len(branches)
		return func(t *transcoder, dst []byte) []byte {
			i := t.ReadUnionIndex(n)
			if i < 0 {
				return dst
			}
			return branches[i](t, dst)
		}
	case schema.Record:
		if p, ok := s.records[w]; ok {
			return tcDeref(p)
		}
		p := new(tcOp)
		s.records[w] = p
		fields := make([]tcOp, len(w.Fields))
		for i, f := range w.Fields {
			fields[i] = s.compile(f.Type)
		}
		*p = func(t *transcoder, dst []byte) []byte {
			if !t.Enter() {
				return dst
			}
			for _, f := range fields {
				dst = f(t, dst)
			}
			t.Leave()
			return dst
		}
		return *p
	}
	what := w.Kind.String()
	return func(t *transcoder, dst []byte) []byte {
		t.Fail(what, "unsupported schema kind")
		return dst
	}
}

// tcNothing reads and writes nothing (null).
func tcNothing(_ *transcoder, dst []byte) []byte { return dst }

// tcDeref returns an op that runs *p, for recursive types whose op is
// still being compiled when a reference to it is made.
func tcDeref(p *tcOp) tcOp {
	return func(t *transcoder, dst []byte) []byte {
		if *p == nil {
			t.Fail("record", "recursive type left uncompiled")
			return dst
		}
		return (*p)(t, dst)
	}
}
