// Package avrorand generates random, valid Avro schemas and random data for
// any Avro schema, for differential tests of generated codecs against
// github.com/linkedin/goavro/v2 (the reference implementation).
//
// Schema returns the JSON text of a random top-level record that covers
// every Avro feature a code generator must handle. Parse reads any schema
// JSON into a small model that can produce random datums in goavro's
// native form (Datum), say whether a datum's binary encoding depends on
// map iteration order (OrderSensitive), encode a datum with arbitrary
// array and map blocking (AppendBlocked), and compare datums (Equal, Diff).
//
// The model here is deliberately independent of streamgen's own schema
// package, so that a bug there cannot hide itself in the tests.
package avrorand

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// node is one Avro schema in the model. Named types (record, enum, fixed)
// are shared between every place that references them.
type node struct {
	typ       string // a primitive name, "record", "enum", "fixed", "array", "map" or "union"
	logical   string // a VALID logical type annotation, or ""
	precision int    // decimal
	scale     int    // decimal

	// rawLogical is the logicalType attribute as written, even when it is
	// not valid for the type (it is then kept as a custom attribute).
	rawLogical string

	name      string // simple name of a named type
	namespace string // resolved namespace of a named type ("" is the null namespace)
	doc       string
	aliases   []string

	fields      []*field // record
	symbols     []string // enum
	enumDefault string   // enum, when hasEnumDef
	hasEnumDef  bool
	size        int   // fixed
	items       *node // array
	values      *node // map
	branches    []*node

	// spell says how the generator writes the name of a named type when it
	// defines it: inherit the enclosing namespace, give a namespace
	// attribute, or write a dotted full name.
	spell spelling
}

type spelling int

const (
	spellNamespaceAttr spelling = iota
	spellInherit
	spellDotted
)

// field is one field of a record.
type field struct {
	name  string
	typ   *node
	def   json.RawMessage // the default as JSON text, nil when absent
	order string
	doc   string
}

func (n *node) named() bool { return n.typ == "record" || n.typ == "enum" || n.typ == "fixed" }

// full returns the full name of a named type.
func (n *node) full() string {
	if n.namespace == "" {
		return n.name
	}
	return n.namespace + "." + n.name
}

var primitives = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true,
	"float": true, "double": true, "bytes": true, "string": true,
}

// maxDecimalPrecision returns the largest decimal precision a fixed of
// size bytes can hold in two's complement: floor(log10(2^(8*size-1) - 1)).
func maxDecimalPrecision(size int) int {
	if size <= 0 {
		return 0
	}
	lim := new(big.Int).Lsh(big.NewInt(1), uint(8*size-1))
	lim.Sub(lim, big.NewInt(1))
	return len(lim.String()) - 1
}

// validLogical reports whether the logical annotation on n is one the
// Avro specification defines for n's underlying type (with valid
// parameters). Invalid annotations are ignored, as the spec requires.
func validLogical(n *node) bool {
	switch n.rawLogical {
	case "decimal":
		if n.precision < 1 || n.scale < 0 || n.scale > n.precision {
			return false
		}
		switch n.typ {
		case "bytes":
			return true
		case "fixed":
			return n.precision <= maxDecimalPrecision(n.size)
		}
		return false
	case "big-decimal":
		return n.typ == "bytes"
	case "uuid":
		return n.typ == "string" || (n.typ == "fixed" && n.size == 16)
	case "date", "time-millis":
		return n.typ == "int"
	case "time-micros", "timestamp-millis", "timestamp-micros", "timestamp-nanos",
		"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		return n.typ == "long"
	case "duration":
		return n.typ == "fixed" && n.size == 12
	}
	return false
}

// Parsed is a schema read by Parse: its root type and every named type.
type Parsed struct {
	root  *node
	named map[string]*node
	order []*node // named types in definition order
	cost  map[*node]int
}

// Parse reads the JSON text of an Avro schema. It resolves names as the
// Avro specification says (dotted names, namespace attributes, enclosing
// namespaces, null namespace). It accepts what Avro accepts, ignoring
// invalid logical types, and returns an error for schemas Avro rejects in
// ways that matter for data (unknown names, missing fields or symbols,
// duplicate names).
func Parse(schemaJSON string) (*Parsed, error) {
	return ParseSet(schemaJSON)
}

// ParseSet reads several schema texts that share one name space, in order:
// later texts may reference named types defined by earlier ones. The root
// of the result is the root of the last text.
func ParseSet(schemaJSON ...string) (*Parsed, error) {
	if len(schemaJSON) == 0 {
		return nil, fmt.Errorf("avrorand: no schema given")
	}
	p := &parser{named: map[string]*node{}}
	var root *node
	for i, text := range schemaJSON {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("avrorand: schema %d: invalid JSON: %w", i+1, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("avrorand: schema %d: trailing data after the JSON value", i+1)
		}
		n, err := p.parse(v, "", "$")
		if err != nil {
			return nil, fmt.Errorf("avrorand: schema %d: %w", i+1, err)
		}
		root = n
	}
	ps := &Parsed{root: root, named: p.named, order: p.order}
	ps.cost = minDepths(ps.all())
	return ps, nil
}

// Records returns the full names of the record types of the schema, in
// definition order.
func (p *Parsed) Records() []string {
	var out []string
	for _, n := range p.order {
		if n.typ == "record" {
			out = append(out, n.full())
		}
	}
	return out
}

// RootIsRecord reports whether the schema's top-level type is a record, and
// its full name.
func (p *Parsed) RootIsRecord() (string, bool) {
	if p.root.typ == "record" {
		return p.root.full(), true
	}
	return "", false
}

// StandaloneJSON returns a self-contained schema whose top-level type is
// the named type fullName: every named type it uses is defined inline
// where it is first used, each with an explicit namespace. Custom
// properties and field defaults are left out (they do not affect the
// binary encoding); logical types, enum defaults and field order are kept.
func (p *Parsed) StandaloneJSON(fullName string) (string, error) {
	n, ok := p.named[fullName]
	if !ok {
		return "", fmt.Errorf("avrorand: no named type %q", fullName)
	}
	w := &writer{defined: map[*node]bool{}, standalone: true}
	w.write(n, "")
	return w.buf.String(), nil
}

// all returns every node reachable from the root and from every named type.
func (p *Parsed) all() []*node {
	seen := map[*node]bool{}
	var out []*node
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, n)
		for _, f := range n.fields {
			walk(f.typ)
		}
		walk(n.items)
		walk(n.values)
		for _, b := range n.branches {
			walk(b)
		}
	}
	walk(p.root)
	for _, n := range p.order {
		walk(n)
	}
	return out
}

// minDepths computes, for each node, the smallest nesting depth of a
// finite value of that type (the least fixed point over the graph).
// Records whose every value is infinite get math.MaxInt32.
func minDepths(nodes []*node) map[*node]int {
	const inf = math.MaxInt32
	cost := make(map[*node]int, len(nodes))
	for _, n := range nodes {
		cost[n] = inf
	}
	for changed := true; changed; {
		changed = false
		for _, n := range nodes {
			c := inf
			switch n.typ {
			case "record":
				m := 0
				for _, f := range n.fields {
					if cf := cost[f.typ]; cf > m {
						m = cf
					}
				}
				if m < inf {
					c = m + 1
				}
			case "union":
				for _, b := range n.branches {
					if cost[b] < c {
						c = cost[b]
					}
				}
			default: // primitives, enum, fixed, and arrays and maps (which may be empty)
				c = 0
			}
			if c < cost[n] {
				cost[n] = c
				changed = true
			}
		}
	}
	return cost
}

type parser struct {
	named map[string]*node
	order []*node
}

// resolveName applies Avro's naming rules to a definition: a dotted name
// is a full name; otherwise the namespace attribute, if present, or else
// the enclosing namespace.
func resolveName(name string, nsAttr *string, enclosing string) (simple, namespace string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:], name[:i]
	}
	if nsAttr != nil {
		return name, *nsAttr
	}
	return name, enclosing
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

func validFullName(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !validName(part) {
			return false
		}
	}
	return true
}

func (p *parser) lookup(ref, enclosing string) (*node, bool) {
	if strings.Contains(ref, ".") {
		n, ok := p.named[ref]
		return n, ok
	}
	if enclosing != "" {
		if n, ok := p.named[enclosing+"."+ref]; ok {
			return n, true
		}
	}
	n, ok := p.named[ref]
	return n, ok
}

func (p *parser) define(n *node, path string) error {
	full := n.full()
	if !validName(n.name) || (n.namespace != "" && !validFullName(n.namespace)) {
		return fmt.Errorf("%s: invalid name %q", path, full)
	}
	if _, dup := p.named[full]; dup {
		return fmt.Errorf("%s: %q is defined twice", path, full)
	}
	p.named[full] = n
	p.order = append(p.order, n)
	return nil
}

func stringAttr(m map[string]any, key string) (string, bool) {
	s, ok := m[key].(string)
	return s, ok
}

func intAttr(m map[string]any, key string) (int, bool) {
	num, ok := m[key].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(num))
	if err != nil {
		return 0, false
	}
	return i, true
}

func (p *parser) parse(v any, enclosing, path string) (*node, error) {
	switch s := v.(type) {
	case string:
		if primitives[s] {
			return &node{typ: s}, nil
		}
		n, ok := p.lookup(s, enclosing)
		if !ok {
			return nil, fmt.Errorf("%s: unknown type %q", path, s)
		}
		return n, nil
	case []any:
		u := &node{typ: "union"}
		for i, b := range s {
			bn, err := p.parse(b, enclosing, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			if bn.typ == "union" {
				return nil, fmt.Errorf("%s[%d]: a union may not directly contain a union", path, i)
			}
			u.branches = append(u.branches, bn)
		}
		if len(u.branches) == 0 {
			return nil, fmt.Errorf("%s: empty union", path)
		}
		return u, nil
	case map[string]any:
		return p.parseObject(s, enclosing, path)
	}
	return nil, fmt.Errorf("%s: a schema must be a string, array or object, not %T", path, v)
}

func (p *parser) parseObject(m map[string]any, enclosing, path string) (*node, error) {
	t, ok := m["type"]
	if !ok {
		return nil, fmt.Errorf("%s: object without a type", path)
	}
	ts, isString := t.(string)
	if !isString {
		return p.parse(t, enclosing, path+".type")
	}
	n := &node{typ: ts}
	n.rawLogical, _ = stringAttr(m, "logicalType")
	n.precision, _ = intAttr(m, "precision")
	n.scale, _ = intAttr(m, "scale")
	n.doc, _ = stringAttr(m, "doc")
	switch ts {
	case "record", "error", "enum", "fixed":
		if ts == "error" {
			n.typ = "record"
		}
		name, ok := stringAttr(m, "name")
		if !ok {
			return nil, fmt.Errorf("%s: %s without a name", path, ts)
		}
		var nsAttr *string
		if ns, ok := stringAttr(m, "namespace"); ok {
			nsAttr = &ns
		}
		n.name, n.namespace = resolveName(name, nsAttr, enclosing)
		if al, ok := m["aliases"].([]any); ok {
			for _, a := range al {
				if s, ok := a.(string); ok {
					n.aliases = append(n.aliases, s)
				}
			}
		}
		if err := p.define(n, path); err != nil {
			return nil, err
		}
		path = n.full()
		switch n.typ {
		case "record":
			fs, ok := m["fields"].([]any)
			if !ok {
				return nil, fmt.Errorf("%s: record without a fields array", path)
			}
			seen := map[string]bool{}
			for i, fv := range fs {
				fm, ok := fv.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("%s.fields[%d]: a field must be an object", path, i)
				}
				f := &field{}
				if f.name, ok = stringAttr(fm, "name"); !ok || !validName(f.name) {
					return nil, fmt.Errorf("%s.fields[%d]: missing or invalid field name", path, i)
				}
				if seen[f.name] {
					return nil, fmt.Errorf("%s.fields[%d]: duplicate field %q", path, i, f.name)
				}
				seen[f.name] = true
				ft, ok := fm["type"]
				if !ok {
					return nil, fmt.Errorf("%s.%s: field without a type", path, f.name)
				}
				var err error
				if f.typ, err = p.parse(ft, n.namespace, path+"."+f.name); err != nil {
					return nil, err
				}
				if d, ok := fm["default"]; ok {
					raw, err := json.Marshal(d)
					if err != nil {
						return nil, fmt.Errorf("%s.%s: default: %w", path, f.name, err)
					}
					f.def = raw
				}
				f.order, _ = stringAttr(fm, "order")
				f.doc, _ = stringAttr(fm, "doc")
				n.fields = append(n.fields, f)
			}
		case "enum":
			syms, ok := m["symbols"].([]any)
			if !ok || len(syms) == 0 {
				return nil, fmt.Errorf("%s: enum without symbols", path)
			}
			seen := map[string]bool{}
			for _, s := range syms {
				str, ok := s.(string)
				if !ok || !validName(str) || seen[str] {
					return nil, fmt.Errorf("%s: invalid or duplicate enum symbol %v", path, s)
				}
				seen[str] = true
				n.symbols = append(n.symbols, str)
			}
			if d, ok := stringAttr(m, "default"); ok {
				n.enumDefault, n.hasEnumDef = d, true
			}
		case "fixed":
			size, ok := intAttr(m, "size")
			if !ok || size < 0 {
				return nil, fmt.Errorf("%s: fixed without a valid size", path)
			}
			n.size = size
		}
	case "array":
		items, ok := m["items"]
		if !ok {
			return nil, fmt.Errorf("%s: array without items", path)
		}
		var err error
		if n.items, err = p.parse(items, enclosing, path+".items"); err != nil {
			return nil, err
		}
	case "map":
		values, ok := m["values"]
		if !ok {
			return nil, fmt.Errorf("%s: map without values", path)
		}
		var err error
		if n.values, err = p.parse(values, enclosing, path+".values"); err != nil {
			return nil, err
		}
	default:
		if !primitives[ts] {
			// {"type": "SomeName"} is a reference to a named type.
			ref, ok := p.lookup(ts, enclosing)
			if !ok {
				return nil, fmt.Errorf("%s: unknown type %q", path, ts)
			}
			return ref, nil
		}
	}
	if validLogical(n) {
		n.logical = n.rawLogical
	}
	return n, nil
}

// writer writes a node graph as schema JSON.
type writer struct {
	buf        bytes.Buffer
	defined    map[*node]bool
	standalone bool // always write explicit namespaces and full-name references
}

func (w *writer) str(s string) {
	b, _ := json.Marshal(s)
	w.buf.Write(b)
}

func (w *writer) key(k string) {
	w.str(k)
	w.buf.WriteByte(':')
}

// write writes n; enclosing is the namespace in effect where n appears.
func (w *writer) write(n *node, enclosing string) {
	if n.named() && w.defined[n] {
		if !w.standalone && n.namespace == enclosing && n.namespace != "" {
			w.str(n.name)
		} else {
			w.str(n.full())
		}
		return
	}
	switch {
	case primitives[n.typ] && n.rawLogical == "":
		w.str(n.typ)
		return
	case n.typ == "union":
		w.buf.WriteByte('[')
		for i, b := range n.branches {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.write(b, enclosing)
		}
		w.buf.WriteByte(']')
		return
	}
	w.buf.WriteByte('{')
	w.key("type")
	w.str(n.typ)
	inner := enclosing
	if n.named() {
		w.defined[n] = true
		w.buf.WriteByte(',')
		w.key("name")
		switch {
		case w.standalone || n.spell == spellNamespaceAttr:
			w.str(n.name)
			w.buf.WriteByte(',')
			w.key("namespace")
			w.str(n.namespace)
		case n.spell == spellDotted:
			w.str(n.full())
		default:
			w.str(n.name)
		}
		inner = n.namespace
		if n.doc != "" {
			w.buf.WriteByte(',')
			w.key("doc")
			w.str(n.doc)
		}
		if len(n.aliases) > 0 && !w.standalone {
			w.buf.WriteByte(',')
			w.key("aliases")
			w.buf.WriteByte('[')
			for i, a := range n.aliases {
				if i > 0 {
					w.buf.WriteByte(',')
				}
				w.str(a)
			}
			w.buf.WriteByte(']')
		}
	}
	if n.rawLogical != "" {
		w.buf.WriteByte(',')
		w.key("logicalType")
		w.str(n.rawLogical)
		if n.rawLogical == "decimal" {
			w.buf.WriteString(`,"precision":` + strconv.Itoa(n.precision) + `,"scale":` + strconv.Itoa(n.scale))
		}
	}
	switch n.typ {
	case "record":
		w.buf.WriteString(`,"fields":[`)
		for i, f := range n.fields {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.buf.WriteByte('{')
			w.key("name")
			w.str(f.name)
			if f.doc != "" {
				w.buf.WriteByte(',')
				w.key("doc")
				w.str(f.doc)
			}
			w.buf.WriteByte(',')
			w.key("type")
			w.write(f.typ, inner)
			if f.def != nil && !w.standalone {
				w.buf.WriteByte(',')
				w.key("default")
				w.buf.Write(f.def)
			}
			if f.order != "" {
				w.buf.WriteByte(',')
				w.key("order")
				w.str(f.order)
			}
			w.buf.WriteByte('}')
		}
		w.buf.WriteByte(']')
	case "enum":
		w.buf.WriteString(`,"symbols":[`)
		for i, s := range n.symbols {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.str(s)
		}
		w.buf.WriteByte(']')
		if n.hasEnumDef {
			w.buf.WriteByte(',')
			w.key("default")
			w.str(n.enumDefault)
		}
	case "fixed":
		w.buf.WriteString(`,"size":` + strconv.Itoa(n.size))
	case "array":
		w.buf.WriteByte(',')
		w.key("items")
		w.write(n.items, enclosing)
	case "map":
		w.buf.WriteByte(',')
		w.key("values")
		w.write(n.values, enclosing)
	}
	w.buf.WriteByte('}')
}
