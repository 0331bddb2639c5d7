package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits the typed interactive queries of pipeline.gen.go: one
// function per process state and per window operator, reading a key's
// state through a runtime.StateQuerier (a running pipeline's
// kafka.Queries, or the test driver, whose state methods call them).

// plWindowQuery is the Query function of a window operator.
type plWindowQuery struct {
	o    *plOp
	name string
}

// nameQueries names the Query functions: Query<Op><State> for a process
// state (the driver's method name after Query), Query<Op> for a window.
func (g *plGen) nameQueries() {
	m := NewNamer()
	for _, in := range g.inspects {
		in.query = m.Name("Query" + in.method)
	}
	for _, o := range g.ops {
		if o.op.Kind == spec.KindWindow {
			g.winQueries = append(g.winQueries, &plWindowQuery{o: o, name: m.Name("Query" + GoName(o.op.Name))})
		}
	}
}

// querySource ends every Query function's doc comment.
const querySource = " q reads the committed state of a running pipeline's local tasks (kafka.Queries) or a TestDriver's (TestDriver.Runtime()); the result is a copy the caller may keep."

func (g *plGen) emitQueries(f *jen.File) {
	g.emitStateQueries(f)
	g.emitWindowQueries(f)
}

func (g *plGen) emitWindowQueries(f *jen.File) {
	for _, wq := range g.winQueries {
		o, w := wq.o, wq.o.op.Window
		var v jen.Code
		var what string
		switch w.Func {
		case spec.WindowAggregate:
			v, what = g.goType(w.Accumulator), "its accumulator"
		case spec.WindowReduce:
			v, what = g.goType(o.in.Type), "the value reduced so far"
		default:
			v, what = jen.Index().Add(g.goType(o.in.Type)), "the elements kept so far"
		}
		result := jen.Index().Add(rtQual("Windowed").Types(v))
		doc := fmt.Sprintf("%s returns the windows of key that window %s holds, oldest first, each with %s. A window is held from its first element until the watermark passes its end plus the allowed lateness (fired windows within their lateness are there too).", wq.name, o.op.Name, what)
		f.Comment(comment(doc + querySource))
		f.Func().Id(wq.name).Params(
			jen.Id("ctx").Qual("context", "Context"),
			jen.Id("q").Add(rtQual("StateQuerier")),
			jen.Id("key").Add(g.goType(o.in.Key)),
		).Parens(jen.List(result, jen.Error())).Block(
			jen.List(jen.Id("kb"), jen.Err()).Op(":=").Add(g.keyCodecOf(o)).Dot("Append").Call(jen.Nil(), jen.Id("key")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(wq.name+": key: %w"), jen.Err()))),
			jen.Return(rtQual("QueryWindows").Types(v).Call(jen.Id("ctx"), jen.Id("q"), jen.Lit(o.op.Name), jen.Id("kb"))),
		)
		f.Line()
	}
}

func (g *plGen) emitStateQueries(f *jen.File) {
	for _, in := range g.inspects {
		o, st := in.o, in.st
		name := in.query
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
		f.Comment(comment(doc + querySource))
		f.Func().Id(name).Params(params...).Parens(jen.List(results...)).Block(body...)
		f.Line()
	}
}
