package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// This file emits the serialization part of pipeline.gen.go: one decode
// and one append method per (format, type) the pipeline reads or writes,
// the sink serializers, the field accessors (event time, key_by) and the
// codecs the runtime does not provide.

// serdeGoType is the Go type a serde reads and writes.
func (g *plGen) serdeGoType(sd *plSerde) *jen.Statement {
	switch sd.format {
	case spec.FormatString:
		return jen.String()
	case spec.FormatBytes:
		return jen.Index().Byte()
	}
	return g.goType(sd.ref)
}

// serdeText describes a serde for comments ("avro-confluent com.acme.Click").
func serdeText(sd *plSerde) string {
	if sd.format.NeedsType() && sd.ref != nil {
		return string(sd.format) + " " + sd.ref.Name
	}
	return string(sd.format)
}

// avroUnframe is `w, datum, err := p.<framing>.Unframe(topic, isKey, data)`
// for an Avro serde.
func (g *plGen) avroUnframe(sd *plSerde) jen.Code {
	framing := jen.Id("p").Dot(framingField(sd.format))
	return jen.List(jen.Id("w"), jen.Id("datum"), jen.Err()).Op(":=").Add(framing).Dot("Unframe").Call(jen.Id("topic"), jen.Lit(sd.isKey), jen.Id("data"))
}

// avroResolver is `res, err := p.<resolver of t>.Get(w)`: the resolution
// from the writer schema w to t.
func (g *plGen) avroResolver(t *schema.Type) jen.Code {
	return jen.List(jen.Id("res"), jen.Err()).Op(":=").Id("p").Dot(g.resolverField(t)).Dot("Get").Call(jen.Id("w"))
}

// avroReturnOnErr is `if err != nil { return err }`.
func (g *plGen) avroReturnOnErr() jen.Code {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
}

func (g *plGen) emitSerdes(f *jen.File) {
	recv := jen.Id("p").Op("*").Id("Pipeline")
	for _, sd := range g.serdes {
		typ := g.serdeGoType(sd)
		what := "value"
		if sd.isKey {
			what = "key"
		}
		var dec, enc []jen.Code
		switch {
		case sd.format.IsAvro():
			t := sd.ref.Schema
			framing := jen.Id("p").Dot(framingField(sd.format))
			// One decoding path: into a new value, without an Interner.
			dec = []jen.Code{
				jen.Var().Id("v").Add(typ.Clone()),
				jen.Err().Op(":=").Id("p").Dot(sd.into).Call(jen.Op("&").Id("v"), jen.False(), jen.Nil(), jen.Id("topic"), jen.Id("data")),
				jen.Return(jen.Id("v"), jen.Err()),
			}
			enc = []jen.Code{
				jen.List(jen.Id("dst"), jen.Err()).Op(":=").Add(framing.Clone()).Dot("Frame").Call(jen.Id("dst"), jen.Id("topic"), jen.Lit(sd.isKey), jen.Id("p").Dot(g.typeField(t))),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("dst"), jen.Err())),
				jen.Return(jen.Id("v").Dot("AppendAvro").Call(jen.Id("dst"))),
			}
		case sd.format == spec.FormatJSON:
			dec = []jen.Code{
				jen.Var().Id("v").Add(typ.Clone()),
				jen.Err().Op(":=").Id("v").Dot("UnmarshalJSON").Call(jen.Id("data")),
				jen.Return(jen.Id("v"), jen.Err()),
			}
			enc = []jen.Code{jen.Return(jen.Id("v").Dot("AppendJSON").Call(jen.Id("dst")))}
		case sd.format == spec.FormatString:
			dec = []jen.Code{jen.Return(jen.String().Call(jen.Id("data")), jen.Nil())}
			enc = []jen.Code{jen.Return(jen.Append(jen.Id("dst"), jen.Op("*").Id("v").Op("...")), jen.Nil())}
		case sd.format == spec.FormatBytes:
			dec = []jen.Code{jen.Return(jen.Append(jen.Index().Byte().Values(), jen.Id("data").Op("...")), jen.Nil())}
			enc = []jen.Code{jen.Return(jen.Append(jen.Id("dst"), jen.Op("*").Id("v").Op("...")), jen.Nil())}
		default:
			g.fail(g.s.Pos, sd.path, "format %s cannot be read or written", sd.format)
			continue
		}
		f.Comment(comment(fmt.Sprintf("%s decodes a record %s in format %s. It does not keep data.", sd.decode, what, serdeText(sd))))
		f.Func().Params(recv.Clone()).Id(sd.decode).Params(jen.Id("topic").String(), jen.Id("data").Index().Byte()).Params(typ.Clone(), jen.Error()).Block(dec...)
		f.Line()
		if sd.format.IsAvro() {
			t := sd.ref.Schema
			f.Comment(comment(fmt.Sprintf("%s decodes a record %s in format %s into *v, taking the short strings in holds (codec.Interner; nil: none); with reuse (object_reuse) it reuses *v's slices and maps.", sd.into, what, serdeText(sd))))
			f.Func().Params(recv.Clone()).Id(sd.into).Params(jen.Id("v").Op("*").Add(typ.Clone()), jen.Id("reuse").Bool(), jen.Id("in").Op("*").Qual(CodecImport, "Interner"), jen.Id("topic").String(), jen.Id("data").Index().Byte()).Error().Block(
				g.avroUnframe(sd), g.avroReturnOnErr(),
				jen.If(jen.Id("w").Op("!=").Nil().Op("&&").Id("w").Op("!=").Id("p").Dot(g.typeField(t))).Block(
					jen.Comment("Written with another schema: resolve it to this one."),
					g.avroResolver(t), g.avroReturnOnErr(),
					jen.If(jen.Op("!").Id("res").Dot("Identity").Call()).Block(
						jen.If(jen.List(jen.Id("datum"), jen.Err()).Op("=").Id("res").Dot("Transcode").Call(jen.Nil(), jen.Id("datum")), jen.Err().Op("!=").Nil()).Block(
							jen.Return(jen.Err()),
						),
					),
				),
				jen.Return(jen.Id("v").Dot("UnmarshalAvroWith").Call(jen.Id("datum"), jen.Id("reuse"), jen.Id("in"))),
			)
			f.Line()
		}
		f.Comment(comment(fmt.Sprintf("%s appends the encoding of a record %s in format %s to dst.", sd.append, what, serdeText(sd))))
		f.Func().Params(recv.Clone()).Id(sd.append).Params(jen.Id("dst").Index().Byte(), jen.Id("topic").String(), jen.Id("v").Op("*").Add(typ.Clone())).Params(jen.Index().Byte(), jen.Error()).Block(enc...)
		f.Line()
	}
}

// fieldPath returns the expression v.A.B for a field path into root, or
// fails for a path the generated code cannot follow safely.
func (g *plGen) fieldPath(v *jen.Statement, root *spec.TypeRef, fr *spec.FieldRef, path string) *jen.Statement {
	if fr.IsValue() {
		return v
	}
	if root == nil || root.Schema == nil {
		g.fail(fr.Pos, path, "field %s of an unresolved type", fr.Path)
		return v
	}
	out := v
	for _, fld := range fr.Fields {
		rec := fieldOwner(root.Schema, fr, fld)
		if rec == nil {
			g.fail(fr.Pos, path, "field %s: cannot find the record holding %s", fr.Path, fld.Name)
			return v
		}
		if rec.Origin == schema.FromAvro {
			if g.avro.ptrField[fld] {
				g.fail(fr.Pos, path, "field %s goes through %s, a recursive record held by pointer; the generated code does not follow such paths: use a field outside the recursion", fr.Path, fld.Name)
				return v
			}
			out = out.Clone().Dot(g.avro.fieldName[fld])
			continue
		}
		jfs, _ := g.json.recordFields(rec)
		var name string
		for _, jf := range jfs {
			if jf.f != fld {
				continue
			}
			switch {
			case jf.isConst:
				g.fail(fr.Pos, path, "field %s: property %s is a constant (%q), which the generated type holds in no field; use another field", fr.Path, fld.Name, jf.constant)
				return v
			case jf.ptr:
				g.fail(fr.Pos, path, "field %s: property %s is optional in its JSON Schema, so a record may lack it; list it in \"required\"", fr.Path, fld.Name)
				return v
			}
			name = jf.goName
		}
		out = out.Clone().Dot(name)
	}
	return out
}

// fieldOwner returns the record along fr whose field fld is.
func fieldOwner(root *schema.Type, fr *spec.FieldRef, fld *schema.Field) *schema.Type {
	cur := root
	for _, x := range fr.Fields {
		if x == fld {
			return cur
		}
		cur = x.Type
	}
	return nil
}

// isTimeField reports whether t is held as a time.Time.
func isTimeField(t *schema.Type) bool {
	if t.Logical != nil {
		switch t.Logical.Name {
		case schema.LogicalTimestampMillis, schema.LogicalTimestampMicros, schema.LogicalTimestampNanos, schema.LogicalDate:
			return true
		}
	}
	f := jsonFormat(t)
	return t.Origin == schema.FromJSONSchema && (f == "date-time" || f == "date")
}

func (g *plGen) emitFieldFuncs(f *jen.File) {
	for _, ps := range g.sources {
		if ps.evtime == "" {
			continue
		}
		src := ps.src
		path := "sources." + src.Name + ".event_time.field"
		fr := src.EventTime.Field
		if fr.Type == nil || fr.Type.Schema == nil || !isTimeField(fr.Type.Schema) {
			g.fail(fr.Pos, path, "field %s is not a timestamp", fr.Path)
			continue
		}
		st := g.stream(src.Name)
		f.Comment(comment(fmt.Sprintf("%s is the event time of a record of source %s: its field %s, in ms since the epoch.", ps.evtime, src.Name, fr.Path)))
		f.Func().Id(ps.evtime).Params(jen.Id("_").Op("*").Add(rtQual("Record")), jen.Id("v").Op("*").Add(g.goType(st.Type))).Int64().Block(
			jen.Return(g.fieldPath(jen.Id("v"), st.Type, fr, path).Dot("UnixMilli").Call()),
		)
		f.Line()
	}
	for _, op := range g.s.Operators {
		if op.Kind != spec.KindKeyBy {
			continue
		}
		in := g.stream(op.Inputs[0])
		path := "operators." + op.Name + ".key_by"
		name := g.keyFuncName(op)
		what := "the whole value"
		if !op.KeyBy.IsValue() {
			what = "field " + op.KeyBy.Path
		}
		f.Comment(comment(fmt.Sprintf("%s is the key of operators.%s: %s.", name, op.Name, what)))
		// v is a pointer (runtime.KeyBy): a field through it, the value
		// itself as *v.
		val := jen.Id("v")
		if op.KeyBy.IsValue() {
			val = jen.Op("*").Id("v")
		}
		f.Func().Id(name).Params(jen.Id("v").Op("*").Add(g.goType(in.Type))).Add(g.goType(op.Out.Key)).Block(
			jen.Return(g.fieldPath(val, in.Type, op.KeyBy, path)),
		)
		f.Line()
	}
}

// errReturn is `if err != nil { return fmt.Errorf("<what>: %w", err) }`.
func errReturn(what string) *jen.Statement {
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(what+": %w"), jen.Err())))
}

// encodeInto encodes into the serializer's buffer with enc (an expression
// of type ([]byte, error) appending to s.buf[:0]) and copies the result to
// target: one allocation of the exact size per record.
func encodeInto(target, enc *jen.Statement, what string) []jen.Code {
	return []jen.Code{
		jen.List(jen.Id("s").Dot("buf"), jen.Err()).Op("=").Add(enc),
		errReturn(what),
		target.Clone().Op("=").Qual("bytes", "Clone").Call(jen.Id("s").Dot("buf")),
	}
}

// appendConverted encodes val (of record type c.from), framed and
// transcoded to c.to, into target.
func (g *plGen) appendConverted(target *jen.Statement, sd *plSerde, c *plConv, val *jen.Statement, what string) []jen.Code {
	out := []jen.Code{
		jen.List(jen.Id("s").Dot("tmp"), jen.Err()).Op("=").Add(val).Dot("AppendAvro").Call(jen.Id("s").Dot("tmp").Index(jen.Empty(), jen.Lit(0))),
		errReturn(what),
		jen.List(jen.Id("s").Dot("buf"), jen.Err()).Op("=").Id("s").Dot("p").Dot(framingField(sd.format)).Dot("Frame").Call(jen.Id("s").Dot("buf").Index(jen.Empty(), jen.Lit(0)), jen.Id("out").Dot("Topic"), jen.Lit(sd.isKey), jen.Id("s").Dot("p").Dot(g.typeField(c.to))),
		errReturn(what),
	}
	return append(out, encodeInto(target, jen.Id("s").Dot("p").Dot(c.field).Dot("Transcode").Call(jen.Id("s").Dot("buf"), jen.Id("s").Dot("tmp")), what)...)
}

func (g *plGen) emitSinkSerializers(f *jen.File) {
	for _, ps := range g.sinks {
		sk := ps.sk
		st := sk.Stream
		typ := g.goType(st.Type)
		var body []jen.Code
		keyText := "no key"
		appendTo := func(sd *plSerde, val *jen.Statement) *jen.Statement {
			return jen.Id("s").Dot("p").Dot(sd.append).Call(jen.Id("s").Dot("buf").Index(jen.Empty(), jen.Lit(0)), jen.Id("out").Dot("Topic"), jen.Op("&").Add(val))
		}
		if ps.key != nil {
			target := jen.Id("out").Dot("Key")
			switch {
			case sk.Key.Field != nil:
				keyText = fmt.Sprintf("the key is field %s in format %s", sk.Key.Field.Path, serdeText(ps.key))
				val := g.fieldPath(jen.Id("v"), st.Type, sk.Key.Field, "sinks."+sk.Name+".key.field")
				if ps.keyConv != nil {
					body = append(body, g.appendConverted(target, ps.key, ps.keyConv, val, "key")...)
				} else {
					body = append(body, encodeInto(target, appendTo(ps.key, val), "key")...)
				}
			case ps.key.format == spec.FormatString || ps.key.format == spec.FormatBytes:
				keyText = fmt.Sprintf("the key is the stream key in format %s", ps.key.format)
				body = append(body,
					jen.Comment("The stream key's bytes are already the "+string(ps.key.format)+" encoding."),
					target.Clone().Op("=").Qual("bytes", "Clone").Call(jen.Id("c").Dot("Key").Call()))
			default:
				keyText = fmt.Sprintf("the key is the stream key in format %s", serdeText(ps.key))
				body = append(body,
					jen.List(jen.Id("k"), jen.Err()).Op(":=").Add(g.codec(st.Key, "sinks."+sk.Name+".key")).Dot("Decode").Call(jen.Id("c").Dot("Key").Call()),
					errReturn("key"))
				body = append(body, encodeInto(target, appendTo(ps.key, jen.Id("k")), "key")...)
			}
		}
		valueText := "the value in format " + serdeText(ps.value)
		if ps.valueConv != nil {
			valueText += " (converted from " + st.Type.Name + ")"
			body = append(body, g.appendConverted(jen.Id("out").Dot("Value"), ps.value, ps.valueConv, jen.Id("v"), "value")...)
		} else {
			body = append(body, encodeInto(jen.Id("out").Dot("Value"), appendTo(ps.value, jen.Id("v")), "value")...)
		}
		body = append([]jen.Code{jen.Var().Err().Error()}, body...)
		body = append(body, jen.Return(jen.Nil()))
		fields := []jen.Code{
			jen.Id("p").Op("*").Id("Pipeline"),
			jen.Comment("buf is reused for every record; what a record keeps is copied out of it."),
			jen.Id("buf").Index().Byte(),
		}
		if ps.keyConv != nil || ps.valueConv != nil {
			fields = append(fields, jen.Comment("tmp holds a record in its stream's schema before it is converted."), jen.Id("tmp").Index().Byte())
		}
		f.Comment(comment(fmt.Sprintf("%s writes the records of sinks.%s: %s; %s. The record's timestamp is the event time. Each task has its own.", ps.serializer, sk.Name, keyText, valueText)))
		f.Type().Id(ps.serializer).Struct(fields...)
		f.Line()
		f.Comment("Serialize implements runtime.Serializer.")
		f.Func().Params(jen.Id("s").Op("*").Id(ps.serializer)).Id("Serialize").Params(ctxParam(), jen.Id("v").Add(typ), jen.Id("out").Op("*").Add(rtQual("OutRecord"))).Error().Block(body...)
		f.Line()
	}
}

func (g *plGen) emitCodecs(f *jen.File) {
	for _, c := range g.codecs {
		recv := jen.Id(c.name)
		var app, dec []jen.Code
		var doc string
		switch c.kind {
		case "float32":
			doc = "encodes a float32 as the float64 it converts to exactly, so byte order is numeric order."
			app = []jen.Code{jen.Return(rtQual("Float64Codec").Values().Dot("Append").Call(jen.Id("dst"), jen.Float64().Call(jen.Id("v"))))}
			dec = []jen.Code{
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(rtQual("Float64Codec")).Values().Dot("Decode").Call(jen.Id("src")),
				jen.Return(jen.Float32().Call(jen.Id("x")), jen.Err()),
			}
		case "enum32":
			doc = fmt.Sprintf("encodes the Avro enum %s by its symbol index, as runtime.Int32Codec does.", c.t.Name.Full())
			app = []jen.Code{jen.Return(rtQual("Int32Codec").Values().Dot("Append").Call(jen.Id("dst"), jen.Int32().Call(jen.Id("v"))))}
			dec = []jen.Code{
				jen.List(jen.Id("x"), jen.Err()).Op(":=").Add(rtQual("Int32Codec")).Values().Dot("Decode").Call(jen.Id("src")),
				jen.Return(c.typ.Clone().Call(jen.Id("x")), jen.Err()),
			}
		default:
			doc = "encodes a fixed-size value as its bytes."
			app = []jen.Code{jen.Return(jen.Append(jen.Id("dst"), jen.Id("v").Index(jen.Empty(), jen.Empty()).Op("...")), jen.Nil())}
			dec = []jen.Code{
				jen.Var().Id("v").Add(c.typ.Clone()),
				jen.If(jen.Len(jen.Id("src")).Op("!=").Len(jen.Id("v"))).Block(
					jen.Return(jen.Id("v"), jen.Qual("fmt", "Errorf").Call(jen.Lit(c.name+": want %d bytes, got %d"), jen.Len(jen.Id("v")), jen.Len(jen.Id("src")))),
				),
				jen.Copy(jen.Id("v").Index(jen.Empty(), jen.Empty()), jen.Id("src")),
				jen.Return(jen.Id("v"), jen.Nil()),
			}
		}
		f.Comment(comment(fmt.Sprintf("%s is a runtime.Codec that %s", c.name, doc)))
		f.Type().Id(c.name).Struct()
		f.Line()
		f.Comment("Append implements runtime.Codec.")
		f.Func().Params(recv.Clone()).Id("Append").Params(jen.Id("dst").Index().Byte(), jen.Id("v").Add(c.typ.Clone())).Params(jen.Index().Byte(), jen.Error()).Block(app...)
		f.Line()
		f.Comment("Decode implements runtime.Codec.")
		f.Func().Params(recv.Clone()).Id("Decode").Params(jen.Id("src").Index().Byte()).Params(c.typ.Clone(), jen.Error()).Block(dec...)
		f.Line()
	}
}
