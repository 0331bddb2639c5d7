package minute

import (
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// The same logic as the Humans, PageViews and Views operators of
// ../../operators.go, for this package's generated types.

// NewOperators returns the pipeline's operators.
func NewOperators() Operators {
	return Operators{Humans: humans{}, PageViews: pageViews{}, Views: views{}}
}

type humans struct{}

func (humans) Filter(_ *runtime.Context, c Click) (bool, error) { return !c.IsBot, nil }

type pageViews struct{}

func (pageViews) Filter(_ *runtime.Context, c Click) (bool, error) {
	return c.Kind == ClickKindPageView, nil
}

type views struct{}

func (views) CreateAccumulator() ViewAcc { return ViewAcc{Urls: map[string]int32{}} }

func (views) Add(c Click, acc ViewAcc) ViewAcc {
	if acc.Urls == nil {
		acc.Urls = map[string]int32{}
	}
	acc.Views++
	acc.Urls[c.URL]++
	return acc
}

func (views) Merge(a, b ViewAcc) ViewAcc {
	if a.Urls == nil {
		a.Urls = map[string]int32{}
	}
	for url, n := range b.Urls {
		a.Urls[url] += n
	}
	a.Views += b.Views
	return a
}

func (views) Result(user string, w runtime.Window, acc ViewAcc) (UserViews, error) {
	return UserViews{
		UserID:       user,
		WindowStart:  time.UnixMilli(w.Start).UTC(),
		WindowEnd:    time.UnixMilli(w.End).UTC(),
		Views:        acc.Views,
		DistinctUrls: int32(len(acc.Urls)),
	}, nil
}
