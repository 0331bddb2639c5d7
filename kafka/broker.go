package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TopicConfig is a topic the embedded broker creates at start.
type TopicConfig struct {
	Name string
	// Partitions is the partition count; 0 or less takes the broker's
	// DefaultPartitions.
	Partitions int32
}

// DefaultBrokerPartitions is the partition count of topics the embedded
// broker creates without one given.
const DefaultBrokerPartitions = 4

// BrokerConfig configures the embedded development broker.
type BrokerConfig struct {
	// Host is the address to listen on and to advertise to clients
	// (default 127.0.0.1). Clients connect to what is advertised, so
	// listen on an address they can reach.
	Host string
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// Topics are created at start.
	Topics []TopicConfig
	// AutoCreateTopics lets clients create topics by asking for their
	// metadata, as Kafka's auto.create.topics.enable (off by default, as
	// in kfake: the pipeline runner wants missing topics reported).
	AutoCreateTopics bool
	// DefaultPartitions is the partition count of auto-created topics and
	// of Topics without one (default DefaultBrokerPartitions).
	DefaultPartitions int32
	// Logger receives the broker's warnings and errors (nil: none).
	Logger *slog.Logger
}

// Broker is an embedded single-node Kafka broker for development and
// tests: franz-go's kfake, speaking the Kafka protocol over TCP with
// transactions, read_committed, consumer groups and compaction. Its data
// lives in memory and is lost at Close.
type Broker struct {
	c    *kfake.Cluster
	addr string
}

// StartBroker starts a broker with cfg.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.DefaultPartitions <= 0 {
		cfg.DefaultPartitions = DefaultBrokerPartitions
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("kafka: broker port %d is out of range", cfg.Port)
	}
	host := cfg.Host
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(cfg.Port),
		kfake.ClusterID("streamgen-dev"),
		kfake.DefaultNumPartitions(int(cfg.DefaultPartitions)),
		// kfake formats 127.0.0.1:port; listen on the configured host.
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort(host, port))
		}),
	}
	if cfg.AutoCreateTopics {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if cfg.Logger != nil {
		opts = append(opts, kfake.WithLogger(kfakeLogger{cfg.Logger}))
	}
	byCount := map[int32][]string{}
	seen := map[string]bool{}
	for _, t := range cfg.Topics {
		if t.Name == "" {
			return nil, fmt.Errorf("kafka: broker topic without a name")
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("kafka: broker topic %s given twice", t.Name)
		}
		seen[t.Name] = true
		n := t.Partitions
		if n <= 0 {
			n = cfg.DefaultPartitions
		}
		byCount[n] = append(byCount[n], t.Name)
	}
	for n, names := range byCount {
		opts = append(opts, kfake.SeedTopics(n, names...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: starting the embedded broker on %s: %w", net.JoinHostPort(host, strconv.Itoa(cfg.Port)), err)
	}
	return &Broker{c: c, addr: c.ListenAddrs()[0]}, nil
}

// Addr returns the broker's host:port, the bootstrap address clients use.
func (b *Broker) Addr() string { return b.addr }

// Cluster returns the underlying kfake cluster (for tests that inject
// faults or compact topics).
func (b *Broker) Cluster() *kfake.Cluster { return b.c }

// CreateTopics creates topics on the running broker; a topic that exists
// already is not an error.
func (b *Broker) CreateTopics(ctx context.Context, topics ...TopicConfig) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, t := range topics {
		n := t.Partitions
		if n <= 0 {
			n = -1 // the broker's default
		}
		resp, err := adm.CreateTopic(ctx, n, -1, nil, t.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("kafka: creating topic %s: %w", t.Name, err)
		}
	}
	return nil
}

// Close stops the broker.
func (b *Broker) Close() { b.c.Close() }

// RunBroker starts a broker, prints its address to w, and serves until
// ctx is done (the `streamgen broker` command).
func RunBroker(ctx context.Context, cfg BrokerConfig, w io.Writer) error {
	b, err := StartBroker(cfg)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(w, "kafka broker listening on %s\n", b.Addr())
	def := cfg.DefaultPartitions
	if def <= 0 {
		def = DefaultBrokerPartitions
	}
	names := make([]string, 0, len(cfg.Topics))
	for _, t := range cfg.Topics {
		n := t.Partitions
		if n <= 0 {
			n = def
		}
		names = append(names, fmt.Sprintf("%s (%d partitions)", t.Name, n))
	}
	sort.Strings(names)
	if len(names) > 0 {
		fmt.Fprintf(w, "topics: %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "export KAFKA_BROKERS=%s\n", b.Addr())
	<-ctx.Done()
	return nil
}

// ParseTopics reads a topic list such as "clicks:8,views:8,alerts" (a
// name without a count takes the default partition count).
func ParseTopics(s string) ([]TopicConfig, error) {
	var out []TopicConfig
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, count, hasCount := strings.Cut(part, ":")
		if name == "" {
			return nil, fmt.Errorf("kafka: topic %q has no name (want name or name:partitions)", part)
		}
		t := TopicConfig{Name: name}
		if hasCount {
			n, err := strconv.ParseInt(count, 10, 32)
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("kafka: topic %q: partitions %q is not a positive number", part, count)
			}
			t.Partitions = int32(n)
		}
		out = append(out, t)
	}
	return out, nil
}

// kfakeLogger forwards kfake's warnings and errors to slog.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		k.l.Error(fmt.Sprintf(format, args...), "component", "broker")
	case kfake.LogLevelWarn:
		k.l.Warn(fmt.Sprintf(format, args...), "component", "broker")
	}
}
