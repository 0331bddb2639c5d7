package gotest

import (
	"strings"
	"testing"
)

// A scratch module sees this checkout (replace) and the cached modules.
func TestModuleBuildsAndRuns(t *testing.T) {
	dir := Module(t, map[string][]byte{
		"main.go": []byte("package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/streamgen/streamgen/runtime/codec\"\n)\n\nfunc main() { fmt.Println(codec.GenVersion) }\n"),
	})
	if out := Go(t, dir, "run", "."); strings.TrimSpace(out) != "1" {
		t.Fatalf("go run printed %q, want 1", out)
	}
}
