package schema

// fingerprintEmpty is CRC-64-AVRO's initial value and polynomial, as given
// in the Avro specification (section "Schema Fingerprints").
const fingerprintEmpty uint64 = 0xc15d213aa4d7a795

// fingerprintTable is the byte-at-a-time table of CRC-64-AVRO.
var fingerprintTable = func() (table [256]uint64) {
	for i := range table {
		fp := uint64(i)
		for j := 0; j < 8; j++ {
			fp = (fp >> 1) ^ (fingerprintEmpty & -(fp & 1))
		}
		table[i] = fp
	}
	return table
}()

// Fingerprint64Of computes the 64-bit Rabin fingerprint CRC-64-AVRO of b.
func Fingerprint64Of(b []byte) uint64 {
	fp := fingerprintEmpty
	for _, c := range b {
		fp = (fp >> 8) ^ fingerprintTable[byte(fp)^c]
	}
	return fp
}

// Fingerprint64 is the CRC-64-AVRO fingerprint of t's Parsing Canonical
// Form: the fingerprint Avro's single-object encoding and schema caches
// use.
func (t *Type) Fingerprint64() uint64 {
	return Fingerprint64Of([]byte(t.CanonicalForm()))
}
