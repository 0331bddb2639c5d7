package main

import (
	"fmt"
	"io"

	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", "[streamgen.yaml]", stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	s, _, err := loadSpec(fs.Arg(0))
	if err != nil {
		return printProblems(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, %d operators, %d sinks)\n", s.File, len(s.Sources), len(s.Operators), len(s.Sinks))
	return nil
}

// loadSpec parses the spec (default ./streamgen.yaml), loads its schemas
// and checks the spec against them.
func loadSpec(path string) (*spec.Spec, *schema.Schema, error) {
	if path == "" {
		path = "streamgen.yaml"
	}
	s, err := spec.ParseFile(path)
	if err != nil {
		return nil, nil, err
	}
	var set *schema.Schema
	if len(s.Schemas) > 0 {
		if set, err = schema.Load(s.Schemas...); err != nil {
			return nil, nil, err
		}
	}
	if err := s.Check(set); err != nil {
		return nil, nil, err
	}
	return s, set, nil
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
