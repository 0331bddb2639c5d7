package codec

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

const lowerHex = "0123456789abcdef"

// AppendJSONString appends s as a JSON string. Quotes, backslashes,
// control characters and U+2028/U+2029 are escaped; invalid UTF-8 becomes
// U+FFFD, as encoding/json does. '<', '>' and '&' are written as they are.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendJSONFloat appends f as a JSON number, in the shortest form that
// reads back as the same float64, with an exponent only for very small or
// very large magnitudes (as encoding/json writes). NaN and infinities have
// no JSON form and are an error.
func AppendJSONFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, JSONErrorf("%v cannot be written as JSON", f)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// Shorten a two-digit negative exponent: 1e-07 -> 1e-7.
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// AppendJSONRaw appends the JSON text raw without its insignificant white
// space, after checking that it is one valid JSON value. An empty raw is
// written as null, as encoding/json writes a nil json.RawMessage.
func AppendJSONRaw(dst []byte, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return append(dst, "null"...), nil
	}
	r := NewJSONReader(raw)
	if err := r.Skip(); err != nil {
		return dst, err
	}
	if err := r.End(); err != nil {
		return dst, err
	}
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// AppendJSONDateTime appends t as a JSON string in RFC 3339 format with as
// many fractional digits as needed. Years outside 0000-9999 have no RFC
// 3339 form and are an error.
func AppendJSONDateTime(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, JSONErrorf("year %d cannot be written as an RFC 3339 date-time", y)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

// AppendJSONDate appends the calendar day of t (in t's location) as a JSON
// string in RFC 3339 full-date format, "2006-01-02".
func AppendJSONDate(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, JSONErrorf("year %d cannot be written as an RFC 3339 date", y)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.DateOnly)
	return append(dst, '"'), nil
}

// AppendJSONUUID appends u as a JSON string in the canonical lower-case
// hyphenated form.
func AppendJSONUUID(dst []byte, u UUID) []byte {
	dst = append(dst, '"')
	dst, _ = u.AppendText(dst) // never fails
	return append(dst, '"')
}
