package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// ResetReport says what Reset deleted.
type ResetReport struct {
	// Group is true when the consumer group existed and was deleted.
	Group bool
	// Topics are the internal topics deleted, sorted.
	Topics []string
	// Tasks is how many tasks' state the local store held and lost; -1
	// when no StateDir was given.
	Tasks int
}

// Reset makes the pipeline start over on its next Run, as Kafka Streams'
// application reset tool followed by KafkaStreams.cleanUp does: it deletes
// the pipeline's consumer group (its committed input offsets, so the next
// Run reads each input from its spec's start position as on a first run,
// and with them the pending handles of two-phase-commit sinks, whose
// transactions a crash left pending are then aborted by the next Run:
// their records are written again from the start), its
// internal topics (the changelog, repartition topics and the watermarks
// topic; Reset waits until the brokers no longer list them), and the
// state of every task in the local store of StateDir. Output topics are
// left alone: downstream sees the results again.
//
// Every instance must be stopped first: Reset fails, before it deletes
// anything, while the group has members (a static member, InstanceID,
// stays a member for the session timeout after it stops) or while
// another process holds the store of StateDir. Each instance has its own
// StateDir: reset each one (on the second and later, the group and topics
// are gone already and only the local state is cleared). Without a
// StateDir only the cluster's part is reset. A StateDir left out is not
// wrong, only slow and big: the changelog the next Run creates has a new
// topic ID, and a task whose local state was restored from the old one
// drops it and restores from the new changelog (brokers before Kafka 2.8
// have no topic IDs; there it takes the offsets' check alone).
//
// Brokers, StateDir, StoreOptions, ClientOpts and Logger apply; other
// options are ignored.
func Reset(ctx context.Context, p runtime.PipelineSpec, opts ...Opt) (ResetReport, error) {
	c := newConfig(opts)
	rep := ResetReport{Tasks: -1}
	if p.Name == "" {
		return rep, errors.New("kafka: reset: the pipeline has no name")
	}
	if len(c.brokers) == 0 {
		return rep, fmt.Errorf("kafka: reset %s: no brokers (use Brokers or set KAFKA_BROKERS)", p.Name)
	}
	// The local store first: its lock says whether an instance on this
	// machine still runs, before anything is deleted.
	var store *runtime.Store
	if c.stateDir != "" {
		var err error
		if store, err = runtime.OpenStore(c.stateDir, c.store); err != nil {
			return rep, fmt.Errorf("kafka: reset %s: opening the state store in %s (is an instance still running there?): %w", p.Name, c.stateDir, err)
		}
		defer store.Close()
	}
	// kadm answers topic listings from metadata up to MetadataMinAge
	// old: keep it short, the deletions are waited for by listing.
	cl, err := kgo.NewClient(append(slices.Clone(c.clientOpts), kgo.SeedBrokers(c.brokers...), kgo.WithLogger(kgoLogger{c.logger}),
		kgo.MetadataMinAge(50*time.Millisecond))...)
	if err != nil {
		return rep, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	if rep.Group, err = deleteGroup(ctx, adm, p.Name); err != nil {
		return rep, fmt.Errorf("kafka: reset %s: %w", p.Name, err)
	}
	if rep.Topics, err = deleteInternalTopics(ctx, adm, &p); err != nil {
		return rep, fmt.Errorf("kafka: reset %s: %w", p.Name, err)
	}
	if store != nil {
		ids, err := store.TaskIDs()
		if err != nil {
			return rep, fmt.Errorf("kafka: reset %s: %w", p.Name, err)
		}
		for _, id := range ids {
			if err := store.DeleteTask(id); err != nil {
				return rep, fmt.Errorf("kafka: reset %s: clearing task %d's state: %w", p.Name, id, err)
			}
		}
		rep.Tasks = len(ids)
	}
	c.logger.Info("pipeline reset", "pipeline", p.Name, "group_deleted", rep.Group, "topics_deleted", strings.Join(rep.Topics, ","), "tasks_cleared", rep.Tasks)
	return rep, nil
}

// deleteGroup deletes the consumer group, refusing while it has members;
// it reports whether there was a group.
func deleteGroup(ctx context.Context, adm *kadm.Client, group string) (bool, error) {
	gs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return false, fmt.Errorf("describing consumer group %s: %w", group, err)
	}
	g, ok := gs[group]
	switch {
	case !ok || errors.Is(g.Err, kerr.GroupIDNotFound) || g.State == "Dead":
		return false, nil
	case g.Err != nil:
		return false, fmt.Errorf("describing consumer group %s: %w", group, g.Err)
	case len(g.Members) > 0:
		var who []string
		for _, m := range g.Members {
			who = append(who, m.ClientHost)
		}
		sort.Strings(who)
		return false, fmt.Errorf("consumer group %s still has %d member(s) (on %s): stop every instance first (a static member, --instance-id, stays for the session timeout after it stops); nothing was deleted",
			group, len(g.Members), strings.Join(who, ", "))
	}
	resp, err := adm.DeleteGroup(ctx, group)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.GroupIDNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("deleting consumer group %s: %w", group, err)
	}
	return true, nil
}

// deleteInternalTopics deletes the pipeline's changelog, repartition and
// watermarks topics that exist, and waits until the brokers no longer
// list them (so that the next Run creates them afresh).
func deleteInternalTopics(ctx context.Context, adm *kadm.Client, p *runtime.PipelineSpec) ([]string, error) {
	internal := []string{changelogTopic(p.Name), watermarksTopic(p.Name)}
	for _, in := range p.Inputs {
		if in.Repartition {
			internal = append(internal, in.Topics...)
		}
	}
	listed, err := adm.ListTopics(ctx, internal...)
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w%s", err, closedHint(err))
	}
	var existing []string
	for _, t := range internal {
		if listed.Has(t) {
			existing = append(existing, t)
		}
	}
	sort.Strings(existing)
	if len(existing) == 0 {
		return nil, nil
	}
	resps, err := adm.DeleteTopics(ctx, existing...)
	if err != nil {
		return nil, fmt.Errorf("deleting topics %s: %w", strings.Join(existing, ", "), err)
	}
	for _, r := range resps.Sorted() {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("deleting topic %s: %w", r.Topic, errors.Join(r.Err, errorMessage(r.ErrMessage)))
		}
	}
	for {
		listed, err := adm.ListTopics(ctx, existing...)
		if err != nil {
			return nil, fmt.Errorf("listing topics: %w", err)
		}
		left := 0
		for _, t := range existing {
			if listed.Has(t) {
				left++
			}
		}
		if left == 0 {
			return existing, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the brokers to delete %s: %w", strings.Join(existing, ", "), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
