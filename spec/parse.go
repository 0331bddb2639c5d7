package spec

import (
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/streamgen/streamgen/schema"
)

// objectKeys lists, for every kind of YAML mapping the spec has, the keys
// it accepts, in documentation order. The parser reads keys only through
// this table, and docs/streamgen.schema.json has a definition of the same
// name with the same properties (a test walks both).
var objectKeys = map[string][]string{
	"spec":                {"version", "name", "package", "out", "schemas", "sources", "operators", "sinks", "commit", "watermark_alignment"},
	"source":              {"topics", "topic_pattern", "key", "value", "partitioned_by", "start", "event_time", "watermark", "on_error", "dead_letter_topic", "object_reuse"},
	"serde":               {"format", "type"},
	"sink_key":            {"format", "type", "field"},
	"start":               {"committed", "timestamp", "offsets"},
	"start_committed":     {"fallback"},
	"event_time":          {"field", "kafka_timestamp"},
	"watermark":           {"out_of_orderness", "idleness"},
	"operator":            {"input", "key_by", "map", "filter", "flat_map", "window", "process", "union", "join"},
	"map":                 {"output"},
	"filter":              {},
	"flat_map":            {"output"},
	"window":              {"tumbling", "sliding", "session", "offset", "allowed_lateness", "late_output", "emit", "aggregate", "reduce", "process"},
	"sliding":             {"size", "slide"},
	"session":             {"gap"},
	"aggregate":           {"accumulator", "output"},
	"reduce":              {},
	"window_process":      {"output"},
	"process":             {"output", "state", "timers", "side_outputs"},
	"state":               {"value", "map", "list", "reducing", "ttl"},
	"state_map":           {"key", "value"},
	"join":                {"left", "right", "type", "output", "within", "table_ttl"},
	"join_within":         {"before", "after"},
	"sink":                {"input", "topic", "key", "value", "partitioner", "partition", "delivery"},
	"commit":              {"interval", "max_records"},
	"watermark_alignment": {"max_drift"},
}

// nullableKinds are the mappings that may be left empty as a YAML null
// ("filter:" with nothing after it), because every key is optional.
var nullableKinds = map[string]bool{"map": true, "filter": true, "flat_map": true, "reduce": true, "start_committed": true}

// enumValues lists the values of every enumerated scalar, by the name of
// its definition in docs/streamgen.schema.json.
var enumValues = map[string][]string{
	"format":      formatStrings(),
	"start_mode":  {string(StartEarliest), string(StartLatest), string(StartCommitted)},
	"fallback":    {string(StartEarliest), string(StartLatest)},
	"on_error":    {string(ErrorStop), string(ErrorDeadLetter)},
	"builtin":     Builtins,
	"partitioner": {string(PartitionKeyHash), string(PartitionRoundRobin), string(PartitionFixed)},
	"delivery":    {string(DeliveryExactlyOnce), string(DeliveryAtLeastOnce), string(DeliveryNone)},
	"emit":        {string(EmitOnEnd), string(EmitOnClose)},
	"join_type":   {string(JoinInner), string(JoinLeft)},
}

func formatStrings() []string {
	out := make([]string, len(Formats))
	for i, f := range Formats {
		out[i] = string(f)
	}
	return out
}

// Defaults.
const (
	// DefaultCommitInterval is the commit interval when commit.interval is
	// not given (the Kafka Streams exactly-once default).
	DefaultCommitInterval = 100 * time.Millisecond
)

var (
	pipelineNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	identRE        = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	topicRE        = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	fieldPathRE    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	typeNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// ParseFile reads and parses the spec file at path. See Parse.
func ParseFile(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses the spec in data, read from file (which names positions and
// anchors the relative paths of out and schemas), and checks its shape:
// known keys, required keys, value kinds, enum values, names, durations and
// topic names. It fills in defaults and expands the schema globs. On
// failure the error is a schema.ErrorList holding every problem found, in
// source order.
func Parse(file string, data []byte) (*Spec, error) {
	s, errs := parse(file, data)
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// parse is Parse that also returns, beside its problems, what it could
// parse: every element, even one with problems (nil when the YAML does
// not parse or is empty).
func parse(file string, data []byte) (*Spec, schema.ErrorList) {
	p := &parser{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, p.yamlError(err)
	}
	s := &Spec{File: file, Pos: schema.Pos{File: file, Line: 1, Col: 1}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errorf(s.Pos, "", "the spec is empty: it needs at least version, name and sources")
		return nil, p.errs
	}
	p.parseSpec(s, doc.Content[0])
	p.sort()
	return s, p.errs
}

// parser collects the problems of one Parse.
type parser struct {
	file string
	errs schema.ErrorList
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a positioned ErrorList.
func (p *parser) yamlError(err error) schema.ErrorList {
	var msgs []string
	if te, ok := err.(*yaml.TypeError); ok {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var list schema.ErrorList
	for _, m := range msgs {
		pos := schema.Pos{File: p.file}
		if sm := yamlLineRE.FindStringSubmatch(m); sm != nil {
			pos.Line, _ = strconv.Atoi(sm[1])
			m = sm[2]
			// yaml.v3 counts lines from 0 in parser errors (all of which
			// say "did not find expected ...") and from 1 in scanner
			// errors.
			if strings.HasPrefix(m, "did not find expected") {
				pos.Line++
			}
		} else {
			m = strings.TrimPrefix(m, "yaml: ")
		}
		list = append(list, &schema.Error{Pos: pos, Msg: "invalid YAML: " + m})
	}
	return list
}

func (p *parser) errorf(pos schema.Pos, path, format string, args ...any) {
	p.errs = append(p.errs, &schema.Error{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) sort() { sortErrors(p.errs) }

// sortErrors orders errors by file, line, column and keeps the order of
// errors at the same place.
func sortErrors(errs schema.ErrorList) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

func (p *parser) pos(n *yaml.Node) schema.Pos {
	return schema.Pos{File: p.file, Line: n.Line, Col: n.Column}
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		}
		return n.Value
	}
	return "an unknown YAML node"
}

// object is one YAML mapping of a known kind, with its keys checked.
type object struct {
	p       *parser
	kind    string
	path    string
	node    *yaml.Node
	at      schema.Pos               // where "missing key" errors point
	entries map[string][2]*yaml.Node // key -> key node, value node
	order   []string
}

// object reads n as a mapping of the given kind, reporting unknown and
// duplicate keys. It returns nil (after reporting) when n is not a
// mapping.
func (p *parser) object(n *yaml.Node, path, kind string) *object {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" && nullableKinds[kind] {
			return &object{p: p, kind: kind, path: path, node: n, at: p.pos(n), entries: map[string][2]*yaml.Node{}}
		}
		p.errorf(p.pos(n), path, "want a mapping, got %s", describe(n))
		return nil
	}
	o := &object{p: p, kind: kind, path: path, node: n, at: p.pos(n), entries: map[string][2]*yaml.Node{}}
	known := objectKeys[kind]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(p.pos(k), path, "want a plain key, got %s", describe(k))
			continue
		}
		if prev, dup := o.entries[k.Value]; dup {
			p.errorf(p.pos(k), join(path, k.Value), "duplicate key %q (first at line %d)", k.Value, prev[0].Line)
			continue
		}
		if !contains(known, k.Value) {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else if len(known) > 0 {
				msg += " (known keys: " + strings.Join(known, ", ") + ")"
			} else {
				msg += " (this mapping takes no keys)"
			}
			p.errorf(p.pos(k), join(path, k.Value), "%s", msg)
			continue
		}
		o.entries[k.Value] = [2]*yaml.Node{k, v}
		o.order = append(o.order, k.Value)
	}
	return o
}

// objectAt is object with "missing key" errors pointing at at (the key
// that holds the mapping).
func (p *parser) objectAt(n *yaml.Node, at schema.Pos, path, kind string) *object {
	o := p.object(n, path, kind)
	if o != nil {
		o.at = at
	}
	return o
}

// get returns the value node of key and its key node, or nils.
func (o *object) get(key string) (val, keyNode *yaml.Node) {
	if !contains(objectKeys[o.kind], key) {
		o.p.errorf(o.p.pos(o.node), o.path, "internal error: key %q read from a %s mapping that does not declare it", key, o.kind)
		return nil, nil
	}
	e, ok := o.entries[key]
	if !ok {
		return nil, nil
	}
	return deref(e[1]), e[0]
}

// has reports whether key is present.
func (o *object) has(key string) bool {
	_, ok := o.entries[key]
	return ok
}

// present returns the present keys among keys, in the given order.
func (o *object) present(keys ...string) []string {
	var out []string
	for _, k := range keys {
		if o.has(k) {
			out = append(out, k)
		}
	}
	return out
}

// require reports a missing key and returns its value.
func (o *object) require(key, what string) *yaml.Node {
	v, _ := o.get(key)
	if v == nil {
		o.p.errorf(o.at, o.path, "missing %s: %s", key, what)
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str reads a non-empty scalar string.
func (p *parser) str(n *yaml.Node, path string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(p.pos(n), path, "want a string, got %s", describe(n))
		return "", false
	}
	if n.Value == "" {
		p.errorf(p.pos(n), path, "must not be empty")
		return "", false
	}
	return n.Value, true
}

// enum reads a scalar that must be one of values.
func (p *parser) enum(n *yaml.Node, path, what string, values []string) (string, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return "", false
	}
	if !contains(values, s) {
		msg := fmt.Sprintf("unknown %s %q", what, s)
		if sug := suggest(s, values); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		} else {
			msg += " (want one of " + strings.Join(values, ", ") + ")"
		}
		p.errorf(p.pos(n), path, "%s", msg)
		return "", false
	}
	return s, true
}

// boolean reads true or false.
func (p *parser) boolean(n *yaml.Node, path string) (bool, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.errorf(p.pos(n), path, "want true or false, got %s", describe(n))
		return false, false
	}
	b, err := strconv.ParseBool(n.Value)
	if err != nil {
		// YAML 1.1 spellings that yaml.v3 still tags !!bool.
		switch strings.ToLower(n.Value) {
		case "yes", "on", "y":
			return true, true
		case "no", "off", "n":
			return false, true
		}
		p.errorf(p.pos(n), path, "want true or false, got %s", describe(n))
		return false, false
	}
	return b, true
}

// integer reads an integer in [min, max].
func (p *parser) integer(n *yaml.Node, path string, min, max int64) (int64, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.errorf(p.pos(n), path, "want an integer, got %s", describe(n))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		p.errorf(p.pos(n), path, "integer %s out of range", n.Value)
		return 0, false
	}
	switch {
	case v < 0 && min == 0:
		p.errorf(p.pos(n), path, "must not be negative, got %d", v)
		return 0, false
	case v < min || v > max:
		p.errorf(p.pos(n), path, "%d is out of range [%d, %d]", v, min, max)
		return 0, false
	}
	return v, true
}

// durationRule says which durations are acceptable.
type durationRule int

const (
	nonNegative durationRule = iota
	positive
)

// duration reads a Go duration ("1m30s").
func (p *parser) duration(n *yaml.Node, path string, rule durationRule) (time.Duration, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(p.pos(n), path, "want a duration such as 30s or 5m, got %s", describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.errorf(p.pos(n), path, "bad duration %q: want a Go duration such as 500ms, 30s, 5m or 1h30m", n.Value)
		return 0, false
	}
	switch {
	case d < 0:
		p.errorf(p.pos(n), path, "duration %s is negative", n.Value)
		return 0, false
	case d == 0 && rule == positive:
		p.errorf(p.pos(n), path, "duration must be positive, got %s", n.Value)
		return 0, false
	}
	return d, true
}

// name reads a source, operator, sink, state or side-output name.
func (p *parser) name(k *yaml.Node, path, what string) (string, bool) {
	if k.Kind != yaml.ScalarNode {
		p.errorf(p.pos(k), path, "want a %s name, got %s", what, describe(k))
		return "", false
	}
	if !identRE.MatchString(k.Value) {
		p.errorf(p.pos(k), path, "bad %s name %q: want lower-case letters, digits and underscores, starting with a letter", what, k.Value)
		return "", false
	}
	return k.Value, true
}

// topic reads a Kafka topic name.
func (p *parser) topic(n *yaml.Node, path string) (string, bool) {
	s, ok := p.str(n, path)
	if !ok {
		return "", false
	}
	switch {
	case s == "." || s == "..":
		p.errorf(p.pos(n), path, "topic name %q is not allowed by Kafka", s)
		return "", false
	case len(s) > 249:
		p.errorf(p.pos(n), path, "topic name is %d characters long; Kafka allows at most 249", len(s))
		return "", false
	case !topicRE.MatchString(s):
		p.errorf(p.pos(n), path, "bad topic name %q: Kafka allows only letters, digits, '.', '_' and '-'", s)
		return "", false
	}
	return s, true
}

// pairs returns the key and value nodes of a mapping that maps names to
// things, in order, reporting duplicates.
func (p *parser) pairs(n *yaml.Node, path string) [][2]*yaml.Node {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(p.pos(n), path, "want a mapping of names, got %s", describe(n))
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if line, dup := seen[k.Value]; dup && k.Kind == yaml.ScalarNode {
			p.errorf(p.pos(k), join(path, k.Value), "duplicate key %q (first at line %d)", k.Value, line)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out
}

func (p *parser) parseSpec(s *Spec, n *yaml.Node) {
	o := p.object(n, "", "spec")
	if o == nil {
		return
	}
	s.Pos = p.pos(deref(n))
	if v := o.require("version", "the spec format version (1)"); v != nil {
		if ver, ok := p.integer(v, "version", 0, 1<<31); ok {
			if ver != Version1 {
				p.errorf(p.pos(v), "version", "unknown version %d: this streamgen reads version %d", ver, Version1)
			}
			s.Version = int(ver)
		}
	}
	if v := o.require("name", "the pipeline name"); v != nil {
		if name, ok := p.str(v, "name"); ok {
			if !pipelineNameRE.MatchString(name) {
				p.errorf(p.pos(v), "name", "bad pipeline name %q: want lower-case letters, digits and '-', starting with a letter", name)
			}
			s.Name = name
		}
	}
	if v, _ := o.get("package"); v != nil {
		if pkg, ok := p.str(v, "package"); ok {
			if !token.IsIdentifier(pkg) || token.IsKeyword(pkg) || pkg != strings.ToLower(pkg) || pkg == "_" {
				p.errorf(p.pos(v), "package", "bad Go package name %q: want a lower-case Go identifier that is not a keyword", pkg)
			}
			s.Package = pkg
		}
	} else if s.Name != "" {
		s.Package = strings.ReplaceAll(s.Name, "-", "")
		if token.IsKeyword(s.Package) {
			s.Package += "pipeline"
		}
	}
	dir := filepath.Dir(p.file)
	s.Out = absJoin(dir, ".")
	if v, _ := o.get("out"); v != nil {
		if out, ok := p.str(v, "out"); ok {
			s.Out = absJoin(dir, out)
		}
	}
	if v, _ := o.get("schemas"); v != nil {
		s.Schemas = p.parseSchemas(v, dir)
	}
	if v := o.require("sources", "at least one source"); v != nil {
		kvs := p.pairs(v, "sources")
		for _, kv := range kvs {
			if src := p.parseSource(kv[0], kv[1]); src != nil {
				s.Sources = append(s.Sources, src)
			}
		}
		if len(kvs) == 0 && (v.Kind == yaml.MappingNode || v.ShortTag() == "!!null") {
			_, k := o.get("sources")
			p.errorf(p.pos(k), "sources", "a pipeline needs at least one source")
		}
	}
	if v, _ := o.get("operators"); v != nil {
		for _, kv := range p.pairs(v, "operators") {
			if op := p.parseOperator(kv[0], kv[1]); op != nil {
				s.Operators = append(s.Operators, op)
			}
		}
	}
	if v, _ := o.get("sinks"); v != nil {
		for _, kv := range p.pairs(v, "sinks") {
			if sk := p.parseSink(kv[0], kv[1]); sk != nil {
				s.Sinks = append(s.Sinks, sk)
			}
		}
	}
	s.Commit = Commit{Interval: DefaultCommitInterval, Pos: s.Pos}
	if v, k := o.get("commit"); v != nil {
		s.Commit.Pos = p.pos(k)
		if c := p.object(v, "commit", "commit"); c != nil {
			if d, _ := c.get("interval"); d != nil {
				if iv, ok := p.duration(d, "commit.interval", positive); ok {
					s.Commit.Interval = iv
				}
			}
			if m, _ := c.get("max_records"); m != nil {
				if mr, ok := p.integer(m, "commit.max_records", 0, 1<<31-1); ok {
					s.Commit.MaxRecords = int(mr)
				}
			}
		}
	}
	if v, _ := o.get("watermark_alignment"); v != nil {
		if a := p.object(v, "watermark_alignment", "watermark_alignment"); a != nil {
			if d, _ := a.get("max_drift"); d != nil {
				if md, ok := p.duration(d, "watermark_alignment.max_drift", positive); ok {
					s.MaxWatermarkDrift = md
				}
			}
		}
	}
}

// absJoin resolves rel against dir and makes it absolute.
func absJoin(dir, rel string) string {
	if !filepath.IsAbs(rel) {
		rel = filepath.Join(dir, rel)
	}
	if abs, err := filepath.Abs(rel); err == nil {
		return abs
	}
	return filepath.Clean(rel)
}

func (p *parser) parseSchemas(n *yaml.Node, dir string) []string {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(n), "schemas", "want a list of schema files or globs, got %s", describe(n))
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i, e := range n.Content {
		path := fmt.Sprintf("schemas[%d]", i)
		pat, ok := p.str(e, path)
		if !ok {
			continue
		}
		full := absJoin(dir, pat)
		matches, err := filepath.Glob(full)
		if err != nil {
			p.errorf(p.pos(e), path, "bad glob %q: %v", pat, err)
			continue
		}
		if len(matches) == 0 {
			if strings.ContainsAny(pat, "*?[") {
				p.errorf(p.pos(e), path, "%q matches no file", pat)
			} else {
				p.errorf(p.pos(e), path, "schema file %q does not exist", pat)
			}
			continue
		}
		sort.Strings(matches)
		for _, m := range matches {
			if ext := strings.ToLower(filepath.Ext(m)); ext != ".avsc" && ext != ".json" {
				shown := m
				if rel, err := filepath.Rel(absJoin(dir, "."), m); err == nil {
					shown = filepath.ToSlash(rel)
				}
				p.errorf(p.pos(e), path, "%s is not a schema file: want .avsc (Avro) or .json (JSON Schema)", shown)
				continue
			}
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

func (p *parser) parseSource(k, v *yaml.Node) *Source {
	name, ok := p.name(k, join("sources", k.Value), "source")
	if !ok {
		return nil
	}
	path := "sources." + name
	src := &Source{Name: name, Pos: p.pos(k)}
	o := p.objectAt(v, src.Pos, path, "source")
	if o == nil {
		return src
	}
	switch both := o.present("topics", "topic_pattern"); len(both) {
	case 0:
		p.errorf(src.Pos, path, "missing topics or topic_pattern: a source reads a list of topics or the topics matching a pattern")
	case 2:
		_, kn := o.get("topic_pattern")
		p.errorf(p.pos(kn), join(path, "topic_pattern"), "give either topics or topic_pattern, not both")
	}
	if t, _ := o.get("topics"); t != nil {
		tp := join(path, "topics")
		switch t.Kind {
		case yaml.SequenceNode:
			if len(t.Content) == 0 {
				p.errorf(p.pos(t), tp, "the list of topics is empty")
			}
			seen := map[string]bool{}
			for i, e := range t.Content {
				if topic, ok := p.topic(e, fmt.Sprintf("%s[%d]", tp, i)); ok {
					if seen[topic] {
						p.errorf(p.pos(deref(e)), fmt.Sprintf("%s[%d]", tp, i), "topic %q is listed twice", topic)
						continue
					}
					seen[topic] = true
					src.Topics = append(src.Topics, topic)
				}
			}
		case yaml.ScalarNode:
			if topic, ok := p.topic(t, tp); ok {
				src.Topics = []string{topic}
			}
		default:
			p.errorf(p.pos(t), tp, "want a list of topics, got %s", describe(t))
		}
	}
	if t, _ := o.get("topic_pattern"); t != nil {
		tp := join(path, "topic_pattern")
		if pat, ok := p.str(t, tp); ok {
			if _, err := regexp.Compile(pat); err != nil {
				p.errorf(p.pos(t), tp, "topic_pattern does not compile: %v", err)
			}
			src.TopicPattern = pat
		}
	}
	src.Key = Serde{Format: FormatNone, Pos: src.Pos}
	if kv, kk := o.get("key"); kv != nil {
		src.Key = p.parseSerde(kv, kk, join(path, "key"), "serde", true)
	}
	if vv := o.require("value", "how record values are decoded, e.g. {format: avro, type: com.acme.Click}"); vv != nil {
		_, vk := o.get("value")
		src.Value = p.parseSerde(vv, vk, join(path, "value"), "serde", false)
	}
	if pv, _ := o.get("partitioned_by"); pv != nil {
		src.PartitionedBy = p.fieldRef(pv, join(path, "partitioned_by"), true)
	}
	src.Start = Start{Mode: StartCommitted, Fallback: StartEarliest, Pos: src.Pos}
	if sv, sk := o.get("start"); sv != nil {
		src.Start = p.parseStart(sv, sk, join(path, "start"))
	}
	src.EventTime = EventTime{KafkaTimestamp: true, Pos: src.Pos}
	if ev, ek := o.get("event_time"); ev != nil {
		src.EventTime = p.parseEventTime(ev, ek, join(path, "event_time"))
	}
	src.Watermark = Watermark{Pos: src.Pos}
	if wv, wk := o.get("watermark"); wv != nil {
		src.Watermark.Pos = p.pos(wk)
		wp := join(path, "watermark")
		if w := p.object(wv, wp, "watermark"); w != nil {
			if d, _ := w.get("out_of_orderness"); d != nil {
				src.Watermark.OutOfOrderness, _ = p.duration(d, join(wp, "out_of_orderness"), nonNegative)
			}
			if d, _ := w.get("idleness"); d != nil {
				src.Watermark.Idleness, _ = p.duration(d, join(wp, "idleness"), positive)
			}
		}
	}
	src.OnError = ErrorStop
	if ev, _ := o.get("on_error"); ev != nil {
		if pol, ok := p.enum(ev, join(path, "on_error"), "error policy", enumValues["on_error"]); ok {
			src.OnError = ErrorPolicy(pol)
		}
	}
	if dv, _ := o.get("dead_letter_topic"); dv != nil {
		src.DeadLetterTopic, _ = p.topic(dv, join(path, "dead_letter_topic"))
	}
	if rv, _ := o.get("object_reuse"); rv != nil {
		src.ObjectReuse, _ = p.boolean(rv, join(path, "object_reuse"))
		src.ObjectReusePos = p.pos(rv)
	}
	if src.OnError == ErrorDeadLetter && !o.has("dead_letter_topic") {
		ev, _ := o.get("on_error")
		p.errorf(p.pos(ev), join(path, "on_error"), "dead-letter needs dead_letter_topic: the topic that records which cannot be decoded go to")
	}
	if src.OnError != ErrorDeadLetter && o.has("dead_letter_topic") {
		_, dk := o.get("dead_letter_topic")
		p.errorf(p.pos(dk), join(path, "dead_letter_topic"), "dead_letter_topic is only used with on_error: dead-letter")
	}
	return src
}

// parseSerde reads a key or value format. kind is "serde" or "sink_key".
func (p *parser) parseSerde(n, k *yaml.Node, path, kind string, isKey bool) Serde {
	sd := Serde{Pos: p.pos(k)}
	o := p.objectAt(n, sd.Pos, path, kind)
	if o == nil {
		return sd
	}
	if f := o.require("format", "one of "+strings.Join(enumValues["format"], ", ")); f != nil {
		if fs, ok := p.enum(f, join(path, "format"), "format", enumValues["format"]); ok {
			sd.Format = Format(fs)
		}
	}
	if sd.Format == FormatNone && !isKey {
		f, _ := o.get("format")
		p.errorf(p.pos(f), join(path, "format"), "format none is only for keys: a value needs a format")
	}
	tv, _ := o.get("type")
	switch {
	case tv != nil && sd.Format != "" && !sd.Format.NeedsType():
		p.errorf(p.pos(tv), join(path, "type"), "format %s takes no type (only the Avro formats and json do)", sd.Format)
	case tv != nil:
		if name, ok := p.str(tv, join(path, "type")); ok {
			if !typeNameRE.MatchString(name) {
				p.errorf(p.pos(tv), join(path, "type"), "bad type name %q: want a schema full name such as com.acme.Click", name)
			} else {
				sd.Type = &TypeRef{Name: name, Pos: p.pos(tv)}
			}
		}
	case sd.Format.NeedsType():
		f, _ := o.get("format")
		p.errorf(p.pos(f), join(path, "format"), "format %s needs a type: the full name of a schema type", sd.Format)
	}
	if kind != "sink_key" {
		return sd
	}
	if fv, _ := o.get("field"); fv != nil {
		sd.Field = p.fieldRef(fv, join(path, "field"), false)
		if sd.Format == FormatNone {
			p.errorf(p.pos(fv), join(path, "field"), "a key of format none has no field")
		}
	}
	return sd
}

// fieldRef reads a dotted field path; allowValue accepts "." (the whole
// value).
func (p *parser) fieldRef(n *yaml.Node, path string, allowValue bool) *FieldRef {
	s, ok := p.str(n, path)
	if !ok {
		return nil
	}
	if s == "." && allowValue {
		return &FieldRef{Path: s, Pos: p.pos(n)}
	}
	if !fieldPathRE.MatchString(s) {
		p.errorf(p.pos(n), path, "bad field path %q: want field names joined by dots, such as user.id", s)
		return nil
	}
	return &FieldRef{Path: s, Pos: p.pos(n)}
}

func (p *parser) parseStart(n, k *yaml.Node, path string) Start {
	st := Start{Mode: StartCommitted, Fallback: StartEarliest, Pos: p.pos(k)}
	if n.Kind == yaml.ScalarNode {
		if m, ok := p.enum(n, path, "start mode", enumValues["start_mode"]); ok {
			st.Mode = StartMode(m)
		}
		return st
	}
	o := p.object(n, path, "start")
	if o == nil {
		return st
	}
	modes := o.present("committed", "timestamp", "offsets")
	if len(modes) != 1 {
		p.errorf(st.Pos, path, "want exactly one of earliest, latest, committed, {committed: ...}, {timestamp: ...} or {offsets: ...}")
		return st
	}
	switch modes[0] {
	case "committed":
		st.Mode = StartCommitted
		v, _ := o.get("committed")
		cp := join(path, "committed")
		if c := p.object(v, cp, "start_committed"); c != nil {
			if f, _ := c.get("fallback"); f != nil {
				if fb, ok := p.enum(f, join(cp, "fallback"), "fallback", enumValues["fallback"]); ok {
					st.Fallback = StartMode(fb)
				}
			}
		}
	case "timestamp":
		st.Mode = StartTimestamp
		v, _ := o.get("timestamp")
		tp := join(path, "timestamp")
		if s, ok := p.str(v, tp); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				p.errorf(p.pos(v), tp, "bad timestamp %q: want RFC 3339, such as 2026-01-02T15:04:05Z", s)
			}
			st.Timestamp = t
		}
	case "offsets":
		st.Mode = StartOffsets
		v, _ := o.get("offsets")
		op := join(path, "offsets")
		pairs := p.pairs(v, op)
		if len(pairs) == 0 && v.Kind == yaml.MappingNode {
			p.errorf(p.pos(v), op, "give at least one partition: offset")
		}
		for _, kv := range pairs {
			pp := join(op, kv[0].Value)
			part, err := strconv.ParseInt(kv[0].Value, 10, 32)
			if err != nil || part < 0 {
				p.errorf(p.pos(kv[0]), pp, "bad partition %q: want a partition number (0, 1, ...)", kv[0].Value)
				continue
			}
			off, ok := p.integer(kv[1], pp, 0, 1<<63-1)
			if !ok {
				continue
			}
			st.Offsets = append(st.Offsets, PartitionOffset{Partition: int32(part), Offset: off})
		}
		sort.Slice(st.Offsets, func(i, j int) bool { return st.Offsets[i].Partition < st.Offsets[j].Partition })
	}
	return st
}

func (p *parser) parseEventTime(n, k *yaml.Node, path string) EventTime {
	et := EventTime{KafkaTimestamp: true, Pos: p.pos(k)}
	o := p.object(n, path, "event_time")
	if o == nil {
		return et
	}
	kafka := false
	if v, _ := o.get("kafka_timestamp"); v != nil {
		kafka, _ = p.boolean(v, join(path, "kafka_timestamp"))
	}
	fv, _ := o.get("field")
	switch {
	case fv != nil && kafka:
		p.errorf(et.Pos, path, "give either field or kafka_timestamp: true, not both")
	case fv != nil:
		et.KafkaTimestamp = false
		et.Field = p.fieldRef(fv, join(path, "field"), false)
	case !kafka:
		p.errorf(et.Pos, path, "event_time needs a field or kafka_timestamp: true")
	}
	return et
}

// kindKeys are the operator keys that select its kind.
var kindKeys = []string{"key_by", "map", "filter", "flat_map", "window", "process", "union", "join"}

func (p *parser) parseOperator(k, v *yaml.Node) *Operator {
	name, ok := p.name(k, join("operators", k.Value), "operator")
	if !ok {
		return nil
	}
	path := "operators." + name
	op := &Operator{Name: name, Pos: p.pos(k)}
	o := p.objectAt(v, op.Pos, path, "operator")
	if o == nil {
		return op
	}
	kinds := o.present(kindKeys...)
	switch len(kinds) {
	case 0:
		p.errorf(op.Pos, path, "missing the operator kind: give exactly one of %s", strings.Join(kindKeys, ", "))
		return op
	case 1:
	default:
		_, kn := o.get(kinds[1])
		p.errorf(p.pos(kn), join(path, kinds[1]), "an operator has exactly one kind, but this one has both %s and %s", kinds[0], kinds[1])
		return op
	}
	op.Kind = OperatorKind(kinds[0])
	kv, kk := o.get(kinds[0])
	kp := join(path, kinds[0])
	if op.Kind == KindUnion {
		if o.has("input") {
			_, ik := o.get("input")
			p.errorf(p.pos(ik), join(path, "input"), "a union takes its inputs from the union list, not from input")
		}
		p.parseUnion(op, kv, kp)
		return op
	}
	if op.Kind == KindJoin {
		if o.has("input") {
			_, ik := o.get("input")
			p.errorf(p.pos(ik), join(path, "input"), "a join takes its inputs from join.left and join.right, not from input")
		}
		p.parseJoin(op, kv, kk, kp)
		return op
	}
	if iv := o.require("input", "the stream this operator reads"); iv != nil {
		if in, ok := p.str(iv, join(path, "input")); ok {
			op.Inputs = []string{in}
			op.InputPos = []schema.Pos{p.pos(iv)}
		}
	}
	switch op.Kind {
	case KindKeyBy:
		op.KeyBy = p.fieldRef(kv, kp, true)
	case KindMap, KindFlatMap:
		if m := p.object(kv, kp, kinds[0]); m != nil {
			if out, _ := m.get("output"); out != nil {
				op.Output = p.typeRef(out, join(kp, "output"), true)
			}
		}
	case KindFilter:
		p.object(kv, kp, "filter")
	case KindWindow:
		op.Window = p.parseWindow(kv, kk, kp)
	case KindProcess:
		op.Process = &Process{Pos: p.pos(kk)}
		m := p.object(kv, kp, "process")
		if m == nil {
			break
		}
		if out := m.require("output", "the output type"); out != nil {
			op.Output = p.typeRef(out, join(kp, "output"), true)
		}
		p.parseProcess(op.Process, m, kp)
	}
	return op
}

func (p *parser) parseUnion(op *Operator, n *yaml.Node, path string) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(n), path, "want a list of input streams, got %s", describe(n))
		return
	}
	seen := map[string]bool{}
	for i, e := range n.Content {
		ep := fmt.Sprintf("%s[%d]", path, i)
		in, ok := p.str(e, ep)
		if !ok {
			continue
		}
		if seen[in] {
			p.errorf(p.pos(deref(e)), ep, "stream %q is listed twice", in)
			continue
		}
		seen[in] = true
		op.Inputs = append(op.Inputs, in)
		op.InputPos = append(op.InputPos, p.pos(deref(e)))
	}
	if len(n.Content) < 2 {
		p.errorf(p.pos(n), path, "a union needs at least two inputs")
	}
}

func (p *parser) parseJoin(op *Operator, n, k *yaml.Node, path string) {
	op.Join = &Join{Type: JoinInner, Pos: p.pos(k)}
	o := p.object(n, path, "join")
	if o == nil {
		return
	}
	for _, side := range []string{"left", "right"} {
		v := o.require(side, "the "+side+" stream")
		if v == nil {
			continue
		}
		if in, ok := p.str(v, join(path, side)); ok {
			op.Inputs = append(op.Inputs, in)
			op.InputPos = append(op.InputPos, p.pos(v))
		}
	}
	if len(op.Inputs) == 2 && op.Inputs[0] == op.Inputs[1] {
		p.errorf(op.InputPos[1], join(path, "right"), "a join needs two different streams, but left and right are both %q", op.Inputs[0])
		op.Inputs, op.InputPos = op.Inputs[:1], op.InputPos[:1]
	}
	if len(op.Inputs) != 2 {
		// Keep the one that was given out of the graph: the operator is
		// already reported.
		op.Inputs, op.InputPos = nil, nil
	}
	if v, _ := o.get("type"); v != nil {
		if t, ok := p.enum(v, join(path, "type"), "join type", enumValues["join_type"]); ok {
			op.Join.Type = JoinType(t)
		}
	}
	if out := o.require("output", "the output type"); out != nil {
		op.Output = p.typeRef(out, join(path, "output"), true)
	}
	if v, _ := o.get("within"); v != nil {
		wp := join(path, "within")
		if deref(v).Kind == yaml.ScalarNode {
			if d, ok := p.duration(v, wp, nonNegative); ok {
				op.Join.Within = &JoinWithin{Before: d, After: d}
			}
		} else if wo := p.object(v, wp, "join_within"); wo != nil {
			w := &JoinWithin{}
			if bv, _ := wo.get("before"); bv != nil {
				w.Before, _ = p.duration(bv, join(wp, "before"), nonNegative)
			}
			if av, _ := wo.get("after"); av != nil {
				w.After, _ = p.duration(av, join(wp, "after"), nonNegative)
			}
			op.Join.Within = w
		}
	}
	if v, k := o.get("table_ttl"); v != nil {
		op.Join.TableTTL, _ = p.duration(v, join(path, "table_ttl"), positive)
		if o.has("within") {
			p.errorf(p.pos(k), join(path, "table_ttl"), "table_ttl applies to temporal joins; an interval join (within) keeps each record until the watermark passes its interval")
		}
	}
}

// typeRef reads a type name; builtins are allowed when allowBuiltin.
func (p *parser) typeRef(n *yaml.Node, path string, allowBuiltin bool) *TypeRef {
	s, ok := p.str(n, path)
	if !ok {
		return nil
	}
	if contains(Builtins, s) {
		if !allowBuiltin {
			p.errorf(p.pos(n), path, "want a schema type here, not the builtin %s", s)
			return nil
		}
		return &TypeRef{Name: s, Builtin: s, Pos: p.pos(n)}
	}
	if !typeNameRE.MatchString(s) {
		p.errorf(p.pos(n), path, "bad type name %q: want a schema full name such as com.acme.Click or a builtin (%s)", s, strings.Join(Builtins, ", "))
		return nil
	}
	return &TypeRef{Name: s, Pos: p.pos(n)}
}

var windowKinds = []string{"tumbling", "sliding", "session"}
var windowFuncs = []string{"aggregate", "reduce", "process"}

func (p *parser) parseWindow(n, k *yaml.Node, path string) *Window {
	w := &Window{Pos: p.pos(k)}
	o := p.object(n, path, "window")
	if o == nil {
		return w
	}
	kinds := o.present(windowKinds...)
	if len(kinds) != 1 {
		p.errorf(w.Pos, path, "a window needs exactly one of tumbling: SIZE, sliding: {size, slide} or session: {gap}")
	} else {
		w.Kind = WindowKind(kinds[0])
		v, _ := o.get(kinds[0])
		kp := join(path, kinds[0])
		switch w.Kind {
		case WindowTumbling:
			w.Size, _ = p.duration(v, kp, positive)
		case WindowSliding:
			if s := p.object(v, kp, "sliding"); s != nil {
				if sv := s.require("size", "the window length"); sv != nil {
					w.Size, _ = p.duration(sv, join(kp, "size"), positive)
				}
				if sv := s.require("slide", "how far windows are apart"); sv != nil {
					var ok bool
					if w.Slide, ok = p.duration(sv, join(kp, "slide"), positive); ok && w.Size > 0 && w.Slide > w.Size {
						p.errorf(p.pos(sv), join(kp, "slide"), "slide %s is larger than size %s: records between windows would be lost", shortDuration(w.Slide), shortDuration(w.Size))
					}
				}
			}
		case WindowSession:
			if s := p.object(v, kp, "session"); s != nil {
				if gv := s.require("gap", "the inactivity gap that closes a session"); gv != nil {
					w.Gap, _ = p.duration(gv, join(kp, "gap"), positive)
				}
			}
		}
	}
	if v, vk := o.get("offset"); v != nil {
		if w.Kind == WindowSession {
			p.errorf(p.pos(vk), join(path, "offset"), "offset applies to tumbling and sliding windows, not sessions")
		} else if d, ok := p.duration(v, join(path, "offset"), nonNegative); ok {
			w.Offset = d
			size := w.Size
			if w.Kind == WindowSliding && w.Slide > 0 {
				size = w.Slide
			}
			if size > 0 && d >= size {
				p.errorf(p.pos(v), join(path, "offset"), "offset %s must be smaller than the window %s %s", shortDuration(d), map[bool]string{true: "slide", false: "size"}[w.Kind == WindowSliding], shortDuration(size))
			}
		}
	}
	if v, _ := o.get("allowed_lateness"); v != nil {
		w.AllowedLateness, _ = p.duration(v, join(path, "allowed_lateness"), nonNegative)
	}
	if v, _ := o.get("late_output"); v != nil {
		if name, ok := p.name(v, join(path, "late_output"), "stream"); ok {
			w.LateOutput = name
			w.LateOutputPos = p.pos(v)
		}
	}
	w.Emit = EmitOnEnd
	if v, _ := o.get("emit"); v != nil {
		if e, ok := p.enum(v, join(path, "emit"), "emit mode", enumValues["emit"]); ok {
			w.Emit = WindowEmit(e)
		}
	}
	funcs := o.present(windowFuncs...)
	if len(funcs) != 1 {
		p.errorf(w.Pos, path, "a window needs exactly one of aggregate: {accumulator, output}, reduce: {} or process: {output}")
		return w
	}
	w.Func = WindowFunc(funcs[0])
	v, _ := o.get(funcs[0])
	fp := join(path, funcs[0])
	switch w.Func {
	case WindowAggregate:
		if a := p.object(v, fp, "aggregate"); a != nil {
			if av := a.require("accumulator", "the accumulator type"); av != nil {
				w.Accumulator = p.typeRef(av, join(fp, "accumulator"), true)
			}
			if ov := a.require("output", "the output type"); ov != nil {
				w.Output = p.typeRef(ov, join(fp, "output"), true)
			}
		}
	case WindowReduce:
		p.object(v, fp, "reduce")
	case WindowProcess:
		if a := p.object(v, fp, "window_process"); a != nil {
			if ov := a.require("output", "the output type"); ov != nil {
				w.Output = p.typeRef(ov, join(fp, "output"), true)
			}
		}
	}
	return w
}

var stateKinds = []string{"value", "map", "list", "reducing"}

func (p *parser) parseProcess(pr *Process, o *object, path string) {
	if v, _ := o.get("timers"); v != nil {
		pr.Timers, _ = p.boolean(v, join(path, "timers"))
	}
	if v, _ := o.get("state"); v != nil {
		sp := join(path, "state")
		for _, kv := range p.pairs(v, sp) {
			name, ok := p.name(kv[0], join(sp, kv[0].Value), "state")
			if !ok {
				continue
			}
			stp := join(sp, name)
			st := &State{Name: name, Pos: p.pos(kv[0])}
			so := p.object(kv[1], stp, "state")
			if so == nil {
				continue
			}
			kinds := so.present(stateKinds...)
			if len(kinds) != 1 {
				p.errorf(st.Pos, stp, "a state needs exactly one of value: TYPE, map: {key, value}, list: TYPE or reducing: TYPE")
				continue
			}
			st.Kind = StateKind(kinds[0])
			kv2, _ := so.get(kinds[0])
			kp := join(stp, kinds[0])
			if st.Kind == StateMap {
				if mo := p.object(kv2, kp, "state_map"); mo != nil {
					if kt := mo.require("key", "the map key type"); kt != nil {
						st.Key = p.typeRef(kt, join(kp, "key"), true)
					}
					if vt := mo.require("value", "the map value type"); vt != nil {
						st.Value = p.typeRef(vt, join(kp, "value"), true)
					}
				}
			} else {
				st.Value = p.typeRef(kv2, kp, true)
			}
			if tv, _ := so.get("ttl"); tv != nil {
				st.TTL, _ = p.duration(tv, join(stp, "ttl"), positive)
			}
			pr.State = append(pr.State, st)
		}
	}
	if v, _ := o.get("side_outputs"); v != nil {
		sp := join(path, "side_outputs")
		for _, kv := range p.pairs(v, sp) {
			name, ok := p.name(kv[0], join(sp, kv[0].Value), "side output")
			if !ok {
				continue
			}
			if t := p.typeRef(kv[1], join(sp, name), true); t != nil {
				pr.SideOutputs = append(pr.SideOutputs, &SideOutput{Name: name, Type: t, Pos: p.pos(kv[0])})
			}
		}
	}
}

func (p *parser) parseSink(k, v *yaml.Node) *Sink {
	name, ok := p.name(k, join("sinks", k.Value), "sink")
	if !ok {
		return nil
	}
	path := "sinks." + name
	sk := &Sink{Name: name, Pos: p.pos(k), Partitioner: PartitionKeyHash, Delivery: DeliveryExactlyOnce}
	sk.Key = Serde{Format: FormatNone, Pos: sk.Pos}
	o := p.objectAt(v, sk.Pos, path, "sink")
	if o == nil {
		return sk
	}
	if iv := o.require("input", "the stream this sink writes"); iv != nil {
		if in, ok := p.str(iv, join(path, "input")); ok {
			sk.Input = in
			sk.InputPos = p.pos(iv)
		}
	}
	if tv := o.require("topic", "the topic to write"); tv != nil {
		sk.Topic, _ = p.topic(tv, join(path, "topic"))
	}
	if kv, kk := o.get("key"); kv != nil {
		sk.Key = p.parseSerde(kv, kk, join(path, "key"), "sink_key", true)
	}
	if vv := o.require("value", "how record values are encoded, e.g. {format: avro, type: com.acme.Click}"); vv != nil {
		_, vk := o.get("value")
		sk.Value = p.parseSerde(vv, vk, join(path, "value"), "serde", false)
	}
	if pv, _ := o.get("partitioner"); pv != nil {
		if s, ok := p.enum(pv, join(path, "partitioner"), "partitioner", enumValues["partitioner"]); ok {
			sk.Partitioner = Partitioner(s)
		}
	}
	if pv, pk := o.get("partition"); pv != nil {
		if n, ok := p.integer(pv, join(path, "partition"), 0, 1<<31-1); ok {
			sk.Partition = int32(n)
		}
		if sk.Partitioner != PartitionFixed {
			p.errorf(p.pos(pk), join(path, "partition"), "partition is only used with partitioner: fixed")
		}
	}
	if dv, _ := o.get("delivery"); dv != nil {
		if s, ok := p.enum(dv, join(path, "delivery"), "delivery", enumValues["delivery"]); ok {
			sk.Delivery = Delivery(s)
		}
	}
	return sk
}

// suggest returns the candidate closest to s when it is close enough to be
// a likely typo, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 2
	if n := len([]rune(s)); n <= 3 {
		limit = 1
	} else if n >= 12 {
		limit = 3
	}
	if bestD >= 0 && bestD <= limit && bestD < len([]rune(s)) {
		return best
	}
	return ""
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
