package codec_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestUUIDParseFormat(t *testing.T) {
	const canon = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	want := codec.UUID{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	for _, in := range []string{canon, strings.ToUpper(canon), "{" + canon + "}", "urn:uuid:" + canon} {
		u, err := codec.ParseUUID(in)
		if err != nil || u != want {
			t.Errorf("ParseUUID(%q) = %v, %v", in, u, err)
		}
	}
	if s := want.String(); s != canon {
		t.Errorf("String = %q", s)
	}
	for _, bad := range []string{"", canon[:35], canon + "0", "6ba7b810x9dad-11d1-80b4-00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430cg", "{" + canon, "6ba7b8109dad11d180b400c04fd430c8"} {
		if _, err := codec.ParseUUID(bad); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", bad)
		}
	}
	var u codec.UUID
	if err := u.UnmarshalText([]byte(canon)); err != nil || u != want {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
	if b, err := u.MarshalText(); err != nil || string(b) != canon {
		t.Errorf("MarshalText = %q, %v", b, err)
	}
	if !(codec.UUID{}).IsZero() || want.IsZero() {
		t.Error("IsZero")
	}
}

func TestUUIDWire(t *testing.T) {
	u := codec.NewRandomUUID()
	if u[6]>>4 != 4 || u[8]>>6 != 2 {
		t.Errorf("random UUID %s is not version 4, variant RFC", u)
	}
	b := codec.AppendUUIDString(nil, u)
	if want := codec.AppendString(nil, u.String()); !bytes.Equal(b, want) {
		t.Errorf("AppendUUIDString = % x, want % x", b, want)
	}
	b = codec.AppendUUIDFixed(b, u)
	r := codec.NewReader(b)
	if got := r.ReadUUIDString(); got != u {
		t.Errorf("ReadUUIDString = %s", got)
	}
	if got := r.ReadUUIDFixed(); got != u {
		t.Errorf("ReadUUIDFixed = %s", got)
	}
	if err := r.Finish("U"); err != nil {
		t.Fatal(err)
	}

	r = codec.NewReader(codec.AppendString(nil, "not-a-uuid"))
	r.ReadUUIDString()
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), `reading uuid at byte 0: invalid UUID "not-a-uuid"`) {
		t.Errorf("invalid uuid error = %v", err)
	}
	r = codec.NewReader([]byte{1, 2, 3})
	r.ReadUUIDFixed()
	if r.Err() == nil {
		t.Error("truncated fixed uuid accepted")
	}
}

func TestUUIDWireDoesNotAllocate(t *testing.T) {
	u := codec.MustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	dst := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		b := codec.AppendUUIDString(dst[:0], u)
		r := codec.NewReader(b)
		if r.ReadUUIDString() != u {
			t.Fatal("mismatch")
		}
	})
	if allocs != 0 {
		t.Errorf("uuid string round trip allocated %v times", allocs)
	}
	for _, in := range []string{"6ba7b810-9dad-11d1-80b4-00c04fd430c8", "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8"} {
		allocs = testing.AllocsPerRun(100, func() {
			if got, err := codec.ParseUUID(in); err != nil || got != u {
				t.Fatalf("ParseUUID(%q) = %v, %v", in, got, err)
			}
		})
		if allocs != 0 {
			t.Errorf("ParseUUID(%q) allocated %v times", in, allocs)
		}
	}
	allocs = testing.AllocsPerRun(100, func() {
		if got, err := codec.ParseJSONUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"); err != nil || got != u {
			t.Fatalf("ParseJSONUUID = %v, %v", got, err)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseJSONUUID allocated %v times", allocs)
	}
}

// BenchmarkReadUUIDString measures reading the uuid logical type on
// string, the event id of the clickstream example's records.
func BenchmarkReadUUIDString(b *testing.B) {
	data := codec.AppendString(nil, "6ba7b810-9dad-11d1-80b4-00C04FD430C8")
	want := codec.MustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	b.ReportAllocs()
	for b.Loop() {
		r := codec.NewReader(data)
		if r.ReadUUIDString() != want {
			b.Fatal("mismatch")
		}
	}
}
