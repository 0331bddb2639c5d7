package pipeline_window_chain

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

type count struct{}

func (count) CreateAccumulator() int64      { return 0 }
func (count) Add(_ string, acc int64) int64 { return acc + 1 }
func (count) Merge(a, b int64) int64        { return a + b }
func (count) Result(_ string, _ runtime.Window, acc int64) (int64, error) {
	return acc, nil
}

type sum struct{}

func (sum) Reduce(a, b int64) (int64, error) { return a + b, nil }

type render struct{}

func (render) Map(c *runtime.Context, v int64) (string, error) {
	return fmt.Sprintf("%s %s=%d", c.Key(), time.UnixMilli(c.Timestamp()+1).UTC().Format("15:04"), v), nil
}

func ops() Operators { return Operators{PerMinute: count{}, PerHour: sum{}, Rendered: render{}} }

var t0 = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

// TestHourSumsEveryMinute: the hour's sum counts every view, the views of
// its last minute too, whether the watermark jumps over the hour at once
// or goes minute by minute; the generated pipeline registers the hour
// window before the minute window, so the minute one fires first.
func TestHourSumsEveryMinute(t *testing.T) {
	views := []time.Duration{0, 30 * time.Minute, 59*time.Minute + 30*time.Second, 59*time.Minute + 59*time.Second}
	for _, jump := range []bool{true, false} {
		t.Run(fmt.Sprint("jump=", jump), func(t *testing.T) {
			d := NewTestDriver(t, ops())
			// The value is the user (key_by: .), in time order.
			for _, v := range views {
				for _, user := range []string{"ann", "bob"} {
					d.PipeViews(user, user, t0.Add(v))
				}
			}
			if jump {
				d.AdvanceWatermark(t0.Add(3 * time.Hour))
			} else {
				for m := 1; m <= 61; m++ {
					d.AdvanceWatermark(t0.Add(time.Duration(m) * time.Minute))
				}
			}
			var got []string
			for _, o := range d.ReadHourlyOut() {
				got = append(got, o.Value)
			}
			slices.Sort(got)
			if want := "ann 11:00=4 | bob 11:00=4"; strings.Join(got, " | ") != want {
				t.Errorf("hourly %q, want %q", got, want)
			}
		})
	}
}
