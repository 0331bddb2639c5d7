package kafka

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	pij "github.com/streamgen/streamgen/golden/pipeline_interval_join/out"
	"github.com/streamgen/streamgen/runtime"
)

// joinWorkerEnv, when set, makes TestJoinCrash the worker process it
// starts: one instance of the interval join of join_test.go (the golden
// case pipeline_interval_join) until SIGTERM or SIGKILL.
const joinWorkerEnv = "STREAMGEN_JOIN_WORKER"

// startJoinWorker re-runs the test binary as a join worker.
func startJoinWorker(t *testing.T, w *workerProc) {
	w.startAs(t, "TestJoinCrash", joinWorkerEnv+"=1")
}

// joinWorker is the worker process: the ad attribution joins, reading
// the clicks and impressions topics of workerConfig.Input ("clicks,
// impressions"), with fault points that kill the process at random
// during commits.
func joinWorker(t *testing.T) {
	w, err := workerFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	topics := strings.Split(w.Input, ",")
	p, err := pij.NewPipeline(pij.Operators{Attributed: attributeOp{}, Report: reportOp{}},
		runtime.WithName(w.Name), runtime.WithTopics("clicks", topics[0]), runtime.WithTopics("impressions", topics[1]))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signalContext()
	defer stop()
	log := slogStderr()
	installFaults(w, log)
	err = Run(ctx, p.Spec(), workerOpts(w, log)...)
	if err != nil {
		t.Fatal(err)
	}
}

// adEvents makes the clicks and impressions of TestJoinCrash, each event
// a second of event time after the one before, so every partition's
// records come in event-time order and none is ever late: the joins'
// results are then exactly the pairs the interval conditions define,
// whatever the order the tasks read the two topics in, and however often
// they replay.
type adEvents struct {
	prefix string
	parts  int32
	ads    int
	rng    *rand.Rand
	next   int
	clicks []pij.Click
	imps   []pij.Impression
}

var adBase = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func (g *adEvents) records(clicks, impressions string, n int) []*kgo.Record {
	var out []*kgo.Record
	for range n {
		g.next++
		ts := adBase.Add(time.Duration(g.next) * time.Second)
		ad := fmt.Sprintf("ad%d", g.rng.IntN(g.ads))
		part := KeyPartition([]byte(ad), g.parts)
		if g.rng.IntN(2) == 0 {
			c := pij.Click{ClickID: fmt.Sprintf("c%d-%s", g.next, g.prefix), AdID: ad, Ts: ts}
			g.clicks = append(g.clicks, c)
			b, _ := c.AppendAvro(nil)
			out = append(out, &kgo.Record{Topic: clicks, Partition: part, Key: []byte(ad), Value: b, Timestamp: ts})
		} else {
			i := pij.Impression{ImpressionID: fmt.Sprintf("i%d-%s", g.next, g.prefix), AdID: ad, Ts: ts}
			g.imps = append(g.imps, i)
			b, _ := i.AppendAvro(nil)
			out = append(out, &kgo.Record{Topic: impressions, Partition: part, Key: []byte(ad), Value: b, Timestamp: ts})
		}
	}
	return out
}

// flush moves event time a day on in every partition of both topics.
func (g *adEvents) flush(clicks, impressions string) []*kgo.Record {
	ts := adBase.Add(time.Duration(g.next)*time.Second + 24*time.Hour)
	var out []*kgo.Record
	for p := range g.parts {
		for _, topic := range []string{clicks, impressions} {
			c := pij.Click{ClickID: "flush", AdID: "flush", Ts: ts}
			b, _ := c.AppendAvro(nil) // a Click and an Impression encode alike
			out = append(out, &kgo.Record{Topic: topic, Partition: p, Key: []byte("flush"), Value: b, Timestamp: ts})
		}
	}
	return out
}

// want returns the attributions (impressions of the click's ad up to
// 10m before it) and the report (impressions within 10m either way, or
// "-" for a click with none), rendered as the operators render them.
func (g *adEvents) want() (attributions, report []string) {
	byAd := map[string][]pij.Impression{}
	for _, i := range g.imps {
		byAd[i.AdID] = append(byAd[i.AdID], i)
	}
	for _, c := range g.clicks {
		matched := false
		for _, i := range byAd[c.AdID] {
			d := c.Ts.Sub(i.Ts)
			if d >= 0 && d <= 10*time.Minute {
				attributions = append(attributions, c.ClickID+"<-"+i.ImpressionID)
			}
			if d >= -10*time.Minute && d <= 10*time.Minute {
				report = append(report, c.ClickID+" "+i.ImpressionID)
				matched = true
			}
		}
		if !matched {
			report = append(report, c.ClickID+" -")
		}
	}
	slices.Sort(attributions)
	slices.Sort(report)
	return attributions, report
}

// TestJoinCrash proves the joins exactly once under crashes: two worker
// processes run the interval joins over 2 partitions of clicks and
// impressions while they are produced; they are SIGKILLed at random
// points (now and then with their state directory wiped, so the buffered
// records come back from the changelog) and kill themselves at the
// commit protocol's fault points, then restarted. Afterwards, read
// read_committed, every attribution and every line of the left join's
// report is there exactly once.
func TestJoinCrash(t *testing.T) {
	if os.Getenv(joinWorkerEnv) != "" {
		joinWorker(t)
		return
	}
	// One kill per chunk of 400 events, and at least kills: 20 kills over
	// 8,000 events; STREAMGEN_CRASH_LONG=1: 250 over 100,000.
	events, kills := 8_000, 10
	if os.Getenv("STREAMGEN_CRASH_LONG") != "" {
		events, kills = 100_000, 100
	}
	const chunk = 400
	e := newEOSEnv(t)
	const parts = 2
	clicks, impressions, name := e.name("ad-clicks"), e.name("ad-impressions"), e.name("ads-crash")
	p, err := pij.NewPipeline(pij.Operators{Attributed: attributeOp{}, Report: reportOp{}},
		runtime.WithName(name), runtime.WithTopics("clicks", clicks), runtime.WithTopics("impressions", impressions))
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec()
	setup, cancelSetup := context.WithTimeout(context.Background(), 30*time.Second)
	e.createPipelineTopics(setup, &spec, parts)
	cancelSetup()
	gen := &adEvents{prefix: e.prefix, parts: parts, ads: 200, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))}
	dir := t.TempDir()
	var workers []*workerProc
	for _, id := range []string{"w0", "w1"} {
		w := &workerProc{id: id, log: filepath.Join(dir, id+".log"),
			cfg: workerConfig{Brokers: strings.Join(e.brokers, ","), Name: name, Input: clicks + "," + impressions,
				StateDir: filepath.Join(dir, id, "state"), Instance: id, TxnTimeout: 10 * time.Second, Faults: "0.02"}}
		startJoinWorker(t, w)
		workers = append(workers, w)
	}
	defer func() { stopWorkers(t, workers) }()
	killed, selfKilled, wiped := crashWorkers(t, workers, startJoinWorker, events, chunk, kills,
		func(n int) { e.produce(gen.records(clicks, impressions, n)) })
	// Then the flush moves event time past every interval.
	e.produce(gen.flush(clicks, impressions))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := e.waitCaughtUp(ctx, name, clicks, impressions); err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		w.stop(t)
	}
	wantAttr, wantReport := gen.want()
	gotAttr, gotReport := readAdResults(ctx, t, e)
	t.Logf("%d clicks, %d impressions: %d attributions, %d report lines; %d SIGKILLs (%d with the state directory wiped), %d workers killed at a fault point",
		len(gen.clicks), len(gen.imps), len(wantAttr), len(wantReport), killed, wiped, selfKilled)
	diffOnce(t, "attributions", gotAttr, wantAttr)
	diffOnce(t, "click report", gotReport, wantReport)
}

// diffOnce reports what got lacks of want (losses) and what it has
// beyond it (duplicates, or results that should not be), both sorted.
func diffOnce(t *testing.T, what string, got, want []string) {
	t.Helper()
	var lost, extra []string
	i, j := 0, 0
	for i < len(got) || j < len(want) {
		switch {
		case j == len(want) || (i < len(got) && got[i] < want[j]):
			extra = append(extra, got[i])
			i++
		case i == len(got) || want[j] < got[i]:
			lost = append(lost, want[j])
			j++
		default:
			i++
			j++
		}
	}
	if len(lost) > 0 || len(extra) > 0 {
		t.Errorf("%s: %d of %d lost, %d extra (duplicates or wrong); lost %q, extra %q", what, len(lost), len(want), len(extra), lost[:min(len(lost), 10)], extra[:min(len(extra), 10)])
	}
}
