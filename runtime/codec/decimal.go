package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Decimal is an exact decimal number of arbitrary precision: an integer
// (the unscaled value) times ten to the power of minus its scale, as in
// Avro's decimal and big-decimal logical types. 12.30 is the unscaled value
// 1230 with scale 2.
//
// Decimal is an immutable value: copy it freely. The zero value is 0 with
// scale 0. Values whose unscaled part fits in an int64 are held without any
// allocation; larger ones hold a *big.Int that is never modified.
//
// Two Decimals that differ only in scale (1.5 and 1.50) are numerically
// equal (Cmp returns 0, Equal reports true) but are different Go values;
// decoding always gives the scale of the schema.
type Decimal struct {
	small int64    // the unscaled value, when big is nil
	big   *big.Int // the unscaled value when it does not fit in an int64
	scale int32
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{small: unscaled, scale: scale}
}

// NewDecimalBig returns unscaled × 10^-scale. It copies unscaled.
func NewDecimalBig(unscaled *big.Int, scale int32) Decimal {
	if unscaled.IsInt64() {
		return Decimal{small: unscaled.Int64(), scale: scale}
	}
	return Decimal{big: new(big.Int).Set(unscaled), scale: scale}
}

// decimalFromBig is NewDecimalBig without the copy, for integers nobody
// else holds.
func decimalFromBig(unscaled *big.Int, scale int32) Decimal {
	if unscaled.IsInt64() {
		return Decimal{small: unscaled.Int64(), scale: scale}
	}
	return Decimal{big: unscaled, scale: scale}
}

// ParseDecimal parses a decimal number: an optional sign, digits with an
// optional decimal point, and an optional exponent ("12.30", "-0.001",
// "1.5e3", ".5"). The scale is the number of digits after the point minus
// the exponent, so "12.30" has scale 2 and "1.5e3" has scale -2. NaN and
// infinities are not decimals.
func ParseDecimal(s string) (Decimal, error) {
	d, ok := parseDecimal(s)
	if !ok {
		return Decimal{}, fmt.Errorf("codec: invalid decimal %q", s)
	}
	return d, nil
}

// MustParseDecimal is ParseDecimal for constants known to be valid: it
// panics on an invalid input.
func MustParseDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

func parseDecimal(s string) (Decimal, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digitsStart := i
	var digits []byte // only filled when the fast path overflows
	var small uint64
	nDigits, frac := 0, 0
	seenPoint := false
	overflow := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if seenPoint {
				return Decimal{}, false
			}
			seenPoint = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		nDigits++
		if seenPoint {
			frac++
		}
		if !overflow {
			if small > (math.MaxUint64-9)/10 {
				overflow = true
			} else {
				small = small*10 + uint64(c-'0')
			}
		}
	}
	if nDigits == 0 {
		return Decimal{}, false
	}
	if overflow {
		for _, c := range []byte(s[digitsStart:i]) {
			if c != '.' {
				digits = append(digits, c)
			}
		}
	}
	exp := int64(0)
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return Decimal{}, false
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return Decimal{}, false
			}
			exp = exp*10 + int64(c-'0')
			if exp > math.MaxInt32*2 {
				return Decimal{}, false
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return Decimal{}, false
	}
	scale := int64(frac) - exp
	if scale < math.MinInt32 || scale > math.MaxInt32 {
		return Decimal{}, false
	}
	if !overflow && (small <= math.MaxInt64 || (neg && small == 1<<63)) {
		v := int64(small)
		if neg {
			v = -v
		}
		return Decimal{small: v, scale: int32(scale)}, true
	}
	if !overflow {
		digits = strconv.AppendUint(nil, small, 10)
	}
	b, ok := new(big.Int).SetString(string(digits), 10)
	if !ok {
		return Decimal{}, false
	}
	if neg {
		b.Neg(b)
	}
	return decimalFromBig(b, int32(scale)), true
}

// Scale returns the scale: the number of digits after the decimal point
// (negative for multiples of powers of ten written with an exponent).
func (d Decimal) Scale() int32 { return d.scale }

// Unscaled returns the unscaled value as a new big.Int.
func (d Decimal) Unscaled() *big.Int {
	if d.big != nil {
		return new(big.Int).Set(d.big)
	}
	return big.NewInt(d.small)
}

// Unscaled64 returns the unscaled value and true when it fits in an int64.
func (d Decimal) Unscaled64() (int64, bool) {
	return d.small, d.big == nil
}

// Sign returns -1, 0 or +1 as d is negative, zero or positive.
func (d Decimal) Sign() int {
	if d.big != nil {
		return d.big.Sign()
	}
	switch {
	case d.small < 0:
		return -1
	case d.small > 0:
		return 1
	}
	return 0
}

// IsZero reports whether d is zero, whatever its scale.
func (d Decimal) IsZero() bool { return d.Sign() == 0 }

// Rat returns d as an exact rational number. Its cost grows with the
// magnitude of the scale.
func (d Decimal) Rat() *big.Rat {
	r := new(big.Rat).SetInt(d.Unscaled())
	switch {
	case d.scale > 0:
		r.Quo(r, new(big.Rat).SetInt(pow10Big(int64(d.scale))))
	case d.scale < 0:
		r.Mul(r, new(big.Rat).SetInt(pow10Big(-int64(d.scale))))
	}
	return r
}

// Float64 returns the float64 nearest to d.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Precision returns the number of decimal digits of the unscaled value (1
// for zero), the quantity Avro's decimal precision bounds.
func (d Decimal) Precision() int {
	if d.big != nil {
		return len(new(big.Int).Abs(d.big).String())
	}
	return digits64(absU64(d.small))
}

// Cmp compares d and e numerically: -1 when d < e, 0 when equal (whatever
// their scales), +1 when d > e.
func (d Decimal) Cmp(e Decimal) int {
	if d.big == nil && e.big == nil && d.scale == e.scale {
		switch {
		case d.small < e.small:
			return -1
		case d.small > e.small:
			return 1
		}
		return 0
	}
	ds, es := d.Sign(), e.Sign()
	switch {
	case ds != es:
		if ds < es {
			return -1
		}
		return 1
	case ds == 0:
		return 0
	}
	// Same sign, not zero: compare where the leading digits stand first,
	// so that scales far apart never build huge powers of ten.
	dm, em := int64(d.Precision())-int64(d.scale), int64(e.Precision())-int64(e.scale)
	if dm != em {
		if (dm < em) == (ds > 0) {
			return -1
		}
		return 1
	}
	// Equal magnitudes: the scales differ by at most the digit counts.
	a, b := d.Unscaled(), e.Unscaled()
	if d.scale < e.scale {
		a.Mul(a, pow10Big(int64(e.scale)-int64(d.scale)))
	} else if e.scale < d.scale {
		b.Mul(b, pow10Big(int64(d.scale)-int64(e.scale)))
	}
	return a.Cmp(b)
}

// Equal reports whether d and e are numerically equal.
func (d Decimal) Equal(e Decimal) bool { return d.Cmp(e) == 0 }

// Rescale returns d with the given scale, exactly: a larger scale appends
// zeros; a smaller one is an error unless the digits dropped are zeros.
// Decimal never rounds.
func (d Decimal) Rescale(scale int32) (Decimal, error) {
	if scale == d.scale {
		return d, nil
	}
	if d.big == nil {
		if scale > d.scale {
			diff := int64(scale) - int64(d.scale)
			if diff < int64(len(pow10)) {
				p := pow10[diff]
				hi, lo := bits.Mul64(absU64(d.small), p)
				if hi == 0 && lo <= math.MaxInt64 {
					v := int64(lo)
					if d.small < 0 {
						v = -v
					}
					return Decimal{small: v, scale: scale}, nil
				}
			}
		} else {
			diff := int64(d.scale) - int64(scale)
			if diff >= int64(len(pow10)) {
				if d.small == 0 {
					return Decimal{scale: scale}, nil
				}
				return Decimal{}, rescaleError(d, scale)
			}
			p := int64(pow10[diff])
			if d.small%p != 0 {
				return Decimal{}, rescaleError(d, scale)
			}
			return Decimal{small: d.small / p, scale: scale}, nil
		}
	}
	if d.IsZero() {
		return Decimal{scale: scale}, nil
	}
	u := d.Unscaled()
	if scale > d.scale {
		diff := int64(scale) - int64(d.scale)
		if diff > maxRescaleDigits {
			return Decimal{}, fmt.Errorf("decimal %s cannot be written with scale %d: %d more digits is beyond the supported %d", d, scale, diff, maxRescaleDigits)
		}
		u.Mul(u, pow10Big(diff))
		return decimalFromBig(u, scale), nil
	}
	diff := int64(d.scale) - int64(scale)
	if diff >= int64(d.Precision()) {
		// Every digit would go, and d is not zero.
		return Decimal{}, rescaleError(d, scale)
	}
	q, m := new(big.Int).QuoRem(u, pow10Big(diff), new(big.Int))
	if m.Sign() != 0 {
		return Decimal{}, rescaleError(d, scale)
	}
	return decimalFromBig(q, scale), nil
}

// maxRescaleDigits bounds how many zeros Rescale appends: beyond it the
// value has more digits than any Avro precision a program would use.
const maxRescaleDigits = 100000

func rescaleError(d Decimal, scale int32) error {
	return fmt.Errorf("decimal %s cannot be written with scale %d without rounding", d, scale)
}

// sciZeros is the most zeros String pads plain notation with.
const sciZeros = 32

// String formats d in plain notation with exactly Scale() digits after the
// point ("12.30", "-0.001", "1500" for 15 with scale -2). When that would
// take more than 32 padding zeros it writes the unscaled value and an
// exponent instead ("15e-40", "15e40"); ParseDecimal reads both back
// exactly.
func (d Decimal) String() string {
	return string(d.AppendText(nil))
}

// AppendText appends the String form of d to dst.
func (d Decimal) AppendText(dst []byte) []byte {
	var digits []byte
	var buf [24]byte
	neg := false
	if d.big != nil {
		digits = d.big.Append(buf[:0], 10)
		if digits[0] == '-' {
			neg = true
			digits = digits[1:]
		}
	} else {
		neg = d.small < 0
		digits = strconv.AppendUint(buf[:0], absU64(d.small), 10)
	}
	if neg {
		dst = append(dst, '-')
	}
	// Plain notation would need more than sciZeros zeros: write the
	// unscaled digits and an exponent instead, which parses back exactly.
	if d.scale < -sciZeros || int64(d.scale)-int64(len(digits)) > sciZeros {
		dst = append(dst, digits...)
		dst = append(dst, 'e')
		return strconv.AppendInt(dst, -int64(d.scale), 10)
	}
	switch {
	case d.scale <= 0:
		dst = append(dst, digits...)
		if d.small != 0 || d.big != nil {
			for i := int32(0); i < -d.scale; i++ {
				dst = append(dst, '0')
			}
		}
	case int(d.scale) >= len(digits):
		dst = append(dst, '0', '.')
		for i := len(digits); i < int(d.scale); i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		point := len(digits) - int(d.scale)
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		dst = append(dst, digits[point:]...)
	}
	return dst
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (d Decimal) MarshalText() ([]byte, error) { return d.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseDecimal.
func (d *Decimal) UnmarshalText(text []byte) error {
	v, ok := parseDecimal(string(text))
	if !ok {
		return fmt.Errorf("codec: invalid decimal %q", text)
	}
	*d = v
	return nil
}

// pow10 holds the powers of ten that fit in a uint64.
var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
	1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

func pow10Big(n int64) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil)
}

func absU64(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}

// digits64 returns the number of decimal digits of u (1 for 0).
func digits64(u uint64) int {
	n := 1
	for n < len(pow10) && u >= pow10[n] {
		n++
	}
	return n
}

// decimalForSchema rescales d to the schema's scale and checks the
// schema's precision.
func decimalForSchema(d Decimal, precision, scale int) (Decimal, error) {
	if d.scale != int32(scale) {
		var err error
		if d, err = d.Rescale(int32(scale)); err != nil {
			return d, &EncodeError{What: "decimal", Msg: err.Error()}
		}
	}
	if fitsPrecision(d, precision) {
		return d, nil
	}
	return d, &EncodeError{What: "decimal", Msg: fmt.Sprintf("%s has %d digits, more than the precision %d", d, d.Precision(), precision)}
}

// fitsPrecision reports whether d's unscaled value has at most precision
// decimal digits.
func fitsPrecision(d Decimal, precision int) bool {
	if d.big == nil {
		return precision >= 19 || absU64(d.small) < pow10[precision]
	}
	return bigFitsDigits(d.big, precision)
}

// checkPrecision fails the read at off when d has more digits than the
// schema's precision: such a value cannot be written back (AppendDecimal*
// refuses it, as Java's writer does), so it is rejected where it enters.
func (r *Reader) checkPrecision(d Decimal, precision, off int) {
	if r.fail == failNone && !fitsPrecision(d, precision) {
		r.failAt(off, "decimal", fmt.Sprintf("%s has %d digits, more than the precision %d", d, d.Precision(), precision))
	}
}

// bigFitsDigits reports whether |v| has at most digits decimal digits,
// without allocating unless |v| is within a bit of the limit.
func bigFitsDigits(v *big.Int, digits int) bool {
	bitLen := v.BitLen()
	// |v| < 2^bitLen, and 2^bitLen <= 10^digits when bitLen <= digits*log2(10).
	if bitLen <= digits*3321928/1000000 {
		return true
	}
	// |v| >= 2^(bitLen-1) > 10^digits when bitLen-1 > digits*log2(10).
	if bitLen-1 > digits*3321929/1000000+1 {
		return false
	}
	return new(big.Int).Abs(v).Cmp(pow10Big(int64(digits))) < 0
}

// bigTwosLen returns the fewest bytes of big-endian two's complement that
// hold v.
func bigTwosLen(v *big.Int) int {
	n := v.BitLen()
	if v.Sign() < 0 && v.TrailingZeroBits() == uint(n-1) {
		n-- // -2^k needs one bit less than 2^k
	}
	return n/8 + 1
}

// appendBigTwos appends v as big-endian two's complement in exactly n
// bytes (n >= bigTwosLen(v)), without allocating when dst has room.
func appendBigTwos(dst []byte, v *big.Int, n int) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	b := dst[start:]
	v.FillBytes(b) // the magnitude
	if v.Sign() < 0 {
		for i := range b {
			b[i] = ^b[i]
		}
		for i := len(b) - 1; i >= 0; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	return dst
}

// twosComplementLen returns the fewest bytes of big-endian two's
// complement that hold v.
func twosComplementLen(v int64) int {
	if v < 0 {
		v = ^v
	}
	return bits.Len64(uint64(v))/8 + 1
}

// appendTwos appends the n low bytes of v, big-endian.
func appendTwos(dst []byte, v int64, n int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return append(dst, b[8-n:]...)
}

// AppendDecimalBytes appends d as the Avro decimal logical type on bytes
// with the given precision and scale: d is first rescaled to the schema's
// scale (exactly, or an error), then its unscaled value is written as
// length-prefixed, shortest big-endian two's complement. A value with more
// digits than precision is an error.
func AppendDecimalBytes(dst []byte, d Decimal, precision, scale int) ([]byte, error) {
	d, err := decimalForSchema(d, precision, scale)
	if err != nil {
		return dst, err
	}
	if d.big == nil {
		n := twosComplementLen(d.small)
		dst = append(dst, byte(n<<1))
		return appendTwos(dst, d.small, n), nil
	}
	n := bigTwosLen(d.big)
	return appendBigTwos(AppendLong(dst, int64(n)), d.big, n), nil
}

// AppendDecimalFixed appends d as the Avro decimal logical type on a fixed
// of size bytes: rescaled to the schema's scale, then the unscaled value as
// big-endian two's complement sign-extended to exactly size bytes. A value
// with more digits than precision, or that does not fit in size bytes, is
// an error.
func AppendDecimalFixed(dst []byte, d Decimal, precision, scale, size int) ([]byte, error) {
	d, err := decimalForSchema(d, precision, scale)
	if err != nil {
		return dst, err
	}
	if d.big == nil {
		n := twosComplementLen(d.small)
		if n > size {
			return dst, fixedDecimalError(d, size)
		}
		if size > 8 {
			fill := byte(0)
			if d.small < 0 {
				fill = 0xff
			}
			for i := 8; i < size; i++ {
				dst = append(dst, fill)
			}
			return appendTwos(dst, d.small, 8), nil
		}
		return appendTwos(dst, d.small, size), nil
	}
	if bigTwosLen(d.big) > size {
		return dst, fixedDecimalError(d, size)
	}
	return appendBigTwos(dst, d.big, size), nil
}

func fixedDecimalError(d Decimal, size int) error {
	return &EncodeError{What: "decimal", Msg: fmt.Sprintf("%s does not fit in fixed(%d)", d, size)}
}

// AppendBigDecimal appends d as the Avro big-decimal logical type: Avro
// bytes holding the unscaled value (Avro bytes of its shortest big-endian
// two's complement) followed by the scale (an Avro int), as Java writes it.
func AppendBigDecimal(dst []byte, d Decimal) []byte {
	if d.big == nil {
		n := twosComplementLen(d.small)
		inner := 1 + n + varintLen(zigzag32(d.scale))
		dst = append(dst, byte(inner<<1), byte(n<<1))
		dst = appendTwos(dst, d.small, n)
		return AppendInt(dst, d.scale)
	}
	n := bigTwosLen(d.big)
	inner := varintLen(uint64(n)<<1) + n + varintLen(zigzag32(d.scale))
	dst = AppendLong(dst, int64(inner))
	dst = AppendLong(dst, int64(n))
	dst = appendBigTwos(dst, d.big, n)
	return AppendInt(dst, d.scale)
}

func zigzag32(v int32) uint64 { return uint64(uint32(v<<1) ^ uint32(v>>31)) }

func varintLen(u uint64) int {
	n := 1
	for ; u >= 0x80; u >>= 7 {
		n++
	}
	return n
}

// decodeTwos turns big-endian two's complement bytes into a Decimal with
// the given scale; up to 8 bytes need no allocation.
func decodeTwos(b []byte, scale int32) Decimal {
	if len(b) == 0 {
		return Decimal{scale: scale}
	}
	if len(b) <= 8 {
		var v int64
		if b[0]&0x80 != 0 {
			v = -1
		}
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return Decimal{small: v, scale: scale}
	}
	// Skip redundant sign-extension bytes so common small values in wide
	// fixed types stay allocation-free.
	i := 0
	for i < len(b)-8 && (b[i] == 0 && b[i+1]&0x80 == 0 || b[i] == 0xff && b[i+1]&0x80 != 0) {
		i++
	}
	if len(b)-i <= 8 {
		return decodeTwos(b[i:], scale)
	}
	v := new(big.Int).SetBytes(b[i:])
	if b[i]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*(len(b)-i))))
	}
	return decimalFromBig(v, scale)
}

// ReadDecimalBytes reads the Avro decimal logical type on bytes; scale is
// the schema's scale.
func (r *Reader) ReadDecimalBytes(precision, scale int) Decimal {
	start := r.off
	n := r.readLen("decimal")
	d := decodeTwos(r.buf[r.off:r.off+n], int32(scale))
	r.off += n
	r.checkPrecision(d, precision, start)
	return d
}

// ReadDecimalFixed reads the Avro decimal logical type on a fixed of size
// bytes; scale is the schema's scale.
func (r *Reader) ReadDecimalFixed(size, precision, scale int) Decimal {
	if len(r.buf)-r.off < size {
		r.truncated("decimal", size)
		return Decimal{}
	}
	start := r.off
	d := decodeTwos(r.buf[r.off:r.off+size], int32(scale))
	r.off += size
	r.checkPrecision(d, precision, start)
	return d
}

// ReadBigDecimal reads the Avro big-decimal logical type (see
// AppendBigDecimal).
func (r *Reader) ReadBigDecimal() Decimal {
	start := r.off
	n := r.readLen("big-decimal")
	if r.fail != failNone {
		return Decimal{}
	}
	inner := Reader{buf: r.buf[r.off : r.off+n]}
	r.off += n
	un := inner.readLen("big-decimal unscaled value")
	raw := inner.buf[inner.off : inner.off+un]
	inner.off += un
	scale := inner.ReadInt()
	err := inner.Err()
	if err == nil && inner.off != len(inner.buf) {
		err = errors.New("trailing bytes after the scale")
	}
	if err != nil {
		r.failAt(start, "big-decimal", err.Error())
		return Decimal{}
	}
	return decodeTwos(raw, scale)
}
