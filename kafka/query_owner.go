package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// A key's state is on the instance that runs its partition's task. The
// consumer group knows which member that is (DescribeGroups): Owner
// reads it, so an application can send a query on to the right instance,
// as Kafka Streams' queryMetadataForKey does, without a directory of its
// own. The group tells a member's instance id and the address the
// brokers see it connect from; an application that serves its queries on
// the same port everywhere (a Kubernetes pod's IP and a fixed port, say)
// can reach the owner there.

// Owner is the instance that runs a partition's task.
type Owner struct {
	// Partition is the task's partition.
	Partition int32
	// Local: this instance runs it.
	Local bool
	// InstanceID is the owner's --instance-id (empty with dynamic
	// membership).
	InstanceID string
	// Host is the address the brokers see the owner connect from (an IP,
	// without port).
	Host string
	// MemberID is the owner's consumer group member id.
	MemberID string
}

// ErrNoOwner is Owner's error for a partition no member runs (the group
// is rebalancing, or the partition does not exist).
var ErrNoOwner = errors.New("kafka: no instance runs the partition now")

// ownerView is what Owner needs of the running pipeline, and the owners
// it last read: every rebalance of the group is one of this instance's
// too (each member joins again), so the owners hold until the runner
// hears of the next one (forgetOwners).
type ownerView struct {
	mu     sync.Mutex
	adm    *kadm.Client
	group  string
	parts  int32
	client *kgo.Client // the current session's, for our member id
	owners map[int32]Owner
	epoch  uint64 // counts forgetOwners
}

func (q *Queries) attach(adm *kadm.Client, group string, parts int32) {
	q.owner.mu.Lock()
	defer q.owner.mu.Unlock()
	q.owner.adm, q.owner.group, q.owner.parts, q.owner.client = adm, group, parts, nil
	q.owner.owners = nil
	q.owner.epoch++
}

// forgetOwners drops the owners read: the group rebalanced.
func (q *Queries) forgetOwners() {
	q.owner.mu.Lock()
	q.owner.owners = nil
	q.owner.epoch++
	q.owner.mu.Unlock()
}

func (q *Queries) detach() { q.attach(nil, "", 0) }

// setClient records the session's client (nil when it ends).
func (q *Queries) setClient(cl *kgo.Client) {
	q.owner.mu.Lock()
	q.owner.client = cl
	q.owner.mu.Unlock()
}

// setPartitions records a grown partition count.
func (q *Queries) setPartitions(n int32) {
	q.owner.mu.Lock()
	q.owner.parts = max(q.owner.parts, n)
	q.owner.mu.Unlock()
}

// Partition returns the partition of a record with this Kafka key under
// the Java client's default partitioner (runtime.KeyPartition) over the
// pipeline's input partitions: for a key-hashed input or a repartition
// topic, where key's state lives. Pass the key as the input topic's
// records carry it (for a string key: its bytes; for a repartitioned key:
// the key codec's encoding, as the generated Query functions encode it).
// It returns -1 while no Run uses q.
func (q *Queries) Partition(key []byte) int32 {
	q.owner.mu.Lock()
	n := q.owner.parts
	q.owner.mu.Unlock()
	if n <= 0 {
		return -1
	}
	return runtime.KeyPartition(key, n)
}

// Owner returns the instance that runs partition's task, from the
// consumer group's assignment: one DescribeGroups request after each
// rebalance, then from memory. It fails with ErrQueriesStopped while no
// Run uses q, and with ErrNoOwner when no member has the partition.
func (q *Queries) Owner(ctx context.Context, partition int32) (Owner, error) {
	q.owner.mu.Lock()
	adm, group, cl, owners, epoch := q.owner.adm, q.owner.group, q.owner.client, q.owner.owners, q.owner.epoch
	q.owner.mu.Unlock()
	if adm == nil {
		return Owner{}, ErrQueriesStopped
	}
	if o, ok := owners[partition]; ok {
		return o, nil
	}
	var self string
	if cl != nil {
		self, _ = cl.GroupMetadata()
	}
	groups, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		return Owner{}, fmt.Errorf("kafka: describing group %s: %w", group, err)
	}
	g, ok := groups[group]
	if !ok || g.Err != nil {
		return Owner{}, fmt.Errorf("kafka: describing group %s: %v", group, g.Err)
	}
	owners = map[int32]Owner{}
	for _, m := range g.Members {
		a, ok := m.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, t := range a.Topics {
			for _, p := range t.Partitions {
				o := Owner{Partition: p, Local: self != "" && m.MemberID == self, Host: strings.TrimPrefix(m.ClientHost, "/"), MemberID: m.MemberID}
				if m.InstanceID != nil {
					o.InstanceID = *m.InstanceID
				}
				owners[p] = o
			}
		}
	}
	o, ok := owners[partition]
	// Kept while no rebalance was heard of since the request, and only
	// a stable group's: one that rebalances may describe members that
	// have not taken their partitions yet.
	q.owner.mu.Lock()
	if q.owner.epoch == epoch && g.State == "Stable" && self != "" {
		q.owner.owners = owners
	}
	q.owner.mu.Unlock()
	if !ok {
		return Owner{}, fmt.Errorf("%w: partition %d of group %s", ErrNoOwner, partition, group)
	}
	return o, nil
}

// RouteByKey serves a request with h when this instance runs the task of
// key(r)'s partition (Partition), and otherwise answers 421 Misdirected
// Request with the owner as JSON, for the client or a proxy to ask there:
//
//	{"partition":3,"instance_id":"i2","host":"10.0.0.7"}
//
// It answers 503 while no instance runs the partition (a rebalance) or no
// Run uses q. Wrap a query endpoint with it when several instances run
// the pipeline.
func RouteByKey(q *Queries, key func(*http.Request) []byte, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := q.Partition(key(r))
		if p < 0 {
			http.Error(w, ErrQueriesStopped.Error(), http.StatusServiceUnavailable)
			return
		}
		o, err := q.Owner(r.Context(), p)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		case o.Local:
			h.ServeHTTP(w, r)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMisdirectedRequest)
			_ = json.NewEncoder(w).Encode(struct {
				Partition  int32  `json:"partition"`
				InstanceID string `json:"instance_id,omitempty"`
				Host       string `json:"host"`
			}{o.Partition, o.InstanceID, o.Host})
		}
	})
}
