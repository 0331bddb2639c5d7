package kafka

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/internal/gotest"
	"github.com/streamgen/streamgen/runtime"
)

// TestSoakHeapFlat runs the click pipeline (per-user 1-minute window
// counts, exactly once, pebble state) in this process for many rounds of
// input, with kfake in a process of its own so that only the runner and
// a producer share this heap, and checks that the live Go heap stops
// growing once the runner's budgets are full: a leak per record, commit,
// checkpoint or window shows as growth across the rounds. Small budgets
// (a checkpoint every 2,000 pending writes for the whole store) make the
// runner go through its checkpoint cycle hundreds of times.
//
// The default run is 24 rounds of 20,000 records;
// STREAMGEN_SOAK_LONG=1 runs 120 (2.4M records).
func TestSoakHeapFlat(t *testing.T) {
	if gotest.RaceEnabled {
		t.Skip("heap measurement: pebble allocates differently in race builds")
	}
	rounds, perRound, warm := 24, 20_000, 4
	if os.Getenv("STREAMGEN_SOAK_LONG") != "" {
		rounds = 120
	}
	var brokers []string
	if env := os.Getenv("KAFKA_BROKERS"); env != "" {
		brokers = strings.Split(env, ",")
	} else {
		brokers = startBrokerProcess(t)
	}
	e := connectEOSEnv(t, brokers)
	const parts = 8
	in, out := e.topic("soak-in", parts, nil), e.topic("soak-out", parts, nil)
	spec := clickSpec(e.name("soak"), in, out, "")
	r := startRun(spec, Brokers(e.brokers...), StateDir(t.TempDir()), Logger(newTestLogger(t)),
		StoreOptions(runtime.StoreOptions{CheckpointRecords: 2_000, CacheEntries: 4_000}))
	defer r.stop(t)
	clicks := newClicks(2_000, parts, 50) // 20,000 events: 1,000 s of event time
	var base, last float64
	for round := range rounds {
		e.produce(clicks.records(in, perRound))
		clear(clicks.want) // counts are the other tests' business
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		err := e.waitCaughtUp(ctx, spec.Name, in)
		cancel()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		last = gotest.LiveHeapMiB()
		if round == warm-1 {
			base = last
		}
		if round%10 == 0 || round == rounds-1 {
			t.Logf("round %d: %d records in, live heap %.1f MiB", round, (round+1)*perRound, last)
		}
	}
	// The heap after warm-up is about 5 MiB; a leak of 30 bytes a record
	// would add 12 MiB over the default run's last 400,000.
	if grown := last - base; grown > 12 {
		t.Fatalf("live heap grew by %.1f MiB over %d rounds after warm-up (from %.1f MiB)", grown, rounds-warm, base)
	}
}
