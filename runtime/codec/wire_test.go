package codec_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestAppendLongKnownEncodings(t *testing.T) {
	// Examples from the Avro specification, section "Binary Encoding".
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x00}},
		{-1, []byte{0x01}},
		{1, []byte{0x02}},
		{-2, []byte{0x03}},
		{2, []byte{0x04}},
		{-64, []byte{0x7f}},
		{64, []byte{0x80, 0x01}},
		{8191, []byte{0xfe, 0x7f}},
		{-8193, []byte{0x81, 0x80, 0x01}},
		{math.MaxInt64, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{math.MinInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, tc := range tests {
		if got := codec.AppendLong(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("AppendLong(%d) = % x, want % x", tc.v, got, tc.want)
		}
		if tc.v >= math.MinInt32 && tc.v <= math.MaxInt32 {
			if got := codec.AppendInt(nil, int32(tc.v)); !bytes.Equal(got, tc.want) {
				t.Errorf("AppendInt(%d) = % x, want % x", tc.v, got, tc.want)
			}
		}
	}
}

// Avro's zig-zag varint is the same encoding as encoding/binary's signed
// varint, which serves as the reference here.
func TestAppendLongMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		v := int64(r.Uint64()) >> (r.IntN(64))
		got := codec.AppendLong([]byte{0xaa}, v)
		want := binary.AppendVarint([]byte{0xaa}, v)
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendLong(%d) = % x, want % x", v, got, want)
		}
		rd := codec.NewReader(got[1:])
		if back := rd.ReadLong(); back != v || rd.Err() != nil || rd.Remaining() != 0 {
			t.Fatalf("ReadLong after AppendLong(%d) = %d, err %v, %d left", v, back, rd.Err(), rd.Remaining())
		}
		v32 := int32(v)
		got = codec.AppendInt(nil, v32)
		if want := binary.AppendVarint(nil, int64(v32)); !bytes.Equal(got, want) {
			t.Fatalf("AppendInt(%d) = % x, want % x", v32, got, want)
		}
		rd = codec.NewReader(got)
		if back := rd.ReadInt(); back != v32 || rd.Err() != nil {
			t.Fatalf("ReadInt after AppendInt(%d) = %d, err %v", v32, back, rd.Err())
		}
	}
}

func TestAppendPrimitives(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"true", codec.AppendBoolean(nil, true), []byte{1}},
		{"false", codec.AppendBoolean(nil, false), []byte{0}},
		{"float", codec.AppendFloat(nil, 1.5), []byte{0x00, 0x00, 0xc0, 0x3f}},
		{"double", codec.AppendDouble(nil, -2), []byte{0, 0, 0, 0, 0, 0, 0, 0xc0}},
		{"string", codec.AppendString(nil, "foo"), []byte{0x06, 'f', 'o', 'o'}},
		{"empty string", codec.AppendString(nil, ""), []byte{0x00}},
		{"bytes", codec.AppendBytes(nil, []byte{0xff, 0}), []byte{0x04, 0xff, 0}},
		{"fixed", codec.AppendFixed(nil, []byte{1, 2, 3}), []byte{1, 2, 3}},
		{"union index 0", codec.AppendUnionIndex(nil, 0), []byte{0}},
		{"union index 3", codec.AppendUnionIndex(nil, 3), []byte{6}},
		{"union index 64", codec.AppendUnionIndex(nil, 64), []byte{0x80, 0x01}},
		{"block count", codec.AppendBlockCount(nil, 2), []byte{4}},
	}
	for _, tc := range tests {
		if !bytes.Equal(tc.got, tc.want) {
			t.Errorf("%s: got % x, want % x", tc.name, tc.got, tc.want)
		}
	}
}

func TestAppendEnum(t *testing.T) {
	got, err := codec.AppendEnum(nil, 2, 3, "Card.suit")
	if err != nil || !bytes.Equal(got, []byte{4}) {
		t.Errorf("AppendEnum(2 of 3) = % x, %v", got, err)
	}
	got, err = codec.AppendEnum(nil, 70, 100, "E")
	if err != nil || !bytes.Equal(got, []byte{0x8c, 0x01}) {
		t.Errorf("AppendEnum(70 of 100) = % x, %v", got, err)
	}
	for _, v := range []int32{3, -1} {
		_, err := codec.AppendEnum(nil, v, 3, "Card.suit")
		if err == nil || err.Error() != "avro: encoding Card.suit: enum value "+strconv.Itoa(int(v))+" out of range [0, 3)" {
			t.Errorf("AppendEnum(%d of 3) error = %v", v, err)
		}
	}
}

func TestFloatRoundTrip(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1.25, -3e300, math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64} {
		b := codec.AppendDouble(nil, f)
		r := codec.NewReader(b)
		got := r.ReadDouble()
		if math.Float64bits(got) != math.Float64bits(f) || r.Err() != nil {
			t.Errorf("double %v: got %v (%v)", f, got, r.Err())
		}
		f32 := float32(f)
		b = codec.AppendFloat(nil, f32)
		r = codec.NewReader(b)
		got32 := r.ReadFloat()
		if math.Float32bits(got32) != math.Float32bits(f32) || r.Err() != nil {
			t.Errorf("float %v: got %v (%v)", f32, got32, r.Err())
		}
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	dst := make([]byte, 0, 1024)
	s := "hello, world"
	b := []byte("bytes")
	allocs := testing.AllocsPerRun(100, func() {
		d := dst[:0]
		d = codec.AppendBoolean(d, true)
		d = codec.AppendInt(d, -12345)
		d = codec.AppendLong(d, math.MaxInt64)
		d = codec.AppendFloat(d, 1.5)
		d = codec.AppendDouble(d, 2.5)
		d = codec.AppendString(d, s)
		d = codec.AppendBytes(d, b)
		d = codec.AppendFixed(d, b)
		d = codec.AppendUnionIndex(d, 1)
		d, _ = codec.AppendEnum(d, 1, 2, "E")
		_ = d
	})
	if allocs != 0 {
		t.Errorf("appending primitives allocated %v times, want 0", allocs)
	}
}
