package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/streamgen/streamgen/schema"
)

// goType returns the Go type of an Avro type (see Types for the mapping).
func (g *avroGen) goType(t *schema.Type) *jen.Statement {
	if t.Logical != nil {
		switch t.Logical.Name {
		case schema.LogicalDecimal, schema.LogicalBigDecimal:
			return jen.Qual(CodecImport, "Decimal")
		case schema.LogicalUUID:
			return jen.Qual(CodecImport, "UUID")
		case schema.LogicalDuration:
			return jen.Qual(CodecImport, "Duration")
		case schema.LogicalTimeMillis, schema.LogicalTimeMicros:
			return jen.Qual("time", "Duration")
		case schema.LogicalDate,
			schema.LogicalTimestampMillis, schema.LogicalTimestampMicros, schema.LogicalTimestampNanos,
			schema.LogicalLocalTimestampMillis, schema.LogicalLocalTimestampMicros, schema.LogicalLocalTimestampNanos:
			return jen.Qual("time", "Time")
		}
	}
	switch t.Kind {
	case schema.Null:
		return jen.Qual(CodecImport, "Null")
	case schema.Boolean:
		return jen.Bool()
	case schema.Int:
		return jen.Int32()
	case schema.Long:
		return jen.Int64()
	case schema.Float:
		return jen.Float32()
	case schema.Double:
		return jen.Float64()
	case schema.Bytes:
		return jen.Index().Byte()
	case schema.String:
		return jen.String()
	case schema.Record, schema.Enum, schema.Fixed:
		return jen.Id(g.typeName[t])
	case schema.Array:
		return jen.Index().Add(g.goType(t.Items))
	case schema.Map:
		return jen.Map(jen.String()).Add(g.goType(t.Values))
	case schema.Union:
		if n, ok := avroNullableOf(t); ok {
			if n.nilForm {
				return g.goType(n.inner)
			}
			return jen.Op("*").Add(g.goType(n.inner))
		}
		return jen.Id(g.unionOf[t].name)
	}
	return jen.Qual(CodecImport, "Null")
}

// fieldType is goType, or a pointer to it for a field that breaks a
// by-value cycle.
func (g *avroGen) fieldType(f *schema.Field) *jen.Statement {
	if g.ptrField[f] {
		return jen.Op("*").Add(g.goType(f.Type))
	}
	return g.goType(f.Type)
}

// avroDescribe spells a type for doc comments: its full name for a named
// type, its kind (and logical type) otherwise.
func avroDescribe(t *schema.Type) string {
	if t.Kind.IsNamed() {
		return t.Name.Full()
	}
	s := t.Kind.String()
	if t.Logical != nil {
		s += " (" + t.Logical.Name + ")"
	}
	switch t.Kind {
	case schema.Array:
		s = "array of " + avroDescribe(t.Items)
	case schema.Map:
		s = "map of " + avroDescribe(t.Values)
	}
	return s
}

// typesFile emits types.gen.go: the declarations.
func (g *avroGen) typesFile() (File, error) {
	f := g.newFile()
	for _, t := range g.s.Named {
		name, ok := g.typeName[t]
		if !ok {
			continue
		}
		switch t.Kind {
		case schema.Record:
			g.emitRecordType(f, t, name)
		case schema.Enum:
			g.emitEnumType(f, t, name)
		case schema.Fixed:
			f.Comment(avroDoc(fmt.Sprintf("%s is the Avro fixed %s (%d bytes).", name, t.Name.Full(), t.Size), t.Doc))
			f.Type().Id(name).Index(jen.Lit(t.Size)).Byte()
			f.Line()
		}
	}
	for _, u := range g.unions {
		g.emitUnionType(f, u)
	}
	return Render("types.gen.go", f)
}

func (g *avroGen) emitRecordType(f *jen.File, t *schema.Type, name string) {
	f.Comment(avroDoc(fmt.Sprintf("%s is the Avro record %s.", name, t.Name.Full()), t.Doc))
	var fields []jen.Code
	for _, fld := range t.Fields {
		st := jen.Null()
		if fld.Doc != "" {
			st = jen.Comment(avroDoc(fld.Doc)).Line()
		}
		st.Id(g.fieldName[fld]).Add(g.fieldType(fld)).Tag(map[string]string{"avro": fld.Name})
		fields = append(fields, st)
	}
	f.Type().Id(name).Struct(fields...)
	f.Line()
}

func (g *avroGen) emitEnumType(f *jen.File, t *schema.Type, name string) {
	head := fmt.Sprintf("%s is the Avro enum %s, symbols %s.", name, t.Name.Full(), avroQuoteList(t.Symbols))
	var extra string
	if t.HasEnumDefault {
		extra = fmt.Sprintf("A reader that meets a symbol it lacks uses %q.", t.EnumDefault)
	}
	f.Comment(avroDoc(head+" "+extra, t.Doc))
	f.Type().Id(name).Int32()
	f.Line()

	consts := g.enumConsts[t]
	var defs []jen.Code
	for i := range t.Symbols {
		defs = append(defs, jen.Id(consts[i]).Id(name).Op("=").Lit(i))
	}
	if len(defs) > 0 {
		f.Comment(fmt.Sprintf("The symbols of %s.", name))
		f.Const().Defs(defs...)
		f.Line()
	}

	symbols := "avroSymbols" + name
	var lits []jen.Code
	for _, s := range t.Symbols {
		lits = append(lits, jen.Lit(s))
	}
	f.Var().Id(symbols).Op("=").Index(jen.Op("...")).String().Values(lits...)
	f.Line()

	f.Comment(fmt.Sprintf("String returns the Avro symbol of e, or %s(n) when e is not a symbol.", name))
	f.Func().Params(jen.Id("e").Id(name)).Id("String").Params().String().Block(
		jen.If(jen.Uint32().Call(jen.Id("e")).Op("<").Uint32().Call(jen.Len(jen.Id(symbols)))).Block(
			jen.Return(jen.Id(symbols).Index(jen.Id("e"))),
		),
		jen.Return(jen.Lit(name+"(").Op("+").Qual("strconv", "Itoa").Call(jen.Int().Call(jen.Id("e"))).Op("+").Lit(")")),
	)
	f.Line()

	parse := g.parseFunc[t]
	var cases []jen.Code
	for i, s := range t.Symbols {
		cases = append(cases, jen.Case(jen.Lit(s)).Block(jen.Return(jen.Id(consts[i]), jen.Nil())))
	}
	f.Comment(fmt.Sprintf("%s returns the %s of the Avro symbol s.", parse, name))
	f.Func().Id(parse).Params(jen.Id("s").String()).Params(jen.Id(name), jen.Error()).Block(
		jen.Switch(jen.Id("s")).Block(cases...),
		jen.Return(jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("unknown symbol %q of Avro enum "+t.Name.Full()), jen.Id("s"))),
	)
	f.Line()

	f.Comment("MarshalText implements encoding.TextMarshaler with the Avro symbol.")
	f.Func().Params(jen.Id("e").Id(name)).Id("MarshalText").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.If(jen.Uint32().Call(jen.Id("e")).Op(">=").Uint32().Call(jen.Len(jen.Id(symbols)))).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("value %d is not a symbol of Avro enum "+t.Name.Full()), jen.Int32().Call(jen.Id("e")))),
		),
		jen.Return(jen.Index().Byte().Call(jen.Id(symbols).Index(jen.Id("e"))), jen.Nil()),
	)
	f.Line()

	f.Comment("UnmarshalText implements encoding.TextUnmarshaler with " + parse + ".")
	f.Func().Params(jen.Id("e").Op("*").Id(name)).Id("UnmarshalText").Params(jen.Id("text").Index().Byte()).Error().Block(
		jen.List(jen.Id("v"), jen.Err()).Op(":=").Id(parse).Call(jen.String().Call(jen.Id("text"))),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Op("*").Id("e").Op("=").Id("v"),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

func (g *avroGen) emitUnionType(f *jen.File, u *avroUnion) {
	var kinds []string
	for _, b := range u.branches {
		switch {
		case b.t.Kind == schema.Null:
			kinds = append(kinds, "nil (null)")
		case b.t.Kind == schema.Record:
			kinds = append(kinds, "*"+g.typeName[b.t])
		case b.wrapper == "":
			kinds = append(kinds, g.typeName[b.t])
		default:
			kinds = append(kinds, b.wrapper)
		}
	}
	f.Comment(avroDoc(
		fmt.Sprintf("%s is an Avro union, first seen at %s. Its values are, by branch:", u.name, u.where),
		strings.Join(kinds, ", ")+".",
	))
	f.Type().Id(u.name).Interface(jen.Id(u.marker).Params())
	f.Line()
	for _, b := range u.branches {
		var recv *jen.Statement
		switch {
		case b.t.Kind == schema.Null:
			continue
		case b.t.Kind == schema.Record:
			recv = jen.Op("*").Id(g.typeName[b.t])
		case b.wrapper == "":
			recv = jen.Id(g.typeName[b.t])
		default:
			f.Comment(fmt.Sprintf("%s is the %s branch of %s.", b.wrapper, avroDescribe(b.t), u.name))
			f.Type().Id(b.wrapper).Add(g.goType(b.t))
			f.Line()
			recv = jen.Id(b.wrapper)
		}
		f.Func().Params(recv).Id(u.marker).Params().Block()
		f.Line()
	}
}

// newFile starts a generated file with the standard header and the
// runtime packages imported under their own names.
func (g *avroGen) newFile() *jen.File {
	f := NewFile(g.opts)
	f.ImportName(CodecImport, "codec")
	f.ImportName(avroSchemaImport, "schema")
	return f
}
