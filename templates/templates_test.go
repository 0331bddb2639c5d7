package templates_test

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/streamgen/streamgen/spec"
	"github.com/streamgen/streamgen/templates"
)

func data(replace bool) templates.Data {
	d := templates.Data{Module: "example.com/acme/click-counts", Name: "click-counts", Package: "clickcounts", Namespace: "click_counts", Version: "v1.2.3"}
	if replace {
		d.Version, d.Replace = "v0.0.0", "/src/streamgen"
		d.Requires = []string{"github.com/dave/jennifer v1.7.1", "golang.org/x/tools v0.52.0"}
	}
	return d
}

func TestRenderFiles(t *testing.T) {
	files, err := templates.Render(data(true))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		text := string(f.Content)
		if strings.Contains(text, "{{") || strings.Contains(text, "<no value>") {
			t.Errorf("%s: template left unrendered:\n%s", f.Path, text)
		}
		wantMode := os.FileMode(0o644)
		if strings.HasSuffix(f.Path, ".sh") {
			wantMode = 0o755
		}
		if f.Mode != wantMode {
			t.Errorf("%s: mode %v, want %v", f.Path, f.Mode, wantMode)
		}
		if strings.HasSuffix(f.Path, ".go") {
			formatted, err := format.Source(f.Content)
			if err != nil || !bytes.Equal(formatted, f.Content) {
				t.Errorf("%s: not gofmt-clean (%v)", f.Path, err)
			}
			pkg := "package clickcounts\n"
			if strings.HasPrefix(f.Path, "cmd/") {
				pkg = "package main\n"
			}
			if !strings.Contains(text, pkg) {
				t.Errorf("%s: not %q", f.Path, pkg)
			}
		}
	}
	want := []string{
		".gitignore", "Makefile", "README.md", "cmd/click-counts/main.go", "gen.go", "go.mod", "golden_test.go", "operators.go", "pipeline_test.go",
		"schemas/event.avsc", "scripts/ci.sh", "streamgen.yaml", "testdata/events.jsonl", "testdata/outputs.golden",
	}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("files %q\nwant %q", paths, want)
	}
}

func TestRenderGoMod(t *testing.T) {
	tests := []struct {
		name        string
		data        templates.Data
		wantRequire []string
		wantReplace string
		readme      string // the README mentions it
	}{
		{
			name:        "unpublished streamgen: a replace and the checkout's requirements",
			data:        data(true),
			wantRequire: []string{"github.com/streamgen/streamgen v0.0.0", "github.com/dave/jennifer v1.7.1", "golang.org/x/tools v0.52.0"},
			wantReplace: "/src/streamgen",
			readme:      "`go.mod` replaces\n> `github.com/streamgen/streamgen` with the checkout that created this\n> module, `/src/streamgen`.",
		},
		{
			name:        "a released streamgen",
			data:        data(false),
			wantRequire: []string{"github.com/streamgen/streamgen v1.2.3"},
			readme:      "# click-counts\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, err := templates.Render(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			byPath := map[string][]byte{}
			for _, f := range files {
				byPath[f.Path] = f.Content
			}
			mf, err := modfile.Parse("go.mod", byPath["go.mod"], nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, byPath["go.mod"])
			}
			if mf.Module.Mod.Path != "example.com/acme/click-counts" || mf.Go.Version != "1.26.0" {
				t.Errorf("module %q go %q", mf.Module.Mod.Path, mf.Go.Version)
			}
			if len(mf.Tool) != 1 || mf.Tool[0].Path != "github.com/streamgen/streamgen/cmd/streamgen" {
				t.Errorf("tools %+v", mf.Tool)
			}
			var reqs []string
			for _, r := range mf.Require {
				reqs = append(reqs, r.Mod.Path+" "+r.Mod.Version)
				if r.Indirect != (r.Mod.Path != "github.com/streamgen/streamgen") {
					t.Errorf("%s: indirect %v", r.Mod.Path, r.Indirect)
				}
			}
			if !reflect.DeepEqual(reqs, tc.wantRequire) {
				t.Errorf("requires %q, want %q", reqs, tc.wantRequire)
			}
			var replace string
			for _, r := range mf.Replace {
				if r.Old.Path == "github.com/streamgen/streamgen" {
					replace = r.New.Path
				}
			}
			if replace != tc.wantReplace {
				t.Errorf("replace %q, want %q", replace, tc.wantReplace)
			}
			if readme := string(byPath["README.md"]); !strings.Contains(readme, tc.readme) || strings.Contains(readme, "replaces") != (tc.wantReplace != "") {
				t.Errorf("README:\n%s", readme)
			}
		})
	}
}

// The scaffold's spec passes check against the scaffold's schema for any
// name (the namespace follows the name).
func TestRenderedSpecChecks(t *testing.T) {
	for _, d := range []templates.Data{
		data(false),
		{Module: "m", Name: "p", Package: "p", Namespace: "p", Version: "v1.0.0"},
	} {
		t.Run(d.Name, func(t *testing.T) {
			files, err := templates.Render(d)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range files {
				p := filepath.Join(dir, filepath.FromSlash(f.Path))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
					t.Fatal(err)
				}
			}
			s, set, err := spec.Load(filepath.Join(dir, "streamgen.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != d.Name || s.Package != d.Package {
				t.Errorf("spec name %q package %q", s.Name, s.Package)
			}
			if _, ok := set.Lookup(d.Namespace + ".UserMinute"); !ok {
				t.Errorf("no record %s.UserMinute", d.Namespace)
			}
		})
	}
}

func TestRenderNeedsData(t *testing.T) {
	d := data(false)
	d.Namespace = ""
	if _, err := templates.Render(d); err == nil {
		t.Error("no namespace: no error")
	}
}
