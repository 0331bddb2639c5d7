package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Compatibility is a schema evolution policy, with the meanings the
// Confluent Schema Registry gives them.
type Compatibility int

// The compatibility levels.
const (
	// None accepts any candidate.
	None Compatibility = iota
	// Backward: the candidate can read data written with the latest
	// previous version.
	Backward
	// BackwardTransitive: the candidate can read data written with every
	// previous version.
	BackwardTransitive
	// Forward: the latest previous version can read data written with the
	// candidate.
	Forward
	// ForwardTransitive: every previous version can read data written with
	// the candidate.
	ForwardTransitive
	// Full is Backward and Forward.
	Full
	// FullTransitive is BackwardTransitive and ForwardTransitive.
	FullTransitive
)

var compatNames = [...]string{"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"}

// String returns the level's registry spelling, such as
// "BACKWARD_TRANSITIVE".
func (c Compatibility) String() string {
	if c >= 0 && int(c) < len(compatNames) {
		return compatNames[c]
	}
	return "Compatibility(" + strconv.Itoa(int(c)) + ")"
}

// ParseCompatibility reads a level such as "BACKWARD", "backward_transitive"
// or "FULL" (case-insensitive; '-' may stand for '_').
func ParseCompatibility(s string) (Compatibility, error) {
	norm := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "_"))
	for i, n := range compatNames {
		if n == norm {
			return Compatibility(i), nil
		}
	}
	return None, fmt.Errorf("unknown compatibility level %q (want one of %s)", s, strings.Join(compatNames[:], ", "))
}

// backward reports whether the level needs the candidate to read previous
// data; forward whether previous readers must read the candidate's data;
// transitive whether every previous version counts, not just the latest.
func (c Compatibility) backward() bool {
	return c == Backward || c == BackwardTransitive || c == Full || c == FullTransitive
}

func (c Compatibility) forward() bool {
	return c == Forward || c == ForwardTransitive || c == Full || c == FullTransitive
}

func (c Compatibility) transitive() bool {
	return c == BackwardTransitive || c == ForwardTransitive || c == FullTransitive
}

// CompatProblem is one incompatibility between the candidate and one
// previous version.
type CompatProblem struct {
	// Version is the 1-based number of the previous version (the oldest
	// is 1), and File the file it was read from, if known (empty for a
	// schema parsed from a string).
	Version int
	File    string
	// CandidateReads is true when the candidate, as reader, cannot read the
	// version's data (a backward problem) and false when the version, as
	// reader, cannot read the candidate's data (a forward problem).
	CandidateReads bool
	Incompatibility
}

// CompatError lists every incompatibility CheckCompatibility found.
type CompatError struct {
	Level    Compatibility
	Problems []CompatProblem
}

// Error formats one problem a line, for example
// "BACKWARD: cannot read version 2 (v2.avsc): com.acme.Click.fields(country): reader field has no default and writer lacks it".
func (e *CompatError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Level.String())
		b.WriteString(": ")
		version := "version " + strconv.Itoa(p.Version)
		if p.File != "" {
			version += " (" + p.File + ")"
		}
		if p.CandidateReads {
			b.WriteString("cannot read " + version)
		} else {
			b.WriteString(version + " cannot read the candidate")
		}
		b.WriteString(": ")
		b.WriteString(p.Incompatibility.String())
	}
	return b.String()
}

// CheckCompatibility checks candidate against the previous versions, oldest
// first. Backward: candidate can read the latest previous; Forward: latest
// previous can read candidate; Full: both; *Transitive: against every
// previous version. It returns nil or a *CompatError listing every
// incompatibility with the version it breaks and the field path.
func CheckCompatibility(level Compatibility, candidate *Type, previous []*Type) error {
	if level < None || level > FullTransitive {
		return fmt.Errorf("unknown compatibility level %d", int(level))
	}
	if candidate == nil {
		return fmt.Errorf("no candidate schema to check")
	}
	if level == None || len(previous) == 0 {
		return nil
	}
	first := len(previous) - 1
	if level.transitive() {
		first = 0
	}
	e := &CompatError{Level: level}
	for i := first; i < len(previous); i++ {
		prev := previous[i]
		if prev == nil {
			return fmt.Errorf("previous version %d is missing", i+1)
		}
		file := prev.Pos.File
		if strings.HasPrefix(file, "<") {
			file = "" // a placeholder such as "<schema>", not a file
		}
		if level.backward() {
			for _, inc := range CanRead(candidate, prev) {
				e.Problems = append(e.Problems, CompatProblem{Version: i + 1, File: file, CandidateReads: true, Incompatibility: inc})
			}
		}
		if level.forward() {
			for _, inc := range CanRead(prev, candidate) {
				e.Problems = append(e.Problems, CompatProblem{Version: i + 1, File: file, CandidateReads: false, Incompatibility: inc})
			}
		}
	}
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}
