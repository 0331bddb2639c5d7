// Package golden holds the generator's golden corpus: one folder per case,
// sqlc style. A case golden/<case>/ has its inputs in in/ and either the
// expected generated Go files in out/ (an ordinary package of this module,
// so `go build ./...` compiles it and hand-written tests beside the
// generated files run with `go test ./golden/...`) or, for a case that
// must fail, the expected error text in stderr.txt, with file paths
// relative to the case folder.
//
// TestGolden regenerates every case and compares; `go test ./golden
// -update` rewrites the expected output instead (only *.gen.go files and
// stderr.txt; hand-written files in out/ are left alone, and generated
// files that are no longer produced are removed).
package golden

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
)

var update = flag.Bool("update", false, "rewrite the expected output of the golden cases")

// runner generates one case: its files, or the error to compare with
// stderr.txt.
type runner func(dir, pkg string) ([]gen.File, error)

// runners maps a case folder prefix to the generator it exercises.
var runners = map[string]runner{
	"avro_": runAvro,
}

// runAvro parses in/*.avsc (named relative to the case folder, so errors
// read "in/x.avsc:3:5: ...") and generates the Avro types.
func runAvro(dir, pkg string) ([]gen.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "in", "*.avsc"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no in/*.avsc inputs")
	}
	sort.Strings(names)
	var srcs []schema.Source
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(dir, n)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, schema.Source{Name: filepath.ToSlash(rel), Data: data})
	}
	s, err := schema.ParseAvro(srcs...)
	if err != nil {
		return nil, err
	}
	return gen.Types(s, gen.Options{Package: pkg})
}

// packageName turns a case folder name into its Go package name: lower
// case, with anything but letters, digits and underscores replaced by an
// underscore.
func packageName(caseDir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(caseDir) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "p" + s
	}
	return s
}

func TestGolden(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		var run runner
		for prefix, r := range runners {
			if strings.HasPrefix(e.Name(), prefix) {
				run = r
			}
		}
		if run == nil {
			continue
		}
		cases++
		name := e.Name()
		t.Run(name, func(t *testing.T) { checkCase(t, name, run) })
	}
	if cases == 0 {
		t.Fatal("no golden cases found")
	}
}

func checkCase(t *testing.T, dir string, run runner) {
	files, genErr := run(dir, packageName(dir))
	stderrPath := filepath.Join(dir, "stderr.txt")
	wantErr, err := os.ReadFile(stderrPath)
	hasStderr := err == nil
	outDir := filepath.Join(dir, "out")

	if genErr != nil {
		got := genErr.Error() + "\n"
		if *update {
			writeFile(t, stderrPath, []byte(got))
			return
		}
		switch {
		case !hasStderr:
			t.Fatalf("generation failed, and there is no stderr.txt:\n%s", got)
		case got != string(wantErr):
			t.Errorf("error differs from stderr.txt:\n got: %s\nwant: %s", got, wantErr)
		}
		if gens := generatedFiles(t, outDir); len(gens) > 0 {
			t.Errorf("a failing case has generated files in out/: %v", gens)
		}
		return
	}
	if hasStderr {
		if *update {
			if err := os.Remove(stderrPath); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("generation succeeded, but stderr.txt expects:\n%s", wantErr)
		}
	}

	produced := map[string]bool{}
	for _, f := range files {
		produced[f.Name] = true
		path := filepath.Join(outDir, f.Name)
		if *update {
			writeFile(t, path, f.Content)
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: missing (run go test ./golden -update): %v", path, err)
			continue
		}
		if !bytes.Equal(want, f.Content) {
			t.Errorf("%s is stale (run go test ./golden -update):\n%s", path, gen.UnifiedDiff(path, "generated", string(want), string(f.Content)))
		}
	}
	for _, name := range generatedFiles(t, outDir) {
		if produced[name] {
			continue
		}
		path := filepath.Join(outDir, name)
		if *update {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is no longer generated; remove it (go test ./golden -update does)", path)
	}
}

// generatedFiles lists the *.gen.go files in dir.
func generatedFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".gen.go") {
			names = append(names, e.Name())
		}
	}
	return names
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPackageName(t *testing.T) {
	tests := map[string]string{
		"avro_primitives": "avro_primitives",
		"avro-Logical.v2": "avro_logical_v2",
		"9lives":          "p9lives",
	}
	for in, want := range tests {
		if got := packageName(in); got != want {
			t.Errorf("packageName(%q) = %q, want %q", in, got, want)
		}
	}
}
