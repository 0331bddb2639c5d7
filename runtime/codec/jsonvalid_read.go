package codec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting a JSONReader accepts, so hostile input
// cannot exhaust the stack.
const maxJSONDepth = 10000

// JSONReader reads one JSON text value by value, for generated decoders.
// It checks syntax as it goes (valid escapes in strings, JSON numbers;
// invalid UTF-8 is read as U+FFFD, as encoding/json does) and reports type
// mismatches as
// *JSONError values that name the path of the offending value. Errors
// returned by the callbacks of ReadObject and ReadArray get the member name
// or index prefixed to their path.
type JSONReader struct {
	data  []byte
	off   int
	depth int
}

// NewJSONReader returns a reader over data.
func NewJSONReader(data []byte) *JSONReader {
	return &JSONReader{data: data}
}

func (r *JSONReader) skipSpace() {
	for r.off < len(r.data) {
		switch r.data[r.off] {
		case ' ', '\t', '\n', '\r':
			r.off++
		default:
			return
		}
	}
}

func (r *JSONReader) syntaxError(format string, args ...any) error {
	return &JSONError{Msg: "invalid JSON at offset " + strconv.Itoa(r.off) + ": " + fmt.Sprintf(format, args...)}
}

// Peek returns the kind of the next value without consuming it.
func (r *JSONReader) Peek() (JSONKind, error) {
	r.skipSpace()
	if r.off >= len(r.data) {
		return JSONInvalid, r.syntaxError("unexpected end of input")
	}
	k := JSONKindOf(r.data[r.off : r.off+1])
	if k == JSONInvalid {
		return k, r.syntaxError("unexpected character %q", r.data[r.off])
	}
	return k, nil
}

// expect checks that the next value has kind want.
func (r *JSONReader) expect(want JSONKind) error {
	k, err := r.Peek()
	if err != nil {
		return err
	}
	if k != want {
		return JSONErrorf("expected %s, got %s", kindWithArticle(want), kindWithArticle(k))
	}
	return nil
}

func kindWithArticle(k JSONKind) string {
	switch k {
	case JSONNull:
		return "null"
	case JSONArray, JSONObject:
		return "an " + k.String()
	}
	return "a " + k.String()
}

// End checks that nothing but white space follows the value read.
func (r *JSONReader) End() error {
	r.skipSpace()
	if r.off < len(r.data) {
		return r.syntaxError("unexpected %q after the value", r.data[r.off])
	}
	return nil
}

func (r *JSONReader) literal(word string) error {
	if !strings.HasPrefix(string(r.data[r.off:min(len(r.data), r.off+len(word))]), word) {
		return r.syntaxError("invalid literal")
	}
	r.off += len(word)
	return nil
}

// ReadNull reads a null.
func (r *JSONReader) ReadNull() error {
	if err := r.expect(JSONNull); err != nil {
		return err
	}
	return r.literal("null")
}

// ReadBool reads true or false.
func (r *JSONReader) ReadBool() (bool, error) {
	if err := r.expect(JSONBoolean); err != nil {
		return false, err
	}
	if r.data[r.off] == 't' {
		return true, r.literal("true")
	}
	return false, r.literal("false")
}

// ReadString reads a string.
func (r *JSONReader) ReadString() (string, error) {
	if err := r.expect(JSONString); err != nil {
		return "", err
	}
	b, err := r.stringBytes()
	return string(b), err
}

// stringBytes reads a string at r.off and returns its decoded bytes: a
// slice of the input when it has no escapes, else a new buffer.
func (r *JSONReader) stringBytes() ([]byte, error) {
	r.off++ // the opening quote
	start := r.off
	for r.off < len(r.data) {
		c := r.data[r.off]
		switch {
		case c == '"':
			b := r.data[start:r.off]
			r.off++
			return b, nil
		case c == '\\' || c >= utf8.RuneSelf && !utf8.FullRune(r.data[r.off:]) || c >= utf8.RuneSelf && isBadRune(r.data[r.off:]):
			buf := append([]byte(nil), r.data[start:r.off]...)
			return r.escapedString(buf)
		case c < 0x20:
			return nil, r.syntaxError("control character %#x in string", c)
		case c < utf8.RuneSelf:
			r.off++
		default:
			_, size := utf8.DecodeRune(r.data[r.off:])
			r.off += size
		}
	}
	return nil, r.syntaxError("unterminated string")
}

// isBadRune reports whether b starts with invalid UTF-8.
func isBadRune(b []byte) bool {
	rn, size := utf8.DecodeRune(b)
	return rn == utf8.RuneError && size == 1
}

// escapedString continues a string from r.off (at a backslash or later),
// appending the decoded text to buf.
func (r *JSONReader) escapedString(buf []byte) ([]byte, error) {
	for r.off < len(r.data) {
		c := r.data[r.off]
		switch {
		case c == '"':
			r.off++
			return buf, nil
		case c == '\\':
			if r.off+1 >= len(r.data) {
				return nil, r.syntaxError("unterminated string")
			}
			e := r.data[r.off+1]
			r.off += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				rn, ok := r.hex4()
				if !ok {
					return nil, r.syntaxError("invalid \\u escape")
				}
				if utf16.IsSurrogate(rn) {
					rn2 := utf8.RuneError
					if r.off+1 < len(r.data) && r.data[r.off] == '\\' && r.data[r.off+1] == 'u' {
						save := r.off
						r.off += 2
						if lo, ok := r.hex4(); ok {
							if d := utf16.DecodeRune(rn, lo); d != utf8.RuneError {
								rn2 = d
							} else {
								r.off = save
							}
						} else {
							return nil, r.syntaxError("invalid \\u escape")
						}
					}
					rn = rn2
				}
				buf = utf8.AppendRune(buf, rn)
			default:
				return nil, r.syntaxError("invalid escape \\%c", e)
			}
		case c < 0x20:
			return nil, r.syntaxError("control character %#x in string", c)
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			r.off++
		default:
			// Invalid UTF-8 becomes U+FFFD, as encoding/json reads it.
			rn, size := utf8.DecodeRune(r.data[r.off:])
			buf = utf8.AppendRune(buf, rn)
			r.off += size
		}
	}
	return nil, r.syntaxError("unterminated string")
}

func (r *JSONReader) hex4() (rune, bool) {
	if r.off+4 > len(r.data) {
		return 0, false
	}
	var v rune
	for _, c := range r.data[r.off : r.off+4] {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	r.off += 4
	return v, true
}

// ReadNumber reads a number and returns its literal text.
func (r *JSONReader) ReadNumber() (string, error) {
	if err := r.expect(JSONNumber); err != nil {
		return "", err
	}
	start := r.off
	d := r.data
	i := r.off
	if d[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case digits() == 0:
		r.off = i
		return "", r.syntaxError("malformed number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			r.off = i
			return "", r.syntaxError("malformed number")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			r.off = i
			return "", r.syntaxError("malformed number")
		}
	}
	r.off = i
	return string(d[start:i]), nil
}

// ReadInt64 reads a number that must be an integer in JSON Schema's sense
// (a mathematical integer: 1, 1.0 and 1e2 all are) and fit in an int64.
func (r *JSONReader) ReadInt64() (int64, error) {
	lit, err := r.ReadNumber()
	if err != nil {
		return 0, err
	}
	return JSONParseInt64(lit)
}

// JSONParseInt64 converts a JSON number literal to an int64 exactly. It
// fails when the number has a fractional part or is out of range.
func JSONParseInt64(lit string) (int64, error) {
	if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return v, nil
	}
	neg := strings.HasPrefix(lit, "-")
	mant, frac, exp := splitNumber(strings.TrimPrefix(lit, "-"))
	digits := strings.TrimLeft(mant+frac, "0")
	e := exp - int64(len(frac))
	if digits == "" {
		return 0, nil
	}
	for e < 0 && strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		e++
	}
	if e < 0 {
		return 0, JSONErrorf("expected an integer, got %s", lit)
	}
	if int64(len(digits))+e > 19 {
		return 0, JSONErrorf("integer %s is out of range for int64", lit)
	}
	s := digits + strings.Repeat("0", int(e))
	if neg {
		s = "-" + s
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, JSONErrorf("integer %s is out of range for int64", lit)
	}
	return v, nil
}

// ReadFloat64 reads a number as a float64; numbers beyond float64's range
// are an error.
func (r *JSONReader) ReadFloat64() (float64, error) {
	lit, err := r.ReadNumber()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return 0, JSONErrorf("number %s is out of range for float64", lit)
	}
	return v, nil
}

// ReadDateTime reads a string in RFC 3339 date-time format (JSON Schema's
// "date-time").
func (r *JSONReader) ReadDateTime() (time.Time, error) {
	s, err := r.ReadString()
	if err != nil {
		return time.Time{}, err
	}
	return ParseJSONDateTime(s)
}

// ReadDate reads a string in RFC 3339 full-date format (JSON Schema's
// "date") as midnight UTC of that day.
func (r *JSONReader) ReadDate() (time.Time, error) {
	s, err := r.ReadString()
	if err != nil {
		return time.Time{}, err
	}
	return ParseJSONDate(s)
}

// ReadUUID reads a string in the hyphenated UUID format of RFC 9562 (JSON
// Schema's "uuid"), in either case.
func (r *JSONReader) ReadUUID() (UUID, error) {
	s, err := r.ReadString()
	if err != nil {
		return UUID{}, err
	}
	return ParseJSONUUID(s)
}

func (r *JSONReader) enter() error {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.syntaxError("nested deeper than %d levels", maxJSONDepth)
	}
	return nil
}

// ReadObject reads an object, calling fn for each member with its key; fn
// must read the member's value. The key aliases the input (or, when it has
// escapes, a buffer of its own): copy it to keep it after the input. An
// error from fn is returned with the key prefixed to its path.
func (r *JSONReader) ReadObject(fn func(key []byte) error) error {
	if err := r.expect(JSONObject); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	r.off++
	r.skipSpace()
	if r.off < len(r.data) && r.data[r.off] == '}' {
		r.off++
		return nil
	}
	for {
		r.skipSpace()
		if r.off >= len(r.data) || r.data[r.off] != '"' {
			return r.syntaxError("expected a string key in object")
		}
		key, err := r.stringBytes()
		if err != nil {
			return err
		}
		r.skipSpace()
		if r.off >= len(r.data) || r.data[r.off] != ':' {
			return r.syntaxError("expected ':' after object key")
		}
		r.off++
		if err := fn(key); err != nil {
			return JSONFieldError(string(key), err)
		}
		r.skipSpace()
		if r.off < len(r.data) && r.data[r.off] == ',' {
			r.off++
			continue
		}
		if r.off < len(r.data) && r.data[r.off] == '}' {
			r.off++
			return nil
		}
		return r.syntaxError("expected ',' or '}' in object")
	}
}

// ReadArray reads an array, calling fn for each element with its index; fn
// must read the element. An error from fn is returned with the index
// prefixed to its path.
func (r *JSONReader) ReadArray(fn func(i int) error) error {
	if err := r.expect(JSONArray); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	r.off++
	r.skipSpace()
	if r.off < len(r.data) && r.data[r.off] == ']' {
		r.off++
		return nil
	}
	for i := 0; ; i++ {
		if err := fn(i); err != nil {
			return JSONIndexError(i, err)
		}
		r.skipSpace()
		if r.off < len(r.data) && r.data[r.off] == ',' {
			r.off++
			continue
		}
		if r.off < len(r.data) && r.data[r.off] == ']' {
			r.off++
			return nil
		}
		return r.syntaxError("expected ',' or ']' in array")
	}
}

// Skip reads and discards the next value, checking its syntax.
func (r *JSONReader) Skip() error {
	k, err := r.Peek()
	if err != nil {
		return err
	}
	switch k {
	case JSONNull:
		return r.ReadNull()
	case JSONBoolean:
		_, err := r.ReadBool()
		return err
	case JSONNumber:
		_, err := r.ReadNumber()
		return err
	case JSONString:
		_, err := r.stringBytes()
		return err
	case JSONArray:
		return r.ReadArray(func(int) error { return r.Skip() })
	default:
		return r.ReadObject(func([]byte) error { return r.Skip() })
	}
}

// ReadRaw reads the next value and returns its text, syntax-checked. The
// result aliases the reader's input; copy it to keep it.
func (r *JSONReader) ReadRaw() ([]byte, error) {
	r.skipSpace()
	start := r.off
	if err := r.Skip(); err != nil {
		return nil, err
	}
	return r.data[start:r.off], nil
}

// JSONDiscriminator returns the string value of the property name of the
// JSON object in raw, for generated decoders of discriminated unions. It
// fails when raw is not an object or the property is absent or not a
// string; the error names the property.
func JSONDiscriminator(raw []byte, name string) (string, error) {
	r := NewJSONReader(raw)
	var val string
	found := false
	err := r.ReadObject(func(key []byte) error {
		if string(key) != name {
			return r.Skip()
		}
		s, err := r.ReadString()
		val, found = s, true
		return err
	})
	if err != nil {
		return "", err
	}
	if !found {
		return "", JSONMissing(name)
	}
	return val, nil
}

// JSONCountMembers returns the number of distinct member names of the JSON
// object in raw (for minProperties/maxProperties on free-form objects).
func JSONCountMembers(raw []byte) (int, error) {
	r := NewJSONReader(raw)
	seen := map[string]bool{}
	err := r.ReadObject(func(key []byte) error {
		seen[string(key)] = true
		return r.Skip()
	})
	return len(seen), err
}
