package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// jsonField is a property of a record as generated.
type jsonField struct {
	f        *schema.Field
	goName   string // "" for a constant property
	constant string // the value of a constant property
	ptr      bool   // the Go field is a pointer to the value
	isConst  bool
}

// jsonReaches reports whether record from holds record to by value, through
// required, non-null record fields (such a field must be a pointer, or the
// struct would contain itself).
func jsonReaches(from, to *schema.Type, seen map[*schema.Type]bool) bool {
	if from == to {
		return true
	}
	if seen[from] {
		return false
	}
	seen[from] = true
	for _, f := range from.Fields {
		if _, ok := jsonConstantField(f); !ok && f.Required && f.Type.Kind == schema.Record && jsonReaches(f.Type, to, seen) {
			return true
		}
	}
	return false
}

// jsonValidTag reports whether encoding/json accepts name in a struct tag.
func jsonValidTag(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c > 0x7f:
		default:
			return false
		}
	}
	return true
}

func (g *jsonGen) recordFields(t *schema.Type) ([]*jsonField, string) {
	names := NewNamer("AppendJSON", "MarshalJSON", "UnmarshalJSON", "Validate")
	var out []*jsonField
	for _, f := range t.Fields {
		jf := &jsonField{f: f}
		if v, ok := jsonConstantField(f); ok {
			jf.constant, jf.isConst = v, true
		} else {
			jf.goName = names.Name(GoName(f.Name))
			jf.ptr = (!f.Required && !g.nilable(f.Type)) ||
				(f.Required && f.Type.Kind == schema.Record && jsonReaches(f.Type, t, map[*schema.Type]bool{}))
		}
		out = append(out, jf)
	}
	addl := ""
	if t.Constraints != nil && t.Constraints.AdditionalProperties != nil {
		addl = names.Name("AdditionalProperties")
	}
	return out, addl
}

// emitRecord declares a struct with its codec and validation.
func (g *jsonGen) emitRecord(t *schema.Type) {
	name := g.goNames[t]
	fields, addl := g.recordFields(t)
	cons := t.Constraints
	if cons == nil {
		cons = &schema.Constraints{}
	}

	first := fmt.Sprintf("%s is generated from a JSON Schema object.", name)
	var consts []string
	var decls []jen.Code
	for _, jf := range fields {
		if jf.isConst {
			consts = append(consts, fmt.Sprintf("%q is always %q", jf.f.Name, jf.constant))
			continue
		}
		typ := g.goType(jf.f.Type)
		if jf.ptr {
			typ = jen.Op("*").Add(typ)
		}
		field := jen.Id(jf.goName).Add(typ)
		if jsonValidTag(jf.f.Name) {
			tag := jf.f.Name
			if !jf.f.Required {
				tag += ",omitempty"
			}
			field = field.Tag(map[string]string{"json": tag})
		}
		if jf.f.Doc != "" {
			decls = append(decls, jen.Comment(jsonDocComment(jf.f.Doc, "")))
		}
		decls = append(decls, field)
	}
	if addl != "" {
		decls = append(decls,
			jen.Comment(addl+" holds the properties the schema does not declare."),
			jen.Id(addl).Map(jen.String()).Add(g.goType(cons.AdditionalProperties)).Tag(map[string]string{"json": "-"}))
	}
	if len(consts) > 0 {
		first += " Its propert" + map[bool]string{true: "y ", false: "ies "}[len(consts) == 1] + strings.Join(consts, ", ") +
			": written by MarshalJSON and checked by UnmarshalJSON, not held in a field."
	}
	for _, jf := range fields {
		if jf.isConst {
			c := g.constNames[jf.f]
			g.f.Comment(jsonDocComment(fmt.Sprintf("%s is the value of the property %q of %s, which MarshalJSON always writes.", c, jf.f.Name, name), ""))
			g.f.Const().Id(c).Op("=").Lit(jf.constant)
			g.f.Line()
		}
	}
	g.f.Comment(jsonDocComment(first, t.Doc))
	g.f.Type().Id(name).Struct(decls...)
	g.f.Line()

	g.f.Comment("MarshalJSON implements json.Marshaler.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("v").Dot("AppendJSON").Call(jen.Nil())))
	g.f.Line()

	g.f.Comment("AppendJSON appends the JSON encoding of v to dst.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(
		g.recordEncode(t, fields, addl)...)
	g.f.Line()

	g.f.Comment("UnmarshalJSON implements json.Unmarshaler: it reads data, rejects missing required")
	g.f.Comment("properties (and unknown ones, where the schema forbids them), then calls Validate.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("UnmarshalJSON").Params(jen.Id("data").Index().Byte()).Error().Block(
		jen.Id("r").Op(":=").Add(jsonQual("NewJSONReader")).Call(jen.Id("data")),
		jen.If(jen.Err().Op(":=").Id("v").Dot("decodeJSON").Call(jen.Id("r")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("v").Dot("Validate").Call()),
	)
	g.f.Line()

	g.f.Comment("decodeJSON reads v from r without validating it.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("decodeJSON").Params(jen.Id("r").Op("*").Add(jsonQual("JSONReader"))).Error().Block(
		g.recordDecode(t, fields, addl)...)
	g.f.Line()

	g.f.Comment("Validate checks v against its schema and returns the first problem, naming its")
	g.f.Comment("JSON path.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("Validate").Params().Error().Block(
		g.recordValidate(t, fields, addl)...)
	g.f.Line()
}

func (g *jsonGen) recordEncode(t *schema.Type, fields []*jsonField, addl string) []jen.Code {
	c := &jfn{}
	dst := jen.Id("dst")
	// state: 0 nothing written yet, 1 something written, 2 maybe.
	state := 0
	usesStart := false
	comma := func() []jen.Code {
		switch state {
		case 0:
			return nil
		case 1:
			return []jen.Code{jen.Id("dst").Op("=").Append(dst, jen.LitRune(','))}
		}
		usesStart = true
		return []jen.Code{jen.If(jen.Len(dst).Op(">").Id("start")).Block(jen.Id("dst").Op("=").Append(dst, jen.LitRune(',')))}
	}
	key := func(name string) jen.Code {
		return jen.Id("dst").Op("=").Append(dst, jen.Lit(jsonKey(name)).Op("..."))
	}
	var body []jen.Code
	for _, jf := range fields {
		f := jf.f
		field := jen.Id("v").Dot(jf.goName)
		switch {
		case jf.isConst:
			body = append(body, comma()...)
			body = append(body, jen.Id("dst").Op("=").Append(dst, jen.Lit(jsonKey(f.Name)+string(codec.AppendJSONString(nil, jf.constant))).Op("...")))
			state = 1
		case f.Required && !jf.ptr:
			body = append(body, comma()...)
			body = append(body, key(f.Name))
			body = append(body, g.encode(c, f.Type, field)...)
			state = 1
		case f.Required:
			body = append(body, comma()...)
			body = append(body, key(f.Name))
			body = append(body, jen.If(jen.Id("v").Dot(jf.goName).Op("==").Nil()).Block(
				jen.Id("dst").Op("=").Append(dst, jen.Lit("null").Op("...")),
			).Else().Block(g.encode(c, f.Type, jen.Parens(jen.Op("*").Id("v").Dot(jf.goName)))...))
			state = 1
		default:
			val := jen.Id("v").Dot(jf.goName)
			if jf.ptr {
				val = jen.Parens(jen.Op("*").Id("v").Dot(jf.goName))
			}
			inner := append(comma(), key(f.Name))
			inner = append(inner, g.encode(c, f.Type, val)...)
			body = append(body, jen.If(jen.Id("v").Dot(jf.goName).Op("!=").Nil()).Block(inner...))
			if state == 0 {
				state = 2
			}
		}
	}
	if addl != "" {
		k, x := c.tmp("k"), c.tmp("x")
		var declared []jen.Code
		for _, jf := range fields {
			declared = append(declared, jen.Lit(jf.f.Name))
		}
		var loop []jen.Code
		if len(declared) > 0 {
			loop = append(loop, jen.Switch(jen.Id(k)).Block(jen.Case(declared...).Block(jen.Continue())))
		}
		save := state
		state = 2
		loop = append(loop, comma()...)
		state = save
		loop = append(loop,
			jen.Id("dst").Op("=").Add(jsonQual("AppendJSONString")).Call(dst, jen.Id(k)),
			jen.Id("dst").Op("=").Append(dst, jen.LitRune(':')),
		)
		if t.Constraints.AdditionalProperties.Kind != schema.Null {
			loop = append(loop, jen.Id(x).Op(":=").Id("v").Dot(addl).Index(jen.Id(k)))
		}
		loop = append(loop, g.encode(c, t.Constraints.AdditionalProperties, jen.Id(x))...)
		body = append(body, jen.For(jen.List(jen.Id("_"), jen.Id(k)).Op(":=").Range().Add(jsonQual("JSONSortedKeys")).Call(jen.Id("v").Dot(addl))).Block(loop...))
	}
	out := []jen.Code{jen.Id("dst").Op("=").Append(dst, jen.LitRune('{'))}
	if usesStart {
		out = append(out, jen.Id("start").Op(":=").Len(dst))
	}
	out = append(out, body...)
	out = append(out, jen.Id("dst").Op("=").Append(dst, jen.LitRune('}')), jen.Return(dst, jen.Nil()))
	return c.body(out...)
}

func (g *jsonGen) recordDecode(t *schema.Type, fields []*jsonField, addl string) []jen.Code {
	c := &jfn{}
	name := g.goNames[t]
	var required []*jsonField
	for _, jf := range fields {
		if jf.f.Required {
			required = append(required, jf)
		}
	}
	var cases []jen.Code
	for _, jf := range fields {
		f := jf.f
		var stmts []jen.Code
		for i, r := range required {
			if r == jf {
				stmts = append(stmts, jen.Id("seen").Index(jen.Lit(i)).Op("=").True())
			}
		}
		switch {
		case jf.isConst:
			x := c.tmp("x")
			stmts = append(stmts,
				jen.List(jen.Id(x), jen.Err()).Op(":=").Id("r").Dot("ReadString").Call(),
				jsonReturnIfErr(),
				jen.If(jen.Id(x).Op("!=").Lit(jf.constant)).Block(jen.Return(jsonErrf("%q is not the const value %q", jen.Id(x), jen.Lit(jf.constant)))),
			)
		case jf.ptr:
			x := c.tmp("x")
			stmts = append(stmts, jen.Var().Id(x).Add(g.goType(f.Type)))
			stmts = append(stmts, g.decode(c, f.Type, jen.Id(x))...)
			stmts = append(stmts, jen.Id("v").Dot(jf.goName).Op("=").Op("&").Id(x))
		default:
			stmts = append(stmts, g.decode(c, f.Type, jen.Id("v").Dot(jf.goName))...)
		}
		cases = append(cases, jen.Case(jen.Lit(f.Name)).Block(stmts...))
	}
	var other []jen.Code
	switch {
	case addl != "":
		x := c.tmp("x")
		vt := t.Constraints.AdditionalProperties
		other = append(other,
			jen.If(jen.Id("v").Dot(addl).Op("==").Nil()).Block(jen.Id("v").Dot(addl).Op("=").Map(jen.String()).Add(g.goType(vt)).Values()),
			jen.Var().Id(x).Add(g.goType(vt)),
		)
		other = append(other, g.decode(c, vt, jen.Id(x))...)
		other = append(other, jen.Id("v").Dot(addl).Index(jen.String().Call(jen.Id("key"))).Op("=").Id(x))
	case t.Constraints != nil && t.Constraints.NoAdditionalProperties:
		other = append(other, jen.Return(jsonErrf("unknown property (additionalProperties is false)")))
	default:
		other = append(other, jen.Return(jen.Id("r").Dot("Skip").Call()))
	}
	var member []jen.Code
	if len(cases) == 0 {
		member = other
		if addl != "" {
			member = append(member, jen.Return(jen.Nil()))
		}
	} else {
		member = []jen.Code{
			jen.Switch(jen.String().Call(jen.Id("key"))).Block(append(cases, jen.Default().Block(other...))...),
			jen.Return(jen.Nil()),
		}
	}
	member = c.body(member...)
	out := []jen.Code{jen.Op("*").Id("v").Op("=").Id(name).Values()}
	if len(required) > 0 {
		out = append(out, jen.Var().Id("seen").Index(jen.Lit(len(required))).Bool())
	}
	out = append(out,
		jen.If(jen.Err().Op(":=").Id("r").Dot("ReadObject").Call(jen.Func().Params(jen.Id("key").Index().Byte()).Error().Block(member...)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
	for i, r := range required {
		out = append(out, jen.If(jen.Op("!").Id("seen").Index(jen.Lit(i))).Block(jen.Return(jsonQual("JSONMissing").Call(jen.Lit(r.f.Name)))))
	}
	out = append(out, jen.Return(jen.Nil()))
	return out
}

// jsonAllowsNil reports whether nil is a valid value of t (null is allowed).
func jsonAllowsNil(t *schema.Type) bool {
	switch t.Kind {
	case schema.Union:
		for _, b := range t.Branches {
			if b.Kind == schema.Null {
				return true
			}
		}
	case schema.Bytes:
		c := t.Constraints
		if c == nil || len(c.Types) == 0 {
			return true
		}
		for _, ty := range c.Types {
			if ty == "null" {
				return true
			}
		}
	case schema.Array, schema.Map:
		return true // written as [] and {}
	}
	return false
}

func (g *jsonGen) recordValidate(t *schema.Type, fields []*jsonField, addl string) []jen.Code {
	c := &jfn{}
	var out []jen.Code
	for _, jf := range fields {
		if jf.isConst {
			continue
		}
		f := jf.f
		field := jen.Id("v").Dot(jf.goName)
		wrap := jsonFieldWrap(jsonNoWrap, jen.Lit(f.Name))
		if f.Required && (jf.ptr || g.nilable(f.Type) && !jsonAllowsNil(f.Type)) {
			out = append(out, jen.If(jen.Add(field).Op("==").Nil()).Block(jen.Return(jsonQual("JSONMissing").Call(jen.Lit(f.Name)))))
		}
		if !jsonNeedsValidate(f.Type) {
			continue
		}
		switch {
		case jf.ptr:
			out = append(out, jen.If(jen.Add(field).Op("!=").Nil()).Block(
				g.validate(c, f.Type, jen.Parens(jen.Op("*").Id("v").Dot(jf.goName)), wrap)...))
		case !f.Required && g.nilable(f.Type):
			out = append(out, jen.If(jen.Add(field).Op("!=").Nil()).Block(g.validate(c, f.Type, field, wrap)...))
		default:
			out = append(out, g.validate(c, f.Type, field, wrap)...)
		}
	}
	cons := t.Constraints
	if addl != "" && jsonNeedsValidate(cons.AdditionalProperties) {
		k, x := c.tmp("k"), c.tmp("x")
		body := append([]jen.Code{jen.Id(x).Op(":=").Id("v").Dot(addl).Index(jen.Id(k))},
			g.validate(c, cons.AdditionalProperties, jen.Id(x), jsonFieldWrap(jsonNoWrap, jen.Id(k)))...)
		out = append(out, jen.For(jen.List(jen.Id("_"), jen.Id(k)).Op(":=").Range().Add(jsonQual("JSONSortedKeys")).Call(jen.Id("v").Dot(addl))).Block(body...))
	}
	if cons != nil && (cons.MinProperties != nil || cons.MaxProperties != nil) {
		fixed := 0
		var count []jen.Code
		for _, jf := range fields {
			if jf.f.Required {
				fixed++
			} else {
				count = append(count, jen.If(jen.Id("v").Dot(jf.goName).Op("!=").Nil()).Block(jen.Id("n").Op("++")))
			}
		}
		out = append(out, jen.Id("n").Op(":=").Lit(fixed))
		out = append(out, count...)
		if addl != "" {
			out = append(out, jen.Id("n").Op("+=").Len(jen.Id("v").Dot(addl)))
		}
		out = append(out, g.countChecks(cons.MinProperties, cons.MaxProperties, jen.Id("n"), "properties", "minProperties", "maxProperties",
			func(e jen.Code) jen.Code { return jen.Return(e) })...)
	}
	out = append(out, g.encodedEnum(c, t, jen.Parens(jen.Op("*").Id("v")), func(e jen.Code) jen.Code { return jen.Return(e) })...)
	out = append(out, jen.Return(jen.Nil()))
	return out
}

// emitEnum declares a string type with one constant per value.
func (g *jsonGen) emitEnum(t *schema.Type) {
	name := g.goNames[t]
	g.f.Comment(jsonDocComment(fmt.Sprintf("%s is generated from a JSON Schema string enum.", name), t.Doc))
	g.f.Type().Id(name).String()
	g.f.Line()
	var defs []jen.Code
	var cases []jen.Code
	for i, sym := range t.Symbols {
		c := g.consts[t][i]
		defs = append(defs, jen.Id(c).Id(name).Op("=").Lit(sym))
		cases = append(cases, jen.Id(c))
	}
	g.f.Comment("The values of " + name + ".")
	g.f.Const().Defs(defs...)
	g.f.Line()

	g.f.Comment("MarshalJSON implements json.Marshaler.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("v").Dot("AppendJSON").Call(jen.Nil())))
	g.f.Line()
	g.f.Comment("AppendJSON appends the JSON encoding of v to dst.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jsonQual("AppendJSONString").Call(jen.Id("dst"), jen.String().Call(jen.Id("v"))), jen.Nil()))
	g.f.Line()
	g.f.Comment("UnmarshalJSON implements json.Unmarshaler; it calls Validate.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("UnmarshalJSON").Params(jen.Id("data").Index().Byte()).Error().Block(
		jen.Id("r").Op(":=").Add(jsonQual("NewJSONReader")).Call(jen.Id("data")),
		jen.List(jen.Id("s"), jen.Err()).Op(":=").Id("r").Dot("ReadString").Call(),
		jsonReturnIfErr(),
		jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Op("*").Id("v").Op("=").Id(name).Call(jen.Id("s")),
		jen.Return(jen.Id("v").Dot("Validate").Call()),
	)
	g.f.Line()
	c := &jfn{}
	quoted := make([]string, len(t.Symbols))
	for i, s := range t.Symbols {
		quoted[i] = string(codec.AppendJSONString(nil, s))
	}
	body := []jen.Code{jen.Switch(jen.Id("v")).Block(
		jen.Case(cases...).Block(),
		jen.Default().Block(jen.Return(jsonErrf("%q is not one of the enum values "+strings.ReplaceAll(strings.Join(quoted, ", "), "%", "%%"), jen.String().Call(jen.Id("v"))))),
	)}
	if tc := t.Constraints; tc != nil {
		// The value is a string: check its format as text.
		str := &schema.Type{Kind: schema.String, Constraints: &schema.Constraints{MinLength: tc.MinLength, MaxLength: tc.MaxLength, Pattern: tc.Pattern}}
		body = append(body, g.validate(c, str, jen.String().Call(jen.Id("v")), jsonNoWrap)...)
		if codec.KnownJSONFormat(tc.Format) {
			body = append(body, jen.If(jen.Err().Op(":=").Add(jsonQual("CheckJSONFormat")).Call(jen.Lit(tc.Format), jen.String().Call(jen.Id("v"))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
		}
	}
	body = append(body, jen.Return(jen.Nil()))
	g.f.Comment("Validate checks that v is one of the values of the enum.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("Validate").Params().Error().Block(body...)
	g.f.Line()
}

// jsonKindConst is the codec constant for a JSON Schema type name.
func jsonKindConst(name string) string {
	switch name {
	case "null":
		return "JSONNull"
	case "boolean":
		return "JSONBoolean"
	case "integer", "number":
		return "JSONNumber"
	case "string":
		return "JSONString"
	case "array":
		return "JSONArray"
	}
	return "JSONObject"
}

// jsonKinds returns the codec kind constants a branch accepts.
func jsonKinds(t *schema.Type) []string {
	switch t.Kind {
	case schema.Null:
		return []string{"JSONNull"}
	case schema.Boolean:
		return []string{"JSONBoolean"}
	case schema.Long, schema.Double:
		return []string{"JSONNumber"}
	case schema.String, schema.Enum:
		return []string{"JSONString"}
	case schema.Array:
		return []string{"JSONArray"}
	case schema.Record, schema.Map:
		return []string{"JSONObject"}
	case schema.Bytes:
		c := t.Constraints
		if c == nil || len(c.Types) == 0 {
			return []string{"JSONNull", "JSONBoolean", "JSONNumber", "JSONString", "JSONArray", "JSONObject"}
		}
		var out []string
		for _, ty := range c.Types {
			k := jsonKindConst(ty)
			if len(out) == 0 || out[len(out)-1] != k {
				out = append(out, k)
			}
		}
		return out
	case schema.Union:
		var out []string
		for _, b := range t.Branches {
			out = append(out, jsonKinds(b)...)
		}
		return out
	}
	return nil
}

var jsonKindOrder = []string{"JSONNull", "JSONBoolean", "JSONNumber", "JSONString", "JSONArray", "JSONObject"}

// emitUnion declares a sealed interface, its branch types, and the
// functions that encode, decode and validate it.
func (g *jsonGen) emitUnion(t *schema.Type) {
	name := g.goNames[t]
	marker := "is" + name
	branches := g.branches[t]
	var names []string
	nullable := false
	for _, b := range branches {
		if b.t.Kind == schema.Null {
			nullable = true
			continue
		}
		names = append(names, b.name)
	}
	first := fmt.Sprintf("%s is one of %s", name, strings.Join(names, ", "))
	if nullable {
		first += ", or nil for null"
	}
	g.f.Comment(jsonDocComment(first+".", t.Doc))
	g.f.Type().Id(name).Interface(jen.Id(marker).Params())
	g.f.Line()
	for _, b := range branches {
		switch {
		case b.t.Kind == schema.Null:
		case b.decl != "":
			if b.wrap {
				g.f.Comment(fmt.Sprintf("%s is the %s branch of %s.", b.decl, strings.ToLower(jsonBranchSuffix(b.t)), name))
				g.f.Type().Id(b.decl).Struct(jen.Id("Value").Add(g.goType(b.t)))
			} else {
				g.f.Comment(fmt.Sprintf("%s is the %s branch of %s.", b.decl, strings.ToLower(jsonBranchSuffix(b.t)), name))
				g.f.Type().Id(b.decl).Add(g.goType(b.t))
			}
			g.f.Line()
			g.f.Func().Params(jen.Id(b.decl)).Id(marker).Params().Block()
			g.f.Line()
			g.f.Comment("MarshalJSON implements json.Marshaler.")
			g.f.Func().Params(jen.Id("v").Id(b.decl)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
				jen.Return(jen.Id("jsonAppend"+name).Call(jen.Nil(), jen.Id("v"))))
			g.f.Line()
		case b.t.Kind == schema.Record:
			g.f.Func().Params(jen.Op("*").Id(g.goNames[b.t])).Id(marker).Params().Block()
			g.f.Line()
		default:
			g.f.Func().Params(jen.Id(g.goNames[b.t])).Id(marker).Params().Block()
			g.f.Line()
		}
	}
	g.emitUnionAppend(t, name, branches)
	g.emitUnionDecode(t, name, branches, nullable)
	g.emitUnionValidate(t, name, branches, nullable)
}

// branchValue converts a branch variable x to the value of the branch's
// IR type.
func (g *jsonGen) branchValue(b *jsonBranch, x jen.Code) jen.Code {
	if b.wrap {
		return jen.Add(x).Dot("Value")
	}
	return g.goType(b.t).Call(x)
}

func (g *jsonGen) emitUnionAppend(t *schema.Type, name string, branches []*jsonBranch) {
	var cases []jen.Code
	cases = append(cases, jen.Case(jen.Nil()).Block(jen.Return(jen.Append(jen.Id("dst"), jen.Lit("null").Op("...")), jen.Nil())))
	for _, b := range branches {
		switch {
		case b.t.Kind == schema.Null:
		case b.t.Kind == schema.Record:
			cases = append(cases, jen.Case(jen.Op("*").Id(g.goNames[b.t])).Block(
				jen.If(jen.Id("x").Op("==").Nil()).Block(jen.Return(jen.Append(jen.Id("dst"), jen.Lit("null").Op("...")), jen.Nil())),
				jen.Return(jen.Id("x").Dot("AppendJSON").Call(jen.Id("dst")))))
		case jsonValueNamed(b.t):
			cases = append(cases, jen.Case(jen.Id(g.goNames[b.t])).Block(jen.Return(jen.Id("x").Dot("AppendJSON").Call(jen.Id("dst")))))
		default:
			c := &jfn{}
			body := c.body(append(g.encode(c, b.t, g.branchValue(b, jen.Id("x"))), jen.Return(jen.Id("dst"), jen.Nil()))...)
			cases = append(cases, jen.Case(jen.Id(b.decl)).Block(body...))
		}
	}
	g.f.Comment(fmt.Sprintf("jsonAppend%s appends the JSON encoding of v to dst.", name))
	g.f.Func().Id("jsonAppend"+name).Params(jen.Id("dst").Index().Byte(), jen.Id("v").Id(name)).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Switch(jen.Id("x").Op(":=").Id("v").Assert(jen.Type())).Block(cases...),
		jen.Return(jen.Id("dst"), jsonErrf("%T is not a branch of "+name, jen.Id("v"))),
	)
	g.f.Line()
}

func (g *jsonGen) emitUnionDecode(t *schema.Type, name string, branches []*jsonBranch, nullable bool) {
	c := &jfn{}
	byKind := map[string][]*jsonBranch{}
	for _, b := range branches {
		for _, k := range jsonKinds(b.t) {
			byKind[k] = append(byKind[k], b)
		}
	}
	// One case per branch, listing the JSON kinds it takes.
	var cases []jen.Code
	done := map[*jsonBranch]bool{}
	var expected []string
	for _, k := range jsonKindOrder {
		bs := byKind[k]
		if len(bs) == 0 {
			continue
		}
		expected = append(expected, strings.ToLower(strings.TrimPrefix(k, "JSON")))
		if len(bs) > 1 || bs[0].discr != "" {
			cases = append(cases, jen.Case(jsonQual(k)).Block(g.discriminatedDecode(t, name, bs)...))
			continue
		}
		b := bs[0]
		if done[b] {
			continue
		}
		done[b] = true
		var kinds []jen.Code
		for _, k2 := range jsonKindOrder {
			for _, x := range byKind[k2] {
				if x == b {
					kinds = append(kinds, jsonQual(k2))
				}
			}
		}
		var body []jen.Code
		switch b.t.Kind {
		case schema.Null:
			body = []jen.Code{
				jen.If(jen.Err().Op(":=").Id("r").Dot("ReadNull").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				jen.Op("*").Id("out").Op("=").Nil(),
			}
		case schema.Record:
			x := c.tmp("x")
			body = []jen.Code{
				jen.Id(x).Op(":=").New(jen.Id(g.goNames[b.t])),
				jen.If(jen.Err().Op(":=").Id(x).Dot("decodeJSON").Call(jen.Id("r")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				jen.Op("*").Id("out").Op("=").Id(x),
			}
		default:
			x := c.tmp("x")
			body = append([]jen.Code{jen.Var().Id(x).Add(g.goType(b.t))}, g.decode(c, b.t, jen.Id(x))...)
			switch {
			case jsonValueNamed(b.t):
				body = append(body, jen.Op("*").Id("out").Op("=").Id(x))
			case b.wrap:
				body = append(body, jen.Op("*").Id("out").Op("=").Id(b.decl).Values(jen.Dict{jen.Id("Value"): jen.Id(x)}))
			default:
				body = append(body, jen.Op("*").Id("out").Op("=").Id(b.decl).Call(jen.Id(x)))
			}
		}
		body = append(body, jen.Return(jen.Nil()))
		cases = append(cases, jen.Case(kinds...).Block(body...))
	}
	_ = nullable
	g.f.Comment(fmt.Sprintf("jsonDecode%s reads a %s from r, choosing the branch by JSON type", name, name))
	g.f.Comment("(and for objects, by discriminator, when several branches are objects).")
	g.f.Func().Id("jsonDecode"+name).Params(jen.Id("r").Op("*").Add(jsonQual("JSONReader")), jen.Id("out").Op("*").Id(name)).Error().Block(
		jen.List(jen.Id("k"), jen.Err()).Op(":=").Id("r").Dot("Peek").Call(),
		jsonReturnIfErr(),
		jen.Switch(jen.Id("k")).Block(cases...),
		jen.Return(jsonErrf("expected "+strings.Join(expected, " or ")+", got %s", jen.Id("k"))),
	)
	g.f.Line()
}

// discriminatedDecode decodes the object branches of a union by the value
// of their discriminator property.
func (g *jsonGen) discriminatedDecode(t *schema.Type, name string, bs []*jsonBranch) []jen.Code {
	prop := ""
	if t.Constraints != nil {
		prop = t.Constraints.Discriminator
	}
	if prop == "" {
		g.fail(fmt.Errorf("gen: JSON: union %s has several object branches and no discriminator", name))
		return nil
	}
	var cases []jen.Code
	var values []string
	for _, b := range bs {
		if b.t.Kind != schema.Record {
			g.fail(fmt.Errorf("gen: JSON: union %s: a %s branch among discriminated objects", name, b.t.Kind))
			return nil
		}
		values = append(values, string(codec.AppendJSONString(nil, b.discr)))
		cases = append(cases, jen.Case(jen.Lit(b.discr)).Block(
			jen.Id("x").Op(":=").New(jen.Id(g.goNames[b.t])),
			jen.If(jen.Err().Op(":=").Id("x").Dot("decodeJSON").Call(jsonQual("NewJSONReader").Call(jen.Id("raw"))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Op("*").Id("out").Op("=").Id("x"),
			jen.Return(jen.Nil()),
		))
	}
	return []jen.Code{
		jen.List(jen.Id("raw"), jen.Err()).Op(":=").Id("r").Dot("ReadRaw").Call(),
		jsonReturnIfErr(),
		jen.List(jen.Id("tag"), jen.Err()).Op(":=").Add(jsonQual("JSONDiscriminator")).Call(jen.Id("raw"), jen.Lit(prop)),
		jsonReturnIfErr(),
		jen.Switch(jen.Id("tag")).Block(cases...),
		jen.Return(jsonQual("JSONFieldError").Call(jen.Lit(prop),
			jsonErrf("%q is not one of the discriminator values "+strings.ReplaceAll(strings.Join(values, ", "), "%", "%%"), jen.Id("tag")))),
	}
}

func (g *jsonGen) emitUnionValidate(t *schema.Type, name string, branches []*jsonBranch, nullable bool) {
	missing := jen.Return(jsonErrf("no value (nil) for a union that does not allow null"))
	if nullable {
		missing = jen.Return(jen.Nil())
	}
	nilCase := []jen.Code{missing}
	cases := []jen.Code{jen.Case(jen.Nil()).Block(nilCase...)}
	usesX := false
	for _, b := range branches {
		switch {
		case b.t.Kind == schema.Null:
		case b.t.Kind == schema.Record:
			usesX = true
			cases = append(cases, jen.Case(jen.Op("*").Id(g.goNames[b.t])).Block(
				jen.If(jen.Id("x").Op("==").Nil()).Block(missing),
				jen.Return(jen.Id("x").Dot("Validate").Call())))
		case jsonValueNamed(b.t):
			usesX = true
			cases = append(cases, jen.Case(jen.Id(g.goNames[b.t])).Block(jen.Return(jen.Id("x").Dot("Validate").Call())))
		case jsonNeedsValidate(b.t):
			usesX = true
			c := &jfn{}
			val := g.branchValue(b, jen.Id("x"))
			if !b.wrap && b.t.Kind == schema.Array {
				// Index a named slice type directly.
				val = jen.Id("x")
			}
			cases = append(cases, jen.Case(jen.Id(b.decl)).Block(g.validate(c, b.t, val, jsonNoWrap)...))
		}
	}
	sw := jen.Switch(jen.Id("v").Assert(jen.Type())).Block(cases...)
	if usesX {
		sw = jen.Switch(jen.Id("x").Op(":=").Id("v").Assert(jen.Type())).Block(cases...)
	}
	g.f.Comment(fmt.Sprintf("jsonValidate%s checks the branch held by v against its schema.", name))
	g.f.Func().Id("jsonValidate"+name).Params(jen.Id("v").Id(name)).Error().Block(sw, jen.Return(jen.Nil()))
	g.f.Line()
}

// emitWrapper declares the named type of a root that is not a record or an
// enum.
func (g *jsonGen) emitWrapper(t *schema.Type) {
	name := g.wrappers[t]
	if t.Kind == schema.Union && !jsonIsNullable(t) {
		iface := g.goNames[t]
		g.f.Comment(jsonDocComment(fmt.Sprintf("%s is the root type of a JSON Schema: its Value is one of the branches of %s.", name, iface), t.Doc))
		g.f.Type().Id(name).Struct(jen.Id("Value").Id(iface))
		g.f.Line()
		g.wrapperMethods(name,
			[]jen.Code{jen.Return(jen.Id("jsonAppend"+iface).Call(jen.Id("dst"), jen.Id("v").Dot("Value")))},
			[]jen.Code{
				jen.If(jen.Err().Op(":=").Id("jsonDecode"+iface).Call(jen.Id("r"), jen.Op("&").Id("v").Dot("Value")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			},
			[]jen.Code{jen.Return(jen.Id("jsonValidate" + iface).Call(jen.Id("v").Dot("Value")))},
		)
		return
	}
	under := g.goType(t)
	wrapped := false
	var val jen.Code
	switch {
	case t.Kind == schema.Union:
		// A nullable type is a pointer: hold it in a struct.
		wrapped = true
		val = jen.Id("v").Dot("Value")
		g.f.Comment(jsonDocComment(fmt.Sprintf("%s is the root type of a JSON Schema: Value is nil for null.", name), t.Doc))
		g.f.Type().Id(name).Struct(jen.Id("Value").Add(under))
	default:
		val = g.goType(t).Call(jen.Id("v"))
		g.f.Comment(jsonDocComment(fmt.Sprintf("%s is the root type of a JSON Schema.", name), t.Doc))
		g.f.Type().Id(name).Add(under)
	}
	g.f.Line()
	ec := &jfn{}
	enc := ec.body(append(g.encode(ec, t, val), jen.Return(jen.Id("dst"), jen.Nil()))...)
	dc := &jfn{}
	x := dc.tmp("v")
	dec := append([]jen.Code{jen.Var().Id(x).Add(g.goType(t))}, g.decode(dc, t, jen.Id(x))...)
	if wrapped {
		dec = append(dec, jen.Id("v").Dot("Value").Op("=").Id(x))
	} else {
		dec = append(dec, jen.Op("*").Id("v").Op("=").Id(name).Call(jen.Id(x)))
	}
	dec = dc.body(dec...)
	vc := &jfn{}
	vval := val
	if t.Kind == schema.Array {
		vval = jen.Id("v")
	}
	valid := append(g.validate(vc, t, vval, jsonNoWrap), jen.Return(jen.Nil()))
	g.wrapperMethods(name, enc, dec, valid)
}

// wrapperMethods writes MarshalJSON, AppendJSON, UnmarshalJSON and Validate
// of a root wrapper type from the bodies of AppendJSON, the decoding part of
// UnmarshalJSON, and Validate.
func (g *jsonGen) wrapperMethods(name string, enc, dec, valid []jen.Code) {
	g.f.Comment("MarshalJSON implements json.Marshaler.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("v").Dot("AppendJSON").Call(jen.Nil())))
	g.f.Line()
	g.f.Comment("AppendJSON appends the JSON encoding of v to dst.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(enc...)
	g.f.Line()
	body := append([]jen.Code{jen.Id("r").Op(":=").Add(jsonQual("NewJSONReader")).Call(jen.Id("data"))}, dec...)
	body = append(body,
		jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("v").Dot("Validate").Call()))
	g.f.Comment("UnmarshalJSON implements json.Unmarshaler; it calls Validate.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("UnmarshalJSON").Params(jen.Id("data").Index().Byte()).Error().Block(body...)
	g.f.Line()
	g.f.Comment("Validate checks v against its schema and returns the first problem, naming its")
	g.f.Comment("JSON path.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("Validate").Params().Error().Block(valid...)
	g.f.Line()
}

// emitOverlap declares the named raw JSON type of a union whose branches
// overlap, with a Validate that tries every branch.
func (g *jsonGen) emitOverlap(t *schema.Type) {
	name := g.goNames[t]
	kw, rule := "anyOf", "at least one"
	if t.Constraints.OneOf {
		kw, rule = "oneOf", "exactly one"
	}
	g.f.Comment(jsonDocComment(fmt.Sprintf("%s is a JSON value that must match %s of the schemas of its %s. "+
		"They overlap (no JSON type or discriminator tells them apart), so the value is kept as raw JSON and Validate tries each.",
		name, rule, kw), t.Doc))
	g.f.Type().Id(name).Qual("encoding/json", "RawMessage")
	g.f.Line()
	var matchers []jen.Code
	for i, b := range t.Branches {
		fn := fmt.Sprintf("jsonMatch%s%d", name, i+1)
		matchers = append(matchers, jen.Id(fn))
		c := &jfn{}
		body := []jen.Code{jen.Id("r").Op(":=").Add(jsonQual("NewJSONReader")).Call(jen.Id("raw"))}
		if b.Kind == schema.Null {
			body = append(body, jen.If(jen.Err().Op(":=").Id("r").Dot("ReadNull").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
		} else {
			body = append(body, jen.Var().Id("x").Add(g.goType(b)))
			body = append(body, g.decode(c, b, jen.Id("x"))...)
		}
		body = append(body, jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())))
		if b.Kind != schema.Null {
			if jsonNeedsValidate(b) {
				body = append(body, g.validate(c, b, jen.Id("x"), jsonNoWrap)...)
			} else {
				body = append(body, jen.Id("_").Op("=").Id("x"))
			}
		}
		body = append(body, jen.Return(jen.Nil()))
		g.f.Comment(fmt.Sprintf("%s checks raw against branch %d of %s.", fn, i+1, name))
		g.f.Func().Id(fn).Params(jen.Id("raw").Index().Byte()).Error().Block(c.body(body...)...)
		g.f.Line()
	}
	g.f.Comment("MarshalJSON implements json.Marshaler.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("v").Dot("AppendJSON").Call(jen.Nil())))
	g.f.Line()
	g.f.Comment("AppendJSON appends v to dst without insignificant white space; nil is null.")
	g.f.Func().Params(jen.Id("v").Id(name)).Id("AppendJSON").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jsonQual("AppendJSONRaw").Call(jen.Id("dst"), jen.Id("v"))))
	g.f.Line()
	g.f.Comment("UnmarshalJSON implements json.Unmarshaler; it calls Validate.")
	g.f.Func().Params(jen.Id("v").Op("*").Id(name)).Id("UnmarshalJSON").Params(jen.Id("data").Index().Byte()).Error().Block(
		jen.Id("r").Op(":=").Add(jsonQual("NewJSONReader")).Call(jen.Id("data")),
		jen.List(jen.Id("raw"), jen.Err()).Op(":=").Id("r").Dot("ReadRaw").Call(),
		jsonReturnIfErr(),
		jen.If(jen.Err().Op(":=").Id("r").Dot("End").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Op("*").Id("v").Op("=").Append(jen.Id(name).Call(jen.Nil()), jen.Id("raw").Op("...")),
		jen.Return(jen.Id("v").Dot("Validate").Call()),
	)
	g.f.Line()
	check := []jen.Code{
		jen.Id("raw").Op(":=").Index().Byte().Call(jen.Id("v")),
		jen.If(jen.Len(jen.Id("raw")).Op("==").Lit(0)).Block(jen.Id("raw").Op("=").Index().Byte().Call(jen.Lit("null"))),
		jen.Id("matched").Op(":=").Lit(0),
		jen.Var().Id("first").Error(),
		jen.For(jen.List(jen.Id("_"), jen.Id("match")).Op(":=").Range().Index().Func().Params(jen.Index().Byte()).Error().Values(matchers...)).Block(
			jen.If(jen.Err().Op(":=").Id("match").Call(jen.Id("raw")), jen.Err().Op("!=").Nil()).Block(
				jen.If(jen.Id("first").Op("==").Nil()).Block(jen.Id("first").Op("=").Err()),
				jen.Continue(),
			),
			jen.Id("matched").Op("++"),
		),
		jen.If(jen.Id("matched").Op("==").Lit(0)).Block(
			jen.Return(jsonErrf("matches none of the %d branches of "+kw+" (the first says: %v)", jen.Lit(len(t.Branches)), jen.Id("first")))),
	}
	if t.Constraints.OneOf {
		check = append(check, jen.If(jen.Id("matched").Op(">").Lit(1)).Block(
			jen.Return(jsonErrf("matches %d branches of oneOf, not exactly one", jen.Id("matched")))))
	}
	check = append(check, jen.Return(jen.Nil()))
	g.f.Comment(fmt.Sprintf("Validate checks that v matches %s of the branches of its %s.", rule, kw))
	g.f.Func().Params(jen.Id("v").Id(name)).Id("Validate").Params().Error().Block(check...)
	g.f.Line()
}
