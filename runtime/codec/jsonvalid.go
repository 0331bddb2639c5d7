package codec

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file and the other jsonvalid_*.go files hold what code generated
// from JSON Schema links against: a pull reader for JSON (JSONReader),
// append-style writers, format checkers, and the errors that name the JSON
// path of a problem ("meta.dt: not a valid date-time").

// JSONKind is the kind of a JSON value.
type JSONKind int

// The JSON kinds. JSONInvalid is returned for input that does not start a
// JSON value.
const (
	JSONInvalid JSONKind = iota
	JSONNull
	JSONBoolean
	JSONNumber
	JSONString
	JSONArray
	JSONObject
)

var jsonKindNames = [...]string{"invalid JSON", "null", "boolean", "number", "string", "array", "object"}

// String returns the JSON Schema spelling of the kind ("object", "number").
func (k JSONKind) String() string {
	if k >= 0 && int(k) < len(jsonKindNames) {
		return jsonKindNames[k]
	}
	return "invalid JSON"
}

// JSONKindOf returns the kind of the JSON value in raw, judged by its first
// byte after white space; it does not check the rest of the value.
func JSONKindOf(raw []byte) JSONKind {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case 'n':
			return JSONNull
		case 't', 'f':
			return JSONBoolean
		case '"':
			return JSONString
		case '[':
			return JSONArray
		case '{':
			return JSONObject
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return JSONNumber
		}
		return JSONInvalid
	}
	return JSONInvalid
}

// JSONError is a problem with one JSON value: the path to it from the top
// of the document ("meta.dt", "items[2].name"; empty for the top) and what
// is wrong with it.
type JSONError struct {
	// Msg says what is wrong.
	Msg string
	// segs are the path segments, innermost first: ".name"-style segments
	// are stored as the bare name, array indexes as "[i]".
	segs  []string
	index []bool
	cause error
}

// JSONErrorf returns a *JSONError for the value at hand (its path is filled
// in as the error travels up through JSONFieldError and JSONIndexError).
func JSONErrorf(format string, args ...any) error {
	return &JSONError{Msg: fmt.Sprintf(format, args...)}
}

// Path returns the path of the value the error is about, or "" for the
// top-level value.
func (e *JSONError) Path() string {
	var b strings.Builder
	for i := len(e.segs) - 1; i >= 0; i-- {
		s := e.segs[i]
		switch {
		case e.index[i]:
			b.WriteString(s)
		case !jsonPlainName(s):
			b.WriteString("[")
			b.WriteString(strconv.Quote(s))
			b.WriteString("]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// jsonPlainName reports whether a property name can be written bare in a
// path (letters, digits, '_', '$', '-', '@', and not empty).
func jsonPlainName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '$', r == '-', r == '@':
		default:
			return false
		}
	}
	return true
}

// Error formats the error as "path: message", or just the message at the
// top level.
func (e *JSONError) Error() string {
	if p := e.Path(); p != "" {
		return p + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns the error this one was made from, if any.
func (e *JSONError) Unwrap() error { return e.cause }

// asJSONError returns err as a *JSONError, wrapping other errors.
func asJSONError(err error) *JSONError {
	var je *JSONError
	if errors.As(err, &je) && je == err {
		return je
	}
	return &JSONError{Msg: err.Error(), cause: err}
}

// JSONFieldError returns err as being about the property name of the
// current value. A *JSONError is extended in place; other errors are
// wrapped. A nil err stays nil.
func JSONFieldError(name string, err error) error {
	if err == nil {
		return nil
	}
	je := asJSONError(err)
	je.segs = append(je.segs, name)
	je.index = append(je.index, false)
	return je
}

// JSONIndexError returns err as being about element i of the current
// array. A nil err stays nil.
func JSONIndexError(i int, err error) error {
	if err == nil {
		return nil
	}
	je := asJSONError(err)
	je.segs = append(je.segs, "["+strconv.Itoa(i)+"]")
	je.index = append(je.index, true)
	return je
}

// JSONMissing returns the error for a required property that is absent.
func JSONMissing(name string) error {
	return JSONFieldError(name, &JSONError{Msg: "required property is missing"})
}

// JSONMultipleOf reports whether v is a multiple of m (m > 0), allowing for
// the rounding of decimal fractions in binary floating point.
func JSONMultipleOf(v, m float64) bool {
	if m <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	q := v / m
	if math.IsInf(q, 0) {
		return math.Mod(v, m) == 0
	}
	r := math.Round(q)
	if q == r {
		return true
	}
	return math.Abs(q-r) <= 1e-9*math.Max(1, math.Abs(q))
}

// JSONSortedKeys returns the keys of m in increasing order, so that
// generated encoders write maps deterministically.
func JSONSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// JSONUniqueItems checks JSON Schema's uniqueItems for an array of n items:
// appendItem writes item i as JSON, and items are compared as JSON values
// (1 equals 1.0, objects regardless of member order). The error names the
// index of the first repeated item.
func JSONUniqueItems(n int, appendItem func(dst []byte, i int) ([]byte, error)) error {
	seen := make(map[string]int, n)
	var buf []byte
	for i := 0; i < n; i++ {
		var err error
		buf, err = appendItem(buf[:0], i)
		if err != nil {
			return JSONIndexError(i, err)
		}
		c, err := JSONCanonical(buf)
		if err != nil {
			return JSONIndexError(i, err)
		}
		if j, dup := seen[c]; dup {
			return JSONIndexError(i, JSONErrorf("duplicate of item %d (uniqueItems)", j))
		}
		seen[c] = i
	}
	return nil
}

// JSONEqual reports whether two JSON texts hold equal values in JSON
// Schema's sense: numbers compare by mathematical value, objects regardless
// of member order, strings by code points. Invalid JSON is equal to
// nothing.
func JSONEqual(a, b []byte) bool {
	ca, err := JSONCanonical(a)
	if err != nil {
		return false
	}
	cb, err := JSONCanonical(b)
	if err != nil {
		return false
	}
	return ca == cb
}

// JSONEqualAny reports whether the JSON text v equals (JSONEqual) one of
// the JSON texts in set, which must be canonical (see JSONCanonical), as
// generated code stores enum and const values.
func JSONEqualAny(v []byte, set ...string) bool {
	c, err := JSONCanonical(v)
	if err != nil {
		return false
	}
	return slices.Contains(set, c)
}

// JSONCanonical returns a canonical text of the JSON value in raw: no white
// space, object members sorted by key (and for repeated keys, the last
// one), strings with minimal escaping, numbers as a sign, the significant
// digits and a decimal exponent ("1.50" and "15e-1" both become "15e-1").
// Two values are equal in JSON Schema's sense when their canonical texts
// are equal.
func JSONCanonical(raw []byte) (string, error) {
	r := NewJSONReader(raw)
	var b []byte
	b, err := r.canonical(b)
	if err != nil {
		return "", err
	}
	if err := r.End(); err != nil {
		return "", err
	}
	return string(b), nil
}

func (r *JSONReader) canonical(dst []byte) ([]byte, error) {
	k, err := r.Peek()
	if err != nil {
		return nil, err
	}
	switch k {
	case JSONNull:
		return append(dst, "null"...), r.ReadNull()
	case JSONBoolean:
		v, err := r.ReadBool()
		return strconv.AppendBool(dst, v), err
	case JSONNumber:
		lit, err := r.ReadNumber()
		if err != nil {
			return nil, err
		}
		return appendCanonicalNumber(dst, lit), nil
	case JSONString:
		s, err := r.ReadString()
		return AppendJSONString(dst, s), err
	case JSONArray:
		dst = append(dst, '[')
		err := r.ReadArray(func(i int) error {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			dst, err = r.canonical(dst)
			return err
		})
		return append(dst, ']'), err
	default:
		members := map[string]string{}
		err := r.ReadObject(func(key []byte) error {
			v, err := r.canonical(nil)
			members[string(key)] = string(v)
			return err
		})
		if err != nil {
			return nil, err
		}
		dst = append(dst, '{')
		for i, k := range JSONSortedKeys(members) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, k)
			dst = append(dst, ':')
			dst = append(dst, members[k]...)
		}
		return append(dst, '}'), nil
	}
}

// appendCanonicalNumber writes a syntactically valid JSON number literal in
// canonical form: "0", or [-]digits "e" exponent with no leading or
// trailing zeros in digits.
func appendCanonicalNumber(dst []byte, lit string) []byte {
	neg := false
	if lit[0] == '-' {
		neg = true
		lit = lit[1:]
	}
	mant, frac, exp := splitNumber(lit)
	digits := strings.TrimLeft(mant+frac, "0")
	if digits == "" {
		return append(dst, '0')
	}
	// The value is 0.digits... scaled: digits × 10^(exp - len(frac)).
	e := exp - int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	e += int64(len(digits) - len(trimmed))
	if neg {
		dst = append(dst, '-')
	}
	dst = append(dst, trimmed...)
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, e, 10)
}

// splitNumber splits an unsigned JSON number literal into its integer
// digits, fraction digits and exponent. Exponents too large for int64 are
// clamped; such numbers are beyond any float64 anyway.
func splitNumber(lit string) (mant, frac string, exp int64) {
	i := 0
	for i < len(lit) && lit[i] >= '0' && lit[i] <= '9' {
		i++
	}
	mant = lit[:i]
	if i < len(lit) && lit[i] == '.' {
		j := i + 1
		for j < len(lit) && lit[j] >= '0' && lit[j] <= '9' {
			j++
		}
		frac = lit[i+1 : j]
		i = j
	}
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		s := lit[i+1:]
		neg := false
		if s != "" && (s[0] == '+' || s[0] == '-') {
			neg = s[0] == '-'
			s = s[1:]
		}
		for _, c := range s {
			if exp > math.MaxInt64/100 {
				break
			}
			exp = exp*10 + int64(c-'0')
		}
		if neg {
			exp = -exp
		}
	}
	return mant, frac, exp
}

// JSONCheckTypes checks that raw is one valid JSON value whose type is one
// of types ("null", "boolean", "integer", "number", "string", "array",
// "object"; "number" includes the integers, "integer" means a number with
// no fractional part). No types means any type. An empty raw counts as
// null, as encoding/json writes a nil json.RawMessage.
func JSONCheckTypes(raw []byte, types ...string) error {
	if len(raw) == 0 {
		raw = []byte("null")
	}
	r := NewJSONReader(raw)
	k, err := r.Peek()
	if err != nil {
		return err
	}
	var lit string
	if k == JSONNumber {
		if lit, err = r.ReadNumber(); err != nil {
			return err
		}
	} else if err := r.Skip(); err != nil {
		return err
	}
	if err := r.End(); err != nil {
		return err
	}
	if len(types) == 0 {
		return nil
	}
	for _, t := range types {
		switch {
		case t == k.String():
			return nil
		case t == "integer" && k == JSONNumber:
			if c := []byte(appendCanonicalNumber(nil, lit)); string(c) == "0" || !strings.Contains(string(c), "e-") {
				return nil
			}
		}
	}
	got := kindWithArticle(k)
	if k == JSONNumber {
		got = "the number " + lit
	}
	return JSONErrorf("expected %s, got %s", strings.Join(types, " or "), got)
}
