package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/streamgen/streamgen/schema"
)

// This file emits avro.gen.go: straight-line encoders and decoders. The
// emitters walk a type once at generation time and write the code that
// handles exactly that type; the generated code never looks at a schema.

const avroSchemaImport = "github.com/streamgen/streamgen/schema"

func avroCodec(name string) *jen.Statement { return jen.Qual(CodecImport, name) }

// avroValue is a Go expression being encoded or decoded into. base builds it
// afresh each time (jennifer statements are mutable). star marks *base: a
// avroValue reached through a pointer. local marks a variable of the function
// (or a part of one): a map iteration copy, a value receiver or result.
type avroValue struct {
	base  func() *jen.Statement
	star  bool
	local bool
}

func avroID(name string) avroValue {
	return avroValue{base: func() *jen.Statement { return jen.Id(name) }}
}

func (v avroValue) val() *jen.Statement {
	if v.star {
		return jen.Op("*").Add(v.base())
	}
	return v.base()
}

// recv is the value as the operand of a selector or index expression.
func (v avroValue) recv() *jen.Statement {
	if v.star {
		return jen.Parens(jen.Op("*").Add(v.base()))
	}
	return v.base()
}

func (v avroValue) dot(sel string) avroValue {
	return avroValue{base: func() *jen.Statement { return v.recv().Dot(sel) }, local: v.local && !v.star}
}

func avroLocalID(name string) avroValue { v := avroID(name); v.local = true; return v }

func (v avroValue) index(i string) avroValue {
	return avroValue{base: func() *jen.Statement { return v.recv().Index(jen.Id(i)) }}
}

// avroPath names the value in encoding errors: a constant, or the path
// parameter of a union helper plus a constant suffix.
type avroPath struct {
	dyn bool
	s   string
}

func (p avroPath) code() *jen.Statement {
	if !p.dyn {
		return jen.Lit(p.s)
	}
	if p.s == "" {
		return jen.Id("path")
	}
	return jen.Id("path").Op("+").Lit(p.s)
}

func (p avroPath) sub(s string) avroPath { return avroPath{p.dyn, p.s + s} }

// avroEncoder emits the body of a function returning ([]byte, error) that
// appends to dst.
type avroEncoder struct {
	g       *avroGen
	needErr bool
}

func avroDst(call *jen.Statement) *jen.Statement {
	return jen.Id("dst").Op("=").Add(call)
}

// try emits a fallible append whose error is reported for path p.
func (e *avroEncoder) try(call *jen.Statement, p avroPath) *jen.Statement {
	e.needErr = true
	return jen.If(jen.List(jen.Id("dst"), jen.Err()).Op("=").Add(call), jen.Err().Op("!=").Nil()).Block(
		jen.Return(jen.Id("dst"), avroCodec("FieldError").Call(p.code(), jen.Err())),
	)
}

// tryNested emits a fallible append whose error already names its place.
func (e *avroEncoder) tryNested(call *jen.Statement) *jen.Statement {
	e.needErr = true
	return jen.If(jen.List(jen.Id("dst"), jen.Err()).Op("=").Add(call), jen.Err().Op("!=").Nil()).Block(
		jen.Return(jen.Id("dst"), jen.Err()),
	)
}

// avroAppendIndex appends a constant union branch index.
func avroAppendIndex(i int) *jen.Statement {
	if i < 64 {
		return avroDst(jen.Append(jen.Id("dst"), jen.Lit(2*i)))
	}
	return avroDst(avroCodec("AppendUnionIndex").Call(jen.Id("dst"), jen.Lit(i)))
}

func avroVar(prefix string, d int) string { return fmt.Sprintf("%s%d", prefix, d) }

// encode emits the statements that append v, of Avro type t.
func (e *avroEncoder) encode(t *schema.Type, v avroValue, d int, p avroPath) []jen.Code {
	dst := func() *jen.Statement { return jen.Id("dst") }
	if t.Logical != nil {
		return e.encodeLogical(t, v, p)
	}
	switch t.Kind {
	case schema.Null:
		return nil
	case schema.Boolean:
		return []jen.Code{avroDst(avroCodec("AppendBoolean").Call(dst(), v.val()))}
	case schema.Int:
		return []jen.Code{avroDst(avroCodec("AppendInt").Call(dst(), v.val()))}
	case schema.Long:
		return []jen.Code{avroDst(avroCodec("AppendLong").Call(dst(), v.val()))}
	case schema.Float:
		return []jen.Code{avroDst(avroCodec("AppendFloat").Call(dst(), v.val()))}
	case schema.Double:
		return []jen.Code{avroDst(avroCodec("AppendDouble").Call(dst(), v.val()))}
	case schema.Bytes:
		return []jen.Code{avroDst(avroCodec("AppendBytes").Call(dst(), v.val()))}
	case schema.String:
		return []jen.Code{avroDst(avroCodec("AppendString").Call(dst(), v.val()))}
	case schema.Fixed:
		return []jen.Code{avroDst(jen.Append(dst(), v.recv().Index(jen.Op(":")).Op("...")))}
	case schema.Enum:
		n := len(t.Symbols)
		return []jen.Code{
			jen.If(jen.Uint32().Call(v.val()).Op(">=").Lit(n)).Block(
				jen.Return(dst(), avroCodec("EnumRangeError").Call(p.code(), jen.Int32().Call(v.val()), jen.Lit(n))),
			),
			avroDst(avroCodec("AppendInt").Call(dst(), jen.Int32().Call(v.val()))),
		}
	case schema.Record:
		if v.star {
			return []jen.Code{e.tryNested(v.base().Dot("AppendAvro").Call(dst()))}
		}
		if v.local && e.g.recursive[t] {
			// The address of a local copy of a recursive record would reach
			// the receiver of a method of its own recursion, which escape
			// analysis cannot see through: every copy would move to the
			// heap. The value-receiver twin takes no address.
			e.g.needValueCodec(t)
			return []jen.Code{e.tryNested(v.val().Dot("appendAvroValue").Call(dst()))}
		}
		return []jen.Code{e.tryNested(v.recv().Dot("AppendAvro").Call(dst()))}
	case schema.Array:
		n, i := avroVar("n", d), avroVar("i", d)
		block := []jen.Code{avroDst(avroCodec("AppendLong").Call(dst(), jen.Int64().Call(jen.Id(n))))}
		if body := e.encode(t.Items, v.index(i), d+1, p.sub("[]")); len(body) > 0 {
			block = append(block, jen.For(jen.Id(i).Op(":=").Range().Add(v.val())).Block(body...))
		}
		return []jen.Code{
			jen.If(jen.Id(n).Op(":=").Len(v.val()), jen.Id(n).Op(">").Lit(0)).Block(block...),
			avroDst(jen.Append(dst(), jen.Lit(0))),
		}
	case schema.Map:
		n, k, el := avroVar("n", d), avroVar("k", d), avroVar("e", d)
		body := append([]jen.Code{avroDst(avroCodec("AppendString").Call(dst(), jen.Id(k)))},
			e.encode(t.Values, avroLocalID(el), d+1, p.sub("{}"))...)
		// codec.MapEntries ranges over the map, reading a small map's
		// entries directly instead of through Go's map iterator.
		entries := avroCodec("MapEntries").Call(v.val())
		loop := jen.For(jen.List(jen.Id(k), jen.Id(el)).Op(":=").Range().Add(entries))
		if t.Values.Kind == schema.Null {
			loop = jen.For(jen.Id(k).Op(":=").Range().Add(entries))
		}
		return []jen.Code{
			jen.If(jen.Id(n).Op(":=").Len(v.val()), jen.Id(n).Op(">").Lit(0)).Block(
				avroDst(avroCodec("AppendLong").Call(dst(), jen.Int64().Call(jen.Id(n)))),
				loop.Block(body...),
			),
			avroDst(jen.Append(dst(), jen.Lit(0))),
		}
	case schema.Union:
		if n, ok := avroNullableOf(t); ok {
			inner := v
			if !n.nilForm {
				// Field values and locals only: v is never itself behind a
				// pointer (unions do not nest).
				inner = avroValue{base: v.base, star: true}
			}
			return []jen.Code{
				jen.If(v.val().Op("==").Nil()).Block(avroAppendIndex(n.nullIdx)).Else().Block(
					append([]jen.Code{avroAppendIndex(n.valueIdx)}, e.encode(n.inner, inner, d+1, p)...)...,
				),
			}
		}
		u := e.g.unionOf[t]
		up := p.code()
		if p.dyn {
			// Inside a union helper the path is not a constant: pass it
			// on as it is rather than build a string on every call.
			up = jen.Id("path")
		}
		return []jen.Code{e.tryNested(jen.Id(u.appendFn).Call(dst(), v.val(), up))}
	}
	return nil
}

// encodeLogical emits the append of a value of a logical type.
func (e *avroEncoder) encodeLogical(t *schema.Type, v avroValue, p avroPath) []jen.Code {
	l := t.Logical
	call := func(fn string, args ...jen.Code) *jen.Statement {
		return avroCodec(fn).Call(append([]jen.Code{jen.Id("dst")}, args...)...)
	}
	switch l.Name {
	case schema.LogicalDecimal:
		if t.Kind == schema.Fixed {
			return []jen.Code{e.try(call("AppendDecimalFixed", v.val(), jen.Lit(l.Precision), jen.Lit(l.Scale), jen.Lit(t.Size)), p)}
		}
		return []jen.Code{e.try(call("AppendDecimalBytes", v.val(), jen.Lit(l.Precision), jen.Lit(l.Scale)), p)}
	case schema.LogicalBigDecimal:
		return []jen.Code{avroDst(call("AppendBigDecimal", v.val()))}
	case schema.LogicalUUID:
		if t.Kind == schema.Fixed {
			return []jen.Code{avroDst(call("AppendUUIDFixed", v.val()))}
		}
		return []jen.Code{avroDst(call("AppendUUIDString", v.val()))}
	case schema.LogicalDate:
		return []jen.Code{e.try(call("AppendDate", v.val()), p)}
	case schema.LogicalTimeMillis:
		return []jen.Code{e.try(call("AppendTimeMillis", v.val()), p)}
	case schema.LogicalTimeMicros:
		return []jen.Code{avroDst(call("AppendTimeMicros", v.val()))}
	case schema.LogicalTimestampMillis:
		return []jen.Code{avroDst(call("AppendLong", v.recv().Dot("UnixMilli").Call()))}
	case schema.LogicalTimestampMicros:
		return []jen.Code{avroDst(call("AppendLong", v.recv().Dot("UnixMicro").Call()))}
	case schema.LogicalTimestampNanos:
		return []jen.Code{e.try(call("AppendTimestampNanos", v.val()), p)}
	case schema.LogicalLocalTimestampMillis:
		return []jen.Code{avroDst(call("AppendLocalTimestampMillis", v.val()))}
	case schema.LogicalLocalTimestampMicros:
		return []jen.Code{avroDst(call("AppendLocalTimestampMicros", v.val()))}
	case schema.LogicalLocalTimestampNanos:
		return []jen.Code{e.try(call("AppendLocalTimestampNanos", v.val()), p)}
	case schema.LogicalDuration:
		return []jen.Code{avroDst(call("AppendDuration", v.val()))}
	}
	// The parser sets Logical only for the logical types above.
	plain := *t
	plain.Logical = nil
	return e.encode(&plain, v, 0, p)
}

// avroDecoder emits statements that read into addressable Go expressions from
// the *codec.Reader r.
type avroDecoder struct {
	g *avroGen
	// reuse is the expression saying whether to decode into the slices
	// and maps of the value being replaced (decodeAvro's reuse
	// parameter), or nil where there is no such value.
	reuse *jen.Statement
}

// reuseArg is the reuse argument to pass to a nested decodeAvro.
func (c *avroDecoder) reuseArg() *jen.Statement {
	if c.reuse == nil {
		return jen.False()
	}
	return c.reuse.Clone()
}

func avroRead(method string, args ...jen.Code) *jen.Statement {
	return jen.Id("r").Dot(method).Call(args...)
}

// decodeExpr returns the expression that reads a value of type t, for the
// types read by one expression (nil for the others: fixed, records,
// arrays, maps and nullable unions read into a place).
func (c *avroDecoder) decodeExpr(t *schema.Type) *jen.Statement {
	if t.Logical != nil {
		if x := c.decodeLogical(t); x != nil {
			return x
		}
	}
	switch t.Kind {
	case schema.Boolean:
		return avroRead("ReadBoolean")
	case schema.Int:
		return avroRead("ReadInt")
	case schema.Long:
		return avroRead("ReadLong")
	case schema.Float:
		return avroRead("ReadFloat")
	case schema.Double:
		return avroRead("ReadDouble")
	case schema.Bytes:
		return avroRead("ReadBytes")
	case schema.String:
		return avroRead("ReadString")
	case schema.Enum:
		return jen.Id(c.g.typeName[t]).Call(avroRead("ReadEnum", jen.Lit(len(t.Symbols))))
	case schema.Union:
		if _, ok := avroNullableOf(t); !ok {
			return jen.Id(c.g.unionOf[t].decodeFn).Call(jen.Id("r"))
		}
	}
	return nil
}

// decode emits the statements that read a value of Avro type t into lv.
// what names the value in index errors.
func (c *avroDecoder) decode(t *schema.Type, lv avroValue, d int, what string) []jen.Code {
	if x := c.decodeExpr(t); x != nil {
		return []jen.Code{lv.val().Op("=").Add(x)}
	}
	switch t.Kind {
	case schema.Null:
		return nil
	case schema.Fixed:
		return []jen.Code{avroRead("ReadFixed", lv.recv().Index(jen.Op(":")))}
	case schema.Record:
		if lv.local && c.g.recursive[t] {
			// See encode: a local of a recursive record is decoded by value.
			c.g.needValueCodec(t)
			return []jen.Code{lv.val().Op("=").Id("avroDecode" + c.g.typeName[t]).Call(jen.Id("r"))}
		}
		return []jen.Code{lv.recv().Dot("decodeAvro").Call(jen.Id("r"), c.reuseArg())}
	case schema.Array:
		a, n, i := avroVar("a", d), avroVar("n", d), avroVar("i", d)
		min := c.g.minSize(t.Items)
		start := []jen.Code{jen.Id(a).Op(":=").Add(c.g.goType(t)).Values()}
		if c.reuse != nil {
			// UnmarshalAvroReuse: decode into the slice being replaced.
			start = append(start, jen.If(c.reuse.Clone().Op("&&").Add(lv.val()).Op("!=").Nil()).Block(
				jen.Id(a).Op("=").Add(lv.val()).Index(jen.Empty(), jen.Lit(0)),
			))
		}
		return []jen.Code{jen.Block(append(start,
			jen.For(
				jen.Id(n).Op(":=").Add(avroRead("ReadBlockCount", jen.Lit(min))),
				jen.Id(n).Op(">").Lit(0),
				jen.Id(n).Op("=").Add(avroRead("ReadBlockCount", jen.Lit(min))),
			).Block(
				jen.Id(a).Op("=").Qual("slices", "Grow").Call(jen.Id(a), jen.Id(n)),
				jen.Id(i).Op(":=").Len(jen.Id(a)),
				jen.Id(a).Op("=").Id(a).Index(jen.Empty(), jen.Id(i).Op("+").Id(n)),
				jen.For(jen.Empty(), jen.Id(i).Op("<").Len(jen.Id(a)), jen.Id(i).Op("++")).Block(
					c.decode(t.Items, avroID(a).index(i), d+1, what+"[]")...,
				),
			),
			lv.val().Op("=").Id(a),
		)...)}
	case schema.Map:
		m, n, k, el := avroVar("m", d), avroVar("n", d), avroVar("k", d), avroVar("e", d)
		min := 1 + c.g.minSize(t.Values)
		item := []jen.Code{jen.Id(k).Op(":=").Add(avroRead("ReadString"))}
		if x := c.decodeExpr(t.Values); x != nil {
			item = append(item, jen.Id(m).Index(jen.Id(k)).Op("=").Add(x))
		} else if t.Values.Kind == schema.Record && c.g.recursive[t.Values] {
			// See the record case of decode: decoded by value.
			c.g.needValueCodec(t.Values)
			item = append(item, jen.Id(m).Index(jen.Id(k)).Op("=").Id("avroDecode"+c.g.typeName[t.Values]).Call(jen.Id("r")))
		} else {
			item = append(item, jen.Var().Id(el).Add(c.g.goType(t.Values)))
			item = append(item, c.decode(t.Values, avroLocalID(el), d+1, what+"{}")...)
			item = append(item, jen.Id(m).Index(jen.Id(k)).Op("=").Id(el))
		}
		read := []jen.Code{
			jen.For(
				jen.Id(n).Op(":=").Add(avroRead("ReadBlockCount", jen.Lit(min))),
				jen.Id(n).Op(">").Lit(0),
				jen.Id(n).Op("=").Add(avroRead("ReadBlockCount", jen.Lit(min))),
			).Block(
				jen.If(jen.Id(m).Op("==").Nil()).Block(
					jen.Id(m).Op("=").Make(c.g.goType(t), jen.Id(n)),
				),
				jen.For(jen.Empty(), jen.Id(n).Op(">").Lit(0), jen.Id(n).Op("--")).Block(item...),
			),
			jen.If(jen.Id(m).Op("==").Nil()).Block(
				jen.Id(m).Op("=").Add(c.g.goType(t)).Values(),
			),
		}
		start := []jen.Code{jen.Var().Id(m).Add(c.g.goType(t))}
		switch {
		case c.reuse != nil && t.Values.Kind == schema.String && t.Values.Logical == nil:
			// UnmarshalAvroReuse: read the entries into the map being
			// replaced when it has the same keys
			// (codec.ReadStringMapSameKeys), else (it cleared the map)
			// read them as usual.
			same := avroVar("same", d)
			start = append(start,
				jen.Id(same).Op(":=").False(),
				jen.If(c.reuse.Clone().Op("&&").Add(lv.val()).Op("!=").Nil()).Block(
					jen.Id(m).Op("=").Add(lv.val()),
					jen.Id(same).Op("=").Qual(CodecImport, "ReadStringMapSameKeys").Call(jen.Id("r"), jen.Id(m)),
				),
				jen.If(jen.Op("!").Id(same)).Block(read...),
			)
			return []jen.Code{jen.Block(append(start, lv.val().Op("=").Id(m))...)}
		case c.reuse != nil:
			// UnmarshalAvroReuse: decode into the map being replaced.
			start = append(start, jen.If(c.reuse.Clone().Op("&&").Add(lv.val()).Op("!=").Nil()).Block(
				jen.Id(m).Op("=").Add(lv.val()),
				jen.Clear(jen.Id(m)),
			))
		}
		return []jen.Code{jen.Block(append(append(start, read...), lv.val().Op("=").Id(m))...)}
	case schema.Union:
		if n, ok := avroNullableOf(t); ok {
			u := avroVar("u", d)
			var valueCase []jen.Code
			if n.nilForm {
				valueCase = c.decode(n.inner, lv, d+1, what)
			} else if x := c.decodeExpr(n.inner); x != nil {
				v := avroVar("v", d)
				valueCase = append(valueCase, jen.Id(v).Op(":=").Add(x))
				valueCase = append(valueCase, lv.val().Op("=").Op("&").Id(v))
			} else {
				v := avroVar("v", d)
				valueCase = append(valueCase, jen.Id(v).Op(":=").New(c.g.goType(n.inner)))
				valueCase = append(valueCase, c.decode(n.inner, avroID(v), d+1, what)...)
				valueCase = append(valueCase, lv.val().Op("=").Id(v))
			}
			return []jen.Code{
				jen.Switch(jen.Id(u).Op(":=").Add(avroRead("ReadLong")), jen.Id(u)).Block(
					jen.Case(jen.Lit(n.nullIdx)).Block(lv.val().Op("=").Nil()),
					jen.Case(jen.Lit(n.valueIdx)).Block(valueCase...),
					jen.Default().Block(avroRead("BadIndex", jen.Lit("union "+what), jen.Id(u), jen.Lit(2))),
				),
			}
		}
	}
	return nil
}

// decodeLogical returns the expression that reads a value of a logical
// type, or nil when the logical type is not one Go maps.
func (c *avroDecoder) decodeLogical(t *schema.Type) *jen.Statement {
	l := t.Logical
	switch l.Name {
	case schema.LogicalDecimal:
		if t.Kind == schema.Fixed {
			return avroRead("ReadDecimalFixed", jen.Lit(t.Size), jen.Lit(l.Precision), jen.Lit(l.Scale))
		}
		return avroRead("ReadDecimalBytes", jen.Lit(l.Precision), jen.Lit(l.Scale))
	case schema.LogicalBigDecimal:
		return avroRead("ReadBigDecimal")
	case schema.LogicalUUID:
		if t.Kind == schema.Fixed {
			return avroRead("ReadUUIDFixed")
		}
		return avroRead("ReadUUIDString")
	case schema.LogicalDate:
		return avroRead("ReadDate")
	case schema.LogicalTimeMillis:
		return avroRead("ReadTimeMillis")
	case schema.LogicalTimeMicros:
		return avroRead("ReadTimeMicros")
	case schema.LogicalTimestampMillis:
		return jen.Qual("time", "UnixMilli").Call(avroRead("ReadLong")).Dot("UTC").Call()
	case schema.LogicalTimestampMicros:
		return jen.Qual("time", "UnixMicro").Call(avroRead("ReadLong")).Dot("UTC").Call()
	case schema.LogicalTimestampNanos:
		return avroRead("ReadTimestampNanos")
	case schema.LogicalLocalTimestampMillis:
		return avroRead("ReadLocalTimestampMillis")
	case schema.LogicalLocalTimestampMicros:
		return avroRead("ReadLocalTimestampMicros")
	case schema.LogicalLocalTimestampNanos:
		return avroRead("ReadLocalTimestampNanos")
	case schema.LogicalDuration:
		return avroRead("ReadDuration")
	}
	return nil
}

// codecFile emits avro.gen.go.
func (g *avroGen) codecFile() (File, error) {
	f := g.newFile()
	if len(g.records) > 0 {
		if err := g.emitSchemaSet(f); err != nil {
			return File{}, err
		}
	}
	for _, rec := range g.records {
		g.emitRecordCodec(f, rec)
	}
	for _, u := range g.unions {
		g.emitUnionCodec(f, u)
	}
	for i := 0; i < len(g.valueQueue); i++ {
		g.emitValueCodec(f, g.valueQueue[i])
	}
	return Render("avro.gen.go", f)
}

// emitSchemaSet emits the schemas of the package: every named type of the
// set, each defined once, as the branches of one union. Records read their
// schema from it, so the generated code grows with the schema set rather
// than with the sum of every record's self-contained schema (which, for a
// large set of types that reference each other, is quadratic).
func (g *avroGen) emitSchemaSet(f *jen.File) error {
	set := &schema.Type{Kind: schema.Union, Origin: schema.FromAvro, Branches: g.s.Named}
	js := set.AvroJSON()
	back, err := schema.ParseAvroString(js)
	if err != nil {
		return fmt.Errorf("gen: the schema set does not survive writing as JSON: %w", err)
	}
	if len(back.Branches) != len(g.s.Named) {
		return fmt.Errorf("gen: the schema set written as JSON has %d types, want %d", len(back.Branches), len(g.s.Named))
	}
	for i, t := range g.s.Named {
		if back.Branches[i].Name != t.Name {
			return fmt.Errorf("gen: the schema set written as JSON has %s where %s was", back.Branches[i].Name.Full(), t.Name.Full())
		}
		g.setIndex[t] = i
	}
	f.Comment("avroPackageSchemas holds every named type of this package's Avro schemas, each defined once, as the branches of one union.")
	f.Const().Id("avroPackageSchemas").Op("=").Lit(js)
	f.Line()
	f.Comment("avroPackageTypes parses avroPackageSchemas once, on first use: the branches are the named types, in definition order.")
	f.Var().Id("avroPackageTypes").Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Index().Op("*").Qual(avroSchemaImport, "Type").Block(
		jen.List(jen.Id("t"), jen.Err()).Op(":=").Qual(avroSchemaImport, "ParseAvroString").Call(jen.Id("avroPackageSchemas")),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Panic(jen.Lit("streamgen: the generated Avro schemas do not parse: ").Op("+").Err().Dot("Error").Call()),
		),
		jen.Return(jen.Id("t").Dot("Branches")),
	))
	f.Line()
	return nil
}

func (g *avroGen) emitRecordCodec(f *jen.File, rec *schema.Type) {
	name := g.typeName[rec]
	full := rec.Name.Full()
	schemaConst := "avroSchema" + name
	typeVar := "avroType" + name
	recv := func() *jen.Statement { return jen.Id("x").Op("*").Id(name) }

	f.Comment(fmt.Sprintf("%s is the parsed schema of %s, taken from avroPackageTypes.", typeVar, full))
	f.Var().Id(typeVar).Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Op("*").Qual(avroSchemaImport, "Type").Block(
		jen.Return(jen.Id("avroPackageTypes").Call().Index(jen.Lit(g.setIndex[rec]))),
	))
	f.Line()
	f.Comment(fmt.Sprintf("%s is the full, self-contained schema JSON of %s, written once, on first use.", schemaConst, full))
	f.Var().Id(schemaConst).Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().String().Block(
		jen.Return(jen.Id(typeVar).Call().Dot("AvroJSON").Call()),
	))
	f.Line()

	f.Comment(fmt.Sprintf("AvroSchema returns the full, self-contained Avro schema of %s as JSON.", full))
	f.Func().Params(jen.Op("*").Id(name)).Id("AvroSchema").Params().String().Block(jen.Return(jen.Id(schemaConst).Call()))
	f.Line()
	f.Comment(fmt.Sprintf("AvroFullName returns %q.", full))
	f.Func().Params(jen.Op("*").Id(name)).Id("AvroFullName").Params().String().Block(jen.Return(jen.Lit(full)))
	f.Line()
	f.Comment("AvroType returns the parsed Avro schema of " + name + ", the reader schema to resolve other writers' data against.")
	f.Func().Params(jen.Op("*").Id(name)).Id("AvroType").Params().Op("*").Qual(avroSchemaImport, "Type").Block(jen.Return(jen.Id(typeVar).Call()))
	f.Line()

	// AppendAvro.
	enc := &avroEncoder{g: g}
	var body []jen.Code
	for _, fld := range rec.Fields {
		v := avroID("x").dot(g.fieldName[fld])
		p := avroPath{s: full + "." + fld.Name}
		if g.ptrField[fld] {
			body = append(body, jen.If(v.val().Op("==").Nil()).Block(jen.Return(jen.Id("dst"), avroCodec("ErrNil").Call(p.code()))))
			v = avroValue{base: v.base, star: true}
		}
		body = append(body, enc.encode(fld.Type, v, 0, p)...)
	}
	if enc.needErr {
		body = append([]jen.Code{jen.Var().Err().Error()}, body...)
	}
	body = append(body, jen.Return(jen.Id("dst"), jen.Nil()))
	f.Comment("AppendAvro appends the Avro binary encoding of x to dst. It allocates only to grow dst. On error, the result holds a partial encoding to discard.")
	f.Func().Params(recv()).Id("AppendAvro").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(body...)
	f.Line()

	// UnmarshalAvro and decodeAvro.
	f.Comment("UnmarshalAvro decodes the Avro binary encoding of one " + name + " from src into x, replacing all of its fields. src must hold exactly one value; what is decoded does not alias src, nor x's previous slices and maps.")
	f.Func().Params(recv()).Id("UnmarshalAvro").Params(jen.Id("src").Index().Byte()).Error().Block(
		jen.Return(jen.Id("x").Dot("UnmarshalAvroWith").Call(jen.Id("src"), jen.False(), jen.Nil())),
	)
	f.Line()
	f.Comment("UnmarshalAvroReuse is UnmarshalAvro that reuses x's slices and maps (and those of the records in them) instead of allocating new ones: for decoding many values one at a time into one " + name + ". The previous value's slices and maps are overwritten; strings are never reused.")
	f.Func().Params(recv()).Id("UnmarshalAvroReuse").Params(jen.Id("src").Index().Byte()).Error().Block(
		jen.Return(jen.Id("x").Dot("UnmarshalAvroWith").Call(jen.Id("src"), jen.True(), jen.Nil())),
	)
	f.Line()
	f.Comment("UnmarshalAvroWith is UnmarshalAvro, or with reuse UnmarshalAvroReuse, that takes the short strings in holds instead of copying them again (codec.Interner; nil: none). in must not be shared between goroutines.")
	f.Func().Params(recv()).Id("UnmarshalAvroWith").Params(jen.Id("src").Index().Byte(), jen.Id("reuse").Bool(), jen.Id("in").Op("*").Qual(CodecImport, "Interner")).Error().Block(
		jen.Id("r").Op(":=").Qual(CodecImport, "NewReader").Call(jen.Id("src")),
		jen.Id("r").Dot("Intern").Call(jen.Id("in")),
		jen.Id("x").Dot("decodeAvro").Call(jen.Op("&").Id("r"), jen.Id("reuse")),
		jen.Return(jen.Id("r").Dot("Finish").Call(jen.Lit(full))),
	)
	f.Line()
	dec := &avroDecoder{g: g, reuse: jen.Id("reuse")}
	var dbody []jen.Code
	if g.recursive[rec] {
		dbody = append(dbody, jen.If(jen.Op("!").Add(avroRead("Enter"))).Block(jen.Return()))
	}
	for _, fld := range rec.Fields {
		lv := avroID("x").dot(g.fieldName[fld])
		if g.ptrField[fld] {
			dbody = append(dbody, lv.val().Op("=").New(jen.Id(g.typeName[fld.Type])))
		}
		dbody = append(dbody, dec.decode(fld.Type, lv, 0, full+"."+fld.Name)...)
	}
	if g.recursive[rec] {
		dbody = append(dbody, avroRead("Leave"))
	}
	f.Comment("decodeAvro decodes into x; with reuse, into the slices and maps x holds.")
	f.Func().Params(recv()).Id("decodeAvro").Params(jen.Id("r").Op("*").Qual(CodecImport, "Reader"), jen.Id("reuse").Bool()).Block(dbody...)
	f.Line()

	f.Comment("UnmarshalAvroResolved decodes src, written with the writer schema of res, into x. res must have " + name + "'s AvroType as its reader schema (for example from a codec.ResolverCache built on it).")
	f.Func().Params(recv()).Id("UnmarshalAvroResolved").Params(jen.Id("res").Op("*").Qual(CodecImport, "Resolver"), jen.Id("src").Index().Byte()).Error().Block(
		jen.If(jen.Id("res").Dot("Identity").Call()).Block(jen.Return(jen.Id("x").Dot("UnmarshalAvro").Call(jen.Id("src")))),
		jen.List(jen.Id("bin"), jen.Err()).Op(":=").Id("res").Dot("Transcode").Call(jen.Nil(), jen.Id("src")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("x").Dot("UnmarshalAvro").Call(jen.Id("bin"))),
	)
	f.Line()

	f.Comment("MarshalAvroJSON returns the Avro JSON encoding of x.")
	f.Func().Params(recv()).Id("MarshalAvroJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.List(jen.Id("bin"), jen.Err()).Op(":=").Id("x").Dot("AppendAvro").Call(jen.Nil()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(avroCodec("AppendAvroJSON").Call(jen.Nil(), jen.Id(typeVar).Call(), jen.Id("bin"))),
	)
	f.Line()
	f.Comment("UnmarshalAvroJSON decodes the Avro JSON encoding of one " + name + " into x.")
	f.Func().Params(recv()).Id("UnmarshalAvroJSON").Params(jen.Id("data").Index().Byte()).Error().Block(
		jen.List(jen.Id("bin"), jen.Err()).Op(":=").Add(avroCodec("AvroJSONToBinary").Call(jen.Nil(), jen.Id(typeVar).Call(), jen.Id("data"))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("x").Dot("UnmarshalAvro").Call(jen.Id("bin"))),
	)
	f.Line()
}

// needValueCodec queues the by-value twins of a recursive record's codec
// (appendAvroValue and avroDecode<Name>) for emission.
func (g *avroGen) needValueCodec(t *schema.Type) {
	if !g.valueQueued[t] {
		g.valueQueued[t] = true
		g.valueQueue = append(g.valueQueue, t)
	}
}

// emitValueCodec emits the by-value twins of a recursive record's encoder
// and decoder, used on local copies (map values) where the pointer methods
// would make each copy escape to the heap.
func (g *avroGen) emitValueCodec(f *jen.File, rec *schema.Type) {
	name := g.typeName[rec]
	full := rec.Name.Full()
	enc := &avroEncoder{g: g}
	var body []jen.Code
	for _, fld := range rec.Fields {
		v := avroLocalID("x").dot(g.fieldName[fld])
		p := avroPath{s: full + "." + fld.Name}
		if g.ptrField[fld] {
			body = append(body, jen.If(v.val().Op("==").Nil()).Block(jen.Return(jen.Id("dst"), avroCodec("ErrNil").Call(p.code()))))
			v = avroValue{base: v.base, star: true}
		}
		body = append(body, enc.encode(fld.Type, v, 0, p)...)
	}
	if enc.needErr {
		body = append([]jen.Code{jen.Var().Err().Error()}, body...)
	}
	body = append(body, jen.Return(jen.Id("dst"), jen.Nil()))
	f.Comment("appendAvroValue is AppendAvro on a copy of x, for copies that must stay on the stack.")
	f.Func().Params(jen.Id("x").Id(name)).Id("appendAvroValue").Params(jen.Id("dst").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(body...)
	f.Line()

	dec := &avroDecoder{g: g}
	dbody := []jen.Code{jen.If(jen.Op("!").Add(avroRead("Enter"))).Block(jen.Return(jen.Id("x")))}
	for _, fld := range rec.Fields {
		lv := avroLocalID("x").dot(g.fieldName[fld])
		if g.ptrField[fld] {
			dbody = append(dbody, lv.val().Op("=").New(jen.Id(g.typeName[fld.Type])))
			lv = avroID("x").dot(g.fieldName[fld])
		}
		dbody = append(dbody, dec.decode(fld.Type, lv, 0, full+"."+fld.Name)...)
	}
	dbody = append(dbody, avroRead("Leave"), jen.Return(jen.Id("x")))
	f.Comment("avroDecode" + name + " decodes a " + name + " and returns it by value, for values that must stay on the stack.")
	f.Func().Id("avroDecode" + name).Params(jen.Id("r").Op("*").Qual(CodecImport, "Reader")).Params(jen.Id("x").Id(name)).Block(dbody...)
	f.Line()
}

func (g *avroGen) emitUnionCodec(f *jen.File, u *avroUnion) {
	// Encoder.
	enc := &avroEncoder{g: g}
	var cases []jen.Code
	hasValue := false
	hasNull := false
	for i, b := range u.branches {
		switch {
		case b.t.Kind == schema.Null:
			hasNull = true
			cases = append(cases, jen.Case(jen.Nil()).Block(jen.Return(jen.Append(jen.Id("dst"), jen.Lit(2*i)), jen.Nil())))
		case b.t.Kind == schema.Record:
			hasValue = true
			cases = append(cases, jen.Case(jen.Op("*").Id(g.typeName[b.t])).Block(
				jen.If(jen.Id("v").Op("==").Nil()).Block(jen.Return(jen.Id("dst"), avroCodec("ErrNil").Call(jen.Id("path")))),
				avroAppendIndex(i),
				jen.Return(jen.Id("v").Dot("AppendAvro").Call(jen.Id("dst"))),
			))
		default:
			hasValue = true
			typ := b.wrapper
			v := avroID("v")
			if typ == "" {
				typ = g.typeName[b.t]
			} else if k := b.t.Kind; k != schema.Array && k != schema.Map {
				// Scalars are converted from the wrapper to the base type;
				// arrays and maps are ranged over as they are.
				bt := b.t
				v = avroValue{base: func() *jen.Statement { return g.goType(bt).Call(jen.Id("v")) }}
			}
			body := append([]jen.Code{avroAppendIndex(i)}, enc.encode(b.t, v, 0, avroPath{dyn: true})...)
			body = append(body, jen.Return(jen.Id("dst"), jen.Nil()))
			cases = append(cases, jen.Case(jen.Id(typ)).Block(body...))
		}
	}
	var body []jen.Code
	if enc.needErr {
		body = append(body, jen.Var().Err().Error())
	}
	sw := jen.Id("v").Op(":=").Id("v").Assert(jen.Type())
	if !hasValue {
		sw = jen.Id("v").Assert(jen.Type())
	}
	body = append(body, jen.Switch(sw).Block(cases...))
	body = append(body, jen.Return(jen.Id("dst"), avroCodec("ErrNil").Call(jen.Id("path"))))
	note := "a nil v is an error, the union has no null"
	if hasNull {
		note = "a nil v is null"
	}
	f.Comment(fmt.Sprintf("%s appends the Avro encoding of a %s (%s); path names the value in errors.", u.appendFn, u.name, note))
	f.Func().Id(u.appendFn).Params(jen.Id("dst").Index().Byte(), jen.Id("v").Id(u.name), jen.Id("path").String()).Params(jen.Index().Byte(), jen.Error()).Block(body...)
	f.Line()

	// Decoder.
	dec := &avroDecoder{g: g}
	var dcases []jen.Code
	for i, b := range u.branches {
		var cb []jen.Code
		switch {
		case b.t.Kind == schema.Null:
			cb = []jen.Code{jen.Return(jen.Nil())}
		case b.t.Kind == schema.Record:
			cb = []jen.Code{
				jen.Id("v").Op(":=").New(jen.Id(g.typeName[b.t])),
				jen.Id("v").Dot("decodeAvro").Call(jen.Id("r"), jen.False()),
				jen.Return(jen.Id("v")),
			}
		default:
			wrap := func(x *jen.Statement) *jen.Statement {
				if b.wrapper != "" {
					return jen.Id(b.wrapper).Call(x)
				}
				return x
			}
			if x := dec.decodeExpr(b.t); x != nil {
				cb = []jen.Code{jen.Return(wrap(x))}
				break
			}
			cb = append(cb, jen.Var().Id("v").Add(g.goType(b.t)))
			cb = append(cb, dec.decode(b.t, avroID("v"), 0, u.name)...)
			cb = append(cb, jen.Return(wrap(jen.Id("v"))))
		}
		dcases = append(dcases, jen.Case(jen.Lit(i)).Block(cb...))
	}
	dcases = append(dcases, jen.Default().Block(avroRead("BadIndex", jen.Lit("union "+u.name), jen.Id("i"), jen.Lit(len(u.branches)))))
	f.Comment(fmt.Sprintf("%s reads a %s.", u.decodeFn, u.name))
	f.Func().Id(u.decodeFn).Params(jen.Id("r").Op("*").Qual(CodecImport, "Reader")).Id(u.name).Block(
		jen.Switch(jen.Id("i").Op(":=").Add(avroRead("ReadLong")), jen.Id("i")).Block(dcases...),
		jen.Return(jen.Nil()),
	)
	f.Line()
}
