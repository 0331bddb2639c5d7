package gen

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/streamgen/streamgen/schema"
)

// Types generates Go types and straight-line Avro binary codecs for every
// named type of an Avro schema set. It returns three files:
// types.gen.go (the type declarations), avro.gen.go (the codecs) and
// registry.gen.go (look-up by full name, and the runtime version check).
// The output is deterministic and gofmt-clean.
//
// # Go mapping
//
//	null                 codec.Null (struct{})
//	boolean              bool
//	int, long            int32, int64
//	float, double        float32, float64
//	bytes, string        []byte, string
//	record               a struct named after the record
//	enum                 a named int32 with one constant per symbol
//	fixed                a named [N]byte
//	array, map           []T, map[string]T
//	[null, T], [T, null] *T; but nil itself for bytes, arrays and maps
//	any other union      a sealed interface (see below)
//
// Logical types map to Go types: timestamp-millis/-micros/-nanos give a
// time.Time in UTC; local-timestamp-millis/-micros/-nanos give a time.Time
// holding the wall clock as if it were UTC; date gives a time.Time at UTC
// midnight; time-millis and time-micros give a time.Duration since
// midnight; uuid (on string or fixed(16)) gives codec.UUID; decimal (on
// bytes or fixed) and big-decimal give codec.Decimal; duration gives
// codec.Duration. A fixed type carrying a logical type has no Go type of
// its own. See the codec package for how each is written.
//
// Names: a record, enum or fixed gets GoName of its simple name. When two
// named types of different namespaces would get the same Go name, each gets
// the GoName of the last part of its namespace as a prefix (more parts if
// that is not enough; none for the null namespace), and any remaining clash
// gets a numeric suffix. Record fields get GoName of the field name, unique
// within the struct and never one of the generated method names; each has
// the struct tag `avro:"<field name>"`. Enum constants are the type name
// followed by the symbol (an all-upper-case symbol is title-cased first:
// SPADES gives SuitSpades). Docs become comments.
//
// Nullable unions: [null, T] and [T, null] become *T, except for bytes,
// arrays and maps, where the nil slice or map is null. A decoded empty
// bytes, array or map value is never nil, so null and empty stay distinct.
//
// Other unions become a sealed interface named after where the union first
// appears (<Record><Field>, plus Item for array items and Value for map
// values); unions with the same branches share one interface. The null
// branch is the nil interface. Records are branches as pointers (*Rec);
// enums and fixed types as themselves; every other branch gets a wrapper
// type named after the interface and the branch ("XString string",
// "XLong int64", "XArray []T", "XTimestampMillis time.Time", or the fixed
// type's name for a fixed with a logical type).
//
// Recursion: a record field whose record type can contain the record
// itself by value (directly or through other records' fields) is a
// pointer, so the struct has a finite size; recursion through arrays, maps,
// unions and nullable fields needs nothing special. Decoders of recursive
// records bound the nesting depth (codec.MaxDepth).
//
// # Methods
//
// Every record type T gets, on *T:
//
//	AppendAvro(dst []byte) ([]byte, error)   // binary encoding, no allocation when dst has room
//	UnmarshalAvro(src []byte) error           // decodes exactly src; trailing bytes are an error
//	UnmarshalAvroResolved(r *codec.Resolver, src []byte) error // data written with another schema
//	MarshalAvroJSON() ([]byte, error)         // Avro JSON encoding
//	UnmarshalAvroJSON(data []byte) error
//	AvroSchema() string                        // full, self-contained schema JSON
//	AvroFullName() string
//	AvroType() *schema.Type                    // the parsed schema, parsed once
//
// Decoders allocate at most once per bytes, array, map, pointer or union
// value; the strings of one decode share one arena (see codec.Reader). They
// check every length and item count against the input left before
// allocating, and decoded values never alias src. Map entries are written
// in an unspecified order (see codec.MapEntries). Values must be trees: a
// pointer cycle makes AppendAvro recurse without end. On error, AppendAvro
// returns a partial encoding to discard.
//
// The schemas of the records are stored once per package, as one union of
// every named type, parsed on first use; AvroSchema writes a record's own
// self-contained schema from it.
//
// registry.gen.go holds NewAvroRecord(fullName string) (codec.AvroRecord,
// bool), which accepts full names and aliases, and AvroRecordNames()
// []string.
func Types(s *schema.Schema, opts Options) ([]File, error) {
	if opts.Package == "" {
		return nil, fmt.Errorf("gen: Options.Package is required")
	}
	g, err := newAvroGen(s, opts)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, emit := range []struct {
		name string
		fn   func() (File, error)
	}{
		{"types.gen.go", g.typesFile},
		{"avro.gen.go", g.codecFile},
		{"registry.gen.go", g.registryFile},
	} {
		f, err := emit.fn()
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// avroMethodNames are the methods generated on every record; fields never take
// these names.
var avroMethodNames = []string{
	"AppendAvro", "UnmarshalAvro", "UnmarshalAvroResolved", "MarshalAvroJSON",
	"UnmarshalAvroJSON", "AvroSchema", "AvroFullName", "AvroType",
}

// avroGen holds what the emitters of one schema set share: Go names for
// every type, field, union and wrapper, and the facts about recursion.
type avroGen struct {
	s    *schema.Schema
	opts Options
	pkg  *Namer

	records []*schema.Type // in definition order
	enums   []*schema.Type
	fixeds  []*schema.Type // fixed types without a logical type

	typeName   map[*schema.Type]string // records, enums, plain fixed types
	enumConsts map[*schema.Type][]string
	parseFunc  map[*schema.Type]string
	fieldName  map[*schema.Field]string
	ptrField   map[*schema.Field]bool // fields that need a pointer to break a by-value cycle
	recursive  map[*schema.Type]bool  // records that can contain themselves
	minSizes   map[*schema.Type]int
	setIndex   map[*schema.Type]int // branch of the package schema set

	unions     []*avroUnion
	unionOf    map[*schema.Type]*avroUnion
	unionByKey map[string]*avroUnion

	// Recursive records whose by-value codec twins are needed, in the
	// order first needed.
	valueQueue  []*schema.Type
	valueQueued map[*schema.Type]bool
}

// avroUnion is one generated sealed interface.
type avroUnion struct {
	t        *schema.Type // the first union seen with this key
	name     string
	where    string // the first place it appears, for the doc comment
	branches []avroBranch
	marker   string // the unexported marker method
	appendFn string
	decodeFn string
}

// avroBranch is one branch of a generated union.
type avroBranch struct {
	t       *schema.Type
	wrapper string // the wrapper type, or "" for null, records, enums and plain fixed types
}

func newAvroGen(s *schema.Schema, opts Options) (*avroGen, error) {
	g := &avroGen{
		s:           s,
		opts:        opts,
		pkg:         NewNamer("NewAvroRecord", "AvroRecordNames"),
		typeName:    map[*schema.Type]string{},
		enumConsts:  map[*schema.Type][]string{},
		parseFunc:   map[*schema.Type]string{},
		fieldName:   map[*schema.Field]string{},
		ptrField:    map[*schema.Field]bool{},
		recursive:   map[*schema.Type]bool{},
		minSizes:    map[*schema.Type]int{},
		setIndex:    map[*schema.Type]int{},
		unionOf:     map[*schema.Type]*avroUnion{},
		unionByKey:  map[string]*avroUnion{},
		valueQueued: map[*schema.Type]bool{},
	}
	for _, t := range s.Named {
		if t.Origin != schema.FromAvro {
			return nil, fmt.Errorf("gen: %s: %s %s comes from JSON Schema; Types generates Avro types only", t.Pos, t.Kind, t.Name.Full())
		}
		switch t.Kind {
		case schema.Record:
			g.records = append(g.records, t)
		case schema.Enum:
			g.enums = append(g.enums, t)
		case schema.Fixed:
			if t.Logical == nil {
				g.fixeds = append(g.fixeds, t)
			}
		}
	}
	g.nameTypes()
	for _, t := range g.enums {
		g.nameEnum(t)
	}
	g.findRecursion()
	for _, rec := range g.records {
		g.nameFields(rec)
	}
	for _, rec := range g.records {
		for _, f := range rec.Fields {
			g.nameUnions(f.Type, g.typeName[rec]+g.fieldName[f], rec.Name.Full()+"."+f.Name)
		}
	}
	return g, nil
}

// nameTypes gives every record, enum and plain fixed type its Go name,
// prefixing names that clash across namespaces with namespace parts.
func (g *avroGen) nameTypes() {
	var named []*schema.Type
	for _, t := range g.s.Named {
		if t.Kind == schema.Record || t.Kind == schema.Enum || (t.Kind == schema.Fixed && t.Logical == nil) {
			named = append(named, t)
		}
	}
	groups := map[string][]*schema.Type{}
	for _, t := range named {
		base := GoName(t.Name.Name)
		groups[base] = append(groups[base], t)
	}
	want := map[*schema.Type]string{}
	for base, ts := range groups {
		for _, t := range ts {
			want[t] = base
		}
		if len(ts) == 1 {
			continue
		}
		maxParts := 0
		for _, t := range ts {
			if n := len(avroNSParts(t.Name.Namespace)); n > maxParts {
				maxParts = n
			}
		}
		for k := 1; k <= maxParts; k++ {
			seen := map[string]int{}
			for _, t := range ts {
				want[t] = avroNSPrefix(t.Name.Namespace, k) + base
				seen[want[t]]++
			}
			unique := true
			for _, n := range seen {
				if n > 1 {
					unique = false
				}
			}
			if unique {
				break
			}
		}
	}
	for _, t := range named {
		g.typeName[t] = g.pkg.Name(want[t])
	}
}

func avroNSParts(ns string) []string {
	if ns == "" {
		return nil
	}
	return strings.Split(ns, ".")
}

// avroNSPrefix returns the GoName of the last k parts of namespace ns, or ""
// for the null namespace.
func avroNSPrefix(ns string, k int) string {
	parts := avroNSParts(ns)
	if len(parts) == 0 {
		return ""
	}
	if k > len(parts) {
		k = len(parts)
	}
	return GoName(strings.Join(parts[len(parts)-k:], "_"))
}

// nameEnum names the constants and the Parse function of an enum.
func (g *avroGen) nameEnum(t *schema.Type) {
	name := g.typeName[t]
	consts := make([]string, len(t.Symbols))
	for i, sym := range t.Symbols {
		consts[i] = g.pkg.Name(name + GoName(avroSymbolWords(sym)))
	}
	g.enumConsts[t] = consts
	g.parseFunc[t] = g.pkg.Name("Parse" + name)
}

// avroSymbolWords lower-cases a symbol written all in capitals so that GoName
// title-cases its words (HEARTS_AND_CLUBS gives HeartsAndClubs).
func avroSymbolWords(sym string) string {
	for _, r := range sym {
		if unicode.IsLower(r) {
			return sym
		}
	}
	return strings.ToLower(sym)
}

// nameFields names the fields of a record, keeping the generated method
// names free.
func (g *avroGen) nameFields(rec *schema.Type) {
	n := NewNamer(avroMethodNames...)
	for _, f := range rec.Fields {
		g.fieldName[f] = n.Name(GoName(f.Name))
	}
}

// findRecursion marks the records that can contain themselves (their
// decoders bound the nesting depth) and the record fields that must be
// pointers because their type contains the record by value.
func (g *avroGen) findRecursion() {
	for _, rec := range g.records {
		for _, f := range rec.Fields {
			if avroReachable(f.Type, rec, false) {
				g.recursive[rec] = true
			}
			if f.Type.Kind == schema.Record && avroReachable(f.Type, rec, true) {
				g.ptrField[f] = true
			}
		}
	}
}

// avroReachable reports whether target is t or can be reached from t. With
// byValue, only record fields whose type is a record are followed (the
// fields a struct embeds by value).
func avroReachable(t, target *schema.Type, byValue bool) bool {
	seen := map[*schema.Type]bool{}
	var walk func(t *schema.Type) bool
	walk = func(t *schema.Type) bool {
		if t == target {
			return true
		}
		if seen[t] {
			return false
		}
		seen[t] = true
		var next []*schema.Type
		switch t.Kind {
		case schema.Record:
			for _, f := range t.Fields {
				if !byValue || f.Type.Kind == schema.Record {
					next = append(next, f.Type)
				}
			}
		case schema.Array:
			next = []*schema.Type{t.Items}
		case schema.Map:
			next = []*schema.Type{t.Values}
		case schema.Union:
			next = t.Branches
		}
		for _, n := range next {
			if walk(n) {
				return true
			}
		}
		return false
	}
	return walk(t)
}

// nameUnions walks an anonymous type (a field's type, or inside one) and
// names every union that needs an interface. ctx is the Go name to derive
// from; where is the schema path for doc comments.
func (g *avroGen) nameUnions(t *schema.Type, ctx, where string) {
	switch t.Kind {
	case schema.Array:
		g.nameUnions(t.Items, ctx+"Item", where+"[]")
	case schema.Map:
		g.nameUnions(t.Values, ctx+"Value", where+"{}")
	case schema.Union:
		if inner, _, ok := t.NonNull(); ok {
			g.nameUnions(inner, ctx, where)
			return
		}
		if _, ok := g.unionOf[t]; ok {
			return
		}
		key := avroTypeKey(t)
		if u, ok := g.unionByKey[key]; ok {
			g.unionOf[t] = u
			return
		}
		u := &avroUnion{t: t, where: where}
		u.name = g.pkg.Name(ctx)
		u.marker = "is" + u.name
		u.appendFn = "append" + u.name
		u.decodeFn = "decode" + u.name
		g.unionByKey[key] = u
		g.unionOf[t] = u
		g.unions = append(g.unions, u)
		for _, b := range t.Branches {
			br := avroBranch{t: b}
			if avroNeedsWrapper(b) {
				br.wrapper = g.pkg.Name(u.name + g.branchSuffix(b))
			}
			u.branches = append(u.branches, br)
		}
		for i, b := range t.Branches {
			if u.branches[i].wrapper != "" {
				g.nameUnions(b, u.branches[i].wrapper, where+"<"+b.Kind.String()+">")
			}
		}
	}
}

// avroNeedsWrapper reports whether a union branch needs a wrapper type to
// implement the union's marker method.
func avroNeedsWrapper(b *schema.Type) bool {
	switch {
	case b.Kind == schema.Null || b.Kind == schema.Record || b.Kind == schema.Enum:
		return false
	case b.Kind == schema.Fixed && b.Logical == nil:
		return false
	}
	return true
}

// branchSuffix names a wrapped branch: the logical type or the kind
// (String, Long, Array, ...), or the fixed type's name for a fixed with a
// logical type.
func (g *avroGen) branchSuffix(b *schema.Type) string {
	if b.Kind == schema.Fixed {
		return GoName(b.Name.Name)
	}
	if b.Logical != nil {
		return GoName(b.Logical.Name)
	}
	return GoName(b.Kind.String())
}

// avroTypeKey identifies a type structurally, logical types included (unlike
// the canonical form), so that unions with the same Go shape share one
// interface.
func avroTypeKey(t *schema.Type) string {
	var b strings.Builder
	avroWriteTypeKey(&b, t)
	return b.String()
}

func avroWriteTypeKey(b *strings.Builder, t *schema.Type) {
	if t.Kind.IsNamed() {
		b.WriteString(t.Kind.String() + ":" + t.Name.Full())
		return
	}
	b.WriteString(t.Kind.String())
	if t.Logical != nil {
		fmt.Fprintf(b, "(%s,%d,%d)", t.Logical.Name, t.Logical.Precision, t.Logical.Scale)
	}
	switch t.Kind {
	case schema.Array:
		b.WriteString("<")
		avroWriteTypeKey(b, t.Items)
		b.WriteString(">")
	case schema.Map:
		b.WriteString("<")
		avroWriteTypeKey(b, t.Values)
		b.WriteString(">")
	case schema.Union:
		b.WriteString("[")
		for i, br := range t.Branches {
			if i > 0 {
				b.WriteString(",")
			}
			avroWriteTypeKey(b, br)
		}
		b.WriteString("]")
	}
}

// minSize returns the fewest bytes a value of t can be encoded in; it
// bounds item counts against the input left when decoding. Records still
// being measured (recursion) count as 0, which keeps it a lower bound.
func (g *avroGen) minSize(t *schema.Type) int {
	switch t.Kind {
	case schema.Null:
		return 0
	case schema.Float:
		return 4
	case schema.Double:
		return 8
	case schema.Fixed:
		return t.Size
	case schema.Record:
		if n, ok := g.minSizes[t]; ok {
			return n
		}
		g.minSizes[t] = 0
		n := 0
		for _, f := range t.Fields {
			n += g.minSize(f.Type)
		}
		g.minSizes[t] = n
		return n
	}
	return 1
}

// avroNullable describes how a union maps when it is [null, T] or [T, null].
type avroNullable struct {
	inner    *schema.Type
	nullIdx  int
	valueIdx int
	nilForm  bool // bytes, arrays and maps: nil is null, no pointer
}

func avroNullableOf(t *schema.Type) (avroNullable, bool) {
	inner, ni, ok := t.NonNull()
	if !ok {
		return avroNullable{}, false
	}
	n := avroNullable{inner: inner, nullIdx: ni, valueIdx: 1 - ni}
	n.nilForm = inner.Logical == nil && (inner.Kind == schema.Bytes || inner.Kind == schema.Array || inner.Kind == schema.Map)
	return n, true
}

// avroDoc turns text into a raw // comment, safe whatever the text
// holds (CR LF, */, backslashes, control characters, invalid UTF-8). Each
// non-empty argument is a paragraph; paragraphs are separated by an empty
// comment line.
func avroDoc(paragraphs ...string) string {
	var out []string
	for _, text := range paragraphs {
		lines := avroDocLines(text)
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	var b strings.Builder
	for i, l := range out {
		if i > 0 {
			b.WriteByte('\n')
		}
		if l == "" {
			b.WriteString("//")
		} else {
			b.WriteString("// " + l)
		}
	}
	return b.String()
}

func avroDocLines(text string) []string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return r
			case r == '\uFEFF' || r == '\u2028' || r == '\u2029' || unicode.IsControl(r):
				return ' '
			}
			return r
		}, l)
		out = append(out, strings.TrimRightFunc(l, unicode.IsSpace))
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	return out
}

// registryNames returns the full names and aliases of the records, each once,
// with the record they resolve to, sorted by name; a name claimed by two
// records (an alias clash) resolves to the first record defined.
func (g *avroGen) registryNames() (names []string, target map[string]*schema.Type) {
	target = map[string]*schema.Type{}
	for _, rec := range g.records {
		for _, n := range append([]schema.Name{rec.Name}, rec.Aliases...) {
			full := n.Full()
			if _, ok := target[full]; !ok {
				target[full] = rec
				names = append(names, full)
			}
		}
	}
	sort.Strings(names)
	return names, target
}

// avroQuoteList formats symbols for doc comments: "A", "B", "C".
func avroQuoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
