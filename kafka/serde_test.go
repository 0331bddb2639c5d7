package kafka

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/schema"
)

const userV1 = `{"type":"record","name":"User","namespace":"com.acme","fields":[
  {"name":"id","type":"string"},
  {"name":"age","type":"int"}]}`

const userV2 = `{"type":"record","name":"User","namespace":"com.acme","fields":[
  {"name":"id","type":"string"},
  {"name":"age","type":"long"},
  {"name":"email","type":["null","string"],"default":null},
  {"name":"country","type":"string","default":"NL"}]}`

// testRegistry is an srfake registry over loopback with a client and a
// count of requests by method and path prefix.
type testRegistry struct {
	reg *srfake.Registry
	cl  *sr.Client

	mu       sync.Mutex
	requests []string
}

func newTestRegistry(t *testing.T) *testRegistry {
	t.Helper()
	tr := &testRegistry{reg: srfake.New()}
	t.Cleanup(tr.reg.Close)
	tr.reg.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		tr.mu.Lock()
		tr.requests = append(tr.requests, r.Method+" "+r.URL.Path)
		tr.mu.Unlock()
		return false
	})
	cl, err := sr.NewClient(sr.URLs(tr.reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	tr.cl = cl
	return tr
}

// count returns how many requests start with prefix ("GET /schemas/ids/").
func (tr *testRegistry) count(prefix string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, r := range tr.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func mustAvro(t *testing.T, text string) *schema.Type {
	t.Helper()
	ty, err := schema.ParseAvroString(text)
	if err != nil {
		t.Fatal(err)
	}
	return ty
}

func goavroEncode(t *testing.T, text string, v map[string]any) []byte {
	t.Helper()
	c, err := goavro.NewCodec(text)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.BinaryFromNative(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func goavroDecode(t *testing.T, text string, b []byte) map[string]any {
	t.Helper()
	c, err := goavro.NewCodec(text)
	if err != nil {
		t.Fatal(err)
	}
	v, rest, err := c.NativeFromBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left after the datum", len(rest))
	}
	return v.(map[string]any)
}

func TestSubjectNameStrategy(t *testing.T) {
	user := mustAvro(t, userV1)
	str := mustAvro(t, `"string"`)
	tests := []struct {
		strategy SubjectNameStrategy
		isKey    bool
		typ      *schema.Type
		want     string
		wantErr  string
	}{
		{TopicNameStrategy, false, user, "clicks-value", ""},
		{TopicNameStrategy, true, user, "clicks-key", ""},
		{TopicNameStrategy, true, str, "clicks-key", ""},
		{RecordNameStrategy, false, user, "com.acme.User", ""},
		{RecordNameStrategy, true, user, "com.acme.User", ""},
		{TopicRecordNameStrategy, false, user, "clicks-com.acme.User", ""},
		{RecordNameStrategy, true, str, "", "RecordNameStrategy needs a named schema (record, enum or fixed), got a string schema"},
		{TopicRecordNameStrategy, false, nil, "", "got no schema"},
		{SubjectNameStrategy(9), false, user, "", "unknown subject name strategy 9"},
	}
	for _, tc := range tests {
		got, err := tc.strategy.Subject("clicks", tc.isKey, tc.typ)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v key=%v: error %v, want %q", tc.strategy, tc.isKey, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v key=%v: %q, %v; want %q", tc.strategy, tc.isKey, got, err, tc.want)
		}
	}
}

func TestParseSubjectNameStrategy(t *testing.T) {
	tests := []struct {
		in   string
		want SubjectNameStrategy
		err  bool
	}{
		{"topic", TopicNameStrategy, false},
		{"record", RecordNameStrategy, false},
		{"topic-record", TopicRecordNameStrategy, false},
		{"TopicRecordNameStrategy", TopicRecordNameStrategy, false},
		{"io.confluent.kafka.serializers.subject.RecordNameStrategy", RecordNameStrategy, false},
		{"subject", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseSubjectNameStrategy(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSubjectNameStrategy(%q) = %v, %v", tc.in, got, err)
		}
		if err == nil && got.String() == "" {
			t.Errorf("%v has no name", got)
		}
	}
}

func TestConfluentFramingRoundTrip(t *testing.T) {
	tr := newTestRegistry(t)
	user := mustAvro(t, userV1)
	f := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))

	datum := goavroEncode(t, userV1, map[string]any{"id": "u1", "age": int32(42)})
	framed, err := f.Frame([]byte("prefix"), "users", false, user)
	if err != nil {
		t.Fatal(err)
	}
	framed = append(framed, datum...)
	if !bytes.HasPrefix(framed, []byte("prefix")) {
		t.Fatalf("Frame dropped dst: %q", framed)
	}
	msg := framed[len("prefix"):]
	if msg[0] != 0 {
		t.Fatalf("magic byte %d", msg[0])
	}
	id := int(binary.BigEndian.Uint32(msg[1:5]))

	// The registry holds the schema under the topic's value subject, with
	// that id; franz-go's own header decoder agrees with ours.
	ss, err := tr.cl.SchemaByVersion(context.Background(), "users-value", -1)
	if err != nil {
		t.Fatal(err)
	}
	if ss.ID != id {
		t.Fatalf("registered id %d, framed id %d", ss.ID, id)
	}
	hid, rest, err := new(sr.ConfluentHeader).DecodeID(msg)
	if err != nil || hid != id || !bytes.Equal(rest, datum) {
		t.Fatalf("sr.ConfluentHeader.DecodeID = %d, %x, %v", hid, rest, err)
	}

	// A second framing (the consumer side) fetches the writer schema by id.
	g := NewConfluentFraming(RegistryClient(tr.cl))
	for range 3 {
		w, got, err := g.Unframe("users", false, msg)
		if err != nil {
			t.Fatal(err)
		}
		if w.CanonicalForm() != user.CanonicalForm() {
			t.Fatalf("writer schema %s, want %s", w.CanonicalForm(), user.CanonicalForm())
		}
		if !bytes.Equal(got, datum) {
			t.Fatalf("datum %x, want %x", got, datum)
		}
	}
	if n := tr.count("GET /schemas/ids/"); n != 1 {
		t.Errorf("%d schema-by-id requests for one id, want 1 (cached)", n)
	}

	// Framing again is served from the cache, also for an equal schema
	// parsed separately.
	before := len(tr.requests)
	for _, ty := range []*schema.Type{user, mustAvro(t, userV1)} {
		again, err := f.Frame(nil, "users", false, ty)
		if err != nil || !bytes.Equal(again, msg[:5]) {
			t.Fatalf("Frame again = %x, %v; want %x", again, err, msg[:5])
		}
	}
	if after := len(tr.requests); after != before {
		t.Errorf("framing a known schema made %d registry requests", after-before)
	}
}

func TestConfluentFramingStrategies(t *testing.T) {
	user := mustAvro(t, userV1)
	tests := []struct {
		strategy SubjectNameStrategy
		isKey    bool
		subject  string
	}{
		{TopicNameStrategy, false, "users-value"},
		{TopicNameStrategy, true, "users-key"},
		{RecordNameStrategy, false, "com.acme.User"},
		{TopicRecordNameStrategy, true, "users-com.acme.User"},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			tr := newTestRegistry(t)
			f := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true), SubjectNaming(tc.strategy))
			if f.Strategy() != tc.strategy {
				t.Fatalf("Strategy() = %v", f.Strategy())
			}
			id, err := f.SchemaID("users", tc.isKey, user)
			if err != nil {
				t.Fatal(err)
			}
			subjects, err := tr.cl.Subjects(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(subjects, []string{tc.subject}) {
				t.Fatalf("subjects %v, want [%s]", subjects, tc.subject)
			}
			ss, err := tr.cl.SchemaByVersion(context.Background(), tc.subject, -1)
			if err != nil || uint32(ss.ID) != id {
				t.Fatalf("subject %s has id %d (%v), framed %d", tc.subject, ss.ID, err, id)
			}
		})
	}
}

func TestConfluentFramingNoAutoRegister(t *testing.T) {
	tr := newTestRegistry(t)
	user := mustAvro(t, userV1)
	f := NewConfluentFraming(RegistryClient(tr.cl))
	_, err := f.Frame(nil, "users", false, user)
	if err == nil || !strings.Contains(err.Error(), "not registered under subject users-value") || !strings.Contains(err.Error(), "topic users") {
		t.Fatalf("Frame of an unregistered schema: %v", err)
	}
	if subjects, _ := tr.cl.Subjects(context.Background()); len(subjects) != 0 {
		t.Fatalf("lookup registered subjects %v", subjects)
	}
	// Register it the way a deployment would; the failure was not cached.
	id, err := tr.cl.RegisterSchema(context.Background(), "users-value", sr.Schema{Schema: userV1}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.SchemaID("users", false, user)
	if err != nil || int(got) != id {
		t.Fatalf("SchemaID after registration = %d, %v; want %d", got, err, id)
	}
}

func TestConfluentFramingErrors(t *testing.T) {
	tr := newTestRegistry(t)
	f := NewConfluentFraming(RegistryClient(tr.cl))
	unconnected := NewConfluentFraming()
	user := mustAvro(t, userV1)
	jsonID, _, err := tr.reg.RegisterSchema("json-value", sr.Schema{Schema: `{"type":"object"}`, Type: sr.TypeJSON})
	if err != nil {
		t.Fatal(err)
	}
	header := func(id int) []byte { return binary.BigEndian.AppendUint32([]byte{0}, uint32(id)) }
	tests := []struct {
		name  string
		f     *ConfluentFraming
		data  []byte
		isKey bool
		want  []string
	}{
		{"short", f, []byte{0, 1}, false, []string{"value on topic clicks has 2 bytes, too short"}},
		{"magic", f, []byte{1, 0, 0, 0, 1, 2}, true, []string{"key on topic clicks starts with magic byte 0x01, want 0x00"}},
		{"unknown id", f, append(header(4242), 2), false, []string{"topic clicks", "schema id 4242 is not in the registry"}},
		{"not avro", f, append(header(jsonID), 2), false, []string{"is a JSON schema, not Avro"}},
		{"no client", unconnected, append(header(1), 2), false, []string{"schema id 1", "no schema registry client"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.f.Unframe("clicks", tc.isKey, tc.data)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := unconnected.Frame(nil, "clicks", false, user); err == nil || !strings.Contains(err.Error(), "no schema registry client") {
		t.Errorf("Frame without a client: %v", err)
	}
	if _, err := f.Frame(nil, "clicks", false, nil); err == nil || !strings.Contains(err.Error(), "no schema to frame for topic clicks") {
		t.Errorf("Frame of nil: %v", err)
	}

	// An unknown id is remembered, so poison records do not each cost a
	// registry request; Connect makes a framing usable.
	n := tr.count("GET /schemas/ids/4242")
	for range 5 {
		if _, _, err := f.Unframe("clicks", false, append(header(4242), 2)); err == nil {
			t.Fatal("unknown id decoded")
		}
	}
	if got := tr.count("GET /schemas/ids/4242"); got != n {
		t.Errorf("%d more requests for a known-unknown id", got-n)
	}
	unconnected.Connect(tr.cl, true)
	if _, err := unconnected.Frame(nil, "clicks", false, user); err != nil {
		t.Errorf("Frame after Connect: %v", err)
	}
}

func TestConfluentFramingReferences(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	const address = `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]}`
	const person = `{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"home","type":"com.acme.Address"}]}`
	if _, err := tr.cl.RegisterSchema(ctx, "com.acme.Address", sr.Schema{Schema: address}, -1, -1); err != nil {
		t.Fatal(err)
	}
	id, err := tr.cl.RegisterSchema(ctx, "people-value", sr.Schema{
		Schema:     person,
		References: []sr.SchemaReference{{Name: "com.acme.Address", Subject: "com.acme.Address", Version: 1}},
	}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	f := NewConfluentFraming(RegistryClient(tr.cl))
	datum := goavroEncode(t, `{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"name","type":"string"},{"name":"home","type":`+address+`}]}`,
		map[string]any{"name": "Ada", "home": map[string]any{"city": "London"}})
	w, got, err := f.Unframe("people", false, append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), datum...))
	if err != nil {
		t.Fatal(err)
	}
	if w.Name.Full() != "com.acme.Person" || w.Fields[1].Type.Name.Full() != "com.acme.Address" || !bytes.Equal(got, datum) {
		t.Fatalf("writer %s", w.CanonicalForm())
	}
}

// TestConfluentEvolution writes with v1 registered, reads as v2: the
// writer schema comes from the registry, codec.ResolverCache resolves it.
func TestConfluentEvolution(t *testing.T) {
	tr := newTestRegistry(t)
	v1, v2 := mustAvro(t, userV1), mustAvro(t, userV2)
	producer := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))
	consumer := NewConfluentFraming(RegistryClient(tr.cl))

	framed, err := producer.Frame(nil, "users", false, v1)
	if err != nil {
		t.Fatal(err)
	}
	framed = append(framed, goavroEncode(t, userV1, map[string]any{"id": "u7", "age": int32(31)})...)

	r := NewAvroReader(consumer, v2)
	out, err := r.Read(nil, "users", false, framed)
	if err != nil {
		t.Fatal(err)
	}
	got := goavroDecode(t, userV2, out)
	want := map[string]any{"id": "u7", "age": int64(31), "email": nil, "country": "NL"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}

	// A v2 producer registers a second version of the subject; v1 readers
	// still read by id.
	framed2, err := producer.Frame(nil, "users", false, v2)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(framed2, framed[:5]) {
		t.Fatal("v1 and v2 share a schema id")
	}
	versions, err := tr.cl.SubjectVersions(context.Background(), "users-value")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %v, %v", versions, err)
	}

	// An incompatible reader fails with both schemas named.
	bad := mustAvro(t, `{"type":"record","name":"User","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"vip","type":"boolean"}]}`)
	if _, err := NewAvroReader(consumer, bad).Read(nil, "users", false, framed); err == nil || !strings.Contains(err.Error(), "record com.acme.User") || !strings.Contains(err.Error(), "topic users") {
		t.Fatalf("incompatible reader: %v", err)
	}
}

// TestConfluentDecodeErrorNamesRecord feeds a task records through a
// runtime Deserializer over the Confluent framing: a bad magic byte stops
// the task with a *runtime.DecodeError naming topic, partition and
// offset, and a good record before it decodes.
func TestConfluentDecodeErrorNamesRecord(t *testing.T) {
	tr := newTestRegistry(t)
	user := mustAvro(t, userV1)
	f := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))
	reader := NewAvroReader(f, user)
	var got []map[string]any
	build := func(task *runtime.Task) error {
		de := runtime.DeserializerFunc[[]byte](func(r *runtime.Record) ([]byte, error) {
			return reader.Read(nil, r.Topic, false, r.Value)
		})
		_, err := runtime.AddSource(task, runtime.SourceConfig[[]byte]{Topic: "users", Deserializer: de},
			runtime.NodeFunc[[]byte](func(_ *runtime.Context, v *[]byte) error {
				got = append(got, goavroDecode(t, userV1, *v))
				return nil
			}))
		return err
	}
	d, err := runtime.NewDriver(runtime.DriverConfig{Dir: t.TempDir(), Partitions: 4}, build)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	good, err := f.Frame(nil, "users", false, user)
	if err != nil {
		t.Fatal(err)
	}
	good = append(good, goavroEncode(t, userV1, map[string]any{"id": "u1", "age": int32(1)})...)
	if err := d.PipeRecord(runtime.Record{Topic: "users", Partition: 3, Value: good}); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte{7}, good[1:]...)
	err = d.PipeRecord(runtime.Record{Topic: "users", Partition: 3, Value: bad})
	var de *runtime.DecodeError
	if !errors.As(err, &de) || de.Topic != "users" || de.Partition != 3 || de.Offset != 1 {
		t.Fatalf("error %v, want a DecodeError for users[3]@1", err)
	}
	if !strings.Contains(err.Error(), "users[3]@1") || !strings.Contains(err.Error(), "magic byte 0x07") {
		t.Fatalf("error %q does not name the record and the cause", err)
	}
	if len(got) != 1 || got[0]["id"] != "u1" {
		t.Fatalf("decoded %v", got)
	}
}

// TestConfluentGeneratedTypes generates the clickstream example's Go types
// from examples/clickstream/schemas/click.avsc, and in a scratch module
// reads data written with click_v0.avsc (registered in srfake) into the
// current Click through AvroSerde, and round-trips a Click.
func TestConfluentGeneratedTypes(t *testing.T) {
	root := gotest.RepoRoot()
	files := generateClickTypes(t, filepath.Join(root, "examples", "clickstream", "schemas", "click.avsc"))
	v0, err := os.ReadFile(filepath.Join(root, "examples", "clickstream", "schemas", "click_v0.avsc"))
	if err != nil {
		t.Fatal(err)
	}
	files["click/click_v0.avsc"] = v0
	files["click/serde_test.go"] = []byte(scratchSerdeTest)
	dir := gotest.Module(t, files)
	out := gotest.Go(t, dir, "test", "-count=1", "-v", "./click/")
	for _, want := range []string{"--- PASS: TestEvolution", "--- PASS: TestRoundTrip"} {
		if !strings.Contains(out, want) {
			t.Errorf("scratch test output lacks %q:\n%s", want, out)
		}
	}
}

// generateClickTypes generates Go types for the schema at path into
// package click, keyed by path in the scratch module.
func generateClickTypes(t *testing.T, path string) map[string][]byte {
	t.Helper()
	s, err := schema.ParseAvroFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gen.Types(s, gen.Options{Package: "click"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range out {
		files["click/"+f.Name] = f.Content
	}
	return files
}

// scratchSerdeTest runs in the scratch module next to the generated Click.
const scratchSerdeTest = `package click

import (
	"context"
	"encoding/binary"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/kafka"
	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
)

func registry(t *testing.T) *sr.Client {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestEvolution(t *testing.T) {
	cl := registry(t)
	v0, err := os.ReadFile("click_v0.avsc")
	if err != nil {
		t.Fatal(err)
	}
	id, err := cl.RegisterSchema(context.Background(), "clicks-value", sr.Schema{Schema: string(v0)}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := goavro.NewCodec(string(v0))
	if err != nil {
		t.Fatal(err)
	}
	datum, err := c.BinaryFromNative(nil, map[string]any{
		"event_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "user_id": "u1", "session_id": "s1",
		"ts": int64(1700000000123), "url": "/home",
	})
	if err != nil {
		t.Fatal(err)
	}
	value := append(binary.BigEndian.AppendUint32([]byte{0}, uint32(id)), datum...)
	serde := kafka.NewAvroSerde[Click](kafka.NewConfluentFraming(kafka.RegistryClient(cl)), false)
	got, err := serde.Deserialize(&runtime.Record{Topic: "clicks", Value: value})
	if err != nil {
		t.Fatal(err)
	}
	want := Click{
		EventID: codec.MustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), UserID: "u1", SessionID: "s1",
		Ts: time.UnixMilli(1700000000123).UTC(), Kind: ClickKindUnknown, URL: "/home",
		Tags: []string{}, Attrs: map[string]string{},
	}
	if !got.Ts.Equal(want.Ts) {
		t.Fatalf("ts %v, want %v", got.Ts, want.Ts)
	}
	got.Ts = want.Ts
	if len(got.Tags) == 0 && len(got.Attrs) == 0 {
		got.Tags, got.Attrs = want.Tags, want.Attrs
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	cl := registry(t)
	f := kafka.NewConfluentFraming(kafka.RegistryClient(cl), kafka.AutoRegister(true))
	serde := kafka.NewAvroSerde[Click](f, false)
	ref := "/from"
	in := Click{
		EventID: codec.MustParseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c9"), UserID: "u2", SessionID: "s2",
		Ts: time.UnixMilli(1700000000999).UTC(), Kind: ClickKindScroll, URL: "/x", Referrer: &ref,
		DurationMs: 250, Tags: []string{"a", "b"}, Attrs: map[string]string{"k": "v"}, IsBot: true,
	}
	out := &runtime.OutRecord{Topic: "clicks"}
	if err := serde.Serialize(nil, in, out); err != nil {
		t.Fatal(err)
	}
	if out.Value[0] != 0 || out.Key != nil {
		t.Fatalf("record %x key %x", out.Value, out.Key)
	}
	reader := kafka.NewAvroSerde[Click](kafka.NewConfluentFraming(kafka.RegistryClient(cl)), false)
	got, err := reader.Deserialize(&runtime.Record{Topic: "clicks", Value: out.Value})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Ts.Equal(in.Ts) {
		t.Fatalf("ts %v, want %v", got.Ts, in.Ts)
	}
	got.Ts = in.Ts
	if !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v\nwant %+v", got, in)
	}
	ss, err := cl.SchemaByVersion(context.Background(), "clicks-value", -1)
	if err != nil || uint32(ss.ID) != binary.BigEndian.Uint32(out.Value[1:5]) {
		t.Fatalf("registered %+v, %v", ss, err)
	}
	keys := kafka.NewAvroSerde[Click](f, true)
	kout := &runtime.OutRecord{Topic: "clicks"}
	if err := keys.Serialize(nil, in, kout); err != nil || kout.Value != nil || len(kout.Key) == 0 {
		t.Fatalf("key serde: %v, %+v", err, kout)
	}
	back, err := keys.Deserialize(&runtime.Record{Topic: "clicks", Key: kout.Key})
	if err != nil || back.UserID != "u2" {
		t.Fatalf("key round trip: %+v, %v", back, err)
	}
	if _, err := cl.SchemaByVersion(context.Background(), "clicks-key", -1); err != nil {
		t.Fatalf("key subject: %v", err)
	}
}
`

// TestAvroReaderFramings reads v1 data as v2 through each framing: the
// single-object and Confluent framings name the writer schema, so the
// reader resolves it; raw data carries no schema and must be the
// reader's own.
func TestAvroReaderFramings(t *testing.T) {
	tr := newTestRegistry(t)
	v1, v2 := mustAvro(t, userV1), mustAvro(t, userV2)
	datumV1 := goavroEncode(t, userV1, map[string]any{"id": "u9", "age": int32(9)})
	datumV2 := goavroEncode(t, userV2, map[string]any{"id": "u9", "age": int64(9), "email": nil, "country": "NL"})
	want := map[string]any{"id": "u9", "age": int64(9), "email": nil, "country": "NL"}
	tests := []struct {
		name    string
		framing runtime.AvroFraming
		writer  *schema.Type
		datum   []byte
	}{
		{"raw", runtime.RawAvroFraming{}, v2, datumV2},
		{"single-object", runtime.NewSingleObjectFraming(v1), v1, datumV1},
		{"confluent", NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true)), v1, datumV1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			framed, err := tc.framing.Frame(nil, "users", false, tc.writer)
			if err != nil {
				t.Fatal(err)
			}
			out, err := NewAvroReader(tc.framing, v2).Read(nil, "users", false, append(framed, tc.datum...))
			if err != nil {
				t.Fatal(err)
			}
			if got := goavroDecode(t, userV2, out); !reflect.DeepEqual(got, want) {
				t.Fatalf("read %v, want %v", got, want)
			}
		})
	}
}

// TestConfluentFramingConcurrent hits one framing from many goroutines:
// each schema id is fetched once and each schema registered once.
func TestConfluentFramingConcurrent(t *testing.T) {
	tr := newTestRegistry(t)
	user := mustAvro(t, userV1)
	id, err := tr.cl.RegisterSchema(context.Background(), "seed-value", sr.Schema{Schema: userV2}, -1, -1)
	if err != nil {
		t.Fatal(err)
	}
	msg := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	f := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := f.Unframe("seed", false, msg); err != nil {
				errs <- err
			}
			if _, err := f.Frame(nil, "users", false, user); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := tr.count("GET /schemas/ids/"); n != 1 {
		t.Errorf("%d fetches of one id", n)
	}
	if n := tr.count("POST /subjects/users-value/versions"); n != 1 {
		t.Errorf("%d registrations of one schema", n)
	}
}

// TestConfluentFramingAlternates interleaves two schemas on two topics, so
// each call misses the framing's most-recent-schema shortcut, and then
// repeats each, so each hits it: every frame carries its own schema's id
// and every unframe returns its own writer.
func TestConfluentFramingAlternates(t *testing.T) {
	tr := newTestRegistry(t)
	v1, v2 := mustAvro(t, userV1), mustAvro(t, userV2)
	producer := NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true))
	consumer := NewConfluentFraming(RegistryClient(tr.cl))
	type use struct {
		topic string
		t     *schema.Type
	}
	uses := []use{{"a", v1}, {"b", v2}}
	ids := map[string]uint32{}
	for _, u := range uses {
		id, err := producer.SchemaID(u.topic, false, u.t)
		if err != nil {
			t.Fatal(err)
		}
		ids[u.topic] = id
	}
	if ids["a"] == ids["b"] {
		t.Fatalf("two schemas share id %d", ids["a"])
	}
	for _, i := range []int{0, 1, 0, 1, 1, 1, 0, 0, 1} {
		u := uses[i]
		framed, err := producer.Frame(nil, u.topic, false, u.t)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint32(framed[1:5]); got != ids[u.topic] {
			t.Fatalf("topic %s framed with id %d, want %d", u.topic, got, ids[u.topic])
		}
		w, _, err := consumer.Unframe(u.topic, false, framed)
		if err != nil {
			t.Fatal(err)
		}
		if w.CanonicalForm() != u.t.CanonicalForm() {
			t.Fatalf("topic %s unframed writer %s, want %s", u.topic, w.CanonicalForm(), u.t.CanonicalForm())
		}
	}
	if n := tr.count("GET /schemas/ids/"); n != 2 {
		t.Errorf("%d schema-by-id requests for two ids, want 2", n)
	}
}
