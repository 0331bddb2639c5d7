package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// MaxZeroSizeItems bounds the number of array items that can be encoded in
// zero bytes (null, an empty record, fixed(0), records made only of such
// fields) in one decoded datum, all arrays and blocks together. For every
// other item type a block count is bounded by the bytes left in the input
// divided by the smallest encoding of one item, so hostile counts fail
// before anything is allocated; zero-size items have no such bound, so this
// limit stops a few bytes of input from running a decoder through billions
// of iterations. Set it at start-up if needed, not while decoders run.
var MaxZeroSizeItems = 1 << 16

// MaxDepth bounds how deeply recursive records may nest in one decoded
// datum. Each level costs stack, and a recursive record can encode a level
// in very few bytes, so without a bound a small hostile input could exhaust
// the goroutine stack. Set it at start-up if needed, not while decoders run.
var MaxDepth = 10000

// failKind says which read failed first; the error message is built from
// it only when asked for, so the failure paths of the small, inlined read
// methods stay tiny.
type failKind uint8

const (
	failNone     failKind = iota
	failLong              // ReadLong: truncated or over-long varint
	failInt               // ReadInt: truncated or over-long varint
	failBoolean           // ReadBoolean: missing or invalid byte
	failFloat             // ReadFloat: truncated
	failDouble            // ReadDouble: truncated
	failDetailed          // err holds the error
)

// Reader reads Avro binary data from a byte slice for generated decoders.
// Errors are sticky: the first failure is kept and reported by Err and
// Finish, and every failed read returns a zero value, so generated code
// reads straight through a record without checking errors between fields.
// Reads after a failure stay within the input and never allocate more than
// the input can justify, so a decoder that keeps going over garbage stays
// safe. A Reader must not be copied once used (copies would share its
// string arena). It is meant to live on the caller's stack:
//
//	r := codec.NewReader(src)
//	x.decodeAvro(&r, false)
//	return r.Finish("com.acme.Click")
type Reader struct {
	buf     []byte
	off     int
	depth   int
	failOff int
	fail    failKind
	err     error
	strs    []byte // arena the strings read are copied into; see ReadString
	zeros   int    // zero-size items read so far, against MaxZeroSizeItems
	in      *Interner
	nstr    int // strings read so far: the position of the next (Interner)
}

// stringChunk is the most a string arena chunk allocates ahead of need.
const stringChunk = 1024

// NewReader returns a Reader over src.
func NewReader(src []byte) Reader {
	return Reader{buf: src}
}

// Reset makes r read src from the beginning and clears its error; it
// keeps r's Interner.
func (r *Reader) Reset(src []byte) {
	*r = Reader{buf: src, in: r.in}
}

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int { return r.off }

// Remaining returns the number of bytes not consumed yet.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Failed reports whether a read has failed.
func (r *Reader) Failed() bool { return r.fail != failNone }

// Err returns the first error met, or nil.
func (r *Reader) Err() error {
	if r.fail == failNone {
		return nil
	}
	if r.err == nil {
		r.err = r.describe()
	}
	return r.err
}

// describe builds the error of a failure recorded by an inlined read.
func (r *Reader) describe() error {
	e := &DecodeError{Offset: r.failOff}
	left := len(r.buf) - r.failOff
	switch r.fail {
	case failLong, failInt:
		e.What = "long"
		if r.fail == failInt {
			e.What = "int"
		}
		if left <= 0 {
			e.Msg = "truncated varint"
		} else {
			e.Msg = "varint too long"
		}
	case failBoolean:
		e.What = "boolean"
		if left <= 0 {
			e.Msg = "need 1 byte, 0 left"
		} else {
			e.Msg = fmt.Sprintf("invalid byte 0x%02x", r.buf[r.failOff])
		}
	case failFloat:
		e.What, e.Msg = "float", fmt.Sprintf("need 4 bytes, %d left", left)
	case failDouble:
		e.What, e.Msg = "double", fmt.Sprintf("need 8 bytes, %d left", left)
	}
	return e
}

// Finish returns the error of a decode that should have consumed all the
// input: the first read error, or an error when bytes are left over.
// Errors are prefixed with name (the full name of the record decoded).
func (r *Reader) Finish(name string) error {
	if err := r.Err(); err != nil {
		return fmt.Errorf("avro: decoding %s: %w", name, err)
	}
	if r.off != len(r.buf) {
		return fmt.Errorf("avro: decoding %s: %d trailing bytes after the datum ended at byte %d", name, len(r.buf)-r.off, r.off)
	}
	return nil
}

// DecodeError is a failure to decode Avro binary data: what was being read,
// the byte offset where the problem was found, and what was wrong.
type DecodeError struct {
	What   string
	Offset int
	Msg    string
}

// Error formats the problem as "reading <what> at byte <offset>: <msg>".
func (e *DecodeError) Error() string {
	return fmt.Sprintf("reading %s at byte %d: %s", e.What, e.Offset, e.Msg)
}

// bad records a failure of an inlined read at the current offset, unless
// a failure is already recorded.
func (r *Reader) bad(k failKind) {
	if r.fail == failNone {
		r.fail, r.failOff = k, r.off
	}
}

// failAt records a failure with its full description, unless a failure is
// already recorded, and marks the input consumed.
func (r *Reader) failAt(off int, what, msg string) {
	if r.fail == failNone {
		r.fail, r.failOff = failDetailed, off
		r.err = &DecodeError{What: what, Offset: off, Msg: msg}
	}
	r.off = len(r.buf)
}

// Fail records an error at the current offset, unless one is already
// recorded, and marks the rest of the input consumed. Generated code calls
// it for failures only it can detect.
func (r *Reader) Fail(what, msg string) {
	r.failAt(r.off, what, msg)
}

// BadIndex records the error for a union branch index or enum symbol index
// i outside [0, n); what says which ("union com.acme.Click.referrer").
// Generated code calls it from the default case of its branch switch.
func (r *Reader) BadIndex(what string, i int64, n int) {
	if r.fail == failNone {
		r.failAt(r.off, what, fmt.Sprintf("index %d out of range [0, %d)", i, n))
	}
}

// ReadBoolean reads an Avro boolean. Bytes other than 0 and 1 are an error.
func (r *Reader) ReadBoolean() bool {
	if r.off < len(r.buf) && r.buf[r.off] <= 1 {
		r.off++
		return r.buf[r.off-1] == 1
	}
	r.bad(failBoolean)
	return false
}

// ReadLong reads an Avro long: a zig-zag varint of at most 10 bytes. Like
// Java's decoder, it ignores bits of the tenth byte beyond the 64th.
func (r *Reader) ReadLong() int64 {
	var u uint64
	for s := uint(0); s < 64 && r.off < len(r.buf); s += 7 {
		b := r.buf[r.off]
		r.off++
		u |= uint64(b&0x7f) << s
		if b < 0x80 {
			return int64(u>>1) ^ -int64(u&1)
		}
	}
	r.bad(failLong)
	return 0
}

// ReadInt reads an Avro int: a zig-zag varint of at most 5 bytes. Like
// Java's decoder, it ignores bits of the fifth byte beyond the 32nd.
func (r *Reader) ReadInt() int32 {
	var u uint32
	for s := uint(0); s < 35 && r.off < len(r.buf); s += 7 {
		b := r.buf[r.off]
		r.off++
		u |= uint32(b&0x7f) << s
		if b < 0x80 {
			return int32(u>>1) ^ -int32(u&1)
		}
	}
	r.bad(failInt)
	return 0
}

// ReadFloat reads an Avro float (4 bytes, little-endian IEEE 754).
func (r *Reader) ReadFloat() float32 {
	if len(r.buf)-r.off >= 4 {
		v := binary.LittleEndian.Uint32(r.buf[r.off:])
		r.off += 4
		return math.Float32frombits(v)
	}
	r.bad(failFloat)
	return 0
}

// ReadDouble reads an Avro double (8 bytes, little-endian IEEE 754).
func (r *Reader) ReadDouble() float64 {
	if len(r.buf)-r.off >= 8 {
		v := binary.LittleEndian.Uint64(r.buf[r.off:])
		r.off += 8
		return math.Float64frombits(v)
	}
	r.bad(failDouble)
	return 0
}

// readLen reads the length prefix of bytes or a string and checks it
// against the input left: a length the input cannot hold is an error, so
// hostile lengths never reach an allocation. It returns 0 on error.
func (r *Reader) readLen(what string) int {
	if n, ok := r.shortLen(); ok {
		return n
	}
	return r.readLenSlow(what)
}

// shortLen reads the common length prefix: below 64, so one even byte, and
// within the input left. It reports false, reading nothing, otherwise.
func (r *Reader) shortLen() (int, bool) {
	if r.off < len(r.buf) {
		if b := r.buf[r.off]; b < 0x80 && b&1 == 0 && int(b>>1) < len(r.buf)-r.off {
			r.off++
			return int(b >> 1), true
		}
	}
	return 0, false
}

// readLenSlow is readLen for the lengths shortLen does not read, and
// errors.
//
//go:noinline
func (r *Reader) readLenSlow(what string) int {
	start := r.off
	n := r.ReadLong()
	if uint64(n) <= uint64(len(r.buf)-r.off) {
		return int(n)
	}
	if r.fail == failNone {
		if n < 0 {
			r.failAt(start, what, fmt.Sprintf("negative length %d", n))
		} else {
			r.failAt(start, what, fmt.Sprintf("length %d exceeds the %d bytes left", n, len(r.buf)-r.off))
		}
	}
	return 0
}

// ReadString reads an Avro string. The result does not alias the input:
// its bytes are copied into an arena that the strings of one Reader share,
// allocated in chunks of at most 1 KiB (or one string's size) and never
// more than the input left, so decoding a record with several strings
// allocates once instead of once per string. Keeping a string keeps its
// chunk alive. With an Interner (Intern), a short string it holds is
// returned without a copy, and the others go to the Interner's arena,
// which the records it decodes share (1 KiB chunks), so most records
// allocate nothing. Invalid UTF-8 is kept as is.
func (r *Reader) ReadString() string {
	n, ok := r.shortLen()
	if !ok {
		n = r.readLenSlow("string")
	}
	if n == 0 {
		return ""
	}
	a, size := &r.strs, len(r.buf)-r.off
	if r.in != nil {
		if s, ok := r.internString(n); ok {
			return s
		}
		// Across records: the Interner's arena outlives this Reader.
		a, size = &r.in.strs, stringChunk
	}
	if n > cap(*a)-len(*a) {
		newStringChunk(a, n, size)
	}
	start := len(*a)
	// Reslicing stores only the length: no pointer write, no write barrier.
	*a = (*a)[:start+n]
	copy((*a)[start:], r.buf[r.off:r.off+n])
	r.off += n
	// The arena bytes of this string are never written again: later strings
	// are appended after them, and a full chunk is replaced, not reused.
	return unsafe.String(&(*a)[start], n)
}

// newStringChunk replaces the string arena *a with one that has room for
// a string of n bytes: size bytes, at most stringChunk unless n is more.
func newStringChunk(a *[]byte, n, size int) {
	*a = make([]byte, 0, max(n, min(size, stringChunk)))
}

// ReadBytes reads Avro bytes into a new slice (never nil, even when empty,
// so that a decoded empty value differs from a nil "null" value).
func (r *Reader) ReadBytes() []byte {
	n := r.readLen("bytes")
	b := make([]byte, n)
	copy(b, r.buf[r.off:])
	r.off += n
	return b
}

// ReadBytesView reads Avro bytes and returns a slice of the input itself,
// without copying. The result is valid only while the input is.
func (r *Reader) ReadBytesView() []byte {
	n := r.readLen("bytes")
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// ReadFixed reads len(dst) bytes (an Avro fixed) into dst.
func (r *Reader) ReadFixed(dst []byte) {
	if len(r.buf)-r.off >= len(dst) {
		copy(dst, r.buf[r.off:])
		r.off += len(dst)
		return
	}
	r.truncated("fixed", len(dst))
}

func (r *Reader) truncated(what string, need int) {
	r.failAt(r.off, what, fmt.Sprintf("need %d bytes, %d left", need, len(r.buf)-r.off))
}

// ReadUnionIndex reads the branch index of a union with n branches. It
// returns -1, and records an error, when the index is not in [0, n).
// Generated code reads the index with ReadLong and switches on it, calling
// BadIndex in the default case; this method is for hand-written decoders.
func (r *Reader) ReadUnionIndex(n int) int {
	i := r.ReadLong()
	if uint64(i) < uint64(n) {
		return int(i)
	}
	r.BadIndex("union index", i, n)
	return -1
}

// ReadEnum reads the symbol index of an enum with n symbols. It returns 0,
// and records an error, when the index is not in [0, n).
func (r *Reader) ReadEnum(n int) int32 {
	i := r.ReadInt()
	if uint32(i) < uint32(n) {
		return i
	}
	r.BadIndex("enum index", int64(i), n)
	return 0
}

// ReadBlockCount reads the item count that starts a block of an array or
// map, and returns 0 at the end of the items (or once a read has failed).
// A negative count is followed by the block's size in bytes, which is read
// and checked. minItemSize is the fewest bytes one item can be encoded in
// (for a map item, its key included); a count the input left cannot hold
// is an error, and so are zero-size items (minItemSize 0) beyond
// MaxZeroSizeItems in one datum.
func (r *Reader) ReadBlockCount(minItemSize int) int {
	if r.fail != failNone {
		return 0
	}
	start := r.off
	c := r.ReadLong()
	if c == 0 || r.fail != failNone {
		return 0
	}
	if c < 0 {
		if c == math.MinInt64 {
			r.failAt(start, "block count", "count overflows")
			return 0
		}
		c = -c
		sizeAt := r.off
		size := r.ReadLong()
		if r.fail != failNone {
			return 0
		}
		if size < 0 || size > int64(len(r.buf)-r.off) {
			r.failAt(sizeAt, "block size", fmt.Sprintf("block size %d outside [0, %d]", size, len(r.buf)-r.off))
			return 0
		}
	}
	left := len(r.buf) - r.off
	if minItemSize > 0 {
		if c > int64(left/minItemSize) {
			r.failAt(start, "block count", fmt.Sprintf("%d items of at least %d bytes each exceed the %d bytes left", c, minItemSize, left))
			return 0
		}
	} else {
		if c > int64(MaxZeroSizeItems-r.zeros) {
			r.failAt(start, "block count", fmt.Sprintf("%d items exceed the limit of %d (codec.MaxZeroSizeItems) for zero-size items in one datum, %d already read", c, MaxZeroSizeItems, r.zeros))
			return 0
		}
		r.zeros += int(c)
	}
	return int(c)
}

// Enter is called by generated decoders when they start a record that can
// contain itself; it reports false, and records an error, when records
// nest deeper than MaxDepth or a read has already failed.
func (r *Reader) Enter() bool {
	r.depth++
	if r.depth <= MaxDepth && r.fail == failNone {
		return true
	}
	if r.fail == failNone {
		r.Fail("record", fmt.Sprintf("records nest deeper than %d (codec.MaxDepth)", MaxDepth))
	}
	return false
}

// Leave ends a record started with Enter.
func (r *Reader) Leave() { r.depth-- }
