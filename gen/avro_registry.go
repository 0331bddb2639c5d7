package gen

import (
	"sort"

	"github.com/dave/jennifer/jen"
)

// registryFile emits registry.gen.go: the look-up of record types by Avro
// full name or alias, and the compile-time runtime version check.
func (g *avroGen) registryFile() (File, error) {
	f := g.newFile()
	EnforceVersion(f)
	f.Line()

	if len(g.records) > 0 {
		var checks []jen.Code
		for _, rec := range g.records {
			checks = append(checks, jen.Id("_").Qual(CodecImport, "AvroRecord").Op("=").Parens(jen.Op("*").Id(g.typeName[rec])).Parens(jen.Nil()))
		}
		f.Comment("Every record type implements codec.AvroRecord.")
		f.Var().Defs(checks...)
		f.Line()
	}

	names, target := g.registryNames()
	var cases []jen.Code
	done := map[string]bool{}
	for _, rec := range g.records {
		var keys []jen.Code
		for _, n := range names {
			if target[n] == rec && !done[n] {
				done[n] = true
				keys = append(keys, jen.Lit(n))
			}
		}
		cases = append(cases, jen.Case(keys...).Block(jen.Return(jen.New(jen.Id(g.typeName[rec])), jen.True())))
	}
	body := []jen.Code{}
	if len(cases) > 0 {
		body = append(body, jen.Switch(jen.Id("fullName")).Block(cases...))
	}
	body = append(body, jen.Return(jen.Nil(), jen.False()))
	f.Comment("NewAvroRecord returns a new, zero value of the record type with the given Avro full name or alias, and false when this package has none.")
	f.Func().Id("NewAvroRecord").Params(jen.Id("fullName").String()).Params(jen.Qual(CodecImport, "AvroRecord"), jen.Bool()).Block(body...)
	f.Line()

	var full []jen.Code
	var recNames []string
	for _, rec := range g.records {
		recNames = append(recNames, rec.Name.Full())
	}
	sort.Strings(recNames)
	for _, n := range recNames {
		full = append(full, jen.Lit(n))
	}
	f.Comment("AvroRecordNames returns the full names of the Avro records of this package, sorted.")
	f.Func().Id("AvroRecordNames").Params().Index().String().Block(
		jen.Return(jen.Index().String().Values(full...)),
	)
	return Render("registry.gen.go", f)
}
