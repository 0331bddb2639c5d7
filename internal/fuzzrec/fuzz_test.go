package fuzzrec

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/internal/avrorand"
	rtcodec "github.com/streamgen/streamgen/runtime/codec"
)

// allocLimit is the most a decode of n input bytes may allocate: a small
// multiple of the input (each input byte can become at most a slice
// header, a map entry or a small struct, with growth slack) plus a
// constant. A hostile length or count prefix must not buy more.
func allocLimit(n int) uint64 { return 64*uint64(n) + 64<<10 }

// allocated returns the bytes allocated on the heap while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func schemaText(tb testing.TB) string {
	b, err := os.ReadFile("testdata/fuzz.avsc")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func referenceCodec(tb testing.TB) *goavro.Codec {
	c, err := goavro.NewCodec(schemaText(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// zigzag returns the Avro encoding of the long v.
func zigzag(v int64) []byte { return binary.AppendUvarint(nil, uint64(v<<1)^uint64(v>>63)) }

// minimalFields is the smallest valid encoding of each field of Envelope,
// in schema order.
func minimalFields() [][]byte {
	uuid := "00112233-4455-6677-8899-aabbccddeeff"
	return [][]byte{
		{0},              // id
		{0},              // small
		{0},              // name ""
		{0},              // payload ""
		make([]byte, 4),  // ratio
		make([]byte, 8),  // score
		{0},              // flag
		{0},              // kind UNKNOWN
		make([]byte, 16), // hash
		{0},              // tags []
		{0},              // counts {}
		{0},              // labels {}
		{0},              // matrix []
		{0},              // note null
		{2},              // parent: branch 1, null
		{0},              // choice null
		{2, 0},           // price: one byte, 0
		make([]byte, 8),  // amount
		{0},              // at
		{0},              // day
		append(zigzag(int64(len(uuid))), uuid...), // uid
		{0},    // lines []
		{2, 0}, // nested: blob null, list null
	}
}

// Field positions in minimalFields.
const (
	fName    = 2
	fPayload = 3
	fKind    = 7
	fHash    = 8
	fTags    = 9
	fCounts  = 10
	fLabels  = 11
	fMatrix  = 12
	fNote    = 13
	fParent  = 14
	fChoice  = 15
	fPrice   = 16
	fAmount  = 17
	fUID     = 20
	fLines   = 21
)

// withField returns the minimal encoding of the fields before field i,
// then tail: an input that is valid up to field i and hostile from there.
func withField(i int, tail ...[]byte) []byte {
	var out []byte
	for _, f := range minimalFields()[:i] {
		out = append(out, f...)
	}
	for _, t := range tail {
		out = append(out, t...)
	}
	return out
}

func minimal() []byte { return withField(len(minimalFields())) }

// hostileSeeds are inputs whose length, count or index prefixes claim far
// more than the input holds, or that nest deeply.
func hostileSeeds() map[string][]byte {
	const gig = 1 << 30
	deep := withField(fLines, zigzag(1))
	for i := 0; i < 30000; i++ {
		deep = append(deep, 0, 0, 2) // Line{sku: "", qty: 0, children: [ ...
	}
	parents := []byte{}
	for i := 0; i < 3000; i++ {
		parents = append(parents, withField(fParent, []byte{0})...) // parent: branch 0, another Envelope
	}
	return map[string][]byte{
		"empty":                      {},
		"one byte":                   {0},
		"long overflow":              bytes.Repeat([]byte{0xff}, 11),
		"string of 2 GB":             withField(fName, zigzag(2*gig)),
		"string of MaxInt64":         withField(fName, zigzag(math.MaxInt64)),
		"negative string length":     withField(fName, zigzag(-5)),
		"bytes of 2 GB":              withField(fPayload, zigzag(2*gig)),
		"enum index out of range":    withField(fKind, zigzag(4)),
		"negative enum index":        withField(fKind, zigzag(-1)),
		"short fixed":                withField(fHash, []byte{1, 2, 3}),
		"billion strings":            withField(fTags, zigzag(gig), []byte{0}),
		"negative count, huge size":  withField(fTags, zigzag(-gig), zigzag(1<<40), []byte{0}),
		"MinInt64 count":             withField(fTags, zigzag(math.MinInt64)),
		"billion map entries":        withField(fCounts, zigzag(gig), []byte{2, 'k', 0}),
		"billion label entries":      withField(fLabels, zigzag(gig), []byte{2, 'k', 2, 'v'}),
		"label value cut short":      withField(fLabels, zigzag(1), []byte{2, 'k', 8, 'v'}),
		"billion empty arrays":       withField(fMatrix, zigzag(gig), []byte{0, 0, 0}),
		"nested billion ints":        withField(fMatrix, zigzag(1), zigzag(gig), []byte{0}),
		"union index out of range":   withField(fNote, zigzag(gig)),
		"negative union index":       withField(fNote, zigzag(-1)),
		"billion enum items":         withField(fChoice, zigzag(4), zigzag(gig), []byte{0}),
		"billion map of bytes":       withField(fChoice, zigzag(5), zigzag(gig), []byte{0, 0}),
		"decimal of a terabyte":      withField(fPrice, zigzag(1<<40)),
		"uuid of a gigabyte":         withField(fUID, zigzag(gig)),
		"billion lines":              withField(fLines, zigzag(gig), []byte{0, 0, 0, 0}),
		"lines nested 30000 deep":    deep,
		"parents nested 3000 deep":   parents,
		"minimal plus trailing byte": append(minimal(), 0),
	}
}

// validSeeds are random valid encodings of Envelope: goavro's, and the
// same datums with random array and map blocking.
func validSeeds(tb testing.TB) [][]byte {
	p, err := avrorand.Parse(schemaText(tb))
	if err != nil {
		tb.Fatal(err)
	}
	codec := referenceCodec(tb)
	r := rand.New(rand.NewPCG(42, 42))
	out := [][]byte{minimal()}
	for i := 0; i < 30; i++ {
		v, err := p.Datum(r)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := codec.BinaryFromNative(nil, v)
		if err != nil {
			tb.Fatal(err)
		}
		blocked, err := p.Append(nil, v, r)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b, blocked)
	}
	return out
}

// The minimal encoding and goavro agree, so the hostile seeds really are
// valid up to the field they attack.
func TestMinimalIsValid(t *testing.T) {
	codec := referenceCodec(t)
	if _, rest, err := codec.NativeFromBinary(minimal()); err != nil || len(rest) != 0 {
		t.Fatalf("goavro rejects the minimal Envelope: %v (%d bytes left)", err, len(rest))
	}
	var e Envelope
	if err := e.UnmarshalAvro(minimal()); err != nil {
		t.Fatalf("UnmarshalAvro(minimal) = %v", err)
	}
}

// Every hostile seed is rejected, within the allocation bound.
func TestHostileInputsFail(t *testing.T) {
	for name, in := range hostileSeeds() {
		t.Run(name, func(t *testing.T) {
			var e Envelope
			var err error
			alloc := allocated(func() { err = e.UnmarshalAvro(in) })
			if err == nil {
				t.Fatalf("UnmarshalAvro accepted a hostile input of %d bytes", len(in))
			}
			if limit := allocLimit(len(in)); alloc > limit {
				t.Fatalf("decoding %d bytes allocated %d bytes, limit %d", len(in), alloc, limit)
			}
		})
	}
}

// A value the decoder accepts must be one the encoder writes back: a
// pipeline that reads a record and forwards it must not fail on the
// write. The fuzzer found a fixed(8) decimal(18, 2) holding 19 digits: the
// bytes can hold it, the schema's precision cannot.
func TestDecodedDecimalReencodes(t *testing.T) {
	fields := minimalFields()
	fields[fAmount] = []byte{0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00} // 10^18: 19 digits
	var in []byte
	for _, f := range fields {
		in = append(in, f...)
	}
	var e Envelope
	if err := e.UnmarshalAvro(in); err != nil {
		return // rejected on read: consistent
	}
	if _, err := e.AppendAvro(nil); err != nil {
		t.Fatalf("UnmarshalAvro accepted a decimal that AppendAvro then refuses: %v", err)
	}
}

// normalize makes goavro's view of an Envelope comparable across a
// re-encoding that legitimately canonicalises: UUID text is lower-cased.
func normalize(v any) any {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["uid"].(string); ok {
			m["uid"] = strings.ToLower(s)
		}
	}
	return v
}

// FuzzUnmarshalAvro: no input panics the generated decoder or makes it
// allocate more than the input can justify; whatever it accepts encodes,
// decodes again to the same value, and means what goavro says it means.
func FuzzUnmarshalAvro(f *testing.F) {
	for _, s := range validSeeds(f) {
		f.Add(s)
	}
	for _, s := range hostileSeeds() {
		f.Add(s)
	}
	codec := referenceCodec(f)
	model, err := avrorand.Parse(schemaText(f))
	if err != nil {
		f.Fatal(err)
	}
	// One reused value and one Interner across inputs, as a source task
	// with object_reuse keeps them.
	var reused Envelope
	var in rtcodec.Interner
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Envelope
		var err error
		alloc := allocated(func() { err = e.UnmarshalAvro(data) })
		if limit := allocLimit(len(data)); alloc > limit {
			t.Fatalf("decoding %d bytes allocated %d bytes, limit %d", len(data), alloc, limit)
		}
		rerr := reused.UnmarshalAvroWith(data, true, &in)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("UnmarshalAvro: %v, but UnmarshalAvroWith: %v", err, rerr)
		}
		if err != nil {
			return
		}
		out, err := e.AppendAvro(nil)
		if err != nil {
			t.Fatalf("AppendAvro of a decoded value: %v", err)
		}
		rout, err := reused.AppendAvro(nil)
		if err != nil {
			t.Fatalf("AppendAvro of a reused, interned decode: %v", err)
		}
		var again Envelope
		if err := again.UnmarshalAvro(out); err != nil {
			t.Fatalf("UnmarshalAvro of its own encoding %x: %v", out, err)
		}
		out2, err := again.AppendAvro(nil)
		if err != nil {
			t.Fatalf("AppendAvro after the second decode: %v", err)
		}
		first, rest, err := codec.NativeFromBinary(out)
		if err != nil || len(rest) != 0 {
			t.Fatalf("goavro cannot read the re-encoding %x: %v (%d bytes left)", out, err, len(rest))
		}
		second, _, err := codec.NativeFromBinary(out2)
		if err != nil {
			t.Fatalf("goavro cannot read the second re-encoding: %v", err)
		}
		if d := avrorand.Diff(first, second); d != "" {
			t.Fatalf("decode, encode, decode changed the value: %s", d)
		}
		// A reused value and interned strings decode the same value (maps
		// may encode their entries in another order).
		if reread, _, err := codec.NativeFromBinary(rout); err != nil {
			t.Fatalf("goavro cannot read the reused decode's encoding: %v", err)
		} else if d := avrorand.Diff(first, reread); d != "" {
			t.Fatalf("a reused, interned decode differs from a fresh one: %s", d)
		}
		// Where the input is the canonical encoding of what goavro reads
		// in it, both must read the same value. (Non-canonical inputs, such
		// as an int varint with bits beyond the 32nd, are read differently
		// by goavro and by Java, whose reading the generated code follows.)
		if orig, rest, err := codec.NativeFromBinary(data); err == nil && len(rest) == 0 {
			if canon, err := model.Append(nil, orig, nil); err == nil && bytes.Equal(canon, data) {
				if d := avrorand.Diff(normalize(orig), normalize(first)); d != "" {
					t.Fatalf("the decoded value differs from goavro's reading of the input: %s", d)
				}
			}
		}
	})
}
