package gen

import "github.com/streamgen/streamgen/schema"

// SchemaFiles generates the Go types of a schema set, whatever its
// front-end: Avro records with their codecs and registry (Types) and JSON
// Schema types with JSON codecs and validation (JSONTypes), in one package.
// It is what `streamgen types` writes, and the type part of Pipeline.
func SchemaFiles(set *schema.Schema, opts Options) ([]File, error) {
	var files []File
	if avro := avroPart(set); avro != nil {
		fs, err := Types(avro, opts)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	if hasJSONRoots(set) {
		fs, err := JSONTypes(set, opts)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	return files, nil
}

// avroPart returns the Avro types of a set as a set of their own, or nil
// when it has none. The JSON Schema emitter reserves the Avro types' Go
// names, so the two parts can share a package.
func avroPart(set *schema.Schema) *schema.Schema {
	if set == nil {
		return nil
	}
	var named, roots []*schema.Type
	for _, t := range set.Named {
		if t.Origin == schema.FromAvro {
			named = append(named, t)
		}
	}
	if len(named) == 0 {
		return nil
	}
	for _, t := range set.Roots {
		if t != nil && t.Origin == schema.FromAvro {
			roots = append(roots, t)
		}
	}
	return &schema.Schema{Roots: roots, Named: named, Files: set.Files}
}

// hasJSONRoots reports whether any file of the set is a JSON Schema.
func hasJSONRoots(set *schema.Schema) bool {
	if set == nil {
		return false
	}
	for _, t := range set.Roots {
		if t != nil && t.Origin == schema.FromJSONSchema {
			return true
		}
	}
	return false
}
