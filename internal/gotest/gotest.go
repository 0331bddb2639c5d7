// Package gotest builds and runs generated Go code in a scratch module that
// depends on this checkout of streamgen, so tests can prove that generated
// code compiles and behaves, offline, with the module cache the repository
// already uses.
package gotest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// RepoRoot returns the root of this streamgen checkout.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedDir returns ../shared beside the checkout (the conformance corpus),
// or skips the test when it is absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(RepoRoot(), "..", "shared")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("../shared is absent (%v): conformance corpus not available", err)
	}
	return d
}

// Module creates a scratch module in a temporary directory holding files
// (paths relative to the module root, contents), with a go.mod that
// requires streamgen and replaces it with this checkout, and go.sum copied
// from the checkout. It returns the module's directory.
func Module(t testing.TB, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	root := RepoRoot()
	gomod := "module example.com/scratch\n\ngo 1.26\n\nrequire github.com/streamgen/streamgen v0.0.0\n\nreplace github.com/streamgen/streamgen => " + root + "\n"
	write(t, filepath.Join(dir, "go.mod"), []byte(gomod))
	if sum, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		write(t, filepath.Join(dir, "go.sum"), sum)
	}
	for name, data := range files {
		write(t, filepath.Join(dir, name), data)
	}
	return dir
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Go runs the go command with args in dir, offline against the module
// cache, and returns its combined output. It fails the test when the
// command fails.
func Go(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := GoErr(dir, args...)
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return out
}

// GoErr is Go without the test: it returns the output and the error.
func GoErr(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), err
}
