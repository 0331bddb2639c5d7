package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// fetchErrLogEvery is how often one partition's repeated fetch error is
// logged again (with the count of repeats in between).
const fetchErrLogEvery = 10 * time.Second

// fetchErrBackoff is how long the poll loop waits after a poll that held
// errors and no records, so that a broker answering every fetch with an
// error at once does not spin the loop (and its log).
const fetchErrBackoff = 100 * time.Millisecond

// fetchErrors keeps the fetch errors polls return: it logs each
// partition's error once per fetchErrLogEvery, and collects the topics a
// broker says it does not know, for missingInputs.
type fetchErrors struct {
	logged map[string]time.Time // by topic, partition and error: last logged
	repeat map[string]int       // the same: repeats not logged since
	// checked is when the runner last checked that every listed input
	// topic exists.
	checked time.Time
}

// note records one poll's errors. It returns the topics that were unknown
// to a broker, and whether the poll held errors that were no context's.
func (f *fetchErrors) note(log *slog.Logger, fetches kgo.Fetches, now time.Time) (unknown []string, any bool) {
	fetches.EachError(func(topic string, p int32, err error) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return
		}
		any = true
		if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
			unknown = append(unknown, topic)
		}
		if f.logged == nil {
			f.logged, f.repeat = map[string]time.Time{}, map[string]int{}
		}
		key := fmt.Sprintf("%s\x00%d\x00%v", topic, p, err)
		if last, ok := f.logged[key]; ok && now.Sub(last) < fetchErrLogEvery {
			f.repeat[key]++
			return
		}
		log.Warn("fetch error", "topic", topic, "partition", p, "err", err, "repeats_since_last_logged", f.repeat[key])
		f.logged[key], f.repeat[key] = now, 0
	})
	return unknown, any
}

// missingInputs returns an error naming the listed input topics (and
// repartition topics) among unknown that the cluster no longer has (Run
// checked at start that they exist): a
// source topic deleted under a running pipeline stops it, as Kafka
// Streams' MissingSourceTopicException does, instead of polling errors
// forever. Topics an input pattern matched may come and go.
func (r *runner) missingInputs(ctx context.Context, unknown []string) error {
	var listed []string
	for _, t := range unknown {
		if _, ok := r.match.literal[t]; ok && !slices.Contains(listed, t) {
			listed = append(listed, t)
		}
	}
	if len(listed) == 0 {
		return nil
	}
	// The broker's answer may be stale for a moment (a topic just
	// created, a leader moving): ask the cluster.
	all, err := r.adm.ListTopics(ctx, listed...)
	if err != nil {
		return nil // the next poll asks again
	}
	var gone []string
	for _, t := range listed {
		if !all.Has(t) {
			gone = append(gone, fmt.Sprintf("%q of input %q", t, r.spec.Inputs[r.match.literal[t]].Name))
		}
	}
	if len(gone) == 0 {
		return nil
	}
	sort.Strings(gone)
	return fmt.Errorf("kafka: input topic %s was deleted while the pipeline ran: recreate it (a topic created again starts its offsets over: reset the pipeline, or read it from its start)", strings.Join(gone, ", "))
}
