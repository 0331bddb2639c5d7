package avrorand

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Options bounds the random schemas made by Schema. Zero fields take the
// defaults noted on each.
type Options struct {
	// MaxDepth bounds how deeply types nest (records in arrays in unions
	// ...). Default 4.
	MaxDepth int
	// MaxFields bounds the number of fields of each record. Default 7.
	MaxFields int
	// MaxBranches bounds the number of branches of a multi-branch union.
	// Default 5.
	MaxBranches int
	// MaxNamed bounds the number of named types (records, enums, fixed) in
	// one schema. Default 14.
	MaxNamed int
	// PlainNames, when set, makes every name a simple generated identifier.
	// By default names also include Go keywords, names that differ only in
	// case or punctuation ("user_id", "userId", "UserID") and the same
	// simple name in different namespaces, to stress identifier mapping.
	PlainNames bool
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = 4
	}
	if o.MaxFields <= 0 {
		o.MaxFields = 7
	}
	if o.MaxBranches < 2 {
		o.MaxBranches = 5
	}
	if o.MaxNamed <= 0 {
		o.MaxNamed = 14
	}
	return o
}

// Schema returns the JSON text of a random valid Avro schema whose
// top-level type is a record. The same r state gives the same schema.
//
// Schemas cover every primitive; nested records; enums with and without a
// default symbol; fixed; arrays; maps; nullable unions with null first and
// null second; unions of several branches mixing primitives, named types,
// arrays and maps; every logical type (decimal on bytes and on fixed,
// uuid, date, time-millis/micros, timestamp-millis/micros/nanos,
// local-timestamp-millis/micros/nanos, duration, big-decimal); recursion
// through nullable unions, arrays and maps; namespaces given by attribute, by
// dotted name and by inheritance, with references by short and full name;
// and field defaults of every kind.
func Schema(r *rand.Rand, opts Options) string {
	g := &schemaGen{r: r, o: opts.withDefaults(), full: map[string]bool{}, simple: map[string]int{}, openAt: map[*field][]*node{}}
	ns := g.namespace()
	root := g.record(0, ns, true)
	g.fillDefaults()
	w := &writer{defined: map[*node]bool{}}
	w.write(root, "")
	return w.buf.String()
}

type schemaGen struct {
	r      *rand.Rand
	o      Options
	full   map[string]bool    // full names taken
	simple map[string]int     // simple name -> count, for null-namespace ambiguity
	named  []*node            // named types whose definition is complete
	open   []*node            // records being defined (outermost first)
	openAt map[*field][]*node // the records being defined when each field was
	nnamed int
}

var nsPool = []string{"com.example", "org.acme.events", "io.stream", "a.b", "x", "type.func", "com.example.inner"}

func (g *schemaGen) namespace() string {
	if g.r.IntN(6) == 0 {
		return ""
	}
	return nsPool[g.r.IntN(len(nsPool))]
}

var trickyNames = []string{
	"type", "func", "map", "range", "interface", "string", "int", "error", "select", "go",
	"user_id", "userId", "UserID", "user__id", "_private", "X", "x", "Value", "value",
	"AvroSchema", "AppendAvro", "UnmarshalAvro", "Kind", "Null", "ID", "id", "URL", "a1", "A1",
	"http_status", "HTTPStatus", "Type", "default", "nil", "true", "len", "String",
}

// ident returns a random valid Avro name starting with prefix.
func (g *schemaGen) ident(prefix string) string {
	if !g.o.PlainNames && g.r.IntN(4) == 0 {
		return trickyNames[g.r.IntN(len(trickyNames))]
	}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	var b strings.Builder
	b.WriteString(prefix)
	for i := g.r.IntN(4) + 2; i > 0; i-- {
		b.WriteByte(letters[g.r.IntN(len(letters))])
	}
	if g.r.IntN(3) == 0 {
		b.WriteString("_" + strconv.Itoa(g.r.IntN(100)))
	}
	return b.String()
}

// newNamed fills in the name and namespace of a fresh named type defined
// where enclosing is the namespace in effect.
func (g *schemaGen) newNamed(n *node, prefix, enclosing string) {
	g.nnamed++
	for {
		n.name = g.ident(prefix)
		if reservedTypeName(n.name) {
			continue
		}
		ns := enclosing
		switch k := g.r.IntN(10); {
		case k < 5 && enclosing != "":
			n.spell = spellInherit
		case k < 8 || enclosing == "" && k < 5:
			ns = g.namespace()
			n.spell = spellNamespaceAttr
			if ns == "" {
				// goavro reads "namespace": "" as "inherit", unlike the
				// spec; only use the null namespace where nothing encloses.
				ns = enclosing
			}
		default:
			ns = nsPool[g.r.IntN(len(nsPool))]
			n.spell = spellDotted
		}
		if ns == "" && n.spell == spellDotted {
			n.spell = spellNamespaceAttr
		}
		n.namespace = ns
		if !g.full[n.full()] && (ns != "" || g.simple[n.name] == 0) && !g.shadows(n) {
			break
		}
	}
	g.full[n.full()] = true
	if n.namespace == "" {
		g.simple[n.name] += 1000 // a null-namespace name: never reuse this simple name
	} else {
		g.simple[n.name]++
	}
}

// reservedTypeName reports whether a named type may not be called name:
// the specification forbids redefining primitive names, and goavro reads
// {"type": "map"} as a reference to a type named map when one is in scope
// (likewise array, record, enum, fixed and error).
func reservedTypeName(name string) bool {
	switch name {
	case "map", "array", "record", "enum", "fixed", "error":
		return true
	}
	return primitives[name]
}

// shadows reports whether a type named like n would make a short-name
// reference ambiguous between goavro and the specification: goavro looks a
// short name up in the null namespace first, the specification in the
// enclosing namespace first.
func (g *schemaGen) shadows(n *node) bool {
	return n.namespace != "" && g.simple[n.name] >= 1000
}

// typ returns a random type at nesting depth, in namespace enclosing.
func (g *schemaGen) typ(depth int, enclosing string) *node {
	leaf := depth >= g.o.MaxDepth || g.nnamed >= g.o.MaxNamed
	for {
		switch k := g.r.IntN(100); {
		case k < 22:
			return g.primitive()
		case k < 36:
			return g.logicalType(enclosing, leaf)
		case k < 42 && !leaf:
			return g.record(depth+1, enclosing, false)
		case k < 47 && g.nnamed < g.o.MaxNamed:
			return g.enum(enclosing)
		case k < 51 && g.nnamed < g.o.MaxNamed:
			return g.fixed(enclosing, 0)
		case k < 59 && !leaf:
			return &node{typ: "array", items: g.typ(depth+1, enclosing)}
		case k < 65 && !leaf:
			return &node{typ: "map", values: g.typ(depth+1, enclosing)}
		case k < 78:
			return g.nullable(depth, enclosing, leaf)
		case k < 86 && !leaf:
			return g.union(depth, enclosing)
		case k < 93 && len(g.named) > 0:
			return g.named[g.r.IntN(len(g.named))]
		case k < 100 && len(g.open) > 0:
			return g.recursion()
		}
	}
}

var primitiveNames = []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string"}

func (g *schemaGen) primitive() *node {
	// null alone as a field type is rare in practice; keep it rare here.
	if g.r.IntN(20) == 0 {
		return &node{typ: "null"}
	}
	return &node{typ: primitiveNames[1+g.r.IntN(len(primitiveNames)-1)]}
}

var logicalOnLong = []string{"time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
	"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos"}

func (g *schemaGen) logicalType(enclosing string, leaf bool) *node {
	var n *node
	switch k := g.r.IntN(14); {
	case k < 2:
		p := 1 + g.r.IntN(38)
		n = &node{typ: "bytes", rawLogical: "decimal", precision: p, scale: g.r.IntN(p + 1)}
	case k == 13:
		n = &node{typ: "bytes", rawLogical: "big-decimal"}
	case k < 3 && g.nnamed < g.o.MaxNamed:
		size := 1 + g.r.IntN(16)
		p := 1 + g.r.IntN(maxDecimalPrecision(size))
		n = g.fixed(enclosing, size)
		n.rawLogical, n.precision, n.scale = "decimal", p, g.r.IntN(p+1)
	case k < 4 && g.nnamed < g.o.MaxNamed:
		n = g.fixed(enclosing, 12)
		n.rawLogical = "duration"
	case k < 5:
		n = &node{typ: "string", rawLogical: "uuid"}
	case k < 6:
		n = &node{typ: "int", rawLogical: "date"}
	case k < 7:
		n = &node{typ: "int", rawLogical: "time-millis"}
	default:
		n = &node{typ: "long", rawLogical: logicalOnLong[g.r.IntN(len(logicalOnLong))]}
	}
	n.logical = n.rawLogical
	return n
}

func (g *schemaGen) enum(enclosing string) *node {
	n := &node{typ: "enum"}
	g.newNamed(n, "E", enclosing)
	seen := map[string]bool{}
	for i := 1 + g.r.IntN(6); len(n.symbols) < i; {
		s := g.ident("S")
		if g.r.IntN(2) == 0 {
			s = strings.ToUpper(s)
		}
		if !seen[s] {
			seen[s] = true
			n.symbols = append(n.symbols, s)
		}
	}
	if g.r.IntN(2) == 0 {
		n.enumDefault, n.hasEnumDef = n.symbols[g.r.IntN(len(n.symbols))], true
	}
	if g.r.IntN(3) == 0 {
		n.doc = "enum doc with */ and \"quotes\""
	}
	g.named = append(g.named, n)
	return n
}

// fixed returns a new fixed type; size 0 picks a random size.
func (g *schemaGen) fixed(enclosing string, size int) *node {
	n := &node{typ: "fixed"}
	g.newNamed(n, "F", enclosing)
	if size == 0 {
		size = 1 + g.r.IntN(20)
	}
	n.size = size
	g.named = append(g.named, n)
	return n
}

func (g *schemaGen) record(depth int, enclosing string, top bool) *node {
	n := &node{typ: "record"}
	if top {
		n.name = g.ident("R")
		for reservedTypeName(n.name) {
			n.name = g.ident("R")
		}
		if n.name == strings.ToLower(n.name) && g.r.IntN(2) == 0 {
			n.name = "R" + n.name
		}
		n.namespace = enclosing
		n.spell = spellNamespaceAttr
		g.full[n.full()] = true
		g.simple[n.name]++
		if n.namespace == "" {
			g.simple[n.name] += 1000
		}
		g.nnamed++
	} else {
		g.newNamed(n, "R", enclosing)
	}
	if g.r.IntN(4) == 0 {
		n.doc = "A record.\nSecond line with a backslash \\ and a tab\t."
	}
	g.open = append(g.open, n)
	seen := map[string]bool{}
	nf := g.r.IntN(g.o.MaxFields + 1)
	if top && nf == 0 {
		nf = 1
	}
	for len(n.fields) < nf {
		name := g.ident("f")
		if seen[name] {
			continue
		}
		seen[name] = true
		f := &field{name: name}
		g.openAt[f] = append([]*node(nil), g.open...)
		f.typ = g.typ(depth, n.namespace)
		switch g.r.IntN(12) {
		case 0:
			f.order = "descending"
		case 1:
			f.order = "ignore"
		}
		if g.r.IntN(8) == 0 {
			f.doc = "field doc /* not a comment */"
		}
		n.fields = append(n.fields, f)
	}
	g.open = g.open[:len(g.open)-1]
	g.named = append(g.named, n)
	return n
}

// recursion returns a type that refers to a record being defined, through
// a nullable union, an array or a map, so the schema stays finite.
func (g *schemaGen) recursion() *node {
	t := g.open[g.r.IntN(len(g.open))]
	switch g.r.IntN(4) {
	case 0:
		return &node{typ: "union", branches: []*node{{typ: "null"}, t}}
	case 1:
		return &node{typ: "union", branches: []*node{t, {typ: "null"}}}
	case 2:
		return &node{typ: "array", items: t}
	default:
		return &node{typ: "map", values: t}
	}
}

// unionKey is what must be distinct among a union's branches: the
// underlying type for unnamed types, the full name for named ones.
func unionKey(n *node) string {
	if n.named() {
		return n.full()
	}
	return n.typ
}

// nullable returns ["null", T] or [T, "null"].
func (g *schemaGen) nullable(depth int, enclosing string, leaf bool) *node {
	var t *node
	before := len(g.named)
	for t == nil || t.typ == "null" || t.typ == "union" {
		// Named types defined inside a rejected candidate must not be
		// referenced later: their definition is never written.
		g.named = g.named[:before]
		if leaf {
			if g.r.IntN(3) == 0 {
				t = g.logicalType(enclosing, true)
			} else if len(g.named) > 0 && g.r.IntN(3) == 0 {
				t = g.named[g.r.IntN(len(g.named))]
			} else {
				t = g.primitive()
			}
		} else {
			t = g.typ(depth+1, enclosing)
		}
	}
	if g.r.IntN(3) == 0 {
		return &node{typ: "union", branches: []*node{t, {typ: "null"}}}
	}
	return &node{typ: "union", branches: []*node{{typ: "null"}, t}}
}

// union returns a union of 2..MaxBranches distinct branches, which may
// include null anywhere.
func (g *schemaGen) union(depth int, enclosing string) *node {
	want := 2 + g.r.IntN(g.o.MaxBranches-1)
	u := &node{typ: "union"}
	keys := map[string]bool{}
	for tries := 0; len(u.branches) < want && tries < 50; tries++ {
		var b *node
		before := len(g.named)
		if g.r.IntN(6) == 0 {
			b = &node{typ: "null"}
		} else {
			b = g.typ(depth+1, enclosing)
		}
		if b.typ == "union" || keys[unionKey(b)] {
			// Named types defined inside a rejected branch must not be
			// referenced later: their definition is never written.
			g.named = g.named[:before]
			continue
		}
		keys[unionKey(b)] = true
		u.branches = append(u.branches, b)
	}
	if len(u.branches) < 2 {
		for _, p := range primitiveNames {
			if !keys[p] {
				u.branches = append(u.branches, &node{typ: p})
				break
			}
		}
	}
	return u
}

// fillDefaults gives a default to about a third of the fields of every
// record, once the whole schema is known (a default of a recursive record
// needs its complete field list).
func (g *schemaGen) fillDefaults() {
	for _, n := range g.named {
		if n.typ != "record" {
			continue
		}
		for _, f := range n.fields {
			if g.r.IntN(3) != 0 {
				continue
			}
			// goavro checks a default while it builds the record's codec,
			// and crashes on a value of a record still being built: treat
			// the enclosing records as having no default.
			inProgress := map[*node]bool{}
			for _, o := range g.openAt[f] {
				inProgress[o] = true
			}
			if v, ok := g.defaultValue(f.typ, false, inProgress); ok {
				f.def, _ = json.Marshal(v)
			}
		}
	}
}

// defaultValue returns a random default valid for t as the Avro
// specification defines defaults (a union's default belongs to its first
// branch; bytes and fixed are strings of code points 0-255), or false when
// t has no default both the specification and goavro accept. nested is set
// inside a record, array or map default, where goavro cannot read union
// values other than null, nor decimals. inProgress holds the records being
// expanded, so recursive records stay finite.
func (g *schemaGen) defaultValue(t *node, nested bool, inProgress map[*node]bool) (any, bool) {
	switch t.typ {
	case "null":
		return nil, true
	case "boolean":
		return g.r.IntN(2) == 0, true
	case "int":
		return g.r.Int32N(2000) - 1000, true
	case "long":
		return g.r.Int64N(1<<40) - 1<<39, true
	case "float":
		return float64(float32(g.r.IntN(1000)) / 8), true
	case "double":
		return float64(g.r.IntN(100000)) / 64, true
	case "bytes":
		if t.logical == "decimal" && nested {
			return nil, false
		}
		if t.logical == "big-decimal" {
			// a valid value, each byte written as one code point
			b := (&datumGen{r: g.r}).bigDecimal()
			rs := make([]rune, len(b))
			for i, c := range b {
				rs[i] = rune(c)
			}
			return string(rs), true
		}
		return g.byteString(g.r.IntN(5), 256), true
	case "string":
		if t.logical == "uuid" {
			return uuidString(g.r), true
		}
		return []string{"", "abc", "h\u00e9llo", "line\nbreak", "quote\""}[g.r.IntN(5)], true
	case "enum":
		return t.symbols[g.r.IntN(len(t.symbols))], true
	case "fixed":
		if t.logical == "decimal" {
			return nil, false
		}
		// goavro turns the default string into bytes as UTF-8, so only
		// ASCII code points keep the size right for both.
		return g.byteString(t.size, 128), true
	case "array":
		out := []any{}
		for i := g.r.IntN(3); i > 0 && len(inProgress) < 6; i-- {
			v, ok := g.defaultValue(t.items, true, inProgress)
			if !ok {
				return []any{}, true
			}
			out = append(out, v)
		}
		return out, true
	case "map":
		out := map[string]any{}
		for i := g.r.IntN(3); i > 0 && len(inProgress) < 6; i-- {
			v, ok := g.defaultValue(t.values, true, inProgress)
			if !ok {
				return map[string]any{}, true
			}
			out[fmt.Sprintf("k%d", i)] = v
		}
		return out, true
	case "union":
		first := t.branches[0]
		if nested && first.typ != "null" {
			return nil, false
		}
		if first.logical == "decimal" {
			return nil, false
		}
		return g.defaultValue(first, nested, inProgress)
	case "record":
		if inProgress[t] {
			return nil, false
		}
		inProgress[t] = true
		defer delete(inProgress, t)
		out := map[string]any{}
		for _, f := range t.fields {
			v, ok := g.defaultValue(f.typ, true, inProgress)
			if !ok {
				return nil, false
			}
			out[f.name] = v
		}
		return out, true
	}
	return nil, false
}

// byteString returns n random code points below limit, the JSON form of
// bytes and fixed defaults.
func (g *schemaGen) byteString(n, limit int) string {
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = rune(g.r.IntN(limit))
	}
	return string(rs)
}
