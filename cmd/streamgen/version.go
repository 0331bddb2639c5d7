package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is the streamgen version: the module version when built as a
// dependency, "devel" in this repository.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "", stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	fmt.Fprintln(stdout, "streamgen", version())
	return nil
}
