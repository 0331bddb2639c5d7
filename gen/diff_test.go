package gen_test

// Differential tests of the generated Avro codecs against goavro, the
// reference: random schemas from internal/avrorand and every record of the
// Apache Avro conformance corpus. All generated packages go into ONE
// scratch module with one harness program, built and run once: the outer
// test writes goavro's encodings of random datums, the harness decodes
// each with the generated UnmarshalAvro and re-encodes it with AppendAvro,
// and the outer test decodes the result with goavro and compares.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/streamgen/streamgen/gen"
	"github.com/streamgen/streamgen/internal/avrorand"
	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/schema"
)

// defaultDiffSeeds is how many random schemas TestDiffRandomSchemas tries
// when STREAMGEN_DIFF_SEEDS is not set.
const defaultDiffSeeds = 40

// diffSeedRange reads STREAMGEN_DIFF_SEEDS: "N" runs seeds 1..N, "A-B"
// runs seeds A..B (to replay one failing seed: "17-17").
func diffSeedRange(t *testing.T) (lo, hi uint64) {
	v := os.Getenv("STREAMGEN_DIFF_SEEDS")
	if v == "" {
		return 1, defaultDiffSeeds
	}
	a, b, isRange := strings.Cut(v, "-")
	lo, err1 := strconv.ParseUint(a, 10, 64)
	if !isRange {
		if err1 != nil || lo == 0 {
			t.Fatalf("STREAMGEN_DIFF_SEEDS=%q: want N or A-B", v)
		}
		return 1, lo
	}
	hi, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil || lo == 0 || hi < lo {
		t.Fatalf("STREAMGEN_DIFF_SEEDS=%q: want N or A-B", v)
	}
	return lo, hi
}

// diffRecord is one record type under test and the data for it.
type diffRecord struct {
	full   string
	codec  *goavro.Codec
	datums []any
	labels []string // what each datum tests, for messages ("" for random ones)
	// canonical holds goavro's encoding of each datum, blocked the same
	// datums encoded with random array and map blocking.
	canonical, blocked [][]byte
}

// inputs returns every input of the record: goavro's encodings, then the
// blocked ones.
func (rec *diffRecord) inputs() [][]byte {
	return append(append([][]byte(nil), rec.canonical...), rec.blocked...)
}

// add adds datum v, encoded by goavro and with random blocking; label says
// what it tests.
func (c *diffCase) add(rec *diffRecord, v any, label string, r *rand.Rand) error {
	b, err := rec.codec.BinaryFromNative(nil, v)
	if err != nil {
		return fmt.Errorf("goavro cannot encode a datum of %s: %w", rec.full, err)
	}
	blocked, err := c.parsed.NamedAppend(nil, rec.full, v, r)
	if err != nil {
		return err
	}
	rec.datums = append(rec.datums, v)
	rec.labels = append(rec.labels, label)
	rec.canonical = append(rec.canonical, b)
	rec.blocked = append(rec.blocked, blocked)
	return nil
}

// diffCase is one schema set: its generated package and its records.
type diffCase struct {
	label   string // "seed 7" or "corpus misc/Person.avsc"
	pkg     string // Go package name and directory in the scratch module
	text    string // schema text, for failure messages
	set     *schema.Schema
	files   []gen.File
	parsed  *avrorand.Parsed
	records []*diffRecord
}

// TestDiffRandomSchemas generates random schemas, their Go code and random
// data, and checks the generated codecs against goavro.
func TestDiffRandomSchemas(t *testing.T) {
	lo, hi := diffSeedRange(t)
	var cases []*diffCase
	for seed := lo; seed <= hi; seed++ {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		text := avrorand.Schema(r, avrorand.Options{})
		c := &diffCase{label: fmt.Sprintf("seed %d", seed), pkg: fmt.Sprintf("s%04d", seed), text: text}
		src := schema.Source{Name: fmt.Sprintf("seed%d.avsc", seed), Data: []byte(text)}
		if err := c.prepare(r, []schema.Source{src}, []string{text}, true, 20); err != nil {
			t.Errorf("%s: %v\nschema: %s", c.label, err, text)
			continue
		}
		cases = append(cases, c)
	}
	edges, err := edgeCase()
	if err != nil {
		t.Error(err)
	} else {
		cases = append(cases, edges)
	}
	runDiff(t, cases)
}

// edgeSchema has a field of every primitive and logical type, for
// edgeCase.
const edgeSchema = `{"type": "record", "name": "Edges", "namespace": "edge", "fields": [
	{"name": "i", "type": "int"},
	{"name": "l", "type": "long"},
	{"name": "f", "type": "float"},
	{"name": "d", "type": "double"},
	{"name": "s", "type": "string"},
	{"name": "b", "type": "bytes"},
	{"name": "date", "type": {"type": "int", "logicalType": "date"}},
	{"name": "time_ms", "type": {"type": "int", "logicalType": "time-millis"}},
	{"name": "time_us", "type": {"type": "long", "logicalType": "time-micros"}},
	{"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
	{"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
	{"name": "ts_ns", "type": {"type": "long", "logicalType": "timestamp-nanos"}},
	{"name": "lts_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
	{"name": "lts_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
	{"name": "lts_ns", "type": {"type": "long", "logicalType": "local-timestamp-nanos"}},
	{"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 10}},
	{"name": "dec_fixed", "type": {"type": "fixed", "name": "D16", "size": 16, "logicalType": "decimal", "precision": 38, "scale": 0}},
	{"name": "dec_small", "type": {"type": "fixed", "name": "D1", "size": 1, "logicalType": "decimal", "precision": 2, "scale": 1}},
	{"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
	{"name": "dur", "type": {"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}}
]}`

// edgeCase returns a case whose datums put the extreme values of every
// type through the generated code, row by row: the smallest and largest
// values, zero, minus one, NaN and the infinities, and so on. Random
// schemas reach these only by luck.
func edgeCase() (*diffCase, error) {
	c := &diffCase{label: "edge values", pkg: "e0000", text: edgeSchema}
	r := rand.New(rand.NewPCG(3, 3))
	if err := c.prepare(r, []schema.Source{{Name: "edges.avsc", Data: []byte(edgeSchema)}}, []string{edgeSchema}, true, 0); err != nil {
		return nil, err
	}
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	dec := func(s string) *big.Rat {
		v, ok := new(big.Rat).SetString(s)
		if !ok {
			panic(s)
		}
		return v
	}
	// The first value of each column is a neutral one: row 0 holds every
	// neutral value, and each later row changes one column, so that a
	// failure names one field's value.
	longs := []int64{0, math.MinInt64, math.MaxInt64, -1, 1, math.MinInt32, math.MaxInt32 + 1}
	ints := []int32{0, math.MinInt32, math.MaxInt32, -1, 1, 1 << 30, -1 << 30}
	columns := map[string][]any{
		"i":    anys(ints),
		"l":    anys(longs),
		"f":    {float32(-1), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), float32(math.SmallestNonzeroFloat32), float32(math.MaxFloat32)},
		"d":    {-1.0, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64},
		"s":    {"", "\x00", "😀", strings.Repeat("x", 200), "\xff\xfe invalid UTF-8", "é", "a\nb"},
		"b":    {[]byte{}, []byte{0}, []byte{0xff}, make([]byte, 300), []byte("x")},
		"date": {epoch, epoch.AddDate(0, 0, math.MinInt32), epoch.AddDate(0, 0, math.MaxInt32), epoch.AddDate(0, 0, -1)},
		"time_ms": {time.Duration(0), time.Duration(86_399_999) * time.Millisecond, time.Duration(math.MaxInt32) * time.Millisecond,
			time.Duration(math.MinInt32) * time.Millisecond, -time.Millisecond},
		"time_us": {time.Duration(0), time.Duration(86_399_999_999) * time.Microsecond, time.Duration(math.MaxInt64/1000) * time.Microsecond,
			time.Duration(math.MinInt64/1000) * time.Microsecond, -time.Microsecond},
		"ts_ms":  timesOf(longs, time.UnixMilli),
		"ts_us":  timesOf(longs, time.UnixMicro),
		"ts_ns":  anys(longs),
		"lts_ms": anys(longs),
		"lts_us": anys(longs),
		"lts_ns": anys(longs),
		"dec": {dec("0"), dec("9999999999999999999999999999.9999999999"), dec("-9999999999999999999999999999.9999999999"),
			dec("-0.0000000001"), dec("0.0000000001"), dec("-128"), dec("127")},
		// goavro cannot write 0 into a fixed decimal wider than one byte.
		"dec_fixed": {dec("-1"), dec("99999999999999999999999999999999999999"), dec("-99999999999999999999999999999999999999"),
			dec("1"), dec("-170141183460469231731687303715884105"), dec("9223372036854775808")},
		"dec_small": {dec("0.1"), dec("9.9"), dec("-9.9"), dec("-0.1")},
		"uuid":      {"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0123abcd-4567-89ef-0123-456789abcdef"},
		"dur":       {make([]byte, 12), bytes.Repeat([]byte{0xff}, 12), []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}},
	}
	names := make([]string, 0, len(columns))
	for name := range columns {
		names = append(names, name)
	}
	sort.Strings(names)
	row := func(name string, i int) map[string]any {
		v := map[string]any{}
		for n, col := range columns {
			v[n] = col[0]
		}
		v[name] = columns[name][i]
		return v
	}
	rec := c.records[0]
	if err := c.add(rec, row(names[0], 0), "every field neutral", r); err != nil {
		return nil, fmt.Errorf("edge values, neutral row: %w", err)
	}
	for _, name := range names {
		for i := 1; i < len(columns[name]); i++ {
			label := fmt.Sprintf("%s = %v", name, columns[name][i])
			if err := c.add(rec, row(name, i), label, r); err != nil {
				return nil, fmt.Errorf("edge values, %s[%d]: %w", name, i, err)
			}
		}
	}
	return c, nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func timesOf(xs []int64, f func(int64) time.Time) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = f(x).UTC()
	}
	return out
}

// prepare parses the sources, generates the package, and makes datums and
// their encodings for the root record (rootOnly) or for every record.
func (c *diffCase) prepare(r *rand.Rand, srcs []schema.Source, texts []string, rootOnly bool, perRecord int) error {
	set, err := schema.ParseAvro(srcs...)
	if err != nil {
		return fmt.Errorf("schema.ParseAvro rejects a valid schema: %w", err)
	}
	c.set = set
	if c.files, err = gen.Types(set, gen.Options{Package: c.pkg}); err != nil {
		return fmt.Errorf("gen.Types: %w", err)
	}
	if c.parsed, err = avrorand.ParseSet(texts...); err != nil {
		return err
	}
	names := c.parsed.Records()
	if rootOnly {
		root, ok := c.parsed.RootIsRecord()
		if !ok {
			return fmt.Errorf("top-level type is not a record")
		}
		names = []string{root}
	}
	for _, full := range names {
		standalone, err := c.parsed.StandaloneJSON(full)
		if err != nil {
			return err
		}
		codec, err := goavro.NewCodec(standalone)
		if err != nil {
			return fmt.Errorf("goavro rejects record %s: %w", full, err)
		}
		rec := &diffRecord{full: full, codec: codec}
		for i := 0; i < perRecord; i++ {
			v, err := c.parsed.NamedDatum(r, full)
			if err != nil {
				return err
			}
			if err := c.add(rec, v, "", r); err != nil {
				return err
			}
		}
		c.records = append(c.records, rec)
	}
	return nil
}

// Harness statuses, one per input frame.
const (
	statusOK byte = iota
	statusDecodeError
	statusEncodeError
	statusOwnOutput
	statusAcceptsTruncated
	statusAcceptsTrailing
	statusPanic
	statusUnknownType
)

var statusNames = map[byte]string{
	statusDecodeError:      "UnmarshalAvro failed on valid input",
	statusEncodeError:      "AppendAvro failed after a successful decode",
	statusOwnOutput:        "UnmarshalAvro cannot read what AppendAvro wrote",
	statusAcceptsTruncated: "UnmarshalAvro accepted a truncated input",
	statusAcceptsTrailing:  "UnmarshalAvro accepted an input with a trailing byte",
	statusPanic:            "panic",
	statusUnknownType:      "NewAvroRecord does not know the record",
}

// harnessMain is the scratch module's program. For each manifest line
// (package, record full name, input file, output file) it decodes every
// input frame with the generated code, re-encodes it, re-decodes its own
// output, checks that every truncation of the input and the input plus a
// trailing byte are rejected, and decodes the frame once more, with
// UnmarshalAvroReuse, into a record that already held the previous
// frame's value (so its slices and maps are reused). It writes, per
// frame: the status, the re-encoding, and the re-encoding of the reused
// record (or the error text).
const harnessMain = `package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/streamgen/streamgen/runtime/codec"
%s)

var registries = map[string]func(string) (codec.AvroRecord, bool){
%s}

func main() {
	manifest, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var meta bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		f := strings.Split(line, "\t")
		pkg, full, in, out := f[0], f[1], f[2], f[3]
		data, err := os.ReadFile(in)
		if err != nil {
			panic(err)
		}
		var dirty codec.AvroRecord
		if r, ok := registries[pkg](full); ok {
			dirty = r
			fmt.Fprintf(&meta, "%%s\t%%s\t%%s\t%%q\n", pkg, full, r.AvroFullName(), r.AvroSchema())
		}
		var res []byte
		for len(data) > 0 {
			n, k := binary.Uvarint(data)
			frame := data[k : k+int(n)]
			data = data[k+int(n):]
			status, a, b := check(pkg, full, frame, dirty)
			res = append(res, status)
			res = binary.AppendUvarint(res, uint64(len(a)))
			res = append(res, a...)
			res = binary.AppendUvarint(res, uint64(len(b)))
			res = append(res, b...)
		}
		if err := os.WriteFile(out, res, 0o644); err != nil {
			panic(err)
		}
	}
	if err := os.WriteFile("meta.txt", meta.Bytes(), 0o644); err != nil {
		panic(err)
	}
}

// prefixes returns the truncation lengths to try: all of them for short
// inputs, else 64 spread over the input.
func prefixes(n int) []int {
	var out []int
	if n <= 64 {
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	}
	for i := 0; i < 64; i++ {
		out = append(out, i*n/64)
	}
	return append(out, n-1)
}

func check(pkg, full string, in []byte, dirty codec.AvroRecord) (status byte, out, reused []byte) {
	defer func() {
		if p := recover(); p != nil {
			status, out, reused = %d, []byte(fmt.Sprintf("%%v\n%%s", p, debug.Stack())), nil
		}
	}()
	fresh := func() codec.AvroRecord {
		r, _ := registries[pkg](full)
		return r
	}
	rec, ok := registries[pkg](full)
	if !ok {
		return %d, nil, nil
	}
	if err := rec.UnmarshalAvro(in); err != nil {
		return %d, []byte(err.Error()), nil
	}
	out, err := rec.AppendAvro(nil)
	if err != nil {
		return %d, []byte(err.Error()), nil
	}
	if err := fresh().UnmarshalAvro(out); err != nil {
		return %d, []byte(err.Error()), nil
	}
	for _, n := range prefixes(len(in)) {
		if fresh().UnmarshalAvro(in[:n]) == nil {
			return %d, []byte(fmt.Sprintf("accepted the first %%d of %%d bytes", n, len(in))), nil
		}
	}
	if fresh().UnmarshalAvro(append(in[:len(in):len(in)], 0)) == nil {
		return %d, nil, nil
	}
	if err := dirty.(interface{ UnmarshalAvroReuse([]byte) error }).UnmarshalAvroReuse(in); err != nil {
		return %d, []byte("UnmarshalAvroReuse into a reused record: " + err.Error()), nil
	}
	reused, err = dirty.AppendAvro(nil)
	if err != nil {
		return %d, []byte("from a reused record: " + err.Error()), nil
	}
	return %d, out, reused
}
`

func harnessSource(pkgs []string) string {
	var imports, regs strings.Builder
	for _, p := range pkgs {
		fmt.Fprintf(&imports, "\t%s \"example.com/scratch/%s\"\n", p, p)
		fmt.Fprintf(&regs, "\t%q: %s.NewAvroRecord,\n", p, p)
	}
	return fmt.Sprintf(harnessMain, imports.String(), regs.String(),
		statusPanic, statusUnknownType, statusDecodeError, statusEncodeError, statusOwnOutput,
		statusAcceptsTruncated, statusAcceptsTrailing, statusDecodeError, statusEncodeError, statusOK)
}

// buildErrorPackage matches the package directory at the start of a
// compiler error line ("s0007/avro.gen.go:12:3: ...").
var buildErrorPackage = regexp.MustCompile(`(?m)^(?:\./)?([sce]\d{4})/[^:\s]+\.go:\d+`)

// runDiff builds all cases into one scratch module, runs the harness once,
// and checks every output with goavro.
func runDiff(t *testing.T, cases []*diffCase) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("no case to run")
	}
	files := map[string][]byte{}
	var manifest strings.Builder
	for _, c := range cases {
		for _, f := range c.files {
			files[c.pkg+"/"+f.Name] = f.Content
		}
		for i, rec := range c.records {
			var in []byte
			for _, b := range rec.inputs() {
				in = binary.AppendUvarint(in, uint64(len(b)))
				in = append(in, b...)
			}
			name := fmt.Sprintf("data/%s_%d", c.pkg, i)
			files[name+".in"] = in
			fmt.Fprintf(&manifest, "%s\t%s\t%s.in\t%s.out\n", c.pkg, rec.full, name, name)
		}
	}
	files["manifest.txt"] = []byte(manifest.String())
	dir := gotest.Module(t, files)

	// Build; a package that does not compile is reported against its case
	// and left out, so the others still run.
	live := cases
	for attempt := 0; ; attempt++ {
		var pkgs []string
		for _, c := range live {
			pkgs = append(pkgs, c.pkg)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(harnessSource(pkgs)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := gotest.GoErr(dir, "build", "-o", "harness", ".")
		if err == nil {
			break
		}
		bad := map[string][]string{}
		for _, m := range buildErrorPackage.FindAllStringSubmatchIndex(out, -1) {
			pkg := out[m[2]:m[3]]
			end := strings.IndexByte(out[m[0]:], '\n')
			if end < 0 {
				end = len(out) - m[0]
			}
			bad[pkg] = append(bad[pkg], out[m[0]:m[0]+end])
		}
		if len(bad) == 0 || attempt == 3 {
			t.Fatalf("building the harness: %v\n%s", err, out)
		}
		var keep []*diffCase
		for _, c := range live {
			if msgs, ok := bad[c.pkg]; ok {
				t.Errorf("%s: generated code does not compile:\n\t%s\nschema: %s", c.label, strings.Join(msgs, "\n\t"), c.text)
				continue
			}
			keep = append(keep, c)
		}
		live = keep
		if len(live) == 0 {
			return
		}
	}
	cmd := exec.Command(filepath.Join(dir, "harness"), "manifest.txt")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("harness: %v\n%s", err, out)
	}
	meta := readMeta(t, dir)
	var failures []string
	for _, c := range live {
		failures = append(failures, c.check(t, dir, meta)...)
	}
	const maxShown = 40
	for i, f := range failures {
		if i == maxShown {
			t.Errorf("... and %d more failures", len(failures)-maxShown)
			break
		}
		t.Error(f)
	}
	datums := 0
	for _, c := range live {
		for _, r := range c.records {
			datums += len(r.canonical) + len(r.blocked)
		}
	}
	t.Logf("%d schema sets, %d inputs checked, %d failures", len(live), datums, len(failures))
}

// recordMeta is what the harness reports about one generated record type.
type recordMeta struct {
	fullName, schema string
}

func readMeta(t *testing.T, dir string) map[string]recordMeta {
	data, err := os.ReadFile(filepath.Join(dir, "meta.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]recordMeta{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			continue
		}
		s, err := strconv.Unquote(f[3])
		if err != nil {
			t.Fatalf("meta.txt: %v", err)
		}
		out[f[0]+"\t"+f[1]] = recordMeta{fullName: f[2], schema: s}
	}
	return out
}

// check compares the harness output of every record of c with goavro and
// returns one message per failure.
func (c *diffCase) check(t *testing.T, dir string, meta map[string]recordMeta) []string {
	var fails []string
	fail := func(rec *diffRecord, format string, args ...any) {
		msg := fmt.Sprintf("%s, record %s: ", c.label, rec.full) + fmt.Sprintf(format, args...)
		if len(fails) == 0 && c.text != "" {
			msg += "\nschema: " + c.text
		}
		fails = append(fails, msg)
	}
	for i, rec := range c.records {
		m, ok := meta[c.pkg+"\t"+rec.full]
		if !ok {
			fail(rec, "NewAvroRecord(%q) returned false", rec.full)
			continue
		}
		if m.fullName != rec.full {
			fail(rec, "AvroFullName() = %q", m.fullName)
		}
		if err := c.checkSchema(rec, m.schema); err != nil {
			fail(rec, "AvroSchema(): %v", err)
		}
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("data/%s_%d.out", c.pkg, i)))
		if err != nil {
			t.Fatal(err)
		}
		n := len(rec.datums)
		inputs := rec.inputs()
		for j, in := range inputs {
			status, out, reused, rest, err := readResult(data)
			if err != nil {
				fail(rec, "harness output: %v", err)
				break
			}
			data = rest
			v := rec.datums[j%n]
			what := fmt.Sprintf("datum %d", j%n)
			if l := rec.labels[j%n]; l != "" {
				what += " (" + clip([]byte(l)) + ")"
			}
			kind := "goavro's encoding"
			if j >= n {
				kind = "a blocked encoding"
			}
			if status != statusOK {
				fail(rec, "%s, %s %x: %s: %s", what, kind, clip(in), statusNames[status], out)
				continue
			}
			if d := c.sameDatum(rec, out, v); d != "" {
				fail(rec, "%s, %s %x: re-encoded %x: %s", what, kind, clip(in), clip(out), d)
				continue
			}
			canonical := rec.canonical[j%n]
			if !c.parsed.NamedOrderSensitive(rec.full, v) && !bytes.Equal(out, canonical) {
				fail(rec, "%s, %s: re-encoded %x, goavro writes %x", what, kind, clip(out), clip(canonical))
				continue
			}
			if d := c.sameDatum(rec, reused, v); d != "" {
				fail(rec, "%s, %s, decoded with UnmarshalAvroReuse into a record that held the previous input's value: re-encoded %x: %s", what, kind, clip(reused), d)
			}
		}
	}
	return fails
}

// sameDatum decodes b with goavro and returns "" when it is exactly v.
func (c *diffCase) sameDatum(rec *diffRecord, b []byte, v any) string {
	got, rest, err := rec.codec.NativeFromBinary(b)
	if err != nil {
		return "goavro cannot decode it: " + err.Error()
	}
	if len(rest) != 0 {
		return fmt.Sprintf("%d bytes left after goavro decoded it", len(rest))
	}
	if d := avrorand.Diff(v, got); d != "" {
		return "value differs from the original: " + d
	}
	return ""
}

// checkSchema checks that the schema the generated type reports is the
// record's schema: same parsing canonical form as the record in the set,
// and readable by goavro.
func (c *diffCase) checkSchema(rec *diffRecord, s string) error {
	if _, err := goavro.NewCodec(s); err != nil {
		return fmt.Errorf("goavro rejects it: %v", err)
	}
	got, err := schema.ParseAvroString(s)
	if err != nil {
		return fmt.Errorf("does not parse: %v", err)
	}
	want, ok := c.set.Lookup(rec.full)
	if !ok {
		return fmt.Errorf("the schema set has no %s", rec.full)
	}
	if g, w := got.CanonicalForm(), want.CanonicalForm(); g != w {
		return fmt.Errorf("canonical form\n\t%s\nwant\n\t%s", g, w)
	}
	return nil
}

func readResult(data []byte) (status byte, out, reused, rest []byte, err error) {
	if len(data) == 0 {
		return 0, nil, nil, nil, fmt.Errorf("missing result")
	}
	status, data = data[0], data[1:]
	read := func() []byte {
		n, k := binary.Uvarint(data)
		if k <= 0 || uint64(len(data)-k) < n {
			err = fmt.Errorf("truncated result")
			return nil
		}
		b := data[k : k+int(n)]
		data = data[k+int(n):]
		return b
	}
	out = read()
	reused = read()
	return status, out, reused, data, err
}

// clip shortens long byte strings in messages.
func clip(b []byte) string {
	if len(b) > 96 {
		return string(b[:96])
	}
	return string(b)
}

// corpusDeps lists, for corpus files that use named types defined in
// another file, the files to parse first.
var corpusDeps = map[string][]string{
	"misc/ApplicationEvent.avsc": {"misc/DocumentInfo.avsc"},
}

// corpusExcluded lists the valid corpus schemas with records that are not
// put through the differential test, and why. TestDiffCorpus checks that
// each reason still holds.
var corpusExcluded = map[string]string{
	"c-schema-tests/pass/namespace_null_enum.avsc":   "goavro reads \"namespace\": \"\" as 'inherit the enclosing namespace' (the spec says null namespace), so it cannot resolve the reference Z",
	"c-schema-tests/pass/namespace_null_fixed.avsc":  "goavro reads \"namespace\": \"\" as 'inherit the enclosing namespace' (the spec says null namespace), so it cannot resolve the reference Z",
	"c-schema-tests/pass/namespace_null_record.avsc": "goavro reads \"namespace\": \"\" as 'inherit the enclosing namespace' (the spec says null namespace), so it cannot resolve the reference Z",
	"c-schema-tests/pass/namespace_fullname.avsc":    "no finite value: Y and Z contain each other without a union, array or map",
	"c-schema-tests/pass/namespace_simple.avsc":      "no finite value: Z contains itself without a union, array or map",
}

// corpusMustFail lists the corpus files every parser must reject; files
// under a fail/ directory are added to it.
var corpusMustFail = map[string]bool{
	"cpp-jsonschemas/nested.error.avsc": true,
	"cpp-jsonschemas/verboseint.avsc":   true, // not JSON: keys are not quoted
}

func corpusFiles(t *testing.T) (string, []string) {
	root := filepath.Join(gotest.SharedDir(t), "conformance", "avro")
	var rels []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".avsc") {
			rel, _ := filepath.Rel(root, path)
			rels = append(rels, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rels)
	if len(rels) == 0 {
		t.Fatalf("no .avsc under %s", root)
	}
	return root, rels
}

func mustFail(rel string) bool {
	return corpusMustFail[rel] || strings.Contains("/"+rel, "/fail/")
}

// TestDiffCorpus runs every record of every valid .avsc of the Avro
// conformance corpus through the same differential test as the random
// schemas. Valid files without records (and the excluded ones) are parsed,
// generated and compiled.
func TestDiffCorpus(t *testing.T) {
	root, rels := corpusFiles(t)
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r := rand.New(rand.NewPCG(1, 0xc0))
	var cases []*diffCase
	for i, rel := range rels {
		if mustFail(rel) {
			continue
		}
		var srcs []schema.Source
		var texts []string
		for _, dep := range append(corpusDeps[rel], rel) {
			b := read(dep)
			srcs = append(srcs, schema.Source{Name: dep, Data: b})
			texts = append(texts, string(b))
		}
		parsed, err := avrorand.ParseSet(texts...)
		if err != nil {
			t.Errorf("%s: avrorand cannot read it: %v", rel, err)
			continue
		}
		reason, excluded := corpusExcluded[rel]
		if excluded {
			if err := confirmExcluded(parsed); err == nil {
				t.Errorf("%s is excluded (%s) but goavro and avrorand now handle it: put it back in the test", rel, reason)
			}
		}
		if excluded || len(parsed.Records()) == 0 {
			// No data to test, but the schema must still parse, and its
			// generated code must compile.
			set, err := schema.ParseAvro(srcs...)
			if err != nil {
				t.Errorf("%s: schema.ParseAvro: %v", rel, err)
				continue
			}
			files, err := gen.Types(set, gen.Options{Package: fmt.Sprintf("c%04d", i)})
			if err != nil {
				t.Errorf("%s: gen.Types: %v", rel, err)
				continue
			}
			cases = append(cases, &diffCase{label: "corpus " + rel, pkg: fmt.Sprintf("c%04d", i), set: set, files: files, parsed: parsed})
			continue
		}
		perRecord := 8
		if len(parsed.Records()) > 50 {
			perRecord = 2
		}
		c := &diffCase{label: "corpus " + rel, pkg: fmt.Sprintf("c%04d", i)}
		if err := c.prepare(r, srcs, texts, false, perRecord); err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		cases = append(cases, c)
	}
	runDiff(t, cases)
}

// confirmExcluded returns nil when goavro and avrorand can now produce and
// encode data for every record of the schema.
func confirmExcluded(p *avrorand.Parsed) error {
	r := rand.New(rand.NewPCG(2, 2))
	for _, full := range p.Records() {
		s, err := p.StandaloneJSON(full)
		if err != nil {
			return err
		}
		codec, err := goavro.NewCodec(s)
		if err != nil {
			return err
		}
		v, err := p.NamedDatum(r, full)
		if err != nil {
			return err
		}
		if _, err := codec.BinaryFromNative(nil, v); err != nil {
			return err
		}
	}
	return nil
}

// TestCorpusFailures: every corpus schema that must fail makes the parser
// (and so the generator, which only takes parsed schemas) return an error
// that names the file.
func TestCorpusFailures(t *testing.T) {
	root, rels := corpusFiles(t)
	n := 0
	for _, rel := range rels {
		if !mustFail(rel) {
			continue
		}
		n++
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				t.Fatal(err)
			}
			set, err := schema.ParseAvro(schema.Source{Name: rel, Data: data})
			if err == nil {
				_, genErr := gen.Types(set, gen.Options{Package: "x"})
				t.Fatalf("schema.ParseAvro accepted an invalid schema (gen.Types error: %v)", genErr)
			}
			if !strings.Contains(err.Error(), rel) {
				t.Fatalf("the error does not name the file %s:\n%v", rel, err)
			}
		})
	}
	if n < 13 {
		t.Fatalf("found %d must-fail corpus files, want at least 13", n)
	}
}
