package spec

import (
	"errors"
	"os"
	"regexp"
	"strings"

	"github.com/streamgen/streamgen/schema"
)

// Load parses the spec at path, loads the schema files it names and checks
// the spec against them: what every command and test needs before using a
// spec. The error lists every problem (a schema.ErrorList) when it can.
//
// When only some sources, operators or sinks fail to parse, the others are
// still checked against the schemas, so one run reports both kinds of
// problem; a check problem that may follow from an element that failed to
// parse is left out (see checkRest).
func Load(path string) (*Spec, *schema.Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return load(path, data)
}

// load is Load of the spec in data, read from file.
func load(file string, data []byte) (*Spec, *schema.Schema, error) {
	s, perrs := parse(file, data)
	if len(perrs) > 0 {
		return nil, nil, checkRest(s, perrs)
	}
	set, err := loadSchemas(s)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Check(set); err != nil {
		return nil, nil, err
	}
	return s, set, nil
}

// loadSchemas loads the schema files s names (nil when it names none).
func loadSchemas(s *Spec) (*schema.Schema, error) {
	if len(s.Schemas) == 0 {
		return nil, nil
	}
	return schema.Load(s.Schemas...)
}

// checkRest returns the parse problems perrs together with what Check
// finds in the elements that parsed without a problem. It only does so
// when every parse problem lies inside a source, operator or sink (a
// problem in version, name, schemas or commit ends the run at parsing, as
// does a schema file that does not load). A check problem is left out when
// it may only repeat a failed element's: one inside a failed element, one
// whose message names a failed element or a late output of one, "never
// read" (the reader may be the failed element), and, once a source or
// operator failed, an input that names no stream (it may be the failed
// element's, or one it defines).
func checkRest(s *Spec, perrs schema.ErrorList) error {
	failed := failedElements(perrs)
	if s == nil || failed == nil {
		return perrs
	}
	mentioned := map[string]bool{}
	streamsLost := false
	for name, section := range failed {
		mentioned[name] = true
		streamsLost = streamsLost || section != "sinks"
	}
	for _, op := range s.Operators {
		if failed[op.Name] != "" && op.Window != nil && op.Window.LateOutput != "" {
			mentioned[op.Window.LateOutput] = true
		}
	}
	rest := *s
	rest.Sources = dropFailed(s.Sources, failed, func(x *Source) string { return x.Name })
	rest.Operators = dropFailed(s.Operators, failed, func(x *Operator) string { return x.Name })
	rest.Sinks = dropFailed(s.Sinks, failed, func(x *Sink) string { return x.Name })
	set, err := loadSchemas(&rest)
	if err != nil {
		return perrs
	}
	var cerrs schema.ErrorList
	if err := rest.Check(set); !errors.As(err, &cerrs) {
		return perrs
	}
	mention := wordsRE(mentioned)
	all := append(schema.ErrorList(nil), perrs...)
	for _, e := range cerrs {
		if _, name, ok := elementOf(e.Path); ok && failed[name] != "" {
			continue
		}
		if mention.MatchString(e.Msg) || strings.Contains(e.Msg, "never read") ||
			(streamsLost && strings.Contains(e.Msg, "names no stream")) {
			continue
		}
		all = append(all, e)
	}
	sortErrors(all)
	return all
}

// elementSections are the spec's sections of named elements.
var elementSections = []string{"sources", "operators", "sinks"}

// elementOf returns the section and element name of a problem's path
// ("operators.by_user.key_by" -> "operators", "by_user"), false outside
// the elements.
func elementOf(path string) (section, name string, ok bool) {
	section, rest, ok := strings.Cut(path, ".")
	if !ok || !contains(elementSections, section) {
		return "", "", false
	}
	name, _, _ = strings.Cut(rest, ".")
	name, _, _ = strings.Cut(name, "[")
	return section, name, name != ""
}

// failedElements maps the names of the elements perrs are about to their
// sections, or returns nil when a problem lies outside every element.
func failedElements(perrs schema.ErrorList) map[string]string {
	failed := map[string]string{}
	for _, e := range perrs {
		section, name, ok := elementOf(e.Path)
		if !ok {
			return nil
		}
		failed[name] = section
	}
	return failed
}

// wordsRE matches any of words as a whole word.
func wordsRE(words map[string]bool) *regexp.Regexp {
	var alts []string
	for w := range words {
		alts = append(alts, regexp.QuoteMeta(w))
	}
	return regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)\b`)
}

// dropFailed returns the elements of xs whose names did not fail to parse.
func dropFailed[T any](xs []T, failed map[string]string, name func(T) string) []T {
	var kept []T
	for _, x := range xs {
		if failed[name(x)] == "" {
			kept = append(kept, x)
		}
	}
	return kept
}
