package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDemo runs a small demo end to end on the embedded broker: the
// pipeline runs through kafka.Run, and run fails unless a read_committed
// consumer finds every page view counted exactly once, every event in
// exactly one session and every corrupt record dead-lettered.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, config{users: 30, events: 5_000, partitions: 3, poison: 2, seed: 7, top: 5}, &out, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"producing clicks", "100%", "user-0", "users whose own counts differ"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output has no %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "DIFFERENT") {
		t.Errorf("a check failed:\n%s", out.String())
	}
}
