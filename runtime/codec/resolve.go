package codec

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/streamgen/streamgen/schema"
)

// tcOp is one step of a compiled transcoding program: it reads one writer
// datum from t and appends the reader's encoding of it to dst. Errors are
// sticky in t's Reader; after one, ops return quickly and the output is
// discarded.
type tcOp func(t *transcoder, dst []byte) []byte

// transcoder is the state of one Transcode call.
type transcoder struct {
	Reader
	// scratch holds skipped fixed values.
	scratch []byte
	// bufs[i] buffers the fields of the record at nesting level i that
	// are read before their turn in reader order; level counts records
	// nesting now.
	bufs  [][]byte
	level int
	// segs is a stack of where each reader field of the records being
	// reordered sits in its level's buffer: two offsets per field.
	segs []int
	// budget is how many more bytes items that take no input bytes (arrays
	// of null or of empty records read as records with defaults) may add
	// to the output.
	budget int
}

// zeroSizeExpansionBase and zeroSizeExpansionPerByte set the budget of
// output bytes that zero-size writer items may produce in one Transcode:
// the base plus a multiple of the input length. Without it, a few bytes of
// hostile input could claim millions of such items, each expanded into
// reader defaults.
const (
	zeroSizeExpansionBase    = 1 << 20
	zeroSizeExpansionPerByte = 16
)

// Resolver turns Avro binary written with a writer schema into the binary
// encoding of the reader schema, applying schema resolution (skip removed
// fields, reorder, fill defaults, promote numbers, map enum symbols, pick
// union branches). The pair is compiled once into a program of closures;
// a Resolver is safe for concurrent use.
type Resolver struct {
	writer, reader *schema.Type
	identity       bool
	prog           tcOp
	what           string
	pool           sync.Pool
}

// ResolveError reports why a writer schema cannot be resolved against a
// reader schema.
type ResolveError struct {
	// Writer and Reader describe the two schemas.
	Writer, Reader string
	// Cause is the first problem the resolver met.
	Cause error
	// Problems are every incompatibility schema.CanRead reports for the
	// pair.
	Problems []schema.Incompatibility
}

// Error formats the cause, then each incompatibility on a line of its own.
func (e *ResolveError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "avro: cannot read data written with %s as %s: %v", e.Writer, e.Reader, e.Cause)
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
		if s := p.ReaderPos.String(); s != "" {
			b.WriteString(" (reader at " + s + ")")
		}
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *ResolveError) Unwrap() error { return e.Cause }

// NewResolver compiles the resolution of writer's data into reader's
// encoding. It fails, listing CanRead's incompatibilities, when reader
// cannot read writer at all. Problems that depend on the data are left to
// Transcode: a writer enum symbol the reader lacks (and has no default
// for), and a writer union branch the reader cannot read.
func NewResolver(writer, reader *schema.Type) (*Resolver, error) {
	if writer == nil || reader == nil {
		return nil, fmt.Errorf("avro: NewResolver needs both a writer and a reader schema")
	}
	c := newTCCompiler()
	prog, err := c.compile(reader, writer, tcRootPath(reader))
	if err != nil {
		return nil, &ResolveError{
			Writer:   schema.Describe(writer),
			Reader:   schema.Describe(reader),
			Cause:    err,
			Problems: schema.CanRead(reader, writer),
		}
	}
	r := &Resolver{
		writer:   writer,
		reader:   reader,
		identity: writer.CanonicalForm() == reader.CanonicalForm(),
		prog:     prog,
		what:     schema.Describe(writer) + " as " + schema.Describe(reader),
	}
	r.pool.New = func() any { return new(transcoder) }
	return r, nil
}

// Writer returns the writer schema.
func (r *Resolver) Writer() *schema.Type { return r.writer }

// Reader returns the reader schema.
func (r *Resolver) Reader() *schema.Type { return r.reader }

// Identity reports whether writer and reader have the same canonical form,
// so callers can skip transcoding.
func (r *Resolver) Identity() bool { return r.identity }

// Transcode appends the reader-schema encoding of the writer-schema datum
// in src to dst. It must consume exactly src (trailing bytes are an error)
// and never allocates more than the input length can justify: lengths and
// counts are checked against the input left before anything is copied,
// and items that take no input bytes may expand the output by at most
// 1 MiB plus 16 bytes per input byte. On error dst is returned unchanged.
func (r *Resolver) Transcode(dst, src []byte) ([]byte, error) {
	t := r.pool.Get().(*transcoder)
	t.Reset(src)
	t.segs, t.level = t.segs[:0], 0
	t.budget = zeroSizeExpansionBase + zeroSizeExpansionPerByte*len(src)
	n := len(dst)
	out := r.prog(t, dst)
	err := t.Err()
	if err == nil && t.Remaining() != 0 {
		err = fmt.Errorf("%d trailing bytes after the datum ended at byte %d", t.Remaining(), t.Offset())
	}
	t.Reset(nil)
	if cap(t.scratch) > 1<<20 {
		t.scratch = nil
	}
	for i, b := range t.bufs {
		if cap(b) > 1<<20 {
			t.bufs[i] = nil
		}
	}
	r.pool.Put(t)
	if err != nil {
		return dst[:n], fmt.Errorf("avro: transcoding %s: %w", r.what, err)
	}
	return out, nil
}

// ResolverCache caches Resolvers by writer fingerprint for one reader type;
// safe for concurrent use. The fingerprint is the writer's whole Parsing
// Canonical Form, which holds everything resolution depends on, so two
// writer schemas share a Resolver exactly when they encode data alike.
type ResolverCache struct {
	reader *schema.Type
	byType sync.Map // *schema.Type -> *tcCacheEntry

	mu      sync.Mutex
	byCanon map[string]*tcCacheEntry
}

type tcCacheEntry struct {
	r   *Resolver
	err error
}

// NewResolverCache returns an empty cache of Resolvers to reader.
func NewResolverCache(reader *schema.Type) *ResolverCache {
	return &ResolverCache{reader: reader, byCanon: map[string]*tcCacheEntry{}}
}

// Get returns the Resolver from writer to the cache's reader, compiling it
// on first use. A failure is cached too: the same writer fails at once the
// next time.
func (c *ResolverCache) Get(writer *schema.Type) (*Resolver, error) {
	if writer == nil {
		return nil, fmt.Errorf("avro: ResolverCache.Get: nil writer schema")
	}
	if e, ok := c.byType.Load(writer); ok {
		e := e.(*tcCacheEntry)
		return e.r, e.err
	}
	canon := writer.CanonicalForm()
	c.mu.Lock()
	e, ok := c.byCanon[canon]
	if !ok {
		e = &tcCacheEntry{}
		e.r, e.err = NewResolver(writer, c.reader)
		c.byCanon[canon] = e
	}
	c.mu.Unlock()
	c.byType.Store(writer, e)
	return e.r, e.err
}

// tcRootPath names the top of the reader schema in error paths, as
// schema.CanRead does.
func tcRootPath(t *schema.Type) string {
	if t.Kind.IsNamed() {
		return t.Name.Full()
	}
	return t.Kind.String()
}

// tcCompiler compiles a (reader, writer) pair into a program.
type tcCompiler struct {
	sizes tcMinSizes
	skip  *tcSkipper
	pairs map[[2]*schema.Type]*tcPair
}

// tcPair is the compilation of a pair of records, memoised so that
// recursive schemas compile to a finite program.
type tcPair struct {
	p    *tcOp
	err  error
	done bool
}

func newTCCompiler() *tcCompiler {
	sizes := tcMinSizes{}
	return &tcCompiler{sizes: sizes, skip: newTCSkipper(sizes), pairs: map[[2]*schema.Type]*tcPair{}}
}

func tcErrorf(path, format string, args ...any) error {
	return fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
}

// tcFail returns an op that fails with msg when the data reaches it.
func tcFail(what, msg string) tcOp {
	return func(t *transcoder, dst []byte) []byte {
		t.Fail(what, msg)
		return dst
	}
}

// tcPrefixed returns an op that writes the constant pre, then runs inner.
func tcPrefixed(pre []byte, inner tcOp) tcOp {
	return func(t *transcoder, dst []byte) []byte {
		return inner(t, append(dst, pre...))
	}
}

// compile returns the op that reads a datum of w and writes it as r.
func (c *tcCompiler) compile(r, w *schema.Type, path string) (tcOp, error) {
	if w.Kind == schema.Union {
		return c.compileWriterUnion(r, w, path)
	}
	if r.Kind == schema.Union {
		i := schema.ReaderBranch(r, w)
		if i < 0 {
			return nil, tcErrorf(path, "no branch of the reader union %s can read the writer's %s", schema.Describe(r), schema.Describe(w))
		}
		inner, err := c.compile(r.Branches[i], w, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		return tcPrefixed(AppendUnionIndex(nil, i), inner), nil
	}
	if r.Kind != w.Kind {
		if op := tcPromotion(r.Kind, w.Kind); op != nil {
			return op, nil
		}
		return nil, tcErrorf(path, "reader type %s cannot read writer type %s", schema.Describe(r), schema.Describe(w))
	}
	switch r.Kind {
	case schema.Null:
		return tcNothing, nil
	case schema.Boolean:
		return func(t *transcoder, dst []byte) []byte { return AppendBoolean(dst, t.ReadBoolean()) }, nil
	case schema.Int:
		return func(t *transcoder, dst []byte) []byte { return AppendInt(dst, t.ReadInt()) }, nil
	case schema.Long:
		return func(t *transcoder, dst []byte) []byte { return AppendLong(dst, t.ReadLong()) }, nil
	case schema.Float:
		return func(t *transcoder, dst []byte) []byte { return AppendFloat(dst, t.ReadFloat()) }, nil
	case schema.Double:
		return func(t *transcoder, dst []byte) []byte { return AppendDouble(dst, t.ReadDouble()) }, nil
	case schema.Bytes, schema.String:
		return tcCopyBytes, nil
	case schema.Fixed:
		if !schema.NamesMatch(r, w) {
			return nil, tcErrorf(path, "reader fixed %s cannot read writer fixed %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full())
		}
		if r.Size != w.Size {
			return nil, tcErrorf(path, "reader fixed %s has size %d but the writer's has size %d", r.Name.Full(), r.Size, w.Size)
		}
		n := w.Size
		return func(t *transcoder, dst []byte) []byte {
			start := len(dst)
			dst = append(dst, make([]byte, n)...)
			t.ReadFixed(dst[start:])
			return dst
		}, nil
	case schema.Enum:
		return c.compileEnum(r, w, path)
	case schema.Array:
		return c.compileArray(r, w, path)
	case schema.Map:
		min := 1 + c.sizes.of(w.Values)
		val, err := c.compile(r.Values, w.Values, path+".values")
		if err != nil {
			return nil, err
		}
		return func(t *transcoder, dst []byte) []byte {
			for n := t.ReadBlockCount(min); n > 0; n = t.ReadBlockCount(min) {
				dst = AppendBlockCount(dst, n)
				for i := 0; i < n && t.Err() == nil; i++ {
					dst = AppendBytes(dst, t.ReadBytesView())
					dst = val(t, dst)
				}
			}
			return append(dst, 0)
		}, nil
	case schema.Record:
		return c.compileRecordPair(r, w, path)
	}
	return nil, tcErrorf(path, "unsupported schema kind %s", r.Kind)
}

// tcCopyBytes copies bytes or a string (the encodings are the same, so it
// also serves the string/bytes promotions).
func tcCopyBytes(t *transcoder, dst []byte) []byte {
	return AppendBytes(dst, t.ReadBytesView())
}

// tcPromotion returns the op that promotes a writer primitive to a reader
// primitive of another kind, or nil when Avro allows no such promotion.
func tcPromotion(r, w schema.Kind) tcOp {
	if !schema.Promotable(r, w) {
		return nil
	}
	switch {
	case w == schema.Int && r == schema.Long:
		return func(t *transcoder, dst []byte) []byte { return AppendLong(dst, int64(t.ReadInt())) }
	case w == schema.Int && r == schema.Float:
		return func(t *transcoder, dst []byte) []byte { return AppendFloat(dst, float32(t.ReadInt())) }
	case w == schema.Int && r == schema.Double:
		return func(t *transcoder, dst []byte) []byte { return AppendDouble(dst, float64(t.ReadInt())) }
	case w == schema.Long && r == schema.Float:
		return func(t *transcoder, dst []byte) []byte { return AppendFloat(dst, float32(t.ReadLong())) }
	case w == schema.Long && r == schema.Double:
		return func(t *transcoder, dst []byte) []byte { return AppendDouble(dst, float64(t.ReadLong())) }
	case w == schema.Float && r == schema.Double:
		return func(t *transcoder, dst []byte) []byte { return AppendDouble(dst, float64(t.ReadFloat())) }
	case (w == schema.String && r == schema.Bytes) || (w == schema.Bytes && r == schema.String):
		return tcCopyBytes
	}
	return nil
}

// compileWriterUnion resolves each branch of a writer union on its own. A
// branch the reader cannot read becomes an op that fails when the data
// uses it, as the specification asks; only a union none of whose branches
// can be read fails to compile.
func (c *tcCompiler) compileWriterUnion(r, w *schema.Type, path string) (tcOp, error) {
	branches := make([]tcOp, len(w.Branches))
	readable := 0
	var firstErr error
	for j, wb := range w.Branches {
		var op tcOp
		var err error
		if r.Kind == schema.Union {
			if i := schema.ReaderBranch(r, wb); i < 0 {
				err = tcErrorf(path, "writer union branch %d (%s) matches no branch of the reader union %s", j, schema.Describe(wb), schema.Describe(r))
			} else if op, err = c.compile(r.Branches[i], wb, path+"["+strconv.Itoa(i)+"]"); err == nil {
				op = tcPrefixed(AppendUnionIndex(nil, i), op)
			}
		} else {
			op, err = c.compile(r, wb, path+"[writer "+strconv.Itoa(j)+"]")
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			op = tcFail("union branch "+strconv.Itoa(j), "the reader cannot read this writer branch: "+err.Error())
		} else {
			readable++
		}
		branches[j] = op
	}
	if readable == 0 && firstErr != nil {
		return nil, firstErr
	}
	n := len(branches)
	return func(t *transcoder, dst []byte) []byte {
		i := t.ReadUnionIndex(n)
		if i < 0 {
			return dst
		}
		return branches[i](t, dst)
	}, nil
}

// compileEnum maps writer symbol indexes to reader ones. A writer symbol
// the reader lacks reads as the reader's default symbol, or fails at
// decode time when there is none.
func (c *tcCompiler) compileEnum(r, w *schema.Type, path string) (tcOp, error) {
	if !schema.NamesMatch(r, w) {
		return nil, tcErrorf(path, "reader enum %s cannot read writer enum %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full())
	}
	index := make(map[string]int32, len(r.Symbols))
	for i, s := range r.Symbols {
		index[s] = int32(i)
	}
	def := int32(-1)
	if r.HasEnumDefault {
		d, ok := index[r.EnumDefault]
		if !ok {
			return nil, tcErrorf(path, "the reader enum's default %q is not one of its symbols", r.EnumDefault)
		}
		def = d
	}
	table := make([]int32, len(w.Symbols))
	identity := len(w.Symbols) <= len(r.Symbols)
	for j, s := range w.Symbols {
		i, ok := index[s]
		if !ok {
			i = def
		}
		table[j] = i
		identity = identity && i == int32(j)
	}
	name := "enum " + r.Name.Full()
	n := len(table)
	if identity {
		return func(t *transcoder, dst []byte) []byte {
			return AppendInt(dst, t.ReadEnum(n))
		}, nil
	}
	symbols := w.Symbols
	return func(t *transcoder, dst []byte) []byte {
		j := t.ReadEnum(n)
		if t.Err() != nil {
			return dst
		}
		i := table[j]
		if i < 0 {
			t.Fail(name, fmt.Sprintf("writer symbol %q is not in the reader's enum, which has no default", symbols[j]))
			return dst
		}
		return AppendInt(dst, i)
	}, nil
}

// compileArray resolves array items. Writer items of zero bytes (null,
// empty records) always read the same way, so their reader encoding is
// computed once and repeated, within the expansion budget.
func (c *tcCompiler) compileArray(r, w *schema.Type, path string) (tcOp, error) {
	item, err := c.compile(r.Items, w.Items, path+".items")
	if err != nil {
		return nil, err
	}
	min := c.sizes.of(w.Items)
	if min > 0 {
		return func(t *transcoder, dst []byte) []byte {
			for n := t.ReadBlockCount(min); n > 0; n = t.ReadBlockCount(min) {
				dst = AppendBlockCount(dst, n)
				for i := 0; i < n && t.Err() == nil; i++ {
					dst = item(t, dst)
				}
			}
			return append(dst, 0)
		}, nil
	}
	z := new(transcoder)
	zero := item(z, nil)
	if err := z.Err(); err != nil {
		return nil, tcErrorf(path+".items", "the writer's item type %s has no finite encoding: %v", schema.Describe(w.Items), err)
	}
	k := len(zero)
	return func(t *transcoder, dst []byte) []byte {
		for n := t.ReadBlockCount(0); n > 0; n = t.ReadBlockCount(0) {
			if k > 0 {
				if n > t.budget/k {
					t.Fail("array", fmt.Sprintf("%d zero-size items would expand to more than the %d bytes the input allows", n, t.budget))
					return dst
				}
				t.budget -= n * k
			}
			dst = AppendBlockCount(dst, n)
			for i := 0; k > 0 && i < n; i++ {
				dst = append(dst, zero...)
			}
		}
		return append(dst, 0)
	}, nil
}

// compileRecordPair memoises compileRecord per (reader, writer) pair.
func (c *tcCompiler) compileRecordPair(r, w *schema.Type, path string) (tcOp, error) {
	key := [2]*schema.Type{r, w}
	if p, ok := c.pairs[key]; ok {
		switch {
		case !p.done:
			return tcDeref(p.p), nil
		case p.err != nil:
			return nil, p.err
		}
		return *p.p, nil
	}
	p := &tcPair{p: new(tcOp)}
	c.pairs[key] = p
	op, err := c.compileRecord(r, w, path)
	p.done, p.err = true, err
	if err != nil {
		return nil, err
	}
	*p.p = op
	return op, nil
}

func (c *tcCompiler) compileRecord(r, w *schema.Type, path string) (tcOp, error) {
	if !schema.NamesMatch(r, w) {
		return nil, tcErrorf(path, "reader record %s cannot read writer record %s: the names differ and no reader alias matches", r.Name.Full(), w.Name.Full())
	}
	// For each writer field: the reader field it fills (-1: skipped) and
	// its op. For each reader field: its default encoding, when the writer
	// lacks it.
	target := make([]int, len(w.Fields))
	ops := make([]tcOp, len(w.Fields))
	for j := range target {
		target[j] = -1
	}
	defaults := make([][]byte, len(r.Fields))
	fromWriter := make([]bool, len(r.Fields))
	for ri, rf := range r.Fields {
		fpath := path + ".fields(" + rf.Name + ")"
		wf := schema.MatchField(rf, w)
		if wf == nil {
			if !rf.HasDefault {
				return nil, tcErrorf(fpath, "reader field has no default and writer lacks it")
			}
			b, err := AppendValue(nil, rf.Type, rf.Default)
			if err != nil {
				return nil, tcErrorf(fpath, "cannot encode the default: %v", err)
			}
			defaults[ri] = b
			continue
		}
		j := tcFieldIndex(w, wf)
		if target[j] >= 0 {
			return nil, tcErrorf(fpath, "reader fields %s and %s both read writer field %s", r.Fields[target[j]].Name, rf.Name, wf.Name)
		}
		op, err := c.compile(rf.Type, wf.Type, fpath+".type")
		if err != nil {
			return nil, err
		}
		target[j], ops[j], fromWriter[ri] = ri, op, true
	}
	for j, wf := range w.Fields {
		if target[j] < 0 {
			ops[j] = c.skip.compile(wf.Type)
		}
	}
	return tcRecordOp(tcPlanRecord(target, ops, defaults, fromWriter)), nil
}

// tcFieldIndex returns the position of wf among w's fields.
func tcFieldIndex(w *schema.Type, wf *schema.Field) int {
	for j, f := range w.Fields {
		if f == wf {
			return j
		}
	}
	return -1
}

// tcEmit appends one piece of a record's output: constant bytes (reader
// defaults), or the buffered output of reader field slot.
type tcEmit struct {
	bytes []byte
	slot  int // -1 for constant bytes
}

// tcStep reads one writer field: straight into the output (slot -1), or
// into the record's buffer as reader field slot, because reader fields
// before it are not read yet. Then it appends what became ready.
type tcStep struct {
	op    tcOp
	slot  int
	after []tcEmit
}

// tcRecordPlan is a record read in writer order and written in reader
// order.
type tcRecordPlan struct {
	pre      []tcEmit
	steps    []tcStep
	post     []tcEmit
	slots    int  // reader fields, for the buffer's segment table
	buffered bool // whether any field is buffered
}

// tcPlanRecord plans a record at compile time. A writer field is written
// straight to the output when every reader field before it has been
// written; otherwise its output is buffered until its turn comes. So a
// record whose kept fields are in reader order streams with no copying,
// and a reorder copies only the fields read too early (a recursive field
// read last in the writer and first in the reader is never copied).
func tcPlanRecord(target []int, ops []tcOp, defaults [][]byte, fromWriter []bool) tcRecordPlan {
	nr := len(defaults)
	ready := make([]bool, nr)
	for ri := range ready {
		ready[ri] = !fromWriter[ri]
	}
	next := 0
	flush := func() []tcEmit {
		var out []tcEmit
		for ; next < nr && ready[next]; next++ {
			if fromWriter[next] {
				out = append(out, tcEmit{slot: next})
				continue
			}
			if n := len(out); n > 0 && out[n-1].slot < 0 {
				out[n-1].bytes = append(out[n-1].bytes, defaults[next]...)
				continue
			}
			out = append(out, tcEmit{bytes: append([]byte(nil), defaults[next]...), slot: -1})
		}
		return out
	}
	plan := tcRecordPlan{pre: flush(), slots: nr}
	for j, op := range ops {
		st := tcStep{op: op, slot: -1}
		switch ri := target[j]; {
		case ri < 0:
			// skipped
		case ri == next:
			next++
			st.after = flush()
		default:
			st.slot = ri
			ready[ri] = true
			plan.buffered = true
		}
		plan.steps = append(plan.steps, st)
	}
	// Every reader field is ready once the last writer field is read, so
	// the last direct step has flushed them all and post stays empty;
	// flushing here keeps the plan complete whatever the order.
	plan.post = flush()
	return plan
}

// tcRecordOp runs a record plan. Buffered fields go to a buffer of the
// record's nesting level, so records nested in a buffered field use their
// own level's buffer.
func tcRecordOp(plan tcRecordPlan) tcOp {
	emit := func(t *transcoder, dst []byte, lvl, base int, es []tcEmit) []byte {
		for _, e := range es {
			if e.slot < 0 {
				dst = append(dst, e.bytes...)
				continue
			}
			from, to := t.segs[base+2*e.slot], t.segs[base+2*e.slot+1]
			dst = append(dst, t.bufs[lvl][from:to]...)
		}
		return dst
	}
	if !plan.buffered {
		return func(t *transcoder, dst []byte) []byte {
			if !t.Enter() {
				return dst
			}
			dst = emit(t, dst, 0, 0, plan.pre)
			for i := range plan.steps {
				dst = plan.steps[i].op(t, dst)
				dst = emit(t, dst, 0, 0, plan.steps[i].after)
			}
			t.Leave()
			return emit(t, dst, 0, 0, plan.post)
		}
	}
	return func(t *transcoder, dst []byte) []byte {
		if !t.Enter() {
			return dst
		}
		lvl := t.level
		t.level++
		for len(t.bufs) <= lvl {
			t.bufs = append(t.bufs, nil)
		}
		t.bufs[lvl] = t.bufs[lvl][:0]
		base := len(t.segs)
		for i := 0; i < 2*plan.slots; i++ {
			t.segs = append(t.segs, 0)
		}
		dst = emit(t, dst, lvl, base, plan.pre)
		for i := range plan.steps {
			st := &plan.steps[i]
			if st.slot < 0 {
				dst = st.op(t, dst)
			} else {
				b := t.bufs[lvl]
				from := len(b)
				b = st.op(t, b)
				t.bufs[lvl] = b
				t.segs[base+2*st.slot] = from
				t.segs[base+2*st.slot+1] = len(b)
			}
			if t.Err() != nil {
				break
			}
			dst = emit(t, dst, lvl, base, st.after)
		}
		if t.Err() == nil {
			dst = emit(t, dst, lvl, base, plan.post)
		}
		t.segs = t.segs[:base]
		t.level--
		t.Leave()
		return dst
	}
}
