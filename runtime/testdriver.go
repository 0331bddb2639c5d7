package runtime

import "time"

// DriverTB is the part of testing.TB a TestDriverCore uses; *testing.T and
// *testing.B satisfy it. The runtime names it instead of importing testing.
type DriverTB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	TempDir() string
	Cleanup(func())
}

// TestDriverCore is the untyped half of every generated TestDriver: it
// opens the pipeline on a Driver over a fresh store in a temporary
// directory (closed when the test ends) and offers the time and commit
// controls, failing the test on any error. Generated drivers embed it and
// add the typed Pipe, Read and state methods.
type TestDriverCore struct {
	t DriverTB
	d *Driver
}

// NewTestDriverCore opens spec with the driver options o. Every input must
// have a topic (a topic_pattern source needs runtime.WithTopics).
func NewTestDriverCore(t DriverTB, spec PipelineSpec, o DriverOptions) *TestDriverCore {
	t.Helper()
	for _, in := range spec.Inputs {
		if len(in.Topics) == 0 {
			t.Fatalf("NewTestDriver: source %s has no topic (see runtime.WithTopics)", in.Name)
		}
	}
	var start int64
	if !o.StartTime.IsZero() {
		start = o.StartTime.UnixMilli()
	}
	d, err := NewDriver(DriverConfig{
		Dir:          t.TempDir(),
		Partitions:   o.Partitions,
		Store:        o.Store,
		StartTime:    start,
		ManualCommit: o.ManualCommit,
	}, spec.Build)
	if err != nil {
		t.Fatalf("NewTestDriver: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("closing the test driver: %v", err)
		}
	})
	return &TestDriverCore{t: t, d: d}
}

// AdvanceWatermark moves the watermark of every task to at least ts, firing
// the event-time timers and windows it passes.
func (c *TestDriverCore) AdvanceWatermark(ts time.Time) {
	c.t.Helper()
	if err := c.d.AdvanceWatermark(ts.UnixMilli()); err != nil {
		c.t.Fatalf("AdvanceWatermark: %v", err)
	}
}

// AdvanceProcessingTime moves processing time forward by by, firing
// processing-time timers, expiring state TTLs and marking idle inputs.
func (c *TestDriverCore) AdvanceProcessingTime(by time.Duration) {
	c.t.Helper()
	if err := c.d.AdvanceProcessingTime(by); err != nil {
		c.t.Fatalf("AdvanceProcessingTime: %v", err)
	}
}

// Commit commits every task (needed only with WithManualCommit): pending
// outputs become readable and state is applied.
func (c *TestDriverCore) Commit() {
	c.t.Helper()
	if err := c.d.Commit(); err != nil {
		c.t.Fatalf("Commit: %v", err)
	}
}

// Abort drops what every task did since the last commit: state changes,
// timers and outputs.
func (c *TestDriverCore) Abort() {
	c.t.Helper()
	if err := c.d.Abort(); err != nil {
		c.t.Fatalf("Abort: %v", err)
	}
}

// Reopen simulates a restart: uncommitted work is dropped, the store is
// closed and opened again, and every task is rebuilt; committed state and
// timers survive.
func (c *TestDriverCore) Reopen() {
	c.t.Helper()
	if err := c.d.Reopen(); err != nil {
		c.t.Fatalf("Reopen: %v", err)
	}
}

// Runtime returns the untyped driver underneath, for what the typed methods
// do not cover.
func (c *TestDriverCore) Runtime() *Driver { return c.d }
