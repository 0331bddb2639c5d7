package kafka

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamgen/streamgen/runtime"
)

// inputMatcher maps an input topic to the pipeline input that reads it.
type inputMatcher struct {
	literal  map[string]int // topic -> index into spec inputs
	patterns []*regexp.Regexp
	patIdx   []int
	inputs   []runtime.InputSpec
	// internal holds the pipeline's own topics (internalTopics): no
	// pattern matches them, so a pattern that happens to cover them never
	// reads the pipeline's state as input. (checkSpec refuses them as
	// listed topics.)
	internal map[string]string
}

// newInputMatcher returns the matcher of inputs; internal holds the
// pipeline's own topics (internalTopics), which patterns do not match.
func newInputMatcher(inputs []runtime.InputSpec, internal map[string]string) (*inputMatcher, error) {
	m := &inputMatcher{literal: map[string]int{}, inputs: inputs, internal: internal}
	for i, in := range inputs {
		if in.TopicPattern != "" {
			re, err := regexp.Compile(in.TopicPattern)
			if err != nil {
				return nil, fmt.Errorf("kafka: input %q: bad topic pattern %q: %v", in.Name, in.TopicPattern, err)
			}
			m.patterns = append(m.patterns, re)
			m.patIdx = append(m.patIdx, i)
			continue
		}
		for _, t := range in.Topics {
			if j, dup := m.literal[t]; dup && j != i {
				return nil, fmt.Errorf("kafka: topic %q is read by inputs %q and %q", t, inputs[j].Name, in.Name)
			}
			m.literal[t] = i
		}
	}
	return m, nil
}

// input returns the index of the input reading topic, or -1.
func (m *inputMatcher) input(topic string) int {
	if i, ok := m.literal[topic]; ok {
		return i
	}
	if _, own := m.internal[topic]; own {
		return -1
	}
	for k, re := range m.patterns {
		if re.MatchString(topic) {
			return m.patIdx[k]
		}
	}
	return -1
}

// sourceTopic is the topic name a task's source is registered under for
// records of topic: the topic itself for listed topics, the input's
// TopicPattern for topics a pattern matched (a task cannot know at build
// time which topics a pattern will match).
func (m *inputMatcher) sourceTopic(topic string) string {
	if _, ok := m.literal[topic]; ok {
		return topic
	}
	if i := m.input(topic); i >= 0 {
		return m.inputs[i].TopicPattern
	}
	return topic
}

// consumeOpts are the franz-go options that subscribe the group to the
// pipeline's inputs: a topic list, or one regex list when any input uses a
// pattern (listed topics then become anchored literal expressions, and
// the pipeline's own topics are excluded).
func (m *inputMatcher) consumeOpts() []kgo.Opt {
	if len(m.patterns) == 0 {
		topics := make([]string, 0, len(m.literal))
		for t := range m.literal {
			topics = append(topics, t)
		}
		sort.Strings(topics)
		return []kgo.Opt{kgo.ConsumeTopics(topics...)}
	}
	var exprs []string
	for t := range m.literal {
		exprs = append(exprs, "^"+regexp.QuoteMeta(t)+"$")
	}
	for _, re := range m.patterns {
		exprs = append(exprs, re.String())
	}
	sort.Strings(exprs)
	opts := []kgo.Opt{kgo.ConsumeRegex(), kgo.ConsumeTopics(exprs...)}
	var exclude []string
	for t := range m.internal {
		if _, listed := m.literal[t]; !listed {
			exclude = append(exclude, "^"+regexp.QuoteMeta(t)+"$")
		}
	}
	if len(exclude) > 0 {
		sort.Strings(exclude)
		opts = append(opts, kgo.ConsumeExcludeTopics(exclude...))
	}
	return opts
}

// startResolver turns the start position of partitions without a
// committed offset into exact offsets, so that franz-go records them as
// the committed position: an aborted transaction then rewinds to them
// rather than to offset 0.
type startResolver struct {
	adm     *kadm.Client
	refresh func() // refreshes the admin client's metadata
	match   *inputMatcher
	initial map[string]int32 // partition counts of input topics at start
}

// adjust is the AdjustFetchOffsetsFn: committed offsets pass; the others
// get their input's start position, or the earliest offset for
// partitions and topics that appeared after the runner started. Offsets
// of partitions created a moment ago may not be listable yet: it retries
// with fresh metadata for a few seconds.
func (s *startResolver) adjust(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		cp := make(map[string]map[int32]kgo.Offset, len(offsets))
		for t, ps := range offsets {
			cp[t] = make(map[int32]kgo.Offset, len(ps))
			for p, o := range ps {
				cp[t][p] = o
			}
		}
		var out map[string]map[int32]kgo.Offset
		if out, err = s.adjustOnce(ctx, cp); err == nil {
			return out, nil
		}
		s.refresh()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, err
}

func (s *startResolver) adjustOnce(ctx context.Context, offsets map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	type want struct {
		topic string
		part  int32
	}
	byMode := map[runtime.StartMode][]want{}
	var stamps []want
	for topic, parts := range offsets {
		idx := s.match.input(topic)
		for p, off := range parts {
			if off.EpochOffset().Offset >= 0 {
				continue // committed
			}
			mode := runtime.StartEarliest
			var in runtime.InputSpec
			if idx >= 0 {
				in = s.match.inputs[idx]
				mode = in.Start.Mode
				if mode == runtime.StartCommitted {
					mode = in.Start.Fallback
					if mode != runtime.StartLatest {
						mode = runtime.StartEarliest
					}
				}
			}
			if n, ok := s.initial[topic]; !ok || p >= n {
				mode = runtime.StartEarliest // discovered after start
			}
			switch mode {
			case runtime.StartOffsets:
				if at, ok := in.Start.Offsets[p]; ok && at >= 0 {
					parts[p] = kgo.NewOffset().At(at).WithEpoch(-1)
					continue
				}
				byMode[runtime.StartEarliest] = append(byMode[runtime.StartEarliest], want{topic, p})
			case runtime.StartTimestamp:
				stamps = append(stamps, want{topic, p})
			default:
				byMode[mode] = append(byMode[mode], want{topic, p})
			}
		}
	}
	set := func(ws []want, listed kadm.ListedOffsets, fallback kadm.ListedOffsets) error {
		for _, w := range ws {
			lo, ok := listed.Lookup(w.topic, w.part)
			if !ok || lo.Err != nil {
				return fmt.Errorf("kafka: listing offsets of %s[%d]: %v", w.topic, w.part, lo.Err)
			}
			at := lo.Offset
			if at < 0 && fallback != nil {
				fo, ok := fallback.Lookup(w.topic, w.part)
				if !ok || fo.Err != nil {
					return fmt.Errorf("kafka: listing end offsets of %s[%d]: %v", w.topic, w.part, fo.Err)
				}
				at = fo.Offset
			}
			offsets[w.topic][w.part] = kgo.NewOffset().At(at).WithEpoch(-1)
		}
		return nil
	}
	topicsOf := func(ws []want) []string {
		var ts []string
		for _, w := range ws {
			if !slices.Contains(ts, w.topic) {
				ts = append(ts, w.topic)
			}
		}
		return ts
	}
	if ws := byMode[runtime.StartEarliest]; len(ws) > 0 {
		l, err := s.adm.ListStartOffsets(ctx, topicsOf(ws)...)
		if err != nil {
			return nil, fmt.Errorf("kafka: listing start offsets: %w", err)
		}
		if err := set(ws, l, nil); err != nil {
			return nil, err
		}
	}
	var ends kadm.ListedOffsets
	if ws := append(byMode[runtime.StartLatest], stamps...); len(ws) > 0 {
		l, err := s.adm.ListCommittedOffsets(ctx, topicsOf(ws)...)
		if err != nil {
			return nil, fmt.Errorf("kafka: listing end offsets: %w", err)
		}
		ends = l
		if err := set(byMode[runtime.StartLatest], l, nil); err != nil {
			return nil, err
		}
	}
	if len(stamps) > 0 {
		byStamp := map[int64][]want{}
		for _, w := range stamps {
			in := s.match.inputs[s.match.input(w.topic)]
			ms := in.Start.Timestamp.UnixMilli()
			byStamp[ms] = append(byStamp[ms], w)
		}
		for ms, ws := range byStamp {
			l, err := s.adm.ListOffsetsAfterMilli(ctx, ms, topicsOf(ws)...)
			if err != nil {
				return nil, fmt.Errorf("kafka: listing offsets after %d: %w", ms, err)
			}
			if err := set(ws, l, ends); err != nil {
				return nil, err
			}
		}
	}
	return offsets, nil
}

// virtualTasksTopic is the topic name the co-partitioning balancer
// balances tasks under; it never reaches a broker.
const virtualTasksTopic = "\x00streamgen-tasks"

// coPartitionBalancer is a cooperative-sticky balancer that assigns tasks,
// not partitions: partition p of every input topic goes to the same
// member, so co-partitioned inputs meet in one task. It balances task
// numbers with franz-go's cooperative-sticky balancer over a virtual
// topic (a member owns task p when it owns partition p of any topic),
// then gives each member partition p of every topic it subscribes to
// for each task p it got. Cooperative rounds work as for the plain
// balancer: a task that moves is first revoked, then assigned.
type coPartitionBalancer struct {
	inner kgo.GroupBalancer
}

func newCoPartitionBalancer() *coPartitionBalancer {
	return &coPartitionBalancer{inner: kgo.CooperativeStickyBalancer()}
}

func (*coPartitionBalancer) ProtocolName() string { return "streamgen-copartitioned-sticky" }
func (*coPartitionBalancer) IsCooperative() bool  { return true }

func (b *coPartitionBalancer) JoinGroupMetadata(interests []string, current map[string][]int32, generation int32) []byte {
	return b.inner.JoinGroupMetadata(interests, current, generation)
}

func (*coPartitionBalancer) ParseSyncAssignment(assignment []byte) (map[string][]int32, error) {
	return kgo.ParseConsumerSyncAssignment(assignment)
}

func (b *coPartitionBalancer) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	cb, err := kgo.NewConsumerBalancer(b, members)
	if err != nil {
		return nil, nil, err
	}
	return cb, cb.MemberTopics(), nil
}

// Balance implements kgo.ConsumerBalancerBalance.
func (b *coPartitionBalancer) Balance(cb *kgo.ConsumerBalancer, topics map[string]int32) kgo.IntoSyncAssignment {
	var n int32
	for _, c := range topics {
		n = max(n, c)
	}
	var virtual []kmsg.JoinGroupResponseMember
	subs := map[string][]string{}
	byID := map[string]*kmsg.JoinGroupResponseMember{}
	cb.EachMember(func(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) {
		subs[m.MemberID] = meta.Topics
		byID[m.MemberID] = m
		owned := map[int32]bool{}
		for _, o := range meta.OwnedPartitions {
			for _, p := range o.Partitions {
				if p < n {
					owned[p] = true
				}
			}
		}
		ps := make([]int32, 0, len(owned))
		for p := range owned {
			ps = append(ps, p)
		}
		slices.Sort(ps)
		vm := kmsg.NewConsumerMemberMetadata()
		vm.Version = 3
		vm.Topics = []string{virtualTasksTopic}
		vm.Generation = meta.Generation
		vm.Rack = meta.Rack
		sm := kmsg.NewStickyMemberMetadata()
		sm.Generation = meta.Generation
		if len(ps) > 0 {
			op := kmsg.NewConsumerMemberMetadataOwnedPartition()
			op.Topic, op.Partitions = virtualTasksTopic, ps
			vm.OwnedPartitions = append(vm.OwnedPartitions, op)
			ca := kmsg.NewStickyMemberMetadataCurrentAssignment()
			ca.Topic, ca.Partitions = virtualTasksTopic, ps
			sm.CurrentAssignment = append(sm.CurrentAssignment, ca)
		}
		vm.UserData = sm.AppendTo(nil)
		jm := kmsg.NewJoinGroupResponseMember()
		jm.MemberID, jm.InstanceID = m.MemberID, m.InstanceID
		jm.ProtocolMetadata = vm.AppendTo(nil)
		virtual = append(virtual, jm)
	})
	plan := cb.NewPlan()
	if n == 0 {
		return plan
	}
	mb, _, err := b.inner.MemberBalancer(virtual)
	if err != nil {
		cb.SetError(fmt.Errorf("kafka: balancing tasks: %w", err))
		return plan
	}
	var into kgo.IntoSyncAssignment
	if mbe, ok := mb.(kgo.GroupMemberBalancerOrError); ok {
		into, err = mbe.BalanceOrError(map[string]int32{virtualTasksTopic: n})
		if err != nil {
			cb.SetError(fmt.Errorf("kafka: balancing tasks: %w", err))
			return plan
		}
	} else {
		into = mb.Balance(map[string]int32{virtualTasksTopic: n})
	}
	for _, a := range into.IntoSyncAssignment() {
		m := byID[a.MemberID]
		if m == nil {
			continue
		}
		parsed, err := kgo.ParseConsumerSyncAssignment(a.MemberAssignment)
		if err != nil {
			cb.SetError(fmt.Errorf("kafka: balancing tasks: %w", err))
			return plan
		}
		for _, topic := range subs[a.MemberID] {
			c, ok := topics[topic]
			if !ok {
				continue
			}
			for _, p := range parsed[virtualTasksTopic] {
				if p < c {
					plan.AddPartition(m, topic, p)
				}
			}
		}
	}
	return plan
}
