package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/schema"
)

// SubjectNameStrategy chooses the Schema Registry subject a record's
// schema is registered under, as Confluent's serializers do.
type SubjectNameStrategy int

// The subject name strategies.
const (
	// TopicNameStrategy uses "<topic>-value" or "<topic>-key": one schema
	// (and its evolution) per topic. Confluent's default.
	TopicNameStrategy SubjectNameStrategy = iota
	// RecordNameStrategy uses the record's full name, so a topic may carry
	// several record types and a type has one history across topics.
	RecordNameStrategy
	// TopicRecordNameStrategy uses "<topic>-<record full name>".
	TopicRecordNameStrategy
)

// String returns the strategy's Confluent class name without package.
func (s SubjectNameStrategy) String() string {
	switch s {
	case TopicNameStrategy:
		return "TopicNameStrategy"
	case RecordNameStrategy:
		return "RecordNameStrategy"
	case TopicRecordNameStrategy:
		return "TopicRecordNameStrategy"
	}
	return fmt.Sprintf("SubjectNameStrategy(%d)", int(s))
}

// ParseSubjectNameStrategy reads a strategy by name: "topic",
// "record" or "topic-record" (or the Confluent class names, with or
// without their package).
func ParseSubjectNameStrategy(s string) (SubjectNameStrategy, error) {
	switch s {
	case "topic", "TopicNameStrategy", "io.confluent.kafka.serializers.subject.TopicNameStrategy":
		return TopicNameStrategy, nil
	case "record", "RecordNameStrategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy":
		return RecordNameStrategy, nil
	case "topic-record", "TopicRecordNameStrategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy":
		return TopicRecordNameStrategy, nil
	}
	return 0, fmt.Errorf("kafka: unknown subject name strategy %q (want topic, record or topic-record)", s)
}

// Subject returns the subject for a key or value of type t on topic.
// The record strategies need a named type (record, enum or fixed).
func (s SubjectNameStrategy) Subject(topic string, isKey bool, t *schema.Type) (string, error) {
	switch {
	case t == nil:
		return s.subject(topic, isKey, "", "no schema")
	case !t.Kind.IsNamed():
		return s.subject(topic, isKey, "", "a "+t.Kind.String()+" schema")
	}
	return s.subject(topic, isKey, t.Name.Full(), "")
}

// subject applies the strategy to a record name (empty when there is
// none, described by what).
func (s SubjectNameStrategy) subject(topic string, isKey bool, name, what string) (string, error) {
	switch s {
	case TopicNameStrategy:
		if isKey {
			return topic + "-key", nil
		}
		return topic + "-value", nil
	case RecordNameStrategy, TopicRecordNameStrategy:
		if name == "" {
			return "", fmt.Errorf("kafka: %s needs a named schema (record, enum or fixed), got %s", s, what)
		}
		if s == RecordNameStrategy {
			return name, nil
		}
		return topic + "-" + name, nil
	}
	return "", fmt.Errorf("kafka: unknown subject name strategy %d", int(s))
}

// ConfluentOpt configures a ConfluentFraming.
type ConfluentOpt interface{ apply(*confluentCfg) }

type confluentOpt struct{ fn func(*confluentCfg) }

func (o confluentOpt) apply(c *confluentCfg) { o.fn(c) }

type confluentCfg struct {
	client       *sr.Client
	strategy     SubjectNameStrategy
	autoRegister bool
	timeout      time.Duration
	notFoundTTL  time.Duration
}

// RegistryClient sets the Schema Registry client. A framing without one
// fails every registry look-up until Connect gives it one (kafka.Main
// connects it to --schema-registry).
func RegistryClient(cl *sr.Client) ConfluentOpt {
	return confluentOpt{func(c *confluentCfg) { c.client = cl }}
}

// SubjectNaming sets how Frame chooses subjects, overriding the default
// TopicNameStrategy.
func SubjectNaming(s SubjectNameStrategy) ConfluentOpt {
	return confluentOpt{func(c *confluentCfg) { c.strategy = s }}
}

// AutoRegister makes Frame register a schema the subject does not have
// yet, overriding the default of only looking it up. The default is off,
// as for a production deployment where schemas are registered (and
// checked for compatibility) before the pipeline that writes them runs;
// kafka.Main turns it on with --dev or --auto-register.
func AutoRegister(on bool) ConfluentOpt {
	return confluentOpt{func(c *confluentCfg) { c.autoRegister = on }}
}

// RegistryTimeout bounds each Schema Registry request, overriding the
// default of 10s.
func RegistryTimeout(d time.Duration) ConfluentOpt {
	return confluentOpt{func(c *confluentCfg) { c.timeout = d }}
}

// UnknownIDRetry sets how long Unframe remembers that the registry does
// not know a schema id before asking again, overriding the default of 30s.
// It keeps a stream of poison records from costing one request each.
func UnknownIDRetry(d time.Duration) ConfluentOpt {
	return confluentOpt{func(c *confluentCfg) { c.notFoundTTL = d }}
}

// ConfluentFraming is the Confluent wire format backed by a Schema
// Registry: a zero magic byte, the 4-byte big-endian schema id, then the
// Avro datum. It implements runtime.AvroFraming and is safe for
// concurrent use.
//
// Unframe fetches each schema id from the registry once (with its
// references) and returns the writer schema; resolving it against the
// reader's schema is the caller's job (codec.ResolverCache). Frame finds
// the id of the schema it is given under the subject its
// SubjectNameStrategy picks, registering it when AutoRegister is on; ids
// are cached per schema and subject.
type ConfluentFraming struct {
	cfg confluentCfg

	clMu sync.RWMutex
	cl   *sr.Client

	// last is the most recent schema ID that resolved, so that a stream
	// of records written with one schema finds it with one atomic load
	// instead of the mutex and the map below.
	last atomic.Pointer[idEntry]
	// lastFrame is the most recent schema SchemaID framed, for the same
	// reason: a sink writing one type to one topic frames each record
	// without building its subject name.
	lastFrame atomic.Pointer[lastFrame]

	mu      sync.Mutex
	byID    map[int]*idEntry
	byFrame map[frameKey]*frameEntry
	byText  map[textKey]*frameEntry
}

type idEntry struct {
	id      int
	done    chan struct{}
	typ     sr.SchemaType
	t       *schema.Type // parsed, for Avro schemas
	err     error
	expires time.Time // for not-found errors
}

// lastFrame remembers one answer of SchemaID.
type lastFrame struct {
	topic string
	isKey bool
	t     *schema.Type
	id    uint32
}

type frameKey struct {
	t       *schema.Type
	subject string
}

type textKey struct {
	text    string
	typ     sr.SchemaType
	subject string
}

type frameEntry struct {
	done chan struct{}
	id   uint32
	err  error
}

// NewConfluentFraming returns a framing with the given options.
func NewConfluentFraming(opts ...ConfluentOpt) *ConfluentFraming {
	f := &ConfluentFraming{
		cfg: confluentCfg{
			strategy:    TopicNameStrategy,
			timeout:     10 * time.Second,
			notFoundTTL: 30 * time.Second,
		},
		byID:    map[int]*idEntry{},
		byFrame: map[frameKey]*frameEntry{},
		byText:  map[textKey]*frameEntry{},
	}
	for _, o := range opts {
		o.apply(&f.cfg)
	}
	f.cl = f.cfg.client
	return f
}

// NewConfluentFramingURL returns a framing whose registry client talks to
// the given registry URLs.
func NewConfluentFramingURL(urls []string, opts ...ConfluentOpt) (*ConfluentFraming, error) {
	cl, err := sr.NewClient(sr.URLs(urls...))
	if err != nil {
		return nil, fmt.Errorf("kafka: schema registry client: %w", err)
	}
	return NewConfluentFraming(append([]ConfluentOpt{RegistryClient(cl)}, opts...)...), nil
}

// Connect sets the registry client (and optionally turns auto-registration
// on), for a framing built before the registry address was known: a
// generated pipeline builds its framing, kafka.Main parses the flags and
// connects it. Cached ids stay valid only for the same registry, so
// connect before the first record.
func (f *ConfluentFraming) Connect(cl *sr.Client, autoRegister bool) {
	f.clMu.Lock()
	f.cl = cl
	if autoRegister {
		f.cfg.autoRegister = true
	}
	f.clMu.Unlock()
}

// Strategy returns the subject name strategy.
func (f *ConfluentFraming) Strategy() SubjectNameStrategy { return f.cfg.strategy }

func (f *ConfluentFraming) client() (*sr.Client, bool, error) {
	f.clMu.RLock()
	defer f.clMu.RUnlock()
	if f.cl == nil {
		return nil, false, errors.New("no schema registry client (set one with RegistryClient or Connect, or run with --schema-registry)")
	}
	return f.cl, f.cfg.autoRegister, nil
}

// confluentMagic is the first byte of the Confluent wire format.
const confluentMagic = 0

// Unframe checks the magic byte, reads the schema id and returns the
// writer schema registered under it.
func (f *ConfluentFraming) Unframe(topic string, isKey bool, data []byte) (*schema.Type, []byte, error) {
	what := "value"
	if isKey {
		what = "key"
	}
	if len(data) < 5 {
		return nil, nil, fmt.Errorf("confluent wire format: %s on topic %s has %d bytes, too short for the 5-byte header", what, topic, len(data))
	}
	if data[0] != confluentMagic {
		return nil, nil, fmt.Errorf("confluent wire format: %s on topic %s starts with magic byte %#02x, want 0x00", what, topic, data[0])
	}
	id := int(binary.BigEndian.Uint32(data[1:5]))
	t, err := f.SchemaByID(id)
	if err != nil {
		return nil, nil, fmt.Errorf("confluent wire format: %s on topic %s: %w", what, topic, err)
	}
	return t, data[5:], nil
}

// SchemaByID returns the parsed Avro schema registered under id, asking
// the registry on first use. Concurrent callers of one id share one
// request.
func (f *ConfluentFraming) SchemaByID(id int) (*schema.Type, error) {
	e := f.entry(id)
	if e.err != nil {
		return nil, e.err
	}
	if e.typ != sr.TypeAvro {
		return nil, fmt.Errorf("schema id %d is a %s schema, not Avro", id, e.typ)
	}
	return e.t, nil
}

// checkID reports whether id names a schema of type typ in the registry.
func (f *ConfluentFraming) checkID(id int, typ sr.SchemaType) error {
	e := f.entry(id)
	if e.err != nil {
		return e.err
	}
	if e.typ != typ {
		return fmt.Errorf("schema id %d is a %s schema, not %s", id, e.typ, typ)
	}
	return nil
}

// entry returns the cache entry of id once it is filled.
func (f *ConfluentFraming) entry(id int) *idEntry {
	if e := f.last.Load(); e != nil && e.id == id {
		return e
	}
	f.mu.Lock()
	e, ok := f.byID[id]
	if ok && e.err != nil && !e.expires.IsZero() && time.Now().After(e.expires) {
		ok = false
	}
	if !ok {
		e = &idEntry{id: id, done: make(chan struct{})}
		f.byID[id] = e
		f.mu.Unlock()
		typ, t, err := f.fetch(id)
		f.mu.Lock()
		e.typ, e.t, e.err = typ, t, err
		if err != nil {
			if isNotFound(err) && f.cfg.notFoundTTL > 0 {
				e.expires = time.Now().Add(f.cfg.notFoundTTL)
			} else if f.byID[id] == e {
				// Transient failures are not cached: the next record asks again.
				delete(f.byID, id)
			}
		}
		f.mu.Unlock()
		close(e.done)
		if err == nil {
			f.last.Store(e)
		}
		return e
	}
	f.mu.Unlock()
	<-e.done
	if e.err == nil {
		f.last.Store(e)
	}
	return e
}

// registryAttempts is how many times a schema lookup is tried before the
// registry counts as unavailable; registryBackoff is the wait after the
// first failure, doubled after each.
const (
	registryAttempts = 3
	registryBackoff  = 200 * time.Millisecond
)

// ask runs one registry lookup, what, each try bounded by the registry
// timeout: it returns nil, a 404 as it is (the record names a schema the
// registry lacks: the record's fault), or, after registryAttempts tries,
// any other failure wrapped with runtime.ErrUnavailable: the registry's
// fault, so the record is no dead letter and the pipeline stops instead.
func (f *ConfluentFraming) ask(what string, req func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), f.cfg.timeout)
		err := req(ctx)
		cancel()
		switch {
		case err == nil || isNotFound(err):
			return err
		case attempt == registryAttempts:
			return fmt.Errorf("%s (%d attempts): %w: %w", what, registryAttempts, runtime.ErrUnavailable, err)
		}
		time.Sleep(registryBackoff << (attempt - 1))
	}
}

func isNotFound(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// fetch reads schema id from the registry; an Avro schema is parsed with
// its references as one schema set.
func (f *ConfluentFraming) fetch(id int) (sr.SchemaType, *schema.Type, error) {
	cl, _, err := f.client()
	if err != nil {
		return 0, nil, fmt.Errorf("schema id %d: %w: %w", id, runtime.ErrUnavailable, err)
	}
	var s sr.Schema
	err = f.ask(fmt.Sprintf("fetching schema id %d", id), func(ctx context.Context) (err error) {
		s, err = cl.SchemaByID(ctx, id)
		return err
	})
	if isNotFound(err) {
		return 0, nil, fmt.Errorf("schema id %d is not in the registry: %w", id, err)
	}
	if err != nil {
		return 0, nil, err
	}
	if s.Type != sr.TypeAvro {
		return s.Type, nil, nil
	}
	var srcs []schema.Source
	seen := map[string]bool{}
	if err := f.references(cl, s.References, seen, &srcs, 0); err != nil {
		return 0, nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	srcs = append(srcs, schema.Source{Name: fmt.Sprintf("<schema id %d>", id), Data: []byte(s.Schema)})
	set, err := schema.ParseAvro(srcs...)
	if err != nil {
		return 0, nil, fmt.Errorf("schema id %d does not parse: %w", id, err)
	}
	return sr.TypeAvro, set.Roots[len(set.Roots)-1], nil
}

// maxReferenceDepth bounds chains of schema references.
const maxReferenceDepth = 32

// references appends the schemas refs name (depth first, each subject
// version once) to srcs, dependencies before their dependents.
func (f *ConfluentFraming) references(cl *sr.Client, refs []sr.SchemaReference, seen map[string]bool, srcs *[]schema.Source, depth int) error {
	if len(refs) > 0 && depth >= maxReferenceDepth {
		return fmt.Errorf("schema references nest deeper than %d", maxReferenceDepth)
	}
	for _, ref := range refs {
		key := fmt.Sprintf("%s/%d", ref.Subject, ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		var ss sr.SubjectSchema
		err := f.ask(fmt.Sprintf("reference %s (subject %s version %d)", ref.Name, ref.Subject, ref.Version), func(ctx context.Context) (err error) {
			ss, err = cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
			return err
		})
		if isNotFound(err) {
			return fmt.Errorf("reference %s (subject %s version %d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		if err != nil {
			return err
		}
		if err := f.references(cl, ss.References, seen, srcs, depth+1); err != nil {
			return err
		}
		*srcs = append(*srcs, schema.Source{Name: fmt.Sprintf("<subject %s version %d>", ref.Subject, ref.Version), Data: []byte(ss.Schema.Schema)})
	}
	return nil
}

// Frame appends the magic byte and the schema id of t under the subject
// the strategy chooses for topic.
func (f *ConfluentFraming) Frame(dst []byte, topic string, isKey bool, t *schema.Type) ([]byte, error) {
	id, err := f.SchemaID(topic, isKey, t)
	if err != nil {
		return dst, err
	}
	return binary.BigEndian.AppendUint32(append(dst, confluentMagic), id), nil
}

// SchemaID returns the registry id of t under the subject for topic,
// looking it up (or registering it, with AutoRegister) on first use.
func (f *ConfluentFraming) SchemaID(topic string, isKey bool, t *schema.Type) (uint32, error) {
	if t == nil {
		return 0, fmt.Errorf("confluent wire format: no schema to frame for topic %s", topic)
	}
	if l := f.lastFrame.Load(); l != nil && l.t == t && l.isKey == isKey && l.topic == topic {
		return l.id, nil
	}
	subject, err := f.cfg.strategy.Subject(topic, isKey, t)
	if err != nil {
		return 0, fmt.Errorf("confluent wire format: topic %s: %w", topic, err)
	}
	fk := frameKey{t: t, subject: subject}
	f.mu.Lock()
	e, ok := f.byFrame[fk]
	f.mu.Unlock()
	if !ok {
		// Another *schema.Type with the same schema text shares the id.
		e = f.textEntry(subject, t.AvroJSON(), sr.TypeAvro)
		if e.err == nil {
			f.mu.Lock()
			f.byFrame[fk] = e
			f.mu.Unlock()
		}
	}
	if e.err != nil {
		return 0, fmt.Errorf("confluent wire format: topic %s: %w", topic, e.err)
	}
	f.lastFrame.Store(&lastFrame{topic: topic, isKey: isKey, t: t, id: e.id})
	return e.id, nil
}

// textEntry returns the filled id entry of a schema text of type typ
// under subject, registering or looking it up on first use. Failures are
// not cached.
func (f *ConfluentFraming) textEntry(subject, text string, typ sr.SchemaType) *frameEntry {
	tk := textKey{text: text, typ: typ, subject: subject}
	f.mu.Lock()
	e, ok := f.byText[tk]
	if ok {
		f.mu.Unlock()
		<-e.done
		return e
	}
	e = &frameEntry{done: make(chan struct{})}
	f.byText[tk] = e
	f.mu.Unlock()
	e.id, e.err = f.register(subject, text, typ)
	if e.err != nil {
		f.mu.Lock()
		delete(f.byText, tk)
		f.mu.Unlock()
	}
	close(e.done)
	return e
}

// register looks text up under subject, or registers it.
func (f *ConfluentFraming) register(subject, text string, typ sr.SchemaType) (uint32, error) {
	cl, auto, err := f.client()
	if err != nil {
		return 0, fmt.Errorf("subject %s: %w", subject, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.cfg.timeout)
	defer cancel()
	s := sr.Schema{Schema: text, Type: typ}
	if auto {
		id, err := cl.RegisterSchema(ctx, subject, s, -1, -1)
		if err != nil {
			return 0, fmt.Errorf("registering the schema under subject %s: %w", subject, err)
		}
		return uint32(id), nil
	}
	ss, err := cl.LookupSchema(ctx, subject, s)
	if err != nil {
		if isNotFound(err) {
			return 0, fmt.Errorf("the schema is not registered under subject %s (auto-registration is off: register it first, or turn AutoRegister on): %w", subject, err)
		}
		return 0, fmt.Errorf("looking the schema up under subject %s: %w", subject, err)
	}
	return uint32(ss.ID), nil
}

var _ runtime.AvroFraming = (*ConfluentFraming)(nil)
