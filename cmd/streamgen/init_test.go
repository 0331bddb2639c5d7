package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
	if out := gotest.Go(t, dir, "tool", "streamgen", "check"); !strings.Contains(out, "streamgen.yaml: ok (1 sources, 3 operators, 2 sinks); generated code up to date; operators of 2 packages ok") {
		t.Errorf("check printed %q", out)
	}
	runScaffoldMain(t, dir)
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
			wantStderr: specPath + ":35:3: operators.per_minute (tumbling 1m window, aggregate): " + opsPath + ":25:3: type perMinute does not implement PerMinuteOperator: method Merge has signature func(*Counts, *Counts) Counts, want func(Counts, Counts) Counts\n1 problem(s)\n",
		},
		{
			name:       "an operator is left out",
			file:       "operators.go",
			old:        "\t\tPerMinute: perMinute{},\n",
			new:        "",
			wantCode:   0,
			wantStderr: specPath + ":35:3: warning: operators.per_minute (tumbling 1m window, aggregate): " + opsPath + ":23:9: the Operators literal leaves PerMinute out: NewPipeline fails with it\n",
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

// runScaffoldMain builds the scaffold's cmd/events, runs it with --dev (an
// embedded Kafka broker), waits until the pipeline has joined its consumer
// group and runs tasks (its metrics say so), and stops it with SIGINT:
// it must stop cleanly.
func runScaffoldMain(t *testing.T, dir string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "events")
	gotest.Go(t, dir, "build", "-o", bin, "./cmd/events")
	cmd := exec.Command(bin, "--dev", "--metrics-addr", "127.0.0.1:0")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	metricsURL := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := regexp.MustCompile(`metrics on (http://\S+/metrics)`).FindStringSubmatch(sc.Text()); m != nil {
				metricsURL <- m[1]
			}
		}
		exited <- cmd.Wait()
	}()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		if err := <-exited; err != nil {
			t.Errorf("cmd/events after SIGINT: %v\n%s", err, &logs)
		}
	}
	deadline := time.After(2 * time.Minute) // a bound, so a broken main cannot hang the test
	var url string
	select {
	case url = <-metricsURL:
	case err := <-exited:
		t.Fatalf("cmd/events exited before serving metrics: %v\n%s", err, &logs)
	case <-deadline:
		_ = cmd.Process.Kill()
		t.Fatalf("cmd/events served no metrics\n%s", &logs)
	}
	tasks := regexp.MustCompile(`(?m)^streamgen_tasks_assigned ([1-9][0-9]*)$`)
	for {
		if resp, err := http.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tasks.Match(body) {
				break
			}
		}
		select {
		case <-deadline:
			stop()
			t.Fatalf("the pipeline never ran a task\n%s", &logs)
		case <-time.After(200 * time.Millisecond):
		}
	}
	stop()
	if !strings.Contains(logs.String(), "pipeline stopped") {
		t.Errorf("no clean stop in the logs:\n%s", &logs)
	}
}
