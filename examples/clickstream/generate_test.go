package clickstream

import (
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// TestGeneratedCodeIsCurrent fails when streamgen.yaml, the schemas or the
// generator changed without a go generate: it generates the package in
// memory, as `streamgen generate --check` does, and diffs it with the
// committed files.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	s, err := spec.ParseFile("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := schema.Load(s.Schemas...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(set); err != nil {
		t.Fatal(err)
	}
	files, err := gen.Pipeline(s, set, gen.Options{Package: s.Package})
	if err != nil {
		t.Fatal(err)
	}
	diff, err := gen.DiffDir(s.Out, files)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("the committed generated code is stale; run go generate ./examples/clickstream\n%s", diff)
	}
}
