package avrorand

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"
)

// Equal reports whether two values in goavro's native form are the same
// Avro datum: NaN equals NaN (but -0 differs from +0), times are compared
// as instants, decimals as numbers, and nil and empty byte slices, arrays
// and maps are equal.
func Equal(a, b any) bool { return Diff(a, b) == "" }

// Diff returns "" when Equal(a, b), else where and how they first differ,
// as a path from the top ("$.field[2]{key}").
func Diff(a, b any) string { return diff("$", a, b) }

func diff(path string, a, b any) string {
	mismatch := func() string { return fmt.Sprintf("%s: %T(%v) != %T(%v)", path, a, a, b, b) }
	switch x := a.(type) {
	case nil:
		if b == nil {
			return ""
		}
		if isEmpty(b) {
			return ""
		}
		return mismatch()
	case bool, int32, int64, string, time.Duration:
		if a != b {
			return mismatch()
		}
	case float32:
		y, ok := b.(float32)
		if !ok || !sameFloat(float64(x), float64(y)) {
			return mismatch()
		}
	case float64:
		y, ok := b.(float64)
		if !ok || !sameFloat(x, y) {
			return mismatch()
		}
	case []byte:
		y, ok := b.([]byte)
		if !ok && b != nil {
			return mismatch()
		}
		if !bytes.Equal(x, y) {
			return mismatch()
		}
	case time.Time:
		y, ok := b.(time.Time)
		if !ok || !x.Equal(y) {
			return mismatch()
		}
	case *big.Rat:
		y, ok := b.(*big.Rat)
		if !ok || x.Cmp(y) != 0 {
			return mismatch()
		}
	case []any:
		if b == nil && len(x) == 0 {
			return ""
		}
		y, ok := b.([]any)
		if !ok {
			return mismatch()
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: array of %d items != array of %d items", path, len(x), len(y))
		}
		for i := range x {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
	case map[string]any:
		if b == nil && len(x) == 0 {
			return ""
		}
		y, ok := b.(map[string]any)
		if !ok {
			return mismatch()
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			xv, xok := x[k]
			yv, yok := y[k]
			if xok != yok {
				return fmt.Sprintf("%s: key %q present on one side only", path, k)
			}
			if d := diff(fmt.Sprintf("%s{%q}", path, k), xv, yv); d != "" {
				return d
			}
		}
	default:
		return fmt.Sprintf("%s: unsupported value type %T", path, a)
	}
	return ""
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case []byte:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}
