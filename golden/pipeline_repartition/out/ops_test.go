package pipeline_repartition

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// count counts the views of a key per window.
type count struct{}

func (count) CreateAccumulator() int64        { return 0 }
func (count) Add(_ PageView, acc int64) int64 { return acc + 1 }
func (count) Merge(a, b int64) int64          { return a + b }
func (count) Result(key string, w runtime.Window, acc int64) (string, error) {
	return fmt.Sprintf("%s=%d", key, acc), nil
}

func ops() Operators { return Operators{PerUser: count{}, PerPage: count{}} }

func render(outs []runtime.Output[string, string]) []string {
	var s []string
	for _, o := range outs {
		s = append(s, o.Value)
	}
	sort.Strings(s)
	return s
}

// TestPerPageIsGlobal sends views of one page from users on different
// partitions and from the unpartitioned app topic: per_page counts them
// once, in the task the page hashes to, while per_user counts each user in
// place.
func TestPerPageIsGlobal(t *testing.T) {
	for _, partitions := range []int32{1, 2, 3} {
		t.Run(fmt.Sprint(partitions), func(t *testing.T) {
			d := NewTestDriver(t, ops(), runtime.WithPartitions(partitions))
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, user := range []string{"ann", "bob", "cid", "dan", "ann"} {
				ts := t0.Add(time.Duration(i) * time.Second)
				d.PipeWeb(user, PageView{UserID: user, Page: "/home", Ts: ts}, ts)
			}
			d.PipeApp(PageView{UserID: "eve", Page: "/home", Ts: t0}, t0)
			d.PipeApp(PageView{UserID: "eve", Page: "/help", Ts: t0}, t0)
			d.AdvanceWatermark(t0.Add(time.Minute))
			if got, want := render(d.ReadPerPageOut()), []string{"/help=1", "/home=6"}; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("per page: %v, want %v", got, want)
			}
			if got, want := render(d.ReadPerUserOut()), []string{"ann=2", "bob=1", "cid=1", "dan=1"}; strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("per user: %v, want %v", got, want)
			}
		})
	}
}

// TestRepartitionTopicName checks the repartition input the spec declares,
// after the sources, named after the pipeline.
func TestRepartitionTopicName(t *testing.T) {
	p, err := NewPipeline(ops(), runtime.WithName("views"))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Spec().Inputs
	if len(in) != 3 || !in[2].Repartition || in[2].Name != "by_page" || len(in[2].Topics) != 1 || in[2].Topics[0] != "views-by_page-repartition" {
		t.Fatalf("inputs %+v", in)
	}
	if in[0].Repartition || in[1].Repartition {
		t.Errorf("sources marked as repartition topics: %+v", in[:2])
	}
}
