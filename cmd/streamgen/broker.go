package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/streamgen/streamgen/kafka"
)

// runBroker runs the embedded development broker in the foreground until
// SIGINT or SIGTERM.
func runBroker(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("broker", "", stderr)
	host := fs.String("host", "127.0.0.1", "address to listen on and advertise to clients")
	port := fs.Int("port", 9092, "port to listen on (0: a free port)")
	topics := fs.String("topics", "", "topics to create, as name:partitions,... (for example clicks:8,views:8)")
	partitions := fs.Int("partitions", kafka.DefaultBrokerPartitions, "partitions of topics given without a count and of auto-created topics")
	autoCreate := fs.Bool("auto-create-topics", false, "let clients create topics by asking for their metadata")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	ts, err := kafka.ParseTopics(*topics)
	if err != nil {
		return err
	}
	if *partitions <= 0 || *partitions > 1<<20 {
		return fmt.Errorf("--partitions %d: want a positive number", *partitions)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return kafka.RunBroker(ctx, kafka.BrokerConfig{
		Host:              *host,
		Port:              *port,
		Topics:            ts,
		AutoCreateTopics:  *autoCreate,
		DefaultPartitions: int32(*partitions),
		Logger:            slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, stdout)
}
