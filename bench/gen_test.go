package bench

import (
	"flag"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
)

var update = flag.Bool("update", false, "rewrite the committed generated package clickevent from clickevent.avsc")

// The committed generated package is what the generator makes today from
// clickevent.avsc; -update rewrites it.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	set, err := schema.ParseAvroFiles("clickevent.avsc")
	if err != nil {
		t.Fatal(err)
	}
	files, err := gen.Types(set, gen.Options{Package: "clickevent"})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		changed, err := gen.WriteDir("clickevent", files)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %v", changed)
		return
	}
	diff, err := gen.DiffDir("clickevent", files)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Fatalf("bench/clickevent is stale; run go generate in bench\n%s", diff)
	}
}
