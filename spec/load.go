package spec

import "github.com/streamgen/streamgen/schema"

// Load parses the spec at path, loads the schema files it names and checks
// the spec against them: what every command and test needs before using a
// spec. The error lists every problem (a schema.ErrorList) when it can.
func Load(path string) (*Spec, *schema.Schema, error) {
	s, err := ParseFile(path)
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
