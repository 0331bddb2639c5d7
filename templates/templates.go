// Package templates holds the scaffold `streamgen init` writes: a small,
// real pipeline module (a spec, an Avro schema, starter operator code,
// tests with the generated test driver and a golden fixture, a Makefile, a
// README and a CI script). The files are text/template templates; a name
// ending in .tmpl loses that suffix, and a path element __name__ becomes
// the pipeline name. The generated Go code is not templated: init produces
// it with the generator, as `streamgen generate` does.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"go/format"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
)

//go:embed all:scaffold
var scaffold embed.FS

// Data fills the templates.
type Data struct {
	// Module is the module path of the new pipeline module.
	Module string
	// Name is the pipeline name ([a-z][a-z0-9-]*).
	Name string
	// Package is the Go package name of the pipeline package.
	Package string
	// Namespace is the Avro namespace of the starter schema's records.
	Namespace string
	// Version is the streamgen version go.mod requires.
	Version string
	// Replace, when set, is the directory go.mod replaces streamgen with
	// (while streamgen is not published).
	Replace string
	// Requires are extra go.mod requirements ("path version"), listed as
	// indirect: the modules streamgen depends on, so that the module
	// builds offline.
	Requires []string
}

// File is one rendered scaffold file.
type File struct {
	// Path is relative to the module root, with forward slashes.
	Path    string
	Content []byte
	// Mode is 0o755 for scripts and 0o644 otherwise.
	Mode fs.FileMode
}

// FS returns the scaffold's templates, rooted at the module root.
func FS() fs.FS {
	sub, err := fs.Sub(scaffold, "scaffold")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}

// Render renders every scaffold file with data, sorted by path. Go files
// come out gofmt-formatted; a template that fails to render or a Go file
// that does not parse is an error.
func Render(data Data) ([]File, error) {
	if data.Name == "" || data.Package == "" || data.Module == "" || data.Namespace == "" || data.Version == "" {
		return nil, fmt.Errorf("templates: Module, Name, Package, Namespace and Version are required")
	}
	root := FS()
	var files []File
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		out := strings.TrimSuffix(strings.ReplaceAll(p, "__name__", data.Name), ".tmpl")
		content := buf.Bytes()
		if path.Ext(out) == ".go" {
			if content, err = format.Source(content); err != nil {
				return fmt.Errorf("templates: %s: %w", out, err)
			}
		}
		mode := fs.FileMode(0o644)
		if path.Ext(out) == ".sh" {
			mode = 0o755
		}
		files = append(files, File{Path: out, Content: content, Mode: mode})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}
