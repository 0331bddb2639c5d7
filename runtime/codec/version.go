// Package codec is the small runtime that generated record types link
// against: Avro binary wire primitives, the Decimal and UUID types, the
// resolving decoder for data written with another schema, and the
// version check. It has no dependencies outside the standard library and
// this module's schema package.
package codec

// GenVersion is the newest generated-code contract this runtime supports.
const GenVersion = 1

// MinGenVersion is the oldest generated-code contract this runtime supports.
const MinGenVersion = 1

// EnforceVersion is used by generated code to fail compilation when it was
// generated for a contract outside [MinGenVersion, GenVersion]: a negative
// constant converted to an unsigned type does not compile.
type EnforceVersion uint
