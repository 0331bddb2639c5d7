package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits pipeline.gen.go: the Pipeline type, NewPipeline, Spec,
// the operator adapters, and the build function that wires one task.

// errWrap returns `if err != nil { return fmt.Errorf("<what>: %w", err) }`.
func errWrap(what string, results ...jen.Code) *jen.Statement {
	ret := append(results, jen.Qual("fmt", "Errorf").Call(jen.Lit(what+": %w"), jen.Err()))
	return jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(ret...))
}

func (g *plGen) pipelineFile(f *jen.File) {
	if !g.hasTypeFiles() {
		EnforceVersion(f)
		f.Line()
	}
	g.emitPipelineType(f)
	g.emitNewPipeline(f)
	g.emitSpec(f)
	g.emitQueries(f)
	g.emitBuild(f)
	g.emitAdapters(f)
	g.emitSerdes(f)
	g.emitSinkSerializers(f)
	g.emitFieldFuncs(f)
	g.emitCodecs(f)
}

func (g *plGen) emitPipelineType(f *jen.File) {
	fields := []jen.Code{
		jen.Id("ops").Id("Operators"),
		jen.Id("name").String(),
		jen.Comment("topics and patterns are the topics and topic patterns of the sources, in spec order."),
		jen.Id("topics").Index().Index().String(),
		jen.Id("patterns").Index().String(),
		jen.Id("commitInterval").Qual("time", "Duration"),
		jen.Id("commitMaxRecords").Int(),
		jen.Comment("tap copies side outputs that are routed downstream to the task's unrouted side-output hook, so the test driver sees them."),
		jen.Id("tap").Bool(),
	}
	for _, fm := range g.sortedFormats() {
		fields = append(fields, jen.Id(framingField(fm)).Add(rtQual("AvroFraming")))
	}
	for _, t := range g.avroRecs {
		fields = append(fields,
			jen.Id(g.typeField(t)).Op("*").Qual(avroSchemaImport, "Type"),
			jen.Id(g.resolverField(t)).Op("*").Qual(CodecImport, "ResolverCache"))
	}
	for _, c := range g.convs {
		fields = append(fields, jen.Id(c.field).Op("*").Qual(CodecImport, "Resolver"))
	}
	f.Comment(comment(fmt.Sprintf("Pipeline is the %s pipeline of %s, wired to its Operators. Its Spec tells a runner (the kafka package) what to run; NewTestDriver runs it in tests. A Pipeline is safe for concurrent use by the tasks it builds.", g.s.Name, baseName(g.s.File))))
	f.Type().Id("Pipeline").Struct(fields...)
	f.Line()
}

// baseName is the spec file's base name, for comments.
func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

func (g *plGen) emitNewPipeline(f *jen.File) {
	var body []jen.Code
	if len(g.ops) > 0 {
		body = append(body, jen.Var().Id("missing").Index().String())
		for _, o := range g.ops {
			body = append(body, jen.If(jen.Id("ops").Dot(o.field).Op("==").Nil()).Block(
				jen.Id("missing").Op("=").Append(jen.Id("missing"), jen.Lit(fmt.Sprintf("operators.%s (%s; set Operators.%s)", o.op.Name, opKindText(o.op), o.field))),
			))
		}
		body = append(body, jen.If(jen.Len(jen.Id("missing")).Op(">").Lit(0)).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.s.Name+": no implementation for %s"), jen.Qual("strings", "Join").Call(jen.Id("missing"), jen.Lit(", ")))),
		))
	}
	var srcNames []jen.Code
	var topics, patterns []jen.Code
	for _, src := range g.s.Sources {
		srcNames = append(srcNames, jen.Lit(src.Name))
		if src.TopicPattern != "" {
			topics = append(topics, jen.Nil())
		} else {
			var ts []jen.Code
			for _, t := range src.Topics {
				ts = append(ts, jen.Lit(t))
			}
			topics = append(topics, jen.Values(ts...))
		}
		patterns = append(patterns, jen.Lit(src.TopicPattern))
	}
	body = append(body,
		jen.Id("o").Op(":=").Add(rtQual("ApplyPipelineOptions")).Call(jen.Id("opts").Op("...")),
		jen.Id("sources").Op(":=").Index().String().Values(srcNames...),
		jen.If(jen.Err().Op(":=").Id("o").Dot("Validate").Call(jen.Id("sources").Op("...")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.s.Name+": %w"), jen.Err()))),
		jen.Id("p").Op(":=").Op("&").Id("Pipeline").Values(jen.Dict{
			jen.Id("ops"):              jen.Id("ops"),
			jen.Id("name"):             jen.Lit(g.s.Name),
			jen.Id("topics"):           jen.Index().Index().String().Values(topics...),
			jen.Id("patterns"):         jen.Index().String().Values(patterns...),
			jen.Id("commitInterval"):   durationCode(g.s.Commit.Interval),
			jen.Id("commitMaxRecords"): jen.Lit(g.s.Commit.MaxRecords),
		}),
		jen.If(jen.Id("o").Dot("Name").Op("!=").Lit("")).Block(jen.Id("p").Dot("name").Op("=").Id("o").Dot("Name")),
		jen.If(jen.Id("o").Dot("CommitInterval").Op(">").Lit(0)).Block(jen.Id("p").Dot("commitInterval").Op("=").Id("o").Dot("CommitInterval")),
		jen.If(jen.Id("o").Dot("CommitMaxRecords").Op("!=").Nil()).Block(jen.Id("p").Dot("commitMaxRecords").Op("=").Op("*").Id("o").Dot("CommitMaxRecords")),
		jen.For(jen.List(jen.Id("i"), jen.Id("name")).Op(":=").Range().Id("sources")).Block(
			jen.If(jen.List(jen.Id("ts"), jen.Id("ok")).Op(":=").Id("o").Dot("Topics").Index(jen.Id("name")), jen.Id("ok")).Block(
				jen.List(jen.Id("p").Dot("topics").Index(jen.Id("i")), jen.Id("p").Dot("patterns").Index(jen.Id("i"))).Op("=").List(jen.Id("ts"), jen.Lit("")),
			),
		),
	)
	for _, t := range g.avroRecs {
		name := g.avro.typeName[t]
		body = append(body,
			jen.Id("p").Dot(g.typeField(t)).Op("=").New(jen.Id(name)).Dot("AvroType").Call(),
			jen.Id("p").Dot(g.resolverField(t)).Op("=").Qual(CodecImport, "NewResolverCache").Call(jen.Id("p").Dot(g.typeField(t))),
		)
	}
	for _, fm := range g.sortedFormats() {
		field := jen.Id("p").Dot(framingField(fm))
		body = append(body, field.Clone().Op("=").Id("o").Dot("Framing").Call(runtimeFormat(fm)))
		var dflt jen.Code
		switch fm {
		case spec.FormatAvro:
			dflt = field.Clone().Op("=").Add(rtQual("RawAvroFraming")).Values()
		case spec.FormatAvroSingleObject:
			var types []jen.Code
			for _, t := range g.avro.records {
				types = append(types, jen.New(jen.Id(g.avro.typeName[t])).Dot("AvroType").Call())
			}
			dflt = field.Clone().Op("=").Add(rtQual("NewSingleObjectFraming")).Call(types...)
		default:
			dflt = jen.Return(jen.Nil(), jen.Qual("errors", "New").Call(jen.Lit(fmt.Sprintf(
				"%s: %s uses format %s, which needs a Schema Registry: pass runtime.WithFraming(runtime.FormatAvroConfluent, f) with the kafka package's registry framing (tests: runtime.NewMemoryRegistryFraming())",
				g.s.Name, g.formats[fm], fm))))
		}
		body = append(body, jen.If(field.Clone().Op("==").Nil()).Block(dflt))
	}
	for _, c := range g.convs {
		body = append(body,
			jen.Var().Err().Error(),
			jen.If(jen.List(jen.Id("p").Dot(c.field), jen.Err()).Op("=").Qual(CodecImport, "NewResolver").Call(jen.Id("p").Dot(g.typeField(c.from)), jen.Id("p").Dot(g.typeField(c.to))), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.s.Name+": "+c.path+": %w"), jen.Err())),
			),
		)
	}
	body = append(body, jen.Return(jen.Id("p"), jen.Nil()))
	body = dedupVarErr(body)
	f.Comment(comment(fmt.Sprintf("NewPipeline wires ops into the %s pipeline. It fails when an operator has no implementation, naming it as the spec does, or when an option does not fit the pipeline.", g.s.Name)))
	f.Func().Id("NewPipeline").Params(jen.Id("ops").Id("Operators"), jen.Id("opts").Op("...").Add(rtQual("PipelineOption"))).Params(jen.Op("*").Id("Pipeline"), jen.Error()).Block(body...)
	f.Line()
}

// dedupVarErr keeps only the first `var err error` of a block.
func dedupVarErr(body []jen.Code) []jen.Code {
	want := fmt.Sprintf("%#v", jen.Var().Err().Error())
	seen := false
	out := body[:0]
	for _, c := range body {
		if fmt.Sprintf("%#v", c) == want {
			if seen {
				continue
			}
			seen = true
		}
		out = append(out, c)
	}
	return out
}

// startCode is the runtime.StartPosition of a source.
func startCode(st spec.Start) *jen.Statement {
	mode := func(m spec.StartMode) *jen.Statement {
		switch m {
		case spec.StartEarliest:
			return rtQual("StartEarliest")
		case spec.StartLatest:
			return rtQual("StartLatest")
		case spec.StartTimestamp:
			return rtQual("StartTimestamp")
		case spec.StartOffsets:
			return rtQual("StartOffsets")
		}
		return rtQual("StartCommitted")
	}
	d := jen.Dict{jen.Id("Mode"): mode(st.Mode)}
	switch st.Mode {
	case spec.StartCommitted:
		fb := spec.StartEarliest
		if st.Fallback == spec.StartLatest {
			fb = spec.StartLatest
		}
		d[jen.Id("Fallback")] = mode(fb)
	case spec.StartTimestamp:
		ts := st.Timestamp.UTC()
		d[jen.Id("Timestamp")] = jen.Qual("time", "Date").Call(jen.Lit(ts.Year()), jen.Qual("time", ts.Month().String()), jen.Lit(ts.Day()),
			jen.Lit(ts.Hour()), jen.Lit(ts.Minute()), jen.Lit(ts.Second()), jen.Lit(ts.Nanosecond()), jen.Qual("time", "UTC"))
	case spec.StartOffsets:
		offs := jen.Dict{}
		for _, po := range st.Offsets {
			offs[jen.Lit(int(po.Partition))] = jen.Lit(int(po.Offset))
		}
		d[jen.Id("Offsets")] = jen.Map(jen.Int32()).Int64().Values(offs)
		d[jen.Id("Fallback")] = rtQual("StartEarliest")
	}
	return rtQual("StartPosition").Values(d)
}

func (g *plGen) emitSpec(f *jen.File) {
	var inputs []jen.Code
	for i, src := range g.s.Sources {
		d := jen.Dict{
			jen.Id("Name"):         jen.Lit(src.Name),
			jen.Id("Topics"):       jen.Qual("slices", "Clone").Call(jen.Id("p").Dot("topics").Index(jen.Lit(i))),
			jen.Id("TopicPattern"): jen.Id("p").Dot("patterns").Index(jen.Lit(i)),
			jen.Id("Start"):        startCode(src.Start),
		}
		if src.OnError == spec.ErrorDeadLetter {
			d[jen.Id("DeadLetterTopic")] = jen.Lit(src.DeadLetterTopic)
		}
		inputs = append(inputs, jen.Values(d))
	}
	for _, op := range g.repartitions() {
		inputs = append(inputs, jen.Values(jen.Dict{
			jen.Id("Name"):        jen.Lit(op.Name),
			jen.Id("Topics"):      jen.Index().String().Values(jen.Id("p").Dot("name").Op("+").Lit("-" + op.Name + spec.RepartitionSuffix)),
			jen.Id("Start"):       startCode(spec.Start{Mode: spec.StartCommitted, Fallback: spec.StartEarliest}),
			jen.Id("Repartition"): jen.True(),
		}))
	}
	var outputs []jen.Code
	for _, sk := range g.s.Sinks {
		d := jen.Dict{
			jen.Id("Name"):  jen.Lit(sk.Name),
			jen.Id("Topic"): jen.Lit(sk.Topic),
		}
		switch sk.Delivery {
		case spec.DeliveryAtLeastOnce:
			d[jen.Id("Delivery")] = rtQual("AtLeastOnce")
		case spec.DeliveryNone:
			d[jen.Id("Delivery")] = rtQual("NoGuarantee")
		default:
			d[jen.Id("Delivery")] = rtQual("ExactlyOnce")
		}
		switch sk.Partitioner {
		case spec.PartitionRoundRobin:
			d[jen.Id("Partitioner")] = rtQual("RoundRobin")
		case spec.PartitionFixed:
			d[jen.Id("Partitioner")] = rtQual("Fixed")
			d[jen.Id("Partition")] = jen.Lit(int(sk.Partition))
		default:
			d[jen.Id("Partitioner")] = rtQual("KeyHash")
		}
		outputs = append(outputs, jen.Values(d))
	}
	outSlice := jen.Index().Add(rtQual("OutputSpec")).Values(outputs...)
	if len(outputs) == 0 {
		outSlice = jen.Nil()
	}
	doc := fmt.Sprintf("Spec describes the %s pipeline to a runner: its name, its sources with start positions and dead-letter topics, its sinks with delivery guarantees and partitioners, the commit cadence, and Build, which wires one task. Build reads each input's Topics when it runs: a runner that resolves a TopicPattern may write the matching topics into Inputs[i].Topics of the returned spec before it builds tasks; otherwise a pattern input's records must reach the task with the pattern as their topic. Build handles dead letters itself (per source): run its tasks with an empty TaskConfig.DeadLetterTopic.", g.s.Name)
	if rs := g.repartitions(); len(rs) > 0 {
		names := make([]string, len(rs))
		for i, op := range rs {
			names[i] = "<name>-" + op.Name + spec.RepartitionSuffix
		}
		doc += fmt.Sprintf(" After the sources come the repartition topics (Repartition set) of the repartitioning key_by operators, named after the pipeline: %s.", strings.Join(names, ", "))
	}
	f.Comment(comment(doc))
	fields := jen.Dict{
		jen.Id("Name"):             jen.Id("p").Dot("name"),
		jen.Id("Inputs"):           jen.Id("inputs"),
		jen.Id("Outputs"):          outSlice,
		jen.Id("CommitInterval"):   jen.Id("p").Dot("commitInterval"),
		jen.Id("CommitMaxRecords"): jen.Id("p").Dot("commitMaxRecords"),
		jen.Id("Build"): jen.Func().Params(jen.Id("t").Op("*").Add(rtQual("Task"))).Error().Block(
			jen.Return(jen.Id("p").Dot("build").Call(jen.Id("t"), jen.Id("inputs"))),
		),
	}
	if d := g.s.MaxWatermarkDrift; d > 0 {
		fields[jen.Id("MaxWatermarkDrift")] = durationCode(d)
	}
	f.Func().Params(jen.Id("p").Op("*").Id("Pipeline")).Id("Spec").Params().Add(rtQual("PipelineSpec")).Block(
		jen.Id("inputs").Op(":=").Index().Add(rtQual("InputSpec")).Values(inputs...),
		jen.Return(rtQual("PipelineSpec").Values(fields)),
	)
	f.Line()
}

// tapName is the side-output tag a routed side output is copied to for the
// test driver.
func tapName(stream string) string { return "tap:" + stream }

// sideTagName is the runtime tag name of a side or late output stream.
func sideTagName(stream string) string { return stream }

func (g *plGen) emitBuild(f *jen.File) {
	locals := NewNamer("t", "inputs", "err", "p", "topic", "fmt", "runtime", "time", "codec", "schema")
	nodeOf := map[string]jen.Code{} // "op:name" or "sink:name" -> the node reading the stream
	var body []jen.Code
	add := func(c ...jen.Code) { body = append(body, c...) }

	for _, ps := range g.sinks {
		sk := ps.sk
		v := locals.Name("sink" + GoName(sk.Name))
		add(
			jen.Comment(fmt.Sprintf("sinks.%s: stream %s to topic %s.", sk.Name, sk.Input, sk.Topic)),
			jen.List(jen.Id(v), jen.Err()).Op(":=").Add(rtQual("NewSink")).Types(g.goType(sk.Stream.Type)).Call(
				jen.Id("t"), jen.Lit(sk.Topic), jen.Op("&").Id(ps.serializer).Values(jen.Dict{jen.Id("p"): jen.Id("p")})),
			errWrap("sinks."+sk.Name),
		)
		nodeOf["sink:"+sk.Name] = jen.Id(v)
	}
	isOp := map[string]bool{}
	for _, op := range g.s.Operators {
		isOp[op.Name] = true
	}
	readersOf := func(st *spec.Stream) []jen.Code {
		var rs []jen.Code
		for _, r := range st.Readers {
			if isOp[r] {
				// A join reads its right input through a node of its own.
				if op, _ := g.s.Operator(r); op.Kind == spec.KindJoin && op.Inputs[1] == st.Name {
					rs = append(rs, nodeOf["op:"+r+":right"])
					continue
				}
				rs = append(rs, nodeOf["op:"+r])
			} else {
				rs = append(rs, nodeOf["sink:"+r])
			}
		}
		return rs
	}
	// streamNode is the node a main or source stream is pushed to.
	streamNode := func(st *spec.Stream) jen.Code {
		rs := readersOf(st)
		switch len(rs) {
		case 0:
			return rtQual("Discard").Types(g.goType(st.Type)).Call()
		case 1:
			return rs[0]
		}
		v := locals.Name("to" + GoName(st.Name))
		add(jen.Id(v).Op(":=").Add(rtQual("Fanout")).Types(g.goType(st.Type)).Call(rs...))
		return jen.Id(v)
	}
	// routeSide routes a side or late output stream to its readers, if it
	// has any; otherwise its values reach the task's unrouted hook.
	routeSide := func(st *spec.Stream, tag string) {
		rs := readersOf(st)
		if len(rs) == 0 {
			return
		}
		typ := g.goType(st.Type)
		v := locals.Name("to" + GoName(st.Name))
		var node jen.Code = rs[0]
		if len(rs) > 1 {
			node = rtQual("Fanout").Types(typ.Clone()).Call(rs...)
		}
		add(
			jen.Var().Id(v).Add(rtQual("Node")).Types(typ.Clone()).Op("=").Add(node),
			jen.If(jen.Id("p").Dot("tap")).Block(
				jen.Id(v).Op("=").Add(rtQual("Fanout")).Types(typ.Clone()).Call(jen.Id(v),
					rtQual("ToSideOutput").Call(rtQual("NewOutputTag").Types(typ.Clone()).Call(jen.Lit(tapName(st.Name))))),
			),
			jen.If(jen.Err().Op(":=").Add(rtQual("RouteSideOutput")).Call(jen.Id("t"), jen.Id(tag), jen.Id(v)), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(st.Name+": %w"), jen.Err()))),
		)
	}

	for i := len(g.s.Operators) - 1; i >= 0; i-- {
		op := g.s.Operators[i]
		path := "operators." + op.Name
		o := g.opOf[op.Name]
		var in *spec.Stream
		if len(op.Inputs) > 0 {
			in = g.stream(op.Inputs[0])
		}
		if op.Repartition {
			add(jen.Comment(fmt.Sprintf("%s: %s, through its repartition topic (inputs[%d]).", path, opKindText(op), g.repartitionInput(op))))
		} else {
			add(jen.Comment(fmt.Sprintf("%s: %s.", path, opKindText(op))))
		}
		v := locals.Name("op" + GoName(op.Name))
		switch op.Kind {
		case spec.KindKeyBy:
			next := streamNode(op.Out)
			if op.Repartition {
				next = g.buildRepartition(op, in, locals, add, next)
			}
			add(jen.Id(v).Op(":=").Add(rtQual("KeyBy")).Types(g.goType(in.Type), g.goType(op.Out.Key)).Call(
				jen.Id(g.keyFuncName(op)), g.codec(op.Out.Key, path+".key_by"), next))
		case spec.KindUnion:
			next := streamNode(op.Out)
			add(jen.Id(v).Op(":=").Add(rtQual("Union")).Types(g.goType(op.Out.Type)).Call(next))
		case spec.KindMap:
			next := streamNode(op.Out)
			add(jen.Id(v).Op(":=").Add(rtQual("Map")).Types(g.goType(in.Type), g.goType(op.Out.Type)).Call(
				userCall(o.field, "Map", g.goType(in.Type), []jen.Code{g.goType(op.Out.Type), jen.Error()}), next))
		case spec.KindFilter:
			next := streamNode(op.Out)
			add(jen.Id(v).Op(":=").Add(rtQual("Filter")).Types(g.goType(in.Type)).Call(
				userCall(o.field, "Filter", g.goType(in.Type), []jen.Code{jen.Bool(), jen.Error()}), next))
		case spec.KindFlatMap:
			next := streamNode(op.Out)
			add(jen.Id(v).Op(":=").Add(rtQual("FlatMap")).Types(g.goType(in.Type), g.goType(op.Out.Type)).Call(
				userCall(o.field, "FlatMap", g.goType(in.Type), []jen.Code{jen.Error()}, jen.Id("out").Add(emitterOf(g.goType(op.Out.Type)))), next))
		case spec.KindWindow:
			g.buildWindow(o, v, in, locals, add, streamNode, routeSide)
		case spec.KindProcess:
			g.buildProcess(o, v, in, locals, add, streamNode, routeSide)
		case spec.KindJoin:
			right := locals.Name("op" + GoName(op.Name) + "Right")
			g.buildJoin(o, v, right, add, streamNode)
			nodeOf["op:"+op.Name+":right"] = jen.Id(right)
		}
		nodeOf["op:"+op.Name] = jen.Id(v)
	}

	for _, ps := range g.sources {
		src := ps.src
		st := g.stream(src.Name)
		next := streamNode(st)
		typ := g.goType(st.Type)
		// An Avro value decodes straight into the source's own value
		// (runtime.IntoDeserializer), which holds the previous record:
		// with object_reuse its slices and maps are reused.
		deser := rtQual("DeserializerFunc").Types(typ.Clone()).Call(
			jen.Func().Params(jen.Id("r").Op("*").Add(rtQual("Record"))).Params(typ.Clone(), jen.Error()).Block(
				jen.Return(jen.Id("p").Dot(ps.value.decode).Call(jen.Id("r").Dot("Topic"), jen.Id("r").Dot("Value")))))
		if ps.intern != "" {
			deser = rtQual("DeserializerIntoFunc").Types(typ.Clone()).Call(
				jen.Func().Params(jen.Id("r").Op("*").Add(rtQual("Record")), jen.Id("v").Op("*").Add(typ.Clone())).Error().Block(
					jen.Return(jen.Id("p").Dot(ps.value.into).Call(jen.Id("v"), jen.Lit(ps.reuse), jen.Op("&").Id(ps.intern), jen.Id("r").Dot("Topic"), jen.Id("r").Dot("Value")))))
		}
		cfg := jen.Dict{
			jen.Id("Topic"):        jen.Id("topic"),
			jen.Id("Deserializer"): deser,
		}
		if ps.evtime != "" {
			cfg[jen.Id("EventTime")] = jen.Id(ps.evtime)
		}
		if wm := watermarkDict(src.Watermark); len(wm) > 0 {
			cfg[jen.Id("Watermark")] = rtQual("WatermarkStrategy").Values(wm)
		}
		conf := rtQual("SourceConfig").Types(typ.Clone()).Values(cfg)
		topics := jen.Id("inputs").Index(jen.Lit(ps.index)).Dot("Topics")
		if src.TopicPattern != "" {
			g.needTopics = true
			topics = jen.Id("sgSourceTopics").Call(jen.Id("inputs").Index(jen.Lit(ps.index)))
		}
		var attach *jen.Statement
		if src.OnError == spec.ErrorDeadLetter {
			attach = jen.If(jen.Err().Op(":=").Add(rtQual("AddSourceWithDeadLetter")).Types(typ.Clone()).Call(jen.Id("t"), conf, jen.Lit(src.DeadLetterTopic), next), jen.Err().Op("!=").Nil())
		} else {
			attach = jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Add(rtQual("AddSource")).Types(typ.Clone()).Call(jen.Id("t"), conf, next), jen.Err().Op("!=").Nil())
		}
		if ps.intern != "" {
			add(
				jen.Comment(fmt.Sprintf("sources.%s: the task keeps the short strings it decoded for the next records.", src.Name)),
				jen.Var().Id(ps.intern).Qual(CodecImport, "Interner"),
			)
		}
		add(
			jen.Comment(fmt.Sprintf("sources.%s: one input per topic.", src.Name)),
			jen.For(jen.List(jen.Id("_"), jen.Id("topic")).Op(":=").Range().Add(topics)).Block(
				attach.Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("sources."+src.Name+": %w"), jen.Err()))),
			),
		)
	}
	add(jen.Return(jen.Nil()))
	f.Comment(comment("build wires one task: the sinks first, then the operators from the last to the first (each one's downstream exists when it is made), then one source per input topic."))
	f.Func().Params(jen.Id("p").Op("*").Id("Pipeline")).Id("build").Params(jen.Id("t").Op("*").Add(rtQual("Task")), jen.Id("inputs").Index().Add(rtQual("InputSpec"))).Error().Block(body...)
	f.Line()
}

// windowSpec is the runtime.WindowSpec of a window operator.
func (g *plGen) windowSpec(w *spec.Window, in *spec.Stream, lateTag string) *jen.Statement {
	var assigner *jen.Statement
	switch w.Kind {
	case spec.WindowTumbling:
		assigner = rtQual("TumblingWindows").Call(durationCode(w.Size), durationCode(w.Offset))
	case spec.WindowSliding:
		assigner = rtQual("SlidingWindows").Call(durationCode(w.Size), durationCode(w.Slide), durationCode(w.Offset))
	default:
		assigner = rtQual("SessionWindows").Call(durationCode(w.Gap))
	}
	d := jen.Dict{jen.Id("Assigner"): assigner}
	if w.AllowedLateness > 0 {
		d[jen.Id("AllowedLateness")] = durationCode(w.AllowedLateness)
	}
	if lateTag != "" {
		d[jen.Id("LateData")] = jen.Id(lateTag)
	}
	if w.Emit == spec.EmitOnClose {
		d[jen.Id("EmitOnClose")] = jen.True()
	}
	return rtQual("WindowSpec").Types(g.goType(in.Type)).Values(d)
}

func (g *plGen) buildWindow(o *plOp, v string, in *spec.Stream, locals *Namer, add func(...jen.Code), streamNode func(*spec.Stream) jen.Code, routeSide func(*spec.Stream, string)) {
	op := o.op
	w := op.Window
	path := "operators." + op.Name
	lateTag := ""
	if w.LateOutput != "" {
		lateTag = locals.Name("tag" + GoName(w.LateOutput))
		add(jen.Id(lateTag).Op(":=").Add(rtQual("NewOutputTag")).Types(g.goType(in.Type)).Call(jen.Lit(sideTagName(w.LateOutput))))
		routeSide(g.stream(w.LateOutput), lateTag)
	}
	next := streamNode(op.Out)
	inT := g.goType(in.Type)
	wspec := g.windowSpec(w, in, lateTag)
	switch w.Func {
	case spec.WindowAggregate:
		acc := g.goType(w.Accumulator)
		fn := locals.Name(LowerName(op.Name) + "Fn")
		add(
			jen.Id(fn).Op(":=").Op("&").Id(o.adapter).Values(jen.Dict{jen.Id("op"): jen.Id("p").Dot("ops").Dot(o.field)}),
			jen.List(jen.Id(v), jen.Err()).Op(":=").Add(rtQual("NewWindowAggregate")).Types(inT, acc, acc.Clone()).Call(
				jen.Id("t"), jen.Lit(op.Name), wspec, jen.Id(fn), g.codec(w.Accumulator, path+".window.aggregate.accumulator"),
				rtQual("Map").Types(rtQual("Windowed").Types(acc.Clone()), g.goType(w.Output)).Call(jen.Id(fn).Dot("result"), next)),
			errWrap(path),
		)
	case spec.WindowReduce:
		g.needWindow = true
		add(
			jen.List(jen.Id(v), jen.Err()).Op(":=").Add(rtQual("NewWindowReduce")).Types(inT).Call(
				jen.Id("t"), jen.Lit(op.Name), wspec, jen.Id("p").Dot("ops").Dot(o.field).Dot("Reduce"), g.codec(in.Type, path+".input"),
				rtQual("Map").Types(rtQual("Windowed").Types(inT.Clone()), inT.Clone()).Call(jen.Id("sgWindowValue").Types(inT.Clone()), next)),
			errWrap(path),
		)
	case spec.WindowProcess:
		fn := locals.Name(LowerName(op.Name) + "Fn")
		add(
			jen.Id(fn).Op(":=").Op("&").Id(o.adapter).Values(jen.Dict{jen.Id("op"): jen.Id("p").Dot("ops").Dot(o.field)}),
			jen.List(jen.Id(v), jen.Err()).Op(":=").Add(rtQual("NewWindowProcess")).Types(inT, g.goType(w.Output)).Call(
				jen.Id("t"), jen.Lit(op.Name), wspec, jen.Id(fn), g.codec(in.Type, path+".input"), next),
			errWrap(path),
		)
	}
}

// buildJoin wires a temporal or interval join: v is the node of its left
// input, right the node of its right input.
func (g *plGen) buildJoin(o *plOp, v, right string, add func(...jen.Code), streamNode func(*spec.Stream) jen.Code) {
	op := o.op
	path := "operators." + op.Name
	next := streamNode(op.Out)
	l, r, out := g.goType(o.in.Type), g.goType(o.right.Type), g.goType(op.Out.Type)
	rArg := jen.Op("*").Id("r")
	typ := "InnerJoin"
	if op.Join.Type == spec.JoinLeft {
		rArg, typ = jen.Id("r"), "LeftJoin"
	}
	d := jen.Dict{
		jen.Id("Type"):  rtQual(typ),
		jen.Id("Left"):  g.codec(o.in.Type, path+".join.left"),
		jen.Id("Right"): g.codec(o.right.Type, path+".join.right"),
		jen.Id("Join"): jen.Func().Params(ctxParam(), jen.Id("l").Op("*").Add(l.Clone()), jen.Id("r").Op("*").Add(r.Clone())).Params(out.Clone(), jen.Error()).Block(
			jen.Return(jen.Id("p").Dot("ops").Dot(o.field).Dot("Join").Call(jen.Id("c"), jen.Op("*").Id("l"), rArg))),
	}
	ctor, specType := "NewTemporalJoin", "TemporalJoinSpec"
	if w := op.Join.Within; w != nil {
		ctor, specType = "NewIntervalJoin", "IntervalJoinSpec"
		if w.Before > 0 {
			d[jen.Id("Before")] = durationCode(w.Before)
		}
		if w.After > 0 {
			d[jen.Id("After")] = durationCode(w.After)
		}
	}
	if ttl := op.Join.TableTTL; ttl > 0 {
		d[jen.Id("TableTTL")] = durationCode(ttl)
	}
	add(
		jen.List(jen.Id(v), jen.Id(right), jen.Err()).Op(":=").Add(rtQual(ctor)).Types(l, r, out).Call(
			jen.Id("t"), jen.Lit(op.Name), rtQual(specType).Types(l.Clone(), r.Clone(), out.Clone()).Values(d), next),
		errWrap(path),
	)
}

// stateName is the runtime name of a process state: stable across
// restarts, unique in the task.
func stateName(op *spec.Operator, st *spec.State) string { return op.Name + "." + st.Name }

func (g *plGen) buildProcess(o *plOp, v string, in *spec.Stream, locals *Namer, add func(...jen.Code), streamNode func(*spec.Stream) jen.Code, routeSide func(*spec.Stream, string)) {
	op := o.op
	pr := op.Process
	path := "operators." + op.Name
	ctx := jen.Dict{}
	for i, so := range pr.SideOutputs {
		name := op.Name + "." + so.Name
		tag := locals.Name("tag" + GoName(name))
		add(jen.Id(tag).Op(":=").Add(rtQual("NewOutputTag")).Types(g.goType(so.Type)).Call(jen.Lit(sideTagName(name))))
		routeSide(g.stream(name), tag)
		ctx[jen.Id(o.sideTag[i])] = jen.Id(tag)
	}
	next := streamNode(op.Out)
	state := jen.Dict{}
	for i, st := range pr.State {
		sv := locals.Name(LowerName(op.Name) + GoName(st.Name))
		sp := path + ".process.state." + st.Name
		ttl := durationCode(st.TTL)
		var call *jen.Statement
		switch st.Kind {
		case spec.StateValue:
			call = rtQual("NewValueState").Types(g.goType(st.Value)).Call(jen.Id("t"), jen.Lit(stateName(op, st)), g.codec(st.Value, sp), ttl)
		case spec.StateReducing:
			call = rtQual("NewReducingState").Types(g.goType(st.Value)).Call(jen.Id("t"), jen.Lit(stateName(op, st)), g.codec(st.Value, sp),
				jen.Id("p").Dot("ops").Dot(o.field).Dot("Reduce"+o.stateField[i]), ttl)
		case spec.StateList:
			call = rtQual("NewListState").Types(g.goType(st.Value)).Call(jen.Id("t"), jen.Lit(stateName(op, st)), g.codec(st.Value, sp), ttl)
		case spec.StateMap:
			call = rtQual("NewMapState").Types(g.goType(st.Key), g.goType(st.Value)).Call(jen.Id("t"), jen.Lit(stateName(op, st)),
				g.codec(st.Key, sp+".map.key"), g.codec(st.Value, sp+".map.value"), ttl)
		}
		add(jen.List(jen.Id(sv), jen.Err()).Op(":=").Add(call), errWrap(sp))
		state[jen.Id(o.stateField[i])] = jen.Id(sv)
	}
	if len(state) > 0 {
		ctx[jen.Id("State")] = jen.Id(o.state).Values(state)
	}
	fn := locals.Name(LowerName(op.Name) + "Fn")
	add(
		jen.Id(fn).Op(":=").Op("&").Id(o.adapter).Values(jen.Dict{
			jen.Id("op"):  jen.Id("p").Dot("ops").Dot(o.field),
			jen.Id("ctx"): jen.Id(o.ctx).Values(ctx),
		}),
		jen.List(jen.Id(v), jen.Err()).Op(":=").Add(rtQual("NewProcess")).Types(g.goType(in.Type), g.goType(op.Out.Type)).Call(
			jen.Id("t"), jen.Lit(op.Name), jen.Id(fn), next),
		errWrap(path),
	)
}

// emitAdapters emits the types that adapt user operators to the runtime's
// function interfaces.
func (g *plGen) emitAdapters(f *jen.File) {
	for _, o := range g.ops {
		op := o.op
		switch {
		case op.Kind == spec.KindProcess:
			g.emitProcessAdapter(f, o)
		case op.Kind == spec.KindWindow && op.Window.Func == spec.WindowAggregate:
			g.emitAggregateAdapter(f, o)
		case op.Kind == spec.KindWindow && op.Window.Func == spec.WindowProcess:
			g.emitWindowProcessAdapter(f, o)
		}
	}
	if g.needTopics {
		f.Comment(comment("sgSourceTopics lists the topics a source registers in a task: its topics, or, for a topic pattern that no topics were resolved for, the pattern itself: a runner then hands the records of every matching topic to the task under that name."))
		f.Func().Id("sgSourceTopics").Params(jen.Id("in").Add(rtQual("InputSpec"))).Index().String().Block(
			jen.If(jen.Len(jen.Id("in").Dot("Topics")).Op("==").Lit(0).Op("&&").Id("in").Dot("TopicPattern").Op("!=").Lit("")).Block(
				jen.Return(jen.Index().String().Values(jen.Id("in").Dot("TopicPattern")))),
			jen.Return(jen.Id("in").Dot("Topics")),
		)
		f.Line()
	}
	if g.needWindow {
		f.Comment(comment("sgWindowValue drops the window of a window result: the result's event time (the window's last millisecond) stays in the context."))
		f.Func().Id("sgWindowValue").Types(jen.Id("T").Any()).Params(jen.Id("_").Op("*").Add(rtQual("Context")), jen.Id("w").Op("*").Add(rtQual("Windowed")).Types(jen.Id("T"))).Params(jen.Id("T"), jen.Error()).Block(
			jen.Return(jen.Id("w").Dot("Value"), jen.Nil()),
		)
		f.Line()
	}
}

func (g *plGen) emitProcessAdapter(f *jen.File, o *plOp) {
	op := o.op
	in := g.goType(o.in.Type)
	out := g.goType(op.Out.Type)
	recv := jen.Id("a").Op("*").Id(o.adapter)
	f.Comment(comment(fmt.Sprintf("%s runs %s as a runtime.ProcessFunction, handing it the typed context.", o.adapter, o.iface)))
	f.Type().Id(o.adapter).Struct(
		jen.Id("op").Id(o.iface),
		jen.Id("ctx").Id(o.ctx),
	)
	f.Line()
	f.Comment("ProcessElement implements runtime.ProcessFunction.")
	f.Func().Params(recv.Clone()).Id("ProcessElement").Params(ctxParam(), jen.Id("v").Op("*").Add(in), jen.Id("out").Add(emitterOf(out))).Error().Block(
		jen.List(jen.Id("a").Dot("ctx").Dot("Context"), jen.Id("a").Dot("ctx").Dot("hasKey")).Op("=").List(jen.Id("c"), jen.False()),
		jen.Return(jen.Id("a").Dot("op").Dot("ProcessElement").Call(jen.Op("&").Id("a").Dot("ctx"), jen.Op("*").Id("v"), jen.Id("out"))),
	)
	f.Line()
	f.Comment("OnTimer implements runtime.ProcessFunction.")
	var body []jen.Code
	if op.Process.Timers {
		body = []jen.Code{
			jen.List(jen.Id("a").Dot("ctx").Dot("Context"), jen.Id("a").Dot("ctx").Dot("hasKey")).Op("=").List(jen.Id("c"), jen.False()),
			jen.Return(jen.Id("a").Dot("op").Dot("OnTimer").Call(jen.Op("&").Id("a").Dot("ctx"), jen.Id("tm"), jen.Id("out"))),
		}
	} else {
		body = []jen.Code{jen.Return(jen.Qual("errors", "New").Call(jen.Lit(fmt.Sprintf("operators.%s: a timer fired, but the spec does not declare timers: true for this process operator", op.Name))))}
	}
	f.Func().Params(recv.Clone()).Id("OnTimer").Params(ctxParam(), jen.Id("tm").Add(rtQual("Timer")), jen.Id("out").Add(emitterOf(out.Clone()))).Error().Block(body...)
	f.Line()
}

func (g *plGen) emitAggregateAdapter(f *jen.File, o *plOp) {
	w := o.op.Window
	in := g.goType(o.in.Type)
	acc := g.goType(w.Accumulator)
	out := g.goType(w.Output)
	recv := jen.Id("a").Op("*").Id(o.adapter)
	f.Comment(comment(fmt.Sprintf("%s runs %s as a runtime.AggregateFunction whose result is the accumulator; result then turns it into the output with the key and the window.", o.adapter, o.iface)))
	f.Type().Id(o.adapter).Struct(jen.Id("op").Id(o.iface))
	f.Line()
	f.Comment("CreateAccumulator implements runtime.AggregateFunction.")
	f.Func().Params(recv.Clone()).Id("CreateAccumulator").Params().Add(acc.Clone()).Block(jen.Return(jen.Id("a").Dot("op").Dot("CreateAccumulator").Call()))
	f.Line()
	f.Comment("Add implements runtime.AggregateFunction.")
	f.Func().Params(recv.Clone()).Id("Add").Params(jen.Id("v").Op("*").Add(in), jen.Id("acc").Add(acc.Clone())).Add(acc.Clone()).Block(jen.Return(jen.Id("a").Dot("op").Dot("Add").Call(jen.Op("*").Id("v"), jen.Id("acc"))))
	f.Line()
	f.Comment("Merge implements runtime.AggregateFunction.")
	f.Func().Params(recv.Clone()).Id("Merge").Params(jen.List(jen.Id("x"), jen.Id("y")).Add(acc.Clone())).Add(acc.Clone()).Block(jen.Return(jen.Id("a").Dot("op").Dot("Merge").Call(jen.Id("x"), jen.Id("y"))))
	f.Line()
	f.Comment("Result implements runtime.AggregateFunction: the accumulator itself.")
	f.Func().Params(recv.Clone()).Id("Result").Params(jen.Id("acc").Add(acc.Clone())).Add(acc.Clone()).Block(jen.Return(jen.Id("acc")))
	f.Line()
	f.Comment("result turns a fired window's accumulator into the output, with the key.")
	f.Func().Params(recv.Clone()).Id("result").Params(ctxParam(), jen.Id("w").Op("*").Add(rtQual("Windowed")).Types(acc.Clone())).Params(out, jen.Error()).Block(
		jen.List(jen.Id("key"), jen.Err()).Op(":=").Add(rtQual("KeyAs")).Call(jen.Id("c"), g.keyCodecOf(o)),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Var().Id("zero").Add(out.Clone()),
			jen.Return(jen.Id("zero"), jen.Err()),
		),
		jen.Return(jen.Id("a").Dot("op").Dot("Result").Call(jen.Id("key"), jen.Id("w").Dot("Window"), jen.Id("w").Dot("Value"))),
	)
	f.Line()
}

func (g *plGen) emitWindowProcessAdapter(f *jen.File, o *plOp) {
	w := o.op.Window
	in := g.goType(o.in.Type)
	out := g.goType(w.Output)
	recv := jen.Id("a").Op("*").Id(o.adapter)
	f.Comment(comment(fmt.Sprintf("%s runs %s as a runtime.ProcessWindowFunction, adding the key.", o.adapter, o.iface)))
	f.Type().Id(o.adapter).Struct(jen.Id("op").Id(o.iface))
	f.Line()
	f.Comment("Process implements runtime.ProcessWindowFunction.")
	f.Func().Params(recv).Id("Process").Params(ctxParam(), jen.Id("w").Add(rtQual("Window")), jen.Id("elems").Index().Add(in), jen.Id("out").Add(emitterOf(out))).Error().Block(
		jen.List(jen.Id("key"), jen.Err()).Op(":=").Add(rtQual("KeyAs")).Call(jen.Id("c"), g.keyCodecOf(o)),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("a").Dot("op").Dot("Process").Call(jen.Id("c"), jen.Id("key"), jen.Id("w"), jen.Id("elems"), jen.Id("out"))),
	)
	f.Line()
}

// userCall is the function a Map, Filter or FlatMap node calls: it takes
// the value by pointer, as the runtime passes it, and calls the user's
// method with the value (one copy; a method value would copy it twice).
// extra are the parameters after the value (FlatMap's emitter).
func userCall(field, method string, in jen.Code, results []jen.Code, extra ...jen.Code) *jen.Statement {
	params := append([]jen.Code{ctxParam(), jen.Id("v").Op("*").Add(in)}, extra...)
	args := []jen.Code{jen.Id("c"), jen.Op("*").Id("v")}
	if len(extra) > 0 {
		args = append(args, jen.Id("out"))
	}
	return jen.Func().Params(params...).Params(results...).Block(
		jen.Return(jen.Id("p").Dot("ops").Dot(field).Dot(method).Call(args...)))
}

// keyFuncName is the function a key_by extracts its key with.
func (g *plGen) keyFuncName(op *spec.Operator) string { return g.keyFunc[op.Name] }

// watermarkDict is the fields of a runtime.WatermarkStrategy literal for w
// (empty for the zero strategy).
func watermarkDict(w spec.Watermark) jen.Dict {
	wm := jen.Dict{}
	if d := w.OutOfOrderness; d > 0 {
		wm[jen.Id("OutOfOrderness")] = durationCode(d)
	}
	if d := w.Idleness; d > 0 {
		wm[jen.Id("IdleTimeout")] = durationCode(d)
	}
	return wm
}

// repartitions lists the repartitioning key_by operators, in topological
// order: their repartition topics follow the sources in the spec's Inputs.
func (g *plGen) repartitions() []*spec.Operator {
	var ops []*spec.Operator
	for _, op := range g.s.Operators {
		if op.Kind == spec.KindKeyBy && op.Repartition {
			ops = append(ops, op)
		}
	}
	return ops
}

// repartitionInput is the index in the spec's Inputs of op's repartition
// topic.
func (g *plGen) repartitionInput(op *spec.Operator) int {
	for i, r := range g.repartitions() {
		if r == op {
			return len(g.s.Sources) + i
		}
	}
	return -1
}

// repartitionWatermark is the watermark strategy of a repartition topic:
// the largest out-of-orderness of the sources upstream, and their largest
// idleness, or none when one of them never goes idle.
func (g *plGen) repartitionWatermark(op *spec.Operator) spec.Watermark {
	var w spec.Watermark
	srcs := g.s.UpstreamSources(op.Name)
	for i, src := range srcs {
		w.OutOfOrderness = max(w.OutOfOrderness, src.Watermark.OutOfOrderness)
		if i == 0 || (w.Idleness > 0 && src.Watermark.Idleness > 0) {
			w.Idleness = max(w.Idleness, src.Watermark.Idleness)
		} else {
			w.Idleness = 0
		}
	}
	return w
}

// buildRepartition wires the split of a repartitioning key_by: the
// downstream part starts at a source reading the repartition topic and
// pushing to next; the upstream part ends in the repartition sink it
// returns, which the key_by node pushes to.
func (g *plGen) buildRepartition(op *spec.Operator, in *spec.Stream, locals *Namer, add func(...jen.Code), next jen.Code) jen.Code {
	path := "operators." + op.Name
	typ := g.goType(in.Type)
	topic := func() *jen.Statement {
		return jen.Id("inputs").Index(jen.Lit(g.repartitionInput(op))).Dot("Topics").Index(jen.Lit(0))
	}
	wm := rtQual("WatermarkStrategy").Values(watermarkDict(g.repartitionWatermark(op)))
	sink := locals.Name("shuffle" + GoName(op.Name))
	add(
		jen.If(jen.Err().Op(":=").Add(rtQual("AddRepartitionSource")).Types(typ).Call(
			jen.Id("t"), topic(), g.codec(in.Type, path+".key_by"), wm, next), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(path+": %w"), jen.Err()))),
		jen.List(jen.Id(sink), jen.Err()).Op(":=").Add(rtQual("NewRepartitionSink")).Types(g.goType(in.Type)).Call(
			jen.Id("t"), topic(), g.codec(in.Type, path+".key_by")),
		errWrap(path),
	)
	return jen.Id(sink)
}
