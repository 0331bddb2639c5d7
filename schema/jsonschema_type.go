package schema

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
)

// run builds the types of every file and assembles the Schema.
func (p *jsParser) run() (*Schema, error) {
	s := &Schema{byName: map[string]*Type{}}
	for _, f := range p.files {
		s.Files = append(s.Files, f.name)
		t := p.typeOf(f.root, jsRootName(f))
		if t != nil && t.Name.Name == "" {
			name := jsRootName(f)
			if inner, _, ok := t.NonNull(); ok && inner.Name.Name != "" {
				name = inner.Name.Name + "OrNull"
			}
			t.Name = Name{Name: p.uniqueName(name)}
		}
		s.Roots = append(s.Roots, t)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	// Definitions nobody refers to still become types, so a file of shared
	// definitions generates all of them; those that cannot be typed are
	// skipped with a warning rather than failing the set.
	var defs []*Type
	for _, f := range p.files {
		for _, n := range p.defsOf(f) {
			if _, done := p.built[n]; done {
				continue
			}
			mark := len(p.errs)
			t := p.typeOf(n, jsCamel(p.info[n].defsKey))
			if len(p.errs) > mark {
				for _, e := range p.errs[mark:] {
					p.warns = append(p.warns, &Error{Pos: e.Pos, Path: e.Path, Msg: "unused definition skipped: " + e.Msg})
				}
				p.errs = p.errs[:mark]
				continue
			}
			defs = append(defs, t)
		}
	}
	seen := map[*Type]bool{}
	for _, t := range append(append([]*Type(nil), s.Roots...), defs...) {
		jsCollectNamed(t, seen, &s.Named)
	}
	for _, t := range s.Named {
		s.byName[t.Name.Full()] = t
	}
	for _, t := range s.Roots {
		if _, taken := s.byName[t.Name.Full()]; !taken {
			s.byName[t.Name.Full()] = t
		}
	}
	s.Warnings = p.warns
	return s, nil
}

// defsOf lists the $defs/definitions entries of a file, in source order,
// including those of nested schemas.
func (p *jsParser) defsOf(f *jsFile) []*node {
	var out []*node
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind != jsonObject {
			return
		}
		for _, kw := range []string{"$defs", "definitions"} {
			if d := n.get(kw); d != nil && d.kind == jsonObject {
				for _, m := range d.members {
					if in := p.info[m.value]; in != nil && in.defsKey != "" {
						out = append(out, m.value)
					}
					walk(m.value)
				}
			}
		}
	}
	walk(f.root)
	return out
}

// jsCollectNamed appends the named types reachable from t (records, enums and
// unions with a name) in depth-first order.
func jsCollectNamed(t *Type, seen map[*Type]bool, out *[]*Type) {
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	if t.Name.Name != "" && (t.Kind == Record || t.Kind == Enum || t.Kind == Union) {
		*out = append(*out, t)
	}
	for _, f := range t.Fields {
		jsCollectNamed(f.Type, seen, out)
	}
	if t.Constraints != nil {
		jsCollectNamed(t.Constraints.AdditionalProperties, seen, out)
	}
	jsCollectNamed(t.Items, seen, out)
	jsCollectNamed(t.Values, seen, out)
	for _, b := range t.Branches {
		jsCollectNamed(b, seen, out)
	}
}

// jsRootName names a file's root type: its title, else the last segment of
// its $id when that is a word, else the file name without extension.
func jsRootName(f *jsFile) string {
	if t := f.root.get("title"); t != nil && t.kind == jsonString && jsCamel(t.str) != "" {
		return jsCamel(t.str)
	}
	if id := f.root.get("$id"); id != nil && id.kind == jsonString && !strings.HasPrefix(id.str, "urn:") {
		seg := strings.TrimSuffix(strings.TrimSuffix(id.str, "#"), "/")
		if i := strings.LastIndexAny(seg, "/:"); i >= 0 {
			seg = seg[i+1:]
		}
		seg = strings.TrimSuffix(strings.TrimSuffix(seg, ".json"), ".schema")
		if r := []rune(seg); len(r) > 0 && unicode.IsLetter(r[0]) {
			return jsCamel(seg)
		}
	}
	base := filepath.Base(f.name)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = strings.TrimSuffix(base, ".schema")
	if c := jsCamel(base); c != "" {
		return c
	}
	return "Root"
}

// jsCamel joins the words of s, each with an upper-case first letter
// ("change-prop/retry" → "ChangePropRetry", "GeoJSON Point" →
// "GeoJSONPoint").
func jsCamel(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// uniqueName returns name, or name2, name3, ... when it is taken.
func (p *jsParser) uniqueName(name string) string {
	if name == "" {
		name = "Type"
	}
	if !p.names[name] {
		p.names[name] = true
		return name
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s%d", name, i)
		if !p.names[c] {
			p.names[c] = true
			return c
		}
	}
}

// anyDocument is the type of a schema that accepts any JSON value.
func (p *jsParser) document(ks jsKindSet, at *node) *Type {
	t := &Type{Kind: Bytes, Origin: FromJSONSchema, Constraints: &Constraints{}}
	if ks != jsAll && ks != 0 {
		t.Constraints.Types = ks.names()
	}
	if at != nil {
		t.Pos = at.pos
	}
	return t
}

// typeOf returns the type of schema n, building it once. hint names it
// unless the schema names itself (a $defs key, a title).
func (p *jsParser) typeOf(n *node, hint string) *Type {
	if t, ok := p.built[n]; ok {
		if p.pending[t] {
			p.errorf(n, "", "recursive reference through an array, a map or a scalar is not supported (recursion must pass through an object or a union)")
			return nil
		}
		return t
	}
	if n.kind == jsonBool {
		if !n.boolean {
			p.errorf(n, "", "the schema false (no value is valid) is not supported")
			return nil
		}
		t := p.document(jsAll, n)
		p.built[n] = t
		return t
	}
	in := p.info[n]
	if in == nil {
		p.index(p.files[0], n, "", "", "")
		in = p.info[n]
	}
	// A $ref with nothing else of substance is the referenced type itself.
	if n.get("$ref") != nil {
		if p.aliasing[n] {
			p.errorf(n, "$ref", "circular $ref")
			return nil
		}
		target, ok := p.resolveRef(n)
		if !ok {
			return nil
		}
		if p.isAlias(n, target) {
			if t, ok := p.built[target]; ok && p.pending[t] {
				p.errorf(n, "$ref", "recursive reference through an array, a map or a scalar is not supported (recursion must pass through an object or a union)")
				return nil
			}
			p.aliasing[n] = true
			t := p.typeOf(target, hint)
			delete(p.aliasing, n)
			if t != nil {
				p.built[n] = t
			}
			return t
		}
	}
	name, fromHint := hint, true
	switch t := n.get("title"); {
	case in.defsKey != "" && jsCamel(in.defsKey) != "":
		name, fromHint = jsCamel(in.defsKey), false
	case t != nil && t.kind == jsonString && jsCamel(t.str) != "":
		name, fromHint = jsCamel(t.str), false
	}
	var dedupKey string
	if t := n.get("title"); t != nil && in.defsKey == "" {
		dedupKey = in.base + "\x00" + jsCompact(n)
		if t, ok := p.titled[dedupKey]; ok {
			p.built[n] = t
			return t
		}
	}
	v := newJSView(n)
	if !p.flatten(v, n, nil) {
		return nil
	}
	t := p.buildView(v, name, fromHint, n)
	if t != nil && dedupKey != "" {
		p.titled[dedupKey] = t
	}
	return t
}

// typeOfList returns the type of the conjunction of several schemas (a
// property declared in several parts of an allOf).
func (p *jsParser) typeOfList(ns []*node, hint string) *Type {
	if len(ns) == 1 {
		return p.typeOf(ns[0], hint)
	}
	v := newJSView(ns[0])
	for _, n := range ns {
		if !p.flatten(v, n, nil) {
			return nil
		}
	}
	return p.buildView(v, hint, true, nil)
}

// kwKinds returns the JSON types the view's keywords constrain.
func (v *jsView) kwKinds() jsKindSet {
	var ks jsKindSet
	if len(v.props) > 0 || len(v.required) > 0 || len(v.addl) > 0 || v.addlNo || v.minProps != nil || v.maxProps != nil {
		ks |= jsObj
	}
	if len(v.items) > 0 || v.minItems != nil || v.maxItems != nil || v.uniqueItems {
		ks |= jsArr
	}
	if v.minLength != nil || v.maxLength != nil || v.pattern != "" || jsStringFormats[v.format] {
		ks |= jsStr
	}
	if v.minimum != nil || v.maximum != nil || v.exclMin != nil || v.exclMax != nil || v.multipleOf != nil {
		ks |= jsNum
	}
	return ks
}

// jsPlan is how a view maps to types: which JSON types get a typed branch,
// which fall into a raw-document branch, and the enum values of each.
type jsPlan struct {
	typed  []jsKindSet
	other  jsKindSet
	values []*node // enum/const values, nil when unconstrained
	enumed bool    // enum or const present
	isCnst bool    // from const alone
}

func (p *jsParser) jsPlan(v *jsView) (jsPlan, bool) {
	var pl jsPlan
	allowed := jsAll
	if v.hasType {
		allowed = v.types
	}
	at := v.enumNode
	if at == nil {
		at = v.owner
	}
	if v.hasEnum || v.cnst != nil {
		pl.enumed = true
		vals := v.enum
		if !v.hasEnum {
			vals = []*node{v.cnst}
			pl.isCnst = true
		} else if v.cnst != nil {
			var keep []*node
			for _, e := range vals {
				if jsCanonical(e) == jsCanonical(v.cnst) {
					keep = append(keep, e)
				}
			}
			vals = keep
		}
		var kinds jsKindSet
		for _, e := range vals {
			k := jsValueKind(e)
			if allowed.expand()&k == 0 {
				continue
			}
			pl.values = append(pl.values, e)
			kinds |= k
		}
		if len(pl.values) == 0 {
			p.errorf(at, "enum", "no value can be valid: the enum/const values do not match the type (or the enum is empty)")
			return pl, false
		}
		if v.hasType {
			// Keep the declared types that some value has.
			allowed = allowed.expand() & kinds.expand()
			if v.types&jsNum != 0 && kinds&(jsNum|jsInt) != 0 {
				allowed = (allowed | jsNum).normalize()
			} else {
				allowed = allowed.normalize()
			}
		} else {
			allowed = kinds.normalize()
			if allowed&^jsNull != 0 && (allowed&^jsNull).count() > 1 {
				// Values of several types: a raw document checked against them.
				pl.other = allowed
				return pl, true
			}
		}
		for _, k := range jsKindOrder {
			if allowed&k.k != 0 {
				pl.typed = append(pl.typed, k.k)
			}
		}
		return pl, true
	}
	kw := v.kwKinds()
	for _, k := range jsKindOrder {
		if allowed&k.k == 0 {
			continue
		}
		// A keyword on numbers also constrains integers.
		if v.hasType || kw.expand()&k.k != 0 {
			pl.typed = append(pl.typed, k.k)
		} else {
			pl.other |= k.k
		}
	}
	return pl, true
}

// jsKindSuffix names a branch of a union of JSON types.
func jsKindSuffix(k jsKindSet) string {
	switch k {
	case jsNull:
		return "Null"
	case jsBool:
		return "Boolean"
	case jsInt:
		return "Integer"
	case jsNum:
		return "Number"
	case jsStr:
		return "String"
	case jsArr:
		return "Array"
	case jsObj:
		return "Object"
	}
	return "Other"
}

// buildView builds the type of a view, named name (a candidate, reserved
// when a named type is made; fromHint says it was derived from the
// context rather than given by a title or $defs key). memo, when not nil, is
// the schema node the type is remembered for (set before building children,
// so recursive references find it).
func (p *jsParser) buildView(v *jsView, name string, fromHint bool, memo *node) *Type {
	if v.union != nil {
		return p.buildUnion(v, name, fromHint, memo)
	}
	if v.addlFrom != nil && (v.addlNo || len(v.addl) > 0) {
		for from := range v.propFrom {
			if from != v.addlFrom {
				p.errorf(v.addlFrom, "additionalProperties", "additionalProperties beside properties from another part of an allOf/$ref cannot be merged exactly (additionalProperties sees only the properties of its own schema)")
				return nil
			}
		}
	}
	pl, ok := p.jsPlan(v)
	if !ok {
		return nil
	}
	remember := func(t *Type) {
		if memo != nil {
			p.built[memo] = t
		}
	}
	if len(pl.typed) == 0 {
		t := p.document(pl.other, v.owner)
		if pl.enumed {
			p.setEnum(t, pl, v)
		}
		t.Doc = v.doc
		remember(t)
		return t
	}
	nonNull := 0
	hasNull := false
	for _, k := range pl.typed {
		if k == jsNull {
			hasNull = true
		} else {
			nonNull++
		}
	}
	if pl.other != 0 && len(pl.typed) > 0 && !v.hasType {
		p.warnf(v.owner, "", "no \"type\": values of the types %v are valid too, so this is a union with a raw JSON branch; add \"type\" for a plain Go type", pl.other.names())
	}
	// One typed branch, possibly nullable, and nothing else: no union name.
	if pl.other == 0 && nonNull <= 1 {
		if nonNull == 0 {
			t := &Type{Kind: Null, Origin: FromJSONSchema, Pos: v.owner.pos, Doc: v.doc}
			remember(t)
			return t
		}
		var k jsKindSet
		for _, x := range pl.typed {
			if x != jsNull {
				k = x
			}
		}
		if !hasNull {
			return p.buildKind(v, pl, k, name, fromHint, remember)
		}
		u := &Type{Kind: Union, Origin: FromJSONSchema, Pos: v.owner.pos, Doc: v.doc}
		remember(u)
		inner := p.buildKind(v, pl, k, name, fromHint, nil)
		if inner == nil {
			return nil
		}
		if inner.Kind == Bytes {
			// A nullable raw document is a raw document that may be null.
			inner.Constraints.Types = append([]string{"null"}, inner.Constraints.Types...)
			if len(inner.Constraints.Types) == 1 {
				inner.Constraints.Types = nil
			}
			remember(inner)
			return inner
		}
		u.Branches = []*Type{{Kind: Null, Origin: FromJSONSchema, Pos: v.owner.pos}, inner}
		return u
	}
	// A union of JSON types.
	u := p.named(&Type{Kind: Union, Origin: FromJSONSchema, Pos: v.owner.pos, Doc: v.doc}, name, fromHint)
	remember(u)
	for _, k := range pl.typed {
		if k == jsNull {
			u.Branches = append(u.Branches, &Type{Kind: Null, Origin: FromJSONSchema, Pos: v.owner.pos})
			continue
		}
		b := p.buildKind(v, pl, k, u.Name.Name+jsKindSuffix(k), true, nil)
		if b == nil {
			return nil
		}
		u.Branches = append(u.Branches, b)
	}
	if pl.other != 0 {
		u.Branches = append(u.Branches, p.document(pl.other, v.owner))
	}
	return u
}

// setEnum records the enum/const values of a plan on a type.
func (p *jsParser) setEnum(t *Type, pl jsPlan, v *jsView) {
	if pl.isCnst {
		t.Constraints.Const, t.Constraints.HasConst = jsCompact(pl.values[0]), true
		return
	}
	for _, e := range pl.values {
		t.Constraints.Enum = append(t.Constraints.Enum, jsCompact(e))
	}
}

// jsValuesOf returns the plan's values of JSON type k.
func jsValuesOf(pl jsPlan, k jsKindSet) jsPlan {
	out := jsPlan{enumed: pl.enumed, isCnst: pl.isCnst}
	for _, e := range pl.values {
		if k.expand()&jsValueKind(e) != 0 {
			out.values = append(out.values, e)
		}
	}
	return out
}

// named gives t a unique name built from name, remembering whether it was
// derived from the context (such names may be improved later, for union
// branches).
func (p *jsParser) named(t *Type, name string, fromHint bool) *Type {
	t.Name = Name{Name: p.uniqueName(name)}
	if fromHint {
		p.autoNamed[t] = true
	}
	return t
}

// buildKind builds the typed branch of JSON type k of view v.
func (p *jsParser) buildKind(v *jsView, pl jsPlan, k jsKindSet, name string, fromHint bool, remember func(*Type)) *Type {
	vals := jsValuesOf(pl, k)
	t := &Type{Origin: FromJSONSchema, Pos: v.owner.pos, Doc: v.doc, Constraints: &Constraints{}}
	if remember != nil {
		remember(t)
	}
	if len(v.extra) > 0 {
		t.Props = v.extra
	}
	c := t.Constraints
	switch k {
	case jsNull:
		t.Kind = Null
	case jsBool:
		t.Kind = Boolean
	case jsInt, jsNum:
		t.Kind = Double
		if k == jsInt {
			t.Kind = Long
		}
		c.Minimum, c.Maximum, c.ExclusiveMinimum, c.ExclusiveMaximum, c.MultipleOf = v.minimum, v.maximum, v.exclMin, v.exclMax, v.multipleOf
		if jsNumericFormats[v.format] {
			c.Format = v.format
		}
	case jsStr:
		t.Kind = String
		c.MinLength, c.MaxLength, c.Pattern = v.minLength, v.maxLength, v.pattern
		if !jsNumericFormats[v.format] {
			c.Format = v.format
		}
		if vals.enumed {
			t.Kind = Enum
			p.named(t, name, fromHint)
			seen := map[string]bool{}
			for _, e := range vals.values {
				if !seen[e.str] {
					seen[e.str] = true
					t.Symbols = append(t.Symbols, e.str)
				}
			}
			return t
		}
	case jsArr:
		t.Kind = Array
		c.MinItems, c.MaxItems, c.UniqueItems = v.minItems, v.maxItems, v.uniqueItems
		p.pending[t] = true
		if len(v.items) == 0 {
			t.Items = p.document(jsAll, v.owner)
		} else {
			t.Items = p.typeOfList(v.items, name+"Item")
		}
		delete(p.pending, t)
		if t.Items == nil {
			return nil
		}
	case jsObj:
		c.MinProperties, c.MaxProperties = v.minProps, v.maxProps
		switch {
		case len(v.props) > 0 || len(v.required) > 0 || v.addlNo:
			t.Kind = Record
			p.named(t, name, fromHint)
			if !p.fillRecord(t, v) {
				return nil
			}
		case len(v.addl) > 0:
			t.Kind = Map
			p.pending[t] = true
			t.Values = p.typeOfList(v.addl, name+"Value")
			delete(p.pending, t)
			if t.Values == nil {
				return nil
			}
		default:
			t.Kind = Bytes
			c.Types = []string{"object"}
		}
	}
	if vals.enumed {
		p.setEnum(t, vals, v)
	}
	return t
}

// fillRecord fills the fields of a record from a view.
func (p *jsParser) fillRecord(t *Type, v *jsView) bool {
	required := map[string]bool{}
	for _, r := range v.required {
		required[r] = true
	}
	ok := true
	for _, pr := range v.props {
		f := &Field{Name: pr.name, Pos: pr.pos, Required: required[pr.name], Index: len(t.Fields)}
		if d := pr.schemas[0]; d.kind == jsonObject {
			if desc := d.get("description"); desc != nil && desc.kind == jsonString {
				f.Doc = desc.str
			}
		}
		f.Type = p.typeOfList(pr.schemas, t.Name.Name+jsCamel(pr.name))
		if f.Type == nil {
			ok = false
			continue
		}
		t.Fields = append(t.Fields, f)
	}
	for _, r := range v.required {
		if jsHasProp(v.props, r) {
			continue
		}
		n := v.reqNode[r]
		t.Fields = append(t.Fields, &Field{Name: r, Pos: n.pos, Required: true, Index: len(t.Fields), Type: p.document(jsAll, n)})
	}
	c := t.Constraints
	c.NoAdditionalProperties = v.addlNo
	if !v.addlNo && len(v.addl) > 0 {
		c.AdditionalProperties = p.typeOfList(v.addl, t.Name.Name+"Value")
		if c.AdditionalProperties == nil {
			ok = false
		}
	}
	return ok
}

func jsHasProp(ps []*jsProp, name string) bool {
	for _, p := range ps {
		if p.name == name {
			return true
		}
	}
	return false
}

// jsKindsOf returns the JSON types a type's values can have.
func jsKindsOf(t *Type) jsKindSet {
	switch t.Kind {
	case Null:
		return jsNull
	case Boolean:
		return jsBool
	case Long:
		return jsInt
	case Double:
		return jsNum | jsInt
	case String, Enum:
		return jsStr
	case Array:
		return jsArr
	case Record, Map:
		return jsObj
	case Bytes:
		if t.Constraints == nil || len(t.Constraints.Types) == 0 {
			return jsAll | jsInt
		}
		var ks jsKindSet
		for _, n := range t.Constraints.Types {
			k, _ := jsKindByName(n)
			ks |= k
		}
		return ks.expand()
	case Union:
		var ks jsKindSet
		for _, b := range t.Branches {
			ks |= jsKindsOf(b)
		}
		return ks
	}
	return 0
}

// buildUnion builds the type of a view with oneOf/anyOf: every branch
// merged with the keywords beside the oneOf, then told apart by JSON type or
// by a discriminator property.
func (p *jsParser) buildUnion(v *jsView, name string, fromHint bool, memo *node) *Type {
	u := p.named(&Type{Kind: Union, Origin: FromJSONSchema, Pos: v.owner.pos, Doc: v.doc}, name, fromHint)
	if memo != nil {
		p.built[memo] = u
	}
	base := v.clone()
	plainBase := !base.hasConstraints()
	var branches []*Type
	for i, bn := range v.union {
		if bn.kind == jsonBool && !bn.boolean {
			continue // a branch nothing matches changes neither oneOf nor anyOf
		}
		hint := fmt.Sprintf("%sOption%d", u.Name.Name, i+1)
		var b *Type
		if plainBase {
			b = p.typeOf(bn, hint)
		} else {
			bv := base.clone()
			bv.owner = bn
			if !p.flatten(bv, bn, nil) {
				return nil
			}
			bname, auto := hint, true
			if bv.title != "" {
				bname, auto = jsCamel(bv.title), false
			}
			b = p.buildView(bv, bname, auto, nil)
		}
		if b == nil {
			return nil
		}
		branches = append(branches, b)
	}
	if len(branches) == 0 {
		p.errorf(v.unionNode, v.unionKw, "every branch of %s is false: no value can be valid", v.unionKw)
		return nil
	}
	// Flatten nested unions of JSON types, and nullable unions.
	var flat []*Type
	var null *Type
	for _, b := range branches {
		parts := []*Type{b}
		if b.Kind == Union && (b.Constraints == nil || b.Constraints.Discriminator == "" && !b.Constraints.Overlapping) {
			parts = b.Branches
		}
		for _, x := range parts {
			if x.Kind == Null {
				if null == nil {
					null = x
				}
				continue
			}
			flat = append(flat, x)
		}
	}
	if null != nil {
		flat = append([]*Type{null}, flat...)
	}
	result := p.unionOf(u, flat, branches, v)
	if result == nil {
		return nil
	}
	if result != u && memo != nil {
		p.built[memo] = result
	}
	return result
}

// unionOf decides how a union's branches are told apart and fills u, or
// returns the single branch (or nullable branch) when there is only one.
// flat holds the branches with nested unions of JSON types flattened and
// one null branch; orig, the branches as written. Branches that cannot be
// told apart make an overlapping union of orig.
func (p *jsParser) unionOf(u *Type, flat, orig []*Type, v *jsView) *Type {
	if v.unionKw == "oneOf" {
		nulls := 0
		for _, b := range orig {
			if jsKindsOf(b)&jsNull != 0 {
				nulls++
			}
		}
		if nulls > 1 {
			return p.overlap(u, orig, v) // null matches several branches: invalid for oneOf
		}
	}
	var nonNull []*Type
	hasNull := false
	for _, b := range flat {
		if b.Kind == Null {
			hasNull = true
		} else {
			nonNull = append(nonNull, b)
		}
	}
	if len(nonNull) <= 1 {
		// No union after all: the only branch takes the union's name, or
		// the name is free again.
		if len(nonNull) == 1 && p.autoNamed[nonNull[0]] && nonNull[0].Name.Name != "" {
			nonNull[0].Name.Name = u.Name.Name
			p.autoNamed[nonNull[0]] = p.autoNamed[u]
		} else {
			delete(p.names, u.Name.Name)
		}
	}
	switch {
	case len(nonNull) == 0:
		return flat[0]
	case len(nonNull) == 1 && !hasNull:
		return nonNull[0]
	case len(nonNull) == 1 && nonNull[0].Kind == Bytes:
		d := *nonNull[0]
		c := *d.Constraints
		if len(c.Types) > 0 {
			c.Types = append([]string{"null"}, c.Types...)
		}
		d.Constraints = &c
		return &d
	case len(nonNull) == 1:
		u.Name = Name{}
		u.Branches = flat
		return u
	}
	u.Branches = flat
	u.Constraints = &Constraints{}
	// Told apart by JSON type?
	var all jsKindSet
	disjoint := true
	objects := 0
	for _, b := range nonNull {
		k := jsKindsOf(b)
		if all&k != 0 {
			disjoint = false
		}
		all |= k
		if b.Kind == Record {
			objects++
		}
	}
	if disjoint {
		for _, b := range nonNull {
			if p.autoNamed[b] && b.Name.Name != "" {
				b.Name.Name = p.uniqueName(u.Name.Name + jsKindSuffix(jsKindsOf(b).normalize()))
			}
		}
		return u
	}
	// Objects told apart by a discriminator property, the rest by type?
	var others jsKindSet
	okOthers := true
	var records []*Type
	for _, b := range nonNull {
		if b.Kind == Record {
			records = append(records, b)
			continue
		}
		k := jsKindsOf(b)
		if others&k != 0 || k&jsObj != 0 {
			okOthers = false
		}
		others |= k
	}
	if okOthers && len(records) >= 2 {
		if prop, values := jsDiscriminator(records); prop != "" {
			u.Constraints.Discriminator = prop
			u.Constraints.DiscriminatorValues = make([]string, len(flat))
			for i, b := range flat {
				if b.Kind != Record {
					continue
				}
				for j, r := range records {
					if r == b {
						u.Constraints.DiscriminatorValues[i] = values[j]
						if p.autoNamed[b] {
							b.Name.Name = p.uniqueName(u.Name.Name + jsCamel(values[j]))
						}
					}
				}
			}
			return u
		}
	}
	return p.overlap(u, orig, v)
}

// overlap makes u a union whose branches overlap: the value stays raw JSON
// and is validated by trying each branch.
func (p *jsParser) overlap(u *Type, orig []*Type, v *jsView) *Type {
	u.Branches = orig
	u.Constraints = &Constraints{Overlapping: true, OneOf: v.unionKw == "oneOf"}
	p.warnf(v.unionNode, v.unionKw, "%s branches overlap (they cannot be told apart by JSON type or by a discriminator property, a property required in every object branch with a single const or enum string value in each): the value is kept as raw JSON and validated by trying each branch", v.unionKw)
	return u
}

// jsDiscriminator finds a property that tells records apart: required in
// each, a single-symbol enum, with distinct values.
func jsDiscriminator(records []*Type) (string, []string) {
	single := func(r *Type, name string) (string, bool) {
		for _, f := range r.Fields {
			if f.Name == name && f.Required && f.Type.Kind == Enum && len(f.Type.Symbols) == 1 {
				return f.Type.Symbols[0], true
			}
		}
		return "", false
	}
candidates:
	for _, f := range records[0].Fields {
		values := make([]string, len(records))
		seen := map[string]bool{}
		for i, r := range records {
			val, ok := single(r, f.Name)
			if !ok || seen[val] {
				continue candidates
			}
			seen[val] = true
			values[i] = val
		}
		return f.Name, values
	}
	return "", nil
}
