package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// The Go shape of JSON Schema types (see schema/jsonschema.go for how
// schemas map to the IR):
//
//   - Record → a struct with `json:"name"` tags for required properties and
//     `json:"name,omitempty"` for optional ones. Optional properties are
//     pointers (*T), except slices, maps, raw documents and unions, where
//     nil means absent. A required property whose schema is a single string
//     constant (a const, or a one-value enum, as discriminators are) has no
//     field: it is always written, and checked when read. A schema for
//     additionalProperties adds a map field `AdditionalProperties`;
//     unknown properties are otherwise dropped when reading (or rejected,
//     with additionalProperties: false).
//   - Enum → a named string type with one constant per value.
//   - integer → int64, number → float64, boolean → bool, null → codec.Null,
//     string → string; format date-time → time.Time, date → time.Time
//     (midnight UTC), uuid → codec.UUID.
//   - A raw JSON document → json.RawMessage.
//   - A nullable type → a pointer, or the type itself when nil can already
//     stand for null (slices, maps, raw documents, unions).
//   - A union → a sealed interface: records are branches as pointers, enums
//     as values, other branches get a named type (UnionString string, ...).
//     nil is null, when the union allows null. A union whose branches
//     overlap (Constraints.Overlapping) is a named json.RawMessage whose
//     Validate tries every branch (exactly one must match for oneOf).
//   - Every root type gets a named Go type: records and enums are their own;
//     other roots get `type Root T` (or `type Root struct{ Value T }` for a
//     union, whose interface is then RootValue).
//
// Every named type has MarshalJSON (through AppendJSON, which appends to a
// buffer), UnmarshalJSON (which reads with codec.JSONReader, checks required
// properties and unknown ones, then calls Validate) and Validate, which
// checks the rest of the schema (enum, const, formats, bounds, lengths,
// patterns, item counts and uniqueness) and names the JSON path of the
// first problem ("meta.dt: ...").

// JSONTypes generates Go types with JSON codecs and validation for the JSON
// Schema types of s (Origin == FromJSONSchema), in one file json.gen.go. It
// returns no file when s has no JSON Schema roots.
func JSONTypes(s *schema.Schema, opts Options) ([]File, error) {
	if opts.Package == "" {
		return nil, fmt.Errorf("gen: JSONTypes: no package name")
	}
	g := newJSONGen(s)
	if len(g.order) == 0 && len(g.roots) == 0 {
		return nil, nil
	}
	f := NewFile(opts)
	EnforceVersion(f)
	g.f = f
	for _, t := range g.roots {
		g.emitWrapper(t)
	}
	for _, t := range g.order {
		switch t.Kind {
		case schema.Record:
			g.emitRecord(t)
		case schema.Enum:
			g.emitEnum(t)
		case schema.Union:
			if jsonOverlapping(t) {
				g.emitOverlap(t)
			} else {
				g.emitUnion(t)
			}
		}
	}
	g.emitPatterns()
	if g.err != nil {
		return nil, g.err
	}
	out, err := Render("json.gen.go", f)
	if err != nil {
		return nil, err
	}
	return []File{out}, nil
}

// JSONRootNames returns the name of the Go type JSONTypes generates for each
// root of s (in the order of s.Roots), or "" for roots that are not from
// JSON Schema.
func JSONRootNames(s *schema.Schema) []string {
	g := newJSONGen(s)
	out := make([]string, len(s.Roots))
	for i, r := range s.Roots {
		if r == nil || r.Origin != schema.FromJSONSchema {
			continue
		}
		if w, ok := g.wrappers[r]; ok {
			out[i] = w
		} else {
			out[i] = g.goNames[r]
		}
	}
	return out
}

// jsonBranch is one branch of a union in Go.
type jsonBranch struct {
	t     *schema.Type
	name  string // the Go type of the branch in the interface ("" for null)
	decl  string // a branch type generated for the union (not a record or enum)
	wrap  bool   // decl is a struct wrapping Value (for a union inside a union)
	discr string // discriminator value, for records of a discriminated union
}

type jsonGen struct {
	s        *schema.Schema
	f        *jen.File
	names    *Namer
	goNames  map[*schema.Type]string // records, enums, union interfaces
	wrappers map[*schema.Type]string // roots that get a named wrapper type
	branches map[*schema.Type][]*jsonBranch
	consts   map[*schema.Type][]string // enum constant names, by symbol index
	// constNames names the Go constant holding the value of each constant
	// property (a required single-value string enum or const).
	constNames map[*schema.Field]string
	order      []*schema.Type // records, enums and unions to emit, in order
	roots      []*schema.Type // roots with a wrapper type, in order
	visited    map[*schema.Type]bool

	patterns     map[string]string // regular expression → package variable
	patternOrder []string
	err          error
}

func newJSONGen(s *schema.Schema) *jsonGen {
	g := &jsonGen{
		s:          s,
		names:      NewNamer(),
		goNames:    map[*schema.Type]string{},
		wrappers:   map[*schema.Type]string{},
		branches:   map[*schema.Type][]*jsonBranch{},
		consts:     map[*schema.Type][]string{},
		constNames: map[*schema.Field]string{},
		visited:    map[*schema.Type]bool{},
		patterns:   map[string]string{},
	}
	// Avro types of the same set are generated into the same package.
	for _, t := range s.Named {
		if t.Origin == schema.FromAvro {
			g.names.Reserve(GoName(t.Name.Name))
		}
	}
	for _, r := range s.Roots {
		if r == nil || r.Origin != schema.FromJSONSchema {
			continue
		}
		_, done := g.wrappers[r]
		switch {
		case done || r.Kind == schema.Record || r.Kind == schema.Enum || jsonOverlapping(r):
		case r.Kind == schema.Union && !jsonIsNullable(r):
			g.wrappers[r] = g.names.Name(GoName(r.Name.Name))
			g.roots = append(g.roots, r)
			if _, named := g.goNames[r]; !named {
				g.goNames[r] = g.names.Name(g.wrappers[r] + "Value")
				g.order = append(g.order, r)
			}
		default:
			g.wrappers[r] = g.names.Name(GoName(r.Name.Name))
			g.roots = append(g.roots, r)
		}
		g.visit(r)
	}
	return g
}

// jsonIsNullable reports whether t is a two-branch union of null and one type.
func jsonIsNullable(t *schema.Type) bool {
	_, _, ok := jsonNonNull(t)
	return ok
}

// jsonNonNull is t.NonNull for a union that is not overlapping.
func jsonNonNull(t *schema.Type) (*schema.Type, int, bool) {
	if jsonOverlapping(t) {
		return nil, 0, false
	}
	return t.NonNull()
}

// jsonOverlapping reports whether t is a union whose branches overlap: a
// named raw JSON type validated by trying each branch.
func jsonOverlapping(t *schema.Type) bool {
	return t.Kind == schema.Union && t.Constraints != nil && t.Constraints.Overlapping
}

// jsonValueNamed reports whether t is a named type held by value in a
// union (an enum, or an overlapping union).
func jsonValueNamed(t *schema.Type) bool {
	return t.Kind == schema.Enum || jsonOverlapping(t)
}

// jsonConstantField reports whether f is a required property with a single
// string value, generated as a constant rather than a struct field.
func jsonConstantField(f *schema.Field) (string, bool) {
	if f.Required && f.Type.Kind == schema.Enum && len(f.Type.Symbols) == 1 {
		return f.Type.Symbols[0], true
	}
	return "", false
}

// visit names the types reachable from t, in depth-first order.
func (g *jsonGen) visit(t *schema.Type) {
	if t == nil || g.visited[t] {
		return
	}
	g.visited[t] = true
	switch t.Kind {
	case schema.Record:
		name := g.names.Name(GoName(t.Name.Name))
		g.goNames[t] = name
		g.order = append(g.order, t)
		for _, f := range t.Fields {
			if _, ok := jsonConstantField(f); ok {
				g.constNames[f] = g.names.Name(name + GoName(f.Name))
			} else {
				g.visit(f.Type)
			}
		}
		if t.Constraints != nil {
			g.visit(t.Constraints.AdditionalProperties)
		}
	case schema.Enum:
		name := g.names.Name(GoName(t.Name.Name))
		g.goNames[t] = name
		g.order = append(g.order, t)
		for _, sym := range t.Symbols {
			g.consts[t] = append(g.consts[t], g.names.Name(name+GoName(sym)))
		}
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			g.visit(inner)
			return
		}
		if jsonOverlapping(t) {
			g.goNames[t] = g.names.Name(GoName(t.Name.Name))
			g.order = append(g.order, t)
			for _, b := range t.Branches {
				g.visit(b)
			}
			return
		}
		if _, named := g.goNames[t]; !named {
			g.goNames[t] = g.names.Name(GoName(t.Name.Name))
			g.order = append(g.order, t)
		}
		union := g.goNames[t]
		for i, b := range t.Branches {
			jb := &jsonBranch{t: b}
			if c := t.Constraints; c != nil && i < len(c.DiscriminatorValues) {
				jb.discr = c.DiscriminatorValues[i]
			}
			g.branches[t] = append(g.branches[t], jb)
			switch b.Kind {
			case schema.Null:
			case schema.Record, schema.Enum:
				g.visit(b)
			case schema.Union:
				if jsonOverlapping(b) {
					g.visit(b)
					break
				}
				fallthrough
			default:
				jb.decl = g.names.Name(union + jsonBranchSuffix(b))
				jb.name = jb.decl
				jb.wrap = b.Kind == schema.Union && !jsonIsNullable(b)
				g.visit(b)
			}
		}
		for _, jb := range g.branches[t] {
			switch jb.t.Kind {
			case schema.Record:
				jb.name = "*" + g.goNames[jb.t]
			case schema.Enum, schema.Union:
				if jsonValueNamed(jb.t) {
					jb.name = g.goNames[jb.t]
				}
			}
		}
	case schema.Array:
		g.visit(t.Items)
	case schema.Map:
		g.visit(t.Values)
	}
}

// jsonBranchSuffix names the Go type of a union branch after its JSON type.
func jsonBranchSuffix(t *schema.Type) string {
	switch t.Kind {
	case schema.Boolean:
		return "Boolean"
	case schema.Long:
		return "Integer"
	case schema.Double:
		return "Number"
	case schema.String:
		return "String"
	case schema.Array:
		return "Array"
	case schema.Map:
		return "Object"
	case schema.Bytes:
		if c := t.Constraints; c != nil && len(c.Types) == 1 {
			return GoName(c.Types[0])
		}
		return "Other"
	}
	return "Value"
}

// jsonFormat returns the string format of a String type.
func jsonFormat(t *schema.Type) string {
	if t.Kind == schema.String && t.Constraints != nil {
		return t.Constraints.Format
	}
	return ""
}

// goType returns the Go type of values of t.
func (g *jsonGen) goType(t *schema.Type) *jen.Statement {
	switch t.Kind {
	case schema.Null:
		return jen.Qual(CodecImport, "Null")
	case schema.Boolean:
		return jen.Bool()
	case schema.Long:
		return jen.Int64()
	case schema.Double:
		return jen.Float64()
	case schema.String:
		switch jsonFormat(t) {
		case "date-time", "date":
			return jen.Qual("time", "Time")
		case "uuid":
			return jen.Qual(CodecImport, "UUID")
		}
		return jen.String()
	case schema.Bytes:
		return jen.Qual("encoding/json", "RawMessage")
	case schema.Array:
		return jen.Index().Add(g.goType(t.Items))
	case schema.Map:
		return jen.Map(jen.String()).Add(g.goType(t.Values))
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			if g.nilable(inner) {
				return g.goType(inner)
			}
			return jen.Op("*").Add(g.goType(inner))
		}
	}
	return jen.Id(g.goNames[t])
}

// nilable reports whether nil is a value of t's Go type.
func (g *jsonGen) nilable(t *schema.Type) bool {
	switch t.Kind {
	case schema.Array, schema.Map, schema.Bytes, schema.Union:
		return true
	}
	return false
}

// jsonNeedsValidate reports whether values of t can fail validation.
func jsonNeedsValidate(t *schema.Type) bool {
	c := t.Constraints
	if c == nil {
		c = &schema.Constraints{}
	}
	enum := len(c.Enum) > 0 || c.HasConst
	switch t.Kind {
	case schema.Null:
		return false
	case schema.Boolean:
		return enum
	case schema.Long, schema.Double:
		return enum || c.Minimum != nil || c.Maximum != nil || c.ExclusiveMinimum != nil || c.ExclusiveMaximum != nil || c.MultipleOf != nil
	case schema.String:
		f := c.Format
		checked := codec.KnownJSONFormat(f) && f != "date-time" && f != "date" && f != "uuid"
		return enum || checked || c.MinLength != nil || c.MaxLength != nil || c.Pattern != ""
	case schema.Array:
		return enum || c.MinItems != nil || c.MaxItems != nil || c.UniqueItems || jsonNeedsValidate(t.Items)
	case schema.Map:
		return enum || c.MinProperties != nil || c.MaxProperties != nil || jsonNeedsValidate(t.Values)
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			return jsonNeedsValidate(inner)
		}
	}
	return true
}

// jsonDocComment formats a doc comment (with its "//" markers, for
// jen.Comment, which then writes it as it is): a first sentence, then the
// schema's description as a paragraph, wrapped at 80 columns.
func jsonDocComment(first, desc string) string {
	var lines []string
	lines = append(lines, jsonWrap(first)...)
	if desc = strings.TrimSpace(desc); desc != "" {
		lines = append(lines, "//")
		for _, para := range strings.Split(desc, "\n") {
			if strings.TrimSpace(para) == "" {
				lines = append(lines, "//")
				continue
			}
			lines = append(lines, jsonWrap(para)...)
		}
	}
	return strings.Join(lines, "\n")
}

// jsonWrap breaks text into "// " comment lines of at most about 80
// columns.
func jsonWrap(text string) []string {
	var lines []string
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line) > 2 && len(line)+1+len(w) > 80 {
			lines = append(lines, line)
			line = "//"
		}
		line += " " + w
	}
	return append(lines, line)
}

// emitPatterns declares the compiled regular expressions.
func (g *jsonGen) emitPatterns() {
	if len(g.patternOrder) == 0 {
		return
	}
	defs := make([]jen.Code, 0, len(g.patternOrder))
	for _, p := range g.patternOrder {
		defs = append(defs, jen.Id(g.patterns[p]).Op("=").Qual("regexp", "MustCompile").Call(jen.Lit(p)))
	}
	g.f.Comment("The patterns of the schemas, compiled once.")
	g.f.Var().Defs(defs...)
}

// pattern returns the package variable holding the compiled pattern p.
func (g *jsonGen) pattern(p string) string {
	if v, ok := g.patterns[p]; ok {
		return v
	}
	v := g.names.Name(fmt.Sprintf("jsonPattern%d", len(g.patternOrder)+1))
	g.patterns[p] = v
	g.patternOrder = append(g.patternOrder, p)
	return v
}
