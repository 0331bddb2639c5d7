package main

import (
	"fmt"
	"io"

	"github.com/streamgen/streamgen/schema"
)

func runCompat(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("compat", "NEW.avsc OLD.avsc [OLDER.avsc ...]", stderr)
	level := fs.String("level", "BACKWARD", "compatibility level: BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, or NONE")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: streamgen compat [flags] NEW.avsc PREVIOUS.avsc...

Checks that the schema in NEW.avsc may replace the previous versions, newest
first. BACKWARD: NEW can read data written with the newest previous version
(consumers upgrade first); FORWARD: the newest previous version can read
NEW's data (producers upgrade first); FULL: both. The _TRANSITIVE forms
check against every previous version. Exits 1 and prints every
incompatibility, with its field path, when the check fails.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return errUsage
	}
	lvl, err := schema.ParseCompatibility(*level)
	if err != nil {
		return err
	}
	candidate, err := loadRoot(fs.Arg(0))
	if err != nil {
		return err
	}
	// The command line lists previous versions newest first; the check
	// wants them oldest first.
	var previous []*schema.Type
	for i := fs.NArg() - 1; i >= 1; i-- {
		t, err := loadRoot(fs.Arg(i))
		if err != nil {
			return err
		}
		previous = append(previous, t)
	}
	if err := schema.CheckCompatibility(lvl, candidate, previous); err != nil {
		fmt.Fprintln(stdout, err)
		return exitError(1)
	}
	fmt.Fprintf(stdout, "%s is %s compatible with %d previous version(s)\n", fs.Arg(0), lvl, len(previous))
	return nil
}

// loadRoot parses one Avro schema file and returns its top-level type.
func loadRoot(path string) (*schema.Type, error) {
	s, err := schema.ParseAvroFiles(path)
	if err != nil {
		return nil, err
	}
	return s.Roots[0], nil
}
