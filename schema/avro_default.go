package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// errUnresolved marks a default that cannot be checked because part of its
// type did not resolve; the unresolved name was already reported.
var errUnresolved = &Error{Msg: "unresolved type"}

// fieldDefault validates the default of one field once, storing the value
// in Field.Default. A record default that leaves a field out takes that
// field's own default, so defaults are validated on demand; a default that
// depends on itself is reported.
func (p *avroParser) fieldDefault(d *avroDefault) bool {
	switch d.state {
	case 1:
		return false
	case 2:
		return !d.failed
	}
	d.state = 1
	v, err := p.defaultValue(d.field.Type, d.node, d.path)
	d.state = 2
	if err != nil {
		d.failed = true
		if err != errUnresolved {
			p.errs = append(p.errs, err)
		}
		return false
	}
	d.field.Default = v
	return true
}

// defaultValue checks the JSON default n against t and converts it to the
// Value shape documented on Value. It returns the first problem found.
func (p *avroParser) defaultValue(t *Type, n *node, path string) (Value, *Error) {
	if t == nil {
		return nil, errUnresolved
	}
	bad := func(want string) *Error {
		return &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default must be %s, got %s", typeDesc(t), want, describeNode(n))}
	}
	switch t.Kind {
	case Null:
		if n.kind != jsonNull {
			return nil, bad("null")
		}
		return nil, nil
	case Boolean:
		if n.kind != jsonBool {
			return nil, bad("true or false")
		}
		return n.boolean, nil
	case Int, Long:
		if n.kind != jsonNumber || strings.ContainsAny(n.str, ".eE") {
			return nil, bad("an integer")
		}
		bits := 64
		if t.Kind == Int {
			bits = 32
		}
		v, err := strconv.ParseInt(n.str, 10, bits)
		if err != nil {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default %s does not fit in %d bits", typeDesc(t), n.str, bits)}
		}
		if t.Kind == Int {
			return int32(v), nil
		}
		return v, nil
	case Float, Double:
		if n.kind != jsonNumber {
			return nil, bad("a number")
		}
		bits := 64
		if t.Kind == Float {
			bits = 32
		}
		v, err := strconv.ParseFloat(n.str, bits)
		if err != nil && errors.Is(err, strconv.ErrRange) && (v > 1 || v < -1) {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default %s is out of range", typeDesc(t), n.str)}
		}
		if t.Kind == Float {
			return float32(v), nil
		}
		return v, nil
	case String:
		if n.kind != jsonString {
			return nil, bad("a string")
		}
		return n.str, nil
	case Bytes, Fixed:
		if n.kind != jsonString {
			return nil, bad("a string of code points 0-255")
		}
		b, ok := latin1(n.str)
		if !ok {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default must be a string of code points 0-255 (one per byte), got %s", typeDesc(t), describeNode(n))}
		}
		if t.Kind == Fixed && len(b) != t.Size {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default has %d bytes, want %d", typeDesc(t), len(b), t.Size)}
		}
		return b, nil
	case Enum:
		if n.kind != jsonString {
			return nil, bad("a symbol string")
		}
		if !contains(t.Symbols, n.str) {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%q is not a symbol of %s", n.str, typeDesc(t))}
		}
		return n.str, nil
	case Array:
		if n.kind != jsonArray {
			return nil, bad("an array")
		}
		out := make([]Value, len(n.elems))
		for i, e := range n.elems {
			v, err := p.defaultValue(t.Items, e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case Map:
		if n.kind != jsonObject {
			return nil, bad("an object")
		}
		out := make(map[string]Value, len(n.members))
		for _, m := range n.members {
			v, err := p.defaultValue(t.Values, m.value, fmt.Sprintf("%s[%s]", path, strconv.Quote(m.key)))
			if err != nil {
				return nil, err
			}
			out[m.key] = v
		}
		return out, nil
	case Record:
		return p.recordDefault(t, n, path)
	case Union:
		if len(t.Branches) == 0 {
			return nil, &Error{Pos: n.pos, Path: path, Msg: "the empty union has no values, so it cannot have a default"}
		}
		var first *Error
		for i, b := range t.Branches {
			v, err := p.defaultValue(b, n, path)
			if err == nil {
				return UnionValue{Branch: i, Value: v}, nil
			}
			if err == errUnresolved {
				return nil, err
			}
			if first == nil {
				first = err
			}
		}
		if len(t.Branches) == 1 {
			return nil, first
		}
		return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("default %s matches no branch of %s", describeNode(n), typeDesc(t))}
	}
	return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("cannot check a default for %s", typeDesc(t))}
}

// recordDefault checks an object default against a record: each field takes
// the object's member or, when absent, the field's own default.
func (p *avroParser) recordDefault(t *Type, n *node, path string) (Value, *Error) {
	if n.kind != jsonObject {
		return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default must be an object, got %s", typeDesc(t), describeNode(n))}
	}
	for _, m := range n.members {
		if fieldByName(t, m.key) == nil {
			return nil, &Error{Pos: m.keyPos, Path: path, Msg: fmt.Sprintf("%s has no field %q", typeDesc(t), m.key)}
		}
	}
	out := make(map[string]Value, len(t.Fields))
	for _, f := range t.Fields {
		if m := n.get(f.Name); m != nil {
			v, err := p.defaultValue(f.Type, m, joinPath(path, f.Name))
			if err != nil {
				return nil, err
			}
			out[f.Name] = v
			continue
		}
		d := p.byField[f]
		if d == nil {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default leaves out field %q, which has no default of its own", typeDesc(t), f.Name)}
		}
		if d.state == 1 {
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default leaves out field %q, whose own default depends on this one", typeDesc(t), f.Name)}
		}
		if !p.fieldDefault(d) {
			if f.Type == nil {
				return nil, errUnresolved
			}
			return nil, &Error{Pos: n.pos, Path: path, Msg: fmt.Sprintf("%s default leaves out field %q, whose own default is invalid", typeDesc(t), f.Name)}
		}
		out[f.Name] = f.Default
	}
	return out, nil
}

func fieldByName(t *Type, name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// latin1 maps each code point 0-255 of s to one byte, as Avro's JSON
// encoding of bytes and fixed does.
func latin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// typeDesc describes a type for error messages: the full name of a named
// type, the kind of an unnamed one, and the branches of a union.
func typeDesc(t *Type) string {
	if t == nil {
		return "unresolved type"
	}
	switch {
	case t.Kind.IsNamed():
		return fmt.Sprintf("%s %s", t.Kind, t.Name.Full())
	case t.Kind == Union:
		parts := make([]string, len(t.Branches))
		for i, b := range t.Branches {
			switch {
			case b == nil:
				parts[i] = "?"
			case b.Kind.IsNamed():
				parts[i] = b.Name.Full()
			default:
				parts[i] = b.Kind.String()
			}
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	}
	return t.Kind.String()
}
