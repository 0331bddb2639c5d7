package gen

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits driver.gen.go: the typed test driver.

// plSide is a side output or late output stream, as the test driver reads
// it.
type plSide struct {
	st   *spec.Stream
	read string // TestDriver method returning []T
	take string // unexported method returning []runtime.SideValue
	tag  string // the tag its values are collected under
}

// plInspect is a TestDriver method reading one process state.
type plInspect struct {
	o      *plOp
	st     *spec.State
	method string
	query  string // the package's Query function (pipeline_queries.go)
}

// stateKindText names a state for comments ("the value state last_seen").
func stateKindText(st *spec.State) string {
	return fmt.Sprintf("the %s state %s", st.Kind, st.Name)
}

// lowerFirst lower-cases the first letter of an exported method name.
func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// nameDriverMethods names the TestDriver's per-source, per-sink, per-side
// output and per-state methods.
func (g *plGen) nameDriverMethods() {
	m := NewNamer("AdvanceWatermark", "AdvanceProcessingTime", "Commit", "Abort", "Reopen", "Golden", "Runtime", "Pipeline", "TestDriverCore")
	for _, ps := range g.sources {
		ps.pipe = m.Name("Pipe" + GoName(ps.src.Name))
		m.Reserve(ps.pipe + "Raw")
		if ps.src.OnError == spec.ErrorDeadLetter {
			ps.dlRead = m.Name("Read" + GoName(ps.src.Name) + "DeadLetters")
		}
	}
	for _, ps := range g.sinks {
		ps.read = m.Name("Read" + GoName(ps.sk.Name))
	}
	for _, st := range g.streams {
		if st.Kind != spec.StreamSide && st.Kind != spec.StreamLate {
			continue
		}
		sd := &plSide{st: st, read: m.Name("Read" + GoName(st.Name)), tag: sideTagName(st.Name)}
		if len(st.Readers) > 0 {
			sd.tag = tapName(st.Name)
		}
		sd.take = lowerFirst(sd.read)
		g.sides = append(g.sides, sd)
	}
	for _, o := range g.ops {
		if o.op.Kind != spec.KindProcess {
			continue
		}
		for i, st := range o.op.Process.State {
			g.inspects = append(g.inspects, &plInspect{o: o, st: st, method: m.Name(GoName(o.op.Name) + o.stateField[i])})
		}
	}
	for _, o := range g.ops {
		if o.op.Kind == spec.KindWindow {
			g.winQueries = append(g.winQueries, &plOpQuery{o: o, method: m.Name(GoName(o.op.Name) + "Windows")})
		}
		if o.op.Kind == spec.KindJoin && o.op.Join.Within == nil {
			g.tabQueries = append(g.tabQueries, &plOpQuery{o: o, method: m.Name(GoName(o.op.Name) + "Table")})
		}
	}
}

// fatalf is `d.t.Fatalf("<method>: %v", err)`.
func fatalf(method string) *jen.Statement {
	return jen.Id("d").Dot("t").Dot("Fatalf").Call(jen.Lit(method+": %v"), jen.Err())
}

// ifErrFatal is `if err != nil { d.t.Fatalf(...) }`.
func ifErrFatal(method string) *jen.Statement {
	return jen.If(jen.Err().Op("!=").Nil()).Block(fatalf(method))
}

// toJSON returns an expression ([]byte, error) rendering v (addressable)
// of type r as a golden file shows it.
func toJSON(v *jen.Statement, r *spec.TypeRef) *jen.Statement {
	if isAvroRecord(r) {
		return v.Dot("MarshalAvroJSON").Call()
	}
	return jen.Qual("encoding/json", "Marshal").Call(v)
}

// fromJSON returns an expression (error) reading raw into v (addressable)
// of type r.
func fromJSON(raw, v *jen.Statement, r *spec.TypeRef) *jen.Statement {
	if isAvroRecord(r) {
		return v.Dot("UnmarshalAvroJSON").Call(raw)
	}
	return jen.Qual("encoding/json", "Unmarshal").Call(raw, jen.Op("&").Add(v))
}

// sinkKeyRef is the type of a sink's decoded key (nil: no key).
func sinkKeyRef(ps *plSink) *spec.TypeRef {
	if ps.key == nil {
		return nil
	}
	switch ps.key.format {
	case spec.FormatString:
		return &spec.TypeRef{Name: spec.BuiltinString, Builtin: spec.BuiltinString}
	case spec.FormatBytes:
		return &spec.TypeRef{Name: spec.BuiltinBytes, Builtin: spec.BuiltinBytes}
	}
	return ps.key.ref
}

// sinkValueRef is the type of a sink's decoded value.
func sinkValueRef(ps *plSink) *spec.TypeRef {
	switch ps.value.format {
	case spec.FormatString:
		return &spec.TypeRef{Name: spec.BuiltinString, Builtin: spec.BuiltinString}
	case spec.FormatBytes:
		return &spec.TypeRef{Name: spec.BuiltinBytes, Builtin: spec.BuiltinBytes}
	}
	return ps.value.ref
}

func (g *plGen) driverFile(f *jen.File) {
	recv := jen.Id("d").Op("*").Id("TestDriver")
	method := func(doc, name string, params []jen.Code, results []jen.Code, body ...jen.Code) {
		f.Comment(comment(doc))
		f.Func().Params(recv.Clone()).Id(name).Params(params...).Params(results...).Block(body...)
		f.Line()
	}

	f.Comment(comment(fmt.Sprintf("TestDriver runs the %s pipeline in process, as Kafka Streams' TopologyTestDriver does: no broker, real pebble state in a temporary directory, explicit event and processing time, and the same results on every run. Records piped in are encoded in their source's formats and decoded by the pipeline as in production; what the sinks write is decoded back. The driver commits after every operation unless runtime.WithManualCommit is given. Errors fail the test.", g.s.Name)))
	f.Type().Id("TestDriver").Struct(
		jen.Op("*").Add(rtQual("TestDriverCore")),
		jen.Id("t").Qual("testing", "TB"),
		jen.Id("p").Op("*").Id("Pipeline"),
		jen.Id("d").Op("*").Add(rtQual("Driver")),
		jen.Id("inputs").Index().Add(rtQual("InputSpec")),
	)
	f.Line()
	f.Comment(comment("TestDriverOption configures NewTestDriver: runtime.WithPartitions, runtime.WithStartTime, runtime.WithManualCommit, runtime.WithStoreOptions and runtime.WithPipelineOptions."))
	f.Type().Id("TestDriverOption").Op("=").Add(rtQual("DriverOption"))
	f.Line()

	// NewTestDriver.
	body := []jen.Code{
		jen.Id("t").Dot("Helper").Call(),
		jen.Id("o").Op(":=").Add(rtQual("ApplyDriverOptions")).Call(jen.Id("opts").Op("...")),
		jen.Id("popts").Op(":=").Id("o").Dot("Pipeline"),
	}
	needPO := false
	var defaults []jen.Code
	if _, ok := g.formats[spec.FormatAvroConfluent]; ok {
		needPO = true
		defaults = append(defaults, jen.If(jen.Id("po").Dot("Framing").Call(rtQual("FormatAvroConfluent")).Op("==").Nil()).Block(
			jen.Id("popts").Op("=").Append(jen.Id("popts"), rtQual("WithFraming").Call(rtQual("FormatAvroConfluent"), rtQual("NewMemoryRegistryFraming").Call())),
		))
	}
	for _, src := range g.s.Sources {
		if src.TopicPattern == "" {
			continue
		}
		needPO = true
		defaults = append(defaults, jen.If(jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Id("po").Dot("Topics").Index(jen.Lit(src.Name)), jen.Op("!").Id("ok")).Block(
			jen.Comment("A topic_pattern source reads one topic named after it, unless runtime.WithTopics says otherwise."),
			jen.Id("popts").Op("=").Append(jen.Id("popts"), rtQual("WithTopics").Call(jen.Lit(src.Name), jen.Lit(src.Name))),
		))
	}
	if needPO {
		body = append(body, jen.Id("po").Op(":=").Add(rtQual("ApplyPipelineOptions")).Call(jen.Id("popts").Op("...")))
		body = append(body, defaults...)
	}
	body = append(body,
		jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("NewPipeline").Call(jen.Id("ops"), jen.Id("popts").Op("...")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatalf").Call(jen.Lit("NewTestDriver: %v"), jen.Err())),
		jen.Id("p").Dot("tap").Op("=").True(),
		jen.Id("spec").Op(":=").Id("p").Dot("Spec").Call(),
		jen.Id("core").Op(":=").Add(rtQual("NewTestDriverCore")).Call(jen.Id("t"), jen.Id("spec"), jen.Id("o")),
		jen.Return(jen.Op("&").Id("TestDriver").Values(jen.Dict{
			jen.Id("TestDriverCore"): jen.Id("core"),
			jen.Id("t"):              jen.Id("t"), jen.Id("p"): jen.Id("p"), jen.Id("d"): jen.Id("core").Dot("Runtime").Call(), jen.Id("inputs"): jen.Id("spec").Dot("Inputs"),
		})),
	)
	f.Comment(comment(fmt.Sprintf("NewTestDriver builds the %s pipeline from ops and opens it on a fresh store in t.TempDir(), closed when the test ends. Sources with avro-confluent formats use an in-memory registry (runtime.NewMemoryRegistryFraming) unless a framing is given; a topic_pattern source reads one topic named after the source unless runtime.WithTopics names others.", g.s.Name)))
	f.Func().Id("NewTestDriver").Params(jen.Id("t").Qual("testing", "TB"), jen.Id("ops").Id("Operators"), jen.Id("opts").Op("...").Id("TestDriverOption")).Op("*").Id("TestDriver").Block(body...)
	f.Line()

	g.emitDriverSources(f, method)
	g.emitDriverSinks(f, method)
	g.emitDriverSides(f, method)
	g.emitDriverState(f, method)
	g.emitDriverWindows(f, method)
	g.emitDriverTables(f, method)
	g.emitDriverGolden(f)
}

func (g *plGen) emitDriverSources(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, ps := range g.sources {
		src := ps.src
		st := g.stream(src.Name)
		inner := lowerFirst(ps.pipe)
		topic := jen.Id("d").Dot("inputs").Index(jen.Lit(ps.index)).Dot("Topics").Index(jen.Lit(0))
		var params, args []jen.Code
		var body []jen.Code
		body = append(body, jen.Id("topic").Op(":=").Add(topic))
		keyExpr := jen.Nil()
		if ps.key != nil {
			params = append(params, jen.Id("key").Add(g.serdeGoType(ps.key)))
			args = append(args, jen.Id("key"))
			body = append(body,
				jen.List(jen.Id("k"), jen.Err()).Op(":=").Id("d").Dot("p").Dot(ps.key.append).Call(jen.Nil(), jen.Id("topic"), jen.Op("&").Id("key")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("key: %w"), jen.Err()))))
			keyExpr = jen.Id("k")
		}
		params = append(params, jen.Id("v").Add(g.goType(st.Type)), jen.Id("ts").Qual("time", "Time"))
		args = append(args, jen.Id("v"), jen.Id("ts"))
		body = append(body,
			jen.List(jen.Id("val"), jen.Err()).Op(":=").Id("d").Dot("p").Dot(ps.value.append).Call(jen.Nil(), jen.Id("topic"), jen.Op("&").Id("v")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("value: %w"), jen.Err()))),
			jen.Return(jen.Id("d").Dot("d").Dot("Pipe").Call(jen.Id("topic"), keyExpr, jen.Id("val"), jen.Id("ts").Dot("UnixMilli").Call())),
		)
		evt := "ts is the Kafka record timestamp, which is the event time"
		if src.EventTime.Field != nil {
			evt = fmt.Sprintf("ts is the Kafka record timestamp (event time comes from the field %s)", src.EventTime.Field.Path)
		}
		keyDoc := "The source ignores keys (format none): the record has no key."
		if ps.key != nil {
			keyDoc = fmt.Sprintf("key is encoded in format %s, v in format %s.", serdeText(ps.key), serdeText(ps.value))
		} else {
			keyDoc = fmt.Sprintf("v is encoded in format %s; the record has no key.", serdeText(ps.value))
		}
		method(fmt.Sprintf("%s feeds one record to source %s, on its first topic and the partition its key hashes to. %s %s.", ps.pipe, src.Name, keyDoc, evt),
			ps.pipe, params, nil,
			jen.Id("d").Dot("t").Dot("Helper").Call(),
			jen.If(jen.Err().Op(":=").Id("d").Dot(inner).Call(args...), jen.Err().Op("!=").Nil()).Block(
				jen.Id("d").Dot("t").Dot("Fatalf").Call(jen.Lit(ps.pipe+": %v"), jen.Err())),
		)
		f.Func().Params(jen.Id("d").Op("*").Id("TestDriver")).Id(inner).Params(params...).Error().Block(body...)
		f.Line()
		method(fmt.Sprintf("%sRaw feeds one record of raw key and value bytes to source %s, as Kafka would hand it over, to test decode errors: a record the source cannot decode goes to its dead-letter topic (on_error: dead-letter) or fails the task (on_error: stop). It returns the error instead of failing the test; after a failure, Abort and go on.", ps.pipe, src.Name),
			ps.pipe+"Raw",
			[]jen.Code{jen.List(jen.Id("key"), jen.Id("value")).Index().Byte(), jen.Id("ts").Qual("time", "Time"), jen.Id("headers").Op("...").Add(rtQual("Header"))},
			[]jen.Code{jen.Error()},
			jen.Return(jen.Id("d").Dot("d").Dot("Pipe").Call(topic, jen.Id("key"), jen.Id("value"), jen.Id("ts").Dot("UnixMilli").Call(), jen.Id("headers").Op("..."))),
		)
		if ps.dlRead != "" {
			method(fmt.Sprintf("%s returns the records source %s sent to its dead-letter topic %s since the last read: the original key, value and headers plus the error headers (runtime.HeaderDLQError and friends).", ps.dlRead, src.Name, src.DeadLetterTopic),
				ps.dlRead, nil, []jen.Code{jen.Index().Add(rtQual("OutRecord"))},
				jen.Return(jen.Id("d").Dot("d").Dot("TakeOutput").Call(jen.Lit(src.DeadLetterTopic))))
		}
	}
}

func (g *plGen) emitDriverSinks(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, ps := range g.sinks {
		sk := ps.sk
		kref := sinkKeyRef(ps)
		vref := sinkValueRef(ps)
		outT := rtQual("Output").Types(g.goType(kref), g.goType(vref))
		inner := lowerFirst(ps.read)
		loop := []jen.Code{
			jen.Id("o").Op(":=").Add(outT.Clone()).Values(jen.Dict{
				jen.Id("Timestamp"): jen.Qual("time", "UnixMilli").Call(jen.Id("r").Dot("Timestamp")).Dot("UTC").Call(),
				jen.Id("Headers"):   jen.Id("r").Dot("Headers"),
			}),
			jen.Var().Err().Error(),
		}
		if ps.key != nil {
			loop = append(loop,
				jen.If(jen.List(jen.Id("o").Dot("Key"), jen.Err()).Op("=").Id("d").Dot("p").Dot(ps.key.decode).Call(jen.Id("r").Dot("Topic"), jen.Id("r").Dot("Key")), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("sink %s: record %%d: key: %%w", sk.Name)), jen.Id("i"), jen.Err()))))
		}
		loop = append(loop,
			jen.If(jen.List(jen.Id("o").Dot("Value"), jen.Err()).Op("=").Id("d").Dot("p").Dot(ps.value.decode).Call(jen.Id("r").Dot("Topic"), jen.Id("r").Dot("Value")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("sink %s: record %%d: value: %%w", sk.Name)), jen.Id("i"), jen.Err()))),
			jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("o")),
		)
		keyDoc := "no key (runtime.NoKey)"
		if ps.key != nil {
			keyDoc = "the key decoded from format " + serdeText(ps.key)
		}
		method(fmt.Sprintf("%s returns the records sink %s wrote to topic %s since the last read, in order: %s, the value decoded from format %s, and the timestamp (the event time). Sinks that write the same topic share its records.", ps.read, sk.Name, sk.Topic, keyDoc, serdeText(ps.value)),
			ps.read, nil, []jen.Code{jen.Index().Add(outT.Clone())},
			jen.Id("d").Dot("t").Dot("Helper").Call(),
			jen.List(jen.Id("out"), jen.Err()).Op(":=").Id("d").Dot(inner).Call(),
			ifErrFatal(ps.read),
			jen.Return(jen.Id("out")),
		)
		f.Func().Params(jen.Id("d").Op("*").Id("TestDriver")).Id(inner).Params().Params(jen.Index().Add(outT.Clone()), jen.Error()).Block(
			jen.Id("recs").Op(":=").Id("d").Dot("d").Dot("TakeOutput").Call(jen.Lit(sk.Topic)),
			jen.Id("out").Op(":=").Make(jen.Index().Add(outT.Clone()), jen.Lit(0), jen.Len(jen.Id("recs"))),
			jen.For(jen.List(jen.Id("i"), jen.Id("r")).Op(":=").Range().Id("recs")).Block(loop...),
			jen.Return(jen.Id("out"), jen.Nil()),
		)
		f.Line()
	}
}

func (g *plGen) emitDriverSides(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, sd := range g.sides {
		st := sd.st
		typ := g.goType(st.Type)
		what := fmt.Sprintf("the side output %s of operator %s", strings.TrimPrefix(st.Name, st.Producer+"."), st.Producer)
		if st.Kind == spec.StreamLate {
			what = fmt.Sprintf("the late output %s of window %s (records later than the allowed lateness)", st.Name, st.Producer)
		}
		f.Func().Params(jen.Id("d").Op("*").Id("TestDriver")).Id(sd.take).Params().Index().Add(rtQual("SideValue")).Block(
			jen.Return(jen.Id("d").Dot("d").Dot("TakeSideOutput").Call(jen.Lit(sd.tag))),
		)
		f.Line()
		method(fmt.Sprintf("%s returns the values sent to %s since the last read, in order.", sd.read, what),
			sd.read, nil, []jen.Code{jen.Index().Add(typ.Clone())},
			jen.Id("d").Dot("t").Dot("Helper").Call(),
			jen.Id("vs").Op(":=").Id("d").Dot(sd.take).Call(),
			jen.Id("out").Op(":=").Make(jen.Index().Add(typ.Clone()), jen.Lit(0), jen.Len(jen.Id("vs"))),
			jen.For(jen.List(jen.Id("_"), jen.Id("sv")).Op(":=").Range().Id("vs")).Block(
				jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").Id("sv").Dot("Value").Assert(typ.Clone()),
				jen.If(jen.Op("!").Id("ok")).Block(jen.Id("d").Dot("t").Dot("Fatalf").Call(jen.Lit(sd.read+": a value of type %T"), jen.Id("sv").Dot("Value"))),
				jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("v")),
			),
			jen.Return(jen.Id("out")),
		)
	}
}

func (g *plGen) emitDriverState(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, in := range g.inspects {
		o, st := in.o, in.st
		v := g.goType(st.Value)
		call := jen.Id(in.query).Call(jen.Qual("context", "Background").Call(), jen.Id("d").Dot("d"), jen.Id("key"))
		body := []jen.Code{jen.Id("d").Dot("t").Dot("Helper").Call()}
		var results []jen.Code
		var doc string
		switch st.Kind {
		case spec.StateValue, spec.StateReducing:
			results = []jen.Code{v.Clone(), jen.Bool()}
			doc = fmt.Sprintf("%s returns the value of key in %s of operator %s, and whether there is one.", in.method, stateKindText(st), o.op.Name)
			body = append(body,
				jen.List(jen.Id("v"), jen.Id("ok"), jen.Err()).Op(":=").Add(call),
				ifErrFatal(in.method),
				jen.Return(jen.Id("v"), jen.Id("ok")))
		case spec.StateList:
			results = []jen.Code{jen.Index().Add(v.Clone())}
			doc = fmt.Sprintf("%s returns the list of key in %s of operator %s (nil when empty).", in.method, stateKindText(st), o.op.Name)
			body = append(body,
				jen.List(jen.Id("vs"), jen.Err()).Op(":=").Add(call),
				ifErrFatal(in.method),
				jen.Return(jen.Id("vs")))
		case spec.StateMap:
			mk := g.goType(st.Key)
			if st.Key.Builtin == spec.BuiltinBytes {
				mk = jen.String()
			}
			results = []jen.Code{jen.Map(mk).Add(v.Clone())}
			doc = fmt.Sprintf("%s returns the map of key in %s of operator %s, as a Go map (empty when there is none).", in.method, stateKindText(st), o.op.Name)
			if st.Key.Builtin == spec.BuiltinBytes {
				doc += " Map keys are the bytes as strings."
			}
			body = append(body,
				jen.List(jen.Id("m"), jen.Err()).Op(":=").Add(call),
				ifErrFatal(in.method),
				jen.Return(jen.Id("m")))
		}
		method(doc+fmt.Sprintf(" It is %s over the driver.", in.query), in.method, []jen.Code{jen.Id("key").Add(g.goType(o.in.Key))}, results, body...)
	}
}

func (g *plGen) emitDriverWindows(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, wq := range g.winQueries {
		v, what := g.windowValue(wq.o)
		doc := fmt.Sprintf("%s returns the windows of key that window %s holds, oldest first, each with %s. It is %s over the driver.", wq.method, wq.o.op.Name, what, wq.name)
		method(doc, wq.method, []jen.Code{jen.Id("key").Add(g.goType(wq.o.in.Key))}, []jen.Code{jen.Index().Add(rtQual("Windowed").Types(v))},
			jen.Id("d").Dot("t").Dot("Helper").Call(),
			jen.List(jen.Id("ws"), jen.Err()).Op(":=").Id(wq.name).Call(jen.Qual("context", "Background").Call(), jen.Id("d").Dot("d"), jen.Id("key")),
			ifErrFatal(wq.method),
			jen.Return(jen.Id("ws")))
	}
}

func (g *plGen) emitDriverTables(f *jen.File, method func(string, string, []jen.Code, []jen.Code, ...jen.Code)) {
	for _, tq := range g.tabQueries {
		doc := fmt.Sprintf("%s returns the versions of key's %s values that join %s keeps, oldest first. It is %s over the driver.", tq.method, tq.o.right.Name, tq.o.op.Name, tq.name)
		method(doc, tq.method, []jen.Code{jen.Id("key").Add(g.goType(tq.o.in.Key))}, []jen.Code{jen.Index().Add(rtQual("Version").Types(g.goType(tq.o.right.Type)))},
			jen.Id("d").Dot("t").Dot("Helper").Call(),
			jen.List(jen.Id("vs"), jen.Err()).Op(":=").Id(tq.name).Call(jen.Qual("context", "Background").Call(), jen.Id("d").Dot("d"), jen.Id("key")),
			ifErrFatal(tq.method),
			jen.Return(jen.Id("vs")))
	}
}

func (g *plGen) emitDriverGolden(f *jen.File) {
	sources := jen.Dict{}
	for _, ps := range g.sources {
		src := ps.src
		st := g.stream(src.Name)
		var body []jen.Code
		keyArg := jen.Id("kb")
		if ps.key != nil {
			kref := ps.key.ref
			if ps.key.format == spec.FormatString || ps.key.format == spec.FormatBytes {
				kref = &spec.TypeRef{Name: string(ps.key.format), Builtin: string(ps.key.format)}
			}
			body = append(body,
				jen.Var().Id("kb").Index().Byte(),
				jen.If(jen.Id("key").Op("!=").Nil()).Block(
					jen.Var().Id("k").Add(g.serdeGoType(ps.key)),
					jen.If(jen.Err().Op(":=").Add(fromJSON(jen.Id("key"), jen.Id("k"), kref)), jen.Err().Op("!=").Nil()).Block(
						jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("key: %w"), jen.Err()))),
					jen.Var().Err().Error(),
					jen.If(jen.List(jen.Id("kb"), jen.Err()).Op("=").Id("d").Dot("p").Dot(ps.key.append).Call(jen.Nil(), jen.Id("d").Dot("inputs").Index(jen.Lit(ps.index)).Dot("Topics").Index(jen.Lit(0)), jen.Op("&").Id("k")), jen.Err().Op("!=").Nil()).Block(
						jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("key: %w"), jen.Err()))),
				))
		} else {
			keyArg = jen.Nil()
			body = append(body, jen.If(jen.Id("key").Op("!=").Nil()).Block(
				jen.Return(jen.Qual("errors", "New").Call(jen.Lit(fmt.Sprintf("source %s ignores keys (key format none): drop the fixture's \"key\"", src.Name))))))
		}
		if ps.value.format == spec.FormatJSON {
			body = append(body,
				jen.Comment("JSON goes in as written, so the pipeline validates it as in production."),
				jen.Return(jen.Id("d").Dot(ps.pipe+"Raw").Call(keyArg, jen.Id("value"), jen.Id("ts"))))
		} else {
			vref := st.Type
			body = append(body,
				jen.Var().Id("v").Add(g.goType(st.Type)),
				jen.If(jen.Err().Op(":=").Add(fromJSON(jen.Id("value"), jen.Id("v"), vref)), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("value: %w"), jen.Err()))),
				jen.List(jen.Id("val"), jen.Err()).Op(":=").Id("d").Dot("p").Dot(ps.value.append).Call(jen.Nil(), jen.Id("d").Dot("inputs").Index(jen.Lit(ps.index)).Dot("Topics").Index(jen.Lit(0)), jen.Op("&").Id("v")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("value: %w"), jen.Err()))),
				jen.Return(jen.Id("d").Dot(ps.pipe+"Raw").Call(keyArg, jen.Id("val"), jen.Id("ts"))))
		}
		sources[jen.Lit(src.Name)] = jen.Func().Params(jen.List(jen.Id("key"), jen.Id("value")).Qual("encoding/json", "RawMessage"), jen.Id("ts").Qual("time", "Time")).Error().Block(body...)
	}

	var outputs []jen.Code
	grec := rtQual("GoldenRecord")
	readFn := func(stmts ...jen.Code) *jen.Statement {
		return jen.Func().Params().Params(jen.Index().Add(rtQual("GoldenRecord")), jen.Error()).Block(stmts...)
	}
	for _, ps := range g.sinks {
		kref := sinkKeyRef(ps)
		vref := sinkValueRef(ps)
		loop := []jen.Code{
			jen.Id("g").Op(":=").Add(grec.Clone()).Values(jen.Dict{jen.Id("Timestamp"): jen.Id("r").Dot("Timestamp").Dot("UnixMilli").Call()}),
		}
		if kref != nil {
			loop = append(loop,
				jen.If(jen.List(jen.Id("g").Dot("Key"), jen.Err()).Op("=").Add(toJSON(jen.Id("r").Dot("Key"), kref)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())))
		}
		loop = append(loop,
			jen.If(jen.List(jen.Id("g").Dot("Value"), jen.Err()).Op("=").Add(toJSON(jen.Id("r").Dot("Value"), vref)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("g")),
		)
		outputs = append(outputs, jen.Values(jen.Dict{
			jen.Id("Name"): jen.Lit(ps.sk.Name),
			jen.Id("Read"): readFn(
				jen.List(jen.Id("recs"), jen.Err()).Op(":=").Id("d").Dot(lowerFirst(ps.read)).Call(),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.Var().Id("out").Index().Add(grec.Clone()),
				jen.For(jen.Id("i").Op(":=").Range().Id("recs")).Block(append([]jen.Code{jen.Id("r").Op(":=").Op("&").Id("recs").Index(jen.Id("i"))}, loop...)...),
				jen.Return(jen.Id("out"), jen.Nil()),
			),
		}))
	}
	for _, sd := range g.sides {
		st := sd.st
		loop := []jen.Code{
			jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").Id("sv").Dot("Value").Assert(g.goType(st.Type)),
			jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("a value of type %T"), jen.Id("sv").Dot("Value")))),
			jen.Id("g").Op(":=").Add(grec.Clone()).Values(jen.Dict{jen.Id("Timestamp"): jen.Id("sv").Dot("Timestamp")}),
			jen.Var().Err().Error(),
		}
		if st.Key != nil {
			loop = append(loop,
				jen.List(jen.Id("k"), jen.Err()).Op(":=").Add(g.codec(st.Key, st.Name)).Dot("Decode").Call(jen.Id("sv").Dot("Key")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
				jen.If(jen.List(jen.Id("g").Dot("Key"), jen.Err()).Op("=").Add(toJSON(jen.Id("k"), st.Key)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			)
		}
		loop = append(loop,
			jen.If(jen.List(jen.Id("g").Dot("Value"), jen.Err()).Op("=").Add(toJSON(jen.Id("v"), st.Type)), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("g")),
		)
		outputs = append(outputs, jen.Values(jen.Dict{
			jen.Id("Name"): jen.Lit(st.Name),
			jen.Id("Read"): readFn(
				jen.Var().Id("out").Index().Add(grec.Clone()),
				jen.For(jen.List(jen.Id("_"), jen.Id("sv")).Op(":=").Range().Id("d").Dot(sd.take).Call()).Block(loop...),
				jen.Return(jen.Id("out"), jen.Nil()),
			),
		}))
	}
	for _, ps := range g.sources {
		if ps.dlRead == "" {
			continue
		}
		outputs = append(outputs, jen.Values(jen.Dict{
			jen.Id("Name"): jen.Lit(ps.src.DeadLetterTopic),
			jen.Id("Read"): readFn(
				jen.Var().Id("out").Index().Add(grec.Clone()),
				jen.For(jen.List(jen.Id("_"), jen.Id("r")).Op(":=").Range().Id("d").Dot(ps.dlRead).Call()).Block(
					jen.Id("g").Op(":=").Add(grec.Clone()).Values(jen.Dict{
						jen.Id("Value"):     rtQual("GoldenBytes").Call(jen.Id("r").Dot("Value")),
						jen.Id("Timestamp"): jen.Id("r").Dot("Timestamp"),
					}),
					jen.If(jen.Id("r").Dot("Key").Op("!=").Nil()).Block(jen.Id("g").Dot("Key").Op("=").Add(rtQual("GoldenBytes")).Call(jen.Id("r").Dot("Key"))),
					jen.For(jen.List(jen.Id("_"), jen.Id("h")).Op(":=").Range().Id("r").Dot("Headers")).Block(
						jen.If(jen.Id("h").Dot("Key").Op("==").Add(rtQual("HeaderDLQError"))).Block(jen.Id("g").Dot("Error").Op("=").String().Call(jen.Id("h").Dot("Value"))),
					),
					jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("g")),
				),
				jen.Return(jen.Id("out"), jen.Nil()),
			),
		}))
	}
	outSlice := jen.Index().Add(rtQual("GoldenOutput")).Values(outputs...)
	if len(outputs) == 0 {
		outSlice = jen.Nil()
	}
	f.Comment(comment("Golden pipes the fixture records of inputsPath (JSON lines, see runtime.RunGolden), then renders every sink, side output, late output and dead-letter topic as JSON lines and compares them with goldenPath; with update it rewrites goldenPath instead. Pass your test's own -update flag."))
	f.Func().Params(jen.Id("d").Op("*").Id("TestDriver")).Id("Golden").Params(jen.Id("t").Qual("testing", "TB"), jen.List(jen.Id("inputsPath"), jen.Id("goldenPath")).String(), jen.Id("update").Bool()).Block(
		jen.Id("t").Dot("Helper").Call(),
		rtQual("RunGolden").Call(jen.Id("t"), rtQual("GoldenHarness").Values(jen.Dict{
			jen.Id("Sources"): jen.Map(jen.String()).Add(rtQual("GoldenSource")).Values(sources),
			jen.Id("AdvanceWatermark"): jen.Func().Params(jen.Id("ts").Qual("time", "Time")).Error().Block(
				jen.Return(jen.Id("d").Dot("d").Dot("AdvanceWatermark").Call(jen.Id("ts").Dot("UnixMilli").Call()))),
			jen.Id("AdvanceProcessingTime"): jen.Id("d").Dot("d").Dot("AdvanceProcessingTime"),
			jen.Id("Outputs"):               outSlice,
		}), jen.Id("inputsPath"), jen.Id("goldenPath"), jen.Id("update")),
	)
	f.Line()
}
