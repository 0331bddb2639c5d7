// Package schema reads Avro (.avsc) and JSON Schema files into one resolved,
// typed IR: a graph of *Type values with resolved names. Canonical form,
// fingerprints, schema resolution and compatibility rules live here too.
// Nothing in this package generates code.
package schema

import "strings"

// Kind says which kind of schema a Type is.
type Kind int

// The kinds of Type. The primitive kinds come first, in Avro's order.
const (
	Null Kind = iota
	Boolean
	Int
	Long
	Float
	Double
	Bytes
	String
	Record
	Enum
	Array
	Map
	Fixed
	Union
)

var kindNames = [...]string{"null", "boolean", "int", "long", "float", "double", "bytes", "string", "record", "enum", "array", "map", "fixed", "union"}

// String returns the Avro spelling of the kind ("record", "long", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// IsPrimitive reports whether k is one of Avro's eight primitive kinds.
func (k Kind) IsPrimitive() bool { return k <= String }

// IsNamed reports whether k is a named kind (record, enum, fixed).
func (k Kind) IsNamed() bool { return k == Record || k == Enum || k == Fixed }

// Origin says which front-end produced a Type.
type Origin int

// The front-ends.
const (
	FromAvro Origin = iota
	FromJSONSchema
)

// Name is a resolved Avro name: a namespace (possibly empty, the null
// namespace) and a simple name.
type Name struct {
	Namespace string
	Name      string
}

// Full returns the full name: "namespace.name", or just "name" in the null
// namespace.
func (n Name) Full() string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + "." + n.Name
}

// ParseFullName splits a full name at its last dot.
func ParseFullName(full string) Name {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return Name{Namespace: full[:i], Name: full[i+1:]}
	}
	return Name{Name: full}
}

// Type is one node of the IR. Which fields are meaningful depends on Kind.
// Named types (record, enum, fixed) are shared: every reference to a named
// type points at the same *Type, so the graph may be cyclic (recursive
// records). Walk it with a visited set.
type Type struct {
	Kind   Kind
	Origin Origin

	// Name is set for named kinds (record, enum, fixed). JSON Schema objects
	// get a name derived from their $defs key, title, or property path.
	Name    Name
	Aliases []Name // resolved full-name aliases of a named type
	Doc     string

	Fields []*Field // record

	Symbols        []string // enum
	EnumDefault    string   // enum: the reader's fallback symbol, if HasEnumDefault
	HasEnumDefault bool

	Size int // fixed: size in bytes

	Items  *Type // array
	Values *Type // map: the value type (keys are always strings)

	Branches []*Type // union, in declared order

	// Logical is the logical type annotating this type, or nil when there is
	// none or when the annotation was invalid (the spec says to fall back to
	// the underlying type; the reason is kept in Props under "logicalType").
	Logical *Logical

	// Props holds custom properties (any attribute Avro does not define), in
	// source order, as raw JSON.
	Props []Prop

	// Constraints holds JSON Schema validation keywords (nil for Avro).
	Constraints *Constraints

	// Pos is where this type was defined.
	Pos Pos
}

// Field is one field of a record.
type Field struct {
	Name    string
	Doc     string
	Type    *Type
	Aliases []string
	Order   string // "ascending" (the default), "descending" or "ignore"
	Index   int    // position in the record

	// HasDefault reports whether the field declares a default; Default is
	// the default, already validated against Type (see Value for its shape).
	HasDefault bool
	Default    Value

	// Required is set for JSON Schema properties listed in "required".
	// Avro fields are always required.
	Required bool

	Props []Prop
	Pos   Pos
}

// Prop is a custom property: a name and its raw JSON value.
type Prop struct {
	Name  string
	Value string // raw JSON text
}

// Logical is a logical type annotation.
type Logical struct {
	// Name is the logicalType attribute: "decimal", "big-decimal", "uuid",
	// "date", "time-millis", "time-micros", "timestamp-millis",
	// "timestamp-micros", "timestamp-nanos", "local-timestamp-millis",
	// "local-timestamp-micros", "local-timestamp-nanos", "duration".
	Name      string
	Precision int // decimal
	Scale     int // decimal
}

// The logical type names this package understands.
const (
	LogicalDecimal              = "decimal"
	LogicalBigDecimal           = "big-decimal"
	LogicalUUID                 = "uuid"
	LogicalDate                 = "date"
	LogicalTimeMillis           = "time-millis"
	LogicalTimeMicros           = "time-micros"
	LogicalTimestampMillis      = "timestamp-millis"
	LogicalTimestampMicros      = "timestamp-micros"
	LogicalTimestampNanos       = "timestamp-nanos"
	LogicalLocalTimestampMillis = "local-timestamp-millis"
	LogicalLocalTimestampMicros = "local-timestamp-micros"
	LogicalLocalTimestampNanos  = "local-timestamp-nanos"
	LogicalDuration             = "duration"
)

// Constraints are JSON Schema validation keywords carried on a Type so the
// generator can emit validation. Nil pointers mean "absent".
type Constraints struct {
	Format string // "date-time", "date", "uuid", "email", ... (validated when known)

	Minimum, Maximum                   *float64
	ExclusiveMinimum, ExclusiveMaximum *float64
	MultipleOf                         *float64

	MinLength, MaxLength *int
	Pattern              string

	MinItems, MaxItems *int
	UniqueItems        bool

	MinProperties, MaxProperties *int

	// Enum lists the allowed values (raw JSON) when the schema's enum is not
	// a plain string enum (those become Kind Enum).
	Enum []string
	// Const is the required value (raw JSON), if HasConst.
	Const    string
	HasConst bool

	// AdditionalProperties: for records from JSON Schema, whether properties
	// not listed are allowed (default true), and their type if constrained.
	NoAdditionalProperties bool
	AdditionalProperties   *Type

	// Types lists the JSON types ("null", "boolean", "integer", "number",
	// "string", "array", "object") that a raw JSON document may hold. A
	// raw JSON document is a Type of Kind Bytes from JSON Schema: a value
	// the schema does not type further (a free-form object, a schema with
	// no "type", an enum of mixed kinds), held as JSON text. Empty means
	// any JSON value.
	Types []string

	// Discriminator is the property that selects a oneOf branch (for a Union
	// from JSON Schema), and DiscriminatorValues maps each branch index to
	// the constant that selects it.
	Discriminator       string
	DiscriminatorValues []string

	// Overlapping marks a Union from a oneOf/anyOf whose branches cannot be
	// told apart by JSON type or by a discriminator: values are kept as raw
	// JSON and validated by trying every branch. Exactly one branch must
	// match when OneOf is set (oneOf), at least one otherwise (anyOf).
	Overlapping bool
	OneOf       bool
}

// Value is a default value, already checked against its type. Its Go shape
// depends on the type it belongs to:
//
//	null            nil
//	boolean         bool
//	int             int32
//	long            int64
//	float           float32
//	double          float64
//	bytes, fixed    []byte
//	string          string
//	enum            string (the symbol)
//	array           []Value
//	map             map[string]Value
//	record          map[string]Value with every field present (field defaults filled in)
//	union           UnionValue
type Value = any

// UnionValue is the default of a union: the branch it belongs to and the value
// in that branch's shape.
type UnionValue struct {
	Branch int
	Value  Value
}

// NonNull returns the single non-null branch of a two-branch union that has
// a null branch (a nullable type), and the index of the null branch. ok is
// false for any other type.
func (t *Type) NonNull() (inner *Type, nullIndex int, ok bool) {
	if t.Kind != Union || len(t.Branches) != 2 {
		return nil, 0, false
	}
	switch {
	case t.Branches[0].Kind == Null && t.Branches[1].Kind != Null:
		return t.Branches[1], 0, true
	case t.Branches[1].Kind == Null && t.Branches[0].Kind != Null:
		return t.Branches[0], 1, true
	}
	return nil, 0, false
}

// Schema is a parsed schema set: the types of one or more files, with
// every named type resolved.
type Schema struct {
	// Roots are the top-level types of each file, in file order.
	Roots []*Type
	// Named lists every named type once, in definition order.
	Named []*Type
	// Files lists the files read, in order.
	Files []string
	// Warnings lists problems that did not stop parsing (for example a
	// JSON Schema keyword that is accepted but not enforced), in source
	// order. Each names file:line:col and the path inside the schema.
	Warnings ErrorList

	byName map[string]*Type
}

// Lookup returns the named type with the given full name or alias.
func (s *Schema) Lookup(full string) (*Type, bool) {
	t, ok := s.byName[full]
	return t, ok
}
