package kafka

import (
	"bufio"
	"context"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestParseTopics(t *testing.T) {
	tests := []struct {
		in      string
		want    []TopicConfig
		wantErr string
	}{
		{"", nil, ""},
		{"clicks:8,views:8", []TopicConfig{{"clicks", 8}, {"views", 8}}, ""},
		{" clicks:2 , alerts ", []TopicConfig{{"clicks", 2}, {"alerts", 0}}, ""},
		{"clicks:x", nil, `topic "clicks:x": partitions "x" is not a positive number`},
		{"clicks:0", nil, "not a positive number"},
		{":3", nil, "has no name"},
		{"a,,b", nil, "has no name"},
	}
	for _, tc := range tests {
		got, err := ParseTopics(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseTopics(%q) error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTopics(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func partitionCounts(t *testing.T, addr string) map[string]int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(addr, ",")...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	td, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for name, d := range td {
		if !d.IsInternal {
			out[name] = len(d.Partitions)
		}
	}
	return out
}

func TestBrokerTopicsAndTransactions(t *testing.T) {
	b, err := StartBroker(BrokerConfig{
		Topics:            []TopicConfig{{"clicks", 8}, {"views", 0}},
		DefaultPartitions: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if host, _, _ := net.SplitHostPort(b.Addr()); host != "127.0.0.1" {
		t.Errorf("address %s is not on loopback", b.Addr())
	}
	if got := partitionCounts(t, b.Addr()); !reflect.DeepEqual(got, map[string]int{"clicks": 8, "views": 3}) {
		t.Fatalf("topics %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.CreateTopics(ctx, TopicConfig{"alerts", 2}, TopicConfig{"clicks", 8}, TopicConfig{"misc", 0}); err != nil {
		t.Fatal(err)
	}
	if got := partitionCounts(t, b.Addr()); got["alerts"] != 2 || got["clicks"] != 8 || got["misc"] != 3 {
		t.Fatalf("topics after CreateTopics %v", got)
	}

	// A transactional producer: the aborted transaction stays invisible to
	// a read_committed consumer, the committed one is read.
	p, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.TransactionalID("t1"), kgo.DefaultProduceTopic("views"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i, commit := range []kgo.TransactionEndTry{kgo.TryAbort, kgo.TryCommit} {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := p.ProduceSync(ctx, kgo.StringRecord("txn-"+strconv.Itoa(i))).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := p.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	c, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.ConsumeTopics("views"), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []string
	for len(got) < 1 {
		fs := c.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("waiting for the committed record: %v (got %v)", err, got)
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if !reflect.DeepEqual(got, []string{"txn-1"}) {
		t.Fatalf("read_committed read %v", got)
	}
}

func TestBrokerAutoCreate(t *testing.T) {
	for _, auto := range []bool{false, true} {
		b, err := StartBroker(BrokerConfig{AutoCreateTopics: auto, DefaultPartitions: 2})
		if err != nil {
			t.Fatal(err)
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic("fresh"),
			kgo.RecordDeliveryTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = cl.ProduceSync(ctx, kgo.StringRecord("x")).FirstErr()
		cancel()
		cl.Close()
		if auto && err != nil {
			t.Errorf("auto-create on: produce to a new topic: %v", err)
		}
		if !auto && err == nil {
			t.Errorf("auto-create off: produce to a new topic succeeded")
		}
		if got := partitionCounts(t, b.Addr()); auto != (got["fresh"] == 2) {
			t.Errorf("auto-create %v: topics %v", auto, got)
		}
		b.Close()
	}
}

func TestBrokerConfigErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name string
		cfg  BrokerConfig
		want string
	}{
		{"port in use", BrokerConfig{Port: busy}, "starting the embedded broker on 127.0.0.1:" + strconv.Itoa(busy)},
		{"port range", BrokerConfig{Port: 70000}, "port 70000 is out of range"},
		{"duplicate topic", BrokerConfig{Topics: []TopicConfig{{"a", 1}, {"a", 2}}}, "topic a given twice"},
		{"nameless topic", BrokerConfig{Topics: []TopicConfig{{"", 1}}}, "without a name"},
	}
	for _, tc := range tests {
		b, err := StartBroker(tc.cfg)
		if err == nil {
			b.Close()
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
		}
	}
}

// freePort returns a loopback port that was free a moment ago: the
// kernel's choice, released for a server that must know its port before
// it starts (or start twice on the same one).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestRunBroker(t *testing.T) {
	// Run the broker on a free port in the foreground until the context
	// is cancelled.
	port := freePort(t)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := RunBroker(ctx, BrokerConfig{Port: port, Topics: []TopicConfig{{"clicks", 8}, {"views", 0}}}, pw)
		pw.Close()
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	var lines []string
	for len(lines) < 3 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	want := []string{
		"kafka broker listening on " + addr,
		"topics: clicks (8 partitions), views (4 partitions)",
		"export KAFKA_BROKERS=" + addr,
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("output %q, want %q", lines, want)
	}
	if got := partitionCounts(t, addr); !reflect.DeepEqual(got, map[string]int{"clicks": 8, "views": 4}) {
		t.Fatalf("topics %v", got)
	}
	go io.Copy(io.Discard, pr)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunBroker: %v", err)
	}
	// The port is free again once RunBroker returned.
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port still taken after RunBroker returned: %v", err)
	}
	ln2.Close()
}
