package main

import (
	"fmt"
	"io"
)

func runGraph(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("graph", "[streamgen.yaml]", stderr)
	format := fs.String("format", "mermaid", "output format: mermaid or dot (Graphviz)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	s, _, err := loadSpec(fs.Arg(0))
	if err != nil {
		return printProblems(stderr, err)
	}
	switch *format {
	case "mermaid":
		fmt.Fprint(stdout, s.Mermaid())
	case "dot":
		fmt.Fprint(stdout, s.DOT())
	default:
		return fmt.Errorf("unknown --format %q: want mermaid or dot", *format)
	}
	return nil
}
