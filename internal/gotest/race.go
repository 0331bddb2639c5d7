//go:build race

package gotest

// RaceEnabled reports whether this is a race build.
const RaceEnabled = true
