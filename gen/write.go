package gen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/streamgen/streamgen/spec"
)

// GeneratedSuffix ends the name of every file streamgen writes.
const GeneratedSuffix = ".gen.go"

// isOurs reports whether data is a file streamgen generated.
func isOurs(data []byte) bool {
	return bytes.HasPrefix(data, []byte("// "+Header))
}

// WriteDir writes files into dir. Files whose contents are unchanged are
// not touched, and generated files (named *.gen.go and starting with the
// streamgen header) that are no longer produced are removed, so regenerating
// an unchanged input changes nothing. It returns the names written or
// removed, sorted.
func WriteDir(dir string, files []File) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var changed []string
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		path := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, f.Name)
	}
	stale, err := staleFiles(dir, want)
	if err != nil {
		return nil, err
	}
	for _, name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
		changed = append(changed, name)
	}
	sort.Strings(changed)
	return changed, nil
}

// staleFiles lists the generated files directly in dir that are not in want.
func staleFiles(dir string, want map[string]bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, GeneratedSuffix) || want[name] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if isOurs(data) {
			stale = append(stale, name)
		}
	}
	return stale, nil
}

// DiffDir compares files with what dir holds and returns a unified diff of
// every difference (missing, changed and stale files), or "" when dir is up
// to date. It is what `--check` prints.
func DiffDir(dir string, files []File) (string, error) {
	var b strings.Builder
	want := map[string]bool{}
	for _, f := range files {
		want[f.Name] = true
		path := filepath.Join(dir, f.Name)
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		if bytes.Equal(old, f.Content) {
			continue
		}
		b.WriteString(UnifiedDiff(path+" (committed)", path+" (generated)", string(old), string(f.Content)))
	}
	stale, err := staleFiles(dir, want)
	if err != nil {
		return "", err
	}
	for _, name := range stale {
		fmt.Fprintf(&b, "%s: stale generated file, no longer produced\n", filepath.Join(dir, name))
	}
	return b.String(), nil
}

// StaleDiff regenerates the pipeline of the spec at specPath in memory and
// diffs it with the files in the spec's out directory: "" when they are
// current. It is what `streamgen generate --check` prints and what an
// application's test asserts to keep committed generated code honest.
func StaleDiff(specPath string) (string, error) {
	s, set, err := spec.Load(specPath)
	if err != nil {
		return "", err
	}
	files, err := Pipeline(s, set, Options{Package: s.Package})
	if err != nil {
		return "", err
	}
	return DiffDir(s.Out, files)
}
