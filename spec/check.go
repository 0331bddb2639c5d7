package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/streamgen/streamgen/schema"
)

// Check resolves every type name of the spec against set (which may be nil
// when the spec names no schema type), every field path against the types,
// and every input against the streams, and validates the pipeline graph:
// keyed-ness, union types, cycles, unread streams, duplicate names, event
// time fields, key fields, and whether each sink's format and type can
// hold what flows into it. It returns every problem at once as a
// schema.ErrorList in source order, each naming file:line:col and a path
// such as "operators.views.window.aggregate.output".
//
// After a successful Check, Streams lists every stream, Operators is in
// topological order, and the resolved fields (TypeRef.Schema,
// FieldRef.Fields, Operator.Out, Sink.Stream, ...) are set. Check may be
// called again; it starts over. It expects a spec that Parse accepted
// (every operator has the struct of its kind).
func (s *Spec) Check(set *schema.Schema) error {
	c := &checker{s: s, set: set, streams: map[string]*Stream{}}
	c.run()
	if len(c.errs) > 0 {
		sortErrors(c.errs)
		return c.errs
	}
	return nil
}

type checker struct {
	s       *Spec
	set     *schema.Schema
	errs    schema.ErrorList
	streams map[string]*Stream
	// bad holds streams whose type or key is unknown because of an earlier
	// error; checks that would only repeat that error skip them.
	bad map[*Stream]bool
}

func (c *checker) errorf(pos schema.Pos, path, format string, args ...any) {
	c.errs = append(c.errs, &schema.Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) run() {
	s := c.s
	s.streams, s.streamByID = nil, nil
	c.bad = map[*Stream]bool{}
	if s.Version != Version1 {
		c.errorf(s.Pos, "version", "unknown version %d: this streamgen reads version %d", s.Version, Version1)
	}
	c.checkNames()
	c.resolveTypes()
	for _, src := range s.Sources {
		c.checkSource(src)
	}
	ops := c.sortOperators()
	for _, op := range ops {
		c.checkOperator(op)
	}
	s.Operators = ops
	for _, sk := range s.Sinks {
		c.checkSink(sk)
	}
	c.collectStreams()
}

// entity is a named thing of the spec, for duplicate detection.
type entity struct {
	what string // "source", "operator", "sink", "late output of operators.x"
	path string
	pos  schema.Pos
}

func (c *checker) checkNames() {
	seen := map[string]entity{}
	add := func(name string, e entity) {
		if prev, dup := seen[name]; dup {
			c.errorf(e.pos, e.path, "duplicate name %q: already the name of the %s at %s; sources, operators, sinks and late outputs share one namespace", name, prev.what, prev.pos)
			return
		}
		seen[name] = e
	}
	for _, src := range c.s.Sources {
		add(src.Name, entity{"source " + src.Name, "sources." + src.Name, src.Pos})
	}
	for _, op := range c.s.Operators {
		add(op.Name, entity{"operator " + op.Name, "operators." + op.Name, op.Pos})
		if op.Window != nil && op.Window.LateOutput != "" {
			add(op.Window.LateOutput, entity{"late output of operator " + op.Name, "operators." + op.Name + ".window.late_output", op.Window.LateOutputPos})
		}
	}
	for _, sk := range c.s.Sinks {
		add(sk.Name, entity{"sink " + sk.Name, "sinks." + sk.Name, sk.Pos})
	}
}

// resolveTypes looks up every type name.
func (c *checker) resolveTypes() {
	s := c.s
	for _, src := range s.Sources {
		p := "sources." + src.Name
		c.resolveSerde(&src.Key, p+".key")
		c.resolveSerde(&src.Value, p+".value")
	}
	for _, op := range s.Operators {
		p := "operators." + op.Name
		switch op.Kind {
		case KindMap, KindFlatMap:
			c.resolve(op.Output, p+"."+string(op.Kind)+".output")
		case KindJoin:
			c.resolve(op.Output, p+".join.output")
		case KindProcess:
			c.resolve(op.Output, p+".process.output")
			for _, st := range op.Process.State {
				sp := p + ".process.state." + st.Name
				if st.Kind == StateMap {
					if c.resolve(st.Key, sp+".map.key") {
						if reason := keyableRef(st.Key); reason != "" {
							c.errorf(st.Key.Pos, sp+".map.key", "%s cannot be a map state key: %s (map keys can be string, bytes, int32, int64 or a schema enum, fixed or uuid)", st.Key.Name, reason)
						}
					}
					c.resolve(st.Value, sp+".map.value")
				} else {
					c.resolve(st.Value, sp+"."+string(st.Kind))
				}
			}
			for _, so := range op.Process.SideOutputs {
				c.resolve(so.Type, p+".process.side_outputs."+so.Name)
			}
		case KindWindow:
			w := op.Window
			fp := p + ".window." + string(w.Func)
			c.resolve(w.Accumulator, fp+".accumulator")
			if w.Func != WindowReduce {
				c.resolve(w.Output, fp+".output")
			}
		}
	}
	for _, sk := range s.Sinks {
		p := "sinks." + sk.Name
		c.resolveSerde(&sk.Key, p+".key")
		c.resolveSerde(&sk.Value, p+".value")
	}
}

// resolve looks r up (builtins need no look-up) and reports an unknown
// name. It reports whether r is resolved.
func (c *checker) resolve(r *TypeRef, path string) bool {
	if r == nil {
		return false
	}
	if r.Builtin != "" {
		return true
	}
	r.Schema = nil
	if c.set != nil {
		if t, ok := c.set.Lookup(r.Name); ok {
			r.Schema = t
			return true
		}
	}
	msg := fmt.Sprintf("unknown type %q", r.Name)
	if sug := c.suggestType(r.Name); sug != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", sug)
	} else if c.set == nil || len(c.set.Named) == 0 {
		msg += ": the spec's schemas define no named types"
	}
	c.errorf(r.Pos, path, "%s", msg)
	return false
}

func (c *checker) suggestType(name string) string {
	if c.set == nil {
		return ""
	}
	var full []string
	var bySimple []string
	for _, t := range c.set.Named {
		f := t.Name.Full()
		full = append(full, f)
		if t.Name.Name == name || strings.EqualFold(t.Name.Name, schema.ParseFullName(name).Name) {
			bySimple = append(bySimple, f)
		}
	}
	if s := suggest(name, full); s != "" {
		return s
	}
	if len(bySimple) == 1 {
		return bySimple[0]
	}
	return ""
}

// resolveSerde resolves the type of a key or value format and checks that
// it matches the format's schema language.
func (c *checker) resolveSerde(sd *Serde, path string) {
	switch sd.Format {
	case FormatString:
		sd.Type = &TypeRef{Name: BuiltinString, Builtin: BuiltinString, Pos: sd.Pos}
		return
	case FormatBytes:
		sd.Type = &TypeRef{Name: BuiltinBytes, Builtin: BuiltinBytes, Pos: sd.Pos}
		return
	case FormatNone, "":
		sd.Type = nil
		return
	}
	if !c.resolve(sd.Type, path+".type") {
		return
	}
	t := sd.Type.Schema
	switch {
	case sd.Format.IsAvro() && t.Origin != schema.FromAvro:
		c.errorf(sd.Type.Pos, path+".type", "format %s needs an Avro type, but %s is a JSON Schema type; use format json", sd.Format, sd.Type.Name)
	case sd.Format == FormatJSON && t.Origin != schema.FromJSONSchema:
		c.errorf(sd.Type.Pos, path+".type", "format json needs a JSON Schema type, but %s is an Avro type; use an Avro format", sd.Type.Name)
	}
}

func (c *checker) checkSource(src *Source) {
	st := &Stream{Name: src.Name, Kind: StreamSource, Type: src.Value.Type, Producer: src.Name, Pos: src.Pos}
	if st.Type == nil || (st.Type.Builtin == "" && st.Type.Schema == nil) {
		c.bad[st] = true
	}
	c.streams[src.Name] = st
	if f := src.PartitionedBy; f != nil && !c.bad[st] {
		fp := "sources." + src.Name + ".partitioned_by"
		if f.IsValue() {
			if reason := keyableRef(st.Type); reason != "" {
				c.errorf(f.Pos, fp, "source %q carries %s, which cannot be a key: %s (%s)", src.Name, describeRef(st.Type), reason, keyTypes)
			} else {
				f.Type = st.Type
				st.PartitionedBy = f.Path
			}
		} else if t := c.resolvePath(f, st, fp); t != nil {
			if reason := keyableReason(t); reason != "" {
				c.errorf(f.Pos, fp, "field %s has type %s, which cannot be a key: %s (%s)", f.Path, describeType(t), reason, keyTypes)
			} else {
				st.PartitionedBy = f.Path
			}
		}
	}
	if src.ObjectReuse && !c.bad[st] {
		rp := "sources." + src.Name + ".object_reuse"
		switch {
		case !src.Value.Format.IsAvro():
			c.errorf(src.ObjectReusePos, rp, "object_reuse needs Avro record values, and this source reads format %s: it reuses a decoded record's slices and maps", src.Value.Format)
		case st.Type.Schema == nil || st.Type.Schema.Kind != schema.Record:
			c.errorf(src.ObjectReusePos, rp, "object_reuse needs Avro record values, and this source reads %s: it reuses a decoded record's slices and maps", describeRef(st.Type))
		}
	}
	if f := src.EventTime.Field; f != nil && !c.bad[st] {
		fp := "sources." + src.Name + ".event_time.field"
		if t := c.resolvePath(f, st, fp); t != nil {
			if reason := eventTimeReason(t); reason != "" {
				c.errorf(f.Pos, fp, "field %s %s", f.Path, reason)
			}
		}
	}
}

// resolvePath resolves a field path in the value type of st. It returns the
// type at the end, or nil after reporting.
func (c *checker) resolvePath(f *FieldRef, st *Stream, path string) *schema.Type {
	f.Fields, f.Type = nil, nil
	cur := st.Type
	if cur.Builtin != "" || cur.Schema == nil || cur.Schema.Kind != schema.Record {
		c.errorf(f.Pos, path, "a field path needs a record, but stream %q carries %s", st.Name, describeRef(cur))
		return nil
	}
	t := cur.Schema
	parts := strings.Split(f.Path, ".")
	var fields []*schema.Field
	for i, part := range parts {
		if t.Kind != schema.Record {
			prefix := strings.Join(parts[:i], ".")
			if inner, _, ok := t.NonNull(); ok && inner.Kind == schema.Record {
				c.errorf(f.Pos, path, "field %s is nullable: a field path cannot go through a nullable record", prefix)
			} else {
				c.errorf(f.Pos, path, "field %s has type %s, which has no fields", prefix, describeType(t))
			}
			return nil
		}
		fld := fieldByName(t, part)
		if fld == nil {
			names := make([]string, len(t.Fields))
			for j, x := range t.Fields {
				names[j] = x.Name
			}
			msg := fmt.Sprintf("unknown field %q in %s", part, describeType(t))
			if sug := suggest(part, names); sug != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", sug)
			} else if len(names) > 0 {
				msg += " (fields: " + strings.Join(names, ", ") + ")"
			}
			c.errorf(f.Pos, path, "%s", msg)
			return nil
		}
		fields = append(fields, fld)
		t = fld.Type
	}
	f.Fields = fields
	f.Type = typeRefOf(t, f.Pos)
	return t
}

func fieldByName(t *schema.Type, name string) *schema.Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// eventTimeReason says why t cannot carry event time, or "".
func eventTimeReason(t *schema.Type) string {
	if _, _, ok := t.NonNull(); ok {
		return "is nullable: event time needs a timestamp on every record"
	}
	if t.Logical != nil {
		switch t.Logical.Name {
		case schema.LogicalTimestampMillis, schema.LogicalTimestampMicros, schema.LogicalTimestampNanos, schema.LogicalDate:
			return ""
		case schema.LogicalLocalTimestampMillis, schema.LogicalLocalTimestampMicros, schema.LogicalLocalTimestampNanos:
			return fmt.Sprintf("has type %s, a local time with no time zone, which cannot be event time", describeType(t))
		}
	}
	if f := jsonFormat(t); f == "date-time" || f == "date" {
		return ""
	}
	return fmt.Sprintf("has type %s, which is not a timestamp: event time needs a timestamp-millis, timestamp-micros, timestamp-nanos or date field (or a JSON string of format date-time)", describeType(t))
}

// keyTypes says what can be a key, for messages.
const keyTypes = "keys can be string, int, long, enum, fixed, bytes or uuid"

// jsonFormat returns the format of a JSON Schema string that the generator
// gives its own Go type (date-time and date: time.Time; uuid: a UUID), or
// "".
func jsonFormat(t *schema.Type) string {
	if t.Origin != schema.FromJSONSchema || t.Kind != schema.String || t.Constraints == nil {
		return ""
	}
	switch f := t.Constraints.Format; f {
	case "date-time", "date", "uuid":
		return f
	}
	return ""
}

// isRawJSON reports whether t is a JSON Schema value held as raw JSON text
// (Kind Bytes from JSON Schema).
func isRawJSON(t *schema.Type) bool {
	return t.Origin == schema.FromJSONSchema && t.Kind == schema.Bytes
}

// keyableReason says why t cannot be a key, or "".
func keyableReason(t *schema.Type) string {
	switch f := jsonFormat(t); {
	case f == "date-time" || f == "date":
		return "a " + f + " string is not a key type"
	case isRawJSON(t):
		return "a free-form JSON value is not a key type"
	}
	if t.Logical != nil {
		if t.Logical.Name == schema.LogicalUUID {
			return ""
		}
		return "logical type " + t.Logical.Name + " is not a key type"
	}
	switch t.Kind {
	case schema.String, schema.Int, schema.Long, schema.Bytes, schema.Enum, schema.Fixed:
		return ""
	case schema.Union:
		if _, _, ok := t.NonNull(); ok {
			return "it is nullable, and a null has no key to group by"
		}
		return "unions are not key types"
	case schema.Float, schema.Double:
		return "floating-point numbers have no exact equality (0 and -0, NaN)"
	case schema.Array, schema.Map:
		return t.Kind.String() + "s are not key types"
	}
	return t.Kind.String() + " is not a key type"
}

// keyableRef is keyableReason for a TypeRef.
func keyableRef(r *TypeRef) string {
	switch r.Builtin {
	case BuiltinString, BuiltinBytes, BuiltinInt32, BuiltinInt64:
		return ""
	case BuiltinFloat32, BuiltinFloat64:
		return "floating-point numbers have no exact equality (0 and -0, NaN)"
	case BuiltinBool:
		return "bool is not a key type"
	}
	if r.Schema == nil {
		return ""
	}
	return keyableReason(r.Schema)
}

// typeRefOf makes a TypeRef for a schema type found at the end of a field
// path.
func typeRefOf(t *schema.Type, pos schema.Pos) *TypeRef {
	r := &TypeRef{Schema: t, Pos: pos}
	if t.Kind.IsNamed() {
		r.Name = t.Name.Full()
		return r
	}
	if t.Logical == nil && jsonFormat(t) == "" && !isRawJSON(t) {
		switch t.Kind {
		case schema.String:
			r.Builtin = BuiltinString
		case schema.Bytes:
			r.Builtin = BuiltinBytes
		case schema.Int:
			r.Builtin = BuiltinInt32
		case schema.Long:
			r.Builtin = BuiltinInt64
		case schema.Float:
			r.Builtin = BuiltinFloat32
		case schema.Double:
			r.Builtin = BuiltinFloat64
		case schema.Boolean:
			r.Builtin = BuiltinBool
		}
	}
	if r.Builtin != "" {
		r.Name = r.Builtin
	} else {
		r.Name = shortType(t)
	}
	return r
}

// shortType is a compact type expression: "long(timestamp-millis)",
// "array<string>", "union<null,string>".
func shortType(t *schema.Type) string {
	if t == nil {
		return "?"
	}
	if t.Kind.IsNamed() {
		return t.Name.Full()
	}
	var s string
	switch t.Kind {
	case schema.Array:
		s = "array<" + shortType(t.Items) + ">"
	case schema.Map:
		s = "map<" + shortType(t.Values) + ">"
	case schema.Union:
		parts := make([]string, len(t.Branches))
		for i, b := range t.Branches {
			parts[i] = shortType(b)
		}
		s = "union<" + strings.Join(parts, ",") + ">"
	default:
		s = t.Kind.String()
		if isRawJSON(t) {
			s = "json"
		}
	}
	if t.Logical != nil {
		s += "(" + t.Logical.Name + ")"
	} else if f := jsonFormat(t); f != "" {
		s += "(" + f + ")"
	}
	return s
}

// describeType names a schema type for messages: "record com.acme.Click",
// "long(timestamp-millis)".
func describeType(t *schema.Type) string {
	if t != nil && t.Kind.IsNamed() {
		return t.Kind.String() + " " + t.Name.Full()
	}
	return shortType(t)
}

// describeRef names a TypeRef for messages.
func describeRef(r *TypeRef) string {
	switch {
	case r == nil:
		return "nothing"
	case r.Builtin != "":
		return r.Builtin
	case r.Schema != nil:
		return describeType(r.Schema)
	}
	return r.Name
}

// producer is what emits a stream name before Check has built the stream.
type producer struct {
	op   *Operator // nil for sources
	kind StreamKind
}

// streamProducers maps every stream name to what produces it.
func (c *checker) streamProducers() map[string]producer {
	m := map[string]producer{}
	for _, src := range c.s.Sources {
		m[src.Name] = producer{kind: StreamSource}
	}
	for _, op := range c.s.Operators {
		if _, dup := m[op.Name]; !dup {
			m[op.Name] = producer{op: op, kind: StreamMain}
		}
		if op.Process != nil {
			for _, so := range op.Process.SideOutputs {
				m[op.Name+"."+so.Name] = producer{op: op, kind: StreamSide}
			}
		}
		if op.Window != nil && op.Window.LateOutput != "" {
			if _, dup := m[op.Window.LateOutput]; !dup {
				m[op.Window.LateOutput] = producer{op: op, kind: StreamLate}
			}
		}
	}
	return m
}

// sortOperators reports inputs that name no stream and cycles, and
// returns the operators in topological order (file order among equals);
// operators on a cycle come last, in file order.
func (c *checker) sortOperators() []*Operator {
	ops := c.s.Operators
	prods := c.streamProducers()
	names := make([]string, 0, len(prods))
	for n := range prods {
		names = append(names, n)
	}
	sort.Strings(names)
	index := map[*Operator]int{}
	for i, op := range ops {
		index[op] = i
	}
	deps := make([][]int, len(ops)) // deps[i]: operators i reads from
	users := make([][]int, len(ops))
	for i, op := range ops {
		for j, in := range op.Inputs {
			path := inputPath(op, j)
			pr, ok := prods[in]
			if !ok {
				c.unknownStream(in, op.InputPos[j], path, names)
				continue
			}
			if pr.op != nil {
				d := index[pr.op]
				deps[i] = append(deps[i], d)
				users[d] = append(users[d], i)
			}
		}
	}
	// Kahn's algorithm, always taking the earliest ready operator.
	pending := make([]int, len(ops))
	for i := range ops {
		pending[i] = len(deps[i])
	}
	done := make([]bool, len(ops))
	var order []*Operator
	for {
		next := -1
		for i := range ops {
			if !done[i] && pending[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		done[next] = true
		order = append(order, ops[next])
		for _, u := range users[next] {
			pending[u]--
		}
	}
	if len(order) == len(ops) {
		return order
	}
	// What is left is on a cycle or downstream of one. Report each cycle
	// once, starting at its first operator in file order.
	reported := make([]bool, len(ops))
	for i := range ops {
		if done[i] || reported[i] {
			continue
		}
		cyc := findCycle(i, deps, done)
		if cyc == nil || reported[cyc[0]] {
			continue
		}
		for _, j := range cyc {
			reported[j] = true
		}
		first := 0
		for k, j := range cyc {
			if j < cyc[first] {
				first = k
			}
		}
		cyc = append(cyc[first:], cyc[:first]...)
		parts := make([]string, 0, len(cyc)+1)
		for _, j := range cyc {
			parts = append(parts, ops[j].Name)
		}
		parts = append(parts, ops[cyc[0]].Name)
		start := ops[cyc[0]]
		c.errorf(start.Pos, "operators."+start.Name, "cycle: %s; a pipeline must not feed an operator's output back into it", strings.Join(parts, " -> "))
	}
	for i, op := range ops {
		if !done[i] {
			order = append(order, op)
		}
	}
	return order
}

// findCycle returns a cycle among the operators not yet sorted, in the
// direction of the data flow, found by walking inputs from start. The
// cycle need not contain start: start may only hang below it.
func findCycle(start int, deps [][]int, done []bool) []int {
	// Walk inputs (deps) from start until a node repeats: every unsorted
	// node has at least one unsorted input, so the walk must repeat.
	pos := map[int]int{}
	var walk []int
	cur := start
	for {
		if k, seen := pos[cur]; seen {
			cyc := walk[k:]
			// walk follows inputs backwards; reverse to data-flow order.
			out := make([]int, len(cyc))
			for i, j := range cyc {
				out[len(cyc)-1-i] = j
			}
			return out
		}
		pos[cur] = len(walk)
		walk = append(walk, cur)
		next := -1
		for _, d := range deps[cur] {
			if !done[d] {
				next = d
				break
			}
		}
		if next < 0 {
			return nil
		}
		cur = next
	}
}

func (c *checker) unknownStream(name string, pos schema.Pos, path string, streams []string) {
	if _, ok := c.s.Sink(name); ok {
		c.errorf(pos, path, "%q is a sink, not a stream: a sink writes to Kafka and produces nothing to read", name)
		return
	}
	msg := fmt.Sprintf("input %q names no stream", name)
	if sug := suggest(name, streams); sug != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", sug)
	} else if i := strings.IndexByte(name, '.'); i > 0 {
		if op, ok := c.s.Operator(name[:i]); ok {
			if op.Kind != KindProcess {
				msg += fmt.Sprintf(": operator %s is a %s, and only process operators have side outputs", op.Name, op.Kind)
			} else {
				msg += fmt.Sprintf(": operator %s has no side output %q", op.Name, name[i+1:])
			}
		}
	}
	c.errorf(pos, path, "%s", msg)
}

// input returns the stream op reads at index i and whether its type and
// key are known.
func (c *checker) input(op *Operator, i int) (*Stream, bool) {
	if i >= len(op.Inputs) {
		return nil, false
	}
	st, ok := c.streams[op.Inputs[i]]
	if !ok {
		return nil, false
	}
	return st, !c.bad[st]
}

func inputPath(op *Operator, i int) string {
	switch op.Kind {
	case KindUnion:
		return fmt.Sprintf("operators.%s.union[%d]", op.Name, i)
	case KindJoin:
		return "operators." + op.Name + ".join." + [2]string{"left", "right"}[i]
	}
	return "operators." + op.Name + ".input"
}

func (c *checker) addStream(st *Stream, bad bool) *Stream {
	if _, dup := c.streams[st.Name]; dup {
		// A duplicate name, already reported.
		return st
	}
	c.streams[st.Name] = st
	if bad || st.Type == nil {
		c.bad[st] = true
	}
	return st
}

func (c *checker) checkOperator(op *Operator) {
	path := "operators." + op.Name
	in, ok := c.input(op, 0)
	var inType, inKey *TypeRef
	if in != nil {
		inType, inKey = in.Type, in.Key
	}
	main := &Stream{Name: op.Name, Kind: StreamMain, Producer: op.Name, Pos: op.Pos}
	if in != nil {
		main.Repartitioned = in.Repartitioned
	}
	op.Repartition = false
	bad := !ok
	switch op.Kind {
	case KindKeyBy:
		main.Type = inType
		if op.KeyBy != nil && in != nil {
			// The key_by keys in place when its input is already partitioned
			// by the same path; otherwise the stream goes through a
			// repartition topic, hashed by the new key.
			main.PartitionedBy = op.KeyBy.Path
			op.Repartition = in.PartitionedBy != op.KeyBy.Path
			if op.Repartition {
				main.Repartitioned = true
			}
		}
		if !ok || op.KeyBy == nil {
			bad = true
			break
		}
		kp := path + ".key_by"
		if op.KeyBy.IsValue() {
			if reason := keyableRef(inType); reason != "" {
				c.errorf(op.KeyBy.Pos, kp, "stream %q carries %s, which cannot be a key: %s (%s)", in.Name, describeRef(inType), reason, keyTypes)
				bad = true
				break
			}
			op.KeyBy.Type = inType
			main.Key = inType
			break
		}
		t := c.resolvePath(op.KeyBy, in, kp)
		if t == nil {
			bad = true
			break
		}
		if reason := keyableReason(t); reason != "" {
			c.errorf(op.KeyBy.Pos, kp, "field %s has type %s, which cannot be a key: %s (%s)", op.KeyBy.Path, describeType(t), reason, keyTypes)
			bad = true
			break
		}
		main.Key = op.KeyBy.Type
	case KindMap, KindFlatMap, KindFilter:
		if op.Kind != KindFilter && op.Output != nil {
			if op.Output.Builtin == "" && op.Output.Schema == nil {
				bad = true
			}
		} else if op.Kind != KindFilter {
			op.Output = inType
		}
		main.Type = inType
		if op.Kind != KindFilter {
			main.Type = op.Output
		} else if in != nil {
			main.PartitionedBy = in.PartitionedBy
		}
		main.Key = inKey
	case KindWindow:
		w := op.Window
		if ok && inKey == nil {
			c.errorf(op.InputPos[0], path+".input", "a window needs a keyed stream, but %q is not keyed: put a key_by operator before it", in.Name)
		}
		main.Key = inKey
		switch w.Func {
		case WindowReduce:
			w.Output = inType
		case WindowAggregate:
			if w.Accumulator == nil || (w.Accumulator.Builtin == "" && w.Accumulator.Schema == nil) {
				bad = true
			}
		}
		main.Type = w.Output
		if w.Output != nil && w.Output.Builtin == "" && w.Output.Schema == nil {
			bad = true
		}
		c.addStream(main, bad || inKey == nil)
		if w.LateOutput != "" {
			late := &Stream{Name: w.LateOutput, Kind: StreamLate, Type: inType, Key: inKey, Producer: op.Name, Pos: w.LateOutputPos}
			if in != nil {
				late.PartitionedBy, late.Repartitioned = in.PartitionedBy, in.Repartitioned
			}
			c.addStream(late, !ok || inKey == nil)
		}
		op.Out = main
		return
	case KindProcess:
		if ok && inKey == nil {
			c.errorf(op.InputPos[0], path+".input", "a process function needs a keyed stream, but %q is not keyed: put a key_by operator before it", in.Name)
		}
		main.Type, main.Key = op.Output, inKey
		if op.Output != nil && op.Output.Builtin == "" && op.Output.Schema == nil {
			bad = true
		}
		c.addStream(main, bad || inKey == nil)
		for _, so := range op.Process.SideOutputs {
			known := so.Type.Builtin != "" || so.Type.Schema != nil
			c.addStream(&Stream{Name: op.Name + "." + so.Name, Kind: StreamSide, Type: so.Type, Key: inKey, Producer: op.Name, Pos: so.Pos, Repartitioned: main.Repartitioned}, !ok || inKey == nil || !known)
		}
		op.Out = main
		return
	case KindUnion:
		bad = c.checkUnion(op, main)
	case KindJoin:
		bad = c.checkJoin(op, main)
	}
	op.Out = c.addStream(main, bad)
}

// checkJoin checks that the two inputs of a join are keyed alike and
// partitioned alike, and fills in main: the output type, keyed by the
// inputs' key. It reports whether the output is unknown.
func (c *checker) checkJoin(op *Operator, main *Stream) bool {
	bad := op.Output == nil || (op.Output.Builtin == "" && op.Output.Schema == nil)
	main.Type = op.Output
	var sides [2]*Stream
	for i := range op.Inputs {
		st, ok := c.input(op, i)
		if !ok {
			bad = true
			continue
		}
		if st.Key == nil {
			c.errorf(op.InputPos[i], inputPath(op, i), "a join needs keyed inputs, but %q is not keyed: put a key_by operator before it", st.Name)
			bad = true
			continue
		}
		sides[i] = st
	}
	l, r := sides[0], sides[1]
	if l == nil || r == nil {
		return true
	}
	main.Key, main.Repartitioned = l.Key, l.Repartitioned
	p := inputPath(op, 1)
	switch {
	case !l.Key.Equal(r.Key):
		c.errorf(op.InputPos[1], p, "a join needs inputs keyed by one key type, but %q is keyed by %s and %q by %s", l.Name, describeRef(l.Key), r.Name, describeRef(r.Key))
		bad = true
	case l.Repartitioned != r.Repartitioned:
		shuffled, local := r, l
		if l.Repartitioned {
			shuffled, local = l, r
		}
		c.errorf(op.InputPos[1], p, "a join needs its inputs partitioned alike, but %q went through a repartition topic and %q is partitioned as its source was produced: key both sides with a repartitioning key_by (from a stream of unknown partitioning), or declare partitioned_by on both sources", shuffled.Name, local.Name)
		bad = true
	}
	return bad || main.Key == nil
}

// checkUnion checks that the inputs of a union agree on type and key and
// fills in main. It reports whether the output is unknown.
func (c *checker) checkUnion(op *Operator, main *Stream) bool {
	var first *Stream
	bad := false
	for i := range op.Inputs {
		st, ok := c.input(op, i)
		if !ok {
			bad = true
			continue
		}
		if first == nil {
			first = st
			main.Type, main.Key = st.Type, st.Key
			main.PartitionedBy, main.Repartitioned = st.PartitionedBy, st.Repartitioned
			continue
		}
		if st.PartitionedBy != main.PartitionedBy {
			main.PartitionedBy = ""
		}
		p := inputPath(op, i)
		if !st.Type.Equal(first.Type) {
			c.errorf(op.InputPos[i], p, "a union needs inputs of one type, but %q carries %s and %q carries %s", first.Name, describeRef(first.Type), st.Name, describeRef(st.Type))
			bad = true
			continue
		}
		switch {
		case (st.Key == nil) != (first.Key == nil):
			keyed, unkeyed := st, first
			if st.Key == nil {
				keyed, unkeyed = first, st
			}
			c.errorf(op.InputPos[i], p, "a union cannot mix keyed and unkeyed inputs: %q is keyed by %s, %q is not keyed", keyed.Name, describeRef(keyed.Key), unkeyed.Name)
			bad = true
		case st.Key != nil && !st.Key.Equal(first.Key):
			c.errorf(op.InputPos[i], p, "a union of keyed inputs needs one key type, but %q is keyed by %s and %q by %s", first.Name, describeRef(first.Key), st.Name, describeRef(st.Key))
			bad = true
		case st.Key != nil && st.Repartitioned != first.Repartitioned:
			shuffled, local := st, first
			if first.Repartitioned {
				shuffled, local = first, st
			}
			c.errorf(op.InputPos[i], p, "a union of keyed inputs needs them partitioned alike, but %q went through a repartition topic and %q is partitioned as its source was produced: key_by after the union instead", shuffled.Name, local.Name)
			bad = true
		}
	}
	return bad || first == nil
}

func (c *checker) checkSink(sk *Sink) {
	path := "sinks." + sk.Name
	st, ok := c.streams[sk.Input]
	if !ok {
		if sk.Input != "" {
			names := make([]string, 0, len(c.streams))
			for n := range c.streams {
				names = append(names, n)
			}
			sort.Strings(names)
			c.unknownStream(sk.Input, sk.InputPos, path+".input", names)
		}
		return
	}
	sk.Stream = st
	if c.bad[st] {
		return
	}
	// The value.
	if reason := c.fits(sk.Value, st.Type); reason != "" {
		at := sk.Value.Pos
		if sk.Value.Type != nil && sk.Value.Format.NeedsType() {
			at = sk.Value.Type.Pos
		}
		c.errorf(at, path+".value", "stream %q carries %s, %s", st.Name, describeRef(st.Type), reason)
	}
	// The key.
	key := sk.Key
	switch {
	case key.Format == FormatNone || key.Format == "":
	case key.Field != nil:
		fp := path + ".key.field"
		if t := c.resolvePath(key.Field, st, fp); t != nil {
			if reason := c.fits(key, key.Field.Type); reason != "" {
				c.errorf(key.Field.Pos, fp, "field %s has type %s, %s", key.Field.Path, describeType(t), reason)
			}
		}
	case st.Key == nil:
		c.errorf(key.Pos, path+".key", "stream %q is not keyed, so the key needs a field of the value (key: {format: %s, field: ...}) or format none", st.Name, key.Format)
	default:
		if reason := c.fits(key, st.Key); reason != "" {
			c.errorf(key.Pos, path+".key", "stream %q is keyed by %s, %s", st.Name, describeRef(st.Key), reason)
		}
	}
}

// fits says why sd cannot write values of type t, or "".
func (c *checker) fits(sd Serde, t *TypeRef) string {
	if t == nil {
		return ""
	}
	switch sd.Format {
	case FormatString:
		if t.Builtin != BuiltinString {
			return "which format string cannot write: it writes string values"
		}
		return ""
	case FormatBytes:
		if t.Builtin != BuiltinBytes {
			return "which format bytes cannot write: it writes bytes values"
		}
		return ""
	case FormatNone, "":
		return ""
	}
	if sd.Type == nil || sd.Type.Schema == nil {
		return "" // unknown type, already reported
	}
	if t.Equal(sd.Type) {
		return ""
	}
	if t.Schema == nil || (t.Builtin != "" && !t.Schema.Kind.IsNamed()) {
		return fmt.Sprintf("which %s (format %s) cannot hold", sd.Type.Name, sd.Format)
	}
	if t.Schema.Origin != sd.Type.Schema.Origin {
		return fmt.Sprintf("which %s (format %s) cannot hold: one is an Avro type, the other a JSON Schema type", sd.Type.Name, sd.Format)
	}
	incompat := schema.CanRead(sd.Type.Schema, t.Schema)
	if len(incompat) == 0 {
		return ""
	}
	parts := make([]string, 0, len(incompat))
	for i, x := range incompat {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(incompat)-3))
			break
		}
		parts = append(parts, x.String())
	}
	return fmt.Sprintf("which %s cannot read: %s", sd.Type.Name, strings.Join(parts, "; "))
}

// collectStreams fills in readers, reports unread streams and publishes
// the stream list.
func (c *checker) collectStreams() {
	s := c.s
	var list []*Stream
	addList := func(name string) {
		if st, ok := c.streams[name]; ok {
			st.Readers = nil
			list = append(list, st)
		}
	}
	for _, src := range s.Sources {
		addList(src.Name)
	}
	for _, op := range s.Operators {
		addList(op.Name)
		if op.Process != nil {
			for _, so := range op.Process.SideOutputs {
				addList(op.Name + "." + so.Name)
			}
		}
		if op.Window != nil && op.Window.LateOutput != "" {
			addList(op.Window.LateOutput)
		}
	}
	// A name can be listed twice only after a duplicate-name error.
	seen := map[*Stream]bool{}
	uniq := list[:0]
	for _, st := range list {
		if !seen[st] {
			seen[st] = true
			uniq = append(uniq, st)
		}
	}
	list = uniq
	for _, op := range s.Operators {
		for _, in := range op.Inputs {
			if st, ok := c.streams[in]; ok && !contains(st.Readers, op.Name) {
				st.Readers = append(st.Readers, op.Name)
			}
		}
	}
	for _, sk := range s.Sinks {
		if st, ok := c.streams[sk.Input]; ok {
			st.Readers = append(st.Readers, sk.Name)
		}
	}
	for _, st := range list {
		if len(st.Readers) > 0 {
			continue
		}
		switch st.Kind {
		case StreamSource:
			c.errorf(st.Pos, "sources."+st.Name, "source %s is never read: give it to an operator or a sink, or remove it", st.Name)
		case StreamMain:
			c.errorf(st.Pos, "operators."+st.Name, "the output of operator %s is never read: give it to an operator or a sink, or remove the operator", st.Name)
		}
	}
	if len(c.errs) > 0 {
		return
	}
	s.streams = list
	s.streamByID = c.streams
}
