package codec_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestReaderPrimitives(t *testing.T) {
	var b []byte
	b = codec.AppendBoolean(b, true)
	b = codec.AppendInt(b, -70000)
	b = codec.AppendLong(b, 1<<40)
	b = codec.AppendFloat(b, 0.5)
	b = codec.AppendDouble(b, -0.25)
	b = codec.AppendString(b, "héllo")
	b = codec.AppendBytes(b, []byte{0, 1, 2})
	b = codec.AppendBytes(b, nil)
	b = codec.AppendFixed(b, []byte{9, 8, 7, 6})
	b = codec.AppendUnionIndex(b, 2)
	b, _ = codec.AppendEnum(b, 1, 4, "E")

	r := codec.NewReader(b)
	if v := r.ReadBoolean(); !v {
		t.Error("boolean")
	}
	if v := r.ReadInt(); v != -70000 {
		t.Errorf("int = %d", v)
	}
	if v := r.ReadLong(); v != 1<<40 {
		t.Errorf("long = %d", v)
	}
	if v := r.ReadFloat(); v != 0.5 {
		t.Errorf("float = %v", v)
	}
	if v := r.ReadDouble(); v != -0.25 {
		t.Errorf("double = %v", v)
	}
	if v := r.ReadString(); v != "héllo" {
		t.Errorf("string = %q", v)
	}
	if v := r.ReadBytes(); !bytes.Equal(v, []byte{0, 1, 2}) {
		t.Errorf("bytes = %v", v)
	}
	if v := r.ReadBytes(); v == nil || len(v) != 0 {
		t.Errorf("empty bytes = %#v, want non-nil empty", v)
	}
	var fx [4]byte
	r.ReadFixed(fx[:])
	if fx != [4]byte{9, 8, 7, 6} {
		t.Errorf("fixed = %v", fx)
	}
	if v := r.ReadUnionIndex(3); v != 2 {
		t.Errorf("union index = %d", v)
	}
	if v := r.ReadEnum(4); v != 1 {
		t.Errorf("enum = %d", v)
	}
	if err := r.Finish("T"); err != nil {
		t.Fatal(err)
	}
}

func TestReaderBytesDoNotAliasInput(t *testing.T) {
	src := codec.AppendBytes(nil, []byte("abc"))
	r := codec.NewReader(src)
	b := r.ReadBytes()
	src[1] = 'X'
	if string(b) != "abc" {
		t.Errorf("ReadBytes aliases its input: %q", b)
	}
	r = codec.NewReader(src)
	if v := r.ReadBytesView(); string(v) != "Xbc" || cap(v) != 3 {
		t.Errorf("ReadBytesView = %q cap %d", v, cap(v))
	}
}

func TestReaderStrings(t *testing.T) {
	long := strings.Repeat("x", 3000)
	var src []byte
	want := []string{"a", "", "héllo", long, "tail", strings.Repeat("y", 1500)}
	for _, s := range want {
		src = codec.AppendString(src, s)
	}
	r := codec.NewReader(src)
	var got []string
	for range want {
		got = append(got, r.ReadString())
	}
	if err := r.Finish("S"); err != nil {
		t.Fatal(err)
	}
	for i := range src {
		src[i] = '!' // the strings must not alias the input
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("string %d = %.20q, want %.20q", i, got[i], want[i])
		}
	}
	// Several short strings cost one allocation, never more than the input.
	src = nil
	for i := 0; i < 10; i++ {
		src = codec.AppendString(src, "value-"+strings.Repeat("z", i))
	}
	allocs := testing.AllocsPerRun(100, func() {
		r := codec.NewReader(src)
		for i := 0; i < 10; i++ {
			r.ReadString()
		}
	})
	if allocs != 1 {
		t.Errorf("reading 10 short strings allocated %v times, want 1", allocs)
	}
}

// Every failure must be an error naming what was read and the byte offset,
// never a panic and never an allocation the input cannot justify.
func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		read func(r *codec.Reader)
		want string
	}{
		{"truncated varint", []byte{0x80, 0x80}, func(r *codec.Reader) { r.ReadLong() }, "reading long at byte 2: truncated varint"},
		{"empty long", nil, func(r *codec.Reader) { r.ReadLong() }, "reading long at byte 0: truncated varint"},
		{"varint too long", bytes.Repeat([]byte{0xff}, 11), func(r *codec.Reader) { r.ReadLong() }, "reading long at byte 10: varint too long"},
		{"int varint too long", bytes.Repeat([]byte{0x80}, 6), func(r *codec.Reader) { r.ReadInt() }, "reading int at byte 5: varint too long"},
		{"truncated int", []byte{0xff}, func(r *codec.Reader) { r.ReadInt() }, "reading int at byte 1: truncated varint"},
		{"invalid boolean", []byte{2}, func(r *codec.Reader) { r.ReadBoolean() }, "reading boolean at byte 0: invalid byte 0x02"},
		{"truncated boolean", nil, func(r *codec.Reader) { r.ReadBoolean() }, "reading boolean at byte 0: need 1 byte, 0 left"},
		{"truncated float", []byte{1, 2, 3}, func(r *codec.Reader) { r.ReadFloat() }, "reading float at byte 0: need 4 bytes, 3 left"},
		{"truncated double", []byte{1}, func(r *codec.Reader) { r.ReadLong(); r.ReadDouble() }, "reading double at byte 1: need 8 bytes, 0 left"},
		{"hostile string length", append(codec.AppendLong(nil, 2<<30), "abcdefgh"...), func(r *codec.Reader) { r.ReadString() }, "reading string at byte 0: length 2147483648 exceeds the 8 bytes left"},
		{"negative string length", codec.AppendLong(nil, -5), func(r *codec.Reader) { r.ReadString() }, "reading string at byte 0: negative length -5"},
		{"hostile bytes length", append([]byte{0x02}, codec.AppendLong(nil, math.MaxInt64)...), func(r *codec.Reader) { r.ReadLong(); r.ReadBytes() }, "reading bytes at byte 1: length 9223372036854775807 exceeds the 0 bytes left"},
		{"truncated fixed", []byte{1, 2}, func(r *codec.Reader) { var b [3]byte; r.ReadFixed(b[:]) }, "reading fixed at byte 0: need 3 bytes, 2 left"},
		{"union index out of range", []byte{4}, func(r *codec.Reader) { r.ReadUnionIndex(2) }, "reading union index at byte 1: index 2 out of range [0, 2)"},
		{"negative union index", []byte{1}, func(r *codec.Reader) { r.ReadUnionIndex(2) }, "reading union index at byte 1: index -1 out of range [0, 2)"},
		{"enum index out of range", codec.AppendLong(nil, 1000), func(r *codec.Reader) { r.ReadEnum(3) }, "reading enum index at byte 2: index 1000 out of range [0, 3)"},
		{"billion items", append(codec.AppendLong(nil, 1e9), 1, 2, 3), func(r *codec.Reader) { r.ReadBlockCount(1) }, "reading block count at byte 0: 1000000000 items of at least 1 bytes each exceed the 3 bytes left"},
		{"items wider than input", []byte{0x06, 0, 0, 0, 0, 0}, func(r *codec.Reader) { r.ReadBlockCount(2) }, "3 items of at least 2 bytes each exceed the 5 bytes left"},
		{"zero-size items over the limit", codec.AppendLong(nil, 1<<20), func(r *codec.Reader) { r.ReadBlockCount(0) }, "1048576 items exceed the limit of 65536 (codec.MaxZeroSizeItems) for zero-size items"},
		{"negative count, hostile size", append(codec.AppendLong(nil, -2), codec.AppendLong(nil, 1<<40)...), func(r *codec.Reader) { r.ReadBlockCount(1) }, "reading block size at byte 1: block size 1099511627776 outside [0, 0]"},
		{"negative count, negative size", append(codec.AppendLong(nil, -2), codec.AppendLong(nil, -1)...), func(r *codec.Reader) { r.ReadBlockCount(1) }, "block size -1 outside"},
		{"negative count, truncated size", codec.AppendLong(nil, -2), func(r *codec.Reader) { r.ReadBlockCount(1) }, "reading long at byte 1: truncated varint"},
		{"min count", codec.AppendLong(nil, math.MinInt64), func(r *codec.Reader) { r.ReadBlockCount(1) }, "reading block count at byte 0: count overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := codec.NewReader(tc.src)
			tc.read(&r)
			if r.Err() == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(r.Err().Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", r.Err(), tc.want)
			}
			err := r.Finish("com.acme.T")
			if err == nil || !strings.HasPrefix(err.Error(), "avro: decoding com.acme.T: reading ") {
				t.Errorf("Finish error %q, want the record name and what was read", err)
			}
		})
	}
}

func TestReaderStickyError(t *testing.T) {
	src := append([]byte{0x05}, codec.AppendString(nil, "abc")...) // bad union index, then a string
	r := codec.NewReader(src)
	if i := r.ReadUnionIndex(2); i != -1 {
		t.Errorf("ReadUnionIndex = %d, want -1", i)
	}
	if s := r.ReadString(); s != "" {
		t.Errorf("ReadString after an error = %q, want empty", s)
	}
	if n := r.ReadBlockCount(1); n != 0 {
		t.Errorf("ReadBlockCount after an error = %d, want 0", n)
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "union index at byte 1") {
		t.Errorf("first error not kept: %v", err)
	}
}

func TestReaderTrailingBytes(t *testing.T) {
	r := codec.NewReader([]byte{0x02, 0x00})
	r.ReadLong()
	err := r.Finish("com.acme.T")
	if err == nil || err.Error() != "avro: decoding com.acme.T: 1 trailing bytes after the datum ended at byte 1" {
		t.Errorf("Finish = %v", err)
	}
}

func TestReaderBlocks(t *testing.T) {
	// Array of longs [1, 2, 3] written as a block with a negative count and
	// its byte size, then a positive block, then the end.
	var b []byte
	b = codec.AppendLong(b, -2)
	b = codec.AppendLong(b, 2)
	b = codec.AppendLong(b, 1)
	b = codec.AppendLong(b, 2)
	b = codec.AppendLong(b, 1)
	b = codec.AppendLong(b, 3)
	b = codec.AppendLong(b, 0)
	r := codec.NewReader(b)
	var got []int64
	for n := r.ReadBlockCount(1); n > 0; n = r.ReadBlockCount(1) {
		for ; n > 0; n-- {
			got = append(got, r.ReadLong())
		}
	}
	if err := r.Finish("A"); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Errorf("items = %v", got)
	}

	// Zero-size items (nulls) within the limit.
	r = codec.NewReader(append(codec.AppendLong(nil, 1000), 0))
	if n := r.ReadBlockCount(0); n != 1000 {
		t.Errorf("zero-size block count = %d (%v)", n, r.Err())
	}
	// The limit holds for all blocks together: many blocks of few bytes
	// each cannot add up to billions of iterations.
	var many []byte
	for i := 0; i < 100; i++ {
		many = codec.AppendLong(many, 1000)
	}
	r = codec.NewReader(many)
	total := 0
	for n := r.ReadBlockCount(0); n > 0; n = r.ReadBlockCount(0) {
		total += n
	}
	if total != 65000 || r.Err() == nil || !strings.Contains(r.Err().Error(), "1000 items exceed the limit of 65536 (codec.MaxZeroSizeItems) for zero-size items in one datum, 65000 already read") {
		t.Errorf("zero-size items over blocks: %d read, error %v", total, r.Err())
	}
}

func TestReaderDepth(t *testing.T) {
	r := codec.NewReader(nil)
	for i := 0; i < codec.MaxDepth; i++ {
		if !r.Enter() {
			t.Fatalf("Enter failed at depth %d", i+1)
		}
	}
	if r.Enter() {
		t.Fatal("Enter beyond MaxDepth succeeded")
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("depth error = %v", err)
	}
	r.Reset([]byte{2})
	if !r.Enter() || r.ReadLong() != 1 {
		t.Error("Reset did not clear depth and error")
	}
	r.Leave()
}

func TestReaderDoesNotEscape(t *testing.T) {
	src := codec.AppendLong(codec.AppendInt(nil, 7), 9)
	var sink int64
	allocs := testing.AllocsPerRun(100, func() {
		r := codec.NewReader(src)
		sink = int64(r.ReadInt()) + r.ReadLong()
		if err := r.Finish("T"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 || sink != 16 {
		t.Errorf("decoding on a stack Reader allocated %v times (sum %d)", allocs, sink)
	}
}

func TestReaderNonCanonicalVarint(t *testing.T) {
	// Overlong but valid varints decode (0 written in two bytes).
	r := codec.NewReader([]byte{0x80, 0x00, 0x82, 0x00})
	if v := r.ReadLong(); v != 0 {
		t.Errorf("got %d", v)
	}
	if v := r.ReadInt(); v != 1 {
		t.Errorf("got %d", v)
	}
	if err := r.Finish("T"); err != nil {
		t.Fatal(err)
	}
}

// FuzzReader drives every read method over arbitrary input: no read may
// panic, and a failed Reader must report an error that names an offset
// inside the input.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x02, 0x80}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add(codec.AppendLong(nil, 1<<40), []byte{6, 6, 6})
	f.Add(append(codec.AppendLong(nil, -3), 0xff, 0xff, 0xff, 0xff, 0x0f), []byte{9, 10, 11})
	f.Fuzz(func(t *testing.T, src, ops []byte) {
		r := codec.NewReader(src)
		var fx [5]byte
		for _, op := range ops {
			switch op % 16 {
			case 0:
				r.ReadBoolean()
			case 1:
				r.ReadInt()
			case 2:
				r.ReadLong()
			case 3:
				r.ReadFloat()
			case 4:
				r.ReadDouble()
			case 5:
				if s := r.ReadString(); len(s) > len(src) {
					t.Fatalf("string of %d bytes from %d bytes of input", len(s), len(src))
				}
			case 6:
				r.ReadBytes()
			case 7:
				r.ReadFixed(fx[:])
			case 8:
				r.ReadUnionIndex(3)
			case 9:
				r.ReadEnum(5)
			case 10:
				if n := r.ReadBlockCount(int(op / 16)); n > len(src) && op/16 > 0 {
					t.Fatalf("block count %d from %d bytes of input", n, len(src))
				}
			case 11:
				r.ReadDecimalBytes(18, 2)
			case 12:
				r.ReadBigDecimal()
			case 13:
				r.ReadUUIDString()
			case 14:
				r.ReadDuration()
			case 15:
				r.ReadTimeMicros()
			}
		}
		if r.Offset() > len(src) || r.Remaining() < 0 {
			t.Fatalf("offset %d beyond the input of %d bytes", r.Offset(), len(src))
		}
		if err := r.Err(); err != nil {
			var de *codec.DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(src) {
				t.Fatalf("error %v does not name an offset within the input", err)
			}
		}
	})
}
