package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CanonicalForm returns the Parsing Canonical Form of t, as defined in the
// Avro specification: primitives in their simple form, full names without
// namespace attributes, only the attributes that matter for parsing (type,
// name, fields, symbols, items, values, size) in that order, strings
// unescaped to UTF-8, and no whitespace. A named type is written in full at
// its first occurrence (depth-first, left to right) and by its full name
// afterwards.
func (t *Type) CanonicalForm() string {
	var b strings.Builder
	writeCanonical(&b, t, map[*Type]bool{})
	return b.String()
}

func writeCanonical(b *strings.Builder, t *Type, seen map[*Type]bool) {
	if t == nil {
		b.WriteString("null")
		return
	}
	switch t.Kind {
	case Record, Enum, Fixed:
		if seen[t] {
			writeJSONString(b, t.Name.Full())
			return
		}
		seen[t] = true
		b.WriteString(`{"name":`)
		writeJSONString(b, t.Name.Full())
		b.WriteString(`,"type":`)
		writeJSONString(b, t.Kind.String())
		switch t.Kind {
		case Record:
			b.WriteString(`,"fields":[`)
			for i, f := range t.Fields {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"name":`)
				writeJSONString(b, f.Name)
				b.WriteString(`,"type":`)
				writeCanonical(b, f.Type, seen)
				b.WriteByte('}')
			}
			b.WriteByte(']')
		case Enum:
			b.WriteString(`,"symbols":[`)
			for i, s := range t.Symbols {
				if i > 0 {
					b.WriteByte(',')
				}
				writeJSONString(b, s)
			}
			b.WriteByte(']')
		case Fixed:
			b.WriteString(`,"size":`)
			b.WriteString(strconv.Itoa(t.Size))
		}
		b.WriteByte('}')
	case Array:
		b.WriteString(`{"type":"array","items":`)
		writeCanonical(b, t.Items, seen)
		b.WriteByte('}')
	case Map:
		b.WriteString(`{"type":"map","values":`)
		writeCanonical(b, t.Values, seen)
		b.WriteByte('}')
	case Union:
		b.WriteByte('[')
		for i, br := range t.Branches {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, br, seen)
		}
		b.WriteByte(']')
	default:
		writeJSONString(b, t.Kind.String())
	}
}

// AvroJSON returns the full JSON schema of t, self-contained and
// deterministic: the first occurrence of each named type (depth-first, left
// to right) is its full definition, with its namespace when it differs from
// the enclosing one, doc, aliases, fields with doc, default, order (when
// not ascending) and aliases, the enum default, the logical type with its
// attributes, and custom properties in source order; later occurrences are
// the full name. Parsing the result with ParseAvroString gives an
// equivalent schema (same canonical form, defaults, logical types, docs and
// properties). Records declared with "type":"error" are written as records.
//
// Map defaults are written with their keys sorted, since Value holds them
// in a Go map. A reference from a namespaced type to a type in the null
// namespace is written by its simple name, which parses back only because
// ParseAvro falls back to the null namespace for unqualified names.
func (t *Type) AvroJSON() string {
	w := &avroWriter{seen: map[*Type]bool{}}
	w.typ(t, "")
	return w.b.String()
}

type avroWriter struct {
	b    strings.Builder
	seen map[*Type]bool
}

func (w *avroWriter) str(s string) { writeJSONString(&w.b, s) }

// key writes `,"k":` (or `"k":` right after an opening brace).
func (w *avroWriter) key(k string) {
	if s := w.b.String(); len(s) > 0 && s[len(s)-1] != '{' {
		w.b.WriteByte(',')
	}
	w.str(k)
	w.b.WriteByte(':')
}

func (w *avroWriter) props(props []Prop) {
	for _, p := range props {
		w.key(p.Name)
		w.b.WriteString(p.Value)
	}
}

func (w *avroWriter) logical(l *Logical) {
	if l == nil {
		return
	}
	w.key("logicalType")
	w.str(l.Name)
	if l.Name == LogicalDecimal {
		w.key("precision")
		w.b.WriteString(strconv.Itoa(l.Precision))
		w.key("scale")
		w.b.WriteString(strconv.Itoa(l.Scale))
	}
}

// typ writes t inside a definition whose namespace is ns.
func (w *avroWriter) typ(t *Type, ns string) {
	if t == nil {
		w.b.WriteString("null")
		return
	}
	switch t.Kind {
	case Record, Enum, Fixed:
		w.named(t, ns)
	case Array:
		w.b.WriteString(`{"type":"array","items":`)
		w.typ(t.Items, ns)
		w.logical(t.Logical)
		w.props(t.Props)
		w.b.WriteByte('}')
	case Map:
		w.b.WriteString(`{"type":"map","values":`)
		w.typ(t.Values, ns)
		w.logical(t.Logical)
		w.props(t.Props)
		w.b.WriteByte('}')
	case Union:
		w.b.WriteByte('[')
		for i, br := range t.Branches {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.typ(br, ns)
		}
		w.b.WriteByte(']')
	default:
		if t.Logical == nil && len(t.Props) == 0 {
			w.str(t.Kind.String())
			return
		}
		w.b.WriteString(`{"type":`)
		w.str(t.Kind.String())
		w.logical(t.Logical)
		w.props(t.Props)
		w.b.WriteByte('}')
	}
}

func (w *avroWriter) named(t *Type, ns string) {
	if w.seen[t] {
		w.str(t.Name.Full())
		return
	}
	w.seen[t] = true
	w.b.WriteString(`{"type":`)
	w.str(t.Kind.String())
	w.key("name")
	w.str(t.Name.Name)
	if t.Name.Namespace != ns {
		w.key("namespace")
		w.str(t.Name.Namespace)
	}
	if t.Doc != "" {
		w.key("doc")
		w.str(t.Doc)
	}
	if len(t.Aliases) > 0 {
		w.key("aliases")
		w.b.WriteByte('[')
		for i, a := range t.Aliases {
			if i > 0 {
				w.b.WriteByte(',')
			}
			if a.Namespace == t.Name.Namespace && !strings.Contains(a.Name, ".") {
				w.str(a.Name)
			} else {
				w.str(a.Full())
			}
		}
		w.b.WriteByte(']')
	}
	inner := t.Name.Namespace
	switch t.Kind {
	case Record:
		w.key("fields")
		w.b.WriteByte('[')
		for i, f := range t.Fields {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.field(f, inner)
		}
		w.b.WriteByte(']')
	case Enum:
		w.key("symbols")
		w.b.WriteByte('[')
		for i, s := range t.Symbols {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.str(s)
		}
		w.b.WriteByte(']')
		if t.HasEnumDefault {
			w.key("default")
			w.str(t.EnumDefault)
		}
	case Fixed:
		w.key("size")
		w.b.WriteString(strconv.Itoa(t.Size))
	}
	w.logical(t.Logical)
	w.props(t.Props)
	w.b.WriteByte('}')
}

func (w *avroWriter) field(f *Field, ns string) {
	w.b.WriteString(`{"name":`)
	w.str(f.Name)
	w.key("type")
	w.typ(f.Type, ns)
	if f.Doc != "" {
		w.key("doc")
		w.str(f.Doc)
	}
	if f.HasDefault {
		w.key("default")
		writeValue(&w.b, f.Type, f.Default)
	}
	if f.Order != "" && f.Order != "ascending" {
		w.key("order")
		w.str(f.Order)
	}
	if len(f.Aliases) > 0 {
		w.key("aliases")
		w.b.WriteByte('[')
		for i, a := range f.Aliases {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.str(a)
		}
		w.b.WriteByte(']')
	}
	w.props(f.Props)
	w.b.WriteByte('}')
}

// writeValue writes a default value of type t as Avro's JSON encoding of
// defaults: a union default is written as the value of its branch, bytes
// and fixed as strings with one code point per byte.
func writeValue(b *strings.Builder, t *Type, v Value) {
	if t != nil && t.Kind == Union {
		if u, ok := v.(UnionValue); ok && u.Branch >= 0 && u.Branch < len(t.Branches) {
			writeValue(b, t.Branches[u.Branch], u.Value)
			return
		}
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float32:
		b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case string:
		writeJSONString(b, v)
	case []byte:
		writeLatin1(b, v)
	case []Value:
		var items *Type
		if t != nil {
			items = t.Items
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, items, e)
		}
		b.WriteByte(']')
	case map[string]Value:
		b.WriteByte('{')
		if t != nil && t.Kind == Record {
			first := true
			for _, f := range t.Fields {
				fv, ok := v[f.Name]
				if !ok {
					continue
				}
				if !first {
					b.WriteByte(',')
				}
				first = false
				writeJSONString(b, f.Name)
				b.WriteByte(':')
				writeValue(b, f.Type, fv)
			}
		} else {
			var values *Type
			if t != nil {
				values = t.Values
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				writeJSONString(b, k)
				b.WriteByte(':')
				writeValue(b, values, v[k])
			}
		}
		b.WriteByte('}')
	case UnionValue:
		writeValue(b, nil, v.Value)
	default:
		writeJSONString(b, fmt.Sprint(v))
	}
}

// writeLatin1 writes bytes as a JSON string with one code point per byte,
// escaping everything outside printable ASCII.
func writeLatin1(b *strings.Builder, v []byte) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, c := range v {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// writeJSONString writes s as a JSON string literal: UTF-8 as is (the
// canonical form's STRINGS rule), escaping only what JSON requires.
func writeJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c == '\b':
				b.WriteString(`\b`)
			case c == '\f':
				b.WriteString(`\f`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
