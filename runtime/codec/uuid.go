package codec

import (
	"crypto/rand"
	"fmt"
)

// UUID is a universally unique identifier (RFC 9562), the Go type of
// Avro's uuid logical type. On a string schema it is written as its
// 36-character canonical text; on fixed(16) as its 16 bytes.
type UUID [16]byte

// NewRandomUUID returns a random (version 4) UUID.
func NewRandomUUID() UUID {
	var u UUID
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

const hexDigits = "0123456789abcdef"

// String returns the canonical lower-case form,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
func (u UUID) String() string {
	var b [36]byte
	u.put(b[:])
	return string(b[:])
}

// put writes the 36-byte canonical form into b.
func (u UUID) put(b []byte) {
	_ = b[35]
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j] = hexDigits[c>>4]
		b[j+1] = hexDigits[c&0x0f]
		j += 2
	}
}

// AppendText appends the canonical form of u to dst.
func (u UUID) AppendText(dst []byte) ([]byte, error) {
	var b [36]byte
	u.put(b[:])
	return append(dst, b[:]...), nil
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (u UUID) MarshalText() ([]byte, error) { return u.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// ParseUUID accepts.
func (u *UUID) UnmarshalText(text []byte) error {
	v, ok := parseUUID(text)
	if !ok {
		return fmt.Errorf("codec: invalid UUID %q", text)
	}
	*u = v
	return nil
}

// IsZero reports whether u is the nil UUID (all zeros).
func (u UUID) IsZero() bool { return u == UUID{} }

// ParseUUID parses the 36-character hyphenated form, in either case
// ("6ba7b810-9dad-11d1-80b4-00c04fd430c8"). It also accepts the form
// wrapped in braces and the "urn:uuid:" prefix.
func ParseUUID(s string) (UUID, error) {
	u, ok := parseUUID([]byte(s))
	if !ok {
		return UUID{}, fmt.Errorf("codec: invalid UUID %q", s)
	}
	return u, nil
}

// MustParseUUID is ParseUUID for constants known to be valid: it panics on
// an invalid input.
func MustParseUUID(s string) UUID {
	u, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

func parseUUID(b []byte) (UUID, bool) {
	switch {
	case len(b) == 38 && b[0] == '{' && b[37] == '}':
		b = b[1:37]
	case len(b) == 45 && string(b[:9]) == "urn:uuid:":
		b = b[9:]
	}
	var u UUID
	if len(b) != 36 || b[8] != '-' || b[13] != '-' || b[18] != '-' || b[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 16; i++ {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			j++
		}
		hi, ok1 := unhex(b[j])
		lo, ok2 := unhex(b[j+1])
		if !ok1 || !ok2 {
			return UUID{}, false
		}
		u[i] = hi<<4 | lo
		j += 2
	}
	return u, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendUUIDString appends u as the Avro uuid logical type on string: the
// length 36 then the canonical lower-case text.
func AppendUUIDString(dst []byte, u UUID) []byte {
	dst = append(dst, 36<<1)
	var b [36]byte
	u.put(b[:])
	return append(dst, b[:]...)
}

// AppendUUIDFixed appends u as the Avro uuid logical type on fixed(16).
func AppendUUIDFixed(dst []byte, u UUID) []byte {
	return append(dst, u[:]...)
}

// ReadUUIDString reads the Avro uuid logical type on string. Text that is
// not a UUID (in a form ParseUUID accepts) is an error.
func (r *Reader) ReadUUIDString() UUID {
	start := r.off
	n := r.readLen("uuid")
	text := r.buf[r.off : r.off+n]
	u, ok := parseUUID(text)
	r.off += n
	if !ok && r.fail == failNone {
		r.failAt(start, "uuid", fmt.Sprintf("invalid UUID %q", text))
	}
	return u
}

// ReadUUIDFixed reads the Avro uuid logical type on fixed(16).
func (r *Reader) ReadUUIDFixed() UUID {
	var u UUID
	r.ReadFixed(u[:])
	return u
}
