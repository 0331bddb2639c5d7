package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
)

const clickV1 = `{"type":"record","name":"Click","namespace":"com.acme","fields":[
  {"name":"user_id","type":"string"},
  {"name":"country","type":"string"}]}`

const clickV2 = `{"type":"record","name":"Click","namespace":"com.acme","fields":[
  {"name":"user_id","type":"string"},
  {"name":"country","type":"string"},
  {"name":"device","type":"string","default":"web"}]}`

const clickV3NoDefault = `{"type":"record","name":"Click","namespace":"com.acme","fields":[
  {"name":"user_id","type":"string"},
  {"name":"referrer","type":"string"}]}`

func writeTemp(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	v1 := writeTemp(t, dir, "v1.avsc", clickV1)
	v2 := writeTemp(t, dir, "v2.avsc", clickV2)
	v3 := writeTemp(t, dir, "v3.avsc", clickV3NoDefault)
	order := writeTemp(t, dir, "order.json", `{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"Order","type":"object","required":["id"],"properties":{"id":{"type":"string","format":"uuid"},"qty":{"type":"integer","minimum":1}}}`)
	bad := writeTemp(t, dir, "bad.avsc", `{"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]}`)
	out := filepath.Join(dir, "events")
	full := filepath.Join("..", "..", "spec", "testdata", "full", "streamgen.yaml")
	badSpec := writeTemp(t, dir, "streamgen.yaml", "version: 2\nname: x\nsources:\n  a:\n    topics: [t]\n    value: {format: avro}\n")
	const strings1 = "version: 1\nname: copy\nout: copy\nsources:\n  lines: {topics: [lines], value: {format: string}}\nsinks:\n  out: {input: lines, topic: out, value: {format: string}}\n"
	genSpec := writeTemp(t, dir, "copy.yaml", strings1)
	genStale := writeTemp(t, dir, "copy2.yaml", strings1+"commit: {interval: 1s}\n")
	genAvro := writeTemp(t, dir, "copy3.yaml", "version: 1\nname: copy\nout: copy\nschemas: [v1.avsc]\nsources:\n  clicks: {topics: [c], value: {format: avro, type: com.acme.Click}}\nsinks:\n  out: {input: clicks, topic: out, value: {format: avro, type: com.acme.Click}}\n")
	scaffold := filepath.Join(dir, "my-pipe")
	scaffoldSpec := filepath.Join(scaffold, "streamgen.yaml")
	// check loads the scaffold's packages with the go command: offline.
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	genBad := writeTemp(t, dir, "bad.yaml", "version: 1\nname: copy\nsources:\n  a: {topics: [a], value: {format: string}}\noperators:\n  w: {input: a, window: {tumbling: 1m, reduce: {}}}\nsinks:\n  o: {input: w, topic: o, value: {format: string}}\n  p: {input: a, topic: p, value: {format: bytes}}\n")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
		quiet      bool // stdout must be empty
	}{
		{"no args", nil, 2, "", "Usage: streamgen", false},
		{"unknown command", []string{"frob"}, 2, "", `unknown command "frob"`, false},
		{"version", []string{"version"}, 0, "streamgen devel", "", false},
		{"types writes", []string{"types", "--out", out, v1}, 0, "wrote types.gen.go", "", false},
		{"types again changes nothing", []string{"types", "--out", out, v1}, 0, "", "", true},
		{"types check up to date", []string{"types", "--check", "--out", out, v1}, 0, "", "", true},
		{"types check stale", []string{"types", "--check", "--out", out, v2}, 1, "+\tDevice", "is stale", false},
		{"types json schema", []string{"types", "--out", filepath.Join(dir, "orders"), order}, 0, "wrote json.gen.go", "", false},
		{"types bad schema", []string{"types", "--out", out, bad}, 1, "", `bad.avsc:1:58: R.fields[0](a).type: unknown type "Nope"`, false},
		{"compat backward ok", []string{"compat", "--level", "BACKWARD", v2, v1}, 0, "BACKWARD compatible", "", false},
		{"compat backward broken", []string{"compat", "--level", "backward", v3, v2}, 1, "fields(referrer)", "", false},
		{"compat transitive", []string{"compat", "--level", "FORWARD_TRANSITIVE", v2, v1}, 0, "FORWARD_TRANSITIVE compatible with 1", "", false},
		{"compat bad level", []string{"compat", "--level", "SIDEWAYS", v2, v1}, 1, "", "SIDEWAYS", false},
		{"check ok", []string{"check", full}, 0, "ok (4 sources, 13 operators, 9 sinks)", "", false},
		{"check reports every problem", []string{"check", badSpec}, 1, "", "streamgen.yaml:1:10: version: unknown version 2", false},
		{"check second problem", []string{"check", badSpec}, 1, "", "streamgen.yaml:6:21: sources.a.value.format: format avro needs a type", false},
		{"graph mermaid", []string{"graph", full}, 0, "flowchart LR", "", false},
		{"graph dot", []string{"graph", "--format", "dot", full}, 0, "digraph", "", false},
		{"compat needs two", []string{"compat", v2}, 2, "", "Usage: streamgen compat", false},
		{"generate writes", []string{"generate", "--spec", genSpec}, 0, "wrote pipeline.gen.go", "", false},
		{"generate again changes nothing", []string{"generate", "--spec", genSpec}, 0, "", "", true},
		{"generate check up to date", []string{"generate", "--check", "--spec", genSpec}, 0, "", "", true},
		{"generate check stale", []string{"generate", "--check", "--spec", genStale}, 1, "+\t\tcommitInterval:   time.Second,", "is stale", false},
		{"generate with record types", []string{"generate", "--spec", genAvro}, 0, "wrote types.gen.go", "", false},
		{"generate removes what it no longer produces", []string{"generate", "--spec", genSpec}, 0, "wrote types.gen.go", "", false},
		{"generate reports every problem", []string{"generate", "--spec", genBad}, 1, "", "bad.yaml:6:14: operators.w.input: a window needs a keyed stream", false},
		{"generate second problem", []string{"generate", "--spec", genBad}, 1, "", "bad.yaml:9:27: sinks.p.value: stream \"a\" carries string", false},
		{"check generated code outside a module", []string{"check", genSpec}, 1, "", "copy.yaml:1:1: out: go list found no package copy in " + filepath.Join(dir, "copy") + ": is the directory inside a Go module?", false},
		{"generate takes no arguments", []string{"generate", genSpec}, 2, "", "Usage: streamgen generate", false},
		{"init scaffolds and generates", []string{"init", scaffold, "--module", "example.com/acme/my-pipe"}, 0, "wrote operators.gen.go", "", false},
		{"init says it replaces streamgen", []string{"init", "--force", scaffold, "--module", "example.com/acme/my-pipe"}, 0, "go.mod replaces github.com/streamgen/streamgen with " + gotest.RepoRoot(), "", false},
		{"init refuses a directory that is not empty", []string{"init", scaffold}, 1, "", "is not empty (use --force", false},
		{"init names the pipeline after the directory", []string{"init", filepath.Join(dir, "Click Counts")}, 0, "Created pipeline click-counts (module example.com/click-counts)", "", false},
		{"init refuses a bad name", []string{"init", "--name", "Clicks", filepath.Join(dir, "n1")}, 1, "", `--name "Clicks": a pipeline name is lower-case letters`, false},
		{"init refuses a Go keyword", []string{"init", "--name", "func", filepath.Join(dir, "n2")}, 1, "", "its Go package name func is reserved", false},
		{"init refuses a bad module path", []string{"init", "--module", "a b", filepath.Join(dir, "n3")}, 1, "", "--module: malformed import path", false},
		{"init needs one directory", []string{"init"}, 2, "", "Usage: streamgen init", false},
		{"check a scaffold loads its operators", []string{"check", scaffoldSpec}, 0, "generated code up to date; operators of 2 packages ok", "", false},
		{"check --spec-only", []string{"check", "--spec-only", scaffoldSpec}, 0, "ok (1 sources, 3 operators, 2 sinks)\n", "", false},
		{"broker refuses a bad topic list", []string{"broker", "--port", "0", "--topics", "clicks:x"}, 1, "", `streamgen broker: kafka: topic "clicks:x": partitions "x" is not a positive number`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, &stdout, &stderr)
			}
			if tc.quiet && stdout.Len() != 0 {
				t.Errorf("stdout should be empty: %s", &stdout)
			}
			if !strings.Contains(stdout.String(), tc.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantStdout, &stdout)
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantStderr, &stderr)
			}
		})
	}
	// The last generate removed the record types the one before wrote.
	if _, err := os.Stat(filepath.Join(dir, "copy", "types.gen.go")); !os.IsNotExist(err) {
		t.Errorf("stale types.gen.go is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "copy", "driver.gen.go")); err != nil {
		t.Errorf("driver.gen.go: %v", err)
	}
}
