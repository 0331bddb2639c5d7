package schema

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A jsView is the merged content of one schema: its own keywords plus
// those of the schemas it pulls in through "$ref" and "allOf". Types are
// built from views.
type jsView struct {
	owner *node // the schema the view is for (the first one flattened)
	title string
	doc   string

	hasType  bool
	types    jsKindSet
	hasEnum  bool
	enum     []*node // allowed values (after intersecting several enums)
	cnst     *node
	enumNode *node // where enum/const came from, for errors

	props    []*jsProp
	required []string
	reqNode  map[string]*node // the "required" array naming each property
	propFrom map[*node]bool   // schemas that contributed properties/required
	addl     []*node          // additionalProperties schemas to merge
	addlFrom *node            // the schema with additionalProperties
	addlNo   bool             // additionalProperties: false somewhere

	items []*node

	minimum, maximum, exclMin, exclMax, multipleOf *float64

	minLength, maxLength, minItems, maxItems, minProps, maxProps *int
	uniqueItems                                                  bool
	pattern                                                      string
	format                                                       string

	union     []*node // oneOf/anyOf branches
	unionKw   string
	unionNode *node

	extra []Prop // unknown keywords, kept as custom properties
	kwAt  map[string]*node
}

type jsProp struct {
	name    string
	pos     Pos
	schemas []*node
}

// jsKindSet is a set of JSON types. jsNum includes the integers; jsInt alone
// means integers only.
type jsKindSet uint8

const (
	jsNull jsKindSet = 1 << iota
	jsBool
	jsInt
	jsNum
	jsStr
	jsArr
	jsObj

	jsAll = jsNull | jsBool | jsNum | jsStr | jsArr | jsObj
)

var jsKindOrder = []struct {
	k    jsKindSet
	name string
}{{jsNull, "null"}, {jsBool, "boolean"}, {jsInt, "integer"}, {jsNum, "number"}, {jsStr, "string"}, {jsArr, "array"}, {jsObj, "object"}}

func jsKindByName(s string) (jsKindSet, bool) {
	for _, k := range jsKindOrder {
		if k.name == s {
			return k.k, true
		}
	}
	return 0, false
}

// normalize drops jsInt when jsNum (which includes it) is present.
func (k jsKindSet) normalize() jsKindSet {
	if k&jsNum != 0 {
		return k &^ jsInt
	}
	return k
}

// expand makes the integers explicit in a set holding jsNum.
func (k jsKindSet) expand() jsKindSet {
	if k&jsNum != 0 {
		return k | jsInt
	}
	return k
}

func (k jsKindSet) intersect(o jsKindSet) jsKindSet { return (k.expand() & o.expand()).normalize() }

func (k jsKindSet) names() []string {
	var out []string
	for _, e := range jsKindOrder {
		if k&e.k != 0 {
			out = append(out, e.name)
		}
	}
	return out
}

func (k jsKindSet) count() int {
	n := 0
	for _, e := range jsKindOrder {
		if k&e.k != 0 {
			n++
		}
	}
	return n
}

// Keyword classes.
var (
	jsAnnotations = map[string]bool{
		"$schema": true, "$id": true, "$anchor": true, "$comment": true, "title": true, "description": true,
		"default": true, "examples": true, "example": true, "deprecated": true, "readOnly": true, "writeOnly": true,
		"$defs": true, "definitions": true, "contentEncoding": true, "contentMediaType": true, "contentSchema": true,
		"$vocabulary": true,
	}
	jsSupported = map[string]bool{
		"type": true, "enum": true, "const": true, "properties": true, "required": true, "additionalProperties": true,
		"items": true, "minItems": true, "maxItems": true, "uniqueItems": true, "minimum": true, "maximum": true,
		"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, "minLength": true, "maxLength": true,
		"pattern": true, "format": true, "minProperties": true, "maxProperties": true, "allOf": true, "oneOf": true,
		"anyOf": true, "$ref": true,
	}
	jsUnsupported = map[string]string{
		"patternProperties":     "patternProperties is not supported (a Go struct has no field for properties matched by pattern)",
		"propertyNames":         "propertyNames is not supported",
		"dependentSchemas":      "dependentSchemas is not supported",
		"dependentRequired":     "dependentRequired is not supported",
		"dependencies":          "dependencies is not supported",
		"prefixItems":           "prefixItems (tuples) is not supported",
		"additionalItems":       "additionalItems (tuples) is not supported",
		"contains":              "contains is not supported",
		"minContains":           "minContains is not supported",
		"maxContains":           "maxContains is not supported",
		"unevaluatedProperties": "unevaluatedProperties is not supported",
		"unevaluatedItems":      "unevaluatedItems is not supported",
		"not":                   "not is not supported",
		"if":                    "if/then/else is not supported",
		"then":                  "if/then/else is not supported",
		"else":                  "if/then/else is not supported",
		"$dynamicRef":           "$dynamicRef is not supported",
		"$dynamicAnchor":        "$dynamicAnchor is not supported",
		"$recursiveRef":         "$recursiveRef is not supported",
		"$recursiveAnchor":      "$recursiveAnchor is not supported",
	}
	// jsStringFormats are the string formats the generated code validates
	// (runtime/codec CheckJSONFormat); the others are annotations.
	jsStringFormats = map[string]bool{
		"date-time": true, "date": true, "time": true, "duration": true, "uuid": true, "email": true,
		"hostname": true, "ipv4": true, "ipv6": true, "uri": true, "uri-reference": true, "regex": true,
		"json-pointer": true,
	}
	// jsNumericFormats are OpenAPI's number formats: annotations on numbers.
	jsNumericFormats = map[string]bool{"int32": true, "int64": true, "float": true, "double": true}
)

// jsConstraining reports whether keyword kw of n restricts values (as opposed
// to annotating them or being ignored).
func jsConstraining(kw string) bool {
	if jsAnnotations[kw] {
		return false
	}
	if jsSupported[kw] {
		return true
	}
	_, unsupported := jsUnsupported[kw]
	return unsupported
}

// isAlias reports whether n is a "$ref" whose other keywords are
// annotations, or repeat the referenced schema's keywords verbatim.
func (p *jsParser) isAlias(n, target *node) bool {
	for _, m := range n.members {
		if m.key == "$ref" || !jsConstraining(m.key) {
			continue
		}
		if p.info[n].file.draft07 {
			p.warnf(n, m.key, "%s beside $ref is ignored (draft-07 ignores keywords next to $ref)", m.key)
			continue
		}
		if t := target.get(m.key); t != nil && target.kind == jsonObject && jsCompact(t) == jsCompact(m.value) {
			continue
		}
		return false
	}
	return true
}

func jsCompact(n *node) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(n.raw)); err != nil {
		return n.raw
	}
	return b.String()
}

// jsCanonical returns a canonical text of a JSON value (sorted keys, numbers
// by mathematical value), for comparing enum and const values.
func jsCanonical(n *node) string {
	var b strings.Builder
	jsWriteCanonical(&b, n)
	return b.String()
}

func jsWriteCanonical(b *strings.Builder, n *node) {
	switch n.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		b.WriteString(strconv.FormatBool(n.boolean))
	case jsonNumber:
		b.WriteString(jsCanonicalNumber(n.str))
	case jsonString:
		b.WriteString(strconv.Quote(n.str))
	case jsonArray:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			jsWriteCanonical(b, e)
		}
		b.WriteByte(']')
	case jsonObject:
		ms := slices.Clone(n.members)
		sort.Slice(ms, func(i, j int) bool { return ms[i].key < ms[j].key })
		b.WriteByte('{')
		for i, m := range ms {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(m.key))
			b.WriteByte(':')
			jsWriteCanonical(b, m.value)
		}
		b.WriteByte('}')
	}
}

// jsCanonicalNumber writes a JSON number literal as its significant digits
// and a decimal exponent, so equal numbers have equal texts.
func jsCanonicalNumber(lit string) string {
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	mant, frac, exp := lit, "", int64(0)
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		exp, _ = strconv.ParseInt(strings.TrimPrefix(mant[i+1:], "+"), 10, 64)
		mant = mant[:i]
	}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		mant, frac = mant[:i], mant[i+1:]
	}
	digits := strings.TrimLeft(mant+frac, "0")
	if digits == "" {
		return "0"
	}
	e := exp - int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	e += int64(len(digits) - len(trimmed))
	s := trimmed + "e" + strconv.FormatInt(e, 10)
	if neg {
		s = "-" + s
	}
	return s
}

// jsIsIntegral reports whether a JSON number literal is a whole number.
func jsIsIntegral(lit string) bool {
	c := jsCanonicalNumber(lit)
	if c == "0" {
		return true
	}
	i := strings.LastIndexByte(c, 'e')
	e, _ := strconv.ParseInt(c[i+1:], 10, 64)
	return e >= 0
}

// jsValueKind returns the JSON type of a value (jsInt for whole numbers).
func jsValueKind(n *node) jsKindSet {
	switch n.kind {
	case jsonNull:
		return jsNull
	case jsonBool:
		return jsBool
	case jsonNumber:
		if jsIsIntegral(n.str) {
			return jsInt
		}
		return jsNum
	case jsonString:
		return jsStr
	case jsonArray:
		return jsArr
	}
	return jsObj
}

// newJSView starts a view for schema n.
func newJSView(n *node) *jsView {
	return &jsView{owner: n, reqNode: map[string]*node{}, propFrom: map[*node]bool{}, kwAt: map[string]*node{}}
}

// clone copies a view for a oneOf branch: constraints, not annotations.
func (v *jsView) clone() *jsView {
	c := *v
	c.title, c.doc = "", ""
	c.enum = slices.Clone(v.enum)
	c.props = make([]*jsProp, len(v.props))
	for i, pr := range v.props {
		cp := *pr
		cp.schemas = slices.Clone(pr.schemas)
		c.props[i] = &cp
	}
	c.required = slices.Clone(v.required)
	c.reqNode = jsCloneMap(v.reqNode)
	c.propFrom = jsCloneMap(v.propFrom)
	c.addl = slices.Clone(v.addl)
	c.items = slices.Clone(v.items)
	c.union, c.unionKw, c.unionNode = nil, "", nil
	c.extra = nil
	c.kwAt = jsCloneMap(v.kwAt)
	return &c
}

func jsCloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// hasConstraints reports whether the view restricts values at all.
func (v *jsView) hasConstraints() bool {
	return v.hasType || v.hasEnum || v.cnst != nil || len(v.props) > 0 || len(v.required) > 0 || len(v.addl) > 0 || v.addlNo ||
		len(v.items) > 0 || v.minimum != nil || v.maximum != nil || v.exclMin != nil || v.exclMax != nil || v.multipleOf != nil ||
		v.minLength != nil || v.maxLength != nil || v.minItems != nil || v.maxItems != nil || v.minProps != nil || v.maxProps != nil ||
		v.uniqueItems || v.pattern != "" || jsStringFormats[v.format] || v.union != nil
}

// flatten merges schema n into v, following "$ref" and "allOf". stack holds
// the schemas being flattened, to catch circular references.
func (p *jsParser) flatten(v *jsView, n *node, stack []*node) bool {
	if slices.Contains(stack, n) {
		p.errorf(n, "", "circular $ref/allOf: the schema includes itself")
		return false
	}
	stack = append(stack, n)
	if n.kind == jsonBool {
		if !n.boolean {
			p.errorf(n, "", "the schema false (no value is valid) is not supported")
			return false
		}
		return true
	}
	in := p.info[n]
	ok := true
	if v.title == "" {
		if t := n.get("title"); t != nil && t.kind == jsonString {
			v.title = t.str
		}
	}
	if v.doc == "" {
		if d := n.get("description"); d != nil && d.kind == jsonString {
			v.doc = d.str
		}
	}
	if r := n.get("$ref"); r != nil && in.file.draft07 {
		// Draft-07 ignores the keywords beside $ref.
		for _, m := range n.members {
			if m.key != "$ref" && jsConstraining(m.key) {
				p.warnf(n, m.key, "%s beside $ref is ignored (draft-07 ignores keywords next to $ref)", m.key)
			}
		}
		target, found := p.resolveRef(n)
		return found && p.flatten(v, target, stack)
	}
	for _, m := range n.members {
		if reason, bad := jsUnsupported[m.key]; bad {
			if m.key == "additionalItems" {
				if it := n.get("items"); it == nil || it.kind != jsonArray {
					p.warnf(n, m.key, "additionalItems without an items array is ignored")
					continue
				}
			}
			p.errorf(n, m.key, "%s", reason)
			ok = false
			continue
		}
		if !jsSupported[m.key] && !jsAnnotations[m.key] {
			p.warnf(n, m.key, "unknown keyword %q is ignored", m.key)
			v.extra = append(v.extra, Prop{Name: m.key, Value: jsCompact(m.value)})
			continue
		}
		if m.key == "allOf" || m.key == "$ref" || jsAnnotations[m.key] {
			continue
		}
		if !p.mergeKeyword(v, n, m.key, m.value) {
			ok = false
		}
	}
	if n.get("$ref") != nil {
		target, found := p.resolveRef(n)
		if !found || !p.flatten(v, target, stack) {
			ok = false
		}
	}
	if all := n.get("allOf"); all != nil {
		if all.kind != jsonArray || len(all.elems) == 0 {
			p.errorf(n, "allOf", "allOf must be a non-empty array of schemas")
			return false
		}
		for _, e := range all.elems {
			if !p.flatten(v, e, stack) {
				ok = false
			}
		}
	}
	return ok
}

func (p *jsParser) nonNegInt(n *node, kw string, val *node) (*int, bool) {
	if val.kind == jsonNumber && jsIsIntegral(val.str) && !strings.HasPrefix(val.str, "-") {
		f, err := strconv.ParseFloat(val.str, 64)
		if err == nil && f <= math.MaxInt32 {
			i := int(f)
			return &i, true
		}
	}
	p.errorf(n, kw, "%s must be a non-negative integer", kw)
	return nil, false
}

func (p *jsParser) number(n *node, kw string, val *node) (*float64, bool) {
	if val.kind != jsonNumber {
		p.errorf(n, kw, "%s must be a number", kw)
		return nil, false
	}
	f, err := strconv.ParseFloat(val.str, 64)
	if err != nil {
		p.errorf(n, kw, "%s %s is out of range", kw, val.str)
		return nil, false
	}
	return &f, true
}

func jsStricterMin(a, b *float64) *float64 {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

func jsStricterMax(a, b *float64) *float64 {
	if a == nil || (b != nil && *b < *a) {
		return b
	}
	return a
}

func jsStricterMinInt(a, b *int) *int {
	if a == nil || (b != nil && *b > *a) {
		return b
	}
	return a
}

func jsStricterMaxInt(a, b *int) *int {
	if a == nil || (b != nil && *b < *a) {
		return b
	}
	return a
}

// mergeKeyword merges keyword kw (value val) of schema n into v.
func (p *jsParser) mergeKeyword(v *jsView, n *node, kw string, val *node) bool {
	if _, seen := v.kwAt[kw]; !seen {
		v.kwAt[kw] = n
	}
	switch kw {
	case "type":
		var ks jsKindSet
		var names []*node
		switch val.kind {
		case jsonString:
			names = []*node{val}
		case jsonArray:
			names = val.elems
		}
		if len(names) == 0 {
			p.errorf(n, kw, "type must be a type name or a non-empty array of them")
			return false
		}
		for _, e := range names {
			k, ok := jsKindByName(e.str)
			if e.kind != jsonString || !ok {
				p.errorf(n, kw, "unknown type %s (want null, boolean, integer, number, string, array or object)", e.raw)
				return false
			}
			ks |= k
		}
		ks = ks.normalize()
		if v.hasType {
			ks = v.types.intersect(ks)
			if ks == 0 {
				p.errorf(n, kw, "type %s conflicts with type %v from another part of the schema: no value can be valid", val.raw, v.types.names())
				return false
			}
		}
		v.hasType, v.types = true, ks
	case "enum":
		if val.kind != jsonArray {
			p.errorf(n, kw, "enum must be an array")
			return false
		}
		if !v.hasEnum {
			v.hasEnum, v.enum, v.enumNode = true, val.elems, n
			break
		}
		var keep []*node
		for _, a := range v.enum {
			for _, b := range val.elems {
				if jsCanonical(a) == jsCanonical(b) {
					keep = append(keep, a)
					break
				}
			}
		}
		v.enum = keep
	case "const":
		if v.cnst != nil && jsCanonical(v.cnst) != jsCanonical(val) {
			p.errorf(n, kw, "const %s conflicts with const %s from another part of the schema: no value can be valid", jsCompact(val), jsCompact(v.cnst))
			return false
		}
		v.cnst = val
		if v.enumNode == nil {
			v.enumNode = n
		}
	case "properties":
		if val.kind != jsonObject {
			p.errorf(n, kw, "properties must be an object")
			return false
		}
		for _, m := range val.members {
			v.addProp(m.key, m.keyPos, m.value)
		}
		if len(val.members) > 0 {
			v.propFrom[n] = true
		}
	case "required":
		if val.kind != jsonArray {
			p.errorf(n, kw, "required must be an array of property names")
			return false
		}
		for _, e := range val.elems {
			if e.kind != jsonString {
				p.errorf(n, kw, "required must be an array of property names, not %s", e.raw)
				return false
			}
			if _, dup := v.reqNode[e.str]; !dup {
				v.required = append(v.required, e.str)
				v.reqNode[e.str] = e
			}
		}
	case "additionalProperties":
		if v.addlFrom != nil && v.addlFrom != n {
			p.errorf(n, kw, "additionalProperties in two parts of an allOf/$ref cannot be merged exactly (each sees only the properties of its own schema)")
			return false
		}
		v.addlFrom = n
		switch {
		case val.kind == jsonBool && !val.boolean:
			v.addlNo = true
		case val.kind == jsonBool:
		case val.kind == jsonObject:
			v.addl = append(v.addl, val)
		default:
			p.errorf(n, kw, "additionalProperties must be a schema")
			return false
		}
	case "items":
		switch val.kind {
		case jsonObject, jsonBool:
			if val.kind == jsonBool && !val.boolean {
				// No item is valid: only the empty array is.
				zero := 0
				v.maxItems = jsStricterMaxInt(v.maxItems, &zero)
				break
			}
			v.items = append(v.items, val)
		case jsonArray:
			p.errorf(n, kw, "items as an array (tuples) is not supported")
			return false
		default:
			p.errorf(n, kw, "items must be a schema")
			return false
		}
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		if val.kind == jsonBool && (kw == "exclusiveMinimum" || kw == "exclusiveMaximum") {
			// Draft-04: a boolean that makes minimum/maximum exclusive.
			if !val.boolean {
				break
			}
			bound := n.get(strings.ToLower(strings.TrimPrefix(kw, "exclusive")))
			if bound == nil {
				p.errorf(n, kw, "%s: true needs %s", kw, strings.ToLower(strings.TrimPrefix(kw, "exclusive")))
				return false
			}
			f, ok := p.number(n, kw, bound)
			if !ok {
				return false
			}
			if kw == "exclusiveMinimum" {
				v.exclMin = jsStricterMin(v.exclMin, f)
			} else {
				v.exclMax = jsStricterMax(v.exclMax, f)
			}
			break
		}
		f, ok := p.number(n, kw, val)
		if !ok {
			return false
		}
		if ex := n.get("exclusive" + strings.ToUpper(kw[:1]) + kw[1:]); ex != nil && ex.kind == jsonBool && ex.boolean {
			break // draft-04: the exclusive bound was recorded above
		}
		switch kw {
		case "minimum":
			v.minimum = jsStricterMin(v.minimum, f)
		case "maximum":
			v.maximum = jsStricterMax(v.maximum, f)
		case "exclusiveMinimum":
			v.exclMin = jsStricterMin(v.exclMin, f)
		case "exclusiveMaximum":
			v.exclMax = jsStricterMax(v.exclMax, f)
		}
	case "multipleOf":
		f, ok := p.number(n, kw, val)
		if !ok {
			return false
		}
		if *f <= 0 {
			p.errorf(n, kw, "multipleOf must be greater than 0")
			return false
		}
		if v.multipleOf != nil && *v.multipleOf != *f {
			p.errorf(n, kw, "two different multipleOf values cannot be merged")
			return false
		}
		v.multipleOf = f
	case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
		i, ok := p.nonNegInt(n, kw, val)
		if !ok {
			return false
		}
		switch kw {
		case "minLength":
			v.minLength = jsStricterMinInt(v.minLength, i)
		case "maxLength":
			v.maxLength = jsStricterMaxInt(v.maxLength, i)
		case "minItems":
			v.minItems = jsStricterMinInt(v.minItems, i)
		case "maxItems":
			v.maxItems = jsStricterMaxInt(v.maxItems, i)
		case "minProperties":
			v.minProps = jsStricterMinInt(v.minProps, i)
		case "maxProperties":
			v.maxProps = jsStricterMaxInt(v.maxProps, i)
		}
	case "uniqueItems":
		if val.kind != jsonBool {
			p.errorf(n, kw, "uniqueItems must be a boolean")
			return false
		}
		v.uniqueItems = v.uniqueItems || val.boolean
	case "pattern":
		if val.kind != jsonString {
			p.errorf(n, kw, "pattern must be a string")
			return false
		}
		if _, err := regexp.Compile(val.str); err != nil {
			p.errorf(n, kw, "pattern %q is not supported by Go's regexp (RE2) syntax: %v", val.str, err)
			return false
		}
		if v.pattern != "" && v.pattern != val.str {
			p.errorf(n, kw, "two different patterns cannot be merged")
			return false
		}
		v.pattern = val.str
	case "format":
		if val.kind != jsonString {
			p.errorf(n, kw, "format must be a string")
			return false
		}
		if v.format != "" && v.format != val.str {
			p.errorf(n, kw, "formats %q and %q cannot be merged", v.format, val.str)
			return false
		}
		if !jsStringFormats[val.str] && !jsNumericFormats[val.str] {
			p.warnf(n, kw, "format %q is not validated", val.str)
		}
		v.format = val.str
	case "oneOf", "anyOf":
		if val.kind != jsonArray || len(val.elems) == 0 {
			p.errorf(n, kw, "%s must be a non-empty array of schemas", kw)
			return false
		}
		if v.union != nil {
			p.errorf(n, kw, "%s beside another oneOf/anyOf is not supported", kw)
			return false
		}
		v.union, v.unionKw, v.unionNode = val.elems, kw, n
	}
	return true
}

func (v *jsView) addProp(name string, pos Pos, schema *node) {
	for _, pr := range v.props {
		if pr.name == name {
			pr.schemas = append(pr.schemas, schema)
			return
		}
	}
	v.props = append(v.props, &jsProp{name: name, pos: pos, schemas: []*node{schema}})
}
