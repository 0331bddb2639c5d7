package runtime

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"
	"testing"

	"github.com/streamgen/streamgen/schema"
)

func parseType(t *testing.T, js string) *schema.Type {
	t.Helper()
	typ, err := schema.ParseAvroString(js)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

const (
	userV1 = `{"type":"record","name":"User","namespace":"t","fields":[{"name":"id","type":"string"}]}`
	userV2 = `{"type":"record","name":"User","namespace":"t","fields":[{"name":"id","type":"string"},{"name":"age","type":"int","default":0}]}`
)

func TestRawAvroFraming(t *testing.T) {
	var f AvroFraming = RawAvroFraming{}
	v1 := parseType(t, userV1)
	out, err := f.Frame([]byte{9}, "t", false, v1)
	if err != nil || !bytes.Equal(out, []byte{9}) {
		t.Fatalf("Frame = %x, %v", out, err)
	}
	w, datum, err := f.Unframe("t", true, []byte{1, 2})
	if w != nil || !bytes.Equal(datum, []byte{1, 2}) || err != nil {
		t.Fatalf("Unframe = %v %x %v", w, datum, err)
	}
}

func TestSingleObjectFraming(t *testing.T) {
	v1, v2 := parseType(t, userV1), parseType(t, userV2)
	f := NewSingleObjectFraming(v1)
	framed, err := f.Frame(nil, "t", false, v1)
	if err != nil {
		t.Fatal(err)
	}
	if len(framed) != 10 || framed[0] != 0xC3 || framed[1] != 0x01 || binary.LittleEndian.Uint64(framed[2:]) != v1.Fingerprint64() {
		t.Fatalf("header % x, want C3 01 and the little-endian fingerprint %016x", framed, v1.Fingerprint64())
	}
	w, datum, err := f.Unframe("t", false, append(framed, 0x02, 'a'))
	if err != nil || w != v1 || !bytes.Equal(datum, []byte{0x02, 'a'}) {
		t.Fatalf("Unframe = %v %x %v", w, datum, err)
	}
	// A writer the framing framed once is known from then on.
	framed2, err := f.Frame(nil, "t", false, v2)
	if err != nil {
		t.Fatal(err)
	}
	if w, _, err := f.Unframe("t", false, framed2); err != nil || w != v2 {
		t.Fatalf("Unframe of a framed writer = %v, %v", w, err)
	}
	// Alternating and repeating writers, past the most-recent shortcut
	// and through it, each keeps its own fingerprint.
	for _, w := range []*schema.Type{v1, v2, v1, v1, v2, v2, v1} {
		fr, err := f.Frame(nil, "t", false, w)
		if err != nil || binary.LittleEndian.Uint64(fr[2:]) != w.Fingerprint64() {
			t.Fatalf("Frame(%s) = % x, %v", w.Name.Full(), fr, err)
		}
		if got, _, err := f.Unframe("t", false, fr); err != nil || got != w {
			t.Fatalf("Unframe of %s's frame = %v, %v", w.Name.Full(), got, err)
		}
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"short", "\xc3\x01\x00", "too short"},
		{"marker", "\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00", "not the marker"},
		{"unknown", "\xc3\x01\x01\x02\x03\x04\x05\x06\x07\x08", "unknown writer schema fingerprint 0807060504030201"},
	} {
		if _, _, err := NewSingleObjectFraming(v1).Unframe("t", false, []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := f.Frame(nil, "t", false, nil); err == nil {
		t.Error("framing without a schema succeeded")
	}
}

func TestMemoryRegistryFraming(t *testing.T) {
	v1, v2 := parseType(t, userV1), parseType(t, userV2)
	again := parseType(t, userV1) // another node, the same canonical form
	f := NewMemoryRegistryFraming()
	if id := f.Register(v1); id != 1 {
		t.Fatalf("first id %d", id)
	}
	if id := f.Register(again); id != 1 {
		t.Fatalf("the same schema got id %d", id)
	}
	if id := f.Register(v2); id != 2 {
		t.Fatalf("second schema got id %d", id)
	}
	framed, err := f.Frame([]byte("x"), "t", true, v2)
	if err != nil || !bytes.Equal(framed, []byte{'x', 0, 0, 0, 0, 2}) {
		t.Fatalf("Frame = % x, %v", framed, err)
	}
	w, datum, err := f.Unframe("t", true, append(framed[1:], 7))
	if err != nil || w != v2 || !bytes.Equal(datum, []byte{7}) {
		t.Fatalf("Unframe = %v %x %v", w, datum, err)
	}
	for _, tc := range []struct {
		name, data, want string
	}{
		{"short", "\x00\x00", "too short"},
		{"magic", "\x01\x00\x00\x00\x01", "magic byte 1"},
		{"unknown", "\x00\x00\x00\x00\x09", "unknown schema id 9"},
		{"zero", "\x00\x00\x00\x00\x00", "unknown schema id 0"},
	} {
		if _, _, err := f.Unframe("t", false, []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// Safe for concurrent use: every goroutine sees one id per schema.
	var wg sync.WaitGroup
	ids := make([]uint32, 8)
	types := make([]*schema.Type, len(ids))
	for i := range types {
		types[i] = parseType(t, userV2)
	}
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = f.Register(types[i])
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != 2 {
			t.Fatalf("concurrent ids %v", ids)
		}
	}
}
