package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/streamgen/streamgen/schema"
)

// This file holds the Avro JSON encoding (specification section "JSON
// Encoding") in both directions, and AppendValue, which encodes a schema
// default (a schema.Value) as Avro binary.

// AppendValue appends the Avro binary encoding of v, a value of type t in
// the shapes schema.Value documents (int32 for int, []Value for an array,
// schema.UnionValue for a union, ...), to dst. Other Go integer and float
// types are accepted where they represent the value exactly, and a plain
// value for a union is written in the first branch that accepts it.
func AppendValue(dst []byte, t *schema.Type, v schema.Value) ([]byte, error) {
	out, err := appendValue(dst, t, v)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func appendValue(dst []byte, t *schema.Type, v schema.Value) ([]byte, error) {
	switch t.Kind {
	case schema.Null:
		if v != nil {
			return dst, fmt.Errorf("null: got %T", v)
		}
		return dst, nil
	case schema.Boolean:
		b, ok := v.(bool)
		if !ok {
			return dst, fmt.Errorf("boolean: got %T", v)
		}
		return AppendBoolean(dst, b), nil
	case schema.Int:
		n, err := ajInteger(v, 32)
		if err != nil {
			return dst, fmt.Errorf("int: %w", err)
		}
		return AppendInt(dst, int32(n)), nil
	case schema.Long:
		n, err := ajInteger(v, 64)
		if err != nil {
			return dst, fmt.Errorf("long: %w", err)
		}
		return AppendLong(dst, n), nil
	case schema.Float:
		f, err := ajFloat(v)
		if err != nil {
			return dst, fmt.Errorf("float: %w", err)
		}
		return AppendFloat(dst, float32(f)), nil
	case schema.Double:
		f, err := ajFloat(v)
		if err != nil {
			return dst, fmt.Errorf("double: %w", err)
		}
		return AppendDouble(dst, f), nil
	case schema.Bytes, schema.String:
		b, err := ajByteString(v, t.Kind == schema.Bytes)
		if err != nil {
			return dst, fmt.Errorf("%s: %w", t.Kind, err)
		}
		return AppendBytes(dst, b), nil
	case schema.Fixed:
		b, err := ajByteString(v, true)
		if err != nil {
			return dst, fmt.Errorf("fixed %s: %w", t.Name.Full(), err)
		}
		if len(b) != t.Size {
			return dst, fmt.Errorf("fixed %s: %d bytes, want %d", t.Name.Full(), len(b), t.Size)
		}
		return append(dst, b...), nil
	case schema.Enum:
		s, ok := v.(string)
		if !ok {
			return dst, fmt.Errorf("enum %s: got %T, want a symbol", t.Name.Full(), v)
		}
		for i, sym := range t.Symbols {
			if sym == s {
				return AppendInt(dst, int32(i)), nil
			}
		}
		return dst, fmt.Errorf("enum %s: %q is not a symbol", t.Name.Full(), s)
	case schema.Array:
		items, ok := v.([]schema.Value)
		if !ok {
			return dst, fmt.Errorf("array: got %T", v)
		}
		if len(items) > 0 {
			dst = AppendBlockCount(dst, len(items))
			for i, it := range items {
				var err error
				if dst, err = appendValue(dst, t.Items, it); err != nil {
					return dst, fmt.Errorf("[%d]: %w", i, err)
				}
			}
		}
		return append(dst, 0), nil
	case schema.Map:
		m, ok := v.(map[string]schema.Value)
		if !ok {
			return dst, fmt.Errorf("map: got %T", v)
		}
		if len(m) > 0 {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			dst = AppendBlockCount(dst, len(keys))
			for _, k := range keys {
				dst = AppendString(dst, k)
				var err error
				if dst, err = appendValue(dst, t.Values, m[k]); err != nil {
					return dst, fmt.Errorf("[%q]: %w", k, err)
				}
			}
		}
		return append(dst, 0), nil
	case schema.Record:
		m, ok := v.(map[string]schema.Value)
		if !ok {
			return dst, fmt.Errorf("record %s: got %T", t.Name.Full(), v)
		}
		for _, f := range t.Fields {
			fv, ok := m[f.Name]
			if !ok {
				if !f.HasDefault {
					return dst, fmt.Errorf("record %s: field %s is missing and has no default", t.Name.Full(), f.Name)
				}
				fv = f.Default
			}
			var err error
			if dst, err = appendValue(dst, f.Type, fv); err != nil {
				return dst, fmt.Errorf("%s.%s: %w", t.Name.Full(), f.Name, err)
			}
		}
		return dst, nil
	case schema.Union:
		switch u := v.(type) {
		case schema.UnionValue:
			return ajAppendBranch(dst, t, u)
		case *schema.UnionValue:
			if u != nil {
				return ajAppendBranch(dst, t, *u)
			}
		}
		for i, b := range t.Branches {
			if out, err := appendValue(AppendUnionIndex(dst, i), b, v); err == nil {
				return out, nil
			}
		}
		return dst, fmt.Errorf("%s: no branch accepts a %T", schema.Describe(t), v)
	}
	return dst, fmt.Errorf("unsupported schema kind %s", t.Kind)
}

func ajAppendBranch(dst []byte, t *schema.Type, u schema.UnionValue) ([]byte, error) {
	if u.Branch < 0 || u.Branch >= len(t.Branches) {
		return dst, fmt.Errorf("%s: branch %d out of range", schema.Describe(t), u.Branch)
	}
	return appendValue(AppendUnionIndex(dst, u.Branch), t.Branches[u.Branch], u.Value)
}

// ajInteger converts a Go number to an integer of the given bit size,
// refusing values it cannot represent exactly.
func ajInteger(v any, bits int) (int64, error) {
	var n int64
	switch x := v.(type) {
	case int32:
		n = int64(x)
	case int64:
		n = x
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return 0, fmt.Errorf("%d overflows", x)
		}
		n = int64(x)
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, fmt.Errorf("%d overflows", x)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		n = int64(x)
	case float32:
		return ajInteger(float64(x), bits)
	case json.Number:
		return ajParseInteger(string(x), bits)
	default:
		return 0, fmt.Errorf("got %T, want an integer", v)
	}
	if bits == 32 && (n < math.MinInt32 || n > math.MaxInt32) {
		return 0, fmt.Errorf("%d overflows 32 bits", n)
	}
	return n, nil
}

// ajParseInteger parses a JSON number that must be an integer, allowing
// forms such as 1.0 and 1e3 that denote one exactly.
func ajParseInteger(s string, bits int) (int64, error) {
	n, err := strconv.ParseInt(s, 10, bits)
	if err == nil {
		return n, nil
	}
	f, ferr := strconv.ParseFloat(s, 64)
	if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%s is not a %d-bit integer", s, bits)
	}
	return ajInteger(f, bits)
}

// ajFloat converts a Go number to a float64.
func ajFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case json.Number:
		return ajParseFloat(string(x), 64)
	}
	n, err := ajInteger(v, 64)
	if err != nil {
		return 0, err
	}
	return float64(n), nil
}

// ajParseFloat parses a JSON number, or the strings "NaN", "Infinity" and
// "-Infinity" that Java's Avro writes for the values JSON lacks. Numbers
// too large for the type read as infinities (goavro writes ±1e999, and
// null for NaN).
func ajParseFloat(s string, bits int) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0)) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// ajByteString returns v as bytes. A Go string stands for bytes the way
// Avro JSON writes them (one code point per byte, U+0000 to U+00FF) when
// latin1 is set, and for its UTF-8 bytes otherwise.
func ajByteString(v any, latin1 bool) ([]byte, error) {
	switch x := v.(type) {
	case []byte:
		return x, nil
	case string:
		if !latin1 {
			return []byte(x), nil
		}
		return ajLatin1(x)
	}
	return nil, fmt.Errorf("got %T", v)
}

// ajLatin1 turns a string of code points U+0000 to U+00FF into bytes.
func ajLatin1(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("code point U+%04X is above U+00FF, so it cannot stand for a byte", r)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// ajBranchName returns the name that selects a union branch in Avro JSON:
// the full name of a named type, otherwise the type's kind ("string",
// "array", "map", ...).
func ajBranchName(t *schema.Type) string {
	if t.Kind.IsNamed() {
		return t.Name.Full()
	}
	return t.Kind.String()
}

// ajEncoder converts Avro binary to Avro JSON.
type ajEncoder struct {
	Reader
	sizes   tcMinSizes
	scratch []byte
	budget  int
}

// AppendAvroJSON appends the Avro JSON encoding (spec section "JSON
// Encoding": unions as {"type": value} except null, bytes/fixed as
// ISO-8859-1 code-point strings, etc.) of the Avro binary datum src of type
// t. It must consume exactly src. Floats that JSON cannot represent are
// written as the strings "NaN", "Infinity" and "-Infinity", as Java's Avro
// does; strings that are not valid UTF-8 get U+FFFD for their bad bytes.
func AppendAvroJSON(dst []byte, t *schema.Type, src []byte) ([]byte, error) {
	e := &ajEncoder{Reader: NewReader(src), sizes: tcMinSizes{}, budget: zeroSizeExpansionBase + zeroSizeExpansionPerByte*len(src)}
	n := len(dst)
	out := e.value(dst, t)
	err := e.Err()
	if err == nil && e.Remaining() != 0 {
		err = fmt.Errorf("%d trailing bytes after the datum ended at byte %d", e.Remaining(), e.Offset())
	}
	if err != nil {
		return dst[:n], fmt.Errorf("avro: JSON-encoding %s: %w", schema.Describe(t), err)
	}
	return out, nil
}

func (e *ajEncoder) value(dst []byte, t *schema.Type) []byte {
	if e.Err() != nil {
		return dst
	}
	switch t.Kind {
	case schema.Null:
		return append(dst, "null"...)
	case schema.Boolean:
		return strconv.AppendBool(dst, e.ReadBoolean())
	case schema.Int:
		return strconv.AppendInt(dst, int64(e.ReadInt()), 10)
	case schema.Long:
		return strconv.AppendInt(dst, e.ReadLong(), 10)
	case schema.Float:
		return ajAppendFloat(dst, float64(e.ReadFloat()), 32)
	case schema.Double:
		return ajAppendFloat(dst, e.ReadDouble(), 64)
	case schema.Bytes:
		return ajAppendLatin1(dst, e.ReadBytesView())
	case schema.String:
		return ajAppendString(dst, e.ReadBytesView())
	case schema.Fixed:
		if cap(e.scratch) < t.Size {
			e.scratch = make([]byte, t.Size)
		}
		b := e.scratch[:t.Size]
		e.ReadFixed(b)
		return ajAppendLatin1(dst, b)
	case schema.Enum:
		i := e.ReadEnum(len(t.Symbols))
		if e.Err() != nil {
			return dst
		}
		return ajAppendString(dst, []byte(t.Symbols[i]))
	case schema.Array:
		return e.array(dst, t)
	case schema.Map:
		min := 1 + e.sizes.of(t.Values)
		dst = append(dst, '{')
		first := true
		for n := e.ReadBlockCount(min); n > 0; n = e.ReadBlockCount(min) {
			for i := 0; i < n && e.Err() == nil; i++ {
				if !first {
					dst = append(dst, ',')
				}
				first = false
				dst = ajAppendString(dst, e.ReadBytesView())
				dst = append(dst, ':')
				dst = e.value(dst, t.Values)
			}
		}
		return append(dst, '}')
	case schema.Record:
		if !e.Enter() {
			return dst
		}
		dst = append(dst, '{')
		for i, f := range t.Fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = ajAppendString(dst, []byte(f.Name))
			dst = append(dst, ':')
			dst = e.value(dst, f.Type)
		}
		e.Leave()
		return append(dst, '}')
	case schema.Union:
		i := e.ReadUnionIndex(len(t.Branches))
		if i < 0 {
			return dst
		}
		b := t.Branches[i]
		if b.Kind == schema.Null {
			return append(dst, "null"...)
		}
		dst = append(dst, '{')
		dst = ajAppendString(dst, []byte(ajBranchName(b)))
		dst = append(dst, ':')
		dst = e.value(dst, b)
		return append(dst, '}')
	}
	e.Fail(t.Kind.String(), "unsupported schema kind")
	return dst
}

func (e *ajEncoder) array(dst []byte, t *schema.Type) []byte {
	min := e.sizes.of(t.Items)
	dst = append(dst, '[')
	first := true
	for n := e.ReadBlockCount(min); n > 0; n = e.ReadBlockCount(min) {
		for i := 0; i < n && e.Err() == nil; i++ {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			before := len(dst)
			dst = e.value(dst, t.Items)
			if min == 0 {
				// The item took no input: charge its output to the budget.
				e.budget -= len(dst) - before + 1
				if e.budget < 0 {
					e.Fail("array", "zero-size items expand to more output than the input allows")
					return dst
				}
			}
		}
	}
	return append(dst, ']')
}

// ajAppendFloat appends a float as a JSON number, or as one of the strings
// "NaN", "Infinity" and "-Infinity".
func ajAppendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

const ajHex = "0123456789abcdef"

// ajAppendEscape appends the JSON escape of the ASCII byte c when it
// needs one, and reports whether it did.
func ajAppendEscape(dst []byte, c byte) ([]byte, bool) {
	switch c {
	case '"', '\\':
		return append(dst, '\\', c), true
	case '\n':
		return append(dst, '\\', 'n'), true
	case '\r':
		return append(dst, '\\', 'r'), true
	case '\t':
		return append(dst, '\\', 't'), true
	case '\b':
		return append(dst, '\\', 'b'), true
	case '\f':
		return append(dst, '\\', 'f'), true
	}
	if c < 0x20 || c == 0x7f {
		return append(dst, '\\', 'u', '0', '0', ajHex[c>>4], ajHex[c&0xf]), true
	}
	return dst, false
}

// ajAppendString appends s, UTF-8 text, as a JSON string. Bytes that are
// not UTF-8 become U+FFFD.
func ajAppendString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc bool
			if dst, esc = ajAppendEscape(dst, c); !esc {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript source: escape them.
			dst = append(dst, '\\', 'u', '2', '0', '2', ajHex[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// ajAppendLatin1 appends bytes as a JSON string of the code points
// U+0000 to U+00FF, one per byte.
func ajAppendLatin1(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	for _, c := range b {
		if c < utf8.RuneSelf {
			var esc bool
			if dst, esc = ajAppendEscape(dst, c); !esc {
				dst = append(dst, c)
			}
			continue
		}
		dst = append(dst, '\\', 'u', '0', '0', ajHex[c>>4], ajHex[c&0xf])
	}
	return append(dst, '"')
}

// AvroJSONToBinary converts an Avro JSON-encoded datum of type t into Avro
// binary, appended to dst. Record fields may come in any order; a missing
// field takes its default. A union branch is named by its type name (full
// name for named types, "array", "map", or the primitive), and the names
// goavro uses for logical types ("long.timestamp-millis") are accepted too.
// JSON may nest at most 10000 levels (encoding/json's limit); a record
// level takes two when it sits in a union, so the JSON of data nested
// deeper than 5000 recursive records does not convert back.
func AvroJSONToBinary(dst []byte, t *schema.Type, jsonData []byte) ([]byte, error) {
	d := &ajDecoder{dec: json.NewDecoder(bytes.NewReader(jsonData))}
	d.dec.UseNumber()
	n := len(dst)
	out, err := d.value(dst, t, tcRootPath(t))
	if err == nil {
		if _, terr := d.dec.Token(); terr != io.EOF {
			err = fmt.Errorf("trailing data after the JSON value")
		}
	}
	if err != nil {
		return dst[:n], fmt.Errorf("avro: decoding JSON as %s: %w", schema.Describe(t), err)
	}
	return out, nil
}

// ajDecoder converts Avro JSON to Avro binary.
type ajDecoder struct {
	dec *json.Decoder
}

func (d *ajDecoder) token(path string) (json.Token, error) {
	tok, err := d.dec.Token()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: unexpected end of JSON", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tok, nil
}

func ajWant(path, want string, tok json.Token) error {
	var got string
	switch x := tok.(type) {
	case nil:
		got = "null"
	case json.Delim:
		got = "'" + x.String() + "'"
	case json.Number:
		got = "number " + x.String()
	case string:
		got = "string " + strconv.Quote(x)
	default:
		got = fmt.Sprint(x)
	}
	return fmt.Errorf("%s: want %s, got %s", path, want, got)
}

func (d *ajDecoder) value(dst []byte, t *schema.Type, path string) ([]byte, error) {
	switch t.Kind {
	case schema.Array:
		return d.array(dst, t, path)
	case schema.Map:
		return d.mapValue(dst, t, path)
	case schema.Record:
		return d.record(dst, t, path)
	case schema.Union:
		return d.union(dst, t, path)
	}
	tok, err := d.token(path)
	if err != nil {
		return dst, err
	}
	switch t.Kind {
	case schema.Null:
		if tok != nil {
			return dst, ajWant(path, "null", tok)
		}
		return dst, nil
	case schema.Boolean:
		b, ok := tok.(bool)
		if !ok {
			return dst, ajWant(path, "a boolean", tok)
		}
		return AppendBoolean(dst, b), nil
	case schema.Int, schema.Long:
		num, ok := tok.(json.Number)
		if !ok {
			return dst, ajWant(path, "an integer", tok)
		}
		bits := 64
		if t.Kind == schema.Int {
			bits = 32
		}
		n, err := ajParseInteger(string(num), bits)
		if err != nil {
			return dst, fmt.Errorf("%s: %w", path, err)
		}
		if bits == 32 {
			return AppendInt(dst, int32(n)), nil
		}
		return AppendLong(dst, n), nil
	case schema.Float, schema.Double:
		var s string
		switch x := tok.(type) {
		case json.Number:
			s = string(x)
		case string:
			s = x
		case nil:
			s = "NaN" // goavro writes NaN as null
		default:
			return dst, ajWant(path, "a number", tok)
		}
		bits := 64
		if t.Kind == schema.Float {
			bits = 32
		}
		f, err := ajParseFloat(s, bits)
		if err != nil {
			return dst, fmt.Errorf("%s: %w", path, err)
		}
		if bits == 32 {
			return AppendFloat(dst, float32(f)), nil
		}
		return AppendDouble(dst, f), nil
	case schema.String:
		s, ok := tok.(string)
		if !ok {
			return dst, ajWant(path, "a string", tok)
		}
		return AppendString(dst, s), nil
	case schema.Bytes, schema.Fixed:
		s, ok := tok.(string)
		if !ok {
			return dst, ajWant(path, "a string of byte code points", tok)
		}
		b, err := ajLatin1(s)
		if err != nil {
			return dst, fmt.Errorf("%s: %w", path, err)
		}
		if t.Kind == schema.Bytes {
			return AppendBytes(dst, b), nil
		}
		if len(b) != t.Size {
			return dst, fmt.Errorf("%s: fixed %s needs %d bytes, got %d", path, t.Name.Full(), t.Size, len(b))
		}
		return append(dst, b...), nil
	case schema.Enum:
		s, ok := tok.(string)
		if !ok {
			return dst, ajWant(path, "an enum symbol", tok)
		}
		for i, sym := range t.Symbols {
			if sym == s {
				return AppendInt(dst, int32(i)), nil
			}
		}
		return dst, fmt.Errorf("%s: %q is not a symbol of enum %s", path, s, t.Name.Full())
	}
	return dst, fmt.Errorf("%s: unsupported schema kind %s", path, t.Kind)
}

func (d *ajDecoder) delim(path string, want json.Delim) error {
	tok, err := d.token(path)
	if err != nil {
		return err
	}
	if tok != want {
		return ajWant(path, "'"+want.String()+"'", tok)
	}
	return nil
}

// ajInsertCount writes the block of n items that was appended at
// dst[start:]: it inserts the count before them and appends the end
// marker.
func ajInsertCount(dst []byte, start, n int) []byte {
	if n == 0 {
		return append(dst, 0)
	}
	var buf [10]byte
	cnt := AppendBlockCount(buf[:0], n)
	end := len(dst)
	dst = append(dst, cnt...)
	copy(dst[start+len(cnt):], dst[start:end])
	copy(dst[start:], cnt)
	return append(dst, 0)
}

func (d *ajDecoder) array(dst []byte, t *schema.Type, path string) ([]byte, error) {
	if err := d.delim(path, '['); err != nil {
		return dst, err
	}
	start, n := len(dst), 0
	for d.dec.More() {
		var err error
		if dst, err = d.value(dst, t.Items, path+"["+strconv.Itoa(n)+"]"); err != nil {
			return dst, err
		}
		n++
	}
	if err := d.delim(path, ']'); err != nil {
		return dst, err
	}
	return ajInsertCount(dst, start, n), nil
}

func (d *ajDecoder) mapValue(dst []byte, t *schema.Type, path string) ([]byte, error) {
	if err := d.delim(path, '{'); err != nil {
		return dst, err
	}
	start, n := len(dst), 0
	for d.dec.More() {
		tok, err := d.token(path)
		if err != nil {
			return dst, err
		}
		key := tok.(string) // json.Decoder only yields string keys inside an object
		dst = AppendString(dst, key)
		if dst, err = d.value(dst, t.Values, path+"["+strconv.Quote(key)+"]"); err != nil {
			return dst, err
		}
		n++
	}
	if err := d.delim(path, '}'); err != nil {
		return dst, err
	}
	return ajInsertCount(dst, start, n), nil
}

// record converts a JSON object to a record. Fields that come in schema
// order are written straight to dst; a field that comes early is buffered
// until the fields before it are written or known to be missing.
func (d *ajDecoder) record(dst []byte, t *schema.Type, path string) ([]byte, error) {
	if err := d.delim(path, '{'); err != nil {
		return dst, err
	}
	var early [][]byte // the fields read before their turn, by index
	seen := make([]bool, len(t.Fields))
	next := 0 // the first field not yet written
	for d.dec.More() {
		tok, err := d.token(path)
		if err != nil {
			return dst, err
		}
		key := tok.(string) // json.Decoder only yields string keys inside an object
		i := -1
		for j, f := range t.Fields {
			if f.Name == key {
				i = j
				break
			}
		}
		if i < 0 {
			return dst, fmt.Errorf("%s: record %s has no field %q", path, t.Name.Full(), key)
		}
		if seen[i] {
			return dst, fmt.Errorf("%s: field %q appears twice", path, key)
		}
		seen[i] = true
		fpath := path + ".fields(" + key + ")"
		if i != next {
			if early == nil {
				early = make([][]byte, len(t.Fields))
			}
			if early[i], err = d.value(nil, t.Fields[i].Type, fpath); err != nil {
				return dst, err
			}
			continue
		}
		if dst, err = d.value(dst, t.Fields[i].Type, fpath); err != nil {
			return dst, err
		}
		for next++; next < len(t.Fields) && seen[next]; next++ {
			dst = append(dst, early[next]...)
		}
	}
	if err := d.delim(path, '}'); err != nil {
		return dst, err
	}
	for ; next < len(t.Fields); next++ {
		if seen[next] {
			dst = append(dst, early[next]...)
			continue
		}
		f := t.Fields[next]
		if !f.HasDefault {
			return dst, fmt.Errorf("%s: field %q is missing and has no default", path, f.Name)
		}
		var err error
		if dst, err = AppendValue(dst, f.Type, f.Default); err != nil {
			return dst, fmt.Errorf("%s.fields(%s): default: %w", path, f.Name, err)
		}
	}
	return dst, nil
}

func (d *ajDecoder) union(dst []byte, t *schema.Type, path string) ([]byte, error) {
	tok, err := d.token(path)
	if err != nil {
		return dst, err
	}
	if tok == nil {
		for i, b := range t.Branches {
			if b.Kind == schema.Null {
				return AppendUnionIndex(dst, i), nil
			}
		}
		return dst, fmt.Errorf("%s: null, but the union %s has no null branch", path, schema.Describe(t))
	}
	if tok != json.Delim('{') {
		return dst, ajWant(path, `null or {"<branch type>": value}`, tok)
	}
	if !d.dec.More() {
		return dst, fmt.Errorf("%s: empty object for a union value; want {\"<branch type>\": value}", path)
	}
	ktok, err := d.token(path)
	if err != nil {
		return dst, err
	}
	name := ktok.(string)
	i := ajFindBranch(t, name)
	if i < 0 {
		return dst, fmt.Errorf("%s: %q is not a branch of the union %s", path, name, schema.Describe(t))
	}
	dst = AppendUnionIndex(dst, i)
	if dst, err = d.value(dst, t.Branches[i], path+"["+strconv.Itoa(i)+"]"); err != nil {
		return dst, err
	}
	if d.dec.More() {
		return dst, fmt.Errorf("%s: a union value must have exactly one key", path)
	}
	if err := d.delim(path, '}'); err != nil {
		return dst, err
	}
	return dst, nil
}

// ajFindBranch returns the branch of union t named name, or -1.
func ajFindBranch(t *schema.Type, name string) int {
	for i, b := range t.Branches {
		if ajBranchName(b) == name {
			return i
		}
	}
	for i, b := range t.Branches {
		if b.Logical != nil && strings.EqualFold(name, b.Kind.String()+"."+b.Logical.Name) {
			return i
		}
	}
	return -1
}
