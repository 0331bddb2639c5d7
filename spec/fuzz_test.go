package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary YAML to Parse, Check, Load and the graph
// writers: they may reject it, but must not panic.
func FuzzParse(f *testing.F) {
	full, err := os.ReadFile(filepath.Join("testdata", "full", "streamgen.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(full))
	f.Add(head + "sources:\n" + clickSource + "operators:\n  a: {input: c, filter: {}}\n  c: {union: [a, clicks]}\n")
	f.Add("version: 1\nname: t\nsources:\n  a: &x {topics: [a], value: {format: string}}\n  b: *x\n")
	f.Add("version: 1\nname: t\nsources:\n  a: {topics: a, value: {format: string}, start: {offsets: {0: 1}}}\noperators:\n  k: {input: a, key_by: .}\n  w: {input: k, window: {sliding: {size: 1m, slide: 1m}, reduce: {}, late_output: l}}\n  p: {input: w, process: {output: bytes, side_outputs: {e: string}}}\nsinks:\n  s: {input: p.e, topic: x, value: {format: string}}\n  t: {input: l, topic: x, key: {format: string}, value: {format: string}}\n")
	f.Fuzz(func(t *testing.T, src string) {
		// Load checks the elements that parse beside those that do not.
		_, _, _ = load(testFile, []byte(src))
		s, err := Parse(testFile, []byte(src))
		if err != nil {
			if s != nil {
				t.Fatal("Parse returned a spec with an error")
			}
			return
		}
		_ = s.Check(nil)
		_ = s.Mermaid()
		_ = s.DOT()
	})
}
