package runtime_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// clickCount counts clicks per window; generated code would hand the
// user's implementation of a generated interface to the runtime the same
// way.
type clickCount struct{}

func (clickCount) CreateAccumulator() int64       { return 0 }
func (clickCount) Add(_ *string, acc int64) int64 { return acc + 1 }
func (clickCount) Merge(a, b int64) int64         { return a + b }
func (clickCount) Result(acc int64) int64         { return acc }

// alert emits a message when a user clicks ten seconds after their last
// click, using value state and an event-time timer.
type alert struct {
	last *runtime.ValueState[int64]
}

func (a *alert) ProcessElement(c *runtime.Context, page *string, out *runtime.Emitter[string]) error {
	if err := a.last.Set(c, c.Timestamp()); err != nil {
		return err
	}
	return c.RegisterEventTimer(c.Timestamp() + 10_000)
}

func (a *alert) OnTimer(c *runtime.Context, tm runtime.Timer, out *runtime.Emitter[string]) error {
	last, ok, err := a.last.Get(c)
	if err != nil || !ok || last+10_000 != tm.Time {
		return err
	}
	return out.Emit(fmt.Sprintf("%s went quiet at %d", c.Key(), last))
}

// build is what a generated pipeline's wiring looks like: one typed chain
// per task.
func build(t *runtime.Task) error {
	counts, err := runtime.NewSink(t, "clicks-per-user", runtime.SerializerFunc[runtime.Windowed[int64]](
		func(c *runtime.Context, w runtime.Windowed[int64], out *runtime.OutRecord) error {
			out.Key = append([]byte(nil), c.Key()...)
			out.Value = fmt.Appendf(nil, "%d clicks in [%d,%d)", w.Value, w.Window.Start, w.Window.End)
			return nil
		}))
	if err != nil {
		return err
	}
	window, err := runtime.NewWindowAggregate[string, int64, int64](t, "clicks", runtime.WindowSpec[string]{
		Assigner: runtime.TumblingWindows(time.Minute, 0),
	}, clickCount{}, runtime.Int64Codec{}, counts)
	if err != nil {
		return err
	}
	last, err := runtime.NewValueState(t, "alert.last", runtime.Int64Codec{}, 0)
	if err != nil {
		return err
	}
	alerts, err := runtime.NewSink(t, "alerts", runtime.ValueSerializer[string](runtime.StringCodec{}))
	if err != nil {
		return err
	}
	quiet, err := runtime.NewProcess[string, string](t, "alert", &alert{last: last}, alerts)
	if err != nil {
		return err
	}
	_, err = runtime.AddSource(t, runtime.SourceConfig[string]{
		Topic:        "clicks",
		Deserializer: runtime.ValueDeserializer[string](runtime.StringCodec{}),
		Watermark:    runtime.WatermarkStrategy{OutOfOrderness: time.Second, IdleTimeout: time.Minute},
	}, runtime.Fanout(window, quiet))
	return err
}

func Example() {
	dir, err := os.MkdirTemp("", "streamgen-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	d, err := runtime.NewDriver(runtime.DriverConfig{Dir: dir}, build)
	if err != nil {
		panic(err)
	}
	defer d.Close()
	for _, click := range []struct {
		user string
		at   int64
	}{{"ann", 1_000}, {"bob", 2_000}, {"ann", 5_000}, {"ann", 61_000}} {
		if err := d.Pipe("clicks", []byte(click.user), []byte("/home"), click.at); err != nil {
			panic(err)
		}
	}
	if err := d.Reopen(); err != nil { // state and timers survive a restart
		panic(err)
	}
	if err := d.AdvanceWatermark(120_000); err != nil {
		panic(err)
	}
	for _, topic := range d.OutputTopics() {
		for _, r := range d.Output(topic) {
			fmt.Printf("%s %s: %s\n", topic, r.Key, strings.TrimSpace(string(r.Value)))
		}
	}
	// ann's timer for 15000 fires only once the record at 61000 moved the
	// watermark, after that record updated her last click: no alert.
	//
	// Output:
	// alerts bob: bob went quiet at 2000
	// alerts ann: ann went quiet at 61000
	// clicks-per-user ann: 2 clicks in [0,60000)
	// clicks-per-user bob: 1 clicks in [0,60000)
	// clicks-per-user ann: 1 clicks in [60000,120000)
}
