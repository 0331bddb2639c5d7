package schema

import (
	"fmt"
	"math"
	"math/big"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Source is one schema file's name and contents.
type Source struct {
	Name string
	Data []byte
}

// ParseAvro parses a set of .avsc sources as one schema set. A file may
// reference named types defined in any file of the set, in any order, and
// a reference may come before the definition it names, inside one file or
// across files.
//
// The result has one root per file (Roots), every named type once in
// definition order (Named), the file names (Files), and a name table that
// answers Lookup for full names and aliases.
//
// On failure the error is an ErrorList holding every problem found; each
// *Error names the file, line and column of the offending JSON value or key
// and the path inside the schema, such as
// "com.acme.Click.fields[2](user_id).type".
//
// Where the Avro specification leaves room, the parser decides as follows:
//   - The empty union [] is accepted (the specification does not forbid it,
//     and its canonical form is listed in the specification's test data);
//     no value has that type, so a default for it is an error.
//   - A default for a union field may match any branch: Avro 1.12 says the
//     default corresponds to the first branch that matches it. The branch is
//     recorded in UnionValue.Branch.
//   - An unqualified reference is looked up in the enclosing namespace first
//     and then in the null namespace (as the Java implementation does), so a
//     type in the null namespace can be referenced from a namespaced record.
//   - {"type": "SomeName"} where SomeName is a defined named type is a
//     reference to that type (as in the Java implementation); other
//     attributes of such an object are ignored.
//   - "error" is accepted wherever "record" is and produces a record.
//   - Aliases are not checked against the name syntax (the specification
//     accepts any string) but, like names, must be unique in the set.
func ParseAvro(srcs ...Source) (*Schema, error) {
	p := newAvroParser()
	for i, src := range srcs {
		p.fileIndex[src.Name] = i
		p.schema.Files = append(p.schema.Files, src.Name)
		root, err := parseJSON(src.Name, src.Data)
		if err != nil {
			p.addErr(err)
			p.schema.Roots = append(p.schema.Roots, nil)
			continue
		}
		idx := len(p.schema.Roots)
		p.schema.Roots = append(p.schema.Roots, nil)
		p.parseType(root, "", "", func(t *Type) { p.schema.Roots[idx] = t })
	}
	p.finish()
	if len(p.errs) > 0 {
		p.sortErrors()
		return nil, p.errs
	}
	return p.schema, nil
}

// ParseAvroFiles reads the files and parses them as one set with ParseAvro.
// Each file's name in positions is the path as given.
func ParseAvroFiles(paths ...string) (*Schema, error) {
	srcs := make([]Source, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, Source{Name: path, Data: data})
	}
	return ParseAvro(srcs...)
}

// ParseAvroString parses a single self-contained schema given as a string,
// such as a writer schema read from a registry or a container file. Its
// positions name the file "<schema>".
func ParseAvroString(s string) (*Type, error) {
	set, err := ParseAvro(Source{Name: "<schema>", Data: []byte(s)})
	if err != nil {
		return nil, err
	}
	return set.Roots[0], nil
}

// MustParseAvroString is ParseAvroString for tests and package-level
// fixtures: it panics when the schema does not parse. Do not use it on
// schemas that come from outside the program.
func MustParseAvroString(s string) *Type {
	t, err := ParseAvroString(s)
	if err != nil {
		panic("schema: MustParseAvroString: " + err.Error())
	}
	return t
}

// avroParser holds the state of one ParseAvro call. Parsing runs in three
// phases: build the types of every file (recording name references), then
// resolve the references against every definition of the set, then run the
// checks that need resolved types (unions, aliases, defaults).
type avroParser struct {
	schema    *Schema
	errs      ErrorList
	fileIndex map[string]int

	names    map[string]*Type // full name -> definition
	refs     []avroRef
	unions   []avroUnion
	defaults []*avroDefault
	byField  map[*Field]*avroDefault
}

// avroRef is a reference by name waiting for every definition to be known.
type avroRef struct {
	name string
	ns   string // namespace of the enclosing definition
	pos  Pos
	path string
	set  func(*Type)
}

// avroUnion is a union waiting for its branches to be resolved.
type avroUnion struct {
	t     *Type
	elems []*node
	path  string
}

// avroDefault is a field default waiting for its type to be resolved.
type avroDefault struct {
	field  *Field
	node   *node
	path   string
	state  int // 0 pending, 1 in progress, 2 done
	failed bool
}

func newAvroParser() *avroParser {
	return &avroParser{
		schema:    &Schema{byName: map[string]*Type{}},
		fileIndex: map[string]int{},
		names:     map[string]*Type{},
		byField:   map[*Field]*avroDefault{},
	}
}

func (p *avroParser) addErr(err error) {
	switch e := err.(type) {
	case *Error:
		p.errs = append(p.errs, e)
	case ErrorList:
		p.errs = append(p.errs, e...)
	default:
		p.errs = append(p.errs, &Error{Msg: err.Error()})
	}
}

func (p *avroParser) errorf(pos Pos, path, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// sortErrors puts the errors in source order: by file (in the order given),
// then line and column. Errors found in later phases land where they belong.
func (p *avroParser) sortErrors() {
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i].Pos, p.errs[j].Pos
		fa, fb := p.fileIndex[a.File], p.fileIndex[b.File]
		if fa != fb {
			return fa < fb
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// joinPath appends a member to a schema path.
func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

// primitiveKinds maps Avro's primitive type names to kinds.
var primitiveKinds = map[string]Kind{
	"null": Null, "boolean": Boolean, "int": Int, "long": Long,
	"float": Float, "double": Double, "bytes": Bytes, "string": String,
}

// parseType reads the schema n, found at path inside a definition whose
// namespace is ns, and hands the resulting type to set: at once for a
// definition, after resolution for a reference by name.
func (p *avroParser) parseType(n *node, ns, path string, set func(*Type)) {
	switch n.kind {
	case jsonString:
		if k, ok := primitiveKinds[n.str]; ok {
			set(&Type{Kind: k, Origin: FromAvro, Pos: n.pos})
			return
		}
		p.refs = append(p.refs, avroRef{name: n.str, ns: ns, pos: n.pos, path: path, set: set})
	case jsonArray:
		p.parseUnion(n, ns, path, set)
	case jsonObject:
		p.parseObject(n, ns, path, set)
	default:
		p.errorf(n.pos, path, "a schema must be a type name, an object or an array (union), got %s", describeNode(n))
	}
}

func (p *avroParser) parseUnion(n *node, ns, path string, set func(*Type)) {
	u := &Type{Kind: Union, Origin: FromAvro, Pos: n.pos, Branches: make([]*Type, len(n.elems))}
	for i, e := range n.elems {
		bpath := fmt.Sprintf("%s[%d]", path, i)
		if e.kind == jsonArray {
			p.errorf(e.pos, bpath, "a union may not directly contain another union")
			continue
		}
		p.parseType(e, ns, bpath, func(t *Type) { u.Branches[i] = t })
	}
	p.unions = append(p.unions, avroUnion{t: u, elems: n.elems, path: path})
	set(u)
}

// Attributes the specification defines, per kind of schema object. Any
// other attribute is a custom property.
var (
	primitiveAttrs = []string{"type"}
	recordAttrs    = []string{"type", "name", "namespace", "doc", "aliases", "fields"}
	enumAttrs      = []string{"type", "name", "namespace", "doc", "aliases", "symbols", "default"}
	fixedAttrs     = []string{"type", "name", "namespace", "doc", "aliases", "size"}
	arrayAttrs     = []string{"type", "items"}
	mapAttrs       = []string{"type", "values"}
	fieldAttrs     = []string{"name", "type", "doc", "default", "order", "aliases"}
)

func (p *avroParser) parseObject(n *node, ns, path string, set func(*Type)) {
	tn := n.get("type")
	if tn == nil {
		p.errorf(n.pos, path, `missing "type"`)
		return
	}
	if tn.kind != jsonString {
		p.errorf(tn.pos, joinPath(path, "type"), `"type" must be a string naming the type, got %s`, describeNode(tn))
		return
	}
	var t *Type
	var known []string
	switch name := tn.str; name {
	case "record", "error":
		t = p.parseNamed(n, Record, ns, path)
		known = recordAttrs
	case "enum":
		t = p.parseNamed(n, Enum, ns, path)
		known = enumAttrs
	case "fixed":
		t = p.parseNamed(n, Fixed, ns, path)
		known = fixedAttrs
	case "array":
		t = &Type{Kind: Array, Origin: FromAvro, Pos: n.pos}
		known = arrayAttrs
		if items := n.get("items"); items == nil {
			p.errorf(n.pos, path, `array schema is missing "items"`)
		} else {
			p.parseType(items, ns, joinPath(path, "items"), func(it *Type) { t.Items = it })
		}
	case "map":
		t = &Type{Kind: Map, Origin: FromAvro, Pos: n.pos}
		known = mapAttrs
		if values := n.get("values"); values == nil {
			p.errorf(n.pos, path, `map schema is missing "values"`)
		} else {
			p.parseType(values, ns, joinPath(path, "values"), func(vt *Type) { t.Values = vt })
		}
	default:
		if k, ok := primitiveKinds[name]; ok {
			t = &Type{Kind: k, Origin: FromAvro, Pos: n.pos}
			known = primitiveAttrs
			break
		}
		// {"type": "SomeName"}: a reference to a named type.
		p.refs = append(p.refs, avroRef{name: name, ns: ns, pos: tn.pos, path: path, set: set})
		return
	}
	p.setProps(t, n, known, path)
	set(t)
}

// setProps reads the logicalType annotation of t (keeping it only when it is
// valid for t) and stores every attribute not in known as a custom property.
func (p *avroParser) setProps(t *Type, n *node, known []string, path string) {
	logicalKeys := p.logical(t, n)
	for _, m := range n.members {
		if contains(known, m.key) || contains(logicalKeys, m.key) {
			continue
		}
		t.Props = append(t.Props, Prop{Name: m.key, Value: compactJSON(m.value)})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// logical sets t.Logical from the logicalType attribute of n when it names
// a logical type this package knows and is valid on t. It returns the
// attributes consumed by the annotation; an unknown or invalid annotation
// consumes nothing, so it stays in Props as the specification asks.
func (p *avroParser) logical(t *Type, n *node) []string {
	ln := n.get("logicalType")
	if ln == nil || ln.kind != jsonString {
		return nil
	}
	name := ln.str
	ok := false
	switch name {
	case LogicalDecimal:
		prec, pok := jsonInt(n.get("precision"))
		scale := int64(0)
		sok := true
		if sn := n.get("scale"); sn != nil {
			scale, sok = jsonInt(sn)
		}
		if !pok || !sok || prec <= 0 || scale < 0 || scale > prec || prec > math.MaxInt32 {
			return nil
		}
		switch {
		case t.Kind == Bytes:
		case t.Kind == Fixed && prec <= int64(maxDecimalDigits(t.Size)):
		default:
			return nil
		}
		t.Logical = &Logical{Name: name, Precision: int(prec), Scale: int(scale)}
		return []string{"logicalType", "precision", "scale"}
	case LogicalBigDecimal:
		ok = t.Kind == Bytes
	case LogicalUUID:
		ok = t.Kind == String || (t.Kind == Fixed && t.Size == 16)
	case LogicalDate, LogicalTimeMillis:
		ok = t.Kind == Int
	case LogicalTimeMicros, LogicalTimestampMillis, LogicalTimestampMicros, LogicalTimestampNanos,
		LogicalLocalTimestampMillis, LogicalLocalTimestampMicros, LogicalLocalTimestampNanos:
		ok = t.Kind == Long
	case LogicalDuration:
		ok = t.Kind == Fixed && t.Size == 12
	}
	if !ok {
		return nil
	}
	t.Logical = &Logical{Name: name}
	return []string{"logicalType"}
}

// jsonInt reads an integer literal (no fraction, no exponent) that fits in
// an int64.
func jsonInt(n *node) (int64, bool) {
	if n == nil || n.kind != jsonNumber || strings.ContainsAny(n.str, ".eE") {
		return 0, false
	}
	v, err := strconv.ParseInt(n.str, 10, 64)
	return v, err == nil
}

// maxDecimalDigits is the largest decimal precision a fixed of size bytes
// can hold: floor(log10(2^(8*size-1) - 1)).
func maxDecimalDigits(size int) int {
	if size <= 0 {
		return 0
	}
	bits := 8*int64(size) - 1
	if bits > 1<<16 {
		// 2^bits is never a power of ten, so the floor of bits*log10(2)
		// is the answer; float64 is exact enough at this magnitude.
		return int(math.Floor(float64(bits) * math.Log10(2)))
	}
	x := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	x.Sub(x, big.NewInt(1))
	return len(x.String()) - 1
}

// parseNamed reads the definition of a record, enum or fixed.
func (p *avroParser) parseNamed(n *node, kind Kind, ns, path string) *Type {
	t := &Type{Kind: kind, Origin: FromAvro, Pos: n.pos}
	name, ok := p.definedName(n, ns, path)
	t.Name = name
	if ok {
		full := name.Full()
		if prev := p.names[full]; prev != nil {
			p.errorf(n.get("name").pos, path, "%s %q is already defined at %s", kind, full, prev.Pos)
		} else {
			p.names[full] = t
			p.schema.Named = append(p.schema.Named, t)
		}
	}
	base := path
	if ok {
		base = name.Full()
	}
	t.Doc = p.docOf(n, base)
	if an := n.get("aliases"); an != nil {
		for _, s := range p.stringList(an, joinPath(base, "aliases"), "aliases") {
			if s == nil {
				continue
			}
			alias := ParseFullName(s.str)
			if !strings.Contains(s.str, ".") {
				alias = Name{Namespace: name.Namespace, Name: s.str}
			}
			t.Aliases = append(t.Aliases, alias)
		}
	}
	switch kind {
	case Record:
		p.parseFields(t, n, base)
	case Enum:
		p.parseEnum(t, n, base)
	case Fixed:
		sn := n.get("size")
		switch size, ok := jsonInt(sn); {
		case sn == nil:
			p.errorf(n.pos, base, `fixed schema is missing "size"`)
		case !ok || size < 0:
			p.errorf(sn.pos, joinPath(base, "size"), "size must be a non-negative integer, got %s", describeNode(sn))
		case size > math.MaxInt32:
			p.errorf(sn.pos, joinPath(base, "size"), "size %d is too large (at most %d)", size, math.MaxInt32)
		default:
			t.Size = int(size)
		}
	}
	return t
}

// definedName computes the full name of a named type defined by n inside a
// definition with namespace ns: a dotted name is a full name and the
// namespace attribute is ignored; otherwise the namespace attribute, if
// present, qualifies the name; otherwise the enclosing namespace does. ok is
// false (and an error reported) when the name is missing or invalid.
func (p *avroParser) definedName(n *node, ns, path string) (Name, bool) {
	nn := n.get("name")
	if nn == nil {
		p.errorf(n.pos, path, `missing "name"`)
		return Name{}, false
	}
	if nn.kind != jsonString {
		p.errorf(nn.pos, joinPath(path, "name"), `"name" must be a string, got %s`, describeNode(nn))
		return Name{}, false
	}
	var name Name
	if strings.Contains(nn.str, ".") {
		name = ParseFullName(nn.str)
		if name.Namespace == "" || !validNamespace(name.Namespace) || !validName(name.Name) {
			p.errorf(nn.pos, joinPath(path, "name"), "invalid full name %q: each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*", nn.str)
			return name, false
		}
	} else {
		name = Name{Namespace: ns, Name: nn.str}
		if nsn := n.get("namespace"); nsn != nil {
			switch {
			case nsn.kind == jsonNull:
			case nsn.kind != jsonString:
				p.errorf(nsn.pos, joinPath(path, "namespace"), `"namespace" must be a string, got %s`, describeNode(nsn))
				return name, false
			case !validNamespace(nsn.str):
				p.errorf(nsn.pos, joinPath(path, "namespace"), "invalid namespace %q: must be empty or dot-separated names matching [A-Za-z_][A-Za-z0-9_]*", nsn.str)
				return name, false
			default:
				name.Namespace = nsn.str
			}
		}
		if !validName(name.Name) {
			p.errorf(nn.pos, joinPath(path, "name"), "invalid name %q: must match [A-Za-z_][A-Za-z0-9_]*", nn.str)
			return name, false
		}
	}
	if _, prim := primitiveKinds[name.Name]; prim {
		p.errorf(nn.pos, joinPath(path, "name"), "a named type may not be called %q: primitive type names cannot be defined in any namespace", name.Name)
		return name, false
	}
	return name, true
}

// validName reports whether s matches [A-Za-z_][A-Za-z0-9_]*.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// validNamespace reports whether s is empty (the null namespace) or a
// dot-separated sequence of valid names.
func validNamespace(s string) bool {
	if s == "" {
		return true
	}
	for _, part := range strings.Split(s, ".") {
		if !validName(part) {
			return false
		}
	}
	return true
}

// docOf reads the optional doc attribute of n.
func (p *avroParser) docOf(n *node, path string) string {
	d := n.get("doc")
	switch {
	case d == nil || d.kind == jsonNull:
		return ""
	case d.kind != jsonString:
		p.errorf(d.pos, joinPath(path, "doc"), `"doc" must be a string, got %s`, describeNode(d))
		return ""
	}
	return d.str
}

// stringList reads a JSON array of strings; non-string elements are
// reported and returned as nil.
func (p *avroParser) stringList(n *node, path, attr string) []*node {
	if n.kind != jsonArray {
		p.errorf(n.pos, path, "%q must be an array of strings, got %s", attr, describeNode(n))
		return nil
	}
	out := make([]*node, len(n.elems))
	for i, e := range n.elems {
		if e.kind != jsonString {
			p.errorf(e.pos, fmt.Sprintf("%s[%d]", path, i), "%q must hold strings, got %s", attr, describeNode(e))
			continue
		}
		out[i] = e
	}
	return out
}

func (p *avroParser) parseFields(t *Type, n *node, base string) {
	fn := n.get("fields")
	if fn == nil {
		p.errorf(n.pos, base, `record schema is missing "fields"`)
		return
	}
	if fn.kind != jsonArray {
		p.errorf(fn.pos, joinPath(base, "fields"), `"fields" must be an array, got %s`, describeNode(fn))
		return
	}
	seen := map[string]*Field{}
	type fieldAlias struct {
		f    *Field
		n    *node
		path string
	}
	var aliases []fieldAlias
	t.Fields = make([]*Field, 0, len(fn.elems))
	for i, e := range fn.elems {
		fpath := fmt.Sprintf("%s.fields[%d]", base, i)
		if e.kind != jsonObject {
			p.errorf(e.pos, fpath, "a field must be an object, got %s", describeNode(e))
			continue
		}
		f := &Field{Index: len(t.Fields), Order: "ascending", Required: true, Pos: e.pos}
		nn := e.get("name")
		switch {
		case nn == nil:
			p.errorf(e.pos, fpath, `field is missing "name"`)
		case nn.kind != jsonString:
			p.errorf(nn.pos, fpath+".name", `"name" must be a string, got %s`, describeNode(nn))
		default:
			f.Name = nn.str
			fpath = fmt.Sprintf("%s(%s)", fpath, nn.str)
			if !validName(nn.str) {
				p.errorf(nn.pos, fpath+".name", "invalid field name %q: must match [A-Za-z_][A-Za-z0-9_]*", nn.str)
			} else if prev := seen[nn.str]; prev != nil {
				p.errorf(nn.pos, fpath+".name", "duplicate field name %q (first defined at %s)", nn.str, prev.Pos)
			} else {
				seen[nn.str] = f
			}
		}
		if tn := e.get("type"); tn == nil {
			p.errorf(e.pos, fpath, `field is missing "type"`)
		} else {
			p.parseType(tn, t.Name.Namespace, fpath+".type", func(ft *Type) { f.Type = ft })
		}
		f.Doc = p.docOf(e, fpath)
		if on := e.get("order"); on != nil {
			if on.kind == jsonString && (on.str == "ascending" || on.str == "descending" || on.str == "ignore") {
				f.Order = on.str
			} else {
				p.errorf(on.pos, fpath+".order", `"order" must be "ascending", "descending" or "ignore", got %s`, describeNode(on))
			}
		}
		if an := e.get("aliases"); an != nil {
			for j, s := range p.stringList(an, fpath+".aliases", "aliases") {
				if s != nil {
					f.Aliases = append(f.Aliases, s.str)
					aliases = append(aliases, fieldAlias{f, s, fmt.Sprintf("%s.aliases[%d]", fpath, j)})
				}
			}
		}
		if dn := e.get("default"); dn != nil {
			f.HasDefault = true
			d := &avroDefault{field: f, node: dn, path: fpath + ".default"}
			p.defaults = append(p.defaults, d)
			p.byField[f] = d
		}
		for _, m := range e.members {
			if !contains(fieldAttrs, m.key) {
				f.Props = append(f.Props, Prop{Name: m.key, Value: compactJSON(m.value)})
			}
		}
		t.Fields = append(t.Fields, f)
	}
	// Field aliases are names of the record's fields too, so they must not
	// name another field or be shared by two fields.
	owner := map[string]*Field{}
	for _, a := range aliases {
		if other := seen[a.n.str]; other != nil && other != a.f {
			p.errorf(a.n.pos, a.path, "field alias %q is the name of another field (defined at %s)", a.n.str, other.Pos)
		} else if other := owner[a.n.str]; other != nil && other != a.f {
			p.errorf(a.n.pos, a.path, "field alias %q is also an alias of field %q", a.n.str, other.Name)
		} else {
			owner[a.n.str] = a.f
		}
	}
}

func (p *avroParser) parseEnum(t *Type, n *node, base string) {
	sn := n.get("symbols")
	if sn == nil {
		p.errorf(n.pos, base, `enum schema is missing "symbols"`)
		return
	}
	if sn.kind != jsonArray {
		p.errorf(sn.pos, joinPath(base, "symbols"), `"symbols" must be an array of strings, got %s`, describeNode(sn))
		return
	}
	seen := map[string]bool{}
	for i, e := range sn.elems {
		spath := fmt.Sprintf("%s.symbols[%d]", base, i)
		switch {
		case e.kind != jsonString:
			p.errorf(e.pos, spath, "an enum symbol must be a string, got %s", describeNode(e))
			continue
		case !validName(e.str):
			p.errorf(e.pos, spath, "invalid enum symbol %q: must match [A-Za-z_][A-Za-z0-9_]*", e.str)
		case seen[e.str]:
			p.errorf(e.pos, spath, "duplicate enum symbol %q", e.str)
		}
		seen[e.str] = true
		t.Symbols = append(t.Symbols, e.str)
	}
	if dn := n.get("default"); dn != nil {
		switch {
		case dn.kind != jsonString:
			p.errorf(dn.pos, joinPath(base, "default"), "an enum default must be a string, got %s", describeNode(dn))
		case !seen[dn.str]:
			p.errorf(dn.pos, joinPath(base, "default"), "enum default %q is not one of the symbols", dn.str)
		default:
			t.EnumDefault, t.HasEnumDefault = dn.str, true
		}
	}
}

// finish resolves the references and runs the checks that need every type.
func (p *avroParser) finish() {
	for _, r := range p.refs {
		t := p.resolve(r.name, r.ns)
		if t == nil {
			p.errorf(r.pos, r.path, "unknown type %q", r.name)
			continue
		}
		r.set(t)
	}
	p.checkAliases()
	for _, u := range p.unions {
		p.checkUnion(u)
	}
	for _, d := range p.defaults {
		p.fieldDefault(d)
	}
	for full, t := range p.names {
		p.schema.byName[full] = t
	}
}

// resolve looks a reference up: a dotted name is a full name; a simple name
// is looked up in the enclosing namespace, then in the null namespace.
func (p *avroParser) resolve(name, ns string) *Type {
	if strings.Contains(name, ".") {
		return p.names[name]
	}
	if ns != "" {
		if t := p.names[ns+"."+name]; t != nil {
			return t
		}
	}
	return p.names[name]
}

// checkAliases enters every alias in the name table. Aliases are names, so
// an alias may not be the name or alias of another type.
func (p *avroParser) checkAliases() {
	owner := map[string]*Type{}
	for _, t := range p.schema.Named {
		for _, a := range t.Aliases {
			full := a.Full()
			if full == t.Name.Full() || owner[full] == t {
				continue
			}
			if other := p.names[full]; other != nil {
				p.errorf(t.Pos, t.Name.Full()+".aliases", "alias %q is the name of the %s defined at %s", full, other.Kind, other.Pos)
				continue
			}
			if other := owner[full]; other != nil {
				p.errorf(t.Pos, t.Name.Full()+".aliases", "alias %q is also an alias of %s (defined at %s)", full, other.Name.Full(), other.Pos)
				continue
			}
			owner[full] = t
			p.schema.byName[full] = t
		}
	}
}

// checkUnion enforces the union rules that need resolved branches: no two
// branches of the same unnamed kind, no named type twice.
func (p *avroParser) checkUnion(u avroUnion) {
	seen := map[string]int{}
	for i, b := range u.t.Branches {
		if b == nil {
			continue
		}
		key := b.Kind.String()
		if b.Kind.IsNamed() {
			key = b.Name.Full()
		}
		if j, dup := seen[key]; dup {
			what := "type"
			if !b.Kind.IsNamed() {
				what = "unnamed type"
			}
			p.errorf(u.elems[i].pos, fmt.Sprintf("%s[%d]", u.path, i), "union contains the %s %q twice (branches %d and %d)", what, key, j, i)
			continue
		}
		seen[key] = i
	}
}

// describeNode names the JSON kind of n and shows a short excerpt.
func describeNode(n *node) string {
	raw := compactJSON(n)
	if r := []rune(raw); len(r) > 40 {
		raw = string(r[:37]) + "..."
	}
	if n.kind == jsonNull {
		return "null"
	}
	return n.kind.String() + " " + raw
}

// compactJSON writes n back as JSON without insignificant whitespace.
func compactJSON(n *node) string {
	var b strings.Builder
	writeNode(&b, n)
	return b.String()
}

func writeNode(b *strings.Builder, n *node) {
	switch n.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		b.WriteString(strconv.FormatBool(n.boolean))
	case jsonNumber:
		b.WriteString(n.str)
	case jsonString:
		writeJSONString(b, n.str)
	case jsonArray:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNode(b, e)
		}
		b.WriteByte(']')
	case jsonObject:
		b.WriteByte('{')
		for i, m := range n.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, m.key)
			b.WriteByte(':')
			writeNode(b, m.value)
		}
		b.WriteByte('}')
	}
}
