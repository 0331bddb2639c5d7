package main

import (
	"fmt"
	"io"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/schema"
)

func runTypes(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("types", "FILE.avsc|FILE.json ...", stderr)
	pkg := fs.String("package", "", "Go package name of the generated code (default: the base name of --out)")
	out := fs.String("out", ".", "directory to write the generated files into")
	check := fs.Bool("check", false, "write nothing; print a diff and exit 1 when the files in --out are stale")
	withVersion := fs.Bool("version-comment", false, "write the streamgen version into the generated files' header")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	s, err := schema.Load(fs.Args()...)
	if err != nil {
		return err
	}
	opts := gen.Options{Package: *pkg}
	if opts.Package == "" {
		opts.Package = gen.PackageNameForDir(*out)
	}
	if *withVersion {
		opts.Version = version()
	}
	files, err := gen.SchemaFiles(s, opts)
	if err != nil {
		return err
	}
	return writeOrCheck(*out, files, *check, stdout, stderr)
}

// writeOrCheck writes files into dir, or with check prints the diff and
// fails when dir is stale.
func writeOrCheck(dir string, files []gen.File, check bool, stdout, stderr io.Writer) error {
	if check {
		diff, err := gen.DiffDir(dir, files)
		if err != nil {
			return err
		}
		if diff != "" {
			fmt.Fprint(stdout, diff)
			fmt.Fprintf(stderr, "streamgen: generated code in %s is stale; run go generate\n", dir)
			return exitError(1)
		}
		return nil
	}
	changed, err := gen.WriteDir(dir, files)
	if err != nil {
		return err
	}
	for _, name := range changed {
		fmt.Fprintf(stdout, "wrote %s\n", name)
	}
	return nil
}
