package runtime

import (
	"bytes"
	"math"
	"reflect"
	"sort"
	"testing"
)

func roundTrip[T any](t *testing.T, c Codec[T], vals []T) {
	t.Helper()
	for _, v := range vals {
		b, err := c.Append([]byte("prefix"), v)
		ok(t, err)
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatalf("Append dropped dst for %v", v)
		}
		got, err := c.Decode(b[len("prefix"):])
		ok(t, err)
		if !reflect.DeepEqual(got, v) && !(isNaN(any(v)) && isNaN(any(got))) {
			t.Fatalf("round trip of %v gave %v", v, got)
		}
	}
}

func isNaN(v any) bool { f, ok := v.(float64); return ok && math.IsNaN(f) }

// orderPreserved checks that sorting encodings sorts the values.
func orderPreserved[T any](t *testing.T, c Codec[T], sorted []T) {
	t.Helper()
	encs := make([][]byte, len(sorted))
	for i, v := range sorted {
		encs[i], _ = c.Append(nil, v)
	}
	if !sort.SliceIsSorted(encs, func(i, j int) bool { return bytes.Compare(encs[i], encs[j]) < 0 }) {
		t.Fatalf("encodings of %v are not in order", sorted)
	}
}

func TestPrimitiveCodecs(t *testing.T) {
	ints := []int64{math.MinInt64, -1 << 40, -1, 0, 1, 255, 1 << 40, math.MaxInt64}
	roundTrip(t, Int64Codec{}, ints)
	orderPreserved(t, Int64Codec{}, ints)
	i32 := []int32{math.MinInt32, -7, 0, 7, math.MaxInt32}
	roundTrip(t, Int32Codec{}, i32)
	orderPreserved(t, Int32Codec{}, i32)
	fs := []float64{math.Inf(-1), -1e300, -1, -1e-300, 0, 1e-300, 1, 1e300, math.Inf(1)}
	roundTrip(t, Float64Codec{}, fs)
	orderPreserved(t, Float64Codec{}, fs)
	roundTrip(t, Float64Codec{}, []float64{math.NaN()})
	roundTrip(t, BoolCodec{}, []bool{false, true})
	strs := []string{"", "a", "ab", "b", "\xff"}
	roundTrip(t, StringCodec{}, strs)
	orderPreserved(t, StringCodec{}, strs)
	roundTrip(t, BytesCodec{}, [][]byte{{}, {0}, []byte("xyz")})
	type rec struct {
		A int
		B string
	}
	roundTrip(t, JSONCodec[rec]{}, []rec{{1, "x"}, {}})
}

func TestCodecRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		dec  func([]byte) error
		in   []byte
	}{
		{"int64 short", func(b []byte) error { _, err := Int64Codec{}.Decode(b); return err }, []byte{1, 2}},
		{"int32 long", func(b []byte) error { _, err := Int32Codec{}.Decode(b); return err }, make([]byte, 5)},
		{"float64 short", func(b []byte) error { _, err := Float64Codec{}.Decode(b); return err }, []byte{1}},
		{"bool 2", func(b []byte) error { _, err := BoolCodec{}.Decode(b); return err }, []byte{2}},
		{"json", func(b []byte) error { _, err := JSONCodec[int]{}.Decode(b); return err }, []byte("{")},
	}
	for _, tc := range cases {
		if err := tc.dec(tc.in); err == nil {
			t.Errorf("%s: decoding % x succeeded", tc.name, tc.in)
		}
	}
}

// avroPoint stands in for a generated Avro record: zigzag varints.
type avroPoint struct{ X, Y int64 }

func (p *avroPoint) AppendAvro(dst []byte) ([]byte, error) {
	dst = appendZigzag(dst, p.X)
	return appendZigzag(dst, p.Y), nil
}

func (p *avroPoint) UnmarshalAvro(src []byte) error {
	var err error
	if p.X, src, err = readZigzag(src); err != nil {
		return err
	}
	p.Y, _, err = readZigzag(src)
	return err
}

func appendZigzag(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

func readZigzag(b []byte) (int64, []byte, error) {
	var u uint64
	for i := 0; i < len(b) && i < 10; i++ {
		u |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return int64(u>>1) ^ -int64(u&1), b[i+1:], nil
		}
	}
	return 0, nil, errBadKey
}

func TestAvroCodecAdapter(t *testing.T) {
	roundTrip(t, AvroCodec[avroPoint, *avroPoint]{}, []avroPoint{{0, 0}, {-5, 1 << 40}})
	if _, err := (AvroCodec[avroPoint, *avroPoint]{}).Decode([]byte{0x80}); err == nil {
		t.Fatal("truncated Avro input decoded")
	}
}
