package clickstream

import (
	"testing"

	"github.com/streamgen/streamgen/gen"
)

// TestGeneratedCodeIsCurrent fails when streamgen.yaml, the schemas or the
// generator changed without a go generate: it generates the package in
// memory, as `streamgen generate --check` does, and diffs it with the
// committed files.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	diff, err := gen.StaleDiff("streamgen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the committed generated code is stale; run go generate ./examples/clickstream\n%s", diff)
	}
}
