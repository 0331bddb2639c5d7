package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits the typed interactive queries of pipeline.gen.go: one
// function per process state, per window operator and per temporal join,
// reading a key's state through a runtime.StateQuerier (a running
// pipeline's kafka.Queries, or the test driver, whose state methods call
// them).

// plOpQuery is the Query function of a window operator or of a temporal
// join (its table), and the TestDriver method over it.
type plOpQuery struct {
	o      *plOp
	name   string
	method string
}

// nameQueries names the Query functions: Query<Op><State> for a process
// state (the driver's method name after Query), Query<Op> for a window or
// a temporal join.
func (g *plGen) nameQueries() {
	m := NewNamer()
	for _, in := range g.inspects {
		in.query = m.Name("Query" + in.method)
	}
	for _, wq := range g.winQueries {
		wq.name = m.Name("Query" + GoName(wq.o.op.Name))
	}
	for _, tq := range g.tabQueries {
		tq.name = m.Name("Query" + GoName(tq.o.op.Name))
	}
}

// windowValue is what a window query returns per window of operator o,
// and its description.
func (g *plGen) windowValue(o *plOp) (jen.Code, string) {
	switch w := o.op.Window; w.Func {
	case spec.WindowAggregate:
		return g.goType(w.Accumulator), "its accumulator"
	case spec.WindowReduce:
		return g.goType(o.in.Type), "the value reduced so far"
	}
	return jen.Index().Add(g.goType(o.in.Type)), "the elements kept so far"
}

// queryParams are a Query function's parameters: (ctx, q, key of o's
// key type).
func (g *plGen) queryParams(o *plOp) []jen.Code {
	return []jen.Code{
		jen.Id("ctx").Qual("context", "Context"),
		jen.Id("q").Add(rtQual("StateQuerier")),
		jen.Id("key").Add(g.goType(o.in.Key)),
	}
}

// queryKeyBytes encodes key into kb with o's key codec, running fail on
// an error.
func (g *plGen) queryKeyBytes(o *plOp, fail ...jen.Code) []jen.Code {
	return []jen.Code{
		jen.List(jen.Id("kb"), jen.Err()).Op(":=").Add(g.keyCodecOf(o)).Dot("Append").Call(jen.Nil(), jen.Id("key")),
		jen.If(jen.Err().Op("!=").Nil()).Block(fail...),
	}
}

// querySource ends every Query function's doc comment.
const querySource = " q reads the committed state of a running pipeline's local tasks (kafka.Queries) or a TestDriver's (TestDriver.Runtime()); the result is a copy the caller may keep."

func (g *plGen) emitQueries(f *jen.File) {
	g.emitStateQueries(f)
	g.emitWindowQueries(f)
	g.emitTableQueries(f)
	g.emitQueryHandler(f)
}

func (g *plGen) emitTableQueries(f *jen.File) {
	for _, tq := range g.tabQueries {
		o := tq.o
		r := g.goType(o.right.Type)
		doc := fmt.Sprintf("%s returns the versions of key's values of stream %s that the temporal join %s keeps, oldest first: the one in force at the watermark and every later one, which the left records still to come are joined with. Nil when there are none.", tq.name, o.right.Name, o.op.Name)
		f.Comment(comment(doc + querySource))
		body := append(g.queryKeyBytes(o, jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(tq.name+": key: %w"), jen.Err()))),
			jen.Return(rtQual("QueryJoinTable").Types(r.Clone()).Call(jen.Id("ctx"), jen.Id("q"), jen.Lit(o.op.Name), jen.Id("kb"))))
		f.Func().Id(tq.name).Params(g.queryParams(o)...).Parens(jen.List(jen.Index().Add(rtQual("Version").Types(r)), jen.Error())).Block(body...)
		f.Line()
	}
}

func (g *plGen) emitWindowQueries(f *jen.File) {
	for _, wq := range g.winQueries {
		o := wq.o
		v, what := g.windowValue(o)
		result := jen.Index().Add(rtQual("Windowed").Types(v))
		doc := fmt.Sprintf("%s returns the windows of key that window %s holds, oldest first, each with %s. A window is held from its first element until the watermark passes its end plus the allowed lateness (fired windows within their lateness are there too).", wq.name, o.op.Name, what)
		f.Comment(comment(doc + querySource))
		body := append(g.queryKeyBytes(o, jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(wq.name+": key: %w"), jen.Err()))),
			jen.Return(rtQual("QueryWindows").Types(v).Call(jen.Id("ctx"), jen.Id("q"), jen.Lit(o.op.Name), jen.Id("kb"))))
		f.Func().Id(wq.name).Params(g.queryParams(o)...).Parens(jen.List(result, jen.Error())).Block(body...)
		f.Line()
	}
}

func (g *plGen) emitStateQueries(f *jen.File) {
	for _, in := range g.inspects {
		o, st := in.o, in.st
		name := in.query
		stateName := stateName(o.op, st)
		v := g.goType(st.Value)
		params := g.queryParams(o)
		keyBytes := func(fail ...jen.Code) []jen.Code { return g.queryKeyBytes(o, fail...) }
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

// stringRef is the builtin string type.
var stringRef = &spec.TypeRef{Name: spec.BuiltinString, Builtin: spec.BuiltinString}

// emitQueryHandler emits QueryHandler: every Query function behind one
// HTTP handler (runtime.NewQueryHandler), values rendered as the golden
// files render them.
func (g *plGen) emitQueryHandler(f *jen.File) {
	var routes []jen.Code
	var paths []string
	route := func(path string, o *plOp, body ...jen.Code) {
		paths = append(paths, path)
		serve := append(g.queryKey(o), body...)
		routes = append(routes, jen.Values(jen.Dict{
			jen.Id("Path"): jen.Lit(path),
			jen.Id("Serve"): jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("key").String()).
				Parens(jen.List(jen.Index().Byte(), jen.Bool(), jen.Error())).Block(serve...),
		}))
	}
	fail := jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.False(), jen.Err()))
	encFunc := func(t jen.Code, r *spec.TypeRef) *jen.Statement {
		return jen.Func().Params(jen.Id("v").Op("*").Add(t)).Parens(jen.List(jen.Index().Byte(), jen.Error())).Block(jen.Return(toJSON(jen.Id("v"), r)))
	}
	for _, in := range g.inspects {
		o, st := in.o, in.st
		path := "/state/" + o.op.Name + "/" + st.Name
		call := jen.Id(in.query).Call(jen.Id("ctx"), jen.Id("q"), jen.Id("k"))
		switch st.Kind {
		case spec.StateValue, spec.StateReducing:
			route(path, o,
				jen.List(jen.Id("v"), jen.Id("ok"), jen.Err()).Op(":=").Add(call),
				jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("ok")).Block(jen.Return(jen.Nil(), jen.Id("ok"), jen.Err())),
				jen.List(jen.Id("b"), jen.Err()).Op(":=").Add(toJSON(jen.Id("v"), st.Value)),
				jen.Return(jen.Id("b"), jen.True(), jen.Err()))
		case spec.StateList:
			route(path, o,
				jen.List(jen.Id("vs"), jen.Err()).Op(":=").Add(call),
				jen.If(jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("vs")).Op("==").Lit(0)).Block(jen.Return(jen.Nil(), jen.False(), jen.Err())),
				jen.List(jen.Id("b"), jen.Err()).Op(":=").Add(rtQual("ListJSON")).Call(jen.Id("vs"), encFunc(g.goType(st.Value), st.Value)),
				jen.Return(jen.Id("b"), jen.True(), jen.Err()))
		case spec.StateMap:
			kref := st.Key
			if st.Key.Builtin == spec.BuiltinBytes {
				kref = stringRef
			}
			route(path, o,
				jen.List(jen.Id("m"), jen.Err()).Op(":=").Add(call),
				jen.If(jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("m")).Op("==").Lit(0)).Block(jen.Return(jen.Nil(), jen.False(), jen.Err())),
				jen.Id("entries").Op(":=").Make(jen.Index().Index(jen.Lit(2)).Index().Byte(), jen.Lit(0), jen.Len(jen.Id("m"))),
				jen.For(jen.List(jen.Id("mk"), jen.Id("mv")).Op(":=").Range().Id("m")).Block(
					jen.List(jen.Id("kb"), jen.Err()).Op(":=").Add(toJSON(jen.Id("mk"), kref)),
					fail.Clone(),
					jen.List(jen.Id("vb"), jen.Err()).Op(":=").Add(toJSON(jen.Id("mv"), st.Value)),
					fail.Clone(),
					jen.Id("entries").Op("=").Append(jen.Id("entries"), jen.Index(jen.Lit(2)).Index().Byte().Values(jen.Id("kb"), jen.Id("vb"))),
				),
				jen.Return(rtQual("EntriesJSON").Call(jen.Id("entries")), jen.True(), jen.Nil()))
		}
	}
	for _, wq := range g.winQueries {
		o, w := wq.o, wq.o.op.Window
		var enc *jen.Statement
		switch w.Func {
		case spec.WindowAggregate:
			enc = encFunc(g.goType(w.Accumulator), w.Accumulator)
		case spec.WindowReduce:
			enc = encFunc(g.goType(o.in.Type), o.in.Type)
		default:
			enc = jen.Func().Params(jen.Id("v").Op("*").Index().Add(g.goType(o.in.Type))).Parens(jen.List(jen.Index().Byte(), jen.Error())).Block(
				jen.Return(rtQual("ListJSON").Call(jen.Op("*").Id("v"), encFunc(g.goType(o.in.Type), o.in.Type))))
		}
		route("/state/"+o.op.Name, o,
			jen.List(jen.Id("ws"), jen.Err()).Op(":=").Id(wq.name).Call(jen.Id("ctx"), jen.Id("q"), jen.Id("k")),
			jen.If(jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("ws")).Op("==").Lit(0)).Block(jen.Return(jen.Nil(), jen.False(), jen.Err())),
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Add(rtQual("WindowsJSON")).Call(jen.Id("ws"), enc),
			jen.Return(jen.Id("b"), jen.True(), jen.Err()))
	}
	for _, tq := range g.tabQueries {
		o := tq.o
		route("/state/"+o.op.Name, o,
			jen.List(jen.Id("vs"), jen.Err()).Op(":=").Id(tq.name).Call(jen.Id("ctx"), jen.Id("q"), jen.Id("k")),
			jen.If(jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("vs")).Op("==").Lit(0)).Block(jen.Return(jen.Nil(), jen.False(), jen.Err())),
			jen.List(jen.Id("b"), jen.Err()).Op(":=").Add(rtQual("VersionsJSON")).Call(jen.Id("vs"), encFunc(g.goType(o.right.Type), o.right.Type)),
			jen.Return(jen.Id("b"), jen.True(), jen.Err()))
	}
	served := "(none: the pipeline keeps no keyed state)"
	if len(paths) > 0 {
		served = strings.Join(paths, ", ") + ", each with ?key= (a string key as it is, any other key as JSON)"
	}
	doc := "QueryHandler serves the pipeline's keyed state as JSON over HTTP GET, read through q (interactive queries, as the Query functions read it): " +
		served + ". A window operator's answer is its windows, [{\"start\", \"end\", \"value\"}]; a temporal join's, its table's versions, [{\"time\", \"value\"}]; a map state's, [{\"key\", \"value\"}]. 404 when there is nothing for the key, 400 for a bad key, 503 when the query fails (the pipeline is not running). Mount it under /state/, for example with kafka.HTTPHandler(\"GET /state/\", QueryHandler(q))."
	f.Comment(comment(doc))
	f.Func().Id("QueryHandler").Params(jen.Id("q").Add(rtQual("StateQuerier"))).Qual("net/http", "Handler").Block(
		jen.Return(rtQual("NewQueryHandler").Call(jen.Index().Add(rtQual("QueryRoute")).Values(routes...))),
	)
	f.Line()
}

// queryKey returns the statements parsing the request's key into k, of
// operator o's key type: a string as it is, anything else as JSON.
func (g *plGen) queryKey(o *plOp) []jen.Code {
	if o.in.Key.Builtin == spec.BuiltinString {
		return []jen.Code{jen.Id("k").Op(":=").Id("key")}
	}
	return []jen.Code{
		jen.Var().Id("k").Add(g.goType(o.in.Key)),
		jen.If(jen.Err().Op(":=").Add(fromJSON(jen.Index().Byte().Call(jen.Id("key")), jen.Id("k"), o.in.Key)), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: %v"), rtQual("ErrBadQueryKey"), jen.Err()))),
	}
}
