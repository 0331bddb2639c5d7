package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeTB records what RunGolden reports.
type fakeTB struct{ errors, fatals []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

// echoHarness is a harness whose one source echoes what it is fed to its
// one output.
type echoHarness struct {
	recs  []GoldenRecord
	log   []string
	fail  error
	wmErr error
}

func (e *echoHarness) harness() GoldenHarness {
	return GoldenHarness{
		Sources: map[string]GoldenSource{
			"src": func(key, value json.RawMessage, ts time.Time) error {
				if e.fail != nil {
					return e.fail
				}
				e.recs = append(e.recs, GoldenRecord{Key: key, Value: value, Timestamp: ts.UnixMilli()})
				return nil
			},
		},
		AdvanceWatermark: func(ts time.Time) error {
			e.log = append(e.log, "wm "+ts.UTC().Format(time.RFC3339))
			return e.wmErr
		},
		AdvanceProcessingTime: func(d time.Duration) error {
			e.log = append(e.log, "pt "+d.String())
			return nil
		},
		Outputs: []GoldenOutput{
			{Name: "echo", Read: func() ([]GoldenRecord, error) {
				out := e.recs
				e.recs = nil
				return out, nil
			}},
			{Name: "dlq", Read: func() ([]GoldenRecord, error) {
				return []GoldenRecord{{Value: GoldenBytes([]byte{0xff, 0}), Error: "bad <input>"}}, nil
			}},
		},
	}
}

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunGolden(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.jsonl", `# comment

{"source":"src","key":"k1","ts":"2026-01-02T03:04:05.5Z","value":{"b":[1.50,2],"a":"<&>"}}
{"source":"src","key":null,"ts":"2026-01-02T03:04:06+01:00","value":"plain"}
{"advance_watermark":"2026-01-02T03:05:00Z"}
{"advance_processing_time":"90s"}
`)
	golden := filepath.Join(dir, "sub", "out.golden")
	e := &echoHarness{}
	tb := &fakeTB{}
	RunGolden(tb, e.harness(), in, golden, true)
	if len(tb.errors)+len(tb.fatals) != 0 {
		t.Fatalf("update reported %v %v", tb.errors, tb.fatals)
	}
	got, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"output":"echo","ts":"2026-01-02T03:04:05.5Z","key":"k1","value":{"a":"<&>","b":[1.50,2]}}
{"output":"echo","ts":"2026-01-02T02:04:06Z","value":"plain"}
{"output":"dlq","ts":"1970-01-01T00:00:00Z","value":"base64:/wA=","error":"bad <input>"}
`
	if string(got) != want {
		t.Fatalf("golden file:\n%s\nwant:\n%s", got, want)
	}
	if strings.Join(e.log, "; ") != "wm 2026-01-02T03:05:00Z; pt 1m30s" {
		t.Fatalf("time moves %q", e.log)
	}

	tb = &fakeTB{}
	RunGolden(tb, (&echoHarness{}).harness(), in, golden, false)
	if len(tb.errors)+len(tb.fatals) != 0 {
		t.Fatalf("a matching golden file reported %v %v", tb.errors, tb.fatals)
	}
	writeFile(t, filepath.Join(dir, "sub"), "out.golden", strings.Replace(want, "plain", "other", 1))
	tb = &fakeTB{}
	RunGolden(tb, (&echoHarness{}).harness(), in, golden, false)
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "line 2:\n  want: ") || !strings.Contains(tb.errors[0], `"value":"plain"}`) {
		t.Fatalf("a stale golden file reported %q", tb.errors)
	}
	tb = &fakeTB{}
	RunGolden(tb, (&echoHarness{}).harness(), in, filepath.Join(dir, "missing.golden"), false)
	if len(tb.fatals) != 1 || !strings.Contains(tb.fatals[0], "does not exist") {
		t.Fatalf("a missing golden file reported %q", tb.fatals)
	}
}

func TestPipeFixturesErrors(t *testing.T) {
	tests := []struct {
		line string
		fail error
		want string
	}{
		{`{"source":"nope","ts":"2026-01-01T00:00:00Z","value":1}`, nil, `in.jsonl:1: unknown source "nope" (sources: src)`},
		{`{"source":"src","value":1}`, nil, `in.jsonl:1: a source record needs "ts"`},
		{`{"source":"src","ts":"yesterday","value":1}`, nil, `in.jsonl:1: ts: parsing time`},
		{`{"source":"src","ts":"2026-01-01T00:00:00Z"}`, nil, `in.jsonl:1: a source record needs a "value"`},
		{`{"source":"src","ts":"2026-01-01T00:00:00Z","value":1,"extra":2}`, nil, `in.jsonl:1: json: unknown field "extra"`},
		{`{"advance_watermark":"2026-01-01T00:00:00Z","advance_processing_time":"1s"}`, nil, `exactly one of`},
		{`{}`, nil, `exactly one of`},
		{`{"advance_processing_time":"-1s"}`, nil, `goes back in time`},
		{`{"advance_processing_time":"soon"}`, nil, `advance_processing_time: time: invalid duration`},
		{`{"advance_watermark":"now"}`, nil, `advance_watermark: parsing time`},
		{`not json`, nil, `in.jsonl:1: invalid character`},
		{`{"source":"src","ts":"2026-01-01T00:00:00Z","value":1}`, errors.New("boom"), `in.jsonl:1: source src: boom`},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		in := writeFile(t, dir, "in.jsonl", tc.line+"\n")
		e := &echoHarness{fail: tc.fail}
		err := PipeFixtures(e.harness(), in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.line, err, tc.want)
		}
	}
	tb := &fakeTB{}
	RunGolden(tb, (&echoHarness{}).harness(), filepath.Join(t.TempDir(), "none.jsonl"), "out", false)
	if len(tb.fatals) != 1 {
		t.Fatalf("a missing fixture file reported %q", tb.fatals)
	}
	e := &echoHarness{wmErr: errors.New("stuck")}
	if err := PipeFixtures(e.harness(), writeFile(t, t.TempDir(), "in.jsonl", `{"advance_watermark":"2026-01-01T00:00:00Z"}`)); err == nil || !strings.Contains(err.Error(), "stuck") {
		t.Fatalf("a failing watermark: %v", err)
	}
}

func TestGoldenBytes(t *testing.T) {
	if got := string(GoldenBytes([]byte("héllo \"x\""))); got != `"héllo \"x\""` {
		t.Errorf("text %s", got)
	}
	if got := string(GoldenBytes([]byte{0xff})); got != `"base64:/w=="` {
		t.Errorf("binary %s", got)
	}
}
