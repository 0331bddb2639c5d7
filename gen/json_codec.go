package gen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// jfn is the state of one generated function: whether its body uses the
// shared err variable, and a counter for temporary names.
type jfn struct {
	usesErr bool
	n       int
}

func (c *jfn) tmp(prefix string) string {
	c.n++
	return prefix + strconv.Itoa(c.n)
}

// body prepends "var err error" when the statements need it.
func (c *jfn) body(stmts ...jen.Code) []jen.Code {
	if c.usesErr {
		return append([]jen.Code{jen.Var().Err().Error()}, stmts...)
	}
	return stmts
}

func jsonQual(name string) *jen.Statement { return jen.Qual(CodecImport, name) }

func jsonErrf(jsonFormat string, args ...jen.Code) *jen.Statement {
	return jsonQual("JSONErrorf").Call(append([]jen.Code{jen.Lit(jsonFormat)}, args...)...)
}

func jsonReturnIfErr() jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

type jsonWrapFunc func(e jen.Code) jen.Code

func jsonNoWrap(e jen.Code) jen.Code { return e }

func jsonFieldWrap(outer jsonWrapFunc, name jen.Code) jsonWrapFunc {
	return func(e jen.Code) jen.Code { return outer(jsonQual("JSONFieldError").Call(name, e)) }
}

func jsonIndexWrap(outer jsonWrapFunc, i string) jsonWrapFunc {
	return func(e jen.Code) jen.Code { return outer(jsonQual("JSONIndexError").Call(jen.Id(i), e)) }
}

// jsonKey returns the JSON text `"name":`.
func jsonKey(name string) string {
	return string(codec.AppendJSONString(nil, name)) + ":"
}

// ---- encoding ----

// encode returns statements that append the JSON of val (of type t) to dst,
// returning (dst, err) on failure.
func (g *jsonGen) encode(c *jfn, t *schema.Type, val jen.Code) []jen.Code {
	dst := jen.Id("dst")
	set := func(call jen.Code) []jen.Code { return []jen.Code{jen.Id("dst").Op("=").Add(call)} }
	check := func(call jen.Code) []jen.Code {
		c.usesErr = true
		return []jen.Code{jen.If(jen.List(jen.Id("dst"), jen.Err()).Op("=").Add(call), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("dst"), jen.Err()))}
	}
	switch t.Kind {
	case schema.Null:
		return set(jen.Append(dst, jen.Lit("null").Op("...")))
	case schema.Boolean:
		return set(jen.Qual("strconv", "AppendBool").Call(dst, val))
	case schema.Long:
		return set(jen.Qual("strconv", "AppendInt").Call(dst, val, jen.Lit(10)))
	case schema.Double:
		return check(jsonQual("AppendJSONFloat").Call(dst, val))
	case schema.String:
		switch jsonFormat(t) {
		case "date-time":
			return check(jsonQual("AppendJSONDateTime").Call(dst, val))
		case "date":
			return check(jsonQual("AppendJSONDate").Call(dst, val))
		case "uuid":
			return set(jsonQual("AppendJSONUUID").Call(dst, val))
		}
		return set(jsonQual("AppendJSONString").Call(dst, val))
	case schema.Enum:
		return set(jsonQual("AppendJSONString").Call(dst, jen.String().Call(val)))
	case schema.Record:
		return check(jen.Add(val).Dot("AppendJSON").Call(dst))
	case schema.Bytes:
		return check(jsonQual("AppendJSONRaw").Call(dst, val))
	case schema.Array:
		i, x := c.tmp("i"), c.tmp("x")
		loop := append([]jen.Code{jen.If(jen.Id(i).Op(">").Lit(0)).Block(jen.Id("dst").Op("=").Append(dst, jen.LitRune(',')))}, g.encode(c, t.Items, jen.Id(x))...)
		out := set(jen.Append(dst, jen.LitRune('[')))
		vars := jen.List(jen.Id(i), jen.Id(x))
		if t.Items.Kind == schema.Null {
			vars = jen.Id(i) // null items are written without looking at them
		}
		out = append(out, jen.For(vars.Op(":=").Range().Add(val)).Block(loop...))
		return append(out, set(jen.Append(dst, jen.LitRune(']')))...)
	case schema.Map:
		i, k, x := c.tmp("i"), c.tmp("k"), c.tmp("x")
		loop := []jen.Code{
			jen.If(jen.Id(i).Op(">").Lit(0)).Block(jen.Id("dst").Op("=").Append(dst, jen.LitRune(','))),
			jen.Id("dst").Op("=").Add(jsonQual("AppendJSONString")).Call(dst, jen.Id(k)),
			jen.Id("dst").Op("=").Append(dst, jen.LitRune(':')),
		}
		if t.Values.Kind != schema.Null {
			loop = append(loop, jen.Id(x).Op(":=").Add(val).Index(jen.Id(k)))
		}
		loop = append(loop, g.encode(c, t.Values, jen.Id(x))...)
		out := set(jen.Append(dst, jen.LitRune('{')))
		out = append(out, jen.For(jen.List(jen.Id(i), jen.Id(k)).Op(":=").Range().Add(jsonQual("JSONSortedKeys")).Call(val)).Block(loop...))
		return append(out, set(jen.Append(dst, jen.LitRune('}')))...)
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			deref := jen.Add(val)
			if !g.nilable(inner) {
				deref = jen.Parens(jen.Op("*").Add(val))
			}
			return []jen.Code{jen.If(jen.Add(val).Op("==").Nil()).Block(
				jen.Id("dst").Op("=").Append(dst, jen.Lit("null").Op("...")),
			).Else().Block(g.encode(c, inner, deref)...)}
		}
		if jsonOverlapping(t) {
			return check(jen.Add(val).Dot("AppendJSON").Call(dst))
		}
		return check(jen.Id("jsonAppend"+g.goNames[t]).Call(dst, val))
	}
	g.fail(fmt.Errorf("gen: JSON: cannot encode a %s", t.Kind))
	return nil
}

// ---- decoding ----

// decode returns statements that read a value of type t from r into
// target (an assignable, addressable expression), returning err on failure.
func (g *jsonGen) decode(c *jfn, t *schema.Type, target jen.Code) []jen.Code {
	read := func(method string, conv func(x jen.Code) jen.Code) []jen.Code {
		if conv == nil {
			c.usesErr = true
			return []jen.Code{jen.If(jen.List(target, jen.Err()).Op("=").Id("r").Dot(method).Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
		}
		x := c.tmp("x")
		return []jen.Code{jen.Block(
			jen.List(jen.Id(x), jen.Err()).Op(":=").Id("r").Dot(method).Call(),
			jsonReturnIfErr(),
			jen.Add(target).Op("=").Add(conv(jen.Id(x))),
		)}
	}
	var same func(x jen.Code) jen.Code // read straight into target
	switch t.Kind {
	case schema.Null:
		return []jen.Code{
			jen.If(jen.Err().Op(":=").Id("r").Dot("ReadNull").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Add(target).Op("=").Add(jsonQual("Null")).Values(),
		}
	case schema.Boolean:
		return read("ReadBool", same)
	case schema.Long:
		return read("ReadInt64", same)
	case schema.Double:
		return read("ReadFloat64", same)
	case schema.String:
		switch jsonFormat(t) {
		case "date-time":
			return read("ReadDateTime", same)
		case "date":
			return read("ReadDate", same)
		case "uuid":
			return read("ReadUUID", same)
		}
		return read("ReadString", same)
	case schema.Enum:
		return read("ReadString", func(x jen.Code) jen.Code { return jen.Id(g.goNames[t]).Call(x) })
	case schema.Record:
		return []jen.Code{jen.If(jen.Err().Op(":=").Add(target).Dot("decodeJSON").Call(jen.Id("r")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	case schema.Bytes:
		return read("ReadRaw", func(x jen.Code) jen.Code {
			return jen.Append(jen.Qual("encoding/json", "RawMessage").Call(jen.Nil()), jen.Add(x).Op("..."))
		})
	case schema.Array:
		a, x := c.tmp("a"), c.tmp("x")
		cc := &jfn{n: c.n}
		elem := append([]jen.Code{jen.Var().Id(x).Add(g.goType(t.Items))}, g.decode(cc, t.Items, jen.Id(x))...)
		elem = cc.body(append(elem, jen.Id(a).Op("=").Append(jen.Id(a), jen.Id(x)), jen.Return(jen.Nil()))...)
		c.n = cc.n
		return []jen.Code{jen.Block(
			jen.Id(a).Op(":=").Add(g.goType(t)).Values(),
			jen.If(jen.Err().Op(":=").Id("r").Dot("ReadArray").Call(jen.Func().Params(jen.Int()).Error().Block(elem...)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Add(target).Op("=").Id(a),
		)}
	case schema.Map:
		m, k, x := c.tmp("m"), c.tmp("k"), c.tmp("x")
		cc := &jfn{n: c.n}
		elem := append([]jen.Code{jen.Var().Id(x).Add(g.goType(t.Values))}, g.decode(cc, t.Values, jen.Id(x))...)
		elem = cc.body(append(elem, jen.Id(m).Index(jen.String().Call(jen.Id(k))).Op("=").Id(x), jen.Return(jen.Nil()))...)
		c.n = cc.n
		return []jen.Code{jen.Block(
			jen.Id(m).Op(":=").Add(g.goType(t)).Values(),
			jen.If(jen.Err().Op(":=").Id("r").Dot("ReadObject").Call(jen.Func().Params(jen.Id(k).Index().Byte()).Error().Block(elem...)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Add(target).Op("=").Id(m),
		)}
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			k, x := c.tmp("k"), c.tmp("x")
			assign := jen.Add(target).Op("=").Op("&").Id(x)
			if g.nilable(inner) {
				assign = jen.Add(target).Op("=").Id(x)
			}
			// The statements below use the block's own err.
			saved := c.usesErr
			notNull := append([]jen.Code{jen.Var().Id(x).Add(g.goType(inner))}, g.decode(c, inner, jen.Id(x))...)
			notNull = append(notNull, assign)
			c.usesErr = saved
			return []jen.Code{jen.Block(
				jen.List(jen.Id(k), jen.Err()).Op(":=").Id("r").Dot("Peek").Call(),
				jsonReturnIfErr(),
				jen.If(jen.Id(k).Op("==").Add(jsonQual("JSONNull"))).Block(
					jen.If(jen.Err().Op(":=").Id("r").Dot("ReadNull").Call(), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
					jen.Add(target).Op("=").Nil(),
				).Else().Block(notNull...),
			)}
		}
		if jsonOverlapping(t) {
			return read("ReadRaw", func(x jen.Code) jen.Code {
				return jen.Append(jen.Id(g.goNames[t]).Call(jen.Nil()), jen.Add(x).Op("..."))
			})
		}
		return []jen.Code{jen.If(jen.Err().Op(":=").Id("jsonDecode"+g.goNames[t]).Call(jen.Id("r"), jen.Op("&").Add(target)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))}
	}
	g.fail(fmt.Errorf("gen: JSON: cannot decode a %s", t.Kind))
	return nil
}

// ---- validation ----

// validate returns statements that check val (of type t) against its
// schema, returning wrap(err) on the first problem.
func (g *jsonGen) validate(c *jfn, t *schema.Type, val jen.Code, wrap jsonWrapFunc) []jen.Code {
	fail := func(e jen.Code) jen.Code { return jen.Return(wrap(e)) }
	callCheck := func(call jen.Code) jen.Code {
		return jen.If(jen.Err().Op(":=").Add(call), jen.Err().Op("!=").Nil()).Block(fail(jen.Err()))
	}
	cons := t.Constraints
	if cons == nil {
		cons = &schema.Constraints{}
	}
	var out []jen.Code
	switch t.Kind {
	case schema.Null:
		return nil
	case schema.Boolean, schema.Long, schema.Double:
		out = append(out, g.numericChecks(t, val, fail)...)
		out = append(out, g.scalarEnum(t, val, fail)...)
		return out
	case schema.String:
		text := jen.Add(val)
		switch jsonFormat(t) {
		case "date-time":
			text = jen.Add(val).Dot("Format").Call(jen.Qual("time", "RFC3339Nano"))
		case "date":
			text = jen.Add(val).Dot("Format").Call(jen.Qual("time", "DateOnly"))
		case "uuid":
			text = jen.Add(val).Dot("String").Call()
		}
		s := c.tmp("s")
		var checks []jen.Code
		if cons.MinLength != nil {
			checks = append(checks, jen.If(jen.Qual("unicode/utf8", "RuneCountInString").Call(jen.Id(s)).Op("<").Lit(*cons.MinLength)).Block(
				fail(jsonErrf("%q is shorter than minLength %d", jen.Id(s), jen.Lit(*cons.MinLength)))))
		}
		if cons.MaxLength != nil {
			checks = append(checks, jen.If(jen.Qual("unicode/utf8", "RuneCountInString").Call(jen.Id(s)).Op(">").Lit(*cons.MaxLength)).Block(
				fail(jsonErrf("%q is longer than maxLength %d", jen.Id(s), jen.Lit(*cons.MaxLength)))))
		}
		if cons.Pattern != "" {
			checks = append(checks, jen.If(jen.Op("!").Id(g.pattern(cons.Pattern)).Dot("MatchString").Call(jen.Id(s))).Block(
				fail(jsonErrf("%q does not match the pattern %q", jen.Id(s), jen.Lit(cons.Pattern)))))
		}
		if f := cons.Format; codec.KnownJSONFormat(f) && f != "date-time" && f != "date" && f != "uuid" {
			checks = append(checks, callCheck(jsonQual("CheckJSONFormat").Call(jen.Lit(f), jen.Id(s))))
		}
		checks = append(checks, g.scalarEnum(t, jen.Id(s), fail)...)
		if len(checks) == 0 {
			return nil
		}
		return []jen.Code{jen.Block(append([]jen.Code{jen.Id(s).Op(":=").Add(text)}, checks...)...)}
	case schema.Enum, schema.Record:
		return []jen.Code{callCheck(jen.Add(val).Dot("Validate").Call())}
	case schema.Bytes:
		args := []jen.Code{val}
		for _, ty := range cons.Types {
			args = append(args, jen.Lit(ty))
		}
		out = append(out, callCheck(jsonQual("JSONCheckTypes").Call(args...)))
		if cons.MinProperties != nil || cons.MaxProperties != nil {
			n := c.tmp("n")
			var inner []jen.Code
			inner = append(inner, jen.List(jen.Id(n), jen.Id("_")).Op(":=").Add(jsonQual("JSONCountMembers")).Call(val))
			inner = append(inner, g.countChecks(cons.MinProperties, cons.MaxProperties, jen.Id(n), "properties", "minProperties", "maxProperties", fail)...)
			out = append(out, jen.If(jsonQual("JSONKindOf").Call(val).Op("==").Add(jsonQual("JSONObject"))).Block(inner...))
		}
		out = append(out, g.rawEnum(t, val, fail)...)
		return out
	case schema.Array:
		out = append(out, g.countChecks(cons.MinItems, cons.MaxItems, jen.Len(val), "items", "minItems", "maxItems", fail)...)
		if cons.UniqueItems {
			ec := &jfn{n: c.n + 100}
			i := ec.tmp("i")
			enc := g.encode(ec, t.Items, jen.Add(val).Index(jen.Id(i)))
			body := ec.body(append(enc, jen.Return(jen.Id("dst"), jen.Nil()))...)
			out = append(out, callCheck(jsonQual("JSONUniqueItems").Call(jen.Len(val),
				jen.Func().Params(jen.Id("dst").Index().Byte(), jen.Id(i).Int()).Params(jen.Index().Byte(), jen.Error()).Block(body...))))
		}
		if jsonNeedsValidate(t.Items) {
			i := c.tmp("i")
			out = append(out, jen.For(jen.Id(i).Op(":=").Range().Add(val)).Block(
				g.validate(c, t.Items, jen.Add(val).Index(jen.Id(i)), jsonIndexWrap(wrap, i))...))
		}
		out = append(out, g.encodedEnum(c, t, val, fail)...)
		return out
	case schema.Map:
		out = append(out, g.countChecks(cons.MinProperties, cons.MaxProperties, jen.Len(val), "properties", "minProperties", "maxProperties", fail)...)
		if jsonNeedsValidate(t.Values) {
			k, x := c.tmp("k"), c.tmp("x")
			body := append([]jen.Code{jen.Id(x).Op(":=").Add(val).Index(jen.Id(k))}, g.validate(c, t.Values, jen.Id(x), jsonFieldWrap(wrap, jen.Id(k)))...)
			out = append(out, jen.For(jen.List(jen.Id("_"), jen.Id(k)).Op(":=").Range().Add(jsonQual("JSONSortedKeys")).Call(val)).Block(body...))
		}
		out = append(out, g.encodedEnum(c, t, val, fail)...)
		return out
	case schema.Union:
		if inner, _, ok := jsonNonNull(t); ok {
			if !jsonNeedsValidate(inner) {
				return nil
			}
			deref := jen.Add(val)
			if !g.nilable(inner) {
				deref = jen.Parens(jen.Op("*").Add(val))
			}
			return []jen.Code{jen.If(jen.Add(val).Op("!=").Nil()).Block(g.validate(c, inner, deref, wrap)...)}
		}
		if jsonOverlapping(t) {
			return []jen.Code{callCheck(jen.Add(val).Dot("Validate").Call())}
		}
		return []jen.Code{callCheck(jen.Id("jsonValidate" + g.goNames[t]).Call(val))}
	}
	g.fail(fmt.Errorf("gen: JSON: cannot validate a %s", t.Kind))
	return nil
}

// countChecks checks a count against a minimum and a maximum.
func (g *jsonGen) countChecks(min, max *int, count jen.Code, what, minKw, maxKw string, fail func(jen.Code) jen.Code) []jen.Code {
	var out []jen.Code
	if min != nil && *min > 0 {
		out = append(out, jen.If(jen.Add(count).Op("<").Lit(*min)).Block(
			fail(jsonErrf("has %d "+what+", fewer than "+minKw+" %d", count, jen.Lit(*min)))))
	}
	if max != nil {
		out = append(out, jen.If(jen.Add(count).Op(">").Lit(*max)).Block(
			fail(jsonErrf("has %d "+what+", more than "+maxKw+" %d", count, jen.Lit(*max)))))
	}
	return out
}

// jsonExactInt returns f as an int64 when it is a whole number in range.
func jsonExactInt(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -9.2e18 || f > 9.2e18 {
		return 0, false
	}
	return int64(f), true
}

// numericChecks checks the bounds and multipleOf of a number.
func (g *jsonGen) numericChecks(t *schema.Type, val jen.Code, fail func(jen.Code) jen.Code) []jen.Code {
	c := t.Constraints
	if c == nil || (t.Kind != schema.Long && t.Kind != schema.Double) {
		return nil
	}
	// cmp builds "val op bound" in the type of val.
	cmp := func(op string, bound float64) jen.Code {
		if t.Kind == schema.Long {
			if b, ok := jsonExactInt(bound); ok {
				return jen.Add(val).Op(op).Lit(b)
			}
			return jen.Float64().Call(val).Op(op).Lit(bound)
		}
		return jen.Add(val).Op(op).Lit(bound)
	}
	var out []jen.Code
	bound := func(b *float64, op, msg string) {
		if b != nil {
			out = append(out, jen.If(cmp(op, *b)).Block(fail(jsonErrf("%v "+msg+" %v", val, jen.Lit(*b)))))
		}
	}
	bound(c.Minimum, "<", "is less than the minimum")
	bound(c.Maximum, ">", "is greater than the maximum")
	bound(c.ExclusiveMinimum, "<=", "is not greater than the exclusive minimum")
	bound(c.ExclusiveMaximum, ">=", "is not less than the exclusive maximum")
	if m := c.MultipleOf; m != nil {
		var cond jen.Code
		if mi, ok := jsonExactInt(*m); ok && t.Kind == schema.Long {
			cond = jen.Add(val).Op("%").Lit(mi).Op("!=").Lit(0)
		} else if t.Kind == schema.Long {
			cond = jen.Op("!").Add(jsonQual("JSONMultipleOf")).Call(jen.Float64().Call(val), jen.Lit(*m))
		} else {
			cond = jen.Op("!").Add(jsonQual("JSONMultipleOf")).Call(val, jen.Lit(*m))
		}
		out = append(out, jen.If(cond).Block(fail(jsonErrf("%v is not a multiple of %v", val, jen.Lit(*m)))))
	}
	return out
}

// jsonEnumValues returns the enum (or const) values of t as raw JSON, and
// whether they came from const.
func jsonEnumValues(t *schema.Type) ([]string, bool) {
	c := t.Constraints
	if c == nil {
		return nil, false
	}
	if c.HasConst {
		return []string{c.Const}, true
	}
	return c.Enum, false
}

// jsonEnumFail returns the error for a value outside the enum or const.
func jsonEnumFail(raws []string, isConst bool, shown jen.Code) jen.Code {
	esc := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	if isConst {
		return jsonErrf("%v does not equal the const value "+esc(raws[0]), shown)
	}
	return jsonErrf("%v is not one of the enum values "+esc(strings.Join(raws, ", ")), shown)
}

// scalarEnum checks a boolean, number or string against enum/const by
// direct comparison.
func (g *jsonGen) scalarEnum(t *schema.Type, val jen.Code, fail func(jen.Code) jen.Code) []jen.Code {
	raws, isConst := jsonEnumValues(t)
	if len(raws) == 0 {
		return nil
	}
	var alts []jen.Code
	for _, raw := range raws {
		var lit jen.Code
		switch t.Kind {
		case schema.Boolean:
			if raw == "true" || raw == "false" {
				lit = jen.Lit(raw == "true")
			}
		case schema.Long:
			if v, err := codec.JSONParseInt64(raw); err == nil {
				lit = jen.Lit(v)
			}
		case schema.Double:
			if f, err := strconv.ParseFloat(raw, 64); err == nil && codec.JSONKindOf([]byte(raw)) == codec.JSONNumber {
				lit = jen.Lit(f)
			}
		case schema.String:
			var s string
			if err := jsonUnquote(raw, &s); err == nil {
				lit = jen.Lit(s)
			}
		}
		if lit != nil {
			alts = append(alts, jen.Add(val).Op("==").Add(lit))
		}
	}
	shown := jen.Add(val)
	if t.Kind == schema.String {
		shown = jen.Qual("strconv", "Quote").Call(val)
	}
	if len(alts) == 0 {
		return []jen.Code{jen.Return(jsonEnumFail(raws, isConst, shown))}
	}
	var cond *jen.Statement
	for i, a := range alts {
		if i == 0 {
			cond = jen.Add(a)
		} else {
			cond = cond.Op("||").Add(a)
		}
	}
	return []jen.Code{jen.If(jen.Op("!").Parens(cond)).Block(fail(jsonEnumFail(raws, isConst, shown)))}
}

// jsonUnquote decodes a JSON string literal.
func jsonUnquote(raw string, s *string) error {
	r := codec.NewJSONReader([]byte(raw))
	v, err := r.ReadString()
	if err != nil {
		return err
	}
	*s = v
	return r.End()
}

// canonicalSet returns the canonical forms of raw JSON values, for
// codec.JSONEqualAny.
func (g *jsonGen) canonicalSet(raws []string) []jen.Code {
	out := make([]jen.Code, 0, len(raws))
	for _, raw := range raws {
		c, err := codec.JSONCanonical([]byte(raw))
		if err != nil {
			g.fail(fmt.Errorf("gen: JSON: enum value %s: %v", raw, err))
			continue
		}
		out = append(out, jen.Lit(c))
	}
	return out
}

// rawEnum checks a raw JSON document against enum/const.
func (g *jsonGen) rawEnum(t *schema.Type, val jen.Code, fail func(jen.Code) jen.Code) []jen.Code {
	raws, isConst := jsonEnumValues(t)
	if len(raws) == 0 {
		return nil
	}
	args := append([]jen.Code{val}, g.canonicalSet(raws)...)
	return []jen.Code{jen.If(jen.Op("!").Add(jsonQual("JSONEqualAny")).Call(args...)).Block(
		fail(jsonEnumFail(raws, isConst, jen.String().Call(val))))}
}

// encodedEnum checks an array, map or union against enum/const by
// encoding it.
func (g *jsonGen) encodedEnum(c *jfn, t *schema.Type, val jen.Code, fail func(jen.Code) jen.Code) []jen.Code {
	raws, isConst := jsonEnumValues(t)
	if len(raws) == 0 {
		return nil
	}
	ec := &jfn{n: c.n + 200}
	enc := g.encode(ec, t, val)
	body := ec.body(append([]jen.Code{jen.Var().Id("dst").Index().Byte()}, append(enc, jen.Return(jen.Id("dst"), jen.Nil()))...)...)
	b := c.tmp("b")
	args := append([]jen.Code{jen.Id(b)}, g.canonicalSet(raws)...)
	return []jen.Code{jen.Block(
		jen.List(jen.Id(b), jen.Err()).Op(":=").Func().Params().Params(jen.Index().Byte(), jen.Error()).Block(body...).Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(fail(jen.Err())),
		jen.If(jen.Op("!").Add(jsonQual("JSONEqualAny")).Call(args...)).Block(fail(jsonEnumFail(raws, isConst, jen.String().Call(jen.Id(b))))),
	)}
}

func (g *jsonGen) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}
