package runtime

import (
	"testing"
	"time"
)

func TestInputWatermark(t *testing.T) {
	w := NewWatermarks()
	w.AddInput("clicks", WatermarkStrategy{OutOfOrderness: 5 * time.Millisecond}, 0)
	w.AddInput("views", WatermarkStrategy{IdleTimeout: 100 * time.Millisecond}, 0)
	w.Observe(0, 1000, 10)
	w.Update(150) // views saw nothing for 150 ms: idle
	cases := []struct {
		input    string
		wm       int64
		idle, ok bool
	}{
		{"clicks", 994, false, true},
		{"views", NoWatermark, true, true},
		{"other", NoWatermark, false, false},
	}
	for _, c := range cases {
		wm, idle, ok := w.InputWatermark(c.input)
		if wm != c.wm || idle != c.idle || ok != c.ok {
			t.Errorf("InputWatermark(%q) = %d, %v, %v; want %d, %v, %v", c.input, wm, idle, ok, c.wm, c.idle, c.ok)
		}
	}
}
