package codec

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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
	// scratch holds skipped fixed values, and the output while it is
	// assembled.
	scratch []byte
	// When records are reordered, the output is described by a list of
	// spans (head to tail) in reader order; open is where the output not
	// yet cut into spans starts.
	spans      []tcSpan
	head, tail int
	open       int
	// slots is a stack of the span lists of the fields of records being
	// reordered: a head and a tail per reader field.
	slots []int
	// budget is how many more bytes items that take no input bytes (arrays
	// of null or of empty records read as records with defaults) may add
	// to the output.
	budget int
}

// reset prepares t for a datum whose output starts at offset n of dst.
func (t *transcoder) reset(n int) {
	t.spans, t.slots = t.spans[:0], t.slots[:0]
	t.head, t.tail, t.open = -1, -1, n
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
	n := len(dst)
	t.reset(n)
	t.budget = zeroSizeExpansionBase + zeroSizeExpansionPerByte*len(src)
	out := r.prog(t, dst)
	err := t.Err()
	if err == nil && t.Remaining() != 0 {
		err = fmt.Errorf("%d trailing bytes after the datum ended at byte %d", t.Remaining(), t.Offset())
	}
	if err == nil {
		out = t.assemble(out, n)
	}
	t.Reset(nil)
	if cap(t.scratch) > 1<<20 {
		t.scratch = nil
	}
	if cap(t.spans) > 1<<16 {
		t.spans = nil
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
	// last is the entry Get returned last, for its writer: a stream
	// written with one schema finds it with one load, not a map lookup.
	last atomic.Pointer[tcCacheEntry]

	mu      sync.Mutex
	byCanon map[string]*tcCacheEntry
}

type tcCacheEntry struct {
	r      *Resolver
	err    error
	writer *schema.Type // the writer it was made for (ResolverCache.last)
}

// NewResolverCache returns an empty cache of Resolvers to reader.
func NewResolverCache(reader *schema.Type) *ResolverCache {
	return &ResolverCache{reader: reader, byCanon: map[string]*tcCacheEntry{}}
}

// Get returns the Resolver from writer to the cache's reader, compiling it
// on first use. A failure is cached too: the same writer fails at once the
// next time. Entries are never evicted, and each distinct *schema.Type
// passed is remembered, so callers should parse each writer schema once
// (per registry schema ID, say) rather than per message.
func (c *ResolverCache) Get(writer *schema.Type) (*Resolver, error) {
	if writer == nil {
		return nil, fmt.Errorf("avro: ResolverCache.Get: nil writer schema")
	}
	if e := c.last.Load(); e != nil && e.writer == writer {
		return e.r, e.err
	}
	if e, ok := c.byType.Load(writer); ok {
		e := e.(*tcCacheEntry)
		c.last.Store(e)
		return e.r, e.err
	}
	canon := writer.CanonicalForm()
	c.mu.Lock()
	e, ok := c.byCanon[canon]
	if !ok {
		e = &tcCacheEntry{writer: writer}
		e.r, e.err = NewResolver(writer, c.reader)
		c.byCanon[canon] = e
	}
	c.mu.Unlock()
	// Writers with the same canonical form share a Resolver, but each
	// gets its own entry, so last can name the writer it holds.
	if e.writer != writer {
		e = &tcCacheEntry{r: e.r, err: e.err, writer: writer}
	}
	c.byType.Store(writer, e)
	c.last.Store(e)
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
	z.reset(0)
	zero := z.assemble(item(z, nil), 0)
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
	inOrder, last := true, -1
	for _, ri := range target {
		if ri >= 0 {
			inOrder = inOrder && ri > last
			last = ri
		}
	}
	if inOrder {
		return tcStreamRecord(target, ops, defaults), nil
	}
	return tcReorderRecord(target, ops, defaults, fromWriter), nil
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

// tcStreamRecord reads a record whose kept writer fields are already in
// reader order: it writes each field as it reads it, with the defaults of
// the reader fields the writer lacks in between.
func tcStreamRecord(target []int, ops []tcOp, defaults [][]byte) tcOp {
	pre := make([][]byte, len(ops))
	next := 0
	for j := range ops {
		if ri := target[j]; ri >= 0 {
			for ; next < ri; next++ {
				pre[j] = append(pre[j], defaults[next]...)
			}
			next = ri + 1
		}
	}
	var post []byte
	for ; next < len(defaults); next++ {
		post = append(post, defaults[next]...)
	}
	return func(t *transcoder, dst []byte) []byte {
		if !t.Enter() {
			return dst
		}
		for j, op := range ops {
			dst = op(t, append(dst, pre[j]...))
		}
		t.Leave()
		return append(dst, post...)
	}
}

// tcSpan is a stretch [from, to) of the output as written, and the index
// of the span that follows it in reader order (-1 at the end).
type tcSpan struct {
	from, to, next int
}

// cut closes the open stretch of output, [t.open, end), as a span at the
// end of the span list.
func (t *transcoder) cut(end int) {
	if end > t.open {
		t.spans = append(t.spans, tcSpan{from: t.open, to: end, next: -1})
		t.link(len(t.spans)-1, len(t.spans)-1)
	}
	t.open = end
}

// link appends the span list head..tail to the span list.
func (t *transcoder) link(head, tail int) {
	if t.tail < 0 {
		t.head = head
	} else {
		t.spans[t.tail].next = head
	}
	t.tail = tail
}

// assemble rewrites the output written since offset n in the order of the
// span list, once the datum is done.
func (t *transcoder) assemble(dst []byte, n int) []byte {
	if len(t.spans) == 0 {
		return dst
	}
	t.cut(len(dst))
	t.scratch = append(t.scratch[:0], dst[n:]...)
	dst = dst[:n]
	for i := t.head; i >= 0; i = t.spans[i].next {
		dst = append(dst, t.scratch[t.spans[i].from-n:t.spans[i].to-n]...)
	}
	return dst
}

// tcReorderRecord reads a record whose writer fields come in another order
// than the reader's. Fields are written in the order they are read; what
// each one wrote is cut out of the span list and linked back in reader
// order, so reordering costs a few links per field however large the
// fields are (a recursive field moved at every level stays linear), and
// the output is put in order by one copy when the datum is done.
func tcReorderRecord(target []int, ops []tcOp, defaults [][]byte, fromWriter []bool) tcOp {
	nr := len(defaults)
	return func(t *transcoder, dst []byte) []byte {
		if !t.Enter() {
			return dst
		}
		t.cut(len(dst))
		base := len(t.slots)
		for i := 0; i < nr; i++ {
			t.slots = append(t.slots, -1, -1)
		}
		for j, op := range ops {
			ri := target[j]
			if ri < 0 {
				dst = op(t, dst)
				continue
			}
			before := t.tail
			dst = op(t, dst)
			t.cut(len(dst))
			if t.tail == before {
				continue // the field wrote nothing
			}
			head := t.head
			if before >= 0 {
				head = t.spans[before].next
				t.spans[before].next = -1
			} else {
				t.head = -1
			}
			t.slots[base+2*ri], t.slots[base+2*ri+1] = head, t.tail
			t.tail = before
		}
		t.Leave()
		for ri := 0; ri < nr && t.Err() == nil; ri++ {
			if !fromWriter[ri] {
				dst = append(dst, defaults[ri]...)
				t.cut(len(dst))
			} else if head := t.slots[base+2*ri]; head >= 0 {
				t.link(head, t.slots[base+2*ri+1])
			}
		}
		t.slots = t.slots[:base]
		return dst
	}
}
