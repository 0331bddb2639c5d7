package main

import (
	"fmt"
	"io"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/gen/usercheck"
	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// runCheck checks the spec against its schemas and, when the generated
// code exists, that it is up to date and that the user code fits it
// (gen/usercheck: the packages beside the spec, loaded with go/packages).
func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "[streamgen.yaml]", stderr)
	specOnly := fs.Bool("spec-only", false, "check the spec and its schemas only, not the generated code and the operators")
	withVersion := fs.Bool("version-comment", false, "the generated code was written with generate --version-comment")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	s, set, err := loadSpec(fs.Arg(0))
	if err != nil {
		return printProblems(stderr, err)
	}
	summary := fmt.Sprintf("%s: ok (%d sources, %d operators, %d sinks)", s.File, len(s.Sources), len(s.Operators), len(s.Sinks))
	if *specOnly {
		fmt.Fprintln(stdout, summary)
		return nil
	}
	opts := usercheck.Options{Gen: gen.Options{Package: s.Package}}
	if *withVersion {
		opts.Gen.Version = version()
	}
	r, err := usercheck.Check(s, set, opts)
	if err != nil {
		return printProblems(stderr, err)
	}
	for _, p := range r.Problems {
		fmt.Fprintln(stderr, p)
	}
	if n := r.Errors(); n > 0 {
		fmt.Fprintf(stderr, "%d problem(s)\n", n)
		return exitError(1)
	}
	switch {
	case !r.Generated:
		summary += "; no generated code yet (run go generate), so the operators were not checked"
	case len(r.Packages) == 1:
		summary += "; generated code up to date; operators of package " + r.Packages[0] + " ok"
	default:
		summary += fmt.Sprintf("; generated code up to date; operators of %d packages ok", len(r.Packages))
	}
	fmt.Fprintln(stdout, summary)
	return nil
}

// loadSpec loads and checks the spec (default ./streamgen.yaml) with its
// schemas.
func loadSpec(path string) (*spec.Spec, *schema.Schema, error) {
	if path == "" {
		path = "streamgen.yaml"
	}
	return spec.Load(path)
}

// printProblems prints every problem of an error list on its own line and
// ends the program with status 1.
func printProblems(w io.Writer, err error) error {
	if list, ok := err.(schema.ErrorList); ok {
		for _, e := range list {
			fmt.Fprintln(w, e)
		}
		fmt.Fprintf(w, "%d problem(s)\n", len(list))
		return exitError(1)
	}
	return err
}
