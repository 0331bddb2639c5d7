package avro_multifile

import (
	"reflect"
	"testing"

	"github.com/streamgen/streamgen/runtime/codec"
)

func TestMultiFileRoundTrip(t *testing.T) {
	in := &ApplicationEvent{
		ID:       "evt-1",
		Document: DocumentInfo{DocID: codec.NewRandomUUID(), Size: 10},
		Related:  []DocumentInfo{{DocID: codec.NewRandomUUID(), Size: 1}},
		Status:   StatusPublished,
	}
	b, err := in.AppendAvro(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out ApplicationEvent
	if err := out.UnmarshalAvro(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip:\n in %#v\nout %#v", in, &out)
	}
	rec, ok := NewAvroRecord("golden.model.DocumentInfo")
	if !ok {
		t.Fatal("DocumentInfo not registered")
	}
	if err := rec.UnmarshalAvro(codec.AppendLong(codec.AppendUUIDString(nil, in.Document.DocID), 10)); err != nil {
		t.Fatal(err)
	}
	if got := rec.(*DocumentInfo); *got != in.Document {
		t.Errorf("registry decode = %+v", got)
	}
}
