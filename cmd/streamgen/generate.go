package main

import (
	"io"

	"github.com/streamgen/streamgen/gen"
)

// runGenerate generates a pipeline's Go code from its spec: the record types
// of its schemas, the operator interfaces, the wiring and the typed test
// driver, into the spec's out directory. It is what
// //go:generate go tool streamgen generate runs.
func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "", stderr)
	specPath := fs.String("spec", "streamgen.yaml", "the pipeline spec")
	check := fs.Bool("check", false, "write nothing; print a diff and exit 1 when the generated files are stale")
	withVersion := fs.Bool("version-comment", false, "write the streamgen version into the generated files' header")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	s, set, err := loadSpec(*specPath)
	if err != nil {
		return printProblems(stderr, err)
	}
	opts := gen.Options{Package: s.Package}
	if *withVersion {
		opts.Version = version()
	}
	files, err := gen.Pipeline(s, set, opts)
	if err != nil {
		return printProblems(stderr, err)
	}
	return writeOrCheck(s.Out, files, *check, stdout, stderr)
}
