package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Load reads a schema set from files, choosing the front-end by extension:
// .avsc files are Avro, .json files are JSON Schema. A set may mix both;
// named types must then be unique across the two.
func Load(paths ...string) (*Schema, error) {
	var avro, jsonSchema []Source
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".avsc":
			avro = append(avro, Source{Name: p, Data: data})
		case ".json":
			jsonSchema = append(jsonSchema, Source{Name: p, Data: data})
		default:
			return nil, &Error{Pos: Pos{File: p}, Msg: "unknown schema file type: want .avsc (Avro) or .json (JSON Schema)"}
		}
	}
	var sets []*Schema
	if len(avro) > 0 {
		s, err := ParseAvro(avro...)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	if len(jsonSchema) > 0 {
		s, err := ParseJSONSchema(jsonSchema...)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("schema: no schema files given")
	}
	return merge(sets...)
}

// merge joins schema sets read by different front-ends into one.
func merge(sets ...*Schema) (*Schema, error) {
	if len(sets) == 1 {
		return sets[0], nil
	}
	out := &Schema{byName: map[string]*Type{}}
	var errs ErrorList
	for _, s := range sets {
		out.Roots = append(out.Roots, s.Roots...)
		out.Named = append(out.Named, s.Named...)
		out.Files = append(out.Files, s.Files...)
		out.Warnings = append(out.Warnings, s.Warnings...)
		names := make([]string, 0, len(s.byName))
		for name := range s.byName {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			t := s.byName[name]
			if prev, dup := out.byName[name]; dup && prev != t {
				errs = append(errs, &Error{Pos: t.Pos, Path: name, Msg: fmt.Sprintf("type %s is defined twice (also at %s)", name, prev.Pos)})
				continue
			}
			out.byName[name] = t
		}
	}
	return out, errs.Err()
}
