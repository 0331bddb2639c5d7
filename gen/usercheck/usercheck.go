// Package usercheck checks the user code of a generated pipeline in the
// spec's terms. It loads the packages around a spec (the generated package
// and every package beside the spec that imports it) with
// golang.org/x/tools/go/packages and reports:
//
//   - generated code that is stale (the generator, run in memory, would
//     write something else): run go generate;
//   - a value put in an Operators field whose type does not implement the
//     operator's interface, named by the spec operator and its position,
//     with the method that is missing or has the wrong signature;
//   - an Operators composite literal that leaves a field out or sets it to
//     nil (a warning: NewPipeline fails with it);
//   - compiler errors of those packages, the ones that mention a generated
//     operator interface mapped to the operator's spec position.
//
// It is what `streamgen check` runs once the spec and its schemas pass.
// It lives apart from package gen so that the generator does not link
// go/packages.
package usercheck

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/types"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// Options controls Check.
type Options struct {
	// Gen are the generator options the generated code was written with
	// (Package defaults to the spec's package).
	Gen gen.Options
	// RelTo is the directory Go file and output paths are reported
	// relative to, when they lie below it (default: the working
	// directory).
	RelTo string
	// Env is the environment of the go command that go/packages runs
	// (nil: this process's environment).
	Env []string
}

// Problem is one finding. Pos and Path place it in the spec when it
// concerns an operator (or the spec as a whole); GoPos places it in the Go
// code.
type Problem struct {
	Pos     schema.Pos
	Path    string
	GoPos   string
	Msg     string
	Warning bool
}

// String formats the problem as
// "streamgen.yaml:22:3: [warning: ]path: file.go:30:9: message", leaving
// out what is unknown.
func (p Problem) String() string {
	var b strings.Builder
	if s := p.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.GoPos != "" {
		b.WriteString(p.GoPos)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Report is what Check found.
type Report struct {
	// Problems are the errors and warnings: those with a spec position
	// first, in spec order, then the others in Go position order.
	Problems []Problem
	// Generated is false when the spec's out directory holds none of the
	// generated files: nothing else was checked.
	Generated bool
	// Stale is set when the generated code differs from what the
	// generator writes now; Diff is the difference. The user code was not
	// loaded then (it would be checked against stale interfaces).
	Stale bool
	Diff  string
	// Packages are the import paths of the packages whose code was
	// checked, sorted (a package and its test variants count once).
	Packages []string
}

// Errors counts the problems that are not warnings.
func (r *Report) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if !p.Warning {
			n++
		}
	}
	return n
}

// Check checks the generated code and the user code of s, which must have
// passed s.Check(set). The error is for what stops the check itself (the
// generator refusing the spec, an unreadable directory); what is wrong
// with the code is in the report.
func Check(s *spec.Spec, set *schema.Schema, opts Options) (*Report, error) {
	if opts.Gen.Package == "" {
		opts.Gen.Package = s.Package
	}
	if opts.RelTo == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.RelTo = wd
	}
	r := &Report{}
	var err error
	if r.Generated, err = hasGenerated(s.Out); err != nil || !r.Generated {
		return r, err
	}
	files, err := gen.Pipeline(s, set, opts.Gen)
	if err != nil {
		return nil, err
	}
	if r.Diff, err = gen.DiffDir(s.Out, files); err != nil {
		return nil, err
	}
	if r.Diff != "" {
		r.Stale = true
		var which []string
		for _, f := range files {
			path := filepath.Join(s.Out, f.Name)
			if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, f.Content) {
				which = append(which, rel(opts.RelTo, path))
			}
		}
		if len(which) == 0 {
			which = []string{"generated files no longer produced in " + rel(opts.RelTo, s.Out)}
		}
		r.Problems = append(r.Problems, Problem{
			Pos: s.Pos,
			Msg: fmt.Sprintf("the generated code is stale (%s): run go generate (or streamgen generate)", strings.Join(which, ", ")),
		})
		return r, nil
	}
	ops, err := gen.UserOperators(s, set, opts.Gen)
	if err != nil {
		return nil, err
	}
	c := &checker{s: s, opts: opts, ops: ops, byField: map[string]gen.UserOperator{}, seen: map[string]bool{}, reported: map[string]bool{}}
	for _, o := range ops {
		c.byField[o.Field] = o
	}
	if len(ops) > 0 {
		names := make([]string, len(ops))
		for i, o := range ops {
			names[i] = regexp.QuoteMeta(o.Interface)
		}
		c.ifaceRE = regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\b`)
	}
	if err := c.load(); err != nil {
		return nil, err
	}
	r.Packages = c.pkgPaths
	r.Problems = append(r.Problems, c.problems...)
	sortProblems(r.Problems)
	return r, nil
}

// hasGenerated reports whether dir holds a file streamgen generated.
func hasGenerated(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), gen.GeneratedSuffix) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return false, err
		}
		if bytes.HasPrefix(data, []byte("// "+gen.Header)) {
			return true, nil
		}
	}
	return false, nil
}

// checker checks the loaded packages of one spec.
type checker struct {
	s       *spec.Spec
	opts    Options
	ops     []gen.UserOperator
	byField map[string]gen.UserOperator
	ifaceRE *regexp.Regexp // the operator interfaces' names, as words

	genPath  string
	pkgPaths []string
	problems []Problem
	seen     map[string]bool // problems already added, by text
	reported map[string]bool // Go positions of values found wrong here
}

// load loads the packages beside the spec and checks those that are the
// generated package or import it.
func (c *checker) load() error {
	specDir := filepath.Dir(absPath(c.s.File))
	patterns := []string{"./..."}
	if !within(specDir, c.s.Out) {
		patterns = append(patterns, c.s.Out)
	}
	cfg := &packages.Config{
		Mode:  packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:   specDir,
		Env:   c.opts.Env,
		Tests: true,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("loading the Go packages of %s: %w", rel(c.opts.RelTo, specDir), err)
	}
	for _, p := range pkgs {
		if p.Dir != "" && sameDir(p.Dir, c.s.Out) && p.Name == c.opts.Gen.Package && p.PkgPath != "" {
			c.genPath = p.PkgPath
			break
		}
	}
	if c.genPath == "" {
		c.add(Problem{Pos: c.s.Pos, Path: "out", Msg: fmt.Sprintf("go list found no package %s in %s: is the directory inside a Go module?", c.opts.Gen.Package, rel(c.opts.RelTo, c.s.Out))})
		for _, p := range pkgs {
			c.listErrors(p)
		}
		return nil
	}
	paths := map[string]bool{}
	for _, p := range pkgs {
		if strings.HasSuffix(p.ID, ".test") {
			continue // the generated test main
		}
		if p.PkgPath != c.genPath && p.Imports[c.genPath] == nil {
			continue
		}
		if !strings.HasSuffix(p.PkgPath, "_test") {
			paths[p.PkgPath] = true
		}
		c.checkPackage(p)
	}
	for p := range paths {
		c.pkgPaths = append(c.pkgPaths, p)
	}
	sort.Strings(c.pkgPaths)
	return nil
}

// add records a problem once (a package and its test variant share files).
func (c *checker) add(p Problem) {
	if k := p.String(); !c.seen[k] {
		c.seen[k] = true
		c.problems = append(c.problems, p)
	}
}

// listErrors reports the errors of a package that are not type errors
// (those come from TypeErrors, with exact positions).
func (c *checker) listErrors(p *packages.Package) {
	for _, e := range p.Errors {
		// Type errors come from TypeErrors, with exact positions; "# pkg"
		// is the compiler's output for the same errors (go list -export).
		if e.Kind == packages.TypeError || strings.HasPrefix(e.Msg, "# ") {
			continue
		}
		pos := e.Pos
		if pos == "-" {
			pos = ""
		}
		c.add(Problem{GoPos: c.relPos(pos), Msg: oneLine(e.Msg)})
	}
}

func (c *checker) checkPackage(p *packages.Package) {
	c.listErrors(p)
	if p.TypesInfo != nil {
		for _, f := range p.Syntax {
			if isGenerated(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.CompositeLit); ok {
					c.checkLiteral(p, lit)
				}
				return true
			})
		}
	}
	for _, e := range p.TypeErrors {
		pos := e.Fset.Position(e.Pos)
		at := c.relPos(pos.String())
		if c.reported[pos.String()] {
			continue // said better by checkLiteral
		}
		pr := Problem{GoPos: at, Msg: oneLine(e.Msg)}
		if c.ifaceRE != nil {
			if m := c.ifaceRE.FindString(e.Msg); m != "" {
				for _, o := range c.ops {
					if o.Interface == m {
						pr.Pos, pr.Path = o.Op.Pos, o.Path()
						break
					}
				}
			}
		}
		c.add(pr)
	}
}

// isGenerated reports whether f is a file streamgen generated.
func isGenerated(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, cm := range cg.List {
			if cm.Text == "// "+gen.Header {
				return true
			}
		}
	}
	return false
}

// checkLiteral checks a composite literal of the generated Operators type:
// every value must implement its field's interface, and no field may be
// left out or nil.
func (c *checker) checkLiteral(p *packages.Package, lit *ast.CompositeLit) {
	named, ok := types.Unalias(p.TypesInfo.TypeOf(lit)).(*types.Named)
	if !ok || named.Obj().Name() != "Operators" || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != c.genPath {
		return
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return
	}
	set := map[string]bool{}
	for i, el := range lit.Elts {
		var fld *types.Var
		var key ast.Node = el
		val := el
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			id, ok := kv.Key.(*ast.Ident)
			if !ok {
				continue
			}
			for j := 0; j < st.NumFields(); j++ {
				if st.Field(j).Name() == id.Name {
					fld = st.Field(j)
				}
			}
			key, val = kv.Key, kv.Value
		} else if i < st.NumFields() {
			fld = st.Field(i)
		}
		if fld == nil {
			continue
		}
		set[fld.Name()] = true
		o, known := c.byField[fld.Name()]
		if !known {
			continue
		}
		tv, ok := p.TypesInfo.Types[val]
		if !ok || tv.Type == nil || tv.Type == types.Typ[types.Invalid] {
			continue
		}
		at := p.Fset.Position(key.Pos())
		if tv.IsNil() {
			c.add(Problem{Pos: o.Op.Pos, Path: o.Path(), GoPos: c.relPos(at.String()), Msg: fmt.Sprintf("Operators.%s is nil: NewPipeline fails with it", fld.Name()), Warning: true})
			continue
		}
		iface, ok := fld.Type().Underlying().(*types.Interface)
		if !ok || types.AssignableTo(tv.Type, fld.Type()) {
			continue
		}
		qual := func(pk *types.Package) string {
			if pk == p.Types {
				return ""
			}
			return pk.Name()
		}
		c.reported[p.Fset.Position(val.Pos()).String()] = true
		c.add(Problem{Pos: o.Op.Pos, Path: o.Path(), GoPos: c.relPos(at.String()),
			Msg: fmt.Sprintf("type %s does not implement %s: %s", types.TypeString(tv.Type, qual), types.TypeString(fld.Type(), qual), whyNot(tv.Type, iface, qual))})
	}
	var missing []string
	for j := 0; j < st.NumFields(); j++ {
		name := st.Field(j).Name()
		if _, known := c.byField[name]; known && !set[name] {
			missing = append(missing, name)
		}
	}
	at := c.relPos(p.Fset.Position(lit.Pos()).String())
	for _, name := range missing {
		o := c.byField[name]
		c.add(Problem{Pos: o.Op.Pos, Path: o.Path(), GoPos: at, Msg: fmt.Sprintf("the Operators literal leaves %s out: NewPipeline fails with it", name), Warning: true})
	}
}

// whyNot says why v does not implement iface: the method that is missing,
// has a pointer receiver or has another signature.
func whyNot(v types.Type, iface *types.Interface, qual types.Qualifier) string {
	m, _ := types.MissingMethod(v, iface, true)
	if m == nil {
		return "its type cannot be assigned to the field"
	}
	want := signature(m.Type().(*types.Signature), qual)
	obj, _, _ := types.LookupFieldOrMethod(v, false, m.Pkg(), m.Name())
	have, isFunc := obj.(*types.Func)
	if !isFunc {
		if ptr, _, _ := types.LookupFieldOrMethod(types.NewPointer(v), false, m.Pkg(), m.Name()); ptr != nil {
			if _, isFunc := ptr.(*types.Func); isFunc {
				return fmt.Sprintf("method %s has a pointer receiver: put a %s in the field", m.Name(), types.TypeString(types.NewPointer(v), qual))
			}
		}
		return fmt.Sprintf("missing method %s %s", m.Name(), want)
	}
	return fmt.Sprintf("method %s has signature %s, want %s", m.Name(), signature(have.Type().(*types.Signature), qual), want)
}

// signature formats a method signature without its receiver and parameter
// names: "func(string, runtime.Window, ViewAcc) (UserViews, error)".
func signature(sig *types.Signature, qual types.Qualifier) string {
	var b strings.Builder
	b.WriteString("func(")
	params := sig.Params()
	for i := 0; i < params.Len(); i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		t := params.At(i).Type()
		if sig.Variadic() && i == params.Len()-1 {
			b.WriteString("...")
			t = t.(*types.Slice).Elem()
		}
		b.WriteString(types.TypeString(t, qual))
	}
	b.WriteString(")")
	res := sig.Results()
	switch res.Len() {
	case 0:
	case 1:
		b.WriteString(" " + types.TypeString(res.At(0).Type(), qual))
	default:
		b.WriteString(" (")
		for i := 0; i < res.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(types.TypeString(res.At(i).Type(), qual))
		}
		b.WriteString(")")
	}
	return b.String()
}

// quotedPkg is a package path go/types writes to tell apart two packages
// of the same name ("github.com/streamgen/streamgen/runtime".Context).
var quotedPkg = regexp.MustCompile(`"(?:[^"\s]*/)?([^"/\s]+)"\.`)

// oneLine joins a multi-line compiler message ("... (wrong type for
// method Result)\n\t\thave ...\n\t\twant ...") into one line and writes
// quoted package paths as package names, as the compiler does.
func oneLine(msg string) string {
	lines := strings.Split(quotedPkg.ReplaceAllString(msg, "$1."), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "; ")
}

// relPos makes the file of a "file:line:col" position relative to RelTo
// when it lies below it.
func (c *checker) relPos(pos string) string {
	if pos == "" || !filepath.IsAbs(pos) {
		return pos
	}
	return rel(c.opts.RelTo, pos)
}

// rel returns path relative to base when it lies below base, and path
// otherwise.
func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return r
	}
	return path
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	r, err := filepath.Rel(dir, path)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) && !filepath.IsAbs(r)
}

// sameDir reports whether a and b name the same directory (after
// resolving symbolic links, as go list does).
func sameDir(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// sortProblems puts the problems with a spec position first, by that
// position, then the others, by Go position; ties keep their order.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.Pos.Line == 0) != (b.Pos.Line == 0) {
			return a.Pos.Line != 0
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return goPosLess(a.GoPos, b.GoPos)
	})
}

// goPosLess orders "file:line:col" positions by file, then line and
// column numerically.
func goPosLess(a, b string) bool {
	fa, la, ca := splitPos(a)
	fb, lb, cb := splitPos(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

func splitPos(p string) (file string, line, col int) {
	parts := strings.Split(p, ":")
	nums := []int{}
	for len(parts) > 1 && len(nums) < 2 {
		var n int
		if _, err := fmt.Sscanf(parts[len(parts)-1], "%d", &n); err != nil {
			break
		}
		nums = append([]int{n}, nums...)
		parts = parts[:len(parts)-1]
	}
	file = strings.Join(parts, ":")
	if len(nums) > 0 {
		line = nums[0]
	}
	if len(nums) > 1 {
		col = nums[1]
	}
	return file, line, col
}
