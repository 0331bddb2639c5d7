package main

import (
	"errors"
	"fmt"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/templates"
)

// streamgenModule is the module path of streamgen.
const streamgenModule = "github.com/streamgen/streamgen"

// runInit scaffolds a new pipeline module from the templates, then
// generates its code as `streamgen generate` does, so that it builds and
// its tests pass at once.
func runInit(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init", "DIR", stderr)
	modPath := fs.String("module", "", "module path of the new module (default example.com/<name>)")
	name := fs.String("name", "", "pipeline name, [a-z][a-z0-9-]* (default: DIR's base name)")
	force := fs.Bool("force", false, "write into a DIR that is not empty, overwriting the scaffold's files")
	checkout := fs.String("streamgen", "", "the streamgen checkout go.mod replaces streamgen with while it is unpublished (default: the one this streamgen was built from)")
	// Flags may come before and after DIR.
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	dir, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	if err := checkEmpty(dir, *force); err != nil {
		return err
	}
	data, err := scaffoldData(dir, *name, *modPath, *checkout)
	if err != nil {
		return err
	}
	files, err := templates.Render(data)
	if err != nil {
		return err
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Content, f.Mode); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.Path)
	}
	if data.Replace != "" {
		if err := copyGoSum(data.Replace, dir); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote go.sum")
	}
	// The generated code, by the path `streamgen generate` takes.
	s, set, err := loadSpec(filepath.Join(dir, "streamgen.yaml"))
	if err != nil {
		return printProblems(stderr, err)
	}
	generated, err := gen.Pipeline(s, set, gen.Options{Package: s.Package})
	if err != nil {
		return printProblems(stderr, err)
	}
	changed, err := gen.WriteDir(s.Out, generated)
	if err != nil {
		return err
	}
	for _, n := range changed {
		fmt.Fprintf(stdout, "wrote %s\n", n)
	}
	fmt.Fprintf(stdout, "\nCreated pipeline %s (module %s) in %s.\n", data.Name, data.Module, dir)
	if data.Replace != "" {
		fmt.Fprintf(stdout, "streamgen is not published yet: go.mod replaces %s with %s.\n", streamgenModule, data.Replace)
	} else {
		fmt.Fprintln(stdout, "Run `go mod tidy` there to fetch the dependencies.")
	}
	fmt.Fprintf(stdout, "Next: cd %s && make test\n", pos[0])
	return nil
}

// checkEmpty refuses a directory that holds anything, unless force.
func checkEmpty(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("%s is not empty (use --force to write the scaffold into it anyway)", dir)
	}
	return nil
}

// scaffoldData works out the template data: the names, and how the new
// module gets streamgen (the released version, or while it is unpublished
// a replace with a checkout whose requirements it copies).
func scaffoldData(dir, name, modPath, checkout string) (templates.Data, error) {
	var d templates.Data
	if name == "" {
		name = nameFromDir(dir)
		if name == "" {
			return d, fmt.Errorf("cannot make a pipeline name of %q: give one with --name", filepath.Base(dir))
		}
	}
	if !validName(name) {
		return d, fmt.Errorf("--name %q: a pipeline name is lower-case letters, digits and hyphens, starting with a letter", name)
	}
	pkg := strings.ReplaceAll(name, "-", "")
	if token.IsKeyword(pkg) || pkg == "main" {
		return d, fmt.Errorf("--name %q: its Go package name %s is reserved in Go: choose another name", name, pkg)
	}
	if modPath == "" {
		modPath = "example.com/" + name
	}
	if err := module.CheckImportPath(modPath); err != nil {
		return d, fmt.Errorf("--module: %w", err)
	}
	d = templates.Data{Module: modPath, Name: name, Package: pkg, Namespace: strings.ReplaceAll(name, "-", "_"), Version: version()}
	if checkout == "" && !published(d.Version) {
		var err error
		if checkout, err = findCheckout(); err != nil {
			return d, err
		}
	}
	if checkout != "" {
		abs, err := filepath.Abs(checkout)
		if err != nil {
			return d, err
		}
		reqs, err := checkoutRequires(abs)
		if err != nil {
			return d, err
		}
		d.Replace, d.Requires, d.Version = abs, reqs, "v0.0.0"
	}
	return d, nil
}

// nameFromDir makes a pipeline name of a directory's base name: lower
// case, anything but letters and digits turned into single hyphens.
func nameFromDir(dir string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
	}
	name := strings.TrimLeft(b.String(), "0123456789-")
	return name
}

// validName reports whether s is a pipeline name: [a-z][a-z0-9-]*.
func validName(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '-')) {
			return false
		}
	}
	return s != ""
}

// published reports whether v is a version of streamgen a module can
// require from the module proxy: not "devel", and not the v0.0.0 of a
// build from a replaced module.
func published(v string) bool {
	return v != "devel" && v != "v0.0.0" && !strings.HasPrefix(v, "v0.0.0-")
}

// findCheckout returns the streamgen checkout this binary was built from:
// the directory of a replaced streamgen module (go tool streamgen in a
// module made by init), or else the source tree of this file.
func findCheckout() (string, error) {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == streamgenModule && bi.Main.Replace != nil && isCheckout(bi.Main.Replace.Path) {
		return bi.Main.Replace.Path, nil
	}
	if _, file, _, ok := goruntime.Caller(0); ok {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
		if isCheckout(root) {
			return root, nil
		}
	}
	return "", errors.New("streamgen is not published yet and the checkout this binary was built from cannot be found: pass it with --streamgen DIR")
}

// isCheckout reports whether dir holds the go.mod of streamgen.
func isCheckout(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && modfile.ModulePath(data) == streamgenModule
}

// checkoutRequires returns the requirements of the checkout's go.mod as
// "path version".
func checkoutRequires(dir string) ([]string, error) {
	p := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("--streamgen: %w", err)
	}
	f, err := modfile.ParseLax(p, data, nil)
	if err != nil {
		return nil, err
	}
	if f.Module == nil || f.Module.Mod.Path != streamgenModule {
		return nil, fmt.Errorf("--streamgen: %s is not the go.mod of %s", p, streamgenModule)
	}
	var reqs []string
	for _, r := range f.Require {
		reqs = append(reqs, r.Mod.Path+" "+r.Mod.Version)
	}
	return reqs, nil
}

// copyGoSum copies the checkout's go.sum, so the new module verifies its
// dependencies without the network.
func copyGoSum(checkout, dir string) error {
	data, err := os.ReadFile(filepath.Join(checkout, "go.sum"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), data, 0o644)
}
