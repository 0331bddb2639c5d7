// Command streamgen generates type-safe Go stream-processing code from Avro
// and JSON Schema files and a pipeline spec. This file only dispatches to
// the subcommands; each lives in its own file and calls the packages.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"init":     {"scaffold a new pipeline module (spec, schema, operators, tests, Makefile)", runInit},
	"types":    {"generate Go types and codecs for a set of schema files", runTypes},
	"generate": {"generate a pipeline's Go code from streamgen.yaml (for go generate)", runGenerate},
	"check":    {"validate streamgen.yaml, its schemas and the user operators, reporting every problem", runCheck},
	"graph":    {"print the pipeline topology as Mermaid or Graphviz DOT", runGraph},
	"compat":   {"check that a schema is compatible with its previous versions", runCompat},
	"version":  {"print the streamgen version", runVersion},
	"broker":   {"run an embedded Kafka broker for development until interrupted", runBroker},
}

// errUsage marks an error that already printed its usage.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "streamgen: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		var exit exitError
		switch {
		case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
			return 2
		case errors.As(err, &exit):
			return int(exit)
		}
		fmt.Fprintf(stderr, "streamgen %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// exitError ends the program with a status after the command printed what
// it had to say (for example, --check finding stale files).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: streamgen <command> [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'streamgen <command> -h' for a command's flags.")
}

// newFlags returns a FlagSet that prints its usage to stderr.
func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("streamgen "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: streamgen %s [flags] %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}
