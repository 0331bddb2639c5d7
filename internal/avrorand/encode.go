package avrorand

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"time"
)

// Append appends the Avro binary encoding of v, a value of the schema's
// top-level type in goavro's native form, to dst. With r nil, arrays and
// maps are written as goavro writes them: one block with a positive count,
// then the end marker, and map entries in sorted key order. With r set,
// each non-empty array or map is split into one to three blocks, each
// with a positive count or with a negative count followed by the block's
// size in bytes (both are valid Avro), and map entries are shuffled: the
// decoder under test must accept every valid blocking.
func (p *Parsed) Append(dst []byte, v any, r *rand.Rand) ([]byte, error) {
	return appendValue(dst, p.root, v, r)
}

// NamedAppend is Append for a value of the named type fullName.
func (p *Parsed) NamedAppend(dst []byte, fullName string, v any, r *rand.Rand) ([]byte, error) {
	n, ok := p.named[fullName]
	if !ok {
		return nil, fmt.Errorf("avrorand: no named type %q", fullName)
	}
	return appendValue(dst, n, v, r)
}

func appendLong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

func appendBytes(dst, b []byte) []byte {
	dst = appendLong(dst, int64(len(b)))
	return append(dst, b...)
}

func wrongType(n *node, v any) error {
	return fmt.Errorf("avrorand: value %T(%v) does not fit type %s", v, v, describe(n))
}

// unscaled returns v * 10^scale as an integer, or an error when v has more
// fractional digits than scale allows.
func unscaled(v *big.Rat, scale int) (*big.Int, error) {
	x := new(big.Rat).Mul(v, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !x.IsInt() {
		return nil, fmt.Errorf("avrorand: decimal %s has more than %d fractional digits", v.RatString(), scale)
	}
	return x.Num(), nil
}

// twosComplement returns the big-endian two's complement of x in the
// fewest bytes, or exactly size bytes (sign-extended) when size > 0.
func twosComplement(x *big.Int, size int) ([]byte, error) {
	bits := x.BitLen()
	if x.Sign() < 0 {
		// -2^k fits in k+1 bits: count the bits of |x|-1
		bits = new(big.Int).Sub(new(big.Int).Neg(x), big.NewInt(1)).BitLen()
	}
	n := (bits + 8) / 8 // room for the sign bit
	if size > 0 {
		if n > size {
			return nil, fmt.Errorf("avrorand: decimal %s does not fit in %d bytes", x, size)
		}
		n = size
	}
	b := make([]byte, n)
	if x.Sign() >= 0 {
		x.FillBytes(b)
		return b, nil
	}
	// two's complement of a negative x: 2^(8n) + x
	y := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	y.Add(y, x)
	y.FillBytes(b)
	return b, nil
}

func appendValue(dst []byte, n *node, v any, r *rand.Rand) ([]byte, error) {
	switch n.typ {
	case "null":
		if v != nil {
			return nil, wrongType(n, v)
		}
		return dst, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, wrongType(n, v)
		}
		if b {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case "int":
		switch x := v.(type) {
		case int32:
			return appendLong(dst, int64(x)), nil
		case time.Time: // date
			return appendLong(dst, int64(int32(floorDiv(x.Unix(), 86400)))), nil
		case time.Duration: // time-millis
			return appendLong(dst, int64(int32(x/time.Millisecond))), nil
		}
		return nil, wrongType(n, v)
	case "long":
		switch x := v.(type) {
		case int64:
			return appendLong(dst, x), nil
		case time.Duration: // time-micros
			return appendLong(dst, int64(x/time.Microsecond)), nil
		case time.Time:
			switch n.logical {
			case "timestamp-millis":
				return appendLong(dst, x.Unix()*1e3+int64(x.Nanosecond()/1e6)), nil
			case "timestamp-micros":
				return appendLong(dst, x.Unix()*1e6+int64(x.Nanosecond()/1e3)), nil
			}
		}
		return nil, wrongType(n, v)
	case "float":
		x, ok := v.(float32)
		if !ok {
			return nil, wrongType(n, v)
		}
		u := math.Float32bits(x)
		return append(dst, byte(u), byte(u>>8), byte(u>>16), byte(u>>24)), nil
	case "double":
		x, ok := v.(float64)
		if !ok {
			return nil, wrongType(n, v)
		}
		u := math.Float64bits(x)
		return append(dst, byte(u), byte(u>>8), byte(u>>16), byte(u>>24), byte(u>>32), byte(u>>40), byte(u>>48), byte(u>>56)), nil
	case "bytes", "fixed":
		var b []byte
		switch x := v.(type) {
		case []byte:
			b = x
		case *big.Rat:
			u, err := unscaled(x, n.scale)
			if err != nil {
				return nil, err
			}
			if b, err = twosComplement(u, n.size); err != nil {
				return nil, err
			}
		default:
			return nil, wrongType(n, v)
		}
		if n.typ == "fixed" {
			if len(b) != n.size {
				return nil, fmt.Errorf("avrorand: %d bytes for fixed %s of size %d", len(b), n.full(), n.size)
			}
			return append(dst, b...), nil
		}
		return appendBytes(dst, b), nil
	case "string":
		s, ok := v.(string)
		if !ok {
			return nil, wrongType(n, v)
		}
		return appendBytes(dst, []byte(s)), nil
	case "enum":
		s, ok := v.(string)
		if !ok {
			return nil, wrongType(n, v)
		}
		for i, sym := range n.symbols {
			if sym == s {
				return appendLong(dst, int64(i)), nil
			}
		}
		return nil, fmt.Errorf("avrorand: %q is not a symbol of %s", s, n.full())
	case "record":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, wrongType(n, v)
		}
		var err error
		for _, f := range n.fields {
			fv, ok := m[f.name]
			if !ok {
				return nil, fmt.Errorf("avrorand: record %s: no value for field %q", n.full(), f.name)
			}
			if dst, err = appendValue(dst, f.typ, fv, r); err != nil {
				return nil, err
			}
		}
		return dst, nil
	case "union":
		if v == nil {
			for i, b := range n.branches {
				if b.typ == "null" {
					return appendLong(dst, int64(i)), nil
				}
			}
			return nil, fmt.Errorf("avrorand: nil for a union without null")
		}
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, wrongType(n, v)
		}
		for i, b := range n.branches {
			if bv, ok := m[goavroName(b)]; ok {
				return appendValue(appendLong(dst, int64(i)), b, bv, r)
			}
		}
		return nil, fmt.Errorf("avrorand: union value %v names no branch", v)
	case "array":
		a, ok := v.([]any)
		if !ok {
			return nil, wrongType(n, v)
		}
		return appendBlocks(dst, len(a), r, func(dst []byte, i int) ([]byte, error) {
			return appendValue(dst, n.items, a[i], r)
		})
	case "map":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, wrongType(n, v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if r != nil {
			r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		}
		return appendBlocks(dst, len(keys), r, func(dst []byte, i int) ([]byte, error) {
			dst = appendBytes(dst, []byte(keys[i]))
			return appendValue(dst, n.values, m[keys[i]], r)
		})
	}
	return nil, fmt.Errorf("avrorand: unknown type %q", n.typ)
}

// appendBlocks writes count items in Avro blocks followed by the zero end
// marker: one block when r is nil, else random blocks.
func appendBlocks(dst []byte, count int, r *rand.Rand, item func([]byte, int) ([]byte, error)) ([]byte, error) {
	var err error
	for i := 0; i < count; {
		size := count - i
		if r != nil && size > 1 {
			size = 1 + r.IntN(size)
		}
		if r != nil && r.IntN(2) == 0 {
			// negative count, then the block's byte size
			var body []byte
			for j := i; j < i+size; j++ {
				if body, err = item(body, j); err != nil {
					return nil, err
				}
			}
			dst = appendLong(dst, -int64(size))
			dst = appendLong(dst, int64(len(body)))
			dst = append(dst, body...)
		} else {
			dst = appendLong(dst, int64(size))
			for j := i; j < i+size; j++ {
				if dst, err = item(dst, j); err != nil {
					return nil, err
				}
			}
		}
		i += size
	}
	return appendLong(dst, 0), nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
