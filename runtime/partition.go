package runtime

import "encoding/binary"

// KeyPartition is the partition the Java client's default partitioner
// gives a non-nil key among n partitions, toPositive(murmur2(key)) % n, or
// 0 when n <= 0. The test driver routes input and repartition records
// with it; the Kafka runner's key-hash partitioner is the same function.
func KeyPartition(key []byte, n int32) int32 {
	if n <= 0 {
		return 0
	}
	return int32((Murmur2(key) & 0x7fffffff) % uint32(n))
}

// Murmur2 is the 32-bit MurmurHash2 (seed 0x9747b28c) the Java client's
// default partitioner applies to record keys. The result, read as a Java
// int, equals org.apache.kafka.common.utils.Utils.murmur2.
func Murmur2(data []byte) uint32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	n := len(data)
	h := uint32(seed) ^ uint32(n)
	for len(data) >= 4 {
		k := binary.LittleEndian.Uint32(data)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
