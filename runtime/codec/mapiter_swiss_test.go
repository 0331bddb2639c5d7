//go:build !go1.27 && !race

package codec

import (
	"fmt"
	"testing"
)

// On the runtime this build targets, the start-up check passes and small
// maps take the fast path; others do not.
func TestSmallMapFastPath(t *testing.T) {
	if !SmallMapFastPath() {
		t.Fatal("the start-up check of the Go 1.26 map layout failed: MapEntries ranges over every map")
	}
	tests := []struct {
		name  string
		m     map[string]string
		small bool
	}{
		{"nil", nil, false},
		{"empty", map[string]string{}, false},
		{"one", map[string]string{"a": "b"}, true},
		{"eight", mapOfSize(8, 0), true},
		{"nine", mapOfSize(9, 0), false},
		{"three, made for a hundred", mapOfSize(3, 100), false},
	}
	for _, tt := range tests {
		if got := smallGroup(tt.m) != nil; got != tt.small {
			t.Errorf("%s: fast path %v, want %v", tt.name, got, tt.small)
		}
	}
	if smallGroup(map[string]mapIterBig{"a": {}}) != nil {
		t.Error("a map of values stored behind pointers took the fast path")
	}
	if smallGroup(map[string]Null{"a": {}}) != nil {
		t.Error("a map of zero-size values took the fast path")
	}
}

func mapOfSize(n, hint int) map[string]string {
	m := make(map[string]string, hint)
	for i := range n {
		m[fmt.Sprint(i)] = fmt.Sprint(i)
	}
	return m
}
