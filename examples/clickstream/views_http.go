package clickstream

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/streamgen/streamgen/runtime"
)

// minuteViews is one minute of a user's page views as ViewsHandler
// answers it.
type minuteViews struct {
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Views        int64     `json:"views"`
	DistinctURLs int32     `json:"distinct_urls"`
}

// ViewsHandler answers GET /users/{id}/views with the minutes of the
// user's page views that the views window still holds (the current
// minute, and the last one until its 30s of allowed lateness pass), as
// a JSON array, oldest first, read through q (an interactive query of
// the committed state: kafka.Queries in cmd/clickstream, the test driver
// in tests). An empty array: no recent views on this instance (with
// several instances, the user is on the one that runs its partition).
// 503 when the pipeline is not running.
func ViewsHandler(q runtime.StateQuerier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.PathValue("id")
		windows, err := QueryViews(r.Context(), q, user)
		switch {
		case err != nil && errors.Is(err, r.Context().Err()):
			return // the client went away
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		out := make([]minuteViews, 0, len(windows))
		for _, win := range windows {
			v, err := Views{}.Result(user, win.Window, win.Value)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			out = append(out, minuteViews{Start: v.WindowStart, End: v.WindowEnd, Views: v.Views, DistinctURLs: v.DistinctUrls})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}
