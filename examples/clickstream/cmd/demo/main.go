// Command demo runs the clickstream example end to end on a laptop, with
// nothing but Go: an embedded Kafka broker and Schema Registry, a
// simulated day of clicks (some out of order, some late, a few
// corrupt), the pipeline running exactly-once through kafka.Run, and a
// read_committed consumer checking that the outputs add up to the input.
// `make demo` runs it.
//
//	go run ./examples/clickstream/cmd/demo [-users 400] [-events 100000]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/examples/clickstream"
	"github.com/streamgen/streamgen/kafka"
	"github.com/streamgen/streamgen/runtime"
)

// config is what the flags say.
type config struct {
	users, events int
	partitions    int
	poison        int
	seed          uint64
	top           int
}

func main() {
	var c config
	flag.IntVar(&c.users, "users", 400, "simulated users")
	flag.IntVar(&c.events, "events", 100_000, "clicks by people to simulate (about)")
	flag.IntVar(&c.partitions, "partitions", 4, "partitions of each topic")
	flag.IntVar(&c.poison, "poison", 3, "corrupt records to mix in")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed of the simulation")
	flag.IntVar(&c.top, "top", 10, "users in the table")
	flag.Parse()
	if c.users <= 0 || c.events <= 0 || c.partitions <= 0 || c.poison < 0 {
		fmt.Fprintln(os.Stderr, "demo: -users, -events and -partitions must be positive, -poison not negative")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	st, err := os.Stdout.Stat()
	tty := err == nil && st.Mode()&os.ModeCharDevice != 0
	if err := run(ctx, c, os.Stdout, tty); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run runs the demo, writing to w; tty says whether w is a terminal (then
// progress bars are redrawn in place).
func run(ctx context.Context, c config, w io.Writer, tty bool) error {
	began := time.Now()
	fmt.Fprintln(w, "streamgen clickstream demo: page views per user per minute, and engagement per session")
	fmt.Fprintln(w)

	// The pipeline, as cmd/clickstream builds it: its Avro topics use the
	// Confluent wire format, so its framing needs a Schema Registry.
	framing := kafka.NewConfluentFraming()
	p, err := clickstream.NewPipeline(clickstream.NewOperators(), runtime.WithFraming(runtime.FormatAvroConfluent, framing))
	if err != nil {
		return err
	}
	spec := p.Spec()

	// Kafka and the Schema Registry, in this process.
	topics := kafka.PipelineTopics(&spec, int32(c.partitions))
	broker, err := kafka.StartBroker(kafka.BrokerConfig{Topics: topics})
	if err != nil {
		return err
	}
	defer broker.Close()
	brokers := []string{broker.Addr()}
	registry := srfake.New()
	defer registry.Close()
	srClient, err := sr.NewClient(sr.URLs(registry.URL()))
	if err != nil {
		return err
	}
	framing.Connect(srClient, true) // the pipeline registers its output schemas
	// The trackers register the Click schema as they produce.
	trackers := kafka.NewConfluentFraming(kafka.RegistryClient(srClient), kafka.AutoRegister(true))
	admClient, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return err
	}
	defer admClient.Close()
	adm := kadm.NewClient(admClient)
	fmt.Fprintf(w, "  Kafka broker        %s (embedded kfake: transactions, read_committed, consumer groups)\n", broker.Addr())
	fmt.Fprintf(w, "  Schema Registry     %s (in memory)\n", registry.URL())
	fmt.Fprintf(w, "  topics              %s\n", topicList(topics))
	fmt.Fprintln(w)

	// The pipeline runs exactly-once from the start: it reads what the
	// trackers send as it arrives.
	stateDir, err := os.MkdirTemp("", "clickstream-demo-state-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)
	runCtx, stopPipeline := context.WithCancel(ctx)
	defer stopPipeline()
	waitCtx, pipelineEnded := context.WithCancelCause(ctx)
	runErr := make(chan error, 1)
	go func() {
		err := kafka.Run(runCtx, spec,
			kafka.Brokers(brokers...),
			kafka.StateDir(stateDir),
			kafka.Logger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		)
		pipelineEnded(fmt.Errorf("the pipeline stopped: %v", err))
		runErr <- err
	}()

	rng := rand.New(rand.NewPCG(c.seed, 2026))
	tr := simulate(rng, c.users, c.events)
	fmt.Fprintf(w, "Simulated %s clicks of %d users and 3 crawlers from 08:00 to %s; %s arrive more than 5s late.\n",
		thousands(int64(len(tr.sent))), c.users, tr.last.Format("15:04"), thousands(int64(tr.delayed)))
	bar := newProgress(w, tty, "producing clicks", int64(len(tr.sent)+c.poison))
	if err := produce(waitCtx, brokers, trackers, tr, c.poison, bar); err != nil {
		return fmt.Errorf("producing: %w", errors.Join(err, context.Cause(waitCtx)))
	}
	if err := closeTheDay(waitCtx, brokers, trackers, tr, int32(c.partitions)); err != nil {
		return fmt.Errorf("producing: %w", errors.Join(err, context.Cause(waitCtx)))
	}
	bar = newProgress(w, tty, "pipeline (committed)", 0)
	if err := waitProcessed(waitCtx, adm, spec.Name, []string{"web-clicks", "app-clicks"}, bar); err != nil {
		return errors.Join(err, context.Cause(waitCtx))
	}
	stopPipeline()
	if err := <-runErr; err != nil {
		return fmt.Errorf("the pipeline failed: %w", err)
	}
	fmt.Fprintln(w)

	res, err := readResults(ctx, brokers, framing)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Top %d users by page views (user-views, user-engagement and late-views, read_committed):\n\n", c.top)
	res.printTopUsers(w, c.top)
	fmt.Fprintf(w, "\n%s user-views records (minutes that fired again for late views included), %s sessions.\n\n",
		thousands(int64(res.viewRecords)), thousands(int64(sessionCount(res))))
	fmt.Fprintln(w, "End-to-end check, exactly once:")
	if err := res.check(w, tr, c.poison); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nEverything ran on Kafka (an embedded broker): the clicks were produced to it, the pipeline read\n"+
		"them with kafka.Run in one transaction per commit (outputs, changelog and offsets), and the\n"+
		"results above were read back with a read_committed consumer. Done in %s.\n", time.Since(began).Round(100*time.Millisecond))
	return nil
}

func topicList(topics []kafka.TopicConfig) string {
	s := ""
	for i, t := range topics {
		if i > 0 {
			s += ", "
		}
		s += t.Name
	}
	return fmt.Sprintf("%s (%d partitions each)", s, topics[0].Partitions)
}

func sessionCount(r *results) int {
	n := 0
	for _, s := range r.sessions {
		n += len(s)
	}
	return n
}
