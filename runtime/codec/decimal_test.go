package codec_test

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in       string
		unscaled string
		scale    int32
		str      string
	}{
		{"0", "0", 0, "0"},
		{"12.30", "1230", 2, "12.30"},
		{"-0.001", "-1", 3, "-0.001"},
		{"+7", "7", 0, "7"},
		{".5", "5", 1, "0.5"},
		{"5.", "5", 0, "5"},
		{"1.5e3", "15", -2, "1500"},
		{"1.5E-3", "15", 4, "0.0015"},
		{"-0", "0", 0, "0"},
		{"0.000", "0", 3, "0.000"},
		{"9223372036854775807", "9223372036854775807", 0, "9223372036854775807"},
		{"-9223372036854775808", "-9223372036854775808", 0, "-9223372036854775808"},
		{"9223372036854775808", "9223372036854775808", 0, "9223372036854775808"},
		{"-123456789012345678901234567890.123456789", "-123456789012345678901234567890123456789", 9, "-123456789012345678901234567890.123456789"},
		{"18446744073709551616e-2", "18446744073709551616", 2, "184467440737095516.16"},
		{"15e40", "15", -40, "15e40"},
		{"1.5e-40", "15", 41, "15e-41"},
		{"1e-32", "1", 32, "0.00000000000000000000000000000001"},
		{"0e-100", "0", 100, "0e-100"},
		{"-7e2147483647", "-7", -2147483647, "-7e2147483647"},
	}
	for _, tc := range tests {
		d, err := codec.ParseDecimal(tc.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q): %v", tc.in, err)
			continue
		}
		if d.Unscaled().String() != tc.unscaled || d.Scale() != tc.scale {
			t.Errorf("ParseDecimal(%q) = %s×10^-%d, want %s×10^-%d", tc.in, d.Unscaled(), d.Scale(), tc.unscaled, tc.scale)
		}
		if d.String() != tc.str {
			t.Errorf("ParseDecimal(%q).String() = %q, want %q", tc.in, d.String(), tc.str)
		}
		back, err := codec.ParseDecimal(d.String())
		if err != nil || back.Cmp(d) != 0 {
			t.Errorf("re-parsing %q gave %v, %v", d.String(), back, err)
		}
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "1e", "1e+", "abc", "NaN", "Infinity", "1,5", "1 ", " 1", "1e99999999999", "0x10"} {
		if _, err := codec.ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) succeeded", bad)
		}
	}
}

func TestDecimalArithmetic(t *testing.T) {
	a := codec.MustParseDecimal("1.50")
	b := codec.NewDecimal(15, 1)
	if !a.Equal(b) || a.Cmp(b) != 0 || a == b {
		t.Errorf("1.50 vs 1.5: Equal %v Cmp %d ==%v", a.Equal(b), a.Cmp(b), a == b)
	}
	if c := codec.MustParseDecimal("-2").Cmp(a); c != -1 {
		t.Errorf("Cmp(-2, 1.50) = %d", c)
	}
	cmps := []struct {
		a, b string
		want int
	}{
		{"1e2000000000", "1e-2000000000", 1},
		{"-1e2000000000", "1e-2000000000", -1},
		{"-1e2000000000", "-1e-2000000000", -1},
		{"0e5", "0.000", 0},
		{"1.000000000000000000000000000000001", "1", 1},
		{"99.9", "1e2", -1},
		{"-99.9", "-1e2", 1},
		{"100.0", "1e2", 0},
		{"123456789012345678901234567890", "1.23456789012345678901234567890e29", 0},
	}
	for _, c := range cmps {
		if got := codec.MustParseDecimal(c.a).Cmp(codec.MustParseDecimal(c.b)); got != c.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	if r := a.Rat(); r.Cmp(big.NewRat(3, 2)) != 0 {
		t.Errorf("Rat = %v", r)
	}
	if f := codec.MustParseDecimal("-0.125").Float64(); f != -0.125 {
		t.Errorf("Float64 = %v", f)
	}
	if p := codec.MustParseDecimal("-0.00120").Precision(); p != 3 {
		t.Errorf("Precision = %d", p)
	}
	if p := codec.MustParseDecimal("123456789012345678901234567890").Precision(); p != 30 {
		t.Errorf("Precision = %d", p)
	}
	if codec.MustParseDecimal("0.00").Sign() != 0 || !codec.MustParseDecimal("0.00").IsZero() {
		t.Error("zero")
	}
	big1 := codec.NewDecimalBig(new(big.Int).Lsh(big.NewInt(1), 100), 0)
	if big1.Sign() != 1 || big1.Cmp(a) != 1 {
		t.Error("big comparison")
	}
	if _, ok := big1.Unscaled64(); ok {
		t.Error("2^100 fits an int64?")
	}
	if v, ok := codec.NewDecimalBig(big.NewInt(-5), 1).Unscaled64(); !ok || v != -5 {
		t.Error("small big.Int not normalised")
	}
}

func TestDecimalRescale(t *testing.T) {
	tests := []struct {
		in    string
		scale int32
		want  string
		err   bool
	}{
		{"1.5", 3, "1.500", false},
		{"1.500", 1, "1.5", false},
		{"1.55", 1, "", true},
		{"-1.50", 0, "", true},
		{"100", -2, "100", false},
		{"0.0", 30, "0.000000000000000000000000000000", false},
		{"9223372036854775807", 2, "9223372036854775807.00", false},
		{"123456789012345678901234567890.00", 0, "123456789012345678901234567890", false},
		{"123456789012345678901234567890.01", 0, "", true},
		{"1", 25, "1.0000000000000000000000000", false},
		{"1.0000000000000000000000000", 0, "1", false},
		{"1e-2000000000", 0, "", true},
		{"1e2000000000", 0, "", true},
		{"0e2000000000", 5, "0.00000", false},
		{"123e-1000", 0, "", true},
	}
	for _, tc := range tests {
		d, err := codec.MustParseDecimal(tc.in).Rescale(tc.scale)
		if tc.err {
			if err == nil {
				t.Errorf("Rescale(%s, %d) = %s, want an error", tc.in, tc.scale, d)
			}
			continue
		}
		if err != nil || d.String() != tc.want || d.Scale() != tc.scale {
			t.Errorf("Rescale(%s, %d) = %s (scale %d), %v; want %s", tc.in, tc.scale, d, d.Scale(), err, tc.want)
		}
	}
}

func TestDecimalBytesEncoding(t *testing.T) {
	tests := []struct {
		in        string
		precision int
		scale     int
		want      []byte // the two's complement payload, without the length
	}{
		{"0", 5, 0, []byte{0x00}},
		{"1", 5, 0, []byte{0x01}},
		{"-1", 5, 0, []byte{0xff}},
		{"127", 5, 0, []byte{0x7f}},
		{"128", 5, 0, []byte{0x00, 0x80}},
		{"-128", 5, 0, []byte{0x80}},
		{"-129", 5, 0, []byte{0xff, 0x7f}},
		{"1.23", 5, 2, []byte{0x7b}},
		{"1.2", 5, 2, []byte{0x78}}, // rescaled to 1.20
		{"-9223372036854775808", 19, 0, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"9223372036854775808", 20, 0, []byte{0x00, 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"-9223372036854775809", 20, 0, []byte{0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tc := range tests {
		d := codec.MustParseDecimal(tc.in)
		got, err := codec.AppendDecimalBytes(nil, d, tc.precision, tc.scale)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		want := codec.AppendBytes(nil, tc.want)
		if !bytes.Equal(got, want) {
			t.Errorf("%s as decimal(%d,%d) = % x, want % x", tc.in, tc.precision, tc.scale, got, want)
		}
		r := codec.NewReader(got)
		back := r.ReadDecimalBytes(tc.precision, tc.scale)
		if err := r.Finish("D"); err != nil || !back.Equal(d) || back.Scale() != int32(tc.scale) {
			t.Errorf("%s: decoded %s (scale %d), %v", tc.in, back, back.Scale(), err)
		}
	}
}

func TestDecimalFixedEncoding(t *testing.T) {
	tests := []struct {
		in        string
		precision int
		scale     int
		size      int
		want      []byte
	}{
		{"1", 4, 0, 2, []byte{0x00, 0x01}},
		{"-1", 4, 0, 2, []byte{0xff, 0xff}},
		{"-2.50", 4, 2, 3, []byte{0xff, 0xff, 0x06}},
		{"-2.5", 4, 2, 3, []byte{0xff, 0xff, 0x06}},
		{"-1", 30, 0, 12, bytes.Repeat([]byte{0xff}, 12)},
		{"255", 30, 0, 12, append(make([]byte, 11), 0xff)},
		{"-123456789012345678901234567", 28, 0, 12, nil},
	}
	for _, tc := range tests {
		d := codec.MustParseDecimal(tc.in)
		got, err := codec.AppendDecimalFixed(nil, d, tc.precision, tc.scale, tc.size)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if tc.want != nil && !bytes.Equal(got, tc.want) {
			t.Errorf("%s as fixed(%d) decimal(%d,%d) = % x, want % x", tc.in, tc.size, tc.precision, tc.scale, got, tc.want)
		}
		if len(got) != tc.size {
			t.Errorf("%s: %d bytes, want %d", tc.in, len(got), tc.size)
		}
		r := codec.NewReader(got)
		back := r.ReadDecimalFixed(tc.size, tc.precision, tc.scale)
		if err := r.Finish("D"); err != nil || !back.Equal(d) {
			t.Errorf("%s: decoded %s, %v", tc.in, back, err)
		}
	}
}

func TestDecimalEncodingErrors(t *testing.T) {
	tests := []struct {
		name string
		enc  func() ([]byte, error)
		want string
	}{
		{"precision", func() ([]byte, error) {
			return codec.AppendDecimalBytes(nil, codec.MustParseDecimal("123.45"), 4, 2)
		}, "avro: encoding decimal: 123.45 has 5 digits, more than the precision 4"},
		{"rounding", func() ([]byte, error) {
			return codec.AppendDecimalBytes(nil, codec.MustParseDecimal("1.005"), 9, 2)
		}, "decimal 1.005 cannot be written with scale 2 without rounding"},
		{"fixed size", func() ([]byte, error) {
			return codec.AppendDecimalFixed(nil, codec.MustParseDecimal("40000"), 10, 0, 2)
		}, "avro: encoding decimal: 40000 does not fit in fixed(2)"},
		{"fixed size big", func() ([]byte, error) {
			return codec.AppendDecimalFixed(nil, codec.MustParseDecimal("-1e30"), 40, 0, 12)
		}, "does not fit in fixed(12)"},
		{"big precision", func() ([]byte, error) {
			return codec.AppendDecimalBytes(nil, codec.MustParseDecimal("1e30"), 30, 0)
		}, "has 31 digits, more than the precision 30"},
	}
	for _, tc := range tests {
		_, err := tc.enc()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDecimalRoundTripRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		// Random unscaled values from a few bits to ~200 bits, both signs.
		raw := make([]byte, 1+rnd.IntN(25))
		for j := range raw {
			raw[j] = byte(rnd.Uint32())
		}
		v := new(big.Int).SetBytes(raw)
		if rnd.IntN(2) == 0 {
			v.Neg(v)
		}
		scale := rnd.IntN(10)
		d := codec.NewDecimalBig(v, int32(scale))
		prec := d.Precision()
		b, err := codec.AppendDecimalBytes(nil, d, prec, scale)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		r := codec.NewReader(b)
		if back := r.ReadDecimalBytes(prec, scale); back != d && (back.Cmp(d) != 0 || back.Scale() != d.Scale()) {
			t.Fatalf("bytes round trip of %s gave %s", d, back)
		}
		size := len(b) + rnd.IntN(4) // room for the payload, maybe sign-extended
		fb, err := codec.AppendDecimalFixed(nil, d, prec, scale, size)
		if err != nil {
			t.Fatalf("%s in fixed(%d): %v", d, size, err)
		}
		r = codec.NewReader(fb)
		if back := r.ReadDecimalFixed(size, prec, scale); back.Cmp(d) != 0 || r.Finish("D") != nil {
			t.Fatalf("fixed round trip of %s gave %s", d, back)
		}
		bb := codec.AppendBigDecimal(nil, d)
		r = codec.NewReader(bb)
		if back := r.ReadBigDecimal(); back.Cmp(d) != 0 || back.Scale() != d.Scale() || r.Finish("D") != nil {
			t.Fatalf("big-decimal round trip of %s gave %s", d, back)
		}
		s := d.String()
		if p, err := codec.ParseDecimal(s); err != nil || p.Cmp(d) != 0 || p.Scale() != d.Scale() {
			t.Fatalf("string round trip of %s gave %s, %v", s, p, err)
		}
	}
}

func TestBigDecimalEncoding(t *testing.T) {
	// big-decimal: bytes holding (bytes unscaled)(int scale), as Java's
	// BigDecimalConversion writes: 12.34 = unscaled 1234 (0x04d2), scale 2.
	got := codec.AppendBigDecimal(nil, codec.MustParseDecimal("12.34"))
	want := []byte{0x08, 0x04, 0x04, 0xd2, 0x04}
	if !bytes.Equal(got, want) {
		t.Errorf("AppendBigDecimal(12.34) = % x, want % x", got, want)
	}
	for _, bad := range [][]byte{
		{0x02, 0x04},                   // unscaled length beyond the inner bytes
		{0x08, 0x02, 0x01, 0x04, 0x00}, // a byte after the scale inside the value
		{0x04, 0x02, 0x01},             // missing scale
	} {
		r := codec.NewReader(bad)
		r.ReadBigDecimal()
		if r.Finish("D") == nil {
			t.Errorf("ReadBigDecimal(% x) succeeded", bad)
		}
	}
}

func TestDecimalFastPathDoesNotAllocate(t *testing.T) {
	d := codec.MustParseDecimal("-12345.67")
	dst := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := codec.AppendDecimalBytes(dst[:0], d, 10, 2)
		b, _ = codec.AppendDecimalFixed(b, d, 10, 2, 8)
		b = codec.AppendBigDecimal(b, d)
		r := codec.NewReader(b)
		r.ReadDecimalBytes(10, 2)
		r.ReadDecimalFixed(8, 10, 2)
		r.ReadBigDecimal()
		if r.Finish("D") != nil {
			t.Fatal("decode failed")
		}
	})
	if allocs != 0 {
		t.Errorf("small decimals allocated %v times", allocs)
	}
}

func TestBigDecimalDoesNotAllocate(t *testing.T) {
	d := codec.MustParseDecimal("-123456789012345678901234567890.12345")
	dst := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		b, err := codec.AppendDecimalBytes(dst[:0], d, 40, 5)
		if err != nil {
			t.Fatal(err)
		}
		if b, err = codec.AppendDecimalFixed(b, d, 40, 5, 20); err != nil {
			t.Fatal(err)
		}
		_ = codec.AppendBigDecimal(b, d)
	})
	if allocs != 0 {
		t.Errorf("encoding a big decimal allocated %v times", allocs)
	}
}

func TestDecimalPrecisionBoundary(t *testing.T) {
	// Values around 10^p for p from 18 to 60, both signs: the bit-length
	// shortcut must agree with the exact digit count.
	for p := 18; p <= 60; p++ {
		ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(p)), nil)
		for _, delta := range []int64{-1, 0} {
			for _, sign := range []int64{1, -1} {
				v := new(big.Int).Add(ten, big.NewInt(delta))
				v.Mul(v, big.NewInt(sign))
				d := codec.NewDecimalBig(v, 0)
				_, err := codec.AppendDecimalBytes(nil, d, p, 0)
				if fits := delta == -1; fits != (err == nil) {
					t.Errorf("%s in decimal(%d): error %v", v, p, err)
				}
			}
		}
	}
}

func TestDecimalText(t *testing.T) {
	var d codec.Decimal
	if err := d.UnmarshalText([]byte("-3.140")); err != nil {
		t.Fatal(err)
	}
	b, err := d.MarshalText()
	if err != nil || string(b) != "-3.140" {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	if err := d.UnmarshalText([]byte("x")); err == nil {
		t.Error("UnmarshalText(x) succeeded")
	}
	var zero codec.Decimal
	if zero.String() != "0" {
		t.Errorf("zero value = %q", zero.String())
	}
}

// FuzzParseDecimal: whatever parses formats back to a string that parses
// to the same value (and the same scale, unless the scale is negative,
// which plain notation cannot show), and survives the bytes encoding.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-12.30", "1e-5", ".5", "123456789012345678901234567890.5", "-9223372036854775808", "0e01", "1.5e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := codec.ParseDecimal(s)
		if err != nil {
			return
		}
		back, err := codec.ParseDecimal(d.String())
		if err != nil || back.Cmp(d) != 0 || (d.Scale() >= 0 && back.Scale() != d.Scale()) {
			t.Fatalf("%q -> %s -> %v, %v", s, d, back, err)
		}
		if d.Scale() < 0 || d.Scale() > 1000 {
			return
		}
		b, err := codec.AppendDecimalBytes(nil, d, d.Precision(), int(d.Scale()))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		r := codec.NewReader(b)
		if got := r.ReadDecimalBytes(d.Precision(), int(d.Scale())); got.Cmp(d) != 0 || r.Finish("D") != nil {
			t.Fatalf("%s encoded as % x decodes as %s", d, b, got)
		}
	})
}

// A decimal with more digits than its schema's precision is rejected on
// read, as AppendDecimal* and Java's writer reject it on write: a value
// read must always be writable again.
func TestReadDecimalChecksPrecision(t *testing.T) {
	d := codec.MustParseDecimal("10000000000000000.00") // 19 digits
	bytesEnc, err := codec.AppendDecimalBytes(nil, d, 19, 2)
	if err != nil {
		t.Fatal(err)
	}
	fixedEnc, err := codec.AppendDecimalFixed(nil, d, 19, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		read func(r *codec.Reader)
		src  []byte
	}{
		{"bytes", func(r *codec.Reader) { r.ReadDecimalBytes(18, 2) }, bytesEnc},
		{"fixed", func(r *codec.Reader) { r.ReadDecimalFixed(8, 18, 2) }, fixedEnc},
	} {
		r := codec.NewReader(tc.src)
		tc.read(&r)
		err := r.Finish("D")
		if err == nil || !strings.Contains(err.Error(), "more than the precision 18") {
			t.Errorf("%s: reading 19 digits as precision 18: err %v", tc.name, err)
		}
	}
}
