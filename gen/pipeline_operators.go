package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/spec"
)

// This file emits operators.gen.go: the interfaces the user implements,
// the Operators struct, and the typed contexts of process operators.

func rtQual(name string) *jen.Statement { return jen.Qual(RuntimeImport, name) }

// ctxParam is the `c *runtime.Context` parameter.
func ctxParam() *jen.Statement { return jen.Id("c").Op("*").Add(rtQual("Context")) }

// emitterOf is *runtime.Emitter[T].
func emitterOf(t jen.Code) *jen.Statement { return jen.Op("*").Add(rtQual("Emitter")).Types(t) }

// outputRef is an operator's main output type.
func outputRef(op *spec.Operator) *spec.TypeRef { return op.Out.Type }

func (g *plGen) operatorsFile(f *jen.File) {
	if len(g.ops) == 0 {
		f.Comment(comment(fmt.Sprintf("Operators holds the user code of pipeline %s; its spec has no operator that runs user functions (only key_by and union), so it is empty.", g.s.Name)))
		f.Type().Id("Operators").Struct()
		return
	}
	for _, o := range g.ops {
		g.emitInterface(f, o)
	}
	var fields []jen.Code
	for _, o := range g.ops {
		fields = append(fields, jen.Comment(comment(fmt.Sprintf("%s implements operators.%s (%s).", o.field, o.op.Name, opKindText(o.op)))))
		fields = append(fields, jen.Id(o.field).Id(o.iface))
	}
	f.Comment(comment(fmt.Sprintf("Operators holds the user code of pipeline %s: one implementation per operator of the spec that runs user functions, in the order the data flows. Every field is required: NewPipeline names the operators left nil. A method set that does not match the spec is a compile error where the struct is filled. One implementation serves every task, and tasks may run concurrently: keep per-key data in keyed state.", g.s.Name)))
	f.Type().Id("Operators").Struct(fields...)
	f.Line()
	for _, o := range g.ops {
		if o.op.Kind == spec.KindProcess {
			g.emitProcessContext(f, o)
		}
	}
}

// opKindText describes an operator for comments ("tumbling 1m window,
// aggregate").
func opKindText(op *spec.Operator) string {
	switch op.Kind {
	case spec.KindWindow:
		w := op.Window
		var as string
		switch w.Kind {
		case spec.WindowTumbling:
			as = "tumbling " + shortDur(w.Size)
		case spec.WindowSliding:
			as = fmt.Sprintf("sliding %s every %s", shortDur(w.Size), shortDur(w.Slide))
		case spec.WindowSession:
			as = "session gap " + shortDur(w.Gap)
		}
		return fmt.Sprintf("%s window, %s", as, w.Func)
	case spec.KindProcess:
		return "keyed process function"
	case spec.KindJoin:
		if w := op.Join.Within; w != nil {
			return fmt.Sprintf("%s interval join, right from %s before to %s after", op.Join.Type, shortDur(w.Before), shortDur(w.After))
		}
		return string(op.Join.Type) + " temporal join"
	}
	return string(op.Kind)
}

func (g *plGen) emitInterface(f *jen.File, o *plOp) {
	op := o.op
	in := g.goType(o.in.Type)
	inName := describeRef(o.in.Type)
	var methods []jen.Code
	var doc string
	method := func(text string, sig *jen.Statement) {
		methods = append(methods, jen.Comment(comment(text)), sig)
	}
	switch op.Kind {
	case spec.KindMap:
		out := outputRef(op)
		doc = fmt.Sprintf("%s is the user code of the map operator %s: it turns each value of type %s of stream %s into a value of type %s.", o.iface, op.Name, inName, o.in.Name, describeRef(out))
		method("Map returns the output for v. An error fails the task (the pipeline stops, or the Kafka layer replays from the last commit).",
			jen.Id("Map").Params(ctxParam(), jen.Id("v").Add(in)).Params(g.goType(out), jen.Error()))
	case spec.KindFilter:
		doc = fmt.Sprintf("%s is the user code of the filter operator %s: it keeps the values of type %s of stream %s for which Filter returns true.", o.iface, op.Name, inName, o.in.Name)
		method("Filter reports whether v goes on.",
			jen.Id("Filter").Params(ctxParam(), jen.Id("v").Add(in)).Params(jen.Bool(), jen.Error()))
	case spec.KindFlatMap:
		out := outputRef(op)
		doc = fmt.Sprintf("%s is the user code of the flat_map operator %s: it turns each value of type %s of stream %s into any number of values of type %s.", o.iface, op.Name, inName, o.in.Name, describeRef(out))
		method("FlatMap emits the outputs for v with out.Emit.",
			jen.Id("FlatMap").Params(ctxParam(), jen.Id("v").Add(in), jen.Id("out").Add(emitterOf(g.goType(out)))).Error())
	case spec.KindWindow:
		w := op.Window
		key := g.goType(o.in.Key)
		switch w.Func {
		case spec.WindowAggregate:
			acc := g.goType(w.Accumulator)
			out := g.goType(w.Output)
			doc = fmt.Sprintf("%s is the user code of the window operator %s (%s): it folds the values of type %s of each key and window of stream %s into an accumulator of type %s and turns it into a value of type %s when the window fires.", o.iface, op.Name, opKindText(op), inName, o.in.Name, describeRef(w.Accumulator), describeRef(w.Output))
			method("CreateAccumulator returns the accumulator of a new window.", jen.Id("CreateAccumulator").Params().Add(acc.Clone()))
			method("Add folds v into acc and returns the new accumulator.", jen.Id("Add").Params(jen.Id("v").Add(in), jen.Id("acc").Add(acc.Clone())).Add(acc.Clone()))
			method("Merge combines the accumulators of two windows (session windows that a record joins merge).", jen.Id("Merge").Params(jen.List(jen.Id("a"), jen.Id("b")).Add(acc.Clone())).Add(acc.Clone()))
			method("Result returns the output of window w of key: each time the window fires (at its end, and again for every late record within the allowed lateness).",
				jen.Id("Result").Params(jen.Id("key").Add(key), jen.Id("w").Add(rtQual("Window")), jen.Id("acc").Add(acc.Clone())).Params(out, jen.Error()))
		case spec.WindowReduce:
			doc = fmt.Sprintf("%s is the user code of the window operator %s (%s): it combines the values of type %s of each key and window of stream %s into one, emitted when the window fires.", o.iface, op.Name, opKindText(op), inName, o.in.Name)
			method("Reduce combines two values into one.", jen.Id("Reduce").Params(jen.List(jen.Id("a"), jen.Id("b")).Add(in)).Params(in.Clone(), jen.Error()))
		case spec.WindowProcess:
			out := g.goType(w.Output)
			doc = fmt.Sprintf("%s is the user code of the window operator %s (%s): it sees every value of type %s of a key's window of stream %s at once when the window fires, and emits values of type %s.", o.iface, op.Name, opKindText(op), inName, o.in.Name, describeRef(w.Output))
			method("Process emits the outputs of window w of key, whose records are elems in arrival order.",
				jen.Id("Process").Params(ctxParam(), jen.Id("key").Add(key), jen.Id("w").Add(rtQual("Window")), jen.Id("elems").Index().Add(in), jen.Id("out").Add(emitterOf(out))).Error())
		}
	case spec.KindJoin:
		out := outputRef(op)
		right := g.goType(o.right.Type)
		if w := op.Join.Within; w != nil {
			doc = fmt.Sprintf("%s is the user code of the join operator %s (%s): it joins each value of type %s of stream %s with every value of type %s of stream %s for the same key whose event time is from %s before to %s after its own, into a value of type %s.", o.iface, op.Name, opKindText(op), inName, o.in.Name, describeRef(o.right.Type), o.right.Name, shortDur(w.Before), shortDur(w.After), describeRef(out))
			if op.Join.Type == spec.JoinLeft {
				method("Join returns the output for a pair: left and a value of stream "+o.right.Name+" in its interval, once per such value; or, with right nil, once for a left value whose interval passed without one. An error fails the task.",
					jen.Id("Join").Params(ctxParam(), jen.Id("left").Add(in), jen.Id("right").Op("*").Add(right)).Params(g.goType(out), jen.Error()))
			} else {
				method("Join returns the output for a pair: left and a value of stream "+o.right.Name+" in its interval, once per such value. An error fails the task.",
					jen.Id("Join").Params(ctxParam(), jen.Id("left").Add(in), jen.Id("right").Add(right)).Params(g.goType(out), jen.Error()))
			}
			break
		}
		doc = fmt.Sprintf("%s is the user code of the join operator %s (%s): it joins each value of type %s of stream %s with the value of type %s of stream %s for the same key in force at the left value's event time, into a value of type %s. It runs once the watermark passes the left value's event time.", o.iface, op.Name, opKindText(op), inName, o.in.Name, describeRef(o.right.Type), o.right.Name, describeRef(out))
		if op.Join.Type == spec.JoinLeft {
			method("Join returns the output for left and right, the last value of stream "+o.right.Name+" for the key at or before left's event time, or nil when there is none. An error fails the task.",
				jen.Id("Join").Params(ctxParam(), jen.Id("left").Add(in), jen.Id("right").Op("*").Add(right)).Params(g.goType(out), jen.Error()))
		} else {
			method("Join returns the output for left and right, the last value of stream "+o.right.Name+" for the key at or before left's event time. A left value with none is dropped without a call. An error fails the task.",
				jen.Id("Join").Params(ctxParam(), jen.Id("left").Add(in), jen.Id("right").Add(right)).Params(g.goType(out), jen.Error()))
		}
	case spec.KindProcess:
		pr := op.Process
		out := g.goType(outputRef(op))
		doc = fmt.Sprintf("%s is the user code of the process operator %s: a keyed process function over stream %s (%s keyed by %s) that emits values of type %s", o.iface, op.Name, o.in.Name, inName, describeRef(o.in.Key), describeRef(outputRef(op)))
		var extras []string
		if len(pr.State) > 0 {
			extras = append(extras, "keeps keyed state")
		}
		if pr.Timers {
			extras = append(extras, "sets timers")
		}
		if len(pr.SideOutputs) > 0 {
			extras = append(extras, "writes side outputs")
		}
		if len(extras) > 0 {
			doc += ", " + joinAnd(extras)
		}
		gives := []string{"the key"}
		if len(pr.State) > 0 {
			gives = append(gives, "the state")
		}
		if len(pr.SideOutputs) > 0 {
			gives = append(gives, "the side outputs")
		}
		doc += fmt.Sprintf(". %s gives it %s.", o.ctx, joinAnd(gives))
		cp := jen.Id("c").Op("*").Id(o.ctx)
		method("ProcessElement handles one record; c.Key() is its key.",
			jen.Id("ProcessElement").Params(cp.Clone(), jen.Id("v").Add(in), jen.Id("out").Add(emitterOf(out.Clone()))).Error())
		if pr.Timers {
			method("OnTimer runs when a timer set with c.RegisterEventTimer or c.RegisterProcessingTimer fires; c.Key() is the timer's key, c.Timestamp() its time.",
				jen.Id("OnTimer").Params(cp.Clone(), jen.Id("tm").Add(rtQual("Timer")), jen.Id("out").Add(emitterOf(out.Clone()))).Error())
		}
		for i, st := range pr.State {
			if st.Kind == spec.StateReducing {
				v := g.goType(st.Value)
				method(fmt.Sprintf("Reduce%s folds the values added to the reducing state %s.", o.stateField[i], st.Name),
					jen.Id("Reduce"+o.stateField[i]).Params(jen.List(jen.Id("a"), jen.Id("b")).Add(v)).Params(v.Clone(), jen.Error()))
			}
		}
	}
	f.Comment(comment(doc))
	f.Type().Id(o.iface).Interface(methods...)
	f.Line()
}

// joinAnd joins words as prose: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// stateHandleType is the runtime type of a process state handle.
func (g *plGen) stateHandleType(st *spec.State) *jen.Statement {
	v := g.goType(st.Value)
	switch st.Kind {
	case spec.StateMap:
		return jen.Op("*").Add(rtQual("MapState")).Types(g.goType(st.Key), v)
	case spec.StateList:
		return jen.Op("*").Add(rtQual("ListState")).Types(v)
	case spec.StateReducing:
		return jen.Op("*").Add(rtQual("ReducingState")).Types(v)
	}
	return jen.Op("*").Add(rtQual("ValueState")).Types(v)
}

// stateText describes a state for comments.
func stateText(st *spec.State) string {
	var s string
	switch st.Kind {
	case spec.StateMap:
		s = fmt.Sprintf("the map state %s (%s to %s)", st.Name, describeRef(st.Key), describeRef(st.Value))
	case spec.StateList:
		s = fmt.Sprintf("the list state %s (of %s)", st.Name, describeRef(st.Value))
	case spec.StateReducing:
		s = fmt.Sprintf("the reducing state %s (%s)", st.Name, describeRef(st.Value))
	default:
		s = fmt.Sprintf("the value state %s (%s)", st.Name, describeRef(st.Value))
	}
	if st.TTL > 0 {
		s += fmt.Sprintf("; an entry expires %s of processing time after its last write", shortDur(st.TTL))
	}
	return s
}

// keyCodecOf is the codec of an operator's input key.
func (g *plGen) keyCodecOf(o *plOp) *jen.Statement {
	return g.codec(o.in.Key, "operators."+o.op.Name+".input")
}

func (g *plGen) emitProcessContext(f *jen.File, o *plOp) {
	op := o.op
	pr := op.Process
	key := g.goType(o.in.Key)
	var stateFields []jen.Code
	for i, st := range pr.State {
		stateFields = append(stateFields, jen.Comment(comment(fmt.Sprintf("%s is %s.", o.stateField[i], stateText(st)))), jen.Id(o.stateField[i]).Add(g.stateHandleType(st)))
	}
	f.Comment(comment(fmt.Sprintf("%s is the keyed state of the process operator %s. Each handle acts on the current key: pass it the runtime context (c.Context).", o.state, op.Name)))
	f.Type().Id(o.state).Struct(stateFields...)
	f.Line()

	fields := []jen.Code{
		jen.Op("*").Add(rtQual("Context")),
		jen.Comment(comment(fmt.Sprintf("State holds the keyed state of %s.", op.Name))),
		jen.Id("State").Id(o.state),
		jen.Line(),
		jen.Id("key").Add(key.Clone()),
		jen.Id("hasKey").Bool(),
	}
	for i, so := range pr.SideOutputs {
		fields = append(fields, jen.Id(o.sideTag[i]).Add(rtQual("OutputTag")).Types(g.goType(so.Type)))
	}
	f.Comment(comment(fmt.Sprintf("%s is what the functions of the process operator %s get: the runtime context (event time, watermark, processing time, timers), the current key as a %s, the keyed state, and one Emit method per side output. It is only valid during the call.", o.ctx, op.Name, describeRef(o.in.Key))))
	f.Type().Id(o.ctx).Struct(fields...)
	f.Line()

	f.Comment(comment("Key returns the current key: the record's, or the timer's in OnTimer."))
	f.Func().Params(jen.Id("c").Op("*").Id(o.ctx)).Id("Key").Params().Add(key.Clone()).Block(
		jen.If(jen.Op("!").Id("c").Dot("hasKey")).Block(
			jen.Comment("The key was encoded with this codec by the upstream key_by, so it decodes."),
			jen.List(jen.Id("c").Dot("key"), jen.Id("_")).Op("=").Add(g.keyCodecOf(o)).Dot("Decode").Call(jen.Id("c").Dot("Context").Dot("Key").Call()),
			jen.Id("c").Dot("hasKey").Op("=").True(),
		),
		jen.Return(jen.Id("c").Dot("key")),
	)
	f.Line()
	for i, so := range pr.SideOutputs {
		f.Comment(comment(fmt.Sprintf("%s sends v to the side output %s (stream %s.%s), with the current key and event time.", o.sideEmit[i], so.Name, op.Name, so.Name)))
		f.Func().Params(jen.Id("c").Op("*").Id(o.ctx)).Id(o.sideEmit[i]).Params(jen.Id("v").Add(g.goType(so.Type))).Error().Block(
			jen.Return(jen.Id("c").Dot(o.sideTag[i]).Dot("Emit").Call(jen.Id("c").Dot("Context"), jen.Id("v"))),
		)
		f.Line()
	}
}
