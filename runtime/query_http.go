package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// QueryRoute is one route of a generated pipeline's QueryHandler: the
// state at Path, answered for a key.
type QueryRoute struct {
	// Path is the route, "/state/<operator>/<state>" for a process state
	// or "/state/<operator>" for a window operator.
	Path string
	// Serve returns the JSON answer for key (the request's ?key=), and
	// whether there is one. An error wrapping ErrBadQueryKey is the
	// request's fault.
	Serve func(ctx context.Context, key string) (body []byte, found bool, err error)
}

// ErrBadQueryKey is the error of a key that does not parse as the
// state's key type.
var ErrBadQueryKey = errors.New("runtime: bad key")

// NewQueryHandler serves routes under GET: the JSON answer (200), 400
// without a ?key= or with one that does not parse, 404 when the state has
// nothing for the key, and 503 when the query fails (the pipeline is not
// running, or its context ended).
func NewQueryHandler(routes []QueryRoute) http.Handler {
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.HandleFunc("GET "+r.Path, func(w http.ResponseWriter, req *http.Request) {
			if !req.URL.Query().Has("key") {
				http.Error(w, "the key is missing: add ?key=", http.StatusBadRequest)
				return
			}
			body, found, err := r.Serve(req.Context(), req.URL.Query().Get("key"))
			switch {
			case errors.Is(err, ErrBadQueryKey):
				http.Error(w, err.Error(), http.StatusBadRequest)
			case err != nil:
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
			case !found:
				http.Error(w, "nothing for this key here", http.StatusNotFound)
			default:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(append(body, '\n'))
			}
		})
	}
	return mux
}

// ListJSON renders vs as a JSON array, each element with enc.
func ListJSON[T any](vs []T, enc func(*T) ([]byte, error)) ([]byte, error) {
	out := []byte{'['}
	for i := range vs {
		if i > 0 {
			out = append(out, ',')
		}
		b, err := enc(&vs[i])
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return append(out, ']'), nil
}

// WindowsJSON renders windows as a JSON array of {"start", "end",
// "value"}: the window's bounds as RFC 3339 times (UTC), and its contents
// rendered with enc.
func WindowsJSON[V any](ws []Windowed[V], enc func(*V) ([]byte, error)) ([]byte, error) {
	out := []byte{'['}
	for i := range ws {
		if i > 0 {
			out = append(out, ',')
		}
		b, err := enc(&ws[i].Value)
		if err != nil {
			return nil, err
		}
		out = fmt.Appendf(out, `{"start":%q,"end":%q,"value":%s}`,
			time.UnixMilli(ws[i].Window.Start).UTC().Format(time.RFC3339Nano), time.UnixMilli(ws[i].Window.End).UTC().Format(time.RFC3339Nano), b)
	}
	return append(out, ']'), nil
}

// EntriesJSON renders a map's entries, each a rendered key and value, as
// a JSON array of {"key", "value"} in the byte order of the rendered keys
// (a map's key need not be a JSON string).
func EntriesJSON(entries [][2][]byte) []byte {
	slices.SortFunc(entries, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
	out := []byte{'['}
	for i, e := range entries {
		if i > 0 {
			out = append(out, ',')
		}
		out = fmt.Appendf(out, `{"key":%s,"value":%s}`, e[0], e[1])
	}
	return append(out, ']')
}
