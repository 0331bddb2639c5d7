package kafka

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/streamgen/streamgen/runtime"
)

type pageView struct {
	User string `json:"user"`
	URL  string `json:"url"`
	N    int    `json:"n"`
}

const pageViewSchema = `{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"com.acme.PageView","type":"object",
 "properties":{"user":{"type":"string"},"url":{"type":"string"},"n":{"type":"integer"}},"required":["user"]}`

func TestJSONSerdePlain(t *testing.T) {
	v := pageView{User: "u1", URL: "/a", N: 2}
	values := NewJSONSerde[pageView](false)
	out := &runtime.OutRecord{Topic: "views"}
	if err := values.Serialize(nil, v, out); err != nil {
		t.Fatal(err)
	}
	if string(out.Value) != `{"user":"u1","url":"/a","n":2}` || out.Key != nil {
		t.Fatalf("serialized %q key %q", out.Value, out.Key)
	}
	got, err := values.Deserialize(&runtime.Record{Topic: "views", Value: out.Value})
	if err != nil || got != v {
		t.Fatalf("round trip %+v, %v", got, err)
	}
	keys := NewJSONSerde[string](true)
	kout := &runtime.OutRecord{Topic: "views"}
	if err := keys.Serialize(nil, "k1", kout); err != nil || string(kout.Key) != `"k1"` || kout.Value != nil {
		t.Fatalf("key serialized %q / %q, %v", kout.Key, kout.Value, err)
	}
	if k, err := keys.Deserialize(&runtime.Record{Topic: "views", Key: kout.Key}); err != nil || k != "k1" {
		t.Fatalf("key %q, %v", k, err)
	}
	if _, err := values.Decode("views", []byte(`{"user":`)); err == nil || !strings.Contains(err.Error(), "json on topic views") {
		t.Fatalf("truncated JSON: %v", err)
	}
}

func TestConfluentJSONSerde(t *testing.T) {
	tr := newTestRegistry(t)
	ctx := context.Background()
	writer, err := NewConfluentJSONSerde[pageView](NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true)), false, pageViewSchema)
	if err != nil {
		t.Fatal(err)
	}
	v := pageView{User: "u2", URL: "/b", N: 5}
	b, err := writer.Encode(nil, "views", v)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := tr.cl.SchemaByVersion(ctx, "views-value", -1)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Type != sr.TypeJSON || b[0] != 0 || int(binary.BigEndian.Uint32(b[1:5])) != ss.ID {
		t.Fatalf("registered %+v, framed % x", ss, b[:5])
	}

	// franz-go's own serde reads what we wrote.
	var serde sr.Serde
	serde.Register(ss.ID, pageView{}, sr.DecodeFn(json.Unmarshal))
	var viaSR pageView
	if err := serde.Decode(b, &viaSR); err != nil || viaSR != v {
		t.Fatalf("sr.Serde decoded %+v, %v", viaSR, err)
	}

	reader, err := NewConfluentJSONSerde[pageView](NewConfluentFraming(RegistryClient(tr.cl)), false, pageViewSchema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := reader.Deserialize(&runtime.Record{Topic: "views", Value: b})
	if err != nil || got != v {
		t.Fatalf("read %+v, %v", got, err)
	}

	avroID, _, err := tr.reg.RegisterSchema("users-value", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	header := func(id int) []byte { return binary.BigEndian.AppendUint32([]byte{0}, uint32(id)) }
	errs := []struct {
		name string
		data []byte
		want string
	}{
		{"plain JSON", []byte(`{"user":"x"}`), "magic byte 0x7b"},
		{"short", []byte{0, 0}, "too short"},
		{"avro id", append(header(avroID), '{', '}'), "is a AVRO schema, not JSON"},
		{"unknown id", append(header(777), '{', '}'), "schema id 777 is not in the registry"},
		{"bad json", append(header(ss.ID), '['), "json on topic views"},
	}
	for _, tc := range errs {
		if _, err := reader.Decode("views", tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}

	// The record strategies name the subject after the schema's title.
	rec, err := NewConfluentJSONSerde[pageView](NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true), SubjectNaming(TopicRecordNameStrategy)), true, pageViewSchema)
	if err != nil {
		t.Fatal(err)
	}
	kout := &runtime.OutRecord{Topic: "views"}
	if err := rec.Serialize(nil, v, kout); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.cl.SchemaByVersion(ctx, "views-com.acme.PageView", -1); err != nil {
		t.Fatalf("subject views-com.acme.PageView: %v", err)
	}
	untitled, err := NewConfluentJSONSerde[pageView](NewConfluentFraming(RegistryClient(tr.cl), AutoRegister(true), SubjectNaming(RecordNameStrategy)), false, `{"type":"object"}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untitled.Encode(nil, "views", v); err == nil || !strings.Contains(err.Error(), "got a JSON Schema without a title") {
		t.Fatalf("untitled schema with RecordNameStrategy: %v", err)
	}
	if _, err := NewConfluentJSONSerde[pageView](nil, false, `{"title":`); err == nil {
		t.Fatal("a broken JSON Schema was accepted")
	}
	subjects, err := tr.cl.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"users-value", "views-com.acme.PageView", "views-value"}
	if !reflect.DeepEqual(subjects, want) {
		t.Errorf("subjects %v, want %v", subjects, want)
	}
}
