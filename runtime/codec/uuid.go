package codec

import (
	"crypto/rand"
	"encoding/binary"
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

// unhexTable maps a hex digit, in either case, to its value and every
// other byte to 0xf0, which has bits no digit's value has.
var unhexTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xf0
	}
	for i := range 10 {
		t['0'+i] = byte(i)
	}
	for i := range 6 {
		t['a'+i] = byte(10 + i)
		t['A'+i] = byte(10 + i)
	}
	return t
}()

// parseUUID parses the forms ParseUUID accepts.
func parseUUID(b []byte) (UUID, bool) {
	switch {
	case len(b) == 38 && b[0] == '{' && b[37] == '}':
		b = b[1:37]
	case len(b) == 45 && string(b[:9]) == "urn:uuid:":
		b = b[9:]
	}
	return parseCanonicalUUID(b)
}

// parseCanonicalUUID parses exactly the 36-character hyphenated form, in
// either case.
func parseCanonicalUUID(b []byte) (UUID, bool) {
	if len(b) != 36 {
		return UUID{}, false
	}
	p := (*[36]byte)(b)
	if p[8] != '-' || p[13] != '-' || p[18] != '-' || p[23] != '-' {
		return UUID{}, false
	}
	// Straight-line, with constant indices (no bounds checks), each half
	// of the UUID is assembled in a register and stored whole: sixteen
	// one-byte stores read back as one UUID stall the CPU. A non-digit
	// garbles the halves but sets high bits in bad.
	t := &unhexTable
	first := uint64(t[p[0]])<<60 | uint64(t[p[1]])<<56 | uint64(t[p[2]])<<52 | uint64(t[p[3]])<<48 |
		uint64(t[p[4]])<<44 | uint64(t[p[5]])<<40 | uint64(t[p[6]])<<36 | uint64(t[p[7]])<<32 |
		uint64(t[p[9]])<<28 | uint64(t[p[10]])<<24 | uint64(t[p[11]])<<20 | uint64(t[p[12]])<<16 |
		uint64(t[p[14]])<<12 | uint64(t[p[15]])<<8 | uint64(t[p[16]])<<4 | uint64(t[p[17]])
	second := uint64(t[p[19]])<<60 | uint64(t[p[20]])<<56 | uint64(t[p[21]])<<52 | uint64(t[p[22]])<<48 |
		uint64(t[p[24]])<<44 | uint64(t[p[25]])<<40 | uint64(t[p[26]])<<36 | uint64(t[p[27]])<<32 |
		uint64(t[p[28]])<<28 | uint64(t[p[29]])<<24 | uint64(t[p[30]])<<20 | uint64(t[p[31]])<<16 |
		uint64(t[p[32]])<<12 | uint64(t[p[33]])<<8 | uint64(t[p[34]])<<4 | uint64(t[p[35]])
	bad := t[p[0]] | t[p[1]] | t[p[2]] | t[p[3]] | t[p[4]] | t[p[5]] | t[p[6]] | t[p[7]] |
		t[p[9]] | t[p[10]] | t[p[11]] | t[p[12]] | t[p[14]] | t[p[15]] | t[p[16]] | t[p[17]] |
		t[p[19]] | t[p[20]] | t[p[21]] | t[p[22]] | t[p[24]] | t[p[25]] | t[p[26]] | t[p[27]] |
		t[p[28]] | t[p[29]] | t[p[30]] | t[p[31]] | t[p[32]] | t[p[33]] | t[p[34]] | t[p[35]]
	if bad > 0x0f {
		return UUID{}, false
	}
	var u UUID
	binary.BigEndian.PutUint64(u[:8], first)
	binary.BigEndian.PutUint64(u[8:], second)
	return u, true
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
