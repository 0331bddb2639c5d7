package kafka

import (
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamgen/streamgen/runtime"
)

// The vectors of Kafka's own UtilsTest.testMurmur2 (the Java client's
// org.apache.kafka.common.utils.Utils.murmur2, an int) and the Java values
// for "1" ... "12345" that other Kafka-compatible clients test against.
func TestMurmur2JavaVectors(t *testing.T) {
	cases := []struct {
		in   string
		java int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
		{"1", -1993445489},
		{"12", 126087238},
		{"123", -267702483},
		{"1234", -1614185708},
		{"12345", -1188365604},
	}
	for _, c := range cases {
		if got := int32(Murmur2([]byte(c.in))); got != c.java {
			t.Errorf("Murmur2(%q) = %d, Java gives %d", c.in, got, c.java)
		}
	}
}

// KeyPartition agrees with franz-go's Kafka-compatible key partitioner
// (KafkaHasher over its own murmur2) on random keys and partition counts.
func TestKeyPartitionMatchesFranzGo(t *testing.T) {
	ref := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		key := make([]byte, rng.IntN(40)+1)
		for j := range key {
			key[j] = byte(rng.UintN(256))
		}
		n := rng.IntN(100) + 1
		want := ref.Partition(&kgo.Record{Key: key}, n)
		if got := KeyPartition(key, int32(n)); int(got) != want {
			t.Fatalf("KeyPartition(%x, %d) = %d, franz-go %d", key, n, got, want)
		}
	}
}

func TestRecordPartitioner(t *testing.T) {
	p := &recordPartitioner{byTopic: map[string]runtime.Partitioner{
		"hash": runtime.KeyHash, "rr": runtime.RoundRobin, "fixed": runtime.Fixed,
	}}
	key := []byte("foobar") // toPositive(-790332482) = 1357151166
	cases := []struct {
		name  string
		topic string
		rec   kgo.Record
		n     int
		want  []int // successive calls
	}{
		{"key hash", "hash", kgo.Record{Key: key, Partition: partHash}, 50, []int{16, 16}},
		{"unknown topics hash keys", "dlq", kgo.Record{Key: key, Partition: partHash}, 50, []int{16}},
		{"explicit partition wins", "hash", kgo.Record{Key: key, Partition: 3}, 50, []int{3}},
		{"round robin ignores keys", "rr", kgo.Record{Key: key, Partition: partHash}, 3, []int{1, 2, 0, 1}},
		{"key hash without a key spreads", "hash", kgo.Record{Partition: partHash}, 2, []int{1, 0, 1}},
		{"fixed: task 5 of 4 partitions", "fixed", kgo.Record{Partition: fixedPartitionCode(5)}, 4, []int{1, 1}},
		{"fixed: task 0", "fixed", kgo.Record{Partition: fixedPartitionCode(0)}, 4, []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := p.ForTopic(c.topic)
			for i, want := range c.want {
				r := c.rec
				if got := tp.Partition(&r, c.n); got != want {
					t.Fatalf("call %d: partition %d, want %d", i, got, want)
				}
			}
		})
	}
}
