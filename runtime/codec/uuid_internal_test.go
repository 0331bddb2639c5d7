package codec

import (
	"strings"
	"testing"
)

// refParseUUID is the plain, byte-at-a-time reading of the forms
// ParseUUID accepts, which the table-driven parseUUID must agree with.
func refParseUUID(b []byte) (UUID, bool) {
	switch {
	case len(b) == 38 && b[0] == '{' && b[37] == '}':
		b = b[1:37]
	case len(b) == 45 && string(b[:9]) == "urn:uuid:":
		b = b[9:]
	}
	var u UUID
	if len(b) != 36 {
		return UUID{}, false
	}
	j := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if b[i] != '-' {
				return UUID{}, false
			}
			continue
		}
		var d byte
		switch c := b[i]; {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return UUID{}, false
		}
		u[j/2] |= d << (4 * (1 - j%2))
		j++
	}
	return u, true
}

// Every single-byte change of every accepted form, and every length
// around them, is accepted or rejected as the reference does, with the
// same value.
func TestParseUUIDAgreesWithReference(t *testing.T) {
	const canon = "0123abcd-ef45-6789-ABCD-ef0123456789"
	forms := []string{canon, strings.ToLower(canon), strings.ToUpper(canon), "{" + canon + "}", "urn:uuid:" + canon}
	for _, form := range forms {
		for i := range len(form) {
			for c := range 256 {
				in := []byte(form)
				in[i] = byte(c)
				checkParseUUID(t, in)
			}
		}
		for n := range len(form) + 3 {
			checkParseUUID(t, []byte((form + "000")[:n]))
		}
	}
}

// checkParseUUID compares, on one input, parseUUID and ParseUUID with the
// reference, and ParseJSONUUID with the reference's verdict on the plain
// 36-character form.
func checkParseUUID(t *testing.T, in []byte) {
	t.Helper()
	want, wantOK := refParseUUID(in)
	if got, ok := parseUUID(in); got != want || ok != wantOK {
		t.Fatalf("parseUUID(%q) = %v, %v; want %v, %v", in, got, ok, want, wantOK)
	}
	if got, err := ParseUUID(string(in)); (err == nil) != wantOK || got != want {
		t.Fatalf("ParseUUID(%q) = %v, %v; want %v, ok %v", in, got, err, want, wantOK)
	}
	jsonOK := wantOK && len(in) == 36
	if got, err := ParseJSONUUID(string(in)); (err == nil) != jsonOK || (jsonOK && got != want) {
		t.Fatalf("ParseJSONUUID(%q) = %v, %v; want %v, ok %v", in, got, err, want, jsonOK)
	}
}
