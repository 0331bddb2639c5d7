package runtime

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fatalTB records the first Fatalf and stops the caller, as testing.T does.
type fatalTB struct {
	*testing.T
	fatal string
}

type stopped struct{}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func TestTestDriverCoreRefusesInputWithoutTopic(t *testing.T) {
	tb := &fatalTB{T: t}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopped); !ok {
					panic(r)
				}
			}
		}()
		NewTestDriverCore(tb, PipelineSpec{Inputs: []InputSpec{{Name: "clicks", TopicPattern: "clicks-.*"}}, Build: func(*Task) error { return nil }}, DriverOptions{})
	}()
	if !strings.Contains(tb.fatal, "source clicks has no topic") {
		t.Fatalf("Fatalf said %q", tb.fatal)
	}
}

func TestTestDriverCoreControls(t *testing.T) {
	c := NewTestDriverCore(t, PipelineSpec{Inputs: []InputSpec{{Name: "in", Topics: []string{"in"}}}, Build: func(*Task) error { return nil }}, DriverOptions{Partitions: 2})
	before := c.Runtime().ProcessingTime()
	c.AdvanceProcessingTime(1500 * time.Millisecond)
	if got := c.Runtime().ProcessingTime(); got != before+1500 {
		t.Fatalf("processing time %d after advancing 1.5s from %d", got, before)
	}
	c.Commit()
	c.Abort()
	c.Reopen()
	if c.Runtime().Task(1) == nil {
		t.Fatal("task 1 missing after Reopen")
	}
}
