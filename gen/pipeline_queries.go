package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits the typed interactive queries of pipeline.gen.go: one
// function per process state, reading a key's value through a
// runtime.StateQuerier (a running pipeline's kafka.Queries, or the test
// driver, whose state methods call them).

// queryName is the Query function of a state the driver reads with
// in.method.
func queryName(in *plInspect) string { return "Query" + in.method }

func (g *plGen) emitQueries(f *jen.File) {
	for _, in := range g.inspects {
		o, st := in.o, in.st
		name := queryName(in)
		stateName := stateName(o.op, st)
		v := g.goType(st.Value)
		params := []jen.Code{
			jen.Id("ctx").Qual("context", "Context"),
			jen.Id("q").Add(rtQual("StateQuerier")),
			jen.Id("key").Add(g.goType(o.in.Key)),
		}
		keyBytes := func(fail ...jen.Code) []jen.Code {
			return []jen.Code{
				jen.List(jen.Id("kb"), jen.Err()).Op(":=").Add(g.keyCodecOf(o)).Dot("Append").Call(jen.Nil(), jen.Id("key")),
				jen.If(jen.Err().Op("!=").Nil()).Block(fail...),
			}
		}
		keyErr := jen.Qual("fmt", "Errorf").Call(jen.Lit(name+": key: %w"), jen.Err())
		what := fmt.Sprintf("%s of operator %s", stateKindText(st), o.op.Name)
		const source = " q reads the committed state of a running pipeline's local tasks (kafka.Queries) or a TestDriver's state; the result is a copy the caller may keep."
		var doc string
		var results []jen.Code
		var body []jen.Code
		switch st.Kind {
		case spec.StateValue, spec.StateReducing:
			doc = fmt.Sprintf("%s returns the value of key in %s, and whether there is one.", name, what)
			results = []jen.Code{v.Clone(), jen.Bool(), jen.Error()}
			body = append(keyBytes(jen.Var().Id("zero").Add(v.Clone()), jen.Return(jen.Id("zero"), jen.False(), keyErr)),
				jen.Return(rtQual("QueryValue").Types(v.Clone()).Call(jen.Id("ctx"), jen.Id("q"), jen.Lit(stateName), jen.Id("kb"))))
		case spec.StateList:
			doc = fmt.Sprintf("%s returns the list of key in %s (nil when empty).", name, what)
			results = []jen.Code{jen.Index().Add(v.Clone()), jen.Error()}
			body = append(keyBytes(jen.Return(jen.Nil(), keyErr)),
				jen.Return(rtQual("QueryList").Types(v.Clone()).Call(jen.Id("ctx"), jen.Id("q"), jen.Lit(stateName), jen.Id("kb"))))
		case spec.StateMap:
			mk, mkey := g.goType(st.Key), jen.Id("k")
			doc = fmt.Sprintf("%s returns the map of key in %s, as a Go map (empty when there is none).", name, what)
			if st.Key.Builtin == spec.BuiltinBytes {
				mk, mkey = jen.String(), jen.String().Call(jen.Id("k"))
				doc += " Map keys are the bytes as strings."
			}
			results = []jen.Code{jen.Map(mk.Clone()).Add(v.Clone()), jen.Error()}
			body = append(keyBytes(jen.Return(jen.Nil(), keyErr)),
				jen.Id("out").Op(":=").Map(mk.Clone()).Add(v.Clone()).Values(),
				jen.List(jen.Id("_"), jen.Err()).Op("=").Add(rtQual("QueryMap").Types(g.goType(st.Key), v.Clone())).Call(
					jen.Id("ctx"), jen.Id("q"), jen.Lit(stateName), jen.Id("kb"),
					jen.Func().Params(jen.Id("k").Add(g.goType(st.Key)), jen.Id("v").Add(v.Clone())).Block(
						jen.Id("out").Index(mkey).Op("=").Id("v"),
					)),
				jen.Return(jen.Id("out"), jen.Err()))
		}
		f.Comment(comment(doc + source))
		f.Func().Id(name).Params(params...).Parens(jen.List(results...)).Block(body...)
		f.Line()
	}
}
