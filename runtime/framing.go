package runtime

import (
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/streamgen/streamgen/schema"
)

// The Avro formats of a pipeline spec, as WithFraming names them.
const (
	// FormatAvro is Avro binary with no header (RawAvroFraming by default).
	FormatAvro = "avro"
	// FormatAvroConfluent is the Confluent wire format: a zero magic byte
	// and a 4-byte big-endian Schema Registry id. It has no default
	// framing: the kafka package provides one backed by a registry, and
	// MemoryRegistryFraming stands in for it in tests.
	FormatAvroConfluent = "avro-confluent"
	// FormatAvroSingleObject is Avro's single-object encoding: C3 01 and
	// the little-endian CRC-64-AVRO fingerprint of the writer schema
	// (SingleObjectFraming by default).
	FormatAvroSingleObject = "avro-single-object"
)

// RawAvroFraming frames nothing: the bytes are the Avro datum, written with
// the reader's own schema.
type RawAvroFraming struct{}

// Unframe returns data as the datum and no writer schema.
func (RawAvroFraming) Unframe(topic string, isKey bool, data []byte) (*schema.Type, []byte, error) {
	return nil, data, nil
}

// Frame appends nothing.
func (RawAvroFraming) Frame(dst []byte, topic string, isKey bool, t *schema.Type) ([]byte, error) {
	return dst, nil
}

// singleObjectHeaderLen is the marker and the fingerprint.
const singleObjectHeaderLen = 10

// SingleObjectFraming reads and writes Avro's single-object encoding: the
// two bytes C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the
// writer schema, then the datum. It recognizes the writer schemas it was
// given (and any it framed since); a fingerprint it does not know is an
// error naming it. It is safe for concurrent use.
type SingleObjectFraming struct {
	// lastRead and lastWritten are the most recent fingerprint read and
	// written: a stream of one schema finds it with one atomic load,
	// without the lock that concurrent tasks would contend for.
	lastRead, lastWritten atomic.Pointer[fpEntry]

	mu     sync.RWMutex
	byFP   map[uint64]*schema.Type
	byType map[*schema.Type]uint64
}

// fpEntry pairs a schema and its fingerprint.
type fpEntry struct {
	fp uint64
	t  *schema.Type
}

// NewSingleObjectFraming returns a framing that knows types (a generated
// pipeline passes every Avro record type of its package).
func NewSingleObjectFraming(types ...*schema.Type) *SingleObjectFraming {
	f := &SingleObjectFraming{byFP: map[uint64]*schema.Type{}, byType: map[*schema.Type]uint64{}}
	for _, t := range types {
		f.fingerprint(t)
	}
	return f
}

// fingerprint returns t's fingerprint, remembering t as a known writer.
func (f *SingleObjectFraming) fingerprint(t *schema.Type) uint64 {
	if l := f.lastWritten.Load(); l != nil && l.t == t {
		return l.fp
	}
	f.mu.RLock()
	fp, ok := f.byType[t]
	f.mu.RUnlock()
	if ok {
		f.lastWritten.Store(&fpEntry{fp: fp, t: t})
		return fp
	}
	fp = t.Fingerprint64()
	f.mu.Lock()
	f.byType[t] = fp
	if _, dup := f.byFP[fp]; !dup {
		f.byFP[fp] = t
	}
	f.mu.Unlock()
	return fp
}

// Unframe checks the marker and looks the fingerprint up.
func (f *SingleObjectFraming) Unframe(topic string, isKey bool, data []byte) (*schema.Type, []byte, error) {
	if len(data) < singleObjectHeaderLen {
		return nil, nil, fmt.Errorf("avro single-object encoding: %d bytes are too short for the 10-byte header", len(data))
	}
	if data[0] != 0xC3 || data[1] != 0x01 {
		return nil, nil, fmt.Errorf("avro single-object encoding: the record starts with % x, not the marker c3 01", data[:2])
	}
	fp := binary.LittleEndian.Uint64(data[2:singleObjectHeaderLen])
	if l := f.lastRead.Load(); l != nil && l.fp == fp {
		return l.t, data[singleObjectHeaderLen:], nil
	}
	f.mu.RLock()
	t, ok := f.byFP[fp]
	f.mu.RUnlock()
	if !ok {
		return nil, nil, fmt.Errorf("avro single-object encoding: unknown writer schema fingerprint %016x", fp)
	}
	f.lastRead.Store(&fpEntry{fp: fp, t: t})
	return t, data[singleObjectHeaderLen:], nil
}

// Frame appends the marker and t's fingerprint.
func (f *SingleObjectFraming) Frame(dst []byte, topic string, isKey bool, t *schema.Type) ([]byte, error) {
	if t == nil {
		return dst, fmt.Errorf("avro single-object encoding: no schema to frame")
	}
	dst = append(dst, 0xC3, 0x01)
	return binary.LittleEndian.AppendUint64(dst, f.fingerprint(t)), nil
}

// confluentHeaderLen is the magic byte and the schema id.
const confluentHeaderLen = 5

// MemoryRegistryFraming is the Confluent wire format over an in-memory
// schema registry: Frame registers the writer schema (one id per Parsing
// Canonical Form, counting from 1, as a registry assigns them) and Unframe
// looks ids up. Generated test drivers use it for avro-confluent when no
// framing is given; production pipelines use the kafka package's
// registry-backed framing. It is safe for concurrent use.
type MemoryRegistryFraming struct {
	mu      sync.Mutex
	byID    []*schema.Type
	byCanon map[string]uint32
	byType  map[*schema.Type]uint32
}

// NewMemoryRegistryFraming returns an empty in-memory registry framing.
func NewMemoryRegistryFraming() *MemoryRegistryFraming {
	return &MemoryRegistryFraming{byCanon: map[string]uint32{}, byType: map[*schema.Type]uint32{}}
}

// Register returns t's schema id, registering it first if needed.
func (f *MemoryRegistryFraming) Register(t *schema.Type) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.byType[t]; ok {
		return id
	}
	canon := t.CanonicalForm()
	id, ok := f.byCanon[canon]
	if !ok {
		f.byID = append(f.byID, t)
		id = uint32(len(f.byID))
		f.byCanon[canon] = id
	}
	f.byType[t] = id
	return id
}

// Schema returns the schema registered under id.
func (f *MemoryRegistryFraming) Schema(id uint32) (*schema.Type, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == 0 || int(id) > len(f.byID) {
		return nil, false
	}
	return f.byID[id-1], true
}

// Unframe checks the magic byte and looks the schema id up.
func (f *MemoryRegistryFraming) Unframe(topic string, isKey bool, data []byte) (*schema.Type, []byte, error) {
	if len(data) < confluentHeaderLen {
		return nil, nil, fmt.Errorf("confluent wire format: %d bytes are too short for the 5-byte header", len(data))
	}
	if data[0] != 0 {
		return nil, nil, fmt.Errorf("confluent wire format: magic byte %d, want 0", data[0])
	}
	id := binary.BigEndian.Uint32(data[1:confluentHeaderLen])
	t, ok := f.Schema(id)
	if !ok {
		return nil, nil, fmt.Errorf("confluent wire format: unknown schema id %d", id)
	}
	return t, data[confluentHeaderLen:], nil
}

// Frame appends the magic byte and t's schema id.
func (f *MemoryRegistryFraming) Frame(dst []byte, topic string, isKey bool, t *schema.Type) ([]byte, error) {
	if t == nil {
		return dst, fmt.Errorf("confluent wire format: no schema to frame")
	}
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint32(dst, f.Register(t)), nil
}
