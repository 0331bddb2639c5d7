package codec

// AvroRecord is what every generated Avro record type implements (through
// its pointer): the straight-line binary codec and its schema. Generated
// packages return it from NewAvroRecord(fullName), so tools can decode a
// record they know only by its Avro full name.
type AvroRecord interface {
	// AppendAvro appends the Avro binary encoding of the record to dst.
	AppendAvro(dst []byte) ([]byte, error)
	// UnmarshalAvro decodes the Avro binary encoding in src, which must
	// hold exactly one record, into the receiver.
	UnmarshalAvro(src []byte) error
	// AvroSchema returns the record's full, self-contained schema JSON.
	AvroSchema() string
	// AvroFullName returns the record's Avro full name.
	AvroFullName() string
}
