package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamgen/streamgen/internal/gotest"
)

// TestInitScaffold runs what a user runs in a new pipeline module, offline:
// go generate, go vet, go test (the driver tests and the golden fixture),
// go tool streamgen generate --check and check. Then it breaks the
// module in the ways check reports.
func TestInitScaffold(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"init", dir, "--module", "example.com/events"}, &stdout, &stderr); code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, &stdout, &stderr)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}

	// The go.mod init writes is complete: the module builds without
	// -mod=mod, and nothing below changes it.
	build := exec.Command("go", "build", "./...")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build with -mod=readonly: %v\n%s", err, out)
	}
	gotest.Go(t, dir, "generate", "./...")
	gotest.Go(t, dir, "vet", "./...")
	out := gotest.Go(t, dir, "test", "-count=1", "-v", "./...")
	for _, test := range []string{"TestEventsPerUserPerMinute", "TestLateEvents", "TestPoisonRecordIsDeadLettered", "TestGolden"} {
		if !strings.Contains(out, "--- PASS: "+test) {
			t.Errorf("%s did not pass:\n%s", test, out)
		}
	}
	if out := gotest.Go(t, dir, "tool", "streamgen", "generate", "--check"); out != "" {
		t.Errorf("generate --check printed %q", out)
	}
	if out := gotest.Go(t, dir, "tool", "streamgen", "check"); !strings.Contains(out, "streamgen.yaml: ok (1 sources, 3 operators, 2 sinks); generated code up to date; operators of package example.com/events ok") {
		t.Errorf("check printed %q", out)
	}
	if after, err := os.ReadFile(filepath.Join(dir, "go.mod")); err != nil || !bytes.Equal(after, gomod) {
		t.Errorf("go.mod changed (%v):\n%s", err, after)
	}

	// check, in process, on broken versions of the module.
	opsPath := filepath.Join(dir, "operators.go")
	ops, err := os.ReadFile(opsPath)
	if err != nil {
		t.Fatal(err)
	}
	specPath := filepath.Join(dir, "streamgen.yaml")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	tests := []struct {
		name       string
		file, old  string // replace old with new in file (relative to dir)
		new        string
		wantCode   int
		wantStderr string
	}{
		{
			name:       "an operator's method has another signature",
			file:       "operators.go",
			old:        "func (perMinute) Merge(a, b Counts) Counts {",
			new:        "func (perMinute) Merge(a, b *Counts) Counts {\n\treturn Counts{}\n}\n\nfunc unused(a, b Counts) Counts {",
			wantCode:   1,
			wantStderr: specPath + ":31:3: operators.per_minute (tumbling 1m window, aggregate): " + opsPath + ":25:3: type perMinute does not implement PerMinuteOperator: method Merge has signature func(*Counts, *Counts) Counts, want func(Counts, Counts) Counts\n1 problem(s)\n",
		},
		{
			name:       "an operator is left out",
			file:       "operators.go",
			old:        "\t\tPerMinute: perMinute{},\n",
			new:        "",
			wantCode:   0,
			wantStderr: specPath + ":31:3: warning: operators.per_minute (tumbling 1m window, aggregate): " + opsPath + ":23:9: the Operators literal leaves PerMinute out: NewPipeline fails with it\n",
		},
		{
			name:       "the spec changed and the code was not regenerated",
			file:       "streamgen.yaml",
			old:        "tumbling: 1m",
			new:        "tumbling: 2m",
			wantCode:   1,
			wantStderr: specPath + ":7:1: the generated code is stale (" + filepath.Join(dir, "operators.gen.go") + ", " + filepath.Join(dir, "pipeline.gen.go") + "): run go generate (or streamgen generate)\n1 problem(s)\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			orig, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(orig, []byte(tc.old)) {
				t.Fatalf("%s lacks %q", tc.file, tc.old)
			}
			if err := os.WriteFile(p, bytes.Replace(orig, []byte(tc.old), []byte(tc.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := os.WriteFile(p, orig, 0o644); err != nil {
					t.Fatal(err)
				}
			}()
			var stdout, stderr bytes.Buffer
			code := run([]string{"check", specPath}, &stdout, &stderr)
			if code != tc.wantCode || stderr.String() != tc.wantStderr {
				t.Errorf("exit %d, want %d\nstderr %q\nwant   %q\nstdout %s", code, tc.wantCode, &stderr, tc.wantStderr, &stdout)
			}
		})
	}
	if got, _ := os.ReadFile(opsPath); !bytes.Equal(got, ops) {
		t.Error("operators.go was not restored")
	}
}
