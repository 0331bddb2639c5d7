package gen

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/streamgen/streamgen/schema"
	"github.com/streamgen/streamgen/spec"
)

// RuntimeImport is the import path of the runtime generated pipelines link
// against.
const RuntimeImport = "github.com/streamgen/streamgen/runtime"

// Pipeline generates the Go code of a checked pipeline spec: the types of
// the schema set (Types for its Avro types, JSONTypes for its JSON Schema
// types) and three pipeline files:
//
//   - operators.gen.go: one interface per operator that runs user code
//     (map, filter, flat_map, window, process), fully typed from the spec,
//     and the Operators struct with one field per such operator. key_by
//     and union need no user code. A process operator also gets a typed
//     context (<Op>Context: the key as its Go type, the state handles and
//     one Emit method per side output).
//   - pipeline.gen.go: NewPipeline(ops Operators, opts
//     ...runtime.PipelineOption) (*Pipeline, error), (*Pipeline).Spec()
//     runtime.PipelineSpec, the serializers of every format the spec uses,
//     and the build function that wires one task.
//   - driver.gen.go: the typed test driver NewTestDriver(t, ops, opts...).
//
// s must have passed s.Check(set). Pipeline fails with an error naming
// the spec position for what the generator cannot do (see
// docs/generated-code.md, "Pipelines").
func Pipeline(s *spec.Spec, set *schema.Schema, opts Options) ([]File, error) {
	if opts.Package == "" {
		return nil, fmt.Errorf("gen: Options.Package is required")
	}
	if s == nil || s.Streams() == nil {
		return nil, fmt.Errorf("gen: Pipeline needs a spec that passed (*spec.Spec).Check")
	}
	g, err := newPipelineGen(s, set, opts)
	if err != nil {
		return nil, err
	}
	files, err := g.typeFiles()
	if err != nil {
		return nil, err
	}
	// The driver and the operators are emitted before pipeline.gen.go, which
	// holds the codecs and helpers the others asked for.
	byName := map[string]File{}
	for _, emit := range []struct {
		name string
		fn   func(f *jen.File)
	}{
		{"operators.gen.go", g.operatorsFile},
		{"driver.gen.go", g.driverFile},
		{"pipeline.gen.go", g.pipelineFile},
	} {
		f := NewFile(opts)
		f.ImportName(RuntimeImport, "runtime")
		f.ImportName(CodecImport, "codec")
		f.ImportName(avroSchemaImport, "schema")
		emit.fn(f)
		if g.err != nil {
			return nil, g.err
		}
		out, err := Render(emit.name, f)
		if err != nil {
			return nil, err
		}
		byName[emit.name] = out
	}
	for _, name := range []string{"operators.gen.go", "pipeline.gen.go", "driver.gen.go"} {
		files = append(files, byName[name])
	}
	return files, nil
}

// plGen generates the pipeline files of one spec.
type plGen struct {
	s       *spec.Spec
	set     *schema.Schema
	opts    Options
	avro    *avroGen // nil when the set has no Avro types
	avroSet *schema.Schema
	json    *jsonGen // nil when the set has no JSON Schema types
	// pkg hands out package-level names, with every type name taken.
	pkg *Namer

	ops      []*plOp // operators with user code, in topological order
	opOf     map[string]*plOp
	sources  []*plSource
	sinks    []*plSink
	streams  []*spec.Stream
	streamOf map[string]*spec.Stream

	// Serde: the functions that decode and encode each (format, type,
	// key-or-value) the pipeline reads or writes, in first-use order.
	serdes   []*plSerde
	serdeOf  map[string]*plSerde
	formats  map[spec.Format]string // Avro format -> the spec path of its first use
	avroRecs []*schema.Type         // Avro record types some serde reads or writes
	convs    []*plConv              // sink type conversions (Avro resolution)

	// Generated codec types for keys and state, by Go type.
	codecs     []*plCodec
	codecOf    map[string]*plCodec
	needWindow bool              // sgWindowValue is used
	needTopics bool              // sgSourceTopics is used
	sides      []*plSide         // side and late outputs, for the test driver
	inspects   []*plInspect      // process states, for the test driver
	winQueries []*plOpQuery      // window operators, for interactive queries
	tabQueries []*plOpQuery      // temporal joins' tables, for interactive queries
	keyFunc    map[string]string // key_by operator -> its key function

	err error
}

// plOp is an operator that runs user code.
type plOp struct {
	op      *spec.Operator
	in      *spec.Stream
	right   *spec.Stream // join: the right input (in is the left one)
	field   string       // the Operators field
	iface   string       // the interface
	ctx     string       // process: the context type
	state   string       // process: the state struct
	adapter string       // windows and process: the adapter type
	// process: per state its field name in the state struct; per side
	// output its Emit method and tag field.
	stateField []string
	sideEmit   []string
	sideTag    []string
}

// plSource is a source with its generated names.
type plSource struct {
	src    *spec.Source
	index  int
	key    *plSerde // nil for format none
	value  *plSerde
	pipe   string // TestDriver method
	dlRead string // TestDriver method reading dead letters, if any
	evtime string // event-time extractor function, if any
	reuse  bool   // object_reuse: decode into the previous record's slices and maps
	intern string // an Avro value: the build function's codec.Interner
}

// plSink is a sink with its generated names.
type plSink struct {
	sk         *spec.Sink
	key        *plSerde // nil for format none
	value      *plSerde
	serializer string // the serializer type
	read       string // TestDriver method
	keyConv    *plConv
	valueConv  *plConv
}

// plConv converts the Avro encoding of one record type to another's (a
// sink writing a newer version of its stream's type).
type plConv struct {
	from, to *schema.Type
	field    string // Pipeline field holding the *codec.Resolver
	path     string
}

// plSerde is one (format, type, key-or-value) the pipeline reads or writes.
type plSerde struct {
	format spec.Format
	ref    *spec.TypeRef
	isKey  bool
	path   string // the spec path of its first use
	decode string // Pipeline method: decode(topic string, data []byte) (T, error)
	append string // Pipeline method: append(dst []byte, topic string, v *T) ([]byte, error)
	// into, for an Avro format, is the Pipeline method decodeInto(v *T,
	// reuse bool, in *codec.Interner, topic string, data []byte) error,
	// which decodes into *v (with reuse, into its slices and maps:
	// object_reuse) taking in's short strings; decode calls it, and a
	// source decodes into its own value with it.
	into string
}

// plCodec is a runtime.Codec the runtime does not provide, generated as an
// empty struct type.
type plCodec struct {
	name string
	kind string // "float32", "enum32", "fixed", "uuid"
	typ  *jen.Statement
	t    *schema.Type
}

func newPipelineGen(s *spec.Spec, set *schema.Schema, opts Options) (*plGen, error) {
	g := &plGen{
		s:        s,
		set:      set,
		opts:     opts,
		opOf:     map[string]*plOp{},
		streamOf: map[string]*spec.Stream{},
		serdeOf:  map[string]*plSerde{},
		formats:  map[spec.Format]string{},
		codecOf:  map[string]*plCodec{},
		keyFunc:  map[string]string{},
	}
	g.pkg = NewNamer()
	if avro := avroPart(set); avro != nil {
		g.avroSet = avro
		ag, err := newAvroGen(avro, opts)
		if err != nil {
			return nil, err
		}
		g.avro = ag
		for n := range ag.pkg.used {
			g.pkg.Reserve(n)
		}
	}
	if hasJSONRoots(set) {
		g.json = newJSONGen(set)
		for n := range g.json.names.used {
			g.pkg.Reserve(n)
		}
	}
	g.pkg.Reserve("sgWindowValue")
	g.pkg.Reserve("sgSourceTopics")
	for _, fixed := range []string{"Pipeline", "NewPipeline", "Operators", "TestDriver", "NewTestDriver", "TestDriverOption"} {
		if !g.pkg.Reserve(fixed) {
			e := &schema.Error{Pos: s.Pos, Msg: fmt.Sprintf("a schema type's Go name is %s, which the generated pipeline code needs: rename the type", fixed)}
			if t := g.typeWithGoName(fixed); t != nil {
				e.Pos, e.Path = t.Pos, t.Name.Full()
				e.Msg = fmt.Sprintf("its Go name %s is taken by the generated pipeline code (package %s): rename the type", fixed, opts.Package)
			}
			return nil, schema.ErrorList{e}
		}
	}
	g.streams = s.Streams()
	for _, st := range g.streams {
		g.streamOf[st.Name] = st
	}
	fields := NewNamer()
	for _, op := range s.Operators {
		switch op.Kind {
		case spec.KindKeyBy:
			g.keyFunc[op.Name] = g.pkg.Name("sgKey" + GoName(op.Name))
			continue
		case spec.KindUnion:
			continue
		}
		base := GoName(op.Name)
		o := &plOp{op: op, in: g.streamOf[op.Inputs[0]], field: fields.Name(base), iface: g.pkg.Name(base + "Operator")}
		switch op.Kind {
		case spec.KindProcess:
			o.ctx = g.pkg.Name(base + "Context")
			o.state = g.pkg.Name(base + "State")
			o.adapter = g.pkg.Name("sg" + base + "Process")
			stateNames := NewNamer()
			for _, st := range op.Process.State {
				o.stateField = append(o.stateField, stateNames.Name(GoName(st.Name)))
			}
			ctxNames := NewNamer("Context", "State", "Key", "key", "hasKey")
			for _, so := range op.Process.SideOutputs {
				o.sideEmit = append(o.sideEmit, ctxNames.Name("Emit"+GoName(so.Name)))
				o.sideTag = append(o.sideTag, ctxNames.Name("tag"+GoName(so.Name)))
			}
		case spec.KindWindow:
			o.adapter = g.pkg.Name("sg" + base + "Window")
		case spec.KindJoin:
			o.right = g.streamOf[op.Inputs[1]]
		}
		g.ops = append(g.ops, o)
		g.opOf[op.Name] = o
	}
	for i, src := range s.Sources {
		ps := &plSource{src: src, index: i}
		if src.Key.Format != spec.FormatNone && src.Key.Format != "" {
			ps.key = g.serde(src.Key.Format, src.Key.Type, true, "sources."+src.Name+".key")
		}
		ps.value = g.serde(src.Value.Format, src.Value.Type, false, "sources."+src.Name+".value")
		if ps.value.format.IsAvro() {
			ps.intern = "sgIntern" + GoName(src.Name)
			ps.reuse = src.ObjectReuse
		}
		if f := src.EventTime.Field; f != nil {
			ps.evtime = g.pkg.Name("sgEventTime" + GoName(src.Name))
		}
		g.sources = append(g.sources, ps)
	}
	for _, sk := range s.Sinks {
		ps := &plSink{sk: sk, serializer: g.pkg.Name("sg" + GoName(sk.Name) + "Serializer")}
		if sk.Key.Format != spec.FormatNone && sk.Key.Format != "" {
			ps.key = g.serde(sk.Key.Format, sk.Key.Type, true, "sinks."+sk.Name+".key")
			from := sk.Stream.Key
			if sk.Key.Field != nil {
				from = sk.Key.Field.Type
			}
			ps.keyConv = g.conv(from, ps.key, "sinks."+sk.Name+".key")
		}
		ps.value = g.serde(sk.Value.Format, sk.Value.Type, false, "sinks."+sk.Name+".value")
		ps.valueConv = g.conv(sk.Stream.Type, ps.value, "sinks."+sk.Name+".value")
		g.sinks = append(g.sinks, ps)
	}
	if g.err != nil {
		return nil, g.err
	}
	g.nameSerdes()
	g.nameDriverMethods()
	g.nameQueries()
	return g, g.err
}

// typeWithGoName returns the schema type generated as the Go type name,
// or nil.
func (g *plGen) typeWithGoName(name string) *schema.Type {
	if g.set == nil {
		return nil
	}
	for _, t := range g.set.Named {
		if g.avro != nil && g.avro.typeName[t] == name {
			return t
		}
		if g.json != nil && (g.json.goNames[t] == name || g.json.wrappers[t] == name) {
			return t
		}
	}
	return nil
}

// fail records the first error; generation stops at the end of the file.
func (g *plGen) fail(pos schema.Pos, path, format string, args ...any) {
	if g.err == nil {
		g.err = schema.ErrorList{{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)}}
	}
}

// typeFiles generates the record types of the set.
func (g *plGen) typeFiles() ([]File, error) { return SchemaFiles(g.set, g.opts) }

// hasTypeFiles reports whether the type files carry the version check.
func (g *plGen) hasTypeFiles() bool { return g.avroSet != nil || g.json != nil }

// serde returns the serde of (format, type, isKey), adding it on first use.
func (g *plGen) serde(format spec.Format, ref *spec.TypeRef, isKey bool, path string) *plSerde {
	if format.IsAvro() {
		if _, ok := g.formats[format]; !ok {
			g.formats[format] = path
		}
		if ref == nil || ref.Schema == nil || ref.Schema.Kind != schema.Record {
			what := "this type"
			if ref != nil {
				what = ref.Name
			}
			pos := g.s.Pos
			if ref != nil {
				pos = ref.Pos
			}
			g.fail(pos, path, "format %s of %s is not supported: the generated pipeline reads and writes Avro records only", format, what)
			return &plSerde{format: format, ref: ref, isKey: isKey, path: path}
		}
		g.addAvroRec(ref.Schema)
	}
	if !format.IsAvro() {
		isKey = false // only the Avro framings tell keys from values
	}
	k := fmt.Sprintf("%s|%s|%t", format, g.typeKey(ref), isKey)
	if sd, ok := g.serdeOf[k]; ok {
		return sd
	}
	sd := &plSerde{format: format, ref: ref, isKey: isKey, path: path}
	g.serdeOf[k] = sd
	g.serdes = append(g.serdes, sd)
	return sd
}

// conv returns the conversion a sink needs to write values of type from
// with serde to (nil when none is needed).
func (g *plGen) conv(from *spec.TypeRef, to *plSerde, path string) *plConv {
	if from == nil || to == nil || !to.format.IsAvro() || to.ref == nil || to.ref.Schema == nil || from.Schema == nil {
		return nil
	}
	if from.Schema == to.ref.Schema {
		return nil
	}
	if from.Schema.Kind != schema.Record {
		g.fail(from.Pos, path, "writing %s as %s is not supported: the generated pipeline converts between Avro records only", from.Name, to.ref.Name)
		return nil
	}
	for _, c := range g.convs {
		if c.from == from.Schema && c.to == to.ref.Schema {
			return c
		}
	}
	g.addAvroRec(from.Schema)
	c := &plConv{from: from.Schema, to: to.ref.Schema, path: path}
	g.convs = append(g.convs, c)
	return c
}

// addAvroRec notes an Avro record type the pipeline reads or writes.
func (g *plGen) addAvroRec(t *schema.Type) {
	for _, r := range g.avroRecs {
		if r == t {
			return
		}
	}
	g.avroRecs = append(g.avroRecs, t)
}

// typeKey identifies a TypeRef's Go type.
func (g *plGen) typeKey(r *spec.TypeRef) string {
	switch {
	case r == nil:
		return "none"
	case r.Builtin != "":
		return r.Builtin
	case r.Schema == nil:
		return "?" + r.Name
	}
	return fmt.Sprintf("%#v", g.schemaGoType(r.Schema))
}

// goType returns the Go type of a TypeRef.
func (g *plGen) goType(r *spec.TypeRef) *jen.Statement {
	if r == nil {
		return jen.Qual(RuntimeImport, "NoKey")
	}
	if r.Builtin != "" {
		return builtinGoType(r.Builtin)
	}
	if r.Schema == nil {
		g.fail(r.Pos, "", "type %s is not resolved", r.Name)
		return jen.Id("any")
	}
	return g.schemaGoType(r.Schema)
}

// schemaGoType returns the Go type of a schema type.
func (g *plGen) schemaGoType(t *schema.Type) *jen.Statement {
	if t.Origin == schema.FromJSONSchema {
		if g.json == nil {
			g.json = newJSONGen(g.set)
		}
		return g.json.goType(t)
	}
	if g.avro == nil {
		g.fail(t.Pos, "", "Avro type %s is not in the schema set", avroDescribe(t))
		return jen.Id("any")
	}
	return g.avro.goType(t)
}

func builtinGoType(b string) *jen.Statement {
	switch b {
	case spec.BuiltinString:
		return jen.String()
	case spec.BuiltinBytes:
		return jen.Index().Byte()
	case spec.BuiltinInt32:
		return jen.Int32()
	case spec.BuiltinInt64:
		return jen.Int64()
	case spec.BuiltinFloat32:
		return jen.Float32()
	case spec.BuiltinFloat64:
		return jen.Float64()
	case spec.BuiltinBool:
		return jen.Bool()
	}
	return jen.Id(b)
}

// typeName names a TypeRef for identifiers ("Click", "String", "UUID").
func (g *plGen) typeName(r *spec.TypeRef) string {
	switch {
	case r == nil:
		return "NoKey"
	case r.Builtin != "":
		return GoName(r.Builtin)
	case r.Schema == nil:
		return GoName(r.Name)
	}
	t := r.Schema
	switch {
	case t.Origin == schema.FromAvro && g.avro != nil && g.avro.typeName[t] != "":
		return g.avro.typeName[t]
	case t.Origin == schema.FromJSONSchema && g.json != nil && g.json.goNames[t] != "":
		return g.json.goNames[t]
	case t.Logical != nil:
		return GoName(t.Logical.Name)
	case t.Origin == schema.FromJSONSchema && jsonFormat(t) != "":
		return GoName(jsonFormat(t))
	}
	return GoName(t.Kind.String())
}

// isAvroRecord reports whether r is a record generated by Types.
func isAvroRecord(r *spec.TypeRef) bool {
	return r != nil && r.Builtin == "" && r.Schema != nil && r.Schema.Kind == schema.Record && r.Schema.Origin == schema.FromAvro
}

// isJSONNamed reports whether r is a record or enum generated by JSONTypes.
func isJSONNamed(r *spec.TypeRef) bool {
	return r != nil && r.Builtin == "" && r.Schema != nil && r.Schema.Origin == schema.FromJSONSchema &&
		(r.Schema.Kind == schema.Record || r.Schema.Kind == schema.Enum)
}

// codec returns an expression of a runtime.Codec for values of r: the
// runtime's codecs for builtins and records, generated ones otherwise.
func (g *plGen) codec(r *spec.TypeRef, path string) *jen.Statement {
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimeImport, name).Values() }
	if r == nil {
		g.fail(g.s.Pos, path, "no type for a codec")
		return jen.Nil()
	}
	builtin := r.Builtin
	if builtin == "" && r.Schema != nil && r.Schema.Logical == nil && jsonFormat(r.Schema) == "" {
		switch r.Schema.Kind {
		case schema.String:
			builtin = spec.BuiltinString
		case schema.Int:
			builtin = spec.BuiltinInt32
		case schema.Long:
			builtin = spec.BuiltinInt64
		case schema.Float:
			builtin = spec.BuiltinFloat32
		case schema.Double:
			builtin = spec.BuiltinFloat64
		case schema.Boolean:
			builtin = spec.BuiltinBool
		case schema.Bytes:
			if r.Schema.Origin == schema.FromAvro {
				builtin = spec.BuiltinBytes
			}
		}
	}
	switch builtin {
	case spec.BuiltinString:
		return rt("StringCodec")
	case spec.BuiltinBytes:
		return rt("BytesCodec")
	case spec.BuiltinInt32:
		return rt("Int32Codec")
	case spec.BuiltinInt64:
		return rt("Int64Codec")
	case spec.BuiltinFloat64:
		return rt("Float64Codec")
	case spec.BuiltinBool:
		return rt("BoolCodec")
	case spec.BuiltinFloat32:
		return g.genCodec("float32", jen.Float32(), nil)
	}
	t := r.Schema
	if t == nil {
		g.fail(r.Pos, path, "type %s is not resolved", r.Name)
		return jen.Nil()
	}
	typ := g.schemaGoType(t)
	switch {
	case isAvroRecord(r):
		return jen.Qual(RuntimeImport, "AvroCodec").Types(typ, jen.Op("*").Add(g.schemaGoType(t))).Values()
	case t.Origin == schema.FromJSONSchema && (t.Kind == schema.Record || t.Kind == schema.Enum):
		return jen.Qual(RuntimeImport, "JSONCodec").Types(typ).Values()
	case (t.Logical != nil && t.Logical.Name == schema.LogicalUUID) || jsonFormat(t) == "uuid":
		return g.genCodec("uuid", jen.Qual(CodecImport, "UUID"), nil)
	case t.Kind == schema.Enum && t.Origin == schema.FromAvro:
		return g.genCodec("enum32", typ, t)
	case t.Kind == schema.Fixed && t.Logical == nil:
		return g.genCodec("fixed", typ, t)
	}
	g.fail(r.Pos, path, "type %s has no state or key codec: use a record, an enum, a fixed, a uuid or a builtin", r.Name)
	return jen.Nil()
}

// genCodec returns a generated codec type's zero value.
func (g *plGen) genCodec(kind string, typ *jen.Statement, t *schema.Type) *jen.Statement {
	key := kind + "|" + fmt.Sprintf("%#v", typ)
	c, ok := g.codecOf[key]
	if !ok {
		var name string
		switch kind {
		case "float32":
			name = "sgFloat32Codec"
		case "uuid":
			name = "sgUUIDCodec"
		default:
			name = "sg" + g.avro.typeName[t] + "Codec"
		}
		c = &plCodec{name: g.pkg.Name(name), kind: kind, typ: typ, t: t}
		g.codecOf[key] = c
		g.codecs = append(g.codecs, c)
	}
	return jen.Id(c.name).Values()
}

// nameSerdes names the decode and append methods of every serde.
func (g *plGen) nameSerdes() {
	methods := NewNamer()
	for _, sd := range g.serdes {
		base := GoName(string(sd.format))
		if sd.format == spec.FormatJSON {
			base = "JSON"
		}
		if sd.format.NeedsType() {
			base += g.typeName(sd.ref)
		}
		if sd.isKey {
			base += "Key"
		}
		sd.decode = methods.Name("decode" + base)
		sd.append = methods.Name("append" + base)
		if sd.format.IsAvro() {
			sd.into = methods.Name("decode" + base + "Into")
		}
	}
	for _, c := range g.convs {
		c.field = methods.Name("conv" + g.avro.typeName[c.from] + "To" + g.avro.typeName[c.to])
	}
}

// durationCode writes d as a multiple of its largest exact unit.
func durationCode(d time.Duration) *jen.Statement {
	if d == 0 {
		return jen.Lit(0)
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}} {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Qual("time", "Duration").Call(jen.Lit(int(d)))
}

// shortDur writes d as the spec does: 1m, 30s, 1h30m, 500ms.
func shortDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// describeRef spells a TypeRef for doc comments.
func describeRef(r *spec.TypeRef) string {
	if r == nil {
		return "no key"
	}
	return r.Name
}

// sourceNames lists the source names, for messages.
func (g *plGen) sourceNames() []string {
	var out []string
	for _, src := range g.s.Sources {
		out = append(out, src.Name)
	}
	return out
}

// stream returns the stream called name.
func (g *plGen) stream(name string) *spec.Stream { return g.streamOf[name] }

// sortedFormats lists the Avro formats the pipeline uses, in a fixed order.
func (g *plGen) sortedFormats() []spec.Format {
	var out []spec.Format
	for f := range g.formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// framingField is the Pipeline field holding the framing of an Avro format.
func framingField(f spec.Format) string {
	return "framing" + GoName(string(f))
}

// runtimeFormat is the runtime constant naming an Avro format.
func runtimeFormat(f spec.Format) *jen.Statement {
	switch f {
	case spec.FormatAvroConfluent:
		return jen.Qual(RuntimeImport, "FormatAvroConfluent")
	case spec.FormatAvroSingleObject:
		return jen.Qual(RuntimeImport, "FormatAvroSingleObject")
	}
	return jen.Qual(RuntimeImport, "FormatAvro")
}

// typeField is the Pipeline field holding an Avro record's *schema.Type.
func (g *plGen) typeField(t *schema.Type) string { return "type" + g.avro.typeName[t] }

// resolverField is the Pipeline field holding an Avro record's
// *codec.ResolverCache.
func (g *plGen) resolverField(t *schema.Type) string { return "res" + g.avro.typeName[t] }

// comment wraps text into // lines of at most about 76 columns.
func comment(text string) string {
	words := strings.Fields(text)
	var lines []string
	cur := ""
	for _, w := range words {
		if cur != "" && len(cur)+1+len(w) > 76 {
			lines = append(lines, cur)
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return "// " + strings.Join(lines, "\n// ")
}
