package clickstream

import (
	"flag"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden feeds testdata/clicks.jsonl (a morning of clicks, with
// comments saying what each part exercises) and compares every output
// with testdata/outputs.golden. After a deliberate change, accept the new
// outputs with
//
//	go test ./examples/clickstream -run TestGolden -update
//
// and review the diff.
func TestGolden(t *testing.T) {
	d := NewTestDriver(t, NewOperators())
	d.Golden(t, filepath.Join("testdata", "clicks.jsonl"), filepath.Join("testdata", "outputs.golden"), *update)
}
