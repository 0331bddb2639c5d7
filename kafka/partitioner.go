package kafka

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// Murmur2 is the 32-bit MurmurHash2 (seed 0x9747b28c) the Java client's
// default partitioner applies to record keys: runtime.Murmur2.
func Murmur2(data []byte) uint32 { return runtime.Murmur2(data) }

// KeyPartition is the partition the Java client's default partitioner
// gives a non-nil key among n partitions: runtime.KeyPartition.
func KeyPartition(key []byte, n int32) int32 { return runtime.KeyPartition(key, n) }

// The runner tells its franz-go partitioner what to do through the
// record's Partition field before producing (franz-go leaves the record
// untouched until it partitions it): a partition >= 0 is used as is,
// partHash hashes the key, and partFixedBase-task writes partition
// task mod n.
const (
	partHash      int32 = -1
	partFixedBase int32 = -2
)

// fixedPartitionCode encodes "task i's records go to partition i mod n".
func fixedPartitionCode(task int32) int32 { return partFixedBase - task }

// recordPartitioner is the franz-go Partitioner of the runner's
// producers: per output topic, key hash (murmur2, as the Java client),
// round-robin or fixed; explicit partitions pass through. The partition
// count it sees is franz-go's current one, so partitions added to an
// output topic are used as soon as the client's metadata has them.
type recordPartitioner struct {
	byTopic map[string]runtime.Partitioner
}

func (p *recordPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	kind, ok := p.byTopic[topic]
	if !ok {
		kind = runtime.KeyHash
	}
	return &topicPartitioner{kind: kind}
}

type topicPartitioner struct {
	kind runtime.Partitioner
	next int
}

// RequiresConsistency is true: a key must land on its partition even
// while that partition's leader is down.
func (*topicPartitioner) RequiresConsistency(*kgo.Record) bool { return true }

func (tp *topicPartitioner) Partition(r *kgo.Record, n int) int {
	switch code := r.Partition; {
	case code >= 0:
		return int(code)
	case code <= partFixedBase:
		return int((partFixedBase - code) % int32(n))
	}
	if tp.kind == runtime.KeyHash && r.Key != nil {
		return int(KeyPartition(r.Key, int32(n)))
	}
	// Round-robin, and key-hash records without a key (as the brief's
	// Java-compatible default: spread records that have no key).
	tp.next++
	if tp.next >= n {
		tp.next = 0
	}
	return tp.next
}
