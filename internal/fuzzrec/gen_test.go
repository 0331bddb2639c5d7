package fuzzrec

import (
	"flag"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
)

var update = flag.Bool("update", false, "rewrite the committed generated code from testdata/fuzz.avsc")

// generate runs the generator on the package's schema.
func generate(t *testing.T) []gen.File {
	t.Helper()
	set, err := schema.ParseAvroFiles("testdata/fuzz.avsc")
	if err != nil {
		t.Fatal(err)
	}
	files, err := gen.Types(set, gen.Options{Package: "fuzzrec"})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The committed generated code is what the generator makes today.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	files := generate(t)
	if *update {
		changed, err := gen.WriteDir(".", files)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %v", changed)
		return
	}
	diff, err := gen.DiffDir(".", files)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("the generated code in internal/fuzzrec is stale; run go generate ./internal/fuzzrec\n%s", diff)
	}
}
