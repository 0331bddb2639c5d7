package alerts

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/streamgen/streamgen/runtime"
)

// LastSeenHandler answers GET /users/{id}/last-seen with the user's last
// activity as JSON, read from the pipeline's state through q (an
// interactive query: kafka.Queries in cmd/alerts, the TestDriver in
// tests): 404 when this instance holds no activity of the user (never
// seen, forgotten after a day, or on another instance), 503 when the
// pipeline is not running.
func LastSeenHandler(q runtime.StateQuerier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, found, err := QueryQuietLastSeen(r.Context(), q, r.PathValue("id"))
		switch {
		case err != nil && (errors.Is(err, r.Context().Err())):
			return // the client went away
		case err != nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		case !found:
			http.Error(w, "no activity of this user here", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a)
	})
}
