package kafka

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/streamgen/streamgen/runtime"
)

// defaultBrokerMaxTxnTimeout is Kafka's (and kfake's) default
// transaction.max.timeout.ms, used when the brokers do not report one.
const defaultBrokerMaxTxnTimeout = 15 * time.Minute

// topology is what the checks at start found out about the cluster.
type topology struct {
	// inputCounts holds the partition count of every input topic that
	// exists at start (listed topics and pattern matches).
	inputCounts map[string]int32
	// partitions is the inputs' common partition count (0: none exist).
	partitions int32
	// changelogParts is the changelog topic's partition count.
	changelogParts int32
	// changelogID is the changelog topic's ID (zero from brokers
	// before Kafka 2.8, which have none).
	changelogID kadm.TopicID
	// brokerMaxTxn is the smallest transaction.max.timeout.ms reported.
	brokerMaxTxn time.Duration
}

// checkSpec validates the pipeline spec and options before any broker is
// contacted.
func checkSpec(p *runtime.PipelineSpec, c *config) error {
	switch {
	case p.Name == "":
		return errors.New("kafka: the pipeline has no name (it names the consumer group and the changelog topic)")
	case p.Build == nil:
		return fmt.Errorf("kafka: pipeline %s has no Build function", p.Name)
	case len(p.Inputs) == 0:
		return fmt.Errorf("kafka: pipeline %s has no inputs", p.Name)
	case c.stateDir == "":
		return fmt.Errorf("kafka: pipeline %s: StateDir is required", p.Name)
	case len(c.brokers) == 0:
		return fmt.Errorf("kafka: pipeline %s: no brokers (use Brokers or set KAFKA_BROKERS)", p.Name)
	case c.maxDrift < 0:
		return fmt.Errorf("kafka: pipeline %s: MaxWatermarkDrift %v is negative (0 turns watermark alignment off)", p.Name, c.maxDrift)
	case c.replication != -1 && (c.replication < 1 || c.replication > math.MaxInt16):
		return fmt.Errorf("kafka: pipeline %s: InternalTopicReplication %d: want -1 (the brokers' default) or a replication factor from 1 to %d", p.Name, c.replication, math.MaxInt16)
	}
	for _, in := range p.Inputs {
		if in.Repartition && (len(in.Topics) != 1 || in.TopicPattern != "" || in.DeadLetterTopic != "") {
			return fmt.Errorf("kafka: repartition input %q must name exactly one topic, with no topic pattern and no dead-letter topic", in.Name)
		}
		if len(in.Topics) == 0 && in.TopicPattern == "" {
			return fmt.Errorf("kafka: input %q names no topics and no topic pattern", in.Name)
		}
		if len(in.Topics) > 0 && in.TopicPattern != "" {
			return fmt.Errorf("kafka: input %q has both topics and a topic pattern", in.Name)
		}
	}
	if c.txnTimeout <= p.CommitInterval {
		return fmt.Errorf("kafka: transaction timeout %v must be longer than the commit interval %v", c.txnTimeout, p.CommitInterval)
	}
	if c.txnTimeout%time.Millisecond != 0 || c.txnTimeout > time.Duration(1<<31-1)*time.Millisecond {
		return fmt.Errorf("kafka: transaction timeout %v is not a whole number of milliseconds that fits Kafka's int32", c.txnTimeout)
	}
	internal := internalTopics(p.Name, c)
	for _, in := range p.Inputs {
		for _, t := range in.Topics {
			if what, ok := internal[t]; ok {
				return fmt.Errorf("kafka: input %q reads the pipeline's own %s topic %s", in.Name, what, t)
			}
		}
	}
	repart := map[string]string{}
	for _, in := range p.Inputs {
		if in.Repartition {
			repart[in.Topics[0]] = in.Name
		}
	}
	for _, o := range p.Outputs {
		if o.Topic == "" {
			return fmt.Errorf("kafka: output %q has no topic", o.Name)
		}
		if what, ok := internal[o.Topic]; ok {
			return fmt.Errorf("kafka: output %q writes the pipeline's own %s topic %s", o.Name, what, o.Topic)
		}
		if name, ok := repart[o.Topic]; ok {
			return fmt.Errorf("kafka: output %q writes the repartition topic %s of %q", o.Name, o.Topic, name)
		}
	}
	return nil
}

// changelogTopic is the name of a pipeline's changelog topic.
func changelogTopic(name string) string { return name + "-changelog" }

// changelogStateKey names a changelog in the local store's changelog
// offsets: the topic and its ID, so that state restored from a changelog
// that was deleted since (Reset, or by hand) and created again under the
// same name is not taken for state of the new one, whose offsets start
// over. A broker without topic IDs gives the name alone.
func changelogStateKey(topic string, id kadm.TopicID) string {
	if id == (kadm.TopicID{}) {
		return topic
	}
	return topic + "@" + hex.EncodeToString(id[:])
}

// internalTopics returns the topics the pipeline named name keeps for
// itself, and what each is: the changelog, and with watermark alignment
// the watermarks topic (align_group.go). No input or output may name
// them, and no input pattern matches them.
func internalTopics(name string, c *config) map[string]string {
	t := map[string]string{changelogTopic(name): "changelog"}
	if c.maxDrift > 0 {
		t[watermarksTopic(name)] = "watermarks"
	}
	return t
}

// checkCluster runs the checks at start that need the cluster, each
// violation a clear error returned before any record is read: input
// topics exist (for topic lists) and share one partition count; outputs
// and dead-letter topics exist (the runner never creates them); repartition
// topics have the source topics' partition count and are not compacted
// (they are created with cleanup.policy=delete when missing); the
// changelog topic is compacted and has a partition per input partition
// (it is created, or grown, when needed); the transaction timeout is at
// most the brokers' transaction.max.timeout.ms; with watermark alignment,
// the watermarks topic (align_group.go) is created when missing.
func checkCluster(ctx context.Context, adm *kadm.Client, p *runtime.PipelineSpec, c *config, m *inputMatcher, twoPC map[string]bool) (*topology, error) {
	topo := &topology{inputCounts: map[string]int32{}}
	all, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("kafka: listing topics: %w%s", err, closedHint(err))
	}
	count := func(t string) (int32, bool) {
		d, ok := all[t]
		if !ok || d.Err != nil {
			return 0, false
		}
		return int32(len(d.Partitions)), true
	}
	for _, in := range p.Inputs {
		if in.Repartition {
			continue
		}
		for _, t := range in.Topics {
			n, ok := count(t)
			if !ok {
				return nil, fmt.Errorf("kafka: input topic %q of input %q does not exist", t, in.Name)
			}
			topo.inputCounts[t] = n
		}
	}
	for _, name := range all.Names() {
		if all[name].IsInternal || all[name].Err != nil {
			continue
		}
		if _, listed := m.literal[name]; !listed && m.input(name) >= 0 {
			n, _ := count(name)
			topo.inputCounts[name] = n
		}
	}
	if err := checkCoPartitioned(topo.inputCounts); err != nil {
		return nil, err
	}
	for _, n := range topo.inputCounts {
		topo.partitions = max(topo.partitions, n)
	}
	// Repartition topics have the partition count of the source topics
	// (the largest, as Kafka Streams; they are co-partitioned anyway). One
	// that exists must have it already: growing it would move keys to
	// other tasks, away from their state.
	var createRepart []string
	for _, in := range p.Inputs {
		if !in.Repartition {
			continue
		}
		t := in.Topics[0]
		if topo.partitions == 0 {
			return nil, fmt.Errorf("kafka: repartition topic %q of %q: no source topic exists yet to take its partition count from", t, in.Name)
		}
		if n, ok := count(t); ok {
			if n != topo.partitions {
				return nil, fmt.Errorf("kafka: repartition topic %q of %q has %d partitions, but the source topics have %d: a repartition topic must have one partition per task (recreate it once the topic holds no records in flight)", t, in.Name, n, topo.partitions)
			}
			if err := checkNotCompacted(ctx, adm, t); err != nil {
				return nil, err
			}
		} else {
			createRepart = append(createRepart, t)
		}
		topo.inputCounts[t] = topo.partitions
	}
	for _, o := range p.Outputs {
		if twoPC[o.Topic] {
			continue
		}
		n, ok := count(o.Topic)
		if !ok {
			return nil, fmt.Errorf("kafka: output topic %q of output %q does not exist (create it first: the runner does not create outputs)", o.Topic, o.Name)
		}
		if o.Partitioner == runtime.Fixed && o.Partition >= n {
			return nil, fmt.Errorf("kafka: output %q writes fixed partition %d, but topic %q has %d partitions", o.Name, o.Partition, o.Topic, n)
		}
	}
	for _, in := range p.Inputs {
		if in.DeadLetterTopic == "" {
			continue
		}
		if _, ok := count(in.DeadLetterTopic); !ok {
			return nil, fmt.Errorf("kafka: dead-letter topic %q of input %q does not exist", in.DeadLetterTopic, in.Name)
		}
	}
	maxTxn, err := brokerMaxTxnTimeout(ctx, adm)
	if err != nil {
		return nil, err
	}
	topo.brokerMaxTxn = maxTxn
	if c.txnTimeout > maxTxn {
		return nil, fmt.Errorf("kafka: transaction timeout %v exceeds the brokers' transaction.max.timeout.ms (%v)", c.txnTimeout, maxTxn)
	}
	if c.maxDrift > 0 {
		_, ok := count(watermarksTopic(p.Name))
		if err := ensureWatermarksTopic(ctx, adm, watermarksTopic(p.Name), ok, c); err != nil {
			return nil, err
		}
	}
	for _, t := range createRepart {
		resp, err := adm.CreateTopic(ctx, topo.partitions, int16(c.replication), map[string]*string{"cleanup.policy": kadm.StringPtr("delete")}, t)
		if errors.Is(err, kerr.TopicAlreadyExists) {
			return checkClusterAgain(ctx, adm, p, c, m, twoPC)
		}
		if err != nil {
			return nil, fmt.Errorf("kafka: creating repartition topic %s%s: %w", t, replicationNote(c), errors.Join(err, errorMessage(resp.ErrMessage)))
		}
	}
	clog := changelogTopic(p.Name)
	want := max(topo.partitions, 1)
	if n, ok := count(clog); ok {
		if err := checkCompacted(ctx, adm, clog); err != nil {
			return nil, err
		}
		topo.changelogParts, topo.changelogID = n, all[clog].ID
		if n < topo.partitions {
			if err := growTopic(ctx, adm, clog, topo.partitions); err != nil {
				return nil, err
			}
			topo.changelogParts = topo.partitions
		}
	} else {
		resp, err := adm.CreateTopic(ctx, want, int16(c.replication), map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, clog)
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return nil, fmt.Errorf("kafka: creating changelog topic %s%s: %w", clog, replicationNote(c), errors.Join(err, errorMessage(resp.ErrMessage)))
		}
		topo.changelogParts, topo.changelogID = want, resp.ID
		if errors.Is(err, kerr.TopicAlreadyExists) {
			return checkClusterAgain(ctx, adm, p, c, m, twoPC)
		}
		if topo.changelogID == (kadm.TopicID{}) {
			// A CreateTopics answer older than the broker's metadata
			// may lack the ID: take it from the listing, as the next
			// start will.
			listed, err := adm.ListTopics(ctx, clog)
			if err != nil {
				return nil, fmt.Errorf("kafka: listing changelog topic %s: %w", clog, err)
			}
			topo.changelogID = listed[clog].ID
		}
	}
	return topo, nil
}

// closedHint explains an error of the first request to the cluster whose
// cause is a connection the broker closed: what a broker does with a
// client whose TLS or SASL settings do not match its listener, or whose
// SASL password is wrong (Kafka answers that with an error first, but
// some brokers just hang up).
func closedHint(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
		return " (the broker closed the connection: check that the TLS and SASL settings match its listener, and the SASL user and password)"
	}
	return ""
}

// replicationNote names the replication factor asked for in an error
// creating an internal topic, when an option set it.
func replicationNote(c *config) string {
	if c.replication == -1 {
		return ""
	}
	return fmt.Sprintf(" with replication factor %d (InternalTopicReplication)", c.replication)
}

// checkClusterAgain repeats the checks once after another instance
// created the changelog topic concurrently.
func checkClusterAgain(ctx context.Context, adm *kadm.Client, p *runtime.PipelineSpec, c *config, m *inputMatcher, twoPC map[string]bool) (*topology, error) {
	time.Sleep(100 * time.Millisecond)
	return checkCluster(ctx, adm, p, c, m, twoPC)
}

func errorMessage(s string) error {
	if s == "" {
		return nil
	}
	return errors.New(s)
}

// checkCoPartitioned reports input topics whose partition counts differ.
func checkCoPartitioned(counts map[string]int32) error {
	if len(counts) < 2 {
		return nil
	}
	topics := make([]string, 0, len(counts))
	for t := range counts {
		topics = append(topics, t)
	}
	sort.Strings(topics)
	first := counts[topics[0]]
	for _, t := range topics[1:] {
		if counts[t] != first {
			var parts []string
			for _, u := range topics {
				parts = append(parts, fmt.Sprintf("%s=%d", u, counts[u]))
			}
			return fmt.Errorf("kafka: input topics are not co-partitioned (a task reads partition p of every input, so all need the same partition count): %s", strings.Join(parts, ", "))
		}
	}
	return nil
}

// checkCompacted requires cleanup.policy to include compact.
func checkCompacted(ctx context.Context, adm *kadm.Client, topic string) error {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return fmt.Errorf("kafka: describing changelog topic %s: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		return fmt.Errorf("kafka: describing changelog topic %s: %w", topic, err)
	}
	if rc.Err != nil {
		return fmt.Errorf("kafka: describing changelog topic %s: %w", topic, rc.Err)
	}
	policy := "delete"
	for _, cfg := range rc.Configs {
		if cfg.Key == "cleanup.policy" && cfg.Value != nil {
			policy = *cfg.Value
		}
	}
	if !strings.Contains(policy, "compact") {
		return fmt.Errorf("kafka: changelog topic %s has cleanup.policy=%s; it must be compact (state would be deleted by retention)", topic, policy)
	}
	return nil
}

// checkNotCompacted requires a repartition topic's cleanup.policy not to
// include compact: compaction would drop records of a key before they are
// read.
func checkNotCompacted(ctx context.Context, adm *kadm.Client, topic string) error {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return fmt.Errorf("kafka: describing repartition topic %s: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return fmt.Errorf("kafka: describing repartition topic %s: %w", topic, err)
	}
	for _, cfg := range rc.Configs {
		if cfg.Key == "cleanup.policy" && cfg.Value != nil && strings.Contains(*cfg.Value, "compact") {
			return fmt.Errorf("kafka: repartition topic %s has cleanup.policy=%s; it must be delete (compaction drops records not yet read)", topic, *cfg.Value)
		}
	}
	return nil
}

// growTopic raises topic's partition count to n; another instance
// growing it first is fine.
func growTopic(ctx context.Context, adm *kadm.Client, topic string, n int32) error {
	resps, err := adm.UpdatePartitions(ctx, int(n), topic)
	if err == nil {
		err = resps.Error()
	}
	if err != nil && !errors.Is(err, kerr.InvalidPartitions) {
		return fmt.Errorf("kafka: growing %s to %d partitions: %w", topic, n, err)
	}
	// Listings come from metadata cached for a moment: look again until
	// the new partitions show.
	got := int32(0)
	for attempt := 0; attempt < 30; attempt++ {
		tds, lerr := adm.ListTopics(ctx, topic)
		if lerr != nil {
			return fmt.Errorf("kafka: growing %s: %w", topic, lerr)
		}
		if got = int32(len(tds[topic].Partitions)); got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
	}
	return fmt.Errorf("kafka: growing %s to %d partitions: it has %d (%v)", topic, n, got, err)
}

// brokerMaxTxnTimeout returns the smallest transaction.max.timeout.ms the
// brokers report, or Kafka's default when none does.
func brokerMaxTxnTimeout(ctx context.Context, adm *kadm.Client) (time.Duration, error) {
	brokers, err := adm.ListBrokers(ctx)
	if err != nil {
		return 0, fmt.Errorf("kafka: listing brokers: %w", err)
	}
	ids := brokers.NodeIDs()
	rcs, err := adm.DescribeBrokerConfigs(ctx, ids...)
	if err != nil {
		return 0, fmt.Errorf("kafka: describing broker configs: %w", err)
	}
	best := time.Duration(0)
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if c.Key != "transaction.max.timeout.ms" || c.Value == nil {
				continue
			}
			ms, err := strconv.ParseInt(*c.Value, 10, 64)
			if err != nil {
				continue
			}
			if d := time.Duration(ms) * time.Millisecond; best == 0 || d < best {
				best = d
			}
		}
	}
	if best == 0 {
		best = defaultBrokerMaxTxnTimeout
	}
	return best, nil
}
