package formats

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
	"github.com/streamgen/streamgen/runtime/codec"
	"github.com/streamgen/streamgen/schema"
)

// kinds emits each event with its amount replaced by the running total of
// its kind.
type kinds struct{}

func (kinds) ProcessElement(c *KindsContext, v FmtEvent, out *runtime.Emitter[FmtEvent]) error {
	n, _, err := c.State.Count.Get(c.Context)
	if err != nil {
		return err
	}
	if err := c.State.Count.Set(c.Context, n+1); err != nil {
		return err
	}
	total, _, err := c.State.Amounts.Get(c.Context, c.Key())
	if err != nil {
		return err
	}
	total += v.Amount
	if err := c.State.Amounts.Put(c.Context, c.Key(), total); err != nil {
		return err
	}
	if err := c.State.Last.Set(c.Context, v); err != nil {
		return err
	}
	if err := c.State.Ratio.Set(c.Context, float32(total)/float32(n+1)); err != nil {
		return err
	}
	if err := c.State.ByTenant.Put(c.Context, []byte(v.Key.Tenant), v.Kind); err != nil {
		return err
	}
	if err := c.State.Ids.Put(c.Context, c.Key(), v.ID.String()); err != nil {
		return err
	}
	v.Amount = total
	return out.Emit(v)
}

// dedup passes each event id once.
type dedup struct{}

func (dedup) ProcessElement(c *DedupContext, v FmtEvent, out *runtime.Emitter[FmtEvent]) error {
	seen, _, err := c.State.Seen.Get(c.Context)
	if err != nil || seen {
		return err
	}
	if c.Key() != v.ID {
		return fmt.Errorf("key %v is not the id %v", c.Key(), v.ID)
	}
	if err := c.State.Seen.Set(c.Context, true); err != nil {
		return err
	}
	return out.Emit(v)
}

type paid struct{}

func (paid) Filter(_ *runtime.Context, o Order) (bool, error) { return o.Status == StatusPaid, nil }

type totals struct{}

func (totals) CreateAccumulator() float64       { return 0 }
func (totals) Add(o Order, acc float64) float64 { return acc + o.Amount }
func (totals) Merge(a, b float64) float64       { return a + b }
func (totals) Result(key Status, w runtime.Window, acc float64) (string, error) {
	return fmt.Sprintf("%s: %g in [%d,%d)", key, acc, w.Start, w.End), nil
}

// perDevice counts connections per port of a device, keyed by its MAC
// address (an Avro fixed), and emits each device with its names so far.
type perDevice struct{}

func (perDevice) ProcessElement(c *PerDeviceContext, v Device, out *runtime.Emitter[Device]) error {
	if c.Key() != v.Mac {
		return fmt.Errorf("key %x is not the MAC %x", c.Key(), v.Mac)
	}
	if err := c.State.Names.Add(c.Context, v.Name); err != nil {
		return err
	}
	n, _, err := c.State.Ports.Get(c.Context, v.Port)
	if err != nil {
		return err
	}
	if err := c.State.Ports.Put(c.Context, v.Port, n+1); err != nil {
		return err
	}
	names, err := c.State.Names.Get(c.Context)
	if err != nil {
		return err
	}
	v.Name = strings.Join(names, ",")
	return out.Emit(v)
}

func ops() Operators {
	return Operators{Kinds: kinds{}, Dedup: dedup{}, Paid: paid{}, Totals: totals{}, PerDevice: perDevice{}}
}

func TestFixedAndInt32Keys(t *testing.T) {
	d := NewTestDriver(t, ops())
	mac := MAC{1, 2, 3, 4, 5, 6}
	other := MAC{9, 9, 9, 9, 9, 9}
	d.PipeDevices(Device{Mac: mac, Port: 80, Name: "a"}, at(0))
	d.PipeDevices(Device{Mac: other, Port: 22, Name: "x"}, at(0))
	d.PipeDevices(Device{Mac: mac, Port: 80, Name: "b"}, at(0))
	d.PipeDevices(Device{Mac: mac, Port: 443, Name: "c"}, at(0))
	var got []string
	for _, o := range d.ReadDevicesOut() {
		got = append(got, fmt.Sprintf("%x %d %s", o.Value.Mac, o.Value.Port, o.Value.Name))
	}
	want := []string{"010203040506 80 a", "090909090909 22 x", "010203040506 80 a,b", "010203040506 443 a,b,c"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("devices %q, want %q", got, want)
	}
	if m := d.PerDevicePorts(mac); !reflect.DeepEqual(m, map[int32]int64{80: 2, 443: 1}) {
		t.Fatalf("ports %v", m)
	}
	if names := d.PerDeviceNames(other); !reflect.DeepEqual(names, []string{"x"}) {
		t.Fatalf("names %q", names)
	}
}

func at(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

var (
	id1 = codec.MustParseUUID("00000000-0000-4000-8000-000000000001")
	id2 = codec.MustParseUUID("00000000-0000-4000-8000-000000000002")
	id3 = codec.MustParseUUID("00000000-0000-4000-8000-000000000003")
)

func TestAvroFramingsAndSchemaResolution(t *testing.T) {
	reg := runtime.NewMemoryRegistryFraming()
	d := NewTestDriver(t, ops(), runtime.WithPipelineOptions(runtime.WithFraming(runtime.FormatAvroConfluent, reg)))
	e1 := FmtEvent{ID: id1, Key: EventKey{Tenant: "t1"}, Kind: KindB, Amount: 2.5}
	d.PipeEvents(EventKey{Tenant: "t1"}, e1, at(1_000))
	d.PipeSingles(FmtEvent{ID: id2, Key: EventKey{Tenant: "t2"}, Kind: KindB, Amount: 1}, at(2_000))

	// Data written with an older schema of test.fmt.Event, registered in
	// the registry, decodes into the current type with the defaults.
	old, err := schema.ParseAvroString(`{"type":"record","name":"Event","namespace":"test.fmt.old","fields":[{"name":"id","type":{"type":"string","logicalType":"uuid"}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	val, err := reg.Frame(nil, "events", false, old)
	if err != nil {
		t.Fatal(err)
	}
	val = codec.AppendString(val, id3.String())
	key, err := reg.Frame(nil, "events", true, new(EventKey).AvroType())
	if err != nil {
		t.Fatal(err)
	}
	if key, err = (&EventKey{Tenant: "t3"}).AppendAvro(key); err != nil {
		t.Fatal(err)
	}
	if err := d.PipeEventsRaw(key, val, at(3_000)); err != nil {
		t.Fatalf("an older writer schema: %v", err)
	}
	d.PipeEvents(EventKey{Tenant: "t1"}, e1, at(4_000)) // a duplicate id

	var got []string
	for _, o := range d.ReadKindsOut() {
		got = append(got, fmt.Sprintf("%s %s %v %g", o.Key.Tenant, o.Value.Key.Tenant, o.Value.Kind, o.Value.Amount))
	}
	want := []string{"t1 t1 B 2.5", "t2 t2 B 3.5", "none none A 0", "t1 t1 B 6"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("kinds_out %q, want %q", got, want)
	}
	var unique []V2Event
	for _, o := range d.ReadUniqueOut() {
		unique = append(unique, o.Value)
	}
	wantUnique := []V2Event{
		{ID: id1, Key: EventKey{Tenant: "t1"}, Kind: KindB, Amount: 2.5, Region: "eu"},
		{ID: id2, Key: EventKey{Tenant: "t2"}, Kind: KindB, Amount: 1, Region: "eu"},
		{ID: id3, Key: EventKey{Tenant: "none"}, Kind: KindA, Amount: 0, Region: "eu"},
	}
	if !reflect.DeepEqual(unique, wantUnique) {
		t.Fatalf("unique_out %+v, want %+v", unique, wantUnique)
	}
	if n, ok := d.KindsCount(KindB); !ok || n != 3 {
		t.Fatalf("count of B: %d %v", n, ok)
	}
	if m := d.KindsAmounts(KindB); !reflect.DeepEqual(m, map[Kind]float64{KindB: 6}) {
		t.Fatalf("amounts of B: %v", m)
	}
	if last, ok := d.KindsLast(KindA); !ok || last.ID != id3 {
		t.Fatalf("last A: %+v %v", last, ok)
	}
	if r, ok := d.KindsRatio(KindB); !ok || r != 2 {
		t.Fatalf("ratio of B: %v %v", r, ok)
	}
	if m := d.KindsByTenant(KindB); !reflect.DeepEqual(m, map[string]Kind{"t1": KindB, "t2": KindB}) {
		t.Fatalf("tenants of B: %v", m)
	}
	if m := d.KindsIds(KindA); !reflect.DeepEqual(m, map[Kind]string{KindA: id3.String()}) {
		t.Fatalf("ids of A: %v", m)
	}
	if seen, ok := d.DedupSeen(id2); !ok || !seen {
		t.Fatalf("dedup of id2: %v %v", seen, ok)
	}
}

func TestStopPolicy(t *testing.T) {
	d := NewTestDriver(t, ops())
	err := d.PipeEventsRaw([]byte("k"), []byte("garbage"), at(1_000))
	var derr *runtime.DecodeError
	if !errors.As(err, &derr) || derr.Topic != "events" || derr.Offset != 0 {
		t.Fatalf("a poison record on a stop source: %v", err)
	}
	if err := d.PipeEventsRaw(nil, []byte{0}, at(1_000)); err == nil {
		t.Fatal("a failed task accepted a record")
	}
	d.Abort()
	d.PipeEvents(EventKey{Tenant: "t"}, FmtEvent{ID: id1, Kind: KindC}, at(2_000))
	if got := d.ReadKindsOut(); len(got) != 1 || got[0].Value.Kind != KindC {
		t.Fatalf("after Abort: %+v", got)
	}
}

func TestNewPipelineOptions(t *testing.T) {
	if _, err := NewPipeline(ops()); err == nil || !strings.Contains(err.Error(), "avro-confluent") || !strings.Contains(err.Error(), "runtime.WithFraming") {
		t.Fatalf("NewPipeline without a registry framing: %v", err)
	}
	_, err := NewPipeline(ops(), runtime.WithFraming("avro-confluant", runtime.NewMemoryRegistryFraming()))
	if err == nil || !strings.Contains(err.Error(), "avro-confluant") {
		t.Fatalf("NewPipeline with a misspelled format: %v", err)
	}
}

func order(id codec.UUID, customer string, created int64, amount float64, s Status) Order {
	return Order{ID: id, Customer: customer, Created: at(created), Amount: amount, Status: s}
}

func TestJSONOrders(t *testing.T) {
	d := NewTestDriver(t, ops())
	d.PipeOrders("c1", order(id1, "c1", 1_000, 10, StatusPaid), at(0))
	d.PipeOrders("c2", order(id2, "c2", 2_000, 5, StatusNew), at(0))
	d.PipeOrders("c1", order(id3, "c1", 3_000, 2.5, StatusPaid), at(0))
	var paidIDs []codec.UUID
	for _, o := range d.ReadPaidOut() {
		if o.Key != StatusPaid {
			t.Fatalf("paid_out key %q", o.Key)
		}
		paidIDs = append(paidIDs, o.Value.ID)
	}
	if !reflect.DeepEqual(paidIDs, []codec.UUID{id1, id3}) {
		t.Fatalf("paid %v", paidIDs)
	}
	d.AdvanceWatermark(at(7_200_000))
	got := map[Status]string{}
	for _, o := range d.ReadTotalsOut() {
		got[o.Key] = o.Value
		if !o.Timestamp.Equal(at(3_599_999)) {
			t.Fatalf("total at %v", o.Timestamp)
		}
	}
	if want := map[Status]string{StatusPaid: "paid: 12.5 in [0,3600000)", StatusNew: "new: 5 in [0,3600000)"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("totals %v, want %v", got, want)
	}
	// JSON that breaks the schema goes to the dead-letter topic.
	for _, bad := range []string{`{"id":"nope"}`, `{"id":"00000000-0000-4000-8000-000000000009","customer":"c","created":"1970-01-01T00:00:00Z","amount":-1,"status":"new"}`} {
		if err := d.PipeOrdersRaw([]byte("c9"), []byte(bad), at(0)); err != nil {
			t.Fatalf("a dead-letter source failed: %v", err)
		}
	}
	dl := d.ReadOrdersDeadLetters()
	if len(dl) != 2 || string(dl[1].Value) != `{"id":"00000000-0000-4000-8000-000000000009","customer":"c","created":"1970-01-01T00:00:00Z","amount":-1,"status":"new"}` {
		t.Fatalf("dead letters %+v", dl)
	}
}

func TestGoldenWithDeadLetters(t *testing.T) {
	dir := t.TempDir()
	inputs := filepath.Join(dir, "in.jsonl")
	golden := filepath.Join(dir, "out.golden")
	if err := os.WriteFile(inputs, []byte(`{"source":"orders","key":"c1","ts":"1970-01-01T00:00:00Z","value":{"id":"00000000-0000-4000-8000-000000000001","customer":"c1","created":"1970-01-01T00:00:01Z","amount":10,"status":"paid"}}
{"source":"orders","key":"c2","ts":"1970-01-01T00:00:00Z","value":{"id":"00000000-0000-4000-8000-000000000002","customer":"","created":"1970-01-01T00:00:01Z","amount":1,"status":"paid"}}
{"source":"events","key":{"tenant":"t1"},"ts":"1970-01-01T00:00:02Z","value":{"id":"00000000-0000-4000-8000-000000000001","key":{"tenant":"t1"},"kind":"C","amount":1.5}}
{"advance_watermark":"1970-01-01T02:00:00Z"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	NewTestDriver(t, ops()).Golden(t, inputs, golden, true)
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := []string{
		`{"output":"kinds_out","ts":"1970-01-01T00:00:02Z","key":{"tenant":"t1"},"value":{"amount":1.5,"id":"00000000-0000-4000-8000-000000000001","key":{"tenant":"t1"},"kind":"C"}}`,
		`{"output":"unique_out","ts":"1970-01-01T00:00:02Z","value":{"amount":1.5,"id":"00000000-0000-4000-8000-000000000001","key":{"tenant":"t1"},"kind":"C","region":"eu"}}`,
		`{"output":"paid_out","ts":"1970-01-01T00:00:01Z","key":"paid","value":{"amount":10,"created":"1970-01-01T00:00:01Z","customer":"c1","id":"00000000-0000-4000-8000-000000000001","status":"paid"}}`,
		`{"output":"totals_out","ts":"1970-01-01T00:59:59.999Z","key":"paid","value":"paid: 10 in [0,3600000)"}`,
	}
	if len(lines) != len(want)+1 || !reflect.DeepEqual(lines[:len(want)], want) {
		t.Fatalf("golden:\n%s\nwant:\n%s\nand a dead letter", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if dl := lines[len(want)]; !strings.HasPrefix(dl, `{"output":"orders-dlq","ts":"1970-01-01T00:00:00Z","key":"c2","value":"{\"id\":`) || !strings.Contains(dl, `"error":"`) {
		t.Fatalf("dead letter line %s", dl)
	}
	NewTestDriver(t, ops()).Golden(t, inputs, golden, false)
}
