package kafka

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/streamgen/streamgen/runtime"
)

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseMainFlags(t *testing.T) {
	base := mainConfig{metricsAddr: DefaultMetricsAddr, logFormat: "json", logLevel: slog.LevelInfo, devPartitions: DefaultBrokerPartitions}
	with := func(f func(c *mainConfig)) mainConfig {
		c := base
		f(&c)
		return c
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    mainConfig
		wantErr string
	}{
		{"defaults", nil, nil, base, ""},
		{"flags", []string{"--brokers", "a:9092, b:9092", "--state-dir", "/var/lib/p", "--instance-id", "p-0", "--metrics-addr", "127.0.0.1:0", "--log-format", "text", "--log-level", "debug", "--schema-registry", "http://r:8081", "--auto-register"}, nil,
			with(func(c *mainConfig) {
				c.brokers, c.stateDir, c.instanceID, c.metricsAddr = []string{"a:9092", "b:9092"}, "/var/lib/p", "p-0", "127.0.0.1:0"
				c.logFormat, c.logLevel, c.schemaRegistry, c.autoRegister = "text", slog.LevelDebug, []string{"http://r:8081"}, true
			}), ""},
		{"environment", nil, map[string]string{"KAFKA_BROKERS": "k1:9092,k2:9092", "SCHEMA_REGISTRY_URL": "http://r1,http://r2"},
			with(func(c *mainConfig) {
				c.brokers, c.schemaRegistry = []string{"k1:9092", "k2:9092"}, []string{"http://r1", "http://r2"}
			}), ""},
		{"flags beat the environment", []string{"--brokers", "flag:1"}, map[string]string{"KAFKA_BROKERS": "env:1"},
			with(func(c *mainConfig) { c.brokers = []string{"flag:1"} }), ""},
		{"dev", []string{"--dev", "--dev-partitions", "2"}, nil,
			with(func(c *mainConfig) { c.dev, c.devPartitions, c.logFormat, c.autoRegister = true, 2, "text", true }), ""},
		{"dev with json logs", []string{"--dev", "--log-format=json"}, nil,
			with(func(c *mainConfig) { c.dev, c.autoRegister = true, true }), ""},
		{"metrics off", []string{"--metrics-addr="}, nil, with(func(c *mainConfig) { c.metricsAddr = "" }), ""},
		{"profiles", []string{"--pprof"}, nil, with(func(c *mainConfig) { c.pprof = true }), ""},
		{"profiles without metrics", []string{"--pprof", "--metrics-addr="}, nil, mainConfig{}, "--pprof serves on --metrics-addr, which is empty"},
		{"watermark drift", []string{"--max-watermark-drift", "90s"}, nil,
			with(func(c *mainConfig) { c.maxDrift, c.maxDriftSet = 90*time.Second, true }), ""},
		{"watermark drift from the environment", nil, map[string]string{"STREAMGEN_MAX_WATERMARK_DRIFT": "1m"},
			with(func(c *mainConfig) { c.maxDrift, c.maxDriftSet = time.Minute, true }), ""},
		{"watermark drift off beats the environment", []string{"--max-watermark-drift=0"}, map[string]string{"STREAMGEN_MAX_WATERMARK_DRIFT": "1m"},
			with(func(c *mainConfig) { c.maxDriftSet = true }), ""},
		{"bad watermark drift", []string{"--max-watermark-drift", "soon"}, nil, mainConfig{}, `--max-watermark-drift "soon"`},
		{"negative watermark drift", []string{"--max-watermark-drift", "-1s"}, nil, mainConfig{}, `--max-watermark-drift "-1s"`},
		{"task parallelism", []string{"--task-parallelism", "2"}, nil,
			with(func(c *mainConfig) { c.parallelism = 2 }), ""},
		{"task parallelism from the environment", nil, map[string]string{"STREAMGEN_TASK_PARALLELISM": "4"},
			with(func(c *mainConfig) { c.parallelism = 4 }), ""},
		{"zero task parallelism", []string{"--task-parallelism", "0"}, nil, mainConfig{}, `--task-parallelism "0"`},
		{"cache entries", []string{"--cache-entries", "100000"}, nil,
			with(func(c *mainConfig) { c.cacheEntries, c.cacheSet = 100_000, true }), ""},
		{"no cache from the environment", nil, map[string]string{"STREAMGEN_CACHE_ENTRIES": "-1"},
			with(func(c *mainConfig) { c.cacheEntries, c.cacheSet = -1, true }), ""},
		{"bad cache entries", []string{"--cache-entries", "lots"}, nil, mainConfig{}, `--cache-entries "lots"`},
		{"replication factor", []string{"--replication-factor", "3"}, nil, with(func(c *mainConfig) { c.replication = 3 }), ""},
		{"broker default replication from the environment", nil, map[string]string{"STREAMGEN_REPLICATION_FACTOR": "-1"},
			with(func(c *mainConfig) { c.replication = -1 }), ""},
		{"zero replication factor", []string{"--replication-factor", "0"}, nil, mainConfig{}, `--replication-factor "0"`},
		{"reset", []string{"--reset"}, nil, with(func(c *mainConfig) { c.reset = true }), ""},
		{"rack from the environment", nil, map[string]string{"KAFKA_RACK": "use1-az2"}, with(func(c *mainConfig) { c.rack = "use1-az2" }), ""},
		{"tls from the environment", nil, map[string]string{"KAFKA_TLS": "true"}, with(func(c *mainConfig) { c.security.tls = true }), ""},
		{"a CA implies tls", []string{"--tls-ca", "/etc/ca.pem"}, nil,
			with(func(c *mainConfig) { c.security.tls, c.security.caFile = true, "/etc/ca.pem" }), ""},
		{"mutual tls", []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, nil,
			with(func(c *mainConfig) { c.security.tls, c.security.certFile, c.security.keyFile = true, "c.pem", "k.pem" }), ""},
		{"sasl", []string{"--sasl-mechanism", "scram-sha-512", "--sasl-username", "u"}, map[string]string{"KAFKA_SASL_PASSWORD": "p", "SCHEMA_REGISTRY_BASIC_AUTH": "r:pw:x"},
			with(func(c *mainConfig) {
				c.security.saslMechanism, c.security.saslUser, c.security.saslPass = "SCRAM-SHA-512", "u", "p"
				c.security.registryUser, c.security.registryPass = "r", "pw:x"
			}), ""},
		{"tls", []string{"--tls"}, nil, with(func(c *mainConfig) { c.security.tls = true }), ""},
		{"bad tls in the environment", nil, map[string]string{"KAFKA_TLS": "maybe"}, mainConfig{}, `KAFKA_TLS "maybe": want true or false`},
		{"certificate without key", []string{"--tls-cert", "c.pem"}, nil, mainConfig{}, "--tls-cert and --tls-key go together"},
		{"unknown mechanism", []string{"--sasl-mechanism", "GSSAPI", "--sasl-username", "u"}, map[string]string{"KAFKA_SASL_PASSWORD": "p"},
			mainConfig{}, `--sasl-mechanism "GSSAPI": want one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`},
		{"mechanism without password", []string{"--sasl-mechanism", "PLAIN", "--sasl-username", "u"}, nil,
			mainConfig{}, "--sasl-mechanism PLAIN needs --sasl-username and the password in KAFKA_SASL_PASSWORD"},
		{"user without mechanism", []string{"--sasl-username", "u"}, nil, mainConfig{}, "--sasl-username without --sasl-mechanism"},
		{"bad registry auth", nil, map[string]string{"SCHEMA_REGISTRY_BASIC_AUTH": "token"}, mainConfig{}, "SCHEMA_REGISTRY_BASIC_AUTH: want user:password"},
		{"bad log format", []string{"--log-format", "xml"}, nil, mainConfig{}, `--log-format "xml": want json or text`},
		{"bad log level", []string{"--log-level", "loud"}, nil, mainConfig{}, `--log-level "loud"`},
		{"bad partitions", []string{"--dev-partitions", "0"}, nil, mainConfig{}, "--dev-partitions 0"},
		{"unknown flag", []string{"--frob"}, nil, mainConfig{}, "flag provided but not defined: -frob"},
		{"arguments", []string{"extra"}, nil, mainConfig{}, `unexpected arguments ["extra"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := parseMainFlags("p", tc.args, envOf(tc.env), &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("config\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	var stderr bytes.Buffer
	if _, err := parseMainFlags("clicks", []string{"-h"}, envOf(nil), &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if !strings.Contains(stderr.String(), "Usage: clicks [flags]") || !strings.Contains(stderr.String(), "-schema-registry") {
		t.Errorf("usage text:\n%s", &stderr)
	}
}

func TestMainConfigComplete(t *testing.T) {
	tests := []struct {
		name    string
		flags   mainConfig
		given   config
		want    mainConfig
		wantErr string
	}{
		{"flags", mainConfig{brokers: []string{"b:1"}, stateDir: "/s"}, config{}, mainConfig{brokers: []string{"b:1"}, stateDir: "/s"}, ""},
		{"options fill the gaps", mainConfig{}, config{brokers: []string{"o:1"}, stateDir: "/o", instanceID: "i"},
			mainConfig{brokers: []string{"o:1"}, stateDir: "/o", instanceID: "i"}, ""},
		{"flags win", mainConfig{brokers: []string{"f:1"}, stateDir: "/f", instanceID: "f"}, config{brokers: []string{"o:1"}, stateDir: "/o", instanceID: "o"},
			mainConfig{brokers: []string{"f:1"}, stateDir: "/f", instanceID: "f"}, ""},
		{"no state dir", mainConfig{brokers: []string{"b:1"}}, config{}, mainConfig{}, "--state-dir is required (or run with --dev)"},
		{"no brokers", mainConfig{stateDir: "/s"}, config{}, mainConfig{}, "no brokers: pass --brokers or set KAFKA_BROKERS"},
		{"dev needs neither", mainConfig{dev: true}, config{}, mainConfig{dev: true}, ""},
	}
	for _, tc := range tests {
		c := tc.flags
		err := c.complete(&tc.given)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(c, tc.want) {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, c, err, tc.want)
		}
	}
}

// TestMainFlagOpts checks what the tuning flags do to Run's
// configuration on top of the options given to Main: they win, and
// --cache-entries changes the cache's size only, not the other store
// options.
func TestMainFlagOpts(t *testing.T) {
	given := []Opt{
		StoreOptions(runtime.StoreOptions{CacheEntries: 5, BlockCacheSize: 1 << 20, CheckpointRecords: 7}),
		TaskParallelism(3), InstanceID("given"), InternalTopicReplication(2),
	}
	tests := []struct {
		name  string
		flags mainConfig
		check func(c config) bool
	}{
		{"no flags", mainConfig{}, func(c config) bool {
			return c.store.CacheEntries == 5 && c.parallelism == 3 && c.instanceID == "given" && c.maxDrift == 0 && c.replication == 2
		}},
		{"replication factor", mainConfig{replication: 3}, func(c config) bool { return c.replication == 3 }},
		{"cache entries", mainConfig{cacheEntries: 100_000, cacheSet: true}, func(c config) bool {
			return c.store == runtime.StoreOptions{CacheEntries: 100_000, BlockCacheSize: 1 << 20, CheckpointRecords: 7}
		}},
		{"no cache", mainConfig{cacheEntries: -1, cacheSet: true}, func(c config) bool { return c.store.CacheEntries == -1 }},
		{"the others", mainConfig{instanceID: "flag", maxDrift: time.Minute, maxDriftSet: true, parallelism: 2}, func(c config) bool {
			return c.instanceID == "flag" && c.maxDrift == time.Minute && c.parallelism == 2 && c.store.CacheEntries == 5
		}},
	}
	for _, tc := range tests {
		if c := newConfig(append(slices.Clone(given), tc.flags.flagOpts()...)); !tc.check(c) {
			t.Errorf("%s: config %+v", tc.name, c)
		}
	}
}

// TestMainClientOpts checks that the client flags reach franz-go's
// configuration of a client built with them.
func TestMainClientOpts(t *testing.T) {
	for _, tc := range []struct {
		name string
		mc   mainConfig
		rack string
		sasl int
	}{
		{"none", mainConfig{}, "", 0},
		{"rack", mainConfig{rack: "use1-az2"}, "use1-az2", 0},
		{"sasl and rack", mainConfig{rack: "r1", security: securityConfig{saslMechanism: "PLAIN", saslUser: "u", saslPass: "p"}}, "r1", 1},
	} {
		cl, err := kgo.NewClient(tc.mc.clientOpts(nil)...)
		if err != nil {
			t.Fatal(err)
		}
		rack, _ := cl.OptValue(kgo.Rack).(string)
		nsasl := 0
		if v := cl.OptValues(kgo.SASL); len(v) == 1 {
			ms, _ := v[0].([]sasl.Mechanism)
			nsasl = len(ms)
		}
		cl.Close()
		if rack != tc.rack || nsasl != tc.sasl {
			t.Errorf("%s: rack %q and %d SASL mechanisms, want %q and %d", tc.name, rack, nsasl, tc.rack, tc.sasl)
		}
	}
}

func TestDevTopics(t *testing.T) {
	p := runtime.PipelineSpec{
		Inputs: []runtime.InputSpec{
			{Name: "a", Topics: []string{"clicks", "views"}, DeadLetterTopic: "dlq"},
			{Name: "b", TopicPattern: "logs-.*", DeadLetterTopic: "dlq"},
		},
		Outputs: []runtime.OutputSpec{{Name: "o", Topic: "counts"}, {Name: "p", Topic: "clicks"}},
	}
	want := []TopicConfig{{"clicks", 3}, {"counts", 3}, {"dlq", 3}, {"views", 3}}
	if got := PipelineTopics(&p, 3); !reflect.DeepEqual(got, want) {
		t.Errorf("PipelineTopics = %v, want %v", got, want)
	}
}

// lineReader collects what runMain prints, line by line.
type lineReader struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{more: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.mu.Lock()
			lr.lines = append(lr.lines, sc.Text())
			lr.mu.Unlock()
			select {
			case lr.more <- struct{}{}:
			default:
			}
		}
	}()
	return lr
}

// waitFor returns the first line with prefix.
func (lr *lineReader) waitFor(ctx context.Context, t *testing.T, prefix string) string {
	t.Helper()
	for {
		lr.mu.Lock()
		for _, l := range lr.lines {
			if strings.HasPrefix(l, prefix) {
				lr.mu.Unlock()
				return l
			}
		}
		got := strings.Join(lr.lines, "\n")
		lr.mu.Unlock()
		select {
		case <-lr.more:
		case <-ctx.Done():
			t.Fatalf("no line starting with %q in:\n%s", prefix, got)
		}
	}
}

// field returns the whitespace-separated word after marker in line.
func field(t *testing.T, line, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(line, marker)
	if !ok {
		t.Fatalf("%q lacks %q", line, marker)
	}
	return strings.Fields(rest)[0]
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMainDev runs a pipeline the way its generated main does, with
// --dev: an embedded broker with the pipeline's topics (or, when
// KAFKA_BROKERS names a cluster, that cluster, where --dev creates the
// missing topics), a temporary state directory, an in-memory Schema
// Registry the pipeline's Confluent framing is connected to, metrics and
// health, JSON logs; then stops it as SIGINT would (the context ends).
func TestMainDev(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	// Unique names: on a shared cluster an earlier run's topics and group
	// must not be found.
	suffix := randomSuffix()
	users, usersDLQ, ids := "users-"+suffix, "users-dlq-"+suffix, "ids-"+suffix
	f := NewConfluentFraming()
	spec := runtime.PipelineSpec{
		Name:    "dev-ids-" + suffix,
		Inputs:  []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}, DeadLetterTopic: usersDLQ}},
		Outputs: []runtime.OutputSpec{{Name: "ids", Topic: ids}},
		Build:   userIDsBuild(f, users, ids, usersDLQ),
	}
	// An HTTP handler beside the metrics that runs a query on every task.
	queries := NewQueries()
	tasksHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 0
		if _, err := queries.QueryState(r.Context(), func(*runtime.Task) (bool, error) { n++; return false, nil }); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%d tasks\n", n)
	})
	cluster := os.Getenv("KAFKA_BROKERS")
	pr, pw := io.Pipe()
	out := newLineReader(pr)
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		args := []string{"--dev", "--dev-partitions", "2", "--metrics-addr", "127.0.0.1:0", "--pprof", "--log-format", "json"}
		if cluster != "" {
			args = append(args, "--brokers", cluster)
		}
		done <- runMain(runCtx, spec, args, envOf(nil), pw, &stderr, []Opt{SchemaRegistryFramings(f), QueryOpt(queries), HTTPHandler("GET /tasks", tasksHandler)})
		pw.Close()
	}()

	addr := cluster
	if cluster == "" {
		addr = field(t, out.waitFor(ctx, t, "dev: embedded Kafka broker on "), "broker on ")
	} else {
		created := out.waitFor(ctx, t, "dev: created topics ")
		if want := "dev: created topics " + strings.Join([]string{ids, users, usersDLQ}, ", "); created != want {
			t.Fatalf("%q, want %q", created, want)
		}
	}
	stateDir := field(t, out.waitFor(ctx, t, "dev: state in "), "state in ")
	registry := field(t, out.waitFor(ctx, t, "dev: in-memory Schema Registry at "), "Registry at ")
	metricsAddr := strings.TrimSuffix(strings.TrimPrefix(field(t, out.waitFor(ctx, t, "metrics on "), "metrics on "), "http://"), "/metrics,")

	counts := partitionCounts(t, addr)
	for _, topic := range []string{users, usersDLQ, ids} {
		if counts[topic] != 2 {
			t.Fatalf("dev topics %v: want %s with 2 partitions", counts, topic)
		}
	}
	if _, err := os.Stat(stateDir); err != nil {
		t.Fatalf("state dir: %v", err)
	}

	// A producer registers its schema with the dev registry; the pipeline
	// reads through the framing Main connected to the same registry.
	producer, err := NewConfluentFramingURL([]string{registry}, AutoRegister(true))
	if err != nil {
		t.Fatal(err)
	}
	recs := framedUsers(t, producer, users, "a", "b", "c")
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addr, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	var got []string
	for _, r := range readTopicCommitted(ctx, t, strings.Split(addr, ","), ids, 3) {
		got = append(got, string(r.Value))
	}
	slices.Sort(got)
	if strings.Join(got, ",") != "a,b,c" {
		t.Fatalf("outputs %v", got)
	}

	// Metrics and health while it runs.
	code, body := httpGet(t, "http://"+metricsAddr+"/metrics")
	if code != 200 || !strings.Contains(body, `streamgen_records_out_total{topic="`+ids+`"} 3`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics %d:\n%s", code, body)
	}
	if code, body := httpGet(t, "http://"+metricsAddr+"/healthz"); code != 200 {
		t.Errorf("/healthz %d %q", code, body)
	}
	if code, body := httpGet(t, "http://"+metricsAddr+"/readyz"); code != 200 {
		t.Errorf("/readyz %d %q", code, body)
	}
	if code, body := httpGet(t, "http://"+metricsAddr+"/tasks"); code != 200 || body != "2 tasks\n" {
		t.Errorf("/tasks (HTTPHandler, a query of every task) %d %q", code, body)
	}
	if code, body := httpGet(t, "http://"+metricsAddr+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile") {
		t.Errorf("--pprof: /debug/pprof/goroutine %d %.200q", code, body)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("runMain: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(stateDir); !os.IsNotExist(err) {
		t.Errorf("temporary state dir survives: %v", err)
	}
	// Logs are JSON lines naming the pipeline.
	var starting bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "pipeline starting" && rec["pipeline"] == spec.Name && rec["state_dir"] == stateDir {
			starting = true
		}
	}
	if !starting {
		t.Errorf("no 'pipeline starting' log:\n%s", stderr.String())
	}
}

func TestMainErrors(t *testing.T) {
	e := newEOSEnv(t)
	missing := e.name("missing-input")
	spec := runtime.PipelineSpec{
		Name:    e.name("errs"),
		Inputs:  []runtime.InputSpec{{Name: "in", Topics: []string{missing}}},
		Outputs: []runtime.OutputSpec{{Name: "out", Topic: e.topic("ids", 1, nil)}},
		Build:   func(*runtime.Task) error { return nil },
	}
	brokers := strings.Join(e.brokers, ",")
	// A port in use, for the metrics listener to fail on.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		opts      []Opt
		wantUsage bool
		want      string
	}{
		{"no state dir", []string{"--brokers", brokers}, nil, true, spec.Name + ": --state-dir is required"},
		{"bad flag", []string{"--log-format", "xml"}, nil, true, spec.Name + `: --log-format "xml"`},
		{"registry needed", []string{"--brokers", brokers, "--state-dir", dir, "--metrics-addr="}, []Opt{SchemaRegistryFramings(NewConfluentFraming())}, false, "pass --schema-registry or set SCHEMA_REGISTRY_URL"},
		{"metrics address taken", []string{"--brokers", brokers, "--state-dir", dir, "--metrics-addr", taken.Addr().String()}, nil, false, "metrics listener"},
		{"run fails", []string{"--brokers", brokers, "--state-dir", dir, "--metrics-addr="}, []Opt{StateDir("/ignored")}, false, `input topic "` + missing + `" of input "in" does not exist`},
		{"reset without a cluster", []string{"--dev", "--reset", "--metrics-addr="}, nil, false, "--reset resets the pipeline on a cluster: pass --brokers or set KAFKA_BROKERS"},
		{"dev broker with tls", []string{"--dev", "--tls", "--metrics-addr="}, nil, false, "--tls and --sasl-mechanism are for a cluster named by --brokers: the embedded broker of --dev speaks plaintext"},
		{"missing CA file", []string{"--brokers", brokers, "--state-dir", dir, "--metrics-addr=", "--tls-ca", filepath.Join(dir, "nope.pem")}, nil, false, "--tls-ca: open " + filepath.Join(dir, "nope.pem")},
		{"CA file without a certificate", []string{"--brokers", brokers, "--state-dir", dir, "--metrics-addr=", "--tls-ca", notPEM}, nil, false, "--tls-ca " + notPEM + ": no PEM certificate in it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var stdout, stderr syncBuffer
			err := runMain(ctx, spec, tc.args, envOf(nil), &stdout, &stderr, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, errMainUsage) != tc.wantUsage {
				t.Errorf("usage error %v, want %v: %v", errors.Is(err, errMainUsage), tc.wantUsage, err)
			}
			if !strings.Contains(err.Error()+stderr.String(), tc.want) {
				t.Errorf("error %q, stderr %q; want %q", err, stderr.String(), tc.want)
			}
		})
	}
	ctx := context.Background()
	if err := runMain(ctx, spec, []string{"--help"}, envOf(nil), io.Discard, io.Discard, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
}

// mainChildEnv makes TestMainSignals run Main itself (in a child process
// the parent started from the test binary).
const mainChildEnv = "STREAMGEN_KAFKA_MAIN_CHILD"

// TestMainSignals runs Main in a child process with --dev (an embedded
// broker, or the cluster KAFKA_BROKERS names, with topics of its own) and
// sends it SIGTERM (and SIGINT): it commits, stops and exits 0, logging
// that the pipeline stopped.
func TestMainSignals(t *testing.T) {
	if suffix := os.Getenv(mainChildEnv); suffix != "" {
		os.Args = []string{"dev-ids", "--dev", "--metrics-addr", "127.0.0.1:0", "--log-format", "text"}
		f := NewConfluentFraming()
		users, ids := "users-"+suffix, "ids-"+suffix
		Main(runtime.PipelineSpec{
			Name:    "signal-ids-" + suffix,
			Inputs:  []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}}},
			Outputs: []runtime.OutputSpec{{Name: "ids", Topic: ids}},
			Build:   userIDsBuild(f, users, ids, ""),
		}, SchemaRegistryFramings(f))
		return
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			suffix := randomSuffix()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainSignals$")
			cmd.Env = append(os.Environ(), mainChildEnv+"="+suffix)
			pr, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr syncBuffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			out := newLineReader(pr)
			metrics := strings.TrimSuffix(strings.TrimPrefix(field(t, out.waitFor(ctx, t, "metrics on "), "metrics on "), "http://"), "/metrics,")
			// Wait until the pipeline is ready: it runs its tasks (one per
			// partition of the dev topic), past its start.
			for {
				if code, body := httpGet(t, "http://"+metrics+"/readyz"); code == 200 {
					if _, m := httpGet(t, "http://"+metrics+"/metrics"); !strings.Contains(m, "streamgen_tasks_assigned 4\n") {
						t.Fatalf("/readyz %q, but the instance does not run its 4 tasks:\n%s", body, m)
					}
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("child never ran its tasks:\n%s", stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
			}
			if code, _ := httpGet(t, "http://"+metrics+"/healthz"); code != 200 {
				t.Errorf("/healthz %d", code)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if err != nil {
				t.Fatalf("child exited with %v\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), `msg="pipeline stopped" pipeline=signal-ids-`+suffix) {
				t.Errorf("no clean stop in the logs:\n%s", stderr.String())
			}
		})
	}
}
