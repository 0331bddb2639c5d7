package schema

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// This file is the JSON Schema front-end: it reads draft 2020-12 schemas
// (and the draft-07 spellings real schemas still use, such as
// "definitions") into the same IR the Avro front-end produces. The mapping:
//
//   - "type": "integer" → Long, "number" → Double, "string" → String,
//     "boolean" → Boolean, "null" → Null, "array" → Array (Items from
//     "items"), "object" with "properties" or "required" → Record (named),
//     "object" with only an "additionalProperties" schema → Map, any other
//     "object" → a raw JSON document restricted to objects.
//   - A raw JSON document is Kind Bytes with Constraints.Types: the value is
//     kept as JSON text (json.RawMessage in Go). A schema with no keywords
//     that type it ({} or true) is a raw document of any type.
//   - A string enum (or string const) → Enum (named). Other enums and
//     consts → Constraints.Enum / Constraints.Const on the typed kind.
//   - Several JSON types ("type": ["object","string"], or no "type" at all
//     when kind-specific keywords are present) → a Union with one branch
//     per JSON type; a schema without "type" accepts every JSON type, so
//     the types its keywords do not constrain become one raw-document
//     branch. ["null", X] → a two-branch nullable Union.
//   - "oneOf"/"anyOf" → a Union when its branches can be told apart: by
//     JSON type, or, for objects, by a discriminator property (required in
//     every branch, a single string const or enum value per branch). Keywords
//     beside "oneOf" apply to every branch and are merged into each; false
//     branches are dropped. Branches that overlap make a Union with
//     Constraints.Overlapping (and a warning): the value is kept as raw JSON
//     and validated by trying each branch, exactly one for oneOf.
//   - "allOf" and "$ref" with sibling keywords are merged into one schema;
//     keywords that cannot be merged exactly are an error.
//   - Formats stay in Constraints.Format; the generator types date-time and
//     date as time.Time and uuid as codec.UUID, and validates the formats it
//     knows.
//
// Keywords that cannot be typed (patternProperties, prefixItems, not,
// if/then/else, ...) are errors naming file:line:col and the JSON pointer of
// the schema; unknown keywords and unknown formats are warnings in
// Schema.Warnings. Definitions that are never referenced and cannot be typed
// are skipped with a warning.

// ParseJSONSchema parses a set of JSON Schema documents as one schema set;
// $ref may point into $defs/definitions of the same file, to other files of
// the set by relative path or by $id, with JSON pointer fragments. Roots
// holds the root type of each document in order; every root gets a Name (its
// title, the last segment of its $id, or its file name) even when its kind
// is not a named one, for the generator's root type.
func ParseJSONSchema(srcs ...Source) (*Schema, error) {
	p := newJSParser()
	for _, src := range srcs {
		p.addFile(src)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return p.run()
}

// ParseJSONSchemaFiles reads and parses JSON Schema files as one set.
func ParseJSONSchemaFiles(paths ...string) (*Schema, error) {
	srcs := make([]Source, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, Source{Name: path, Data: data})
	}
	return ParseJSONSchema(srcs...)
}

// jsFile is one document of the set.
type jsFile struct {
	name    string
	root    *node
	uri     string // the file's own URI (file:///abs/path)
	draft07 bool   // $schema names draft-04, -06 or -07
}

// jsInfo is what the parser knows about a schema node.
type jsInfo struct {
	file    *jsFile
	base    string // base URI in effect inside this node
	ptr     string // JSON pointer from the file root
	defsKey string // the key, when the node is an entry of $defs/definitions
}

type jsParser struct {
	files     []*jsFile
	resources map[string]*node // absolute URI without fragment → resource root
	anchors   map[string]*node // absolute URI "#" anchor → node
	info      map[*node]*jsInfo

	built    map[*node]*Type // memo: schema node → type
	pending  map[*Type]bool  // unnamed types under construction (recursion through them is an error)
	titled   map[string]*Type
	names    map[string]bool
	aliasing map[*node]bool
	// autoNamed holds the types named after their place in the schema
	// rather than by a title or $defs key.
	autoNamed map[*Type]bool

	errs  ErrorList
	warns ErrorList
	seen  map[string]bool // warnings already given (deduplication)
}

func newJSParser() *jsParser {
	return &jsParser{
		resources: map[string]*node{},
		anchors:   map[string]*node{},
		info:      map[*node]*jsInfo{},
		built:     map[*node]*Type{},
		pending:   map[*Type]bool{},
		titled:    map[string]*Type{},
		names:     map[string]bool{},
		aliasing:  map[*node]bool{},
		autoNamed: map[*Type]bool{},
		seen:      map[string]bool{},
	}
}

// errorf records an error about node n (at the value of keyword kw when kw
// is not empty).
func (p *jsParser) errorf(n *node, kw string, format string, args ...any) {
	p.errs = append(p.errs, p.problem(n, kw, format, args...))
}

// warnf records a warning, once per place and message.
func (p *jsParser) warnf(n *node, kw string, format string, args ...any) {
	w := p.problem(n, kw, format, args...)
	if key := w.Error(); !p.seen[key] {
		p.seen[key] = true
		p.warns = append(p.warns, w)
	}
}

func (p *jsParser) problem(n *node, kw string, format string, args ...any) *Error {
	pos := n.pos
	path := p.pathOf(n)
	if kw != "" {
		if v := n.get(kw); v != nil {
			pos = v.pos
		}
		path += "/" + jsEscapePointer(kw)
	}
	return &Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// pathOf returns the JSON pointer of n in its file as a URI fragment
// ("#/properties/meta").
func (p *jsParser) pathOf(n *node) string {
	if in := p.info[n]; in != nil {
		return "#" + in.ptr
	}
	return "#"
}

func jsEscapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func jsUnescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// jsFileURI returns a file: URI for a source name.
func jsFileURI(name string) string {
	abs, err := filepath.Abs(name)
	if err != nil {
		abs = name
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	return u.String()
}

// jsStripFragment returns u without its fragment, as a string.
func jsStripFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// jsResolveURI resolves ref against base; both are URI strings.
func jsResolveURI(base, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if base == "" {
		return r, nil
	}
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return b.ResolveReference(r), nil
}

func (p *jsParser) addFile(src Source) {
	root, err := parseJSON(src.Name, src.Data)
	if err != nil {
		if e, ok := err.(*Error); ok {
			p.errs = append(p.errs, e)
		} else {
			p.errs = append(p.errs, &Error{Pos: Pos{File: src.Name}, Msg: err.Error()})
		}
		return
	}
	f := &jsFile{name: src.Name, root: root, uri: jsFileURI(src.Name)}
	if root.kind != jsonObject && root.kind != jsonBool {
		p.errs = append(p.errs, &Error{Pos: root.pos, Path: "#", Msg: "a JSON Schema must be an object or a boolean, not " + root.kind.String()})
		return
	}
	if s := root.get("$schema"); s != nil && s.kind == jsonString {
		switch {
		case strings.Contains(s.str, "draft-07"), strings.Contains(s.str, "draft-06"), strings.Contains(s.str, "draft-04"):
			f.draft07 = true
		case strings.Contains(s.str, "2020-12"), strings.Contains(s.str, "2019-09"):
		default:
			p.warns = append(p.warns, &Error{Pos: s.pos, Path: "#/$schema", Msg: fmt.Sprintf("unknown $schema %q: read as draft 2020-12", s.str)})
		}
	}
	p.files = append(p.files, f)
	if prev, dup := p.resources[f.uri]; dup && prev != root {
		p.errs = append(p.errs, &Error{Pos: root.pos, Path: "#", Msg: fmt.Sprintf("file %s is given twice", src.Name)})
		return
	}
	p.resources[f.uri] = root
	p.index(f, root, f.uri, "", "")
}

// Keywords whose value is one schema, an array of schemas, or an object of
// schemas: the places the index walk looks for subschemas.
var (
	jsSchemaKeywords      = []string{"items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "contentSchema"}
	jsSchemaArrayKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems", "items"}
	jsSchemaMapKeywords   = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies"}
)

// index walks the schema n (at JSON pointer ptr of file f, with base URI
// base) recording every subschema's info, every $id as a resource and every
// anchor.
func (p *jsParser) index(f *jsFile, n *node, base, ptr, defsKey string) {
	if n.kind != jsonObject && n.kind != jsonBool {
		return
	}
	if _, done := p.info[n]; done {
		return
	}
	if n.kind == jsonObject {
		if id := n.get("$id"); id != nil && id.kind == jsonString {
			switch {
			case strings.HasPrefix(id.str, "#") && f.draft07:
				// A draft-07 "$id": "#name" is a plain-name anchor.
				p.anchors[jsStripFragmentString(base)+id.str] = n
			default:
				u, err := jsResolveURI(base, id.str)
				if err != nil {
					p.errs = append(p.errs, &Error{Pos: id.pos, Path: "#" + ptr + "/$id", Msg: fmt.Sprintf("invalid $id %q: %v", id.str, err)})
					break
				}
				base = jsStripFragment(u)
				if prev, dup := p.resources[base]; dup && prev != n {
					p.errs = append(p.errs, &Error{Pos: id.pos, Path: "#" + ptr + "/$id", Msg: fmt.Sprintf("$id %q is used by two schemas", base)})
				} else {
					p.resources[base] = n
				}
			}
		}
		if a := n.get("$anchor"); a != nil && a.kind == jsonString {
			p.anchors[jsStripFragmentString(base)+"#"+a.str] = n
		}
	}
	p.info[n] = &jsInfo{file: f, base: base, ptr: ptr, defsKey: defsKey}
	if n.kind != jsonObject {
		return
	}
	for _, kw := range jsSchemaKeywords {
		if v := n.get(kw); v != nil && (v.kind == jsonObject || v.kind == jsonBool) {
			p.index(f, v, base, ptr+"/"+jsEscapePointer(kw), "")
		}
	}
	for _, kw := range jsSchemaArrayKeywords {
		if v := n.get(kw); v != nil && v.kind == jsonArray {
			for i, e := range v.elems {
				p.index(f, e, base, ptr+"/"+kw+"/"+strconv.Itoa(i), "")
			}
		}
	}
	for _, kw := range jsSchemaMapKeywords {
		if v := n.get(kw); v != nil && v.kind == jsonObject {
			for _, m := range v.members {
				key := ""
				if kw == "$defs" || kw == "definitions" {
					key = m.key
				}
				p.index(f, m.value, base, ptr+"/"+jsEscapePointer(kw)+"/"+jsEscapePointer(m.key), key)
			}
		}
	}
}

func jsStripFragmentString(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

// resolveRef finds the schema a "$ref" of node from points to. It looks
// the reference up against the base URI in effect (set by $id) and, failing
// that, against the file's own path, so files of a set can refer to each
// other by relative path even when they declare an $id.
func (p *jsParser) resolveRef(from *node) (*node, bool) {
	refNode := from.get("$ref")
	if refNode.kind != jsonString {
		p.errorf(from, "$ref", "$ref must be a string")
		return nil, false
	}
	ref := refNode.str
	in := p.info[from]
	bases := []string{in.base}
	if in.file.uri != in.base {
		bases = append(bases, in.file.uri)
	}
	var tried []string
	for _, base := range bases {
		u, err := jsResolveURI(base, ref)
		if err != nil {
			p.errorf(from, "$ref", "invalid $ref %q: %v", ref, err)
			return nil, false
		}
		doc := jsStripFragment(u)
		res := p.resources[doc]
		if res == nil {
			tried = append(tried, doc)
			continue
		}
		frag := u.Fragment
		switch {
		case frag == "":
			return res, true
		case strings.HasPrefix(frag, "/"):
			return p.walkPointer(from, res, frag)
		default:
			if a := p.anchors[doc+"#"+frag]; a != nil {
				return a, true
			}
			p.errorf(from, "$ref", "unresolved $ref %q: no anchor %q in %s", ref, frag, doc)
			return nil, false
		}
	}
	p.errorf(from, "$ref", "unresolved $ref %q: no schema in this set has the $id or path %s (schemas are not fetched; add the file that defines it)", ref, strings.Join(tried, " or "))
	return nil, false
}

// walkPointer follows the JSON pointer frag from the resource root res.
func (p *jsParser) walkPointer(from, res *node, frag string) (*node, bool) {
	cur := res
	resInfo := p.info[res]
	ptr := resInfo.ptr
	for _, seg := range strings.Split(frag[1:], "/") {
		seg = jsUnescapePointer(seg)
		var next *node
		switch cur.kind {
		case jsonObject:
			next = cur.get(seg)
		case jsonArray:
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(cur.elems) {
				next = cur.elems[i]
			}
		}
		if next == nil {
			p.errorf(from, "$ref", "unresolved $ref %q: %q not found", from.get("$ref").str, seg)
			return nil, false
		}
		cur = next
		ptr += "/" + jsEscapePointer(seg)
	}
	if cur.kind != jsonObject && cur.kind != jsonBool {
		p.errorf(from, "$ref", "$ref %q points to a %s, not a schema", from.get("$ref").str, cur.kind)
		return nil, false
	}
	if p.info[cur] == nil {
		p.index(resInfo.file, cur, resInfo.base, ptr, "")
	}
	return cur, true
}
