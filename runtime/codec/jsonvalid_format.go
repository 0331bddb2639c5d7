package codec

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// jsonFormats lists the JSON Schema formats CheckJSONFormat validates.
var jsonFormats = map[string]func(string) error{
	"date-time":     func(s string) error { _, err := ParseJSONDateTime(s); return err },
	"date":          func(s string) error { _, err := ParseJSONDate(s); return err },
	"time":          checkJSONTime,
	"duration":      checkJSONDuration,
	"uuid":          func(s string) error { _, err := ParseJSONUUID(s); return err },
	"email":         checkJSONEmail,
	"hostname":      checkJSONHostname,
	"ipv4":          checkJSONIPv4,
	"ipv6":          checkJSONIPv6,
	"uri":           func(s string) error { return checkJSONURI(s, true) },
	"uri-reference": func(s string) error { return checkJSONURI(s, false) },
	"regex":         checkJSONRegex,
	"json-pointer":  checkJSONPointer,
}

// KnownJSONFormat reports whether CheckJSONFormat validates format.
func KnownJSONFormat(format string) bool {
	_, ok := jsonFormats[format]
	return ok
}

// CheckJSONFormat checks s against the JSON Schema format named format:
// date-time, date, time, duration, uuid, email, hostname, ipv4, ipv6, uri,
// uri-reference, regex and json-pointer. Other formats are annotations and
// always pass.
func CheckJSONFormat(format, s string) error {
	if check, ok := jsonFormats[format]; ok {
		return check(s)
	}
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitsAt parses n ASCII digits of s at i.
func digitsAt(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for j := i; j < i+n; j++ {
		if !isDigit(s[j]) {
			return 0, false
		}
		v = v*10 + int(s[j]-'0')
	}
	return v, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseFullDate parses "YYYY-MM-DD" exactly.
func parseFullDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digitsAt(s, 0, 4)
	m, ok2 := digitsAt(s, 5, 2)
	d, ok3 := digitsAt(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// fullTime is a parsed RFC 3339 full-time.
type fullTime struct {
	hour, min, sec, nsec int
	offset               int // seconds east of UTC
	utc                  bool
}

// parseFullTime parses "HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)", case-insensitive
// in Z, allowing a leap second only at 23:59:60 UTC.
func parseFullTime(s string) (fullTime, bool) {
	var t fullTime
	if len(s) < 9 || s[2] != ':' || s[5] != ':' {
		return t, false
	}
	var ok1, ok2, ok3 bool
	t.hour, ok1 = digitsAt(s, 0, 2)
	t.min, ok2 = digitsAt(s, 3, 2)
	t.sec, ok3 = digitsAt(s, 6, 2)
	if !ok1 || !ok2 || !ok3 || t.hour > 23 || t.min > 59 || t.sec > 60 {
		return t, false
	}
	i := 8
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			if i-start < 9 {
				t.nsec = t.nsec*10 + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return t, false
		}
		for n := i - start; n < 9; n++ {
			t.nsec *= 10
		}
	}
	if i >= len(s) {
		return t, false
	}
	switch s[i] {
	case 'Z', 'z':
		if i+1 != len(s) {
			return t, false
		}
		t.utc = true
	case '+', '-':
		if len(s) != i+6 || s[i+3] != ':' {
			return t, false
		}
		oh, ok1 := digitsAt(s, i+1, 2)
		om, ok2 := digitsAt(s, i+4, 2)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return t, false
		}
		t.offset = (oh*60 + om) * 60
		if s[i] == '-' {
			t.offset = -t.offset
		}
	default:
		return t, false
	}
	if t.sec == 60 {
		utcMin := ((t.hour*60+t.min-t.offset/60)%1440 + 1440) % 1440
		if utcMin != 23*60+59 {
			return t, false
		}
	}
	return t, true
}

// ParseJSONDateTime parses an RFC 3339 date-time (JSON Schema's
// "date-time"): "T" and "Z" in either case, any number of fractional
// digits (kept to the nanosecond), a leap second only at 23:59:60 UTC (it
// becomes the first instant of the next minute, which time.Time can
// hold). A "Z" offset gives a UTC time; a numeric one, a fixed zone.
func ParseJSONDateTime(s string) (time.Time, error) {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return time.Time{}, JSONErrorf("%q is not a valid date-time", s)
	}
	y, m, d, ok := parseFullDate(s[:10])
	if !ok {
		return time.Time{}, JSONErrorf("%q is not a valid date-time", s)
	}
	t, ok := parseFullTime(s[11:])
	if !ok {
		return time.Time{}, JSONErrorf("%q is not a valid date-time", s)
	}
	loc := time.UTC
	if !t.utc {
		loc = time.FixedZone("", t.offset)
	}
	return time.Date(y, time.Month(m), d, t.hour, t.min, t.sec, t.nsec, loc), nil
}

// ParseJSONDate parses an RFC 3339 full-date, "YYYY-MM-DD" (JSON Schema's
// "date"), as midnight UTC of that day.
func ParseJSONDate(s string) (time.Time, error) {
	y, m, d, ok := parseFullDate(s)
	if !ok {
		return time.Time{}, JSONErrorf("%q is not a valid date", s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// ParseJSONUUID parses the hyphenated form of a UUID (JSON Schema's
// "uuid"), 8-4-4-4-12 hexadecimal digits in either case, and nothing else.
func ParseJSONUUID(s string) (UUID, error) {
	u, ok := parseCanonicalUUID([]byte(s))
	if !ok {
		return UUID{}, JSONErrorf("%q is not a valid uuid", s)
	}
	return u, nil
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func checkJSONTime(s string) error {
	if _, ok := parseFullTime(s); !ok {
		return JSONErrorf("%q is not a valid time", s)
	}
	return nil
}

// checkJSONDuration checks the ISO 8601 duration grammar of RFC 3339
// appendix A: P followed by date units (a run of Y, M, D in that order, no
// gaps), optionally T and time units (a run of H, M, S), or weeks alone.
func checkJSONDuration(s string) error {
	bad := JSONErrorf("%q is not a valid duration", s)
	if len(s) < 3 || s[0] != 'P' {
		return bad
	}
	const dateUnits, timeUnits = "YMD", "HMS"
	units, inTime, sawT := dateUnits, false, false
	last := -1 // index in units of the last unit seen
	parts := 0 // components in the current section
	weeks := false
	for i := 1; i < len(s); {
		if s[i] == 'T' {
			if sawT || weeks {
				return bad
			}
			sawT, inTime, units, last, parts = true, true, timeUnits, -1, 0
			i++
			continue
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start || i >= len(s) {
			return bad
		}
		u := s[i]
		i++
		if u == 'W' && !inTime {
			if parts > 0 || i != len(s) || weeks {
				return bad
			}
			weeks = true
			continue
		}
		if weeks {
			return bad
		}
		k := strings.IndexByte(units, u)
		if k < 0 || (last >= 0 && k != last+1) {
			return bad
		}
		last = k
		parts++
	}
	if sawT && parts == 0 {
		return bad
	}
	if !sawT && !weeks && parts == 0 {
		return bad
	}
	return nil
}

func checkJSONHostname(s string) error {
	if !validHostname(s) {
		return JSONErrorf("%q is not a valid hostname", s)
	}
	return nil
}

func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkJSONEmail checks the shape of an RFC 5321 mailbox: a dot-atom local
// part, '@', and a hostname or a bracketed IP address literal.
func checkJSONEmail(s string) error {
	bad := JSONErrorf("%q is not a valid email address", s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return bad
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return bad
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>[]:;@\,"`, c) >= 0 {
			return bad
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		lit := domain[1 : len(domain)-1]
		if v6, ok := strings.CutPrefix(lit, "IPv6:"); ok {
			if checkJSONIPv6(v6) != nil {
				return bad
			}
			return nil
		}
		if checkJSONIPv4(lit) != nil {
			return bad
		}
		return nil
	}
	if !validHostname(domain) {
		return bad
	}
	return nil
}

func checkJSONIPv4(s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return JSONErrorf("%q is not a valid IPv4 address", s)
	}
	return nil
}

func checkJSONIPv6(s string) error {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return JSONErrorf("%q is not a valid IPv6 address", s)
	}
	return nil
}

// checkJSONURI checks RFC 3986 characters (unreserved, reserved and
// percent-encodings) and, when absolute is set, a scheme.
func checkJSONURI(s string, absolute bool) error {
	what := "URI reference"
	if absolute {
		what = "URI"
	}
	bad := JSONErrorf("%q is not a valid %s", s, what)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return bad
			}
			if _, ok := hexValue(s[i+1]); !ok {
				return bad
			}
			if _, ok := hexValue(s[i+2]); !ok {
				return bad
			}
			i += 2
		case isDigit(c), c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		default:
			return bad
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad
	}
	if absolute {
		if u.Scheme == "" {
			return bad
		}
		for i, c := range []byte(u.Scheme) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (isDigit(c) || c == '+' || c == '-' || c == '.')) {
				return bad
			}
		}
	}
	return nil
}

func checkJSONRegex(s string) error {
	if _, err := regexp.Compile(s); err != nil {
		return JSONErrorf("%q is not a valid regular expression: %v", s, err)
	}
	return nil
}

func checkJSONPointer(s string) error {
	if s == "" {
		return nil
	}
	if s[0] != '/' {
		return JSONErrorf("%q is not a valid JSON pointer", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 >= len(s) || (s[i+1] != '0' && s[i+1] != '1')) {
			return JSONErrorf("%q is not a valid JSON pointer", s)
		}
	}
	return nil
}
