package avrorand

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"time"
)

// Datum parses schemaJSON and returns one random value of its top-level
// type in goavro's native form:
//
//	null                         nil
//	boolean, int, long           bool, int32, int64
//	float, double                float32, float64 (NaN, ±Inf and -0 included)
//	bytes, fixed                 []byte
//	string, enum                 string
//	array, map                   []any, map[string]any
//	record                       map[string]any with every field
//	union                        nil for the null branch, else map[string]any{branchName: value}
//	decimal (bytes or fixed)     *big.Rat with the schema's scale
//	date                         time.Time, UTC midnight
//	time-millis, time-micros     time.Duration
//	timestamp-millis/-micros     time.Time in UTC
//
// Logical types goavro does not implement (uuid, timestamp-nanos,
// local-timestamp-*, duration, big-decimal) take their underlying type's
// form, with values valid for the logical type (a canonical lower-case
// UUID string, 12 bytes for a duration, and for a big-decimal the bytes
// Java writes: the unscaled value as Avro bytes, then the scale as an
// Avro int). Union branch names are goavro's:
// the full name of a named type, "bytes.decimal", "int.date",
// "long.timestamp-millis" and so on for the logical types it knows, else
// the type name.
func Datum(r *rand.Rand, schemaJSON string) (any, error) {
	p, err := Parse(schemaJSON)
	if err != nil {
		return nil, err
	}
	return p.Datum(r)
}

// maxDatumDepth is how deeply a random datum nests before every choice
// goes to the smallest value (empty arrays and maps, the shallowest union
// branch).
const maxDatumDepth = 6

// Datum returns a random value of the schema's top-level type (see the
// package function Datum for its form).
func (p *Parsed) Datum(r *rand.Rand) (any, error) {
	return p.datumOf(r, p.root)
}

// NamedDatum returns a random value of the named type fullName.
func (p *Parsed) NamedDatum(r *rand.Rand, fullName string) (any, error) {
	n, ok := p.named[fullName]
	if !ok {
		return nil, fmt.Errorf("avrorand: no named type %q", fullName)
	}
	return p.datumOf(r, n)
}

func (p *Parsed) datumOf(r *rand.Rand, n *node) (any, error) {
	if p.cost[n] == math.MaxInt32 {
		return nil, fmt.Errorf("avrorand: type %s has no finite value", describe(n))
	}
	d := &datumGen{r: r, p: p, budget: 400}
	return d.value(n, 0), nil
}

func describe(n *node) string {
	if n.named() {
		return n.full()
	}
	return n.typ
}

type datumGen struct {
	r      *rand.Rand
	p      *Parsed
	budget int // values left before every choice becomes the smallest one
}

func (d *datumGen) deep(depth int) bool { return depth >= maxDatumDepth || d.budget <= 0 }

func (d *datumGen) value(n *node, depth int) any {
	d.budget--
	r := d.r
	switch n.typ {
	case "null":
		return nil
	case "boolean":
		return r.IntN(2) == 1
	case "int":
		switch n.logical {
		case "date":
			return epoch.AddDate(0, 0, int(d.days()))
		case "time-millis":
			return time.Duration(r.Int64N(86_400_000)) * time.Millisecond
		}
		return d.int32()
	case "long":
		switch n.logical {
		case "time-micros":
			return time.Duration(r.Int64N(86_400_000_000)) * time.Microsecond
		case "timestamp-millis":
			ms := d.instant(1e3)
			return time.UnixMilli(ms).UTC()
		case "timestamp-micros":
			us := d.instant(1e6)
			return time.UnixMicro(us).UTC()
		case "timestamp-nanos", "local-timestamp-nanos":
			return d.instant(1e9)
		case "local-timestamp-millis":
			return d.instant(1e3)
		case "local-timestamp-micros":
			return d.instant(1e6)
		}
		return d.int64()
	case "float":
		return d.float32()
	case "double":
		return d.float64()
	case "bytes":
		switch n.logical {
		case "decimal":
			return d.decimal(n, false)
		case "big-decimal":
			return d.bigDecimal()
		}
		return d.bytes(r.IntN(20))
	case "string":
		if n.logical == "uuid" {
			return uuidString(r)
		}
		return d.string()
	case "enum":
		return n.symbols[r.IntN(len(n.symbols))]
	case "fixed":
		if n.logical == "decimal" {
			return d.decimal(n, n.size > 1)
		}
		return d.bytes(n.size)
	case "array":
		out := []any{}
		if d.deep(depth) || d.p.cost[n.items] >= maxDatumDepth-depth {
			return out
		}
		for i := r.IntN(5); i > 0; i-- {
			out = append(out, d.value(n.items, depth+1))
		}
		return out
	case "map":
		out := map[string]any{}
		if d.deep(depth) || d.p.cost[n.values] >= maxDatumDepth-depth {
			return out
		}
		for i := r.IntN(4); i > 0; i-- {
			k := d.string()
			if _, dup := out[k]; dup {
				continue
			}
			out[k] = d.value(n.values, depth+1)
		}
		return out
	case "record":
		out := make(map[string]any, len(n.fields))
		for _, f := range n.fields {
			out[f.name] = d.value(f.typ, depth+1)
		}
		return out
	case "union":
		var b *node
		if d.deep(depth) {
			b = n.branches[0]
			for _, c := range n.branches[1:] {
				if d.p.cost[c] < d.p.cost[b] {
					b = c
				}
			}
		} else {
			var ok []*node
			for _, c := range n.branches {
				if d.p.cost[c] < maxDatumDepth-depth {
					ok = append(ok, c)
				}
			}
			if len(ok) == 0 {
				ok = n.branches
			}
			b = ok[r.IntN(len(ok))]
		}
		if b.typ == "null" {
			return nil
		}
		return map[string]any{goavroName(b): d.value(b, depth)}
	}
	return nil
}

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// goavroName is the key goavro uses for a union branch of type n.
func goavroName(n *node) string {
	if n.named() {
		return n.full()
	}
	switch {
	case n.typ == "bytes" && n.logical == "decimal":
		return "bytes.decimal"
	case n.typ == "int" && (n.logical == "date" || n.logical == "time-millis"):
		return "int." + n.logical
	case n.typ == "long" && (n.logical == "time-micros" || n.logical == "timestamp-millis" || n.logical == "timestamp-micros"):
		return "long." + n.logical
	}
	return n.typ
}

func (d *datumGen) int32() int32 {
	switch d.r.IntN(4) {
	case 0:
		edges := []int32{0, 1, -1, 63, -64, 64, -65, 8191, 8192, math.MaxInt32, math.MinInt32}
		return edges[d.r.IntN(len(edges))]
	case 1:
		return d.r.Int32N(201) - 100
	}
	return int32(d.r.Uint32())
}

func (d *datumGen) int64() int64 {
	switch d.r.IntN(4) {
	case 0:
		edges := []int64{0, 1, -1, 63, -64, 1 << 31, -1 << 31, 1<<35 - 1, math.MaxInt64, math.MinInt64}
		return edges[d.r.IntN(len(edges))]
	case 1:
		return d.r.Int64N(20001) - 10000
	}
	return int64(d.r.Uint64())
}

// days returns a day count for a date: mostly within a few centuries of
// 1970, sometimes at int32's ends.
func (d *datumGen) days() int32 {
	if d.r.IntN(30) == 0 {
		return []int32{math.MaxInt32 / 2, math.MinInt32 / 2, 0, -1}[d.r.IntN(4)]
	}
	return d.r.Int32N(200_000) - 100_000
}

// instant returns a count of units (perSecond per second) since the epoch:
// mostly between 1700 and 2300, sometimes an extreme int64.
func (d *datumGen) instant(perSecond int64) int64 {
	if d.r.IntN(40) == 0 {
		return []int64{0, -1, 1, math.MaxInt64, math.MinInt64}[d.r.IntN(5)]
	}
	const span = 10_000_000_000 // seconds, about 317 years either side
	return d.r.Int64N(2*span*perSecond) - span*perSecond
}

func (d *datumGen) float32() float32 {
	switch d.r.IntN(10) {
	case 0:
		specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
			float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, math.MaxFloat32}
		return specials[d.r.IntN(len(specials))]
	case 1:
		return math.Float32frombits(d.r.Uint32())
	}
	return float32(d.r.NormFloat64() * 1000)
}

func (d *datumGen) float64() float64 {
	switch d.r.IntN(10) {
	case 0:
		specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0,
			math.SmallestNonzeroFloat64, math.MaxFloat64}
		return specials[d.r.IntN(len(specials))]
	case 1:
		return math.Float64frombits(d.r.Uint64())
	}
	return d.r.NormFloat64() * 1e6
}

func (d *datumGen) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(d.r.UintN(256))
	}
	return b
}

// alphabet mixes ASCII, escapes, and multi-byte UTF-8 (2, 3 and 4 bytes).
var alphabet = []rune("abcXYZ019 _-.\"\\\n\t\x00é€😀日本")

func (d *datumGen) string() string {
	var b strings.Builder
	for i := d.r.IntN(14); i > 0; i-- {
		b.WriteRune(alphabet[d.r.IntN(len(alphabet))])
	}
	return b.String()
}

// decimal returns a random *big.Rat whose unscaled value has at most the
// type's precision in digits. nonZero avoids zero: goavro encodes a zero
// fixed decimal as one byte whatever the fixed's size, and then rejects it.
func (d *datumGen) decimal(n *node, nonZero bool) *big.Rat {
	for {
		digits := 1 + d.r.IntN(n.precision)
		var sb strings.Builder
		if d.r.IntN(2) == 0 {
			sb.WriteByte('-')
		}
		for i := 0; i < digits; i++ {
			sb.WriteByte(byte('0' + d.r.IntN(10)))
		}
		unscaled, _ := new(big.Int).SetString(sb.String(), 10)
		if nonZero && unscaled.Sign() == 0 {
			continue
		}
		den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.scale)), nil)
		return new(big.Rat).SetFrac(unscaled, den)
	}
}

// bigDecimal returns the bytes of a random value of the big-decimal
// logical type, as Java writes it: Avro bytes holding the shortest
// two's complement of the unscaled value, then the scale as an Avro int
// (sometimes negative, as a Java BigDecimal's may be).
func (d *datumGen) bigDecimal() []byte {
	n := &node{precision: 1 + d.r.IntN(40)}
	un, _ := unscaled(d.decimal(n, false), 0)
	b, _ := twosComplement(un, 0)
	scale := int64(d.r.IntN(30))
	if d.r.IntN(10) == 0 {
		scale = -scale
	}
	return appendLong(appendBytes(nil, b), scale)
}

// uuidString returns a random UUID in canonical lower-case form.
func uuidString(r *rand.Rand) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.WriteByte('-')
		}
		v := r.UintN(256)
		b.WriteByte(hex[v>>4])
		b.WriteByte(hex[v&15])
	}
	return b.String()
}

// OrderSensitive reports whether the binary encoding of v (a value of the
// schema's top-level type) depends on map iteration order: whether it holds
// a map with two or more entries. Such values have several valid
// encodings, all of the same length.
func (p *Parsed) OrderSensitive(v any) bool { return orderSensitive(p.root, v) }

// NamedOrderSensitive is OrderSensitive for a value of the named type
// fullName.
func (p *Parsed) NamedOrderSensitive(fullName string, v any) bool {
	n, ok := p.named[fullName]
	return ok && orderSensitive(n, v)
}

func orderSensitive(n *node, v any) bool {
	switch n.typ {
	case "map":
		m, _ := v.(map[string]any)
		if len(m) > 1 {
			return true
		}
		for _, e := range m {
			if orderSensitive(n.values, e) {
				return true
			}
		}
	case "array":
		a, _ := v.([]any)
		for _, e := range a {
			if orderSensitive(n.items, e) {
				return true
			}
		}
	case "record":
		m, _ := v.(map[string]any)
		for _, f := range n.fields {
			if orderSensitive(f.typ, m[f.name]) {
				return true
			}
		}
	case "union":
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, b := range n.branches {
			if e, ok := m[goavroName(b)]; ok {
				return orderSensitive(b, e)
			}
		}
	}
	return false
}
